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
import { backboneSegments, type Segment } from '../network/segments.ts';

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

/** One lead's forward pass in training mode, keeping the inputs of the segments a backward pass recomputes. */
export interface LeadTape {
  lead: number;
  segs: Segment[];
  trainableSeg: boolean[];
  boundaries: (tf.Tensor | null)[];
  /** Time-mean of stage 3: the lead feature [B, 512]; null while a tail (leadTail) is still to run. */
  feature: tf.Tensor2D | null;
  /** Time steps of stage 3 (157 for a 5000-sample window). */
  length: number;
  /** Segments from `tail.from` on are left to leadTail, which runs them with their tape kept. */
  tail: { from: number; input: tf.Tensor } | null;
}

export interface LeadStepContext {
  params: ReadonlyMap<string, tf.Tensor>;
  trainable: ReadonlySet<string>;
  seedFor: (owner: string) => number;
}

const forwardContext = (c: LeadStepContext, params: ReadonlyMap<string, tf.Tensor>, bnBatchStats?: SegmentedStepInput['bnBatchStats']): ForwardContext => ({
  params,
  training: true,
  bnBatchStats,
  seedFor: c.seedFor,
  frozen: (n: string) => !c.trainable.has(n),
});

const trainableIn = (c: LeadStepContext, segs: Segment[]) => segs.flatMap((s) => s.paramNames.filter((n) => c.trainable.has(n)));

/**
 * Forward through lead `lead`'s backbone on xl [B, L]; BN batch statistics go to `bnBatchStats`. Disposes xl.
 * With `tailSegments` > 0 the last trainable segments are not run here but left to leadTail.
 */
export function leadForward(c: LeadStepContext, lead: number, xl: tf.Tensor2D, bnBatchStats: SegmentedStepInput['bnBatchStats'], tailSegments = 0): LeadTape {
  const forwardCtx = forwardContext(c, c.params, bnBatchStats);
  const segs = backboneSegments(lead);
  const trainableSeg = segs.map((s) => s.paramNames.some((n) => c.trainable.has(n)));
  // a tail only pays where the backward would recompute: trainable segments
  let from = segs.length;
  while (from > 0 && segs.length - from < tailSegments && trainableSeg[from - 1]) from--;
  const boundaries: (tf.Tensor | null)[] = [];
  let h: tf.Tensor = xl;
  for (let k = 0; k < from; k++) {
    boundaries.push(trainableSeg[k] ? h : null);
    const input = h;
    h = tf.tidy(() => segs[k].run(forwardCtx, input));
    if (!trainableSeg[k]) input.dispose();
  }
  if (from < segs.length) return { lead, segs, trainableSeg, boundaries, feature: null, length: 0, tail: { from, input: h } };
  const feature = tf.mean(h, 1) as tf.Tensor2D;
  const length = h.shape[1]!;
  h.dispose();
  return { lead, segs, trainableSeg, boundaries, feature, length, tail: null };
}

/**
 * Runs the tail leadForward left (the last segments) with its tape kept, hands the lead feature to
 * `exchange` — which returns ∂L/∂feature, e.g. by waiting for the head's gradient from another thread —
 * and differentiates the tail in the same pass, so those segments are never recomputed. Their parameters'
 * gradients go to `grads`; the rest of the lead continues with leadBackwardFrom. BN batch statistics of the
 * tail reach `bnBatchStats` only inside `exchange` (they are freed when the pass ends): read them there.
 */
export function leadTail(
  c: LeadStepContext,
  l: LeadTape,
  bnBatchStats: SegmentedStepInput['bnBatchStats'],
  exchange: (feature: tf.Tensor2D) => Float32Array,
  grads: Map<string, tf.Tensor>,
): tf.Tensor | null {
  const { from, input } = l.tail!;
  const segs = l.segs.slice(from);
  const names = trainableIn(c, segs);
  const inputGrad = from > 0 && l.trainableSeg[from - 1];
  const f = (...args: tf.Tensor[]) => {
    const ctx = forwardContext(c, overlay(c.params, names, inputGrad ? args.slice(1) : args), bnBatchStats);
    let h = inputGrad ? args[0] : input;
    for (const s of segs) h = s.run(ctx, h);
    const feature = tf.mean(h, 1) as tf.Tensor2D;
    // Σ feature ⊙ ∂L/∂feature has ∂L/∂feature as its gradient at the feature: the head's loss, linearised
    return tf.sum(tf.mul(feature, tf.tensor2d(exchange(feature), feature.shape))) as tf.Scalar;
  };
  const ps = names.map((n) => c.params.get(n)!);
  const g = tf.grads(f)(inputGrad ? [input, ...ps] : ps);
  names.forEach((n, i) => grads.set(n, g[i + (inputGrad ? 1 : 0)]));
  input.dispose();
  l.tail = null;
  return inputGrad ? g[0] : null;
}

/**
 * Backward through a lead from ∂L/∂feature: recomputes one segment at a time, last first, and puts each
 * trainable parameter's gradient in `grads`. Disposes the tape, its feature and df.
 */
export function leadBackward(c: LeadStepContext, l: LeadTape, df: tf.Tensor2D, grads: Map<string, tf.Tensor>): void {
  let dy: tf.Tensor | null = null;
  if (l.trainableSeg.some(Boolean)) {
    dy = tf.tidy(() => {
      const [b] = df.shape;
      // a broadcast multiply, not tf.broadcastTo: wasm's Tile runs ~150 ns per element
      return tf.mul(tf.ones([b, l.length, 1]), tf.div(tf.expandDims(df, 1), l.length));
    });
  }
  df.dispose();
  leadBackwardFrom(c, l, l.segs.length - 1, dy, grads);
}

/** Recomputes and differentiates segments `last`, last−1, … from dy = ∂L/∂(output of `last`); disposes the tape and dy. */
export function leadBackwardFrom(c: LeadStepContext, l: LeadTape, last: number, dy0: tf.Tensor | null, grads: Map<string, tf.Tensor>): void {
  const recomputeCtx = (p: Map<string, tf.Tensor>) => forwardContext(c, p);
  let dy = dy0;
  for (let k = last; k >= 0 && dy; k--) {
    if (!l.trainableSeg[k]) break;
    const seg = l.segs[k];
    const names = trainableIn(c, [seg]);
    const xin = l.boundaries[k]!;
    const f = (...args: tf.Tensor[]) => seg.run(recomputeCtx(overlay(c.params, names, args.slice(1))), args[0]);
    const g = tf.grads(f)([xin, ...names.map((n) => c.params.get(n)!)], dy);
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
  dy?.dispose();
  releaseTape(l);
}

/** Frees what a tape still holds: segment inputs, the feature, a tail's input (a no-op once consumed). */
export function releaseTape(l: LeadTape): void {
  for (const b of l.boundaries) b?.dispose();
  l.feature?.dispose();
  l.tail?.input.dispose();
}

/** The head's loss, its parameters' gradients (into `grads`) and ∂L/∂fᵢ per lead, in one pass. */
export function headGradients(
  c: LeadStepContext,
  features: tf.Tensor2D[],
  loss: (logits: tf.Tensor2D) => tf.Scalar,
  bnBatchStats: SegmentedStepInput['bnBatchStats'],
  grads: Map<string, tf.Tensor>,
): { loss: tf.Scalar; dFeatures: tf.Tensor2D[] } {
  const headNames = [...c.trainable].filter((n) => !n.startsWith('lead'));
  const headFn = (...args: tf.Tensor[]) => {
    const ctx = forwardContext(c, overlay(c.params, headNames, args.slice(NUM_LEADS)), bnBatchStats);
    return loss(leadAttentionHead(ctx, args.slice(0, NUM_LEADS) as tf.Tensor2D[]).logits);
  };
  const { value, grads: hg } = tf.valueAndGrads(headFn)([...features, ...headNames.map((n) => c.params.get(n)!)]);
  headNames.forEach((n, i) => grads.set(n, hg[NUM_LEADS + i]));
  return { loss: value, dFeatures: hg.slice(0, NUM_LEADS) as tf.Tensor2D[] };
}

/** Returns the loss and the gradient of every trainable parameter (caller disposes them). */
export function segmentedGradients(inp: SegmentedStepInput): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const c: LeadStepContext = { params: inp.params, trainable: inp.trainable, seedFor: inp.seedFor };
  const grads = new Map<string, tf.Tensor>();
  const tapes = (tf.unstack(inp.x, 2) as tf.Tensor2D[]).map((xl, lead) => leadForward(c, lead, xl, inp.bnBatchStats));
  const { loss, dFeatures } = headGradients(c, tapes.map((t) => t.feature!), inp.loss, inp.bnBatchStats, grads);
  tapes.forEach((t, lead) => leadBackward(c, t, dFeatures[lead], grads));
  return { loss, grads };
}

/** FNV-1a of the owner name mixed with the step seed: one dropout seed per layer and step. */
export function layerSeed(stepSeed: number, owner: string): number {
  let h = 0x811c9dc5 ^ stepSeed;
  for (let i = 0; i < owner.length; i++) h = Math.imul(h ^ owner.charCodeAt(i), 0x01000193);
  return (h >>> 1) & 0x7fffffff;
}
