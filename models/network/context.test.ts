import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { batchNorm } from './context.ts';
import { dropout } from './dropout.ts';

test('training BatchNorm follows PyTorch: biased variance to normalise, unbiased for the running update; eval uses running stats, eps 1e-5', async () => {
  await initBackend();
  const B = 2, L = 3, C = 2;
  const x = Float32Array.from([1, 10, 2, 20, 4, 40, -1, 5, 0, 0, 3, 1]); // [2,3,2]
  const gamma = [1.5, 0.5];
  const beta = [0.1, -0.2];
  const params = new Map<string, tf.Tensor>([
    ['bn.weight', tf.tensor1d(gamma)],
    ['bn.bias', tf.tensor1d(beta)],
    ['bn.running_mean', tf.tensor1d([0.3, -1])],
    ['bn.running_var', tf.tensor1d([2, 0.5])],
  ]);
  const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
  const y = await batchNorm({ params, training: true, bnBatchStats: stats }, 'bn', tf.tensor3d(x, [B, L, C])).data();
  for (let c = 0; c < C; c++) {
    const v = Array.from({ length: B * L }, (_, i) => x[i * C + c]);
    const mu = v.reduce((a, b) => a + b, 0) / v.length;
    const varB = v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length;
    v.forEach((xi, i) => assert.ok(Math.abs(y[i * C + c] - ((xi - mu) / Math.sqrt(varB + 1e-5)) * gamma[c] - beta[c]) < 1e-5));
    assert.ok(Math.abs((await stats.get('bn')!.mean.data())[c] - mu) < 1e-5);
    assert.ok(Math.abs((await stats.get('bn')!.variance.data())[c] - (varB * v.length) / (v.length - 1)) < 1e-4);
  }
  const e = await batchNorm({ params, training: false }, 'bn', tf.tensor3d(x, [B, L, C])).data();
  assert.ok(Math.abs(e[0] - ((1 - 0.3) / Math.sqrt(2 + 1e-5)) * 1.5 - 0.1) < 1e-6);
  assert.throws(() => batchNorm({ params, training: true }, 'bn', tf.ones([1, 2])), /batch of 1/);
});

test('dropout: inverted scaling in training, identity in eval, same seed same mask', async () => {
  await initBackend();
  const x = tf.ones([1000]);
  const ctx = { params: new Map(), training: true, seedFor: () => 42 };
  const a = await dropout(ctx, x, 0.3, 'o').data();
  const b = await dropout(ctx, x, 0.3, 'o').data();
  assert.deepEqual(a, b);
  const kept = Array.from(a).filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6));
  assert.ok(kept.length > 620 && kept.length < 780);
  assert.deepEqual(await dropout({ params: new Map(), training: false }, x, 0.3, 'o').data(), await x.data());
});
