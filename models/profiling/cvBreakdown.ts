/**
 * node --import tsx models/profiling/cvBreakdown.ts CV.json [--data ../shared/data] [--sources LIST] [--json]
 *
 * Where the held-out records of an `npm run cv -- --out CV.json` run were right and wrong: scores by the rate a
 * record was stored at, by source, and for `--sources LIST` (e.g. the Challenge-format records, to compare an
 * all-record run with a run on those records alone), each per fold (mean ± sd) and pooled over the folds.
 * Also the 100 Hz probe: the held-out records stored faster, scored again as if stored at 100 Hz
 * (models/data/asRecordedAt.ts). Every 100 Hz record in ../shared/data is SR / Normal, so a model that learned
 * the rate rather than the rhythm calls more records normal there.
 *
 * Macro F1 here is over the classes present in the subset (a subset of 100 Hz records has one class), and
 * accuracy is the share of records whose predicted label set is exactly the truth. Multilabel predictions use
 * the thresholds each fold chose on its validation records.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { argmax, evaluateMultilabel, evaluateSingleLabel, meanSd, multiHot } from '../metrics.ts';
import { sharedLabels, type LabelledRecord } from '../data/sharedDataset.ts';
import { taskFor } from '../package/modelConfig.ts';
import type { CvFold, HeldOutRecord } from '../cli/cv.ts';

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

function printBreakdown(b: Breakdown): void {
  console.log(`| ${b.task} held-out records | model | n | macro F1 per fold (mean ± sd) | pooled macro F1 | exact | per-class F1 (support) |`);
  console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |');
  for (const { subset, scored, score: s } of b.rows) {
    const classes = s.perClass.filter((c) => c.support > 0).map((c) => `${c.class} ${c.f1.toFixed(2)} (${c.support})`).join(', ');
    console.log(`| ${subset} | ${SCORED_AS[scored]} | ${s.n} | ${s.foldMean.toFixed(3)} ± ${s.foldSd.toFixed(3)} | ${s.pooledMacroF1.toFixed(3)} | ${s.accuracy.toFixed(3)} | ${classes} |`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values: o, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string', default: fileURLToPath(new URL('../../../shared/data', import.meta.url)) },
      sources: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new Error('usage: cvBreakdown.ts CV.json [--data DIR] [--sources LIST] [--json]');
  const summary = JSON.parse(readFileSync(positionals[0], 'utf8')) as { task: string; perFold: CvFold[] };
  const b = breakdown(summary, sharedLabels(o.data!, summary.task), o.sources?.split(',') ?? null);
  if (o.json) console.log(JSON.stringify(b, null, 1));
  else printBreakdown(b);
}
