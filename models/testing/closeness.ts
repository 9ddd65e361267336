/** Tests only: compare float arrays relative to the expected tensor's scale (gradients, activations). */
import assert from 'node:assert/strict';

/**
 * Asserts max |actual − expected| ≤ rel · max |expected| + abs. Relative to the tensor's scale, not per
 * element: small entries (a gradient near 0) are rounding noise on both sides.
 */
export function assertCloseToScale(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  assert.ok(diff <= rel * scale + abs, `${what}: max difference ${diff} at scale ${scale} (relative ${diff / scale})`);
}

/** Asserts |actual − expected| ≤ tol · (1 + |expected|) at every element (kernels that must agree value by value). */
export function assertCloseElementwise(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  let m = 0;
  for (let i = 0; i < expected.length; i++) m = Math.max(m, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  assert.ok(m < tol, `${what}: max relative difference ${m}`);
}
