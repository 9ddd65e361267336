/**
 * The engine's jobs as plain async functions: predict, evaluate, explain, train, prune. Each takes
 * JSON-serialisable params and a context (progress, cancel), so the worker runs them off the main
 * thread and tests can call them directly.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { NamedWeights } from '../weights.ts';
import { loadModelPackage, packageSizeOnDisk, saveModelPackage, type ModelPackage } from '../package/modelPackage.ts';
import { defaultPreprocessing, taskFor, type ModelConfig, type WeightStorage } from '../package/modelConfig.ts';
import { mergeTrainingRates, predictionCaveats, trainingRates } from '../package/predictionCaveats.ts';
import { createInferenceEngine, windowProbabilities, type EnginePreference, type InferenceEngine } from '../inference.ts';
import { windowsOf } from '../preprocess.ts';
import { evaluateMultilabel, evaluateSingleLabel, argmax, meanRows, multiHot, type Evaluation } from '../metrics.ts';
import { initialWeights, transferredWeights } from '../network/params.ts';
import { activeBackendLabel, initBackend } from '../backend.ts';
import { train, type ThresholdRule, type TrainMode, type TrainProgress } from '../training/trainer.ts';
import { stratifiedSplit } from '../training/split.ts';
import { pruneAndFineTune, type PruneSchedule } from '../pruning/prune.ts';
import { DISTILL_DEFAULTS } from '../training/distillation.ts';
import { removeCheckpoint } from '../training/checkpoint.ts';
import { resolveSource, type DataSourceSpec, type SourceRecord } from './dataSource.ts';

export interface JobProgress extends Omit<Partial<TrainProgress>, 'phase'> {
  phase: TrainProgress['phase'] | 'predict' | 'explain' | 'evaluate';
  done: number;
  total: number;
}

export interface JobContext {
  progress(p: JobProgress): void;
  signal: { readonly aborted: boolean };
}

export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

const check = (ctx: JobContext) => {
  if (ctx.signal.aborted) throw new JobCancelled();
};

export interface PredictParams {
  model: string;
  source: DataSourceSpec;
  multiWindow?: 'first' | 'mean';
  engine?: EnginePreference;
  /** Store the rows as predictions of this model version in the archive (archive sources). */
  save?: boolean;
}

export interface PredictionRow {
  key: string;
  recordId?: number;
  probabilities: number[];
  /** Attention scores (mean over windows). */
  scores: number[];
  /** Predicted classes: argmax (single-label) or those at/above their threshold. */
  predicted: string[];
  windows: number;
  /** Why the record could not be scored (e.g. a missing lead); no probabilities then. */
  error?: string;
  /** What a reader should know before trusting the call (models/package/predictionCaveats.ts). */
  caveats?: string[];
}

async function predictRecords(engine: InferenceEngine, pkg: ModelPackage, records: SourceRecord[], mode: 'first' | 'mean', ctx: JobContext): Promise<PredictionRow[]> {
  const { classes, multilabel, thresholds } = pkg.config.task;
  const out: PredictionRow[] = [];
  const CHUNK = 16;
  for (let i = 0; i < records.length; i += CHUNK) {
    check(ctx);
    const chunk = records.slice(i, i + CHUNK);
    const seconds: (number | undefined)[] = [];
    const wins = chunk.map((r, j) => {
      try {
        const input = r.load();
        seconds[j] = input.length / input.fs;
        return windowsOf(input, mode);
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    });
    const preds = await engine.predict(wins.flatMap((w) => (typeof w === 'string' ? [] : w)));
    let k = 0;
    chunk.forEach((r, j) => {
      const w = wins[j];
      if (typeof w === 'string') {
        out.push({ key: r.key, recordId: r.recordId, probabilities: [], scores: [], predicted: [], windows: 0, error: w });
        return;
      }
      const ps = preds.slice(k, k + w.length);
      k += w.length;
      const probabilities = meanRows(ps.map((p) => p.probabilities));
      const predicted = multilabel ? classes.filter((_, c) => probabilities[c] >= (thresholds?.[c] ?? 0.5)) : [classes[argmax(probabilities)]];
      const caveats = predictionCaveats(pkg.config, { fs: r.storedFs, seconds: seconds[j] });
      out.push({ key: r.key, recordId: r.recordId, probabilities, scores: meanRows(ps.map((p) => p.scores)), predicted, windows: w.length, ...(caveats.length ? { caveats } : {}) });
    });
    ctx.progress({ phase: 'predict', done: Math.min(i + CHUNK, records.length), total: records.length });
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

export async function predictJob(p: PredictParams, ctx: JobContext): Promise<{ version: string; engine: string; rows: PredictionRow[] }> {
  const pkg = loadModelPackage(p.model);
  const { records, archive } = await resolveSource(p.source, pkg.config.task.labelSet, false);
  const engine = await createInferenceEngine(pkg.weights, pkg.config.task.multilabel, p.engine);
  try {
    const rows = await predictRecords(engine, pkg, records, p.multiWindow ?? pkg.config.preprocessing.multiWindow, ctx);
    if (p.save && archive) {
      archive.savePredictions(pkg.config.version, pkg.config.task.labelSet, rows.filter((r) => r.recordId !== undefined && !r.error).map((r) => ({ recordId: r.recordId!, probabilities: r.probabilities })));
    }
    return { version: pkg.config.version, engine: engine.name, rows };
  } finally {
    await engine.dispose();
  }
}

export function evaluateRows(pkg: ModelPackage, records: SourceRecord[], rows: PredictionRow[]): Evaluation {
  const { classes, multilabel, thresholds } = pkg.config.task;
  if (multilabel) {
    const truth = multiHot(records.map((r) => r.target!), classes.length);
    return evaluateMultilabel(classes, truth, rows.map((r) => r.probabilities), thresholds ?? classes.map(() => 0.5));
  }
  return evaluateSingleLabel(classes, records.map((r) => r.target![0]), rows.map((r) => r.probabilities));
}

export interface EvaluateParams {
  model: string;
  source: DataSourceSpec;
  /** Save the result with the version as `<package>/evaluations/<name>.json` (best effort: a read-only package is left alone). */
  saveAs?: string;
  multiWindow?: 'first' | 'mean';
  engine?: EnginePreference;
}

export async function evaluateJob(
  p: EvaluateParams,
  ctx: JobContext,
): Promise<Evaluation & { version: string; engine: string; skipped: { key: string; error: string }[]; inTraining: number; heldOut: Evaluation | null }> {
  const pkg = loadModelPackage(p.model);
  const { records } = await resolveSource(p.source, pkg.config.task.labelSet, true);
  if (!records.length) throw new Error(`no records with ${pkg.config.task.labelSet} ground truth in the selection`);
  const engine = await createInferenceEngine(pkg.weights, pkg.config.task.multilabel, p.engine);
  try {
    const rows = await predictRecords(engine, pkg, records, p.multiWindow ?? pkg.config.preprocessing.multiWindow, ctx);
    const ok = rows.map((r, i) => [r, records[i]] as const).filter(([r]) => !r.error);
    const skipped = rows.filter((r) => r.error).map((r) => ({ key: r.key, error: r.error! }));
    const trainedOn = trainingSplitTest(pkg.config, p.source);
    const unseen = ok.filter(([, rec]) => !trainedOn(rec));
    const inTraining = ok.length - unseen.length;
    // when some records were trained on, the rest are the honest figure: score them on their own too
    const heldOut = inTraining > 0 && unseen.length > 0 ? evaluateRows(pkg, unseen.map(([, rec]) => rec), unseen.map(([r]) => r)) : null;
    const result = { ...evaluateRows(pkg, ok.map(([, rec]) => rec), ok.map(([r]) => r)), skipped, version: pkg.config.version, engine: engine.name, inTraining, heldOut };
    if (p.saveAs) saveEvaluation(p.model, p.saveAs, { ...result, source: p.source.kind === 'inline' ? 'inline' : p.source, at: new Date().toISOString() });
    return result;
  } finally {
    await engine.dispose();
  }
}

/**
 * Whether a record was in a model's training split. Split ids are record names (shipped packages, shared
 * data) or archive record ids, which only mean something in the archive the model was trained from.
 */
function trainingSplitTest(config: ModelConfig, source: DataSourceSpec): (rec: SourceRecord) => boolean {
  const ids = new Set((config.provenance.splitIds?.train ?? []).map(String));
  const sameArchive = source.kind === 'archive' && resolve(source.file) === config.provenance.dataset;
  return (rec) => {
    if (!ids.size) return false;
    // archive keys are `file#name`, shared-data keys `source/name`; archives store the bare record name
    const name = rec.key.slice(rec.key.lastIndexOf('#') + 1);
    if (ids.has(name) || ids.has(name.slice(name.lastIndexOf('/') + 1))) return true;
    return sameArchive && rec.recordId !== undefined && ids.has(String(rec.recordId));
  };
}

function saveEvaluation(dir: string, name: string, value: unknown): void {
  try {
    const folder = join(dir, 'evaluations');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `${name.replace(/[^\w.-]+/g, '_')}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(value));
    renameSync(`${file}.tmp`, file);
  } catch {
    // shipped defaults may sit on a read-only install: the result is still returned
  }
}

export interface ExplainParams {
  model: string;
  source: DataSourceSpec;
  classIndex?: number;
  engine?: EnginePreference;
}

export async function explainJob(p: ExplainParams, ctx: JobContext): Promise<{ classIndex: number; class: string; maps: number[][]; attention: number[]; probabilities: number[]; caveats?: string[] }> {
  const pkg = loadModelPackage(p.model);
  const { records } = await resolveSource(p.source, pkg.config.task.labelSet, false);
  if (records.length !== 1) throw new Error(`explain needs exactly one record, got ${records.length}`);
  const engine = await createInferenceEngine(pkg.weights, pkg.config.task.multilabel, p.engine);
  try {
    ctx.progress({ phase: 'explain', done: 0, total: 1 });
    const input = records[0].load();
    const [window] = windowsOf(input, 'first');
    const caveats = predictionCaveats(pkg.config, { fs: records[0].storedFs, seconds: input.length / input.fs });
    const r = await engine.stage3(window);
    const c = p.classIndex ?? argmax(r.probabilities);
    const path = '../explain/leadGradCam.ts';
    const { leadGradCam } = (await import(path)) as { leadGradCam: (s: ArrayLike<number>[], w: NamedWeights, c: number) => { maps: Float32Array[]; attention: number[] } };
    const cam = leadGradCam(r.stage3, pkg.weights, c);
    ctx.progress({ phase: 'explain', done: 1, total: 1 });
    return { classIndex: c, class: pkg.config.task.classes[c], maps: cam.maps.map((m) => Array.from(m)), attention: cam.attention, probabilities: r.probabilities, ...(caveats.length ? { caveats } : {}) };
  } finally {
    await engine.dispose();
  }
}

export interface TrainParams {
  task: string;
  source: DataSourceSpec;
  /** Parent package folder; absent: train from scratch (PyTorch-default initialisation with `seed`). */
  parent?: string | null;
  /** A package of any label set whose backbones and attention start the run, the classifier fresh (not with `parent`). */
  backbonesFrom?: string | null;
  mode?: TrainMode;
  epochs?: number;
  seed?: number;
  batchSize?: number;
  lr?: number;
  patience?: number;
  valFraction?: number;
  crops?: boolean;
  /** Multilabel decision thresholds (trainer.ts ThresholdRule; default '0.5'). */
  thresholdRule?: ThresholdRule;
  multiWindow?: 'first' | 'mean';
  /** Where new packages are written (a folder of versions). */
  modelsDir: string;
  version?: string;
  engine?: EnginePreference;
}

export interface TrainJobResult {
  version: string;
  dir: string;
  epochs: number;
  bestEpoch: number;
  resumedFrom: number;
  seconds: number;
  valMacroF1: number;
  backend: string;
  featureEngine?: string;
}

function hashOf(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 10);
}

export async function trainJob(p: TrainParams, ctx: JobContext): Promise<TrainJobResult> {
  const task = taskFor(p.task);
  const mode = p.mode ?? 'full';
  const seed = p.seed ?? 22;
  if (p.parent && p.backbonesFrom) throw new Error('give a parent to fine-tune or a model to take backbones from, not both');
  const parent = p.parent ? loadModelPackage(p.parent) : null;
  if (parent && parent.config.task.labelSet !== p.task) throw new Error(`${p.parent}: a ${parent.config.task.labelSet} model cannot be fine-tuned for ${p.task} (--backbones-from takes its backbones)`);
  const donor = p.backbonesFrom ? loadModelPackage(p.backbonesFrom) : null;
  const parentWeights = parent ? parent.weights : donor ? transferredWeights(donor.weights, p.backbonesFrom!, task.classes.length, seed) : initialWeights(task.classes.length, seed);
  const { records } = await resolveSource(p.source, p.task, true);
  const { train: trainSet, val: valSet } = stratifiedSplit(records.map((r) => ({ ...r, target: r.target! })), p.valFraction ?? 0.2, seed);
  const backbonesFrom = donor?.config.version ?? null;
  const thresholdRule = p.thresholdRule ?? '0.5';
  // a non-default threshold rule is another model: it must not be answered with the 0.5 version already on disk
  const run = { task: p.task, parent: parent?.config.version ?? null, ...(backbonesFrom ? { backbonesFrom } : {}), ...(task.multilabel && thresholdRule !== '0.5' ? { thresholdRule } : {}), mode, seed, epochs: p.epochs ?? 70, bs: p.batchSize, lr: p.lr, crops: p.crops, keys: records.map((r) => r.key) };
  const version = p.version ?? `${p.task}-${mode}-s${seed}-${hashOf(run)}`;
  const dir = join(p.modelsDir, version);
  const checkpointDir = join(p.modelsDir, '.checkpoints', version);
  if (existsSync(dir)) {
    const done = loadModelPackage(dir).config;
    removeCheckpoint(checkpointDir); // left by a run saved before checkpoints were cleaned up
    const m = done.metrics as { valMacroF1?: number; epochs?: number; bestEpoch?: number; seconds?: number };
    return { version, dir, epochs: m.epochs ?? 0, bestEpoch: m.bestEpoch ?? 0, resumedFrom: m.epochs ?? 0, seconds: 0, valMacroF1: m.valMacroF1 ?? 0, backend: done.provenance.backend };
  }
  const backend = await initBackend();
  let featureEngine: InferenceEngine | null = null;
  if (mode === 'head') featureEngine = await createInferenceEngine(parentWeights, task.multilabel, p.engine);
  try {
    const r = await train(parentWeights, trainSet, valSet, {
      mode,
      numClasses: task.classes.length,
      multilabel: task.multilabel,
      epochs: p.epochs ?? 70,
      seed,
      batchSize: p.batchSize ?? (mode === 'head' ? 64 : 16),
      lr: p.lr ?? 1e-3,
      patience: p.patience ?? 15,
      crops: p.crops ?? false,
      thresholdRule,
      checkpointDir,
      cacheDir: join(p.modelsDir, '.feature-cache'),
      extractFeatures: featureEngine ? (w) => featureEngine!.features(w) : undefined,
      predictWindows: (w, windows) => windowProbabilities(w, task.multilabel, windows, p.engine),
      onProgress: (e) => ctx.progress(e),
      signal: ctx.signal as AbortSignal,
    });
    const config: Omit<ModelConfig, 'formatVersion' | 'weights'> = {
      version,
      architecture: { name: 'LightX3ECG', numClasses: task.classes.length },
      task: { ...task, thresholds: r.thresholds },
      preprocessing: defaultPreprocessing(p.multiWindow ?? (p.crops ? 'mean' : 'first')),
      provenance: {
        parent: parent?.config.version ?? null,
        dataset: p.source.kind === 'archive' ? resolve(p.source.file) : p.source.kind === 'shared' ? resolve(p.source.dataDir) : 'inline',
        splitIds: { train: trainSet.map((e) => e.recordId ?? e.key), val: valSet.map((e) => e.recordId ?? e.key) },
        trainingRates: mergeTrainingRates(parent?.config.provenance.trainingRates, trainingRates(trainSet, task.classes)),
        hyperParameters: { mode, epochs: p.epochs ?? 70, batchSize: p.batchSize ?? (mode === 'head' ? 64 : 16), lr: p.lr ?? 1e-3, lrMin: 1e-4, tMax: 40, weightDecay: 5e-5, leadDrop: 0.5, classWeighting: true, patience: p.patience ?? 15, crops: p.crops ?? false, ...(task.multilabel ? { thresholdRule } : {}), ...(backbonesFrom ? { backbonesFrom } : {}) },
        seed,
        engine: 'tfjs',
        backend: `tfjs-${backend}`,
        created: new Date().toISOString(),
        origin: 'train',
      },
      metrics: { valMacroF1: r.valMacroF1, bestEpoch: r.bestEpoch, epochs: r.epochsRun, seconds: r.seconds, history: r.history, nTrain: trainSet.length, nVal: valSet.length },
    };
    saveModelPackage(dir, config, r.weights);
    removeCheckpoint(checkpointDir);
    return { version, dir, epochs: r.epochsRun, bestEpoch: r.bestEpoch, resumedFrom: r.resumedFrom, seconds: r.seconds, valMacroF1: r.valMacroF1, backend: activeBackendLabel(), featureEngine: featureEngine?.name };
  } finally {
    await featureEngine?.dispose();
  }
}

export interface PruneParams {
  model: string;
  source: DataSourceSpec;
  sparsity?: number;
  fineTuneEpochs?: number;
  /** 'one-shot' (spec §13) or 'gradual' (models/pruning/prune.ts). */
  schedule?: PruneSchedule;
  /** Knowledge distillation from the dense parent during the fine-tune (DISTILL_DEFAULTS). */
  distill?: boolean;
  mode?: TrainMode;
  batchSize?: number;
  seed?: number;
  storage?: WeightStorage;
  modelsDir?: string;
  version?: string;
  valFraction?: number;
  engine?: EnginePreference;
}

export async function pruneJob(p: PruneParams, ctx: JobContext) {
  const parent = loadModelPackage(p.model);
  const { task } = parent.config;
  const sparsity = p.sparsity ?? 0.8;
  const seed = p.seed ?? 22;
  const mode = p.mode ?? 'full';
  const { records } = await resolveSource(p.source, task.labelSet, true);
  const { train: trainSet, val: valSet } = stratifiedSplit(records.map((r) => ({ ...r, target: r.target! })), p.valFraction ?? 0.2, seed);
  const modelsDir = p.modelsDir ?? dirname(resolve(p.model));
  const schedule = p.schedule ?? 'one-shot';
  // the one-shot hash input is what it was before schedules existed, so earlier versions keep their names
  const version = p.version ?? `${parent.config.version}-pruned${Math.round(sparsity * 100)}-${hashOf({ seed, mode, e: p.fineTuneEpochs, keys: records.map((r) => r.key), ...(schedule === 'gradual' ? { schedule } : {}), ...(p.distill ? { distill: DISTILL_DEFAULTS } : {}) })}`;
  const dir = join(modelsDir, version);
  if (existsSync(dir)) throw new Error(`${dir}: already exists`);
  const evalOn = async (weights: NamedWeights) => {
    const engine = await createInferenceEngine(weights, task.multilabel, p.engine);
    try {
      const tmp = { ...parent, weights };
      return evaluateRows(tmp, valSet, await predictRecords(engine, tmp, valSet, parent.config.preprocessing.multiWindow, { ...ctx, progress: () => {} }));
    } finally {
      await engine.dispose();
    }
  };
  await initBackend();
  const before = await evalOn(parent.weights);
  check(ctx);
  const checkpointDir = join(modelsDir, '.checkpoints', version);
  const out = await pruneAndFineTune(parent.weights, trainSet, valSet, {
    sparsity,
    fineTuneEpochs: p.fineTuneEpochs ?? 5,
    schedule,
    ...(p.distill ? { distill: DISTILL_DEFAULTS } : {}),
    mode,
    numClasses: parent.config.architecture.numClasses,
    multilabel: task.multilabel,
    batchSize: p.batchSize ?? (mode === 'head' ? 64 : 16),
    seed,
    crops: parent.config.preprocessing.multiWindow === 'mean',
    predictWindows: (w, windows) => windowProbabilities(w, task.multilabel, windows, p.engine),
    checkpointDir,
    cacheDir: join(modelsDir, '.feature-cache'),
    onProgress: (e) => ctx.progress(e),
    signal: ctx.signal as AbortSignal,
  });
  const after = await evalOn(out.weights);
  const storage = p.storage ?? 'sparse-float16';
  const config = saveModelPackage(
    dir,
    {
      ...parent.config,
      version,
      provenance: { ...parent.config.provenance, parent: parent.config.version, created: new Date().toISOString(), origin: 'prune', seed, backend: activeBackendLabel(), hyperParameters: { sparsity, fineTuneEpochs: p.fineTuneEpochs ?? 5, schedule, ...(p.distill ? { distill: DISTILL_DEFAULTS } : {}), mode, lr: 1e-4, weightDecay: 5e-5, storage } },
      metrics: { valMacroF1Before: before.macroF1, valMacroF1After: after.macroF1, before, after, threshold: out.threshold, pooled: out.pooled, pruned: out.pruned, nTrain: trainSet.length, nVal: valSet.length, ...(out.fineTune ? { seconds: out.fineTune.seconds, epochs: out.fineTune.epochsRun, bestEpoch: out.fineTune.bestEpoch, history: out.fineTune.history } : {}) },
    },
    out.weights,
    { storage },
  );
  removeCheckpoint(checkpointDir);
  return {
    version,
    dir,
    sparsity: out.sparsity,
    bytesOnDisk: packageSizeOnDisk(dir),
    bytesParent: packageSizeOnDisk(parent.dir),
    storage: config.weights.storage,
    valMacroF1Before: before.macroF1,
    valMacroF1After: after.macroF1,
    backend: activeBackendLabel(),
  };
}

export const JOBS = {
  predict: predictJob,
  evaluate: evaluateJob,
  explain: explainJob,
  train: trainJob,
  prune: pruneJob,
} as const;

export type JobKind = keyof typeof JOBS;
export type JobParams<K extends JobKind> = Parameters<(typeof JOBS)[K]>[0];
export type JobResult<K extends JobKind> = Awaited<ReturnType<(typeof JOBS)[K]>>;
