/**
 * One lead's light SE-ResNet18 (spec §4): [B, 5000, 1] → stage-3 activations [B, 157, 512] and the
 * time-mean feature [B, 512]. Stem conv as im2col + matMul (stride 2, pad 7), max-pool k3 s2 p1 on
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

/** Stem conv 1→64, k15 s2 p7, with bias: im2col of 15 stride-2 taps, then one matMul. */
function stemConv(ctx: ForwardContext, prefix: string, x: tf.Tensor2D): tf.Tensor3D {
  const [b, l] = x.shape;
  const k = 15;
  const p = 7;
  const lout = Math.floor((l + 2 * p - k) / 2) + 1;
  const total = 2 * (lout + (k - 1) / 2 + 1); // even length covering every tap
  const xp = tf.pad(x, [[0, 0], [p, total - l - p]]);
  const pairs = tf.reshape(xp, [b, total / 2, 2]);
  const cols: tf.Tensor[] = [];
  for (let j = 0; j < k; j++) cols.push(tf.slice(pairs, [0, j >> 1, j & 1], [b, lout, 1]));
  const patches = tf.reshape(tf.concat(cols, 2), [b * lout, k]);
  const y = tf.add(tf.matMul(patches, param(ctx, `${prefix}.weight`) as tf.Tensor2D), param(ctx, `${prefix}.bias`));
  return tf.reshape(y, [b, lout, 64]);
}

/** max-pool k3 s2 p1 of a non-negative [B, L, C]. */
function maxPoolStem(x: tf.Tensor3D): tf.Tensor3D {
  const xp = tf.pad(x, [[0, 0], [1, 1], [0, 0]]) as tf.Tensor3D;
  return tf.squeeze(tf.maxPool(tf.expandDims(xp, 1) as tf.Tensor4D, [1, 3], [1, 2], 'valid'), [1]) as tf.Tensor3D;
}

/** Stem and stages 0–2, [B, L] → [B, 313, 256] (frozen in `last-stage` mode). */
export function backboneTrunk(ctx: ForwardContext, lead: number, x: tf.Tensor2D, taps?: Record<string, tf.Tensor3D>): tf.Tensor3D {
  const p = `lead${lead}`;
  let h = stemConv(ctx, `${p}.stem.conv`, x);
  h = tf.relu(batchNorm(ctx, `${p}.stem.bn`, h)) as tf.Tensor3D;
  h = maxPoolStem(h);
  if (taps) taps.stem = h;
  for (let i = 0; i < 3; i++) {
    h = stageForward(ctx, lead, i, h);
    if (taps) taps[`stage${i}`] = h;
  }
  return h;
}

export function stageForward(ctx: ForwardContext, lead: number, stage: number, h: tf.Tensor3D): tf.Tensor3D {
  h = resBlock(ctx, `lead${lead}.stage${stage}.block0`, h, STAGES[stage].downsample);
  return resBlock(ctx, `lead${lead}.stage${stage}.block1`, h, false);
}

/** The full backbone of lead `lead` (0 = I, 1 = II, 2 = V1) on its signal [B, L]. */
export function leadBackbone(ctx: ForwardContext, lead: number, x: tf.Tensor2D, withTaps = false): BackboneOutput {
  const taps = withTaps ? ({} as Record<string, tf.Tensor3D>) : undefined;
  const h = backboneTrunk(ctx, lead, x, taps);
  const stage3 = stageForward(ctx, lead, 3, h);
  return { stage3, feature: tf.mean(stage3, 1) as tf.Tensor2D, taps };
}
