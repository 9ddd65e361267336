/**
 * One lead's light SE-ResNet18 (spec §4): [B, 5000, 1] → stage-3 activations [B, 157, 512] and the
 * time-mean feature [B, 512]. Stem conv 1→64 k15 s2 pad 7 (its filter gradient one dilated conv), max-pool k3 s2 p1 on
 * zero padding (equal to −∞ padding after ReLU, spec §3.4).
 */
import * as tf from '@tensorflow/tfjs';
import { STAGES } from './architecture.ts';
import { batchNorm, param, type ForwardContext } from './context.ts';
import { resBlock } from './resBlock.ts';

export interface BackboneOutput {
  /** Output of stage 3 (the Grad-CAM layer), NLC [B, 157, 512]. */
  stage3: tf.Tensor3D;
  /** Mean over time of stage3: the lead feature [B, 512]. */
  feature: tf.Tensor2D;
  /** Intermediate outputs when asked for (debugging parity): stem (after pool), stage0..stage2. */
  taps?: Record<string, tf.Tensor3D>;
}

const STEM_K = 15;
const STEM_PAD = 7;

/**
 * The stem's filter gradient dW[j, c] = Σ_{b,t} xp[b, 2t + j]·dy[b, t, c] as one convolution: the padded
 * input as a [1, B, Lp, 1] image, dy as a [B, Lout, 1, 64] filter dilated by the stride. ~15× faster on
 * wasm than an im2col of 15 strided slices and a matMul.
 */
function stemFilterGradient(xp: tf.Tensor2D, dy: tf.Tensor3D): tf.Tensor2D {
  const [b, lp] = xp.shape;
  const lout = dy.shape[1];
  const corr = tf.conv2d(tf.reshape(xp, [1, b, lp, 1]) as tf.Tensor4D, tf.reshape(dy, [b, lout, 1, 64]) as tf.Tensor4D, 1, 'valid', 'NHWC', [1, 2]);
  return tf.reshape(tf.slice(corr, [0, 0, 0, 0], [1, 1, STEM_K, 64]), [STEM_K, 64]);
}

function stemValid(xp: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor3D {
  return tf.conv1d(tf.expandDims(xp, 2) as tf.Tensor3D, tf.reshape(w, [STEM_K, 1, 64]) as tf.Tensor3D, 2, 'valid') as tf.Tensor3D;
}

/** Gradient for the filter only: the input is data, never differentiated. wasm lacks Conv2DBackpropFilter. */
const stemCustom = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const xp = args[0] as tf.Tensor2D;
  const w = args[1] as tf.Tensor2D;
  (args[2] as tf.GradSaveFunc)([xp]);
  return {
    value: stemValid(xp, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.zerosLike(saved[0]), stemFilterGradient(saved[0] as tf.Tensor2D, dy as tf.Tensor3D)],
  };
}) as Parameters<typeof tf.customGrad>[0]);

/** Stem conv 1→64, k15 s2 p7, with bias. */
export function stemConv(ctx: ForwardContext, prefix: string, x: tf.Tensor2D): tf.Tensor3D {
  const xp = tf.pad(x, [[0, 0], [STEM_PAD, STEM_PAD]]) as tf.Tensor2D;
  const w = param(ctx, `${prefix}.weight`) as tf.Tensor2D;
  const native = !ctx.training || tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined;
  const y = native ? stemValid(xp, w) : (stemCustom(xp, w) as tf.Tensor3D);
  return tf.add(y, param(ctx, `${prefix}.bias`)) as tf.Tensor3D;
}

/** max-pool k3 s2 p1 of a non-negative [B, L, C]. */
export function maxPoolStem(x: tf.Tensor3D): tf.Tensor3D {
  const xp = tf.pad(x, [[0, 0], [1, 1], [0, 0]]) as tf.Tensor3D;
  return tf.squeeze(tf.maxPool(tf.expandDims(xp, 1) as tf.Tensor4D, [1, 3], [1, 2], 'valid'), [1]) as tf.Tensor3D;
}

/** Stem and stages 0–2, [B, L] → [B, 313, 256] (frozen in `last-stage` mode). */
export function backboneTrunk(ctx: ForwardContext, lead: number, x: tf.Tensor2D, taps?: Record<string, tf.Tensor3D>): tf.Tensor3D {
  const p = `lead${lead}`;
  let h = stemConv(ctx, `${p}.stem.conv`, x);
  h = batchNorm(ctx, `${p}.stem.bn`, h, true) as tf.Tensor3D;
  h = maxPoolStem(h);
  if (taps) taps.stem = h;
  for (let i = 0; i < 3; i++) {
    h = stageForward(ctx, lead, i, h);
    if (taps) taps[`stage${i}`] = h;
  }
  return h;
}

export function stageForward(ctx: ForwardContext, lead: number, stage: number, h: tf.Tensor3D): tf.Tensor3D {
  // In eval mode nothing is differentiated: free each block's intermediates at once (peak memory).
  const block = (j: number, x: tf.Tensor3D) => {
    const run = () => resBlock(ctx, `lead${lead}.stage${stage}.block${j}`, x, j === 0 && STAGES[stage].downsample);
    return ctx.training ? run() : tf.tidy(run);
  };
  return block(1, block(0, h));
}

/** The full backbone of lead `lead` (0 = I, 1 = II, 2 = V1) on its signal [B, L]. */
export function leadBackbone(ctx: ForwardContext, lead: number, x: tf.Tensor2D, withTaps = false): BackboneOutput {
  const taps = withTaps ? ({} as Record<string, tf.Tensor3D>) : undefined;
  const h = backboneTrunk(ctx, lead, x, taps);
  const stage3 = stageForward(ctx, lead, 3, h);
  return { stage3, feature: tf.mean(stage3, 1) as tf.Tensor2D, taps };
}
