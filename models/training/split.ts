/**
 * Stratified train/validation split, grouped by patient where the data says who the patient is (PTB-XL),
 * deterministic for a seed. Stratified on each example's first (rarest-first) class.
 */
import { Rng } from '../network/params.ts';

export interface Splittable {
  key: string;
  target: number[];
  patientId?: string | null;
}

/** Patient groups (a record without a patient id is its own group), bucketed by their rarest class. */
function strataOf<T extends Splittable>(items: T[]): Map<number, T[][]> {
  const counts = new Map<number, number>();
  for (const it of items) for (const c of it.target) counts.set(c, (counts.get(c) ?? 0) + 1);
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const g = it.patientId ? `p:${it.patientId}` : `r:${it.key}`;
    groups.set(g, [...(groups.get(g) ?? []), it]);
  }
  const strata = new Map<number, T[][]>();
  for (const g of groups.values()) {
    const rarest = g.flatMap((x) => x.target).sort((a, b) => (counts.get(a)! - counts.get(b)!) || a - b)[0] ?? -1;
    strata.set(rarest, [...(strata.get(rarest) ?? []), g]);
  }
  return strata;
}

function shuffleInPlace<T>(a: T[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
}

export function stratifiedSplit<T extends Splittable>(items: T[], valFraction: number, seed: number): { train: T[]; val: T[] } {
  const strata = strataOf(items);
  const rng = new Rng(seed ^ 0x5eed);
  const train: T[] = [];
  const val: T[] = [];
  for (const key of [...strata.keys()].sort((a, b) => a - b)) {
    const gs = strata.get(key)!;
    shuffleInPlace(gs, rng);
    const nVal = gs.length >= 2 ? Math.max(1, Math.round(gs.length * valFraction)) : 0;
    gs.forEach((g, i) => (i < nVal ? val : train).push(...g));
  }
  return { train, val };
}

/** k stratified folds (patient-grouped like stratifiedSplit); fold i is the held-out part of split i. */
export function stratifiedFolds<T extends Splittable>(items: T[], k: number, seed: number): T[][] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`folds must be an integer ≥ 2, got ${k}`);
  const strata = strataOf(items);
  const rng = new Rng(seed ^ 0xf01d);
  const folds: T[][] = Array.from({ length: k }, () => []);
  let next = 0; // continue the round-robin across strata so fold sizes stay even
  for (const key of [...strata.keys()].sort((a, b) => a - b)) {
    const gs = strata.get(key)!;
    shuffleInPlace(gs, rng);
    for (const g of gs) folds[next++ % k].push(...g);
  }
  return folds;
}
