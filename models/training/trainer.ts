/**
 * Training and fine-tuning (spec §12): modes `head` (backbones frozen, features cached), `last-stage`
 * (stage 3 of each backbone + head) and `full`. PyTorch Adam with L2 weight decay, cosine schedule per
 * epoch, random lead drop, class weighting, early stopping on validation macro F1, seeded, a checkpoint
 * after every epoch (a rerun with the same inputs resumes), optional pruning masks re-applied after
 * every optimiser step. The parent weights are never modified: the result is a new NamedWeights.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import type { NamedWeights } from '../weights.ts';
import { FEATURE_DIM, NUM_LEADS, networkSpecs } from '../network/architecture.ts';
import type { ForwardContext } from '../network/context.ts';
import { fromLeadMajor, lightx3ecg } from '../network/lightx3ecg.ts';
import { leadAttentionHead } from '../network/leadAttention.ts';
import { Rng, toTfLayout, type ParamMap } from '../network/params.ts';
import { FS, randomCrop, resampleTo500, windowsOf, WINDOW, type ModelInput } from '../preprocess.ts';
import { asRecordedAt, LOW_RATE_FS } from '../data/asRecordedAt.ts';
import { TfjsModel, stackFeatures, stackWindows } from '../tfjsModel.ts';
import { chooseThresholds, evaluateMultilabel, evaluateSingleLabel, meanPerGroup, multiHot } from '../metrics.ts';
import { globalMagnitudeMasks, gradualSparsity, type Masks, type SparsitySchedule } from '../pruning/magnitude.ts';
import { activeBackendLabel } from '../backend.ts';
import { Adam, assignArray, cosineLr } from './adam.ts';
import { loadCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointMeta } from './checkpoint.ts';
import { backboneKey, FeatureCache } from './featureCache.ts';
import { layerSeed, segmentedGradients } from './segmentedStep.ts';
import { leadParallelUseful, LeadWorkerPool } from './leadWorkers.ts';
import { distilledLoss, temperedTargets, type Distillation } from './distillation.ts';

export type TrainMode = 'head' | 'last-stage' | 'full';
/**
 * Multilabel decision thresholds after the last epoch: 0.5 for every class, or the authors' per-class choice
 * on the validation part (metrics.ts chooseThresholds). 0.5 is the default: on the `cpsc9` cv folds the
 * authors' thresholds, chosen on a validation part with 2–4 records of a rare class, scored lower (README, Models).
 */
export type ThresholdRule = '0.5' | 'authors';

export interface TrainExample {
  /** Stable record key (feature cache, run identity). */
  key: string;
  load: () => ModelInput;
  /** Class indices (one for single-label tasks). */
  target: number[];
}

export interface TrainProgress {
  phase: 'load' | 'features' | 'train' | 'validate' | 'epoch' | 'done';
  done: number;
  total: number;
  epoch?: number;
  loss?: number;
  valMacroF1?: number;
}

export interface TrainOptions {
  mode: TrainMode;
  numClasses: number;
  multilabel: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  lrMin: number;
  tMax: number;
  /** 0 = constant lr (the pruning fine-tune). */
  cosine: boolean;
  weightDecay: number;
  seed: number;
  /** Probability of zeroing one random lead of a training example (authors: 0.5). */
  leadDrop: number;
  /**
   * Full / last-stage: probability of showing a training window as if stored at LOW_RATE_FS (asRecordedAt), so
   * the signal's bandwidth tells nothing of its class (in ../shared/data every 100 Hz record is SR / Normal).
   * Absent or 0: off (the authors had no such step).
   */
  lowRate?: number;
  classWeighting: boolean;
  /** Multilabel: how the decision thresholds are set after the last epoch (default '0.5'). */
  thresholdRule?: ThresholdRule;
  /** Stop after this many epochs without a better validation macro F1 (0: never). */
  patience: number;
  /**
   * Random 10 s crops of longer records (else the first 10 s): at any offset in `full`/`last-stage`,
   * one of the consecutive 10 s windows in `head` (whose features are cached per window). Validation
   * averages the probabilities of consecutive 10 s windows.
   */
  crops: boolean;
  checkpointDir?: string | null;
  cacheDir?: string | null;
  /** Pruning masks held through the run: pruned weights stay exactly 0. */
  masks?: Masks;
  /**
   * Gradual magnitude pruning instead of fixed masks: each epoch starts by pruning the current weights
   * globally to gradualSparsity(epoch); only epochs at the target sparsity count for the best epoch.
   */
  sparsitySchedule?: SparsitySchedule;
  /** Knowledge distillation from a teacher (distillation.ts), e.g. a pruned network's dense parent. */
  distill?: Distillation;
  /** Full / last-stage: recompute segments in the backward pass (bounded memory; default on). */
  recompute?: boolean;
  /** Full / last-stage: one worker thread per lead (default: when the backend is single-threaded and there are cores). */
  leadWorkers?: boolean;
  /** Head mode: lead features of windows ([3 × 512] each) from a faster engine (default: TF.js on the parent). */
  extractFeatures?: (windows: Float32Array[]) => Promise<Float32Array[]>;
  /**
   * Full / last-stage validation: class probabilities of windows under given weights from a faster engine
   * (default: the TF.js model, on this thread while the lead workers idle). `epoch` names the epoch being
   * validated; it is absent when the best weights are scored again for thresholds after the last epoch.
   */
  predictWindows?: (weights: NamedWeights, windows: Float32Array[], epoch?: number) => Promise<number[][]>;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

export const TRAIN_DEFAULTS: Omit<TrainOptions, 'mode' | 'numClasses' | 'multilabel'> = {
  epochs: 70,
  batchSize: 32,
  lr: 1e-3,
  lrMin: 1e-4,
  tMax: 40,
  cosine: true,
  weightDecay: 5e-5,
  seed: 22,
  leadDrop: 0.5,
  classWeighting: true,
  patience: 15,
  crops: false,
};

export interface TrainResult {
  weights: NamedWeights;
  thresholds: number[] | null;
  bestEpoch: number;
  valMacroF1: number;
  epochsRun: number;
  resumedFrom: number;
  history: CheckpointMeta['history'];
  seconds: number;
  backend: string;
  featureCache?: { hits: number; misses: number };
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

function trainableNames(mode: TrainMode, numClasses: number): Set<string> {
  const specs = networkSpecs(numClasses).filter((s) => s.kind !== 'bn_running_mean' && s.kind !== 'bn_running_var');
  const keep = (n: string) => (mode === 'full' ? true : mode === 'last-stage' ? /^lead\d\.stage3\./.test(n) || !n.startsWith('lead') : !n.startsWith('lead'));
  return new Set(specs.map((s) => s.name).filter(keep));
}

function runKeyOf(opts: TrainOptions, parent: NamedWeights, train: TrainExample[], val: TrainExample[]): string {
  const h = createHash('sha256');
  // the threshold rule only acts after the last epoch, so a finished run is reused under either rule
  const { onProgress: _a, signal: _b, checkpointDir: _c, cacheDir: _d, extractFeatures: _e, leadWorkers: _f, predictWindows: _g, thresholdRule: _h, masks, ...rest } = opts;
  h.update(JSON.stringify(rest));
  h.update(backboneKey(parent));
  for (const [n, t] of parent) if (!n.startsWith('lead')) h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  h.update(JSON.stringify([train.map((e) => [e.key, e.target]), val.map((e) => [e.key, e.target])]));
  if (masks) for (const [n, m] of masks) h.update(n).update(m);
  return h.digest('hex').slice(0, 32);
}

/** Batches of indices; a trailing batch of one joins the previous batch (attention BN needs ≥ 2). */
export function makeBatches(order: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  if (out.length > 1 && out[out.length - 1].length === 1) out[out.length - 2].push(...out.pop()!);
  return out;
}

function shuffle(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function classWeights(train: TrainExample[], numClasses: number, multilabel: boolean, on: boolean): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const e of train) for (const c of e.target) counts[c]++;
  if (!on) return counts.map(() => 1);
  if (multilabel) return counts.map((pos) => Math.min(20, Math.max(1, (train.length - pos) / Math.max(1, pos)))); // BCE pos_weight
  return counts.map((n) => train.length / (numClasses * Math.max(1, n)));
}

function lossFn(logits: tf.Tensor2D, targets: number[][], numClasses: number, multilabel: boolean, weights: number[]): tf.Scalar {
  const b = targets.length;
  const y = new Float32Array(b * numClasses);
  targets.forEach((t, i) => t.forEach((c) => (y[i * numClasses + c] = 1)));
  const Y = tf.tensor2d(y, [b, numClasses]);
  const W = tf.tensor1d(weights);
  if (multilabel) {
    // BCE with logits and pos_weight: −[w·y·log σ(x) + (1−y)·log(1−σ(x))], mean over batch × classes
    const pos = tf.mul(tf.mul(Y, W), tf.softplus(tf.neg(logits)));
    const neg = tf.mul(tf.sub(1, Y), tf.softplus(logits));
    return tf.mean(tf.add(pos, neg));
  }
  // weighted cross-entropy (PyTorch: Σ w_y·nll / Σ w_y)
  const nll = tf.neg(tf.sum(tf.mul(Y, tf.logSoftmax(logits)), 1));
  const w = tf.sum(tf.mul(Y, W), 1);
  return tf.div(tf.sum(tf.mul(nll, w)), tf.sum(w));
}

interface Prepared {
  /** Training windows per example (head: features per window). */
  trainItems: Float32Array[][];
  /** Full / last-stage with crops: the whole (500 Hz) record per training example, cropped per step. */
  trainRecords?: ModelInput[];
  valItems: Float32Array[][];
  /** Full / last-stage: recompute segments in the backward pass (bounded memory; default on). */
  recompute?: boolean;
  /** Head mode: lead features of an all-zero lead, for lead drop on cached features. */
  zeroFeatures?: Float32Array;
  cache?: FeatureCache;
}

function loadWindows(ex: TrainExample, crops: boolean): Float32Array[] {
  const input = ex.load();
  return crops ? windowsOf(input, 'mean') : windowsOf(input, 'first');
}

async function prepare(model: TfjsModel, parent: NamedWeights, train: TrainExample[], val: TrainExample[], opts: TrainOptions): Promise<Prepared> {
  const all = [...train, ...val];
  const progress = (phase: TrainProgress['phase'], done: number) => opts.onProgress?.({ phase, done, total: all.length });
  const windows: Float32Array[][] = [];
  if (opts.mode !== 'head') {
    all.forEach((e, i) => {
      windows.push(loadWindows(e, opts.crops));
      if (i % 16 === 15) progress('load', i + 1);
      if (opts.signal?.aborted) throw new CancelledError();
    });
    const trainRecords = opts.crops ? train.map((e) => resampleTo500(e.load())) : undefined;
    return { trainItems: windows.slice(0, train.length), valItems: windows.slice(train.length), trainRecords };
  }
  const cache = new FeatureCache(backboneKey(parent), opts.cacheDir ?? null);
  // gather every record's windows whose features are not cached, then extract them in batches
  const feats: (Float32Array[] | undefined)[] = all.map((e) => cache.get(`${e.key}#${opts.crops ? 'all' : 'first'}`));
  const pending: { ex: number; windows: Float32Array[] }[] = [];
  let done = feats.filter(Boolean).length;
  progress('features', done);
  const extract = opts.extractFeatures ?? (async (w: Float32Array[]) => model.backboneFeatures(w, 16));
  const flush = async () => {
    const windows = pending.flatMap((p) => p.windows);
    const f = await extract(windows);
    let k = 0;
    for (const p of pending) {
      feats[p.ex] = f.slice(k, k + p.windows.length);
      k += p.windows.length;
      cache.set(`${all[p.ex].key}#${opts.crops ? 'all' : 'first'}`, feats[p.ex]!);
    }
    done += pending.length;
    pending.length = 0;
    progress('features', done);
  };
  for (let i = 0; i < all.length; i++) {
    if (feats[i]) continue;
    pending.push({ ex: i, windows: loadWindows(all[i], opts.crops) });
    if (pending.reduce((n, p) => n + p.windows.length, 0) >= 16) await flush();
    if (opts.signal?.aborted) throw new CancelledError();
  }
  if (pending.length) await flush();
  let zero = cache.get('__zero_lead__')?.[0];
  if (!zero) {
    zero = (await extract([new Float32Array(NUM_LEADS * WINDOW)]))[0];
    cache.set('__zero_lead__', [zero]);
  }
  const items = feats as Float32Array[][];
  return { trainItems: items.slice(0, train.length), valItems: items.slice(train.length), zeroFeatures: zero, cache };
}

/** Masks in the parameters' TF layout. */
function tfLayoutMasks(masks: Masks | undefined, numClasses: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (!masks) return out;
  const kinds = new Map(networkSpecs(numClasses).map((s) => [s.name, s]));
  for (const [name, m] of masks) {
    const s = kinds.get(name)!;
    out.set(name, Uint8Array.from(toTfLayout(s.kind, s.shape, Float32Array.from(m)).data));
  }
  return out;
}

function applyMasksTo(params: ParamMap, masks: Map<string, Uint8Array>): void {
  for (const [name, m] of masks) {
    const p = params.get(name)!;
    const w = (p.dataSync() as Float32Array).slice();
    for (let i = 0; i < w.length; i++) if (!m[i]) w[i] = 0;
    assignArray(p, w);
  }
}

/** Mean probabilities over each example's windows: an epoch's validation, or the best weights' after the last epoch. */
async function validate(model: TfjsModel, items: Float32Array[][], opts: TrainOptions, at: { epoch: number } | { best: NamedWeights }): Promise<number[][]> {
  const flat = items.flat();
  let probs: number[][];
  if (opts.mode === 'head') probs = model.predictFromFeatures(flat).map((p) => p.probabilities);
  else if (opts.predictWindows) probs = 'best' in at ? await opts.predictWindows(at.best, flat) : await opts.predictWindows(model.toWeights(), flat, at.epoch);
  else probs = model.predictWindows(flat, 16).map((p) => p.probabilities);
  return meanPerGroup(probs, items.map((it) => it.length));
}

function score(val: TrainExample[], probs: number[][], opts: TrainOptions, thresholds?: number[]): number {
  const classes = Array.from({ length: opts.numClasses }, (_, i) => String(i));
  if (opts.multilabel) {
    const truth = multiHot(val.map((e) => e.target), classes.length);
    return evaluateMultilabel(classes, truth, probs, thresholds ?? classes.map(() => 0.5)).macroF1;
  }
  return evaluateSingleLabel(classes, val.map((e) => e.target[0]), probs).macroF1;
}

/**
 * The last epoch has run, or `patience` epochs brought no better validation score once a cosine schedule
 * has reached its floor. Never while it still anneals: on a few dozen validation records an early lucky
 * epoch would otherwise end the run at a high learning rate (a cpsc9 fold stopped at epoch 22 on a spike
 * at epoch 7). The authors' recipe has no early stopping at all.
 */
export function trainingFinished(meta: Pick<CheckpointMeta, 'epoch' | 'epochsSinceBest'>, opts: Pick<TrainOptions, 'epochs' | 'patience' | 'cosine' | 'tMax'>): boolean {
  if (meta.epoch >= opts.epochs) return true;
  return opts.patience > 0 && meta.epochsSinceBest >= opts.patience && (!opts.cosine || meta.epoch >= opts.tMax);
}

export async function train(parent: NamedWeights, trainSet: TrainExample[], valSet: TrainExample[], options: Partial<TrainOptions> & Pick<TrainOptions, 'mode' | 'numClasses' | 'multilabel'>): Promise<TrainResult> {
  const opts: TrainOptions = { ...TRAIN_DEFAULTS, ...options };
  const t0 = performance.now();
  if (trainSet.length < 2) throw new Error('training needs at least 2 examples');
  if (valSet.length < 1) throw new Error('training needs at least 1 validation example');
  if (opts.sparsitySchedule && opts.mode === 'head') throw new Error('gradual pruning needs mode full or last-stage: head mode caches features of a fixed backbone');
  if (opts.lowRate && opts.mode === 'head') throw new Error('low-rate augmentation needs mode full or last-stage: head mode trains on cached features');
  if (opts.lowRate !== undefined && !(opts.lowRate >= 0 && opts.lowRate <= 1)) throw new Error('lowRate is a probability in [0, 1]');
  if (opts.distill && opts.mode === 'head') throw new Error('distillation needs mode full or last-stage: the teacher reads windows, head mode trains on cached features');
  if (opts.sparsitySchedule && opts.sparsitySchedule.rampEpochs > opts.epochs) throw new Error('gradual pruning: the ramp is longer than the run');
  const runKey = runKeyOf(opts, parent, trainSet, valSet);
  const ck0 = opts.checkpointDir ? loadCheckpoint(opts.checkpointDir) : null;
  const ck = ck0 && ck0.meta.runKey === runKey ? ck0 : null;
  const trainable = trainableNames(opts.mode, opts.numClasses);
  const model = new TfjsModel(ck ? ck.params : parent, opts.multilabel, 'parent');
  const adam = new Adam({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: opts.weightDecay });
  let masks = tfLayoutMasks(opts.masks, opts.numClasses);
  const meta: CheckpointMeta = ck
    ? ck.meta
    : { runKey, epoch: 0, rngState: opts.seed >>> 0, adamStep: 0, bestEpoch: 0, bestScore: -1, epochsSinceBest: 0, history: [], done: false };
  let best: NamedWeights = ck ? ck.best : parent;
  if (ck) adam.importState({ step: ck.meta.adamStep, m: ck.adamM, v: ck.adamV });
  const resumedFrom = meta.epoch;
  const segmented = opts.mode !== 'head' && opts.recompute !== false;
  let pool: LeadWorkerPool | null = null;
  try {
    if (segmented && (opts.leadWorkers ?? leadParallelUseful())) pool = await LeadWorkerPool.start();
    if (masks.size) applyMasksTo(model.params, masks);
    const prep = await prepare(model, parent, trainSet, valSet, opts);
    const weightsPerClass = classWeights(trainSet, opts.numClasses, opts.multilabel, opts.classWeighting);
    const vars = [...trainable].map((n) => model.params.get(n)!);
    const byVarName = new Map([...trainable].map((n) => [model.params.get(n)!.name, n]));
    const rng = new Rng(meta.rngState);
    // derived, not read back: a checkpoint that an older stopping rule ended resumes under this one
    while (!trainingFinished(meta, opts)) {
      const epoch = meta.epoch + 1;
      const te = performance.now();
      const lr = opts.cosine ? cosineLr(epoch, opts.lr, opts.lrMin, opts.tMax) : opts.lr;
      const sparsity = opts.sparsitySchedule ? gradualSparsity(epoch, opts.sparsitySchedule) : null;
      if (sparsity !== null) {
        // from the weights as this epoch finds them, so a resumed run prunes exactly as an unbroken one
        masks = tfLayoutMasks(globalMagnitudeMasks(model.toWeights(), sparsity, opts.numClasses).masks, opts.numClasses);
        applyMasksTo(model.params, masks);
      }
      const batches = makeBatches(shuffle(trainSet.length, rng), opts.batchSize);
      let lossSum = 0;
      let seen = 0;
      for (const [bi, batch] of batches.entries()) {
        if (opts.signal?.aborted) throw new CancelledError();
        const targets = batch.map((i) => trainSet[i].target);
        const items = batch.map((i) => {
          if (prep.trainRecords) return randomCrop(prep.trainRecords[i], () => rng.next());
          return prep.trainItems[i][opts.crops ? rng.int(prep.trainItems[i].length) : 0].slice();
        });
        // drawn only when on, so runs without it keep their random stream
        if (opts.lowRate) for (const [j, item] of items.entries()) if (rng.next() < opts.lowRate) items[j] = asRecordedAt({ fs: FS, length: WINDOW, data: item }, LOW_RATE_FS).data;
        for (const item of items) {
          if (rng.next() < opts.leadDrop) {
            const lead = rng.int(NUM_LEADS);
            if (opts.mode === 'head') item.set(prep.zeroFeatures!.subarray(lead * FEATURE_DIM, (lead + 1) * FEATURE_DIM), lead * FEATURE_DIM);
            else item.fill(0, lead * WINDOW, (lead + 1) * WINDOW);
          }
        }
        const stepSeed = rng.seed();
        const seedFor = (owner: string) => layerSeed(stepSeed, owner);
        const bnBatchStats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
        const ctx: ForwardContext = { params: model.params, training: true, bnBatchStats, seedFor, frozen: (n) => !trainable.has(n) };
        // the teacher sees the windows as the student does (crop, lead drop); before the workers take them
        const soft = opts.distill ? temperedTargets(await opts.distill.teacher(items), opts.distill.temperature, opts.multilabel) : null;
        const loss_ = (logits: tf.Tensor2D) => {
          const hard = lossFn(logits, targets, opts.numClasses, opts.multilabel, weightsPerClass);
          return soft ? distilledLoss(hard, logits, soft, opts.distill!, opts.multilabel) : hard;
        };
        let value: tf.Scalar;
        let grads: Map<string, tf.Tensor>;
        if (pool) {
          ({ loss: value, grads } = await pool.gradients({ params: model.params, trainable, items, loss: loss_, stepSeed, bnBatchStats }));
        } else if (segmented) {
          const xt = fromLeadMajor(stackWindows(items), items.length, WINDOW);
          ({ loss: value, grads } = segmentedGradients({ params: model.params, trainable, x: xt, loss: loss_, seedFor, bnBatchStats }));
          xt.dispose();
        } else {
          const r = tf.variableGrads(() => {
            const logits =
              opts.mode === 'head'
                ? leadAttentionHead(ctx, tf.unstack(tf.tensor3d(stackFeatures(items), [items.length, NUM_LEADS, FEATURE_DIM]), 1) as tf.Tensor2D[]).logits
                : lightx3ecg(ctx, fromLeadMajor(stackWindows(items), items.length, WINDOW)).logits;
            return loss_(logits);
          }, vars);
          value = r.value;
          grads = new Map(Object.entries(r.grads).map(([k, g]) => [byVarName.get(k)!, g]));
        }
        adam.apply(model.params, grads, lr, masks);
        tf.tidy(() => {
          for (const [prefix, s] of bnBatchStats) {
            const rm = model.params.get(`${prefix}.running_mean`)!;
            const rv = model.params.get(`${prefix}.running_var`)!;
            rm.assign(tf.add(tf.mul(rm, 0.9), tf.mul(s.mean, 0.1)));
            rv.assign(tf.add(tf.mul(rv, 0.9), tf.mul(s.variance, 0.1)));
          }
        });
        const loss = (await value.data())[0];
        tf.dispose([value, ...grads.values(), ...[...bnBatchStats.values()].flatMap((s) => [s.mean, s.variance])]);
        lossSum += loss * batch.length;
        seen += batch.length;
        opts.onProgress?.({ phase: 'train', epoch, done: bi + 1, total: batches.length, loss });
        await new Promise((r) => setImmediate(r)); // let a worker see its cancel message
      }
      opts.onProgress?.({ phase: 'validate', epoch, done: 0, total: valSet.length });
      const valF1 = score(valSet, await validate(model, prep.valItems, opts, { epoch }), opts);
      meta.history.push({ epoch, lr, loss: lossSum / seen, valMacroF1: valF1, seconds: (performance.now() - te) / 1000, ...(sparsity !== null ? { sparsity } : {}) });
      meta.epoch = epoch;
      meta.rngState = rng.state;
      meta.adamStep = adam.step;
      // a partly pruned network is no candidate, and its epochs do not count towards patience
      const atTarget = sparsity === null || sparsity >= opts.sparsitySchedule!.target;
      if (atTarget && valF1 > meta.bestScore) {
        meta.bestScore = valF1;
        meta.bestEpoch = epoch;
        meta.epochsSinceBest = 0;
        best = model.toWeights();
      } else if (atTarget) meta.epochsSinceBest++;
      meta.done = trainingFinished(meta, opts);
      if (opts.checkpointDir) writeCheckpoint(opts.checkpointDir, meta, model, best, adam);
      opts.onProgress?.({ phase: 'epoch', epoch, done: epoch, total: opts.epochs, loss: lossSum / seen, valMacroF1: valF1 });
    }
    // thresholds and the final score from the best weights (the best score was already taken at 0.5)
    let thresholds: number[] | null = opts.multilabel ? Array.from({ length: opts.numClasses }, () => 0.5) : null;
    let valMacroF1 = meta.bestScore;
    if (opts.multilabel && opts.thresholdRule === 'authors') {
      const bestModel = new TfjsModel(best, true, 'best');
      try {
        const probs = await validate(bestModel, prep.valItems, opts, { best });
        const truth = multiHot(valSet.map((e) => e.target), opts.numClasses);
        thresholds = chooseThresholds(truth, probs, opts.numClasses);
        valMacroF1 = score(valSet, probs, opts, thresholds);
      } finally {
        bestModel.dispose();
      }
    }
    opts.onProgress?.({ phase: 'done', done: meta.epoch, total: opts.epochs, valMacroF1 });
    return {
      weights: best,
      thresholds,
      bestEpoch: meta.bestEpoch,
      valMacroF1,
      epochsRun: meta.epoch,
      resumedFrom,
      history: meta.history,
      seconds: (performance.now() - t0) / 1000,
      backend: activeBackendLabel(),
      featureCache: prep.cache ? { hits: prep.cache.hits, misses: prep.cache.misses } : undefined,
    };
  } finally {
    await pool?.dispose();
    model.dispose();
    adam.dispose();
  }
}

function writeCheckpoint(dir: string, meta: CheckpointMeta, model: TfjsModel, best: NamedWeights, adam: Adam): void {
  const s = adam.exportState();
  const ck: Checkpoint = { meta, params: model.toWeights(), best, adamM: s.m, adamV: s.v };
  saveCheckpoint(dir, ck);
}

