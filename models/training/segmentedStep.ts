/**
 * One training step's gradients with bounded memory (gradient checkpointing). The forward pass keeps
 * only segment boundaries (stem and block outputs) of each lead; the head's gradient gives ∂L/∂fᵢ; then
 * each lead's segments are recomputed one at a time, last first, and differentiated with the upstream
 * gradient. Dropout masks are seeded per layer, so a recomputed segment is the forward's exact twin.
 * Costs one extra backbone forward; the peak holds one segment's tape instead of the whole network's.
 */
import * as tf from '@tensorflow/tfjs';
import { NUM_LEADS } from '../network/architecture.ts';
import type { ForwardContext } from '../network/context.ts';
import { leadAttentionHead } from '../network/leadAttention.ts';
import { backboneSegments } from '../network/segments.ts';

export interface SegmentedStepInput {
  params: ReadonlyMap<string, tf.Tensor>;
  trainable: ReadonlySet<string>;
  /** Channels-last batch [B, L, 3]. */
  x: tf.Tensor3D;
  loss: (logits: tf.Tensor2D) => tf.Scalar;
  seedFor: (owner: string) => number;
  /** Receives BN batch statistics (batch mean, unbiased variance) for the running-stat update. */
  bnBatchStats: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>;
}

function overlay(base: ReadonlyMap<string, tf.Tensor>, names: string[], tensors: tf.Tensor[]): Map<string, tf.Tensor> {
  const m = new Map(base);
  names.forEach((n, i) => m.set(n, tensors[i]));
  return m;
}

/** Returns the loss and the gradient of every trainable parameter (caller disposes them). */
export function segmentedGradients(inp: SegmentedStepInput): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const { params, trainable, seedFor } = inp;
  const frozen = (n: string) => !trainable.has(n);
  const forwardCtx: ForwardContext = { params, training: true, bnBatchStats: inp.bnBatchStats, seedFor, frozen };
  const recomputeCtx = (p: Map<string, tf.Tensor>): ForwardContext => ({ params: p, training: true, seedFor, frozen });
  const grads = new Map<string, tf.Tensor>();

  // forward: boundaries[k] is the input of segment k; only those a backward pass will recompute are kept
  const leads = tf.unstack(inp.x, 2);
  const perLead = leads.map((xl, lead) => {
    const segs = backboneSegments(lead);
    const trainableSeg = segs.map((s) => s.paramNames.some((n) => trainable.has(n)));
    const boundaries: (tf.Tensor | null)[] = [];
    let h: tf.Tensor = xl;
    segs.forEach((s, k) => {
      boundaries.push(trainableSeg[k] ? h : null);
      const input = h;
      h = tf.tidy(() => s.run(forwardCtx, input));
      if (!trainableSeg[k]) input.dispose();
    });
    const feature = tf.mean(h, 1) as tf.Tensor2D;
    const length = h.shape[1]!;
    h.dispose();
    return { segs, trainableSeg, boundaries, feature, length };
  });

  // head: loss, head gradients and ∂L/∂fᵢ in one pass
  const headNames = [...trainable].filter((n) => !n.startsWith('lead'));
  const headFn = (...args: tf.Tensor[]) => {
    const ctx: ForwardContext = { ...forwardCtx, params: overlay(params, headNames, args.slice(NUM_LEADS)) };
    return inp.loss(leadAttentionHead(ctx, args.slice(0, NUM_LEADS) as tf.Tensor2D[]).logits);
  };
  const { value: loss, grads: hg } = tf.valueAndGrads(headFn)([...perLead.map((l) => l.feature), ...headNames.map((n) => params.get(n)!)]);
  headNames.forEach((n, i) => grads.set(n, hg[NUM_LEADS + i]));

  // backward through each lead, one recomputed segment at a time
  perLead.forEach((l, lead) => {
    const df = hg[lead];
    let dy: tf.Tensor | null = null;
    if (l.trainableSeg.some(Boolean)) {
      dy = tf.tidy(() => {
        const [b, c] = df.shape;
        return tf.broadcastTo(tf.div(tf.expandDims(df, 1), l.length), [b, l.length, c]);
      });
    }
    for (let k = l.segs.length - 1; k >= 0 && dy; k--) {
      if (!l.trainableSeg[k]) break;
      const seg = l.segs[k];
      const names = seg.paramNames.filter((n) => trainable.has(n));
      const xin = l.boundaries[k]!;
      const f = (...args: tf.Tensor[]) => seg.run(recomputeCtx(overlay(params, names, args.slice(1))), args[0]);
      const g = tf.grads(f)([xin, ...names.map((n) => params.get(n)!)], dy);
      dy.dispose();
      names.forEach((n, i) => grads.set(n, g[i + 1]));
      const more = k > 0 && l.trainableSeg[k - 1];
      if (more) dy = g[0];
      else {
        g[0].dispose();
        dy = null;
      }
      xin.dispose();
      l.boundaries[k] = null;
    }
    for (const b of l.boundaries) b?.dispose();
    df.dispose();
    l.feature.dispose();
  });
  return { loss, grads };
}

/** FNV-1a of the owner name mixed with the step seed: one dropout seed per layer and step. */
export function layerSeed(stepSeed: number, owner: string): number {
  let h = 0x811c9dc5 ^ stepSeed;
  for (let i = 0; i < owner.length; i++) h = Math.imul(h ^ owner.charCodeAt(i), 0x01000193);
  return (h >>> 1) & 0x7fffffff;
}
