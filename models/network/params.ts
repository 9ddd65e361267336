/**
 * NamedWeights (PyTorch layout) ⇄ TF.js variables (spec §9 layouts, chosen for matMul-based convs):
 *   stem conv [64,1,15] → [15,64] (im2col kernel), depthwise [C,1,k] → [k,C], pointwise [co,ci,1] → [ci,co],
 *   linear [out,in] → [in,out]; biases and BN vectors unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedWeights } from '../weights.ts';
import { isBuffer, networkSpecs, numel, type TensorKind, type TensorSpec } from './architecture.ts';

export type ParamMap = Map<string, tf.Variable>;

export class WeightsMismatchError extends Error {
  constructor(source: string, reason: string) {
    super(`${source}: ${reason}`);
    this.name = 'WeightsMismatchError';
  }
}

/** Transposes a PyTorch-layout array into the TF layout for its kind; returns [shape, data]. */
export function toTfLayout(kind: TensorKind, shape: number[], data: Float32Array): { shape: number[]; data: Float32Array } {
  switch (kind) {
    case 'conv1d_weight': {
      const [o, i, k] = shape; // → [k*i, o], row index = tap*i + in
      const out = new Float32Array(data.length);
      for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let c = 0; c < k; c++) out[(c * i + b) * o + a] = data[(a * i + b) * k + c];
      return { shape: [k * i, o], data: out };
    }
    case 'depthwise_conv1d_weight': {
      const [c, , k] = shape; // [C,1,k] → [k,C]
      return { shape: [k, c], data: transpose2d(data, c, k) };
    }
    case 'pointwise_conv1d_weight': {
      const [o, i] = shape; // [o,i,1] → [i,o]
      return { shape: [i, o], data: transpose2d(data, o, i) };
    }
    case 'linear_weight': {
      const [o, i] = shape;
      return { shape: [i, o], data: transpose2d(data, o, i) };
    }
    default:
      return { shape: [...shape], data: data.slice() };
  }
}

/** Inverse of toTfLayout, given the PyTorch shape to restore. */
export function fromTfLayout(kind: TensorKind, torchShape: number[], data: Float32Array): Float32Array {
  switch (kind) {
    case 'conv1d_weight': {
      const [o, i, k] = torchShape;
      const out = new Float32Array(data.length);
      for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let c = 0; c < k; c++) out[(a * i + b) * k + c] = data[(c * i + b) * o + a];
      return out;
    }
    case 'depthwise_conv1d_weight':
      return transpose2d(data, torchShape[2], torchShape[0]);
    case 'pointwise_conv1d_weight':
    case 'linear_weight':
      return transpose2d(data, torchShape[1], torchShape[0]);
    default:
      return data.slice();
  }
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/** Checks that `weights` holds exactly the net's tensors with the right shapes. */
export function validateWeights(weights: NamedWeights, numClasses: number, source: string): TensorSpec[] {
  const specs = networkSpecs(numClasses);
  const expected = new Set(specs.map((s) => s.name));
  for (const name of weights.keys()) if (!expected.has(name)) throw new WeightsMismatchError(source, `unexpected tensor ${name} (not in the ${numClasses}-class LightX3ECG)`);
  for (const s of specs) {
    const t = weights.get(s.name);
    if (!t) throw new WeightsMismatchError(source, `missing tensor ${s.name}`);
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      throw new WeightsMismatchError(source, `tensor ${s.name} has shape [${t.shape}], expected [${s.shape}]`);
    }
    if (t.data.length !== numel(s.shape)) throw new WeightsMismatchError(source, `tensor ${s.name} holds ${t.data.length} values, expected ${numel(s.shape)}`);
  }
  return specs;
}

/** Infers numClasses from the classifier weight. */
export function numClassesOf(weights: NamedWeights, source = 'weights'): number {
  const w = weights.get('classifier.fc.weight');
  if (!w) throw new WeightsMismatchError(source, 'missing tensor classifier.fc.weight');
  return w.shape[0];
}

/** One tf.Variable per tensor, in TF layout. BN running statistics are non-trainable. */
export function createParams(weights: NamedWeights, numClasses = numClassesOf(weights), source = 'weights'): ParamMap {
  const specs = validateWeights(weights, numClasses, source);
  const params: ParamMap = new Map();
  for (const s of specs) {
    const t = weights.get(s.name)!;
    const conv = toTfLayout(s.kind, s.shape, t.data);
    // a variable shares its initial tensor's data: dispose that tensor, or each model leaks a copy of its weights
    const init = tf.tensor(conv.data, conv.shape, 'float32');
    params.set(s.name, tf.variable(init, !isBuffer(s.kind), `${s.name}_${nextId++}`));
    init.dispose();
  }
  return params;
}
let nextId = 0;

/** Reads variables back into PyTorch-layout NamedWeights (spec order). */
export function readParams(params: ParamMap, numClasses: number): NamedWeights {
  const out: NamedWeights = new Map();
  for (const s of networkSpecs(numClasses)) {
    const v = params.get(s.name);
    if (!v) throw new Error(`parameter ${s.name} missing from the variable map`);
    out.set(s.name, { shape: [...s.shape], data: fromTfLayout(s.kind, s.shape, v.dataSync() as Float32Array) });
  }
  return out;
}

export function disposeParams(params: ParamMap): void {
  for (const v of params.values()) v.dispose();
  params.clear();
}

/** Mulberry32: a small seeded PRNG, so runs are reproducible and its state can be checkpointed. */
export class Rng {
  constructor(public state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** A 31-bit seed for TF.js random ops (dropout). */
  seed(): number {
    return Math.floor(this.next() * 2147483647);
  }
}

/**
 * PyTorch's default initialisation (kaiming_uniform with a=√5 ⇒ U(±1/√fan_in) for weights and biases),
 * BN γ=1, β=0, running mean 0, var 1: a from-scratch net.
 */
export function initialWeights(numClasses: number, seed: number): NamedWeights {
  const rng = new Rng(seed);
  const out: NamedWeights = new Map();
  const specs = networkSpecs(numClasses);
  let fanIn = 1;
  for (const s of specs) {
    const n = numel(s.shape);
    const data = new Float32Array(n);
    if (s.kind === 'bn_gamma' || s.kind === 'bn_running_var') data.fill(1);
    else if (s.kind === 'bias' || s.kind.endsWith('_weight')) {
      // a bias follows its weight, whose fan-in it shares
      if (s.kind !== 'bias') fanIn = s.kind === 'linear_weight' ? s.shape[1] : s.shape[1] * s.shape[2];
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < n; i++) data[i] = (rng.next() * 2 - 1) * bound;
    }
    out.set(s.name, { shape: [...s.shape], data });
  }
  return out;
}

/**
 * Transfer between tasks: the backbones and lead attention of `source` (a model of any label set), with a
 * fresh classifier for `numClasses` as initialWeights(numClasses, seed) would draw it. The lead features
 * an ECG teaches do not depend on which labels were asked of them; the classifier does.
 */
export function transferredWeights(source: NamedWeights, sourceName: string, numClasses: number, seed: number): NamedWeights {
  const out = initialWeights(numClasses, seed);
  for (const [name, fresh] of out) {
    if (name.startsWith('classifier.')) continue;
    const t = source.get(name);
    if (!t) throw new WeightsMismatchError(sourceName, `missing tensor ${name}`);
    if (t.shape.join(',') !== fresh.shape.join(',')) throw new WeightsMismatchError(sourceName, `${name} has shape [${t.shape}], expected [${fresh.shape}]`);
    out.set(name, { shape: [...t.shape], data: Float32Array.from(t.data) });
  }
  return out;
}
