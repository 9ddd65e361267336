/**
 * The pruning recipe (spec §13): global L1 masks at the target sparsity, a short fine-tune (Adam lr 1e-4,
 * weight decay 5e-5, no schedule) with the masks re-applied after every optimiser step, best epoch kept,
 * masks made permanent (the weights simply stay zero; packages store them sparsely).
 * `schedule: 'gradual'` reaches the target over the first half of the fine-tune instead (a cubic ramp,
 * re-pruning globally each epoch; trainer.ts's sparsitySchedule), so no single cut removes 80 % at once.
 * `distill` fine-tunes towards the dense parent's probabilities as well as the labels.
 */
import type { NamedWeights } from '../weights.ts';
import { train, type TrainExample, type TrainMode, type TrainOptions, type TrainResult } from '../training/trainer.ts';
import { createInferenceEngine, type InferenceEngine } from '../inference.ts';
import { applyMasks, globalMagnitudeMasks, pooledSparsity } from './magnitude.ts';

export interface PruneOptions {
  sparsity: number;
  fineTuneEpochs: number;
  /** 'one-shot' (spec §13, default) or 'gradual'. */
  schedule?: PruneSchedule;
  mode: TrainMode;
  numClasses: number;
  multilabel: boolean;
  batchSize?: number;
  seed?: number;
  lr?: number;
  /** As the parent was trained (TrainOptions); the trainer's defaults when left out. */
  leadDrop?: number;
  lowRate?: number;
  classWeighting?: boolean;
  thresholdRule?: TrainOptions['thresholdRule'];
  /** Fine-tune on random 10 s crops, as the parent was trained (see TrainOptions.crops). */
  crops?: boolean;
  predictWindows?: TrainOptions['predictWindows'];
  /** Fine-tune towards the dense parent's probabilities too (training/distillation.ts); alpha and T. */
  distill?: { alpha: number; temperature: number };
  checkpointDir?: string | null;
  cacheDir?: string | null;
  onProgress?: TrainOptions['onProgress'];
  signal?: AbortSignal;
}

export interface PruneOutcome {
  weights: NamedWeights;
  threshold: number;
  pooled: number;
  pruned: number;
  sparsity: number;
  fineTune: TrainResult | null;
}

export type PruneSchedule = 'one-shot' | 'gradual';

export async function pruneAndFineTune(parent: NamedWeights, trainSet: TrainExample[], valSet: TrainExample[], o: PruneOptions): Promise<PruneOutcome> {
  const gradual = o.schedule === 'gradual' && o.fineTuneEpochs > 0;
  // gradual: the trainer prunes epoch by epoch, so no one-shot masks up front
  const oneShot = gradual ? null : globalMagnitudeMasks(parent, o.sparsity, o.numClasses);
  let fineTune: TrainResult | null = null;
  let weights = oneShot ? applyMasks(parent, oneShot.masks) : parent;
  // the teacher is the dense parent, on the fastest inference engine, built once for the whole fine-tune
  const teacher: InferenceEngine | null = o.distill && o.fineTuneEpochs > 0 ? await createInferenceEngine(parent, o.multilabel) : null;
  try {
    if (o.fineTuneEpochs > 0) {
      fineTune = await train(weights, trainSet, valSet, {
        mode: o.mode,
        numClasses: o.numClasses,
        multilabel: o.multilabel,
        epochs: o.fineTuneEpochs,
        batchSize: o.batchSize ?? 32,
        lr: o.lr ?? 1e-4,
        cosine: false,
        weightDecay: 5e-5,
        seed: o.seed ?? 22,
        patience: 0,
        crops: o.crops ?? false,
        ...(o.leadDrop !== undefined ? { leadDrop: o.leadDrop } : {}),
        ...(o.classWeighting !== undefined ? { classWeighting: o.classWeighting } : {}),
        ...(o.lowRate ? { lowRate: o.lowRate } : {}),
        ...(o.thresholdRule ? { thresholdRule: o.thresholdRule } : {}),
        predictWindows: o.predictWindows,
        ...(teacher ? { distill: { ...o.distill!, teacher: async (w: Float32Array[]) => (await teacher.predict(w)).map((p) => p.probabilities) } } : {}),
        ...(oneShot ? { masks: oneShot.masks } : { sparsitySchedule: { target: o.sparsity, rampEpochs: Math.ceil(o.fineTuneEpochs / 2) } }),
        checkpointDir: o.checkpointDir,
        cacheDir: o.cacheDir,
        onProgress: o.onProgress,
        signal: o.signal,
      });
    }
  } finally {
    await teacher?.dispose();
  }
  // gradual: the best epoch's weights are at the target, so pruning them again finds their own masks
  const r = oneShot ?? globalMagnitudeMasks(fineTune!.weights, o.sparsity, o.numClasses);
  // permanent: re-apply once more so nothing but exact zeros can sit under a mask
  if (fineTune) weights = applyMasks(fineTune.weights, r.masks);
  return { weights, threshold: r.threshold, pooled: r.pooled, pruned: r.pruned, sparsity: pooledSparsity(weights, o.numClasses).sparsity, fineTune };
}
