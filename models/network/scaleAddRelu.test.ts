import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastKernels, unregisterFastKernels } from '../native/index.ts';
import { buildAddonForTest } from '../native/addonForTests.ts';
import { fusedBlockEndAvailable, scaleAddRelu } from './scaleAddRelu.ts';
import { assertCloseElementwise } from '../testing/closeness.ts';

const shapes: [number, number, number][] = [[2, 7, 5], [3, 11, 70], [1, 300, 16]];

/** y and the gradients of sum(y·w) with respect to x, s, r; about half of x·s + r is negative. */
function run(shape: [number, number, number], seed: number): Float32Array[] {
  return tf.tidy(() => {
    const [b, , c] = shape;
    const x = tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor3D;
    const s = tf.randomUniform([b, c], 0, 1, 'float32', seed + 1) as tf.Tensor2D;
    const r = tf.randomNormal(shape, 0, 1, 'float32', seed + 2) as tf.Tensor3D;
    const w = tf.randomNormal(shape, 0, 1, 'float32', seed + 3);
    const y = scaleAddRelu(x, s, r);
    const g = tf.grads((a: tf.Tensor, q: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(scaleAddRelu(a as tf.Tensor3D, q as tf.Tensor2D, z as tf.Tensor3D), w)))([x, s, r]);
    return [y, ...g].map((t) => t.dataSync() as Float32Array);
  });
}

const close = (a: Float32Array, b: Float32Array, what: string) => assertCloseElementwise(a, b, 1e-5, what);

test('the fused block end max(0, x·s + r) equals the TF.js ops, value and gradients, on cpu and wasm, JS and native', async () => {
  const native = buildAddonForTest('default');
  for (const [backend, addon] of [['cpu', null], ['wasm', null], ['cpu', native ?? null], ['wasm', native ?? null]] as const) {
    assert.ok(await tf.setBackend(backend));
    unregisterFastKernels(tf, backend);
    assert.equal(fusedBlockEndAvailable(), false);
    const reference = shapes.map((s, i) => run(s, 10 * i + 1));
    registerFastKernels(tf, backend, { addon, fusedBlockEnd: true });
    try {
      assert.ok(fusedBlockEndAvailable());
      const before = tf.memory().numTensors;
      shapes.forEach((s, i) => run(s, 10 * i + 1).forEach((v, j) => close(v, reference[i][j], `${backend}${addon ? ' native' : ''} [${s}] ${['y', 'dx', 'ds', 'dr'][j]}`)));
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    } finally {
      unregisterFastKernels(tf, backend);
    }
  }
  await tf.setBackend('cpu');
});

test('the fused block end refuses a gate that does not match x', async () => {
  assert.ok(await tf.setBackend('cpu'));
  registerFastKernels(tf, 'cpu', { addon: null, fusedBlockEnd: true });
  try {
    assert.throws(() => scaleAddRelu(tf.zeros([2, 3, 4]), tf.zeros([2, 5]), tf.zeros([2, 3, 4])), /expected x \[B, L, C\] and s \[B, C\]/);
  } finally {
    unregisterFastKernels(tf, 'cpu');
  }
});
