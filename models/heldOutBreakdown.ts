/**
 * Held-out records of a cv run (`npm run cv`), scored by subset: by the rate each was stored at, by source, a
 * list of sources, and the 100 Hz probe (records stored faster, scored again as if stored at 100 Hz). Pure:
 * the cv run puts it in its summary, model reports print its rows, models/profiling/cvBreakdown.ts prints it.
 *
 * Macro F1 here is over the classes present in the subset (a subset of 100 Hz records has one class), and
 * accuracy is the share of records whose predicted label set is exactly the truth. Multilabel predictions use
 * the thresholds each fold chose on its validation records.
 */
import { argmax, evaluateMultilabel, evaluateSingleLabel, meanSd, multiHot } from './metrics.ts';
import type { LabelledRecord } from './data/sharedDataset.ts';
import { taskFor } from './package/modelConfig.ts';
import type { CvFold, HeldOutRecord } from './cli/cv.ts';

export type Scored = 'probs' | 'prunedProbs' | 'probsAtProbeFs';

export interface SubsetScore {
  n: number;
  /** Per fold that has records in the subset. */
  perFold: number[];
  foldMean: number;
  foldSd: number;
  pooledMacroF1: number;
  accuracy: number;
  perClass: { class: string; f1: number; recall: number; support: number }[];
}

/** 0/1 predictions of one record: argmax, or the fold's thresholds (0.5 where it chose none). */
export function predicted(p: number[], multilabel: boolean, thresholds: number[] | null | undefined): number[] {
  if (!multilabel) return p.map((_, k) => (k === argmax(p) ? 1 : 0));
  return p.map((x, k) => (x >= (thresholds?.[k] ?? 0.5) ? 1 : 0));
}

function scoreRecords(classes: string[], multilabel: boolean, truth: number[][], preds: number[][]) {
  const ev = multilabel
    ? evaluateMultilabel(classes, multiHot(truth, classes.length), preds, classes.map(() => 0.5))
    : evaluateSingleLabel(classes, truth.map((t) => t[0]), preds);
  const present = ev.perClass.filter((c) => c.support > 0);
  const hot = multiHot(truth, classes.length);
  const exact = preds.filter((p, i) => p.every((v, k) => v === hot[i][k])).length;
  return {
    macroF1: present.length ? present.reduce((a, c) => a + c.f1, 0) / present.length : 0,
    accuracy: preds.length ? exact / preds.length : 0,
    perClass: ev.perClass.map((c) => ({ class: c.class, f1: c.f1, recall: c.recall, support: c.support })),
  };
}

/** Scores the held-out records that `keep` selects, from the `scored` probabilities of each fold. */
export function subsetScore(classes: string[], multilabel: boolean, folds: CvFold[], truthOf: (name: string) => number[], keep: (r: HeldOutRecord) => boolean, scored: Scored): SubsetScore | null {
  const all = { truth: [] as number[][], preds: [] as number[][] };
  const perFold: number[] = [];
  for (const f of folds) {
    const th = scored === 'prunedProbs' ? f.prunedThresholds : f.thresholds;
    const recs = (f.records ?? []).filter((r) => keep(r) && r[scored]);
    if (!recs.length) continue;
    const truth = recs.map((r) => truthOf(r.name));
    const preds = recs.map((r) => predicted(r[scored]!, multilabel, th));
    perFold.push(scoreRecords(classes, multilabel, truth, preds).macroF1);
    all.truth.push(...truth);
    all.preds.push(...preds);
  }
  if (!all.truth.length) return null;
  const pooled = scoreRecords(classes, multilabel, all.truth, all.preds);
  const { mean: foldMean, sd: foldSd } = meanSd(perFold);
  return { n: all.truth.length, perFold, foldMean, foldSd, pooledMacroF1: pooled.macroF1, accuracy: pooled.accuracy, perClass: pooled.perClass };
}

export interface Breakdown {
  task: string;
  rows: { subset: string; scored: Scored; score: SubsetScore }[];
}

export function breakdown(summary: { task: string; perFold: CvFold[] }, labels: LabelledRecord[], sources: string[] | null): Breakdown {
  const task = taskFor(summary.task);
  const byName = new Map(labels.map((l) => [l.name, l]));
  const label = (name: string) => {
    const l = byName.get(name);
    if (!l) throw new Error(`${name}: held out in the cv run but not in labels.csv for ${summary.task}`);
    return l;
  };
  if (!summary.perFold.some((f) => f.records?.length)) throw new Error('this cv summary keeps no held-out records (written before cv kept them): rerun npm run cv');
  const rates = [...new Set(summary.perFold.flatMap((f) => (f.records ?? []).map((r) => label(r.name).fs)))].sort((a, b) => b - a);
  const subsets: [string, (r: HeldOutRecord) => boolean][] = [
    ['all held-out records', () => true],
    ...rates.map((fs): [string, (r: HeldOutRecord) => boolean] => [`stored at ${fs} Hz`, (r) => label(r.name).fs === fs]),
    ...(sources ? [[`sources ${sources.join(', ')}`, (r: HeldOutRecord) => sources.includes(label(r.name).source)] as [string, (r: HeldOutRecord) => boolean]] : []),
    ...[...new Set(labels.map((l) => l.source))].map((s): [string, (r: HeldOutRecord) => boolean] => [`source ${s}`, (r) => label(r.name).source === s]),
  ];
  const rows: Breakdown['rows'] = [];
  const truthOf = (name: string) => label(name).classes;
  for (const [subset, keep] of subsets) {
    for (const scored of ['probs', 'prunedProbs'] as const) {
      const score = subsetScore(task.classes, task.multilabel, summary.perFold, truthOf, keep, scored);
      if (score) rows.push({ subset, scored, score });
    }
  }
  // the probe: the same records, as stored and as if stored at 100 Hz
  const probed = (r: HeldOutRecord) => r.probsAtProbeFs !== undefined;
  for (const scored of ['probs', 'probsAtProbeFs'] as const) {
    const score = subsetScore(task.classes, task.multilabel, summary.perFold, truthOf, probed, scored);
    if (score) rows.push({ subset: 'records stored faster than 100 Hz', scored, score });
  }
  return { task: summary.task, rows };
}

export const SCORED_AS: Record<Scored, string> = { probs: 'dense', prunedProbs: 'pruned', probsAtProbeFs: 'dense, as if stored at 100 Hz' };
