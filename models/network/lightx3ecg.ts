/**
 * LightX3ECG forward (spec §10) over a variables map. Input channels-last [B, L, 3] (leads I, II, V1),
 * or lead-major [B, 3, L] via `fromLeadMajor`.
 */
import * as tf from '@tensorflow/tfjs';
import { NUM_LEADS } from './architecture.ts';
import type { ForwardContext } from './context.ts';
import { leadAttentionHead } from './leadAttention.ts';
import { leadBackbone } from './leadBackbone.ts';

export type ForwardOutput = {
  logits: tf.Tensor2D;
  /** softmax (single-label) or sigmoid (multilabel) of the logits. */
  probabilities: tf.Tensor2D;
  /** Attention score per lead [B, 3]. */
  scores: tf.Tensor2D;
  /** Lead features [B, 3, 512]. */
  leadFeatures: tf.Tensor3D;
  /** Σ sᵢ fᵢ [B, 512]. */
  merged: tf.Tensor2D;
  /** Stage-3 activations per lead, each [B, 157, 512] NLC (when `keepStage3`). */
  stage3?: tf.Tensor3D[];
  taps?: Record<string, tf.Tensor3D>[];
};

export interface ForwardOptions {
  multilabel?: boolean;
  keepStage3?: boolean;
  withTaps?: boolean;
}

export function probabilitiesOf(logits: tf.Tensor2D, multilabel: boolean): tf.Tensor2D {
  return multilabel ? tf.sigmoid(logits) : tf.softmax(logits);
}

/** Per-lead signals [B, L] from a channels-last batch [B, L, 3]. */
export function splitLeads(x: tf.Tensor3D): tf.Tensor2D[] {
  return tf.unstack(x, 2) as tf.Tensor2D[];
}

export function lightx3ecg(ctx: ForwardContext, x: tf.Tensor3D, opts: ForwardOptions = {}): ForwardOutput {
  if (x.shape[2] !== NUM_LEADS) throw new Error(`input must be [B, L, 3] (leads I, II, V1), got [${x.shape}]`);
  const leads = splitLeads(x);
  const outs = leads.map((l, i) => leadBackbone(ctx, i, l, opts.withTaps));
  const features = outs.map((o) => o.feature);
  const head = leadAttentionHead(ctx, features);
  return {
    logits: head.logits,
    probabilities: probabilitiesOf(head.logits, opts.multilabel ?? false),
    scores: head.scores,
    leadFeatures: tf.stack(features, 1) as tf.Tensor3D,
    merged: head.merged,
    stage3: opts.keepStage3 ? outs.map((o) => o.stage3) : undefined,
    taps: opts.withTaps ? outs.map((o) => o.taps!) : undefined,
  };
}

/** [B, 3, L] lead-major Float32Array batch → channels-last tensor [B, L, 3]. */
export function fromLeadMajor(data: Float32Array, batch: number, length: number): tf.Tensor3D {
  return tf.tidy(() => tf.transpose(tf.tensor3d(data, [batch, NUM_LEADS, length]), [0, 2, 1]) as tf.Tensor3D);
}
