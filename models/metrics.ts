/**
 * Classification metrics: per-class and macro F1 / precision / recall, AUROC, confusion matrix;
 * multilabel threshold selection as the authors did it (spec §12). Pure functions.
 */
export interface ClassMetrics {
  class: string;
  f1: number;
  precision: number;
  recall: number;
  auroc: number | null;
  support: number;
  threshold?: number;
}

export interface Evaluation {
  n: number;
  macroF1: number;
  macroPrecision: number;
  macroRecall: number;
  macroAuroc: number | null;
  perClass: ClassMetrics[];
  /** Single-label: confusion[true][pred]. Multilabel: per class [[tn, fp], [fn, tp]]. */
  confusion: number[][] | number[][][];
  multilabel: boolean;
}

function prf(tp: number, fp: number, fn: number) {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0;
  return { precision, recall, f1 };
}

/** Rank-based AUROC (Mann–Whitney U with midranks for ties); null when one class is absent. */
export function auroc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) nPos++;
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[idx[k]]) rankSum += mid;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);

/** Single-label: `truth[i]` is a class index, `probs[i]` the class probabilities; prediction = argmax. */
export function evaluateSingleLabel(classes: string[], truth: number[], probs: number[][]): Evaluation {
  const c = classes.length;
  const confusion = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  probs.forEach((p, i) => confusion[truth[i]][argmax(p)]++);
  const perClass = classes.map((name, k) => {
    const tp = confusion[k][k];
    const fn = confusion[k].reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((a, row) => a + row[k], 0) - tp;
    return { class: name, ...prf(tp, fp, fn), auroc: auroc(probs.map((p) => p[k]), truth.map((t) => t === k)), support: tp + fn };
  });
  return summarise(perClass, confusion, truth.length, false);
}

/** Multilabel: `truth[i]` is a 0/1 vector; class k is predicted when probs[i][k] ≥ thresholds[k]. */
export function evaluateMultilabel(classes: string[], truth: number[][], probs: number[][], thresholds: number[]): Evaluation {
  const confusion: number[][][] = [];
  const perClass = classes.map((name, k) => {
    let tp = 0, fp = 0, fn = 0, tn = 0;
    probs.forEach((p, i) => {
      const pred = p[k] >= thresholds[k];
      const pos = truth[i][k] === 1;
      if (pred && pos) tp++;
      else if (pred) fp++;
      else if (pos) fn++;
      else tn++;
    });
    confusion.push([[tn, fp], [fn, tp]]);
    return { class: name, ...prf(tp, fp, fn), auroc: auroc(probs.map((p) => p[k]), truth.map((t) => t[k] === 1)), support: tp + fn, threshold: thresholds[k] };
  });
  return summarise(perClass, confusion, truth.length, true);
}

function summarise(perClass: ClassMetrics[], confusion: number[][] | number[][][], n: number, multilabel: boolean): Evaluation {
  const aucs = perClass.map((p) => p.auroc).filter((a): a is number => a !== null);
  return {
    n,
    macroF1: mean(perClass.map((p) => p.f1)),
    macroPrecision: mean(perClass.map((p) => p.precision)),
    macroRecall: mean(perClass.map((p) => p.recall)),
    macroAuroc: aucs.length ? mean(aucs) : null,
    perClass,
    confusion,
    multilabel,
  };
}

/** Class indices per record as 0/1 rows of `numClasses`: the truth matrix multilabel metrics take. */
export function multiHot(targets: readonly (readonly number[])[], numClasses: number): number[][] {
  return targets.map((t) => Array.from({ length: numClasses }, (_, c) => (t.includes(c) ? 1 : 0)));
}

/** Mean and sample standard deviation (n − 1; 0 for a single value): the ± of per-fold figures. */
export function meanSd(v: readonly number[]): { mean: number; sd: number } {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean: m, sd: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1)) };
}

/** Column means of equal-length rows: a record's probabilities averaged over its windows. */
export function meanRows(rows: readonly number[][]): number[] {
  return rows[0].map((_, c) => rows.reduce((a, r) => a + r[c], 0) / rows.length);
}

/** `rows` cut into consecutive groups of `sizes[i]` rows (one per record), each averaged by `meanRows`. */
export function meanPerGroup(rows: readonly number[][], sizes: readonly number[]): number[][] {
  let k = 0;
  return sizes.map((n) => meanRows(rows.slice(k, (k += n))));
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** The candidate multilabel thresholds {0.05, 0.10, …, 0.95} (spec §12). */
export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

/**
 * For class k, each grid threshold's score as the authors computed it: the mean of the positive- and
 * negative-class F1 of that class's binary problem (spec §12).
 */
export function thresholdScores(truth: number[][], probs: number[][], k: number): number[] {
  return THRESHOLD_GRID.map((t) => {
    let tp = 0, fp = 0, fn = 0, tn = 0;
    probs.forEach((p, i) => {
      const pred = p[k] >= t;
      const pos = truth[i][k] === 1;
      if (pred && pos) tp++;
      else if (pred) fp++;
      else if (pos) fn++;
      else tn++;
    });
    return (prf(tp, fp, fn).f1 + prf(tn, fn, fp).f1) / 2;
  });
}

/** Per-class thresholds with the best thresholdScores; ties keep the lowest, as the authors' loop does. */
export function chooseThresholds(truth: number[][], probs: number[][], numClasses: number): number[] {
  return Array.from({ length: numClasses }, (_, k) => THRESHOLD_GRID[argmax(thresholdScores(truth, probs, k))]);
}
