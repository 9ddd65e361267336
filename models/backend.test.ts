import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.ts';

test('on wasm a clone shares its data (no copy) and outlives the original; gradients through saved tensors are unchanged', async (t) => {
  if ((await initBackend()) !== 'wasm') return t.skip('wasm backend not active');
  const x = tf.tensor2d([[1, -2, 3], [4, 5, -6]]);
  const before = tf.memory().numDataBuffers;
  const y = x.clone();
  assert.equal(tf.memory().numDataBuffers, before, "a clone allocates no buffer");
  x.dispose();
  assert.deepEqual(Array.from(await y.data()), [1, -2, 3, 4, 5, -6]);
  const z = tf.add(y, 1);
  y.dispose();
  assert.deepEqual(Array.from(await z.data()), [2, -1, 4, 5, 6, -5]);
  z.dispose();
  // relu and mul save their inputs (clones) for the backward pass
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), a)))(tf.tensor1d([-1, 2, 3]));
  assert.deepEqual(Array.from(await g.data()), [0, 4, 6]);
});
