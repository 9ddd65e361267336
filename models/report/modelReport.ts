/**
 * The Markdown report of a model version: what it scores on the records it was evaluated on, what it
 * scored on records it never saw (cross-validation), how it was made, how big it is, and what each class
 * can and cannot be trusted for. A pure function of its inputs; the CLI gathers them and writes the file.
 */
import type { ModelConfig } from '../package/modelConfig.ts';
import type { ClassMetrics, Evaluation } from '../metrics.ts';
import { SCORED_AS, type Breakdown } from '../heldOutBreakdown.ts';
import type { ThresholdRule } from '../training/trainer.ts';

/** One `npm run cv` summary (models/cli/cv.ts --out). */
export interface CvSummary {
  task: string;
  folds: number;
  records: number;
  sources: string[] | 'all';
  mode: string;
  epochs: number;
  crops?: boolean;
  pruneEpochs?: number | null;
  pruneSchedule?: 'one-shot' | 'gradual' | null;
  /** Fine-tune distilled from the dense fold model (cv --prune-distill). */
  pruneDistill?: { alpha: number; temperature: number } | null;
  /** Every fold started from the backbones of the other task trained without the held-out fold (cv --pretrain-task). */
  pretrainTask?: string | null;
  /** Early-stopping patience; 0 ran every epoch (cv --patience). */
  patience?: number;
  /** Ablations of our defaults (cv --lead-drop, --unweighted); absent in summaries written before them. */
  leadDrop?: number;
  classWeighting?: boolean;
  /** cv --low-rate: the probability a training window was shown as if stored at 100 Hz. */
  lowRate?: number;
  /** Multilabel: how each fold's thresholds were set (cv --thresholds); absent in summaries written before it, which used the authors'. */
  thresholdRule?: ThresholdRule | null;
  backend: string;
  /** Held-out records by stored rate and source, and the 100 Hz probe (cv summaries that kept records). */
  breakdown?: Breakdown['rows'] | null;
  perFold: { fold: number; n: number; macroF1: number; prunedMacroF1?: number; seconds: number; bestEpoch: number; perClassF1?: Record<string, number>; prunedPerClassF1?: Record<string, number> }[];
  macroF1: { mean: number; sd: number };
  prunedMacroF1: { mean: number; sd: number } | null;
}

export interface ReportInput {
  config: ModelConfig;
  evaluation: Evaluation & { engine?: string };
  /** Words for the evaluated records, e.g. "all 562 records of ../shared/data with a chapman4 label". */
  evaluatedOn: string;
  /** How many of the evaluated records were in the model's own training set. */
  inTraining: number;
  /** The same scores on only the evaluated records outside the training set (its validation split). */
  heldOut?: Evaluation | null;
  bytesOnDisk: number;
  /** The dense parent's size when this version is a pruned one, or the pruned child's when known. */
  related?: { version: string; bytesOnDisk: number; sparsity: number; macroF1?: number };
  cv?: CvSummary[];
}

/** Below this many examples of a class, its figures are anecdotes, not estimates. */
const RARE = 30;

const f3 = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(3));
const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/**
 * The cv run whose per-class figures speak for this model: the one over the most records (closest to the data
 * the model was trained on), and for a pruned model one pruned the same way, scored pruned. One run only:
 * runs that differ only in pruning share their dense folds, and averaging them would count those folds twice.
 */
export function trustSource(cv: CvSummary[] | undefined, config: Pick<ModelConfig, 'provenance'>): { summary: CvSummary; pruned: boolean } | null {
  if (!cv?.length) return null;
  const most = Math.max(...cv.map((s) => s.records));
  const widest = cv.filter((s) => s.records === most);
  if (config.provenance.origin === 'prune') {
    const schedule = (config.provenance.hyperParameters as { schedule?: string }).schedule ?? 'one-shot';
    const same = widest.find((s) => (s.pruneSchedule ?? 'one-shot') === schedule && s.perFold.some((f) => f.prunedPerClassF1));
    if (same) return { summary: same, pruned: true };
  }
  return { summary: widest[0], pruned: false };
}

function cvClassMean(source: { summary: CvSummary; pruned: boolean }, cls: string): number | null {
  const v = source.summary.perFold.map((f) => (source.pruned ? f.prunedPerClassF1 : f.perClassF1)?.[cls]).filter((x): x is number => typeof x === 'number');
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** What a reader may rely on for one class, from its support and its held-out F1. */
export function trustNote(c: ClassMetrics, heldOutF1: number | null): string {
  if (c.support < RARE) {
    return `rare here (${c.support} records): its figures swing by a record or two; a hint to look closer, never a finding on its own`;
  }
  if (heldOutF1 === null) return `${c.support} records; no held-out estimate yet: treat the in-sample figures as an upper bound`;
  if (heldOutF1 >= 0.8) return `held-out F1 ${heldOutF1.toFixed(2)}: a useful pre-read; still confirm on the tracing`;
  if (heldOutF1 >= 0.5) return `held-out F1 ${heldOutF1.toFixed(2)}: catches many cases and misses or invents others; review every call`;
  return `held-out F1 ${heldOutF1.toFixed(2)}: not reliable; use only to order a review queue`;
}

/** One evaluation's headline, per-class table and confusion. */
function scores(out: string[], c: ModelConfig, e: Evaluation, headline: string, engine?: string): void {
  out.push(`n ${e.n}${engine ? `, engine ${engine}` : ''}: **${headline}**, macro precision ${f3(e.macroPrecision)}, macro recall ${f3(e.macroRecall)}, macro AUROC ${f3(e.macroAuroc)}.`);
  out.push('');
  out.push(table(['class', 'F1', 'precision', 'recall', 'AUROC', 'support', ...(c.task.multilabel ? ['threshold'] : [])], e.perClass.map((k) => [k.class, f3(k.f1), f3(k.precision), f3(k.recall), f3(k.auroc), k.support, ...(c.task.multilabel ? [f3(k.threshold)] : [])])));
  out.push('');
  if (!e.multilabel) {
    const conf = e.confusion as number[][];
    out.push('Confusion (rows: truth, columns: prediction):');
    out.push('');
    out.push(table(['truth \\ predicted', ...c.task.classes], conf.map((row, i) => [c.task.classes[i], ...row])));
  } else {
    const conf = e.confusion as number[][][];
    out.push('Confusion per class ([[TN, FP], [FN, TP]]):');
    out.push('');
    out.push(table(['class', 'TN', 'FP', 'FN', 'TP'], conf.map((m2, i) => [c.task.classes[i], m2[0][0], m2[0][1], m2[1][0], m2[1][1]])));
  }
  out.push('');
}

/** How a cv run was set up: the lead-in to its table. Our training defaults (lead drop 0.5, class weights, thresholds 0.5) go unsaid. */
function cvSetup(s: CvSummary, multilabel: boolean): string {
  return [
    `${s.records} records`,
    `${s.folds} folds`,
    s.mode,
    `${s.epochs} epochs${s.patience === 0 ? ' (all run)' : ''}`,
    s.crops && '10 s crops',
    s.pretrainTask && `backbones from ${s.pretrainTask} trained on the other folds`,
    s.leadDrop !== undefined && s.leadDrop !== 0.5 && `lead drop ${s.leadDrop}`,
    s.classWeighting === false && 'no class weights',
    !!s.lowRate && `training windows shown as if stored at 100 Hz with probability ${s.lowRate}`,
    multilabel && (s.thresholdRule ?? 'authors') === 'authors' && "the authors' per-class thresholds, chosen on each fold's validation part",
    s.backend,
  ]
    .filter(Boolean)
    .join(', ');
}

export function renderModelReport(r: ReportInput): string {
  const { config: c, evaluation: e } = r;
  const hp = c.provenance.hyperParameters;
  const m = c.metrics as { seconds?: number; epochs?: number; bestEpoch?: number; valMacroF1?: number; valMacroF1Before?: number; valMacroF1After?: number; nTrain?: number; nVal?: number; history?: { seconds: number }[] };
  // a run resumed across sittings: its epochs' own durations add up to the training time
  const trainSeconds = m.history?.length ? m.history.reduce((a, h) => a + h.seconds, 0) : m.seconds;
  const out: string[] = [];
  out.push(`# ${c.version} — ${c.task.labelSet} (${c.task.multilabel ? 'multilabel' : 'single-label'}: ${c.task.classes.join(', ')})`);
  out.push('');
  out.push('> Not a medical device. These figures describe a small public research dataset; they do not establish clinical performance.');
  out.push('');
  out.push('## How it was made');
  out.push('');
  const facts: [string, string][] = [
        ['origin', `${c.provenance.origin}${c.provenance.parent ? ` from ${c.provenance.parent}` : ''}`],
        ['data', `${c.provenance.dataset ?? '–'}${m.nTrain !== undefined ? ` (${m.nTrain} training, ${m.nVal} validation records)` : ''}`],
        ['recipe', Object.entries(hp).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')],
        ['seed', String(c.provenance.seed ?? '–')],
        ['engine / backend', `${c.provenance.engine} / ${c.provenance.backend}`],
        [c.provenance.origin === 'prune' ? 'fine-tune time' : 'training time', trainSeconds !== undefined ? `${(trainSeconds / 60).toFixed(1)} min (${m.epochs} epochs, best ${m.bestEpoch})` : '–'],
        ['validation macro F1', m.valMacroF1 !== undefined ? f3(m.valMacroF1) : m.valMacroF1After !== undefined ? `${f3(m.valMacroF1Before)} before pruning → ${f3(m.valMacroF1After)} after` : '–'],
        ['thresholds', c.task.thresholds ? c.task.classes.map((k, i) => `${k} ${c.task.thresholds![i].toFixed(2)}`).join(', ') : 'argmax (single-label)'],
        ['prediction', c.preprocessing.multiWindow === 'mean' ? 'mean over consecutive 10 s windows' : 'first 10 s'],
        ['size on disk', `${mb(r.bytesOnDisk)} (${c.weights.storage}, sparsity ${(c.weights.sparsity * 100).toFixed(1)} %)${r.related ? `; ${r.related.version}: ${mb(r.related.bytesOnDisk)} (sparsity ${(r.related.sparsity * 100).toFixed(1)} %)` : ''}`],
  ];
  for (const [k, v] of facts) out.push(`- **${k}**: ${v}`);
  out.push('');
  if (r.heldOut) {
    out.push(`## Scores on the ${r.heldOut.n} of these records the model never trained on`);
    out.push('');
    const thresholdsChosen = !!c.task.thresholds?.some((t) => t !== 0.5);
    out.push(`Its validation split: no gradient step saw them, but they chose the best epoch${thresholdsChosen ? ' (and the multilabel thresholds)' : ''}, so they flatter the model a little.`);
    out.push('');
    scores(out, c, r.heldOut, `held-out macro F1 ${f3(r.heldOut.macroF1)}`);
  }
  out.push(`## Scores on ${r.evaluatedOn}`);
  out.push('');
  if (r.inTraining > 0) out.push(`${r.inTraining} of these ${e.n} records were in the model's own training set: read these figures as an upper bound. The cross-validated figures below are the honest estimate.\n`);
  scores(out, c, e, `macro F1 ${f3(e.macroF1)}`, e.engine ?? '–');
  out.push('## Cross-validation (records each fold never saw)');
  out.push('');
  if (!r.cv?.length) out.push('No cross-validation summary was given for this report (`npm run cv -- --task … --out FILE`, then `--cv FILE`).');
  for (const s of r.cv ?? []) {
    out.push(`**${s.sources === 'all' ? 'all sources' : s.sources.join(', ')}** — ${cvSetup(s, c.task.multilabel)}: mean held-out macro F1 **${f3(s.macroF1.mean)} ± ${f3(s.macroF1.sd)}**${s.prunedMacroF1 ? `; 80 %-pruned${s.pruneSchedule === 'gradual' ? ' gradually' : ''} + ${s.pruneEpochs ?? 5} epochs${s.pruneDistill ? ' distilled from the dense model' : ''}: ${f3(s.prunedMacroF1.mean)} ± ${f3(s.prunedMacroF1.sd)}` : ''}.`);
    out.push('');
    out.push(table(['fold', 'n', 'macro F1', ...(s.prunedMacroF1 ? ['pruned'] : []), 'best epoch', 'minutes'], s.perFold.map((f) => [f.fold, f.n, f3(f.macroF1), ...(s.prunedMacroF1 ? [f3(f.prunedMacroF1)] : []), f.bestEpoch, (f.seconds / 60).toFixed(1)])));
    out.push('');
    const byRate = (s.breakdown ?? []).filter((b) => !b.subset.startsWith('source'));
    if (byRate.length) {
      out.push('The same held-out records by the rate they were stored at, pooled over the folds (macro F1 over the classes present; exact: share of records whose predicted labels are exactly the truth). The last two rows score the records stored faster than 100 Hz again as if stored at 100 Hz: a model that learned the rate rather than the rhythm changes its mind there.');
      out.push('');
      out.push(table(['held-out records', 'model', 'n', 'macro F1', 'exact'], byRate.map((b) => [b.subset, SCORED_AS[b.scored], b.score.n, f3(b.score.pooledMacroF1), f3(b.score.accuracy)])));
      out.push('');
      // a rate whose records all carry one class teaches the model that the rate means that class
      for (const b of byRate.filter((b) => b.subset.startsWith('stored at') && b.scored === 'probs')) {
        const present = b.score.perClass.filter((c) => c.support > 0);
        if (present.length === 1) out.push(`Every held-out record ${b.subset} is ${present[0].class}: the figures for that rate say nothing of other classes there. Where the training records at that rate were all ${present[0].class} too, the model can take the rate itself as a sign of ${present[0].class}; the probe rows show how far its calls move when records are seen at 100 Hz. Read its ${present[0].class} calls on such records with care.`, '');
      }
    }
  }
  if (!r.cv?.length) out.push('');
  out.push('## What each class can and cannot be trusted for');
  out.push('');
  const trust = trustSource(r.cv, r.config);
  if (trust) {
    const s = trust.summary;
    out.push(`Held-out F1 per class: mean over the ${s.perFold.length} folds of the cross-validation on ${s.sources === 'all' ? 'all sources' : s.sources.join(', ')} (${s.records} records)${trust.pruned ? `, scored ${s.pruneSchedule ?? 'one-shot'}-pruned as this version is` : ', dense'}.`);
    out.push('');
  }
  for (const k of e.perClass) {
    // cross-validation when given, else the model's own validation split
    const heldOutF1 = (trust ? cvClassMean(trust, k.class) : null) ?? r.heldOut?.perClass.find((h) => h.class === k.class && h.support > 0)?.f1 ?? null;
    out.push(`- **${k.class}**: ${trustNote(k, heldOutF1)}.`);
  }
  out.push('');
  out.push('The data, not the network, limits these models: the published LightX3ECG figures (0.97 and 0.80 macro F1) come from 10,646 and 6,877 records; this dataset has a few hundred per task, and its rare classes a handful each.');
  out.push('');
  return out.join('\n');
}
