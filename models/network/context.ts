import * as tf from '@tensorflow/tfjs';
import { BN_EPS } from './architecture.ts';
import { batchNormTrain, fusedBatchNormAvailable } from './batchNormTrain.ts';

/** What a forward pass reads: parameters, mode, and (in training) where BN batch statistics go. */
export interface ForwardContext {
  /** Parameters by spec name (TF layout): variables, or the tensors a gradient is taken with respect to. */
  params: ReadonlyMap<string, tf.Tensor>;
  training: boolean;
  /** Training only: BN batch mean and unbiased variance per BN prefix, kept for the running-stat update. */
  bnBatchStats?: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>;
  /** Training only: the dropout seed of a layer (by owner name), so a run is reproducible and a
   * recomputed segment draws the same mask. */
  seedFor?: (owner: string) => number;
  /** Names whose gradient is not needed: BN in a frozen part still runs in eval mode. */
  frozen?: (name: string) => boolean;
}

export function param(ctx: ForwardContext, name: string): tf.Tensor {
  const v = ctx.params.get(name);
  if (!v) throw new Error(`parameter ${name} missing`);
  return v;
}

/**
 * BatchNorm over every axis but the last (PyTorch semantics, eps 1e-5). Training normalises with the
 * biased batch variance and records the unbiased one for the running update (spec §7). `relu`
 * applies max(0, ·) after it (BN → ReLU, as the stem, conv1 and the attention MLP have).
 */
export function batchNorm(ctx: ForwardContext, prefix: string, x: tf.Tensor, relu = false): tf.Tensor {
  const gamma = param(ctx, `${prefix}.weight`);
  const beta = param(ctx, `${prefix}.bias`);
  const train = ctx.training && !(ctx.frozen?.(`${prefix}.weight`) ?? false);
  if (!train) {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(param(ctx, `${prefix}.running_var`), BN_EPS)));
    const shift = tf.sub(beta, tf.mul(param(ctx, `${prefix}.running_mean`), scale));
    const y = tf.add(tf.mul(x, scale), shift);
    return relu ? tf.relu(y) : y;
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const n = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (n < 2) throw new Error(`BatchNorm ${prefix} in training needs at least 2 values per channel (got a batch of 1)`);
  if (x.dtype === 'float32' && fusedBatchNormAvailable()) {
    // One fused kernel forward and one backward (models/native) instead of the generic ops below.
    // ReLU rides in the same pass, and its mask in the gradient kernel (no Relu/Step/Cast/Multiply)
    const fused = batchNormTrain(x, gamma, beta, BN_EPS, relu);
    if (ctx.bnBatchStats) ctx.bnBatchStats.set(prefix, { mean: fused.mean, variance: tf.keep(tf.mul(fused.variance, n / (n - 1))) });
    else fused.mean.dispose();
    fused.variance.dispose();
    return fused.y;
  }
  const { mean, variance } = tf.moments(x, axes);
  if (ctx.bnBatchStats) {
    ctx.bnBatchStats.set(prefix, { mean: tf.keep(mean.clone()), variance: tf.keep(tf.mul(variance, n / (n - 1))) });
  }
  // (x − μ)/σ·γ + β folded into x·a + b with per-channel a, b: two full-size ops instead of four
  const a = tf.mul(gamma, tf.rsqrt(tf.add(variance, BN_EPS)));
  const y = tf.add(tf.mul(x, a), tf.sub(beta, tf.mul(mean, a)));
  return relu ? tf.relu(y) : y;
}
