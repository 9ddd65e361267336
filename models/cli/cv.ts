/**
 * npm run cv -- --task chapman4|cpsc9 [--folds 5] [--sources LIST] [--data DIR] [--mode full|last-stage|head]
 *   [--epochs 70] [--patience 15] [--seed 22] [--batch-size N] [--crops] [--prune] [--prune-epochs 5] [--prune-schedule one-shot|gradual] [--prune-distill]
 *   [--pretrain-task chapman4|cpsc9] [--lead-drop 0.5] [--unweighted] [--low-rate 0] [--thresholds 0.5|authors] [--state DIR] [--out FILE] [--trace FILE] [--json]
 * k-fold cross-validation with the engine's own pipeline: for each fold, train from scratch on the other
 * folds (a stratified fifth of them kept for early stopping and thresholds), score the held-out fold;
 * with --prune, also 80 %-prune + masked fine-tune epochs and score again. With --pretrain-task, each
 * fold first trains the other task on its labelled records (same sources) minus the held-out fold, and
 * starts from those backbones (transferredWeights): what one label set teaches the other, without a leak.
 * Prints per-fold and mean ± sd macro F1. Hours of CPU: every fold checkpoints each epoch under --state and a finished fold's result is
 * kept there, so rerunning the same command resumes where it stopped. --out writes the summary JSON.
 * --trace FILE also records, for every fold whose epochs all ran with --trace (across resumed runs too), each
 * epoch's validation and held-out probabilities: what models/profiling/selectionStudy.ts compares model-selection rules on.
 * They never select anything here. Each fold also keeps its held-out records' probabilities (dense, pruned, and
 * dense with every record stored faster than 100 Hz scored again as if stored at 100 Hz):
 * models/profiling/cvBreakdown.ts scores them by source and stored rate. --lead-drop P and --unweighted (no class weights in the loss) measure
 * what those two defaults of ours are worth; --low-rate P what showing training windows as if stored at 100 Hz is.
 * --thresholds authors scores multilabel folds with the authors' per-class thresholds (chosen on the validation
 * part) instead of 0.5; the training is the same, so a fold trained under one rule is rescored under the other.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, activeBackendLabel } from '../backend.ts';
import { sharedLabels, readSharedRecord } from '../data/sharedDataset.ts';
import { initialWeights, transferredWeights } from '../network/params.ts';
import { taskFor } from '../package/modelConfig.ts';
import { train, TRAIN_DEFAULTS, type ThresholdRule, type TrainExample, type TrainMode } from '../training/trainer.ts';
import { stratifiedFolds, stratifiedSplit } from '../training/split.ts';
import { pruneAndFineTune, type PruneSchedule } from '../pruning/prune.ts';
import { DISTILL_DEFAULTS } from '../training/distillation.ts';
import { createInferenceEngine, windowProbabilities } from '../inference.ts';
import { windowsOf } from '../preprocess.ts';
import { asRecordedAt, LOW_RATE_FS } from '../data/asRecordedAt.ts';
import { breakdown } from '../heldOutBreakdown.ts';
import { chooseThresholds, evaluateMultilabel, evaluateSingleLabel, meanPerGroup, meanRows, meanSd, multiHot, type Evaluation } from '../metrics.ts';
import type { NamedWeights } from '../weights.ts';

const { values: o } = parseArgs({
  options: {
    task: { type: 'string' },
    folds: { type: 'string', default: '5' },
    sources: { type: 'string' },
    data: { type: 'string', default: fileURLToPath(new URL('../../../shared/data', import.meta.url)) },
    mode: { type: 'string', default: 'full' },
    epochs: { type: 'string', default: '70' },
    // the trainer's early stopping (after the cosine floor); 0 runs every epoch, as the authors' recipe does
    patience: { type: 'string', default: String(TRAIN_DEFAULTS.patience) },
    seed: { type: 'string', default: '22' },
    // ablations of our defaults: the probability of dropping a lead, and the loss without class weights
    'lead-drop': { type: 'string', default: String(TRAIN_DEFAULTS.leadDrop) },
    unweighted: { type: 'boolean', default: false },
    // the probability of showing a training window as if stored at 100 Hz (off by default)
    'low-rate': { type: 'string', default: '0' },
    thresholds: { type: 'string', default: '0.5' },
    'batch-size': { type: 'string' },
    crops: { type: 'boolean', default: false },
    prune: { type: 'boolean', default: false },
    'prune-epochs': { type: 'string', default: '5' },
    'prune-schedule': { type: 'string', default: 'one-shot' },
    'prune-distill': { type: 'boolean', default: false },
    'pretrain-task': { type: 'string' },
    state: { type: 'string' },
    out: { type: 'string' },
    trace: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
if (!o.task) throw new Error('give --task chapman4|cpsc9');
const task = taskFor(o.task);
const k = Number(o.folds);
const seed = Number(o.seed);
const mode = o.mode as TrainMode;
const mw = o.crops ? 'mean' : 'first';
const sources = o.sources?.split(',');

await initBackend();
const rows = sharedLabels(o.data!, o.task).filter((r) => !sources || sources.includes(r.source));
const examples: (TrainExample & { patientId: string | null; fs: number })[] = rows.map((r) => ({ key: r.name, patientId: r.patientId, fs: r.fs, load: () => readSharedRecord(o.data!, r.name), target: r.classes }));
const folds = stratifiedFolds(examples, k, seed);
const donorTask = o['pretrain-task'] ? taskFor(o['pretrain-task']) : null;
if (donorTask && donorTask.labelSet === task.labelSet) throw new Error('--pretrain-task names the other task');
if (o.trace && mode === 'head') throw new Error('--trace needs mode full or last-stage: head mode validates on cached features');
const patience = Number(o.patience);
if (!Number.isInteger(patience) || patience < 0) throw new Error('--patience is a whole number of epochs (0: never stop early)');
const leadDrop = Number(o['lead-drop']);
if (!(leadDrop >= 0 && leadDrop < 1)) throw new Error('--lead-drop is a probability in [0, 1)');
const classWeighting = !o.unweighted;
const lowRate = Number(o['low-rate']);
if (!(lowRate >= 0 && lowRate <= 1)) throw new Error('--low-rate is a probability in [0, 1]');
const thresholdRule = o.thresholds as ThresholdRule;
if (thresholdRule !== '0.5' && thresholdRule !== 'authors') throw new Error('--thresholds is 0.5 or authors');
// runs that differ only in these keep their folds apart in one state folder; the defaults add no tag
const runTag = [
  donorTask ? `-from-${donorTask.labelSet}` : '',
  patience !== TRAIN_DEFAULTS.patience ? `-patience${patience}` : '',
  leadDrop !== TRAIN_DEFAULTS.leadDrop ? `-leaddrop${leadDrop}` : '',
  classWeighting ? '' : '-unweighted',
  lowRate ? `-lowrate${lowRate}` : '',
].join('');
const pruneEpochs = Number(o['prune-epochs']);
const schedule = o['prune-schedule'] as PruneSchedule;
if (schedule !== 'one-shot' && schedule !== 'gradual') throw new Error('--prune-schedule is one-shot or gradual');
// gradual runs sit beside one-shot ones in the same state folder and reuse its dense folds
const distill = o['prune-distill'] ? DISTILL_DEFAULTS : undefined;
const pruneTag = `pruned${pruneEpochs}${schedule === 'gradual' ? '-gradual' : ''}${distill ? '-distill' : ''}${runTag}`;
// the rule only changes a fold's scores, not its training: it names the fold's result, not its checkpoints or trace
const thresholdTag = task.multilabel && thresholdRule === 'authors' ? '-authors' : '';
const runName = `${o.task}-${sources ? sources.join('+') : 'all'}-${mode}-e${o.epochs}-s${seed}${o.crops ? '-crops' : ''}-k${k}`;
const stateDir = resolve(o.state ?? join('x3ecg-cv', runName));
mkdirSync(stateDir, { recursive: true });
/** Write then rename: a stopped run never leaves half a result. */
function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
}
const log = (s: string) => process.stderr.write(`${s}\n`);
log(`cv ${o.task}: ${examples.length} records${sources ? ` from ${sources.join(',')}` : ''}, ${k} folds, mode ${mode}, ${o.epochs} epochs, backend ${activeBackendLabel()}`);

/** A record's 10 s windows (the first one only without --crops). */
const windowsOfRecord = (ex: TrainExample) => windowsOf(ex.load(), mw);

/** Per record, its class probabilities averaged over its windows. */
async function recordProbabilities(weights: NamedWeights, windowsPerRecord: Float32Array[][]): Promise<number[][]> {
  const eng = await createInferenceEngine(weights, task.multilabel);
  try {
    const probs: number[][] = [];
    for (const windows of windowsPerRecord) probs.push(meanRows((await eng.predict(windows)).map((p) => p.probabilities)));
    return probs;
  } finally {
    await eng.dispose();
  }
}
const truthOf = (records: TrainExample[]) => multiHot(records.map((e) => e.target), task.classes.length);

async function score(weights: NamedWeights, test: TrainExample[], testWindows: Float32Array[][], thresholds: number[] | null): Promise<{ ev: Evaluation; probs: number[][] }> {
  const probs = await recordProbabilities(weights, testWindows);
  if (task.multilabel) return { ev: evaluateMultilabel(task.classes, truthOf(test), probs, thresholds ?? task.classes.map(() => 0.5)), probs };
  return { ev: evaluateSingleLabel(task.classes, test.map((e) => e.target[0]), probs), probs };
}

/** A fold's dense training, epoch by epoch (--trace). */
export interface FoldTrace {
  fold: number;
  valTargets: number[][];
  heldOutTargets: number[][];
  epochs: { val: number[][]; heldOut: number[][] }[];
}

/** The other task trained on its records outside the held-out fold; its backbones start this fold. */
async function pretrainedStart(f: number, heldOut: Set<string>, common: { batchSize: number; crops: boolean; seed: number; patience: number; leadDrop: number; lowRate?: number; classWeighting: boolean; thresholdRule: ThresholdRule }): Promise<{ weights: NamedWeights; seconds: number }> {
  const donor = donorTask!;
  const rows = sharedLabels(o.data!, donor.labelSet).filter((r) => (!sources || sources.includes(r.source)) && !heldOut.has(r.name));
  const { train: tr, val } = stratifiedSplit(rows.map((r) => ({ key: r.name, load: () => readSharedRecord(o.data!, r.name), target: r.classes })), 0.2, seed + f);
  const d = await train(initialWeights(donor.classes.length, seed + f), tr, val, {
    mode,
    ...common,
    numClasses: donor.classes.length,
    multilabel: donor.multilabel,
    predictWindows: (w: NamedWeights, windows: Float32Array[]) => windowProbabilities(w, donor.multilabel, windows),
    epochs: Number(o.epochs),
    checkpointDir: join(stateDir, `fold${f + 1}`, `pretrain-${donor.labelSet}`),
    onProgress: (p) => p.phase === 'epoch' && log(`  fold ${f + 1} ${donor.labelSet} pretraining epoch ${p.epoch}: loss ${p.loss?.toFixed(4)} val F1 ${p.valMacroF1?.toFixed(3)}`),
  });
  log(`  fold ${f + 1}: ${donor.labelSet} pretrained on ${tr.length} records (val F1 ${d.valMacroF1.toFixed(3)}, best epoch ${d.bestEpoch})`);
  return { weights: transferredWeights(d.weights, `fold ${f + 1} ${donor.labelSet} pretraining`, task.classes.length, seed + f), seconds: d.history.reduce((a, h) => a + h.seconds, 0) };
}

/** A held-out record's class probabilities: dense, pruned, and dense on the record as if stored at PROBE_FS. */
export interface HeldOutRecord {
  name: string;
  probs: number[];
  prunedProbs?: number[];
  probsAtProbeFs?: number[];
}
/** One fold's result, as kept in the state folder and in the --out summary's perFold. */
export interface CvFold {
  fold: number;
  n: number;
  macroF1: number;
  prunedMacroF1?: number;
  seconds: number;
  bestEpoch: number;
  perClassF1: Record<string, number>;
  prunedPerClassF1?: Record<string, number>;
  /** Multilabel: the thresholds the held-out records were scored with (null: 0.5). Absent in older runs, as is `records`. */
  thresholds?: number[] | null;
  prunedThresholds?: number[] | null;
  records?: HeldOutRecord[];
}
const results: CvFold[] = [];
// every 100 Hz record here is SR / Normal: held-out records stored faster are also scored as if stored at
// 100 Hz, which shows whether a model learned the rate instead of the rhythm (models/profiling/cvBreakdown.ts)
const PROBE_FS = LOW_RATE_FS;
const round5 = (v: number[]) => v.map((x) => Math.round(x * 1e5) / 1e5);
const perClassF1 = (e: Evaluation) => Object.fromEntries(e.perClass.map((c) => [c.class, c.f1]));
for (let f = 0; f < k; f++) {
  const doneFile = join(stateDir, `fold${f + 1}${o.prune ? `-${pruneTag}` : runTag}${thresholdTag}.json`);
  if (existsSync(doneFile)) {
    const kept = JSON.parse(readFileSync(doneFile, 'utf8')) as CvFold;
    results.push(kept);
    log(`fold ${f + 1}/${k}: done earlier, held-out macro F1 ${kept.macroF1.toFixed(4)}${kept.prunedMacroF1 !== undefined ? `, pruned ${kept.prunedMacroF1.toFixed(4)}` : ''}`);
    continue;
  }
  const test = folds[f];
  const rest = folds.filter((_, i) => i !== f).flat();
  const { train: tr, val } = stratifiedSplit(rest, 0.2, seed + f);
  const common = { numClasses: task.classes.length, multilabel: task.multilabel, patience, leadDrop, ...(lowRate ? { lowRate } : {}), classWeighting, thresholdRule, batchSize: o['batch-size'] ? Number(o['batch-size']) : mode === 'head' ? 64 : 16, crops: o.crops, seed: seed + f, predictWindows: (w: NamedWeights, windows: Float32Array[]) => windowProbabilities(w, task.multilabel, windows) };
  const start = donorTask ? await pretrainedStart(f, new Set(test.map((e) => e.key)), common) : { weights: initialWeights(task.classes.length, seed + f), seconds: 0 };
  const traceFile = join(stateDir, `fold${f + 1}-trace${runTag}.json`);
  // each epoch's entry is kept on disk as it is scored, so a fold that spans sessions is still traced whole
  const partialFile = join(stateDir, `fold${f + 1}-trace${runTag}.partial.json`);
  const traced = new Map<number, FoldTrace['epochs'][number]>(o.trace && existsSync(partialFile) ? (JSON.parse(readFileSync(partialFile, 'utf8')) as [number, FoldTrace['epochs'][number]][]) : []);
  // read once: the trace scores them every epoch, and the dense and pruned models score them at the end
  const valWindows = o.trace ? val.map((e) => windowsOfRecord(e).length) : [];
  const heldOutWindows = test.map(windowsOfRecord);
  const tracing = async (w: NamedWeights, windows: Float32Array[], epoch?: number) => {
    const p = await common.predictWindows(w, windows);
    // only an epoch's validation is traced, not the best weights' rescoring for thresholds after the last epoch
    if (epoch !== undefined) {
      // entries from this epoch on belong to an earlier run that this one replaces
      for (const e of [...traced.keys()]) if (e >= epoch) traced.delete(e);
      // 5 decimals: a trace is kept in the repository (docs/cv/state) and more digits decide nothing
      traced.set(epoch, { val: meanPerGroup(p, valWindows).map(round5), heldOut: (await recordProbabilities(w, heldOutWindows)).map(round5) });
      writeJson(partialFile, [...traced]);
    }
    return p;
  };
  const r = await train(start.weights, tr, val, { mode, ...common, ...(o.trace ? { predictWindows: tracing } : {}), epochs: Number(o.epochs), checkpointDir: join(stateDir, `fold${f + 1}`, `train${runTag}`), onProgress: (p) => p.phase === 'epoch' && log(`  fold ${f + 1} epoch ${p.epoch}: loss ${p.loss?.toFixed(4)} val F1 ${p.valMacroF1?.toFixed(3)}`) });
  if (o.trace) {
    const epochs = Array.from({ length: r.epochsRun }, (_, i) => traced.get(i + 1));
    if (epochs.every((e) => e !== undefined)) {
      writeJson(traceFile, { fold: f + 1, valTargets: val.map((e) => e.target), heldOutTargets: test.map((e) => e.target), epochs } satisfies FoldTrace);
      rmSync(partialFile, { force: true });
    } else log(`  fold ${f + 1}: not traced (epochs ${epochs.flatMap((e, i) => (e ? [] : [i + 1])).join(', ')} ran without --trace)`);
  }
  const { ev, probs } = await score(r.weights, test, heldOutWindows, r.thresholds);
  const probed = test.filter((e) => e.fs > PROBE_FS);
  const probedProbs = await recordProbabilities(r.weights, probed.map((e) => windowsOf(asRecordedAt(e.load(), PROBE_FS), mw)));
  const atProbeFs = new Map(probed.map((e, i) => [e.key, probedProbs[i]]));
  const records: HeldOutRecord[] = test.map((e, i) => ({ name: e.key, probs: round5(probs[i]), ...(atProbeFs.has(e.key) ? { probsAtProbeFs: round5(atProbeFs.get(e.key)!) } : {}) }));
  const entry: CvFold = { fold: f + 1, n: test.length, macroF1: ev.macroF1, seconds: 0, bestEpoch: r.bestEpoch, perClassF1: perClassF1(ev), thresholds: task.multilabel ? r.thresholds : null, records };
  let prunedHistory: typeof r.history | undefined;
  if (o.prune) {
    const p = await pruneAndFineTune(r.weights, tr, val, { ...common, sparsity: 0.8, fineTuneEpochs: pruneEpochs, schedule, distill, mode, checkpointDir: join(stateDir, `fold${f + 1}`, pruneTag.replace('pruned', 'prune')) });
    let th = r.thresholds;
    if (task.multilabel && p.fineTune) th = p.fineTune.thresholds ?? th;
    const { ev: pe, probs: pp } = await score(p.weights, test, heldOutWindows, th);
    records.forEach((rec, i) => (rec.prunedProbs = round5(pp[i])));
    entry.prunedThresholds = task.multilabel ? th : null;
    entry.prunedMacroF1 = pe.macroF1;
    entry.prunedPerClassF1 = perClassF1(pe);
    prunedHistory = p.fineTune?.history;
  }
  // CPU time of the fold's own epochs (from the training histories, so a resumed or reused fold counts them all)
  entry.seconds = start.seconds + [...r.history, ...(prunedHistory ?? [])].reduce((a, h) => a + h.seconds, 0);
  writeJson(doneFile, entry);
  results.push(entry);
  log(`fold ${f + 1}/${k}: held-out macro F1 ${entry.macroF1.toFixed(4)}${entry.prunedMacroF1 !== undefined ? `, pruned ${entry.prunedMacroF1.toFixed(4)}` : ''} (n ${test.length}, best epoch ${r.bestEpoch}, ${entry.seconds.toFixed(0)} s)`);
}
const dense = meanSd(results.map((r) => r.macroF1));
const pruned = o.prune ? meanSd(results.map((r) => r.prunedMacroF1!)) : null;
// by stored rate and source, and the 100 Hz probe (models/profiling/cvBreakdown.ts); folds from before records were kept have none
const byRecord = results.every((r) => r.records?.length) ? breakdown({ task: o.task, perFold: results }, rows, null).rows : null;
const summary = { task: o.task, folds: k, records: examples.length, sources: sources ?? 'all', mode, epochs: Number(o.epochs), patience, leadDrop, lowRate, classWeighting, thresholdRule: task.multilabel ? thresholdRule : null, crops: o.crops, seed, pruneEpochs: o.prune ? pruneEpochs : null, pruneSchedule: o.prune ? schedule : null, pruneDistill: o.prune ? (distill ?? null) : null, pretrainTask: donorTask?.labelSet ?? null, backend: activeBackendLabel(), perFold: results, macroF1: dense, prunedMacroF1: pruned, breakdown: byRecord };
if (o.out) writeJson(resolve(o.out), summary);
if (o.trace) {
  const traces = Array.from({ length: k }, (_, f) => join(stateDir, `fold${f + 1}-trace${runTag}.json`)).filter((t) => existsSync(t));
  writeJson(resolve(o.trace), { task: o.task, classes: task.classes, multilabel: task.multilabel, folds: traces.map((t) => JSON.parse(readFileSync(t, 'utf8')) as FoldTrace) });
  log(`trace: ${traces.length} of ${k} folds → ${o.trace}`);
}
if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  for (const r of results) console.log(`fold ${r.fold}: macro F1 ${r.macroF1.toFixed(4)}${r.prunedMacroF1 !== undefined ? ` (pruned ${r.prunedMacroF1.toFixed(4)})` : ''}  n ${r.n}  ${r.seconds.toFixed(0)} s`);
  console.log(`mean macro F1 ${dense.mean.toFixed(4)} ± ${dense.sd.toFixed(4)}${pruned ? `; pruned ${pruned.mean.toFixed(4)} ± ${pruned.sd.toFixed(4)}` : ''}`);
}
process.exit(0);
