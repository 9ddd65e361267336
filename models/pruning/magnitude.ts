/**
 * Global unstructured L1 magnitude pruning (spec §13): one threshold over every conv and linear weight
 * (each tensor once); the round(s·N) smallest |w| are zeroed. Pure functions over NamedWeights.
 */
import type { NamedWeights } from '../weights.ts';
import { isPrunable, networkSpecs } from '../network/architecture.ts';

export type Masks = Map<string, Uint8Array>;

export interface PruneResult {
  masks: Masks;
  /** |w| ≤ threshold is pruned. */
  threshold: number;
  pooled: number;
  pruned: number;
  keptPerTensor: Record<string, number>;
}

/** Gradual magnitude pruning (Zhu & Gupta 2017): a cubic ramp from 0 to `target` over `rampEpochs`. */
export interface SparsitySchedule {
  target: number;
  rampEpochs: number;
}

/** Sparsity for epoch (1-based): target·(1 − (1 − e/R)³) during the ramp, then the target. */
export function gradualSparsity(epoch: number, s: SparsitySchedule): number {
  if (epoch >= s.rampEpochs) return s.target;
  return s.target * (1 - (1 - epoch / s.rampEpochs) ** 3);
}

export function prunableNames(numClasses: number): string[] {
  return networkSpecs(numClasses).filter((s) => isPrunable(s.kind)).map((s) => s.name);
}

export function globalMagnitudeMasks(weights: NamedWeights, sparsity: number, numClasses: number): PruneResult {
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`sparsity must be in [0, 1), got ${sparsity}`);
  const names = prunableNames(numClasses);
  const pooled = names.reduce((n, name) => n + weights.get(name)!.data.length, 0);
  const all = new Float32Array(pooled);
  let o = 0;
  for (const name of names) {
    const d = weights.get(name)!.data;
    for (let i = 0; i < d.length; i++) all[o++] = Math.abs(d[i]);
  }
  const k = Math.round(sparsity * pooled);
  all.sort();
  const threshold = k === 0 ? -1 : all[k - 1];
  const masks: Masks = new Map();
  const keptPerTensor: Record<string, number> = {};
  let pruned = 0;
  for (const name of names) {
    const d = weights.get(name)!.data;
    const m = new Uint8Array(d.length);
    let kept = 0;
    for (let i = 0; i < d.length; i++) {
      if (Math.abs(d[i]) > threshold) {
        m[i] = 1;
        kept++;
      }
    }
    pruned += d.length - kept;
    keptPerTensor[name] = kept;
    masks.set(name, m);
  }
  return { masks, threshold, pooled, pruned, keptPerTensor };
}

/** A copy of `weights` with the masks applied (pruned weights exactly 0). */
export function applyMasks(weights: NamedWeights, masks: Masks): NamedWeights {
  const out: NamedWeights = new Map();
  for (const [name, t] of weights) {
    const m = masks.get(name);
    if (!m) {
      out.set(name, { shape: [...t.shape], data: t.data.slice() });
      continue;
    }
    const d = t.data.slice();
    for (let i = 0; i < d.length; i++) if (!m[i]) d[i] = 0;
    out.set(name, { shape: [...t.shape], data: d });
  }
  return out;
}

/** Fraction of pooled (conv + linear) weights that are exactly zero. */
export function pooledSparsity(weights: NamedWeights, numClasses: number): { zero: number; pooled: number; sparsity: number } {
  let zero = 0;
  let pooled = 0;
  for (const name of prunableNames(numClasses)) {
    const d = weights.get(name)!.data;
    pooled += d.length;
    for (let i = 0; i < d.length; i++) if (d[i] === 0) zero++;
  }
  return { zero, pooled, sparsity: zero / pooled };
}
