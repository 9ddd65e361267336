/**
 * node --import tsx models/profiling/selectionStudy.ts TRACE.json [--json]
 *
 * Which epoch to keep, and which multilabel thresholds, when the validation part is a few dozen records?
 * Reads the per-epoch validation and held-out probabilities that `npm run cv -- --trace FILE` recorded and
 * scores every pair of rules on the held-out folds:
 *   epoch:      the best validation macro F1 (the authors' rule: threshold 0.5 for multilabel, argmax
 *               otherwise), the lowest validation loss, or simply the last epoch;
 *   thresholds: the authors' (per class, the first grid value with the best mean of positive- and
 *               negative-class F1), the middle of that best plateau, or 0.5 everywhere.
 * The held-out records choose nothing: they only score what the validation records chose. Choosing a
 * rule by these numbers is itself a choice made on the folds, so confirm it on other data.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chooseThresholds, evaluateMultilabel, evaluateSingleLabel, multiHot, THRESHOLD_GRID, thresholdScores } from '../metrics.ts';
import type { FoldTrace } from '../cli/cv.ts';
import type { ThresholdRule as TrainThresholdRule } from '../training/trainer.ts';

interface Trace {
  task: string;
  classes: string[];
  multilabel: boolean;
  folds: FoldTrace[];
}

/** The authors' per-class score, but the middle of the grid values that reach its best, not the first. */
export function plateauMiddleThresholds(truth: number[][], probs: number[][], numClasses: number): number[] {
  return Array.from({ length: numClasses }, (_, k) => {
    const scores = thresholdScores(truth, probs, k);
    const best = Math.max(...scores);
    const plateau = THRESHOLD_GRID.filter((_, i) => scores[i] >= best - 1e-12);
    return plateau[Math.floor(plateau.length / 2)];
  });
}

/** Mean cross-entropy of the validation records (binary per class when multilabel). */
function loss(truth: number[][], probs: number[][], multilabel: boolean): number {
  const ln = (x: number) => Math.log(Math.min(1 - 1e-7, Math.max(1e-7, x)));
  let sum = 0;
  truth.forEach((t, i) => t.forEach((y, k) => {
    if (multilabel) sum -= y ? ln(probs[i][k]) : ln(1 - probs[i][k]);
    else if (y) sum -= ln(probs[i][k]);
  }));
  return sum / truth.length;
}

export type EpochRule = 'best val F1' | 'lowest val loss' | 'last epoch';
export type ThresholdRule = TrainThresholdRule | 'plateau middle';

/** Held-out macro F1 of one fold under a pair of rules, and the epoch that was kept. */
export function scoreFold(trace: Pick<Trace, 'classes' | 'multilabel'>, fold: FoldTrace, epochRule: EpochRule, thresholdRule: ThresholdRule): { macroF1: number; epoch: number } {
  const n = trace.classes.length;
  const valTruth = multiHot(fold.valTargets, n);
  const heldOutTruth = multiHot(fold.heldOutTargets, n);
  const half = Array.from({ length: n }, () => 0.5);
  const valF1 = (p: number[][]) => (trace.multilabel ? evaluateMultilabel(trace.classes, valTruth, p, half).macroF1 : evaluateSingleLabel(trace.classes, fold.valTargets.map((t) => t[0]), p).macroF1);
  const merit = epochRule === 'best val F1' ? (p: number[][]) => valF1(p) : epochRule === 'lowest val loss' ? (p: number[][]) => -loss(valTruth, p, trace.multilabel) : null;
  let kept = fold.epochs.length - 1;
  if (merit) {
    // the first epoch with the best merit, as the trainer keeps it
    let best = -Infinity;
    fold.epochs.forEach((e, i) => {
      const m = merit(e.val);
      if (m > best) [best, kept] = [m, i];
    });
  }
  const e = fold.epochs[kept];
  if (!trace.multilabel) return { macroF1: evaluateSingleLabel(trace.classes, fold.heldOutTargets.map((t) => t[0]), e.heldOut).macroF1, epoch: kept + 1 };
  const th = thresholdRule === 'authors' ? chooseThresholds(valTruth, e.val, n) : thresholdRule === 'plateau middle' ? plateauMiddleThresholds(valTruth, e.val, n) : half;
  return { macroF1: evaluateMultilabel(trace.classes, heldOutTruth, e.heldOut, th).macroF1, epoch: kept + 1 };
}

export function study(trace: Trace): { epochRule: EpochRule; thresholdRule: ThresholdRule; perFold: { macroF1: number; epoch: number }[]; mean: number }[] {
  const epochRules: EpochRule[] = ['best val F1', 'lowest val loss', 'last epoch'];
  const thresholdRules: ThresholdRule[] = trace.multilabel ? ['authors', 'plateau middle', '0.5'] : ['authors'];
  return epochRules.flatMap((epochRule) =>
    thresholdRules.map((thresholdRule) => {
      const perFold = trace.folds.map((f) => scoreFold(trace, f, epochRule, thresholdRule));
      return { epochRule, thresholdRule, perFold, mean: perFold.reduce((a, f) => a + f.macroF1, 0) / perFold.length };
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: o, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  if (!positionals[0]) throw new Error('give the trace file that npm run cv -- --trace FILE wrote');
  const trace = JSON.parse(readFileSync(positionals[0], 'utf8')) as Trace;
  const rows = study(trace);
  if (o.json) process.stdout.write(`${JSON.stringify({ task: trace.task, folds: trace.folds.map((f) => f.fold), rows })}\n`);
  else {
    console.log(`${trace.task}: held-out macro F1 over folds ${trace.folds.map((f) => f.fold).join(', ')} (epoch kept in brackets)`);
    for (const r of [...rows].sort((a, b) => b.mean - a.mean)) console.log(`${r.epochRule.padEnd(16)} ${(trace.multilabel ? r.thresholdRule : '').padEnd(15)} ${r.mean.toFixed(3)}   ${r.perFold.map((f) => `${f.macroF1.toFixed(3)} [${f.epoch}]`).join('  ')}`);
  }
}
