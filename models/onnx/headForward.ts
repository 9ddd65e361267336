/**
 * The LightX3ECG head (spec §5) in plain TypeScript over cached lead features: lead-wise attention
 * and classifier, eval mode. Used for head-mode fine-tuning inputs and by Grad-CAM, which needs the
 * intermediate values to differentiate through the head.
 */
import type { NamedWeights } from '../weights.ts';
import { BN_EPS, FEATURE_DIM, NUM_LEADS } from '../network/architecture.ts';

const Z = NUM_LEADS * FEATURE_DIM;

/** The head's weights in float64, eval BN kept separate (its gradient needs the scale). */
export interface HeadParams {
  numClasses: number;
  fc1W: Float64Array; // [512, 1536]
  fc1B: Float64Array;
  bnScale: Float64Array; // γ/√(var+eps)
  bnShift: Float64Array; // β − mean·scale
  fc2W: Float64Array; // [3, 512]
  fc2B: Float64Array;
  clsW: Float64Array; // [C, 512]
  clsB: Float64Array;
}

function get(weights: NamedWeights, name: string, length?: number): Float64Array {
  const t = weights.get(name);
  if (!t) throw new Error(`weights: missing tensor ${name}`);
  if (length !== undefined && t.data.length !== length) throw new Error(`weights: ${name} has ${t.data.length} values, expected ${length}`);
  return Float64Array.from(t.data);
}

export function headParams(weights: NamedWeights): HeadParams {
  const clsB = get(weights, 'classifier.fc.bias');
  const numClasses = clsB.length;
  const g = get(weights, 'attention.bn.weight', FEATURE_DIM);
  const b = get(weights, 'attention.bn.bias', FEATURE_DIM);
  const m = get(weights, 'attention.bn.running_mean', FEATURE_DIM);
  const v = get(weights, 'attention.bn.running_var', FEATURE_DIM);
  const bnScale = g.map((gc, c) => gc / Math.sqrt(v[c] + BN_EPS));
  const bnShift = b.map((bc, c) => bc - m[c] * bnScale[c]);
  return {
    numClasses,
    fc1W: get(weights, 'attention.fc1.weight', FEATURE_DIM * Z),
    fc1B: get(weights, 'attention.fc1.bias', FEATURE_DIM),
    bnScale,
    bnShift,
    fc2W: get(weights, 'attention.fc2.weight', NUM_LEADS * FEATURE_DIM),
    fc2B: get(weights, 'attention.fc2.bias', NUM_LEADS),
    clsW: get(weights, 'classifier.fc.weight', numClasses * FEATURE_DIM),
    clsB,
  };
}

/** One ECG's head pass with every intermediate kept (for the backward pass). */
export interface HeadTrace {
  /** fc1 output after BN, before ReLU [512]. */
  pre: Float64Array;
  /** ReLU output [512]. */
  hidden: Float64Array;
  /** Attention scores sᵢ [3]. */
  attention: Float64Array;
  /** m = Σ sᵢ fᵢ [512]. */
  merged: Float64Array;
  logits: Float64Array;
}

/** `z` is one ECG's concatenated lead features [1536] (index 512·lead + channel). */
export function headTrace(p: HeadParams, z: ArrayLike<number>): HeadTrace {
  if (z.length !== Z) throw new Error(`head: expected ${Z} features, got ${z.length}`);
  const pre = new Float64Array(FEATURE_DIM);
  const hidden = new Float64Array(FEATURE_DIM);
  for (let o = 0; o < FEATURE_DIM; o++) {
    let acc = p.fc1B[o];
    const row = o * Z;
    for (let j = 0; j < Z; j++) acc += p.fc1W[row + j] * z[j];
    pre[o] = acc * p.bnScale[o] + p.bnShift[o];
    hidden[o] = pre[o] > 0 ? pre[o] : 0;
  }
  const attention = new Float64Array(NUM_LEADS);
  for (let i = 0; i < NUM_LEADS; i++) {
    let acc = p.fc2B[i];
    for (let o = 0; o < FEATURE_DIM; o++) acc += p.fc2W[i * FEATURE_DIM + o] * hidden[o];
    attention[i] = 1 / (1 + Math.exp(-acc));
  }
  const merged = new Float64Array(FEATURE_DIM);
  for (let i = 0; i < NUM_LEADS; i++) for (let k = 0; k < FEATURE_DIM; k++) merged[k] += attention[i] * z[i * FEATURE_DIM + k];
  const logits = new Float64Array(p.numClasses);
  for (let c = 0; c < p.numClasses; c++) {
    let acc = p.clsB[c];
    for (let k = 0; k < FEATURE_DIM; k++) acc += p.clsW[c * FEATURE_DIM + k] * merged[k];
    logits[c] = acc;
  }
  return { pre, hidden, attention, merged, logits };
}

/** Batched head forward over features [B, 3, 512]: logits [B, C] and attention [B, 3] as float32. */
export function headForward(p: HeadParams, features: Float32Array, batch: number): { logits: Float32Array; attention: Float32Array } {
  if (features.length !== batch * Z) throw new Error(`head: features hold ${features.length} values, expected ${batch}×${Z}`);
  const logits = new Float32Array(batch * p.numClasses);
  const attention = new Float32Array(batch * NUM_LEADS);
  for (let b = 0; b < batch; b++) {
    const t = headTrace(p, features.subarray(b * Z, (b + 1) * Z));
    logits.set(t.logits, b * p.numClasses);
    attention.set(t.attention, b * NUM_LEADS);
  }
  return { logits, attention };
}
