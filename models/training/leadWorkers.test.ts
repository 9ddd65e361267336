import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { fixtureInputs, fixtureWeights } from '../testing/parityFixture.ts';
import { createParams, disposeParams } from '../network/params.ts';
import { fromLeadMajor } from '../network/lightx3ecg.ts';
import { networkSpecs } from '../network/architecture.ts';
import { layerSeed, segmentedGradients } from './segmentedStep.ts';
import { LeadWorkerPool } from './leadWorkers.ts';
import { assertCloseToScale } from '../testing/closeness.ts';

test('lead-parallel step (one worker thread per lead) gives the single-threaded step’s loss, gradients and BN statistics', async () => {
  await initBackend();
  const params = createParams(fixtureWeights(4));
  const inputs = fixtureInputs();
  const items = [0, 1, 2].map((i) => inputs.slice(i * 15000, (i + 1) * 15000));
  const y = tf.tensor2d([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]);
  const loss = (logits: tf.Tensor2D) => tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  const pool = await LeadWorkerPool.start();
  try {
    for (const [mode, tailSegments] of [['full', 0], ['full', 2], ['full', 4], ['last-stage', 2], ['last-stage', 9]] as const) {
      const trainable = new Set(networkSpecs(4).filter((s) => !s.kind.startsWith('bn_running')).map((s) => s.name).filter((n) => mode === 'full' || /stage3|^attention|^classifier/.test(n)));
      const statsA = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
      const x = fromLeadMajor(inputs, 3, 5000);
      const a = segmentedGradients({ params, trainable, x, loss, seedFor: (o) => layerSeed(777, o), bnBatchStats: statsA });
      x.dispose();
      const statsB = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
      const b = await pool.gradients({ params, trainable, items, loss, stepSeed: 777, bnBatchStats: statsB, tailSegments });
      assert.ok(Math.abs((await a.loss.data())[0] - (await b.loss.data())[0]) < 1e-5);
      assert.deepEqual([...b.grads.keys()].sort(), [...trainable].sort());
      for (const n of trainable) {
        assertCloseToScale(await b.grads.get(n)!.data(), await a.grads.get(n)!.data(), 1e-5, 1e-9, `${mode} tail ${tailSegments} ${n}`);
      }
      assert.deepEqual([...statsB.keys()].sort(), [...statsA.keys()].sort());
      for (const [k, s] of statsA) assert.ok(tf.max(tf.abs(tf.sub(s.variance, statsB.get(k)!.variance))).dataSync()[0] < 1e-4, k);
      tf.dispose([a.loss, b.loss, ...a.grads.values(), ...b.grads.values(), ...[...statsA.values(), ...statsB.values()].flatMap((s) => [s.mean, s.variance])]);
    }
    // a head that throws releases the workers blocked on its gradient; the pool then steps normally
    const trainable = new Set(networkSpecs(4).filter((s) => !s.kind.startsWith('bn_running')).map((s) => s.name));
    const bad = () => {
      throw new Error('head failed');
    };
    await assert.rejects(pool.gradients({ params, trainable, items, loss: bad, stepSeed: 1, bnBatchStats: new Map(), tailSegments: 2 }), /head failed/);
    const again = await pool.gradients({ params, trainable, items, loss, stepSeed: 1, bnBatchStats: new Map(), tailSegments: 2 });
    assert.equal(again.grads.size, trainable.size);
    tf.dispose([again.loss, ...again.grads.values()]);
  } finally {
    await pool.dispose();
    disposeParams(params);
  }
});
