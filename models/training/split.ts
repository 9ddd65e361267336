/**
 * Train/validation splits and cross-validation folds over training examples: thin adapters over the
 * archive's pure split (db/splits.ts — stratified by rarest class, patient-grouped, seeded), so the
 * engine and the archive split records the same way.
 */
import { stratifiedSplit as splitParts } from '../../db/splits.ts';

export interface Splittable {
  key: string;
  target: number[];
  patientId?: string | null;
}

function assign<T extends Splittable>(items: T[], fractions: Record<string, number>, seed: number): Map<string, T[]> {
  const byIndex = splitParts(items.map((it, i) => ({ recordId: i, patientId: it.patientId ?? null, classes: it.target.map(String) })), fractions, seed);
  const out = new Map<string, T[]>(Object.keys(fractions).map((p) => [p, []]));
  items.forEach((it, i) => out.get(byIndex.get(i)!)!.push(it));
  return out;
}

export function stratifiedSplit<T extends Splittable>(items: T[], valFraction: number, seed: number): { train: T[]; val: T[] } {
  const parts = assign(items, { train: 1 - valFraction, val: valFraction }, seed);
  return { train: parts.get('train')!, val: parts.get('val')! };
}

/** k stratified, patient-grouped folds; fold i is the held-out part of split i. */
export function stratifiedFolds<T extends Splittable>(items: T[], k: number, seed: number): T[][] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`folds must be an integer ≥ 2, got ${k}`);
  const parts = assign(items, Object.fromEntries(Array.from({ length: k }, (_, i) => [`fold${i}`, 1 / k])), seed);
  return Array.from({ length: k }, (_, i) => parts.get(`fold${i}`)!);
}
