import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { paramCount, networkSpecs } from './architecture.ts';
import { createParams, disposeParams, readParams } from './params.ts';
import { lightx3ecg, fromLeadMajor } from './lightx3ecg.ts';
import { depthwiseConv1d } from './depthwise.ts';
import { fixtureExpected, fixtureInputs, fixtureWeights, maxAbsDiff } from '../testing/parityFixture.ts';
import { applyMasks, globalMagnitudeMasks } from '../pruning/magnitude.ts';

test('parameter counts match the spec (4 and 9 classes)', () => {
  assert.equal(paramCount(4), 5_341_167);
  assert.equal(paramCount(9), 5_343_732);
  assert.equal(networkSpecs(4).length, 466);
});

test('the fixture manifest lists exactly the spec tensors in order', () => {
  const w = fixtureWeights(4);
  assert.deepEqual([...w.keys()], networkSpecs(4).map((s) => s.name));
});

for (const numClasses of [4, 9] as const) {
  test(`parity with the reference: ${numClasses}-class logits, probabilities, attention, lead features`, async () => {
    await initBackend();
    const weights = fixtureWeights(numClasses);
    const params = createParams(weights);
    const { expected, tensors } = fixtureExpected(numClasses);
    const tol = expected.tolerance;
    const out = tf.tidy(() => lightx3ecg({ params, training: false }, fromLeadMajor(fixtureInputs(), 3, 5000), { multilabel: numClasses === 9, withTaps: numClasses === 4, keepStage3: numClasses === 4 }));
    assert.deepEqual(out.logits.shape, [3, numClasses]);
    assert.ok(maxAbsDiff(await out.logits.data(), expected.logits.flat()) < tol.logits_abs);
    assert.ok(maxAbsDiff(await out.probabilities.data(), expected.probabilities.flat()) < tol.probabilities_abs);
    assert.ok(maxAbsDiff(await out.scores.data(), expected.attention_scores.flat()) < tol.attention_abs);
    assert.ok(maxAbsDiff(await out.leadFeatures.data(), expected.lead_features.flat(2)) < tol.features_abs);
    assert.ok(maxAbsDiff(await out.merged.data(), expected.merged_features.flat()) < tol.features_abs);
    if (numClasses === 4) {
      for (const k of ['stem', 'stage0', 'stage1', 'stage2']) {
        const mine = tf.tidy(() => tf.transpose(tf.squeeze(tf.slice(out.taps![0][k], [0, 0, 0], [1, -1, -1]), [0])));
        assert.ok(maxAbsDiff(await mine.data(), tensors.get(`activations.input0.lead0.${k}`)!.data) < tol.activations_abs, k);
      }
      for (const lead of [0, 1, 2]) {
        const mine = tf.tidy(() => tf.transpose(tf.squeeze(tf.slice(out.stage3![lead], [0, 0, 0], [1, -1, -1]), [0])));
        assert.deepEqual(out.stage3![lead].shape, [3, 157, 512]);
        assert.ok(maxAbsDiff(await mine.data(), tensors.get(`activations.input0.lead${lead}.stage3`)!.data) < tol.activations_abs);
      }
    }
    // weights survive the PyTorch ⇄ TF layout round trip bit for bit
    const back = readParams(params, numClasses);
    for (const [name, t] of weights) assert.deepEqual(back.get(name)!.data, t.data, name);
    disposeParams(params);
    tf.dispose(out as unknown as tf.Tensor[]);
  });
}

test('pruning check: threshold, pooled counts, per-tensor kept counts and logits after 80 % pruning', async () => {
  await initBackend();
  const weights = fixtureWeights(4);
  const { expected } = fixtureExpected(4);
  const p = expected.pruning!;
  const r = globalMagnitudeMasks(weights, 0.8, 4);
  assert.equal(r.pooled, p.pooled_elements);
  assert.equal(r.pruned, p.pruned_elements);
  assert.ok(Math.abs(r.threshold - p.threshold_abs_weight) < 1e-9);
  assert.equal(Object.keys(r.keptPerTensor).length, 216);
  assert.deepEqual(r.keptPerTensor, p.kept_per_tensor);
  const params = createParams(applyMasks(weights, r.masks));
  const out = tf.tidy(() => lightx3ecg({ params, training: false }, fromLeadMajor(fixtureInputs(), 3, 5000)));
  assert.ok(maxAbsDiff(await out.logits.data(), p.logits_after_pruning.flat()) < expected.tolerance.logits_abs);
  assert.ok(maxAbsDiff(await out.scores.data(), p.attention_after_pruning.flat()) < expected.tolerance.attention_abs);
  disposeParams(params);
});

test('the forward-only depthwise gradient (wasm without backprop kernels) equals the cpu backprop kernels', async () => {
  const grads = async (backend: 'cpu' | 'wasm', stride: number, len: number) => {
    await initBackend(backend);
    const x = tf.tensor3d(Float32Array.from({ length: 2 * len * 5 }, (_, i) => Math.sin(i * 0.37)), [2, len, 5]);
    const w = tf.tensor2d(Float32Array.from({ length: 35 }, (_, i) => Math.cos(i * 0.11)), [7, 5]);
    const up = tf.tensor3d(Float32Array.from({ length: 2 * Math.floor((len + 6 - 7) / stride + 1) * 5 }, (_, i) => Math.sin(i)), [2, Math.floor((len + 6 - 7) / stride + 1), 5]);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(depthwiseConv1d(a as tf.Tensor3D, b as tf.Tensor2D, stride, 3, backend === 'wasm' ? 'forward-only' : 'auto'), up)));
    const [gx, gw] = g([x, w]);
    return [await gx.data(), await gw.data()];
  };
  for (const [stride, len] of [[1, 20], [2, 20], [2, 13]]) {
    const [nx, nw] = await grads('cpu', stride, len);
    const [cx, cw] = await grads('wasm', stride, len);
    assert.ok(maxAbsDiff(nx, cx) < 1e-4, `dx stride ${stride} len ${len}`);
    assert.ok(maxAbsDiff(nw, cw) < 1e-4, `dw stride ${stride} len ${len}`);
  }
  await initBackend();
});

test('the stem filter gradient on wasm (one dilated conv, no Conv2DBackpropFilter) equals cpu', async () => {
  const { stemConv } = await import('./leadBackbone.ts');
  const grad = async (backend: 'cpu' | 'wasm') => {
    await initBackend(backend);
    const x = tf.tensor2d(Float32Array.from({ length: 2 * 60 }, (_, i) => Math.sin(i * 0.7)), [2, 60]);
    const w = tf.tensor2d(Float32Array.from({ length: 15 * 64 }, (_, i) => Math.cos(i * 0.3)), [15, 64]);
    const bias = tf.zeros([64]);
    const up = tf.tensor3d(Float32Array.from({ length: 2 * 30 * 64 }, (_, i) => Math.sin(i * 0.01)), [2, 30, 64]);
    const g = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(stemConv({ params: new Map([['s.weight', ww], ['s.bias', bias]]), training: true }, 's', x), up)));
    return await g(w).data();
  };
  const cpu = await grad('cpu');
  const wasm = await grad('wasm');
  assert.ok(maxAbsDiff(cpu, wasm) < 1e-3);
  assert.ok(Math.max(...Array.from(cpu, Math.abs)) > 1);
  await initBackend();
});
