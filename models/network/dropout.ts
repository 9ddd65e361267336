/**
 * Inverted dropout with a seeded mask. TF.js's tf.dropout draws its uniforms with a JS alea generator and
 * then runs add, floor, div and mul over the whole tensor: ~90 ms for one [16, 1250, 64] activation here,
 * 30× a multiply, and a training step draws 1.3 M per lead per ECG (forward and recomputed backward).
 * A xorshift mask written straight into the multiplier costs a few ms, and the same seed gives the same
 * mask, which the recomputed (checkpointed) backward pass relies on.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardContext } from './context.ts';

/** splitmix32 finaliser: neighbouring layer seeds start far apart. */
function mixSeed(seed: number): number {
  let z = (seed + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z = (z ^ (z >>> 16)) >>> 0;
  return z === 0 ? 0x6d2b79f5 : z;
}

/** n multipliers, each 1/keep with probability keep and 0 otherwise (xorshift32 stream from `seed`). */
export function dropoutMultipliers(n: number, keep: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const scale = 1 / keep;
  const threshold = keep * 4294967296;
  let s = mixSeed(seed);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    if (s >>> 0 < threshold) out[i] = scale;
  }
  return out;
}

/** Dropout at `rate` in training (not in a frozen part); the identity otherwise. */
export function dropout(ctx: ForwardContext, x: tf.Tensor, rate: number, owner: string): tf.Tensor {
  if (!ctx.training || (ctx.frozen?.(owner) ?? false) || rate <= 0) return x;
  const seed = ctx.seedFor?.(owner) ?? Math.floor(Math.random() * 2 ** 31);
  return tf.tidy(() => tf.mul(x, tf.tensor(dropoutMultipliers(x.size, 1 - rate, seed), x.shape, 'float32')));
}
