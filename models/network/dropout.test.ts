import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { dropout, dropoutMultipliers } from './dropout.ts';

test('dropout multipliers: 0 or 1/keep, keep fraction within 0.5 %, same seed same mask, other seed other mask', () => {
  const n = 200_000;
  for (const keep of [0.7, 0.8]) {
    const m = dropoutMultipliers(n, keep, 42);
    let kept = 0;
    for (const v of m) {
      assert.ok(v === 0 || Math.abs(v - 1 / keep) < 1e-6);
      if (v) kept++;
    }
    assert.ok(Math.abs(kept / n - keep) < 0.005, `kept ${kept / n}`);
    assert.deepEqual(dropoutMultipliers(n, keep, 42), m);
    const other = dropoutMultipliers(n, keep, 43);
    let same = 0;
    for (let i = 0; i < n; i++) if ((other[i] > 0) === (m[i] > 0)) same++;
    // independent masks agree on keep² + (1−keep)² of the positions
    assert.ok(Math.abs(same / n - (keep * keep + (1 - keep) ** 2)) < 0.01, `agreement ${same / n}`);
  }
});

test('dropout keeps the mean, is the identity outside training, and its gradient is the mask', async () => {
  await initBackend();
  const x = tf.ones([4, 1000, 8]);
  const ctx = { params: new Map(), training: true, seedFor: () => 7 };
  const y = dropout(ctx, x, 0.3, 'w');
  const mean = (await tf.mean(y).data())[0];
  assert.ok(Math.abs(mean - 1) < 0.03, `mean ${mean}`);
  assert.equal(dropout({ ...ctx, training: false }, x, 0.3, 'w'), x);
  assert.equal(dropout({ ...ctx, frozen: () => true }, x, 0.3, 'w'), x);
  const g = tf.grad((a: tf.Tensor) => tf.sum(dropout(ctx, a, 0.3, 'w')))(x);
  assert.deepEqual(Array.from(await g.data()), Array.from(await y.data()));
  tf.dispose([x, y, g]);
});
