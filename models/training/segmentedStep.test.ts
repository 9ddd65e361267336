import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { fixtureInputs, fixtureWeights } from '../testing/parityFixture.ts';
import { createParams, disposeParams } from '../network/params.ts';
import { fromLeadMajor, lightx3ecg } from '../network/lightx3ecg.ts';
import { networkSpecs } from '../network/architecture.ts';
import { layerSeed, segmentedGradients } from './segmentedStep.ts';
import { assertCloseToScale } from '../testing/closeness.ts';

test('recomputed (checkpointed) gradients equal whole-tape gradients, dropout and batch-stat BN included', async () => {
  await initBackend();
  const params = createParams(fixtureWeights(4));
  const x = fromLeadMajor(fixtureInputs(), 3, 5000);
  const y = tf.tensor2d([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]);
  const loss = (logits: tf.Tensor2D) => tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  const seedFor = (o: string) => layerSeed(12345, o);
  for (const mode of ['full', 'last-stage'] as const) {
    const trainable = new Set(networkSpecs(4).filter((s) => !s.kind.startsWith('bn_running')).map((s) => s.name).filter((n) => mode === 'full' || /stage3|^attention|^classifier/.test(n)));
    const statsA = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    const a = segmentedGradients({ params, trainable, x, loss, seedFor, bnBatchStats: statsA });
    const statsB = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    const vars = [...trainable].map((n) => params.get(n)!);
    const b = tf.variableGrads(() => loss(lightx3ecg({ params, training: true, bnBatchStats: statsB, seedFor, frozen: (n) => !trainable.has(n) }, x).logits), vars);
    assert.ok(Math.abs((await a.loss.data())[0] - (await b.value.data())[0]) < 1e-5);
    assert.equal(a.grads.size, trainable.size);
    for (const n of trainable) {
      assertCloseToScale(await a.grads.get(n)!.data(), await b.grads[params.get(n)!.name].data(), 1e-5, 1e-9, `${mode} ${n}`);
    }
    assert.deepEqual([...statsA.keys()].sort(), [...statsB.keys()].sort());
    tf.dispose([a.loss, ...a.grads.values(), b.value, ...Object.values(b.grads), ...[...statsA.values(), ...statsB.values()].flatMap((s) => [s.mean, s.variance])]);
  }
  disposeParams(params);
});
