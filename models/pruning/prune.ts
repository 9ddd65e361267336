/**
 * The pruning recipe (spec §13): global L1 masks at the target sparsity, a short fine-tune (Adam lr 1e-4,
 * weight decay 5e-5, no schedule) with the masks re-applied after every optimiser step, best epoch kept,
 * masks made permanent (the weights simply stay zero; packages store them sparsely).
 */
import type { NamedWeights } from '../weights.ts';
import { train, type TrainExample, type TrainMode, type TrainOptions, type TrainResult } from '../training/trainer.ts';
import { applyMasks, globalMagnitudeMasks, pooledSparsity } from './magnitude.ts';

export interface PruneOptions {
  sparsity: number;
  fineTuneEpochs: number;
  mode: TrainMode;
  numClasses: number;
  multilabel: boolean;
  batchSize?: number;
  seed?: number;
  lr?: number;
  /** Fine-tune on random 10 s crops, as the parent was trained (see TrainOptions.crops). */
  crops?: boolean;
  predictWindows?: TrainOptions['predictWindows'];
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

export async function pruneAndFineTune(parent: NamedWeights, trainSet: TrainExample[], valSet: TrainExample[], o: PruneOptions): Promise<PruneOutcome> {
  const r = globalMagnitudeMasks(parent, o.sparsity, o.numClasses);
  const masked = applyMasks(parent, r.masks);
  let fineTune: TrainResult | null = null;
  let weights = masked;
  if (o.fineTuneEpochs > 0) {
    fineTune = await train(masked, trainSet, valSet, {
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
      predictWindows: o.predictWindows,
      masks: r.masks,
      checkpointDir: o.checkpointDir,
      cacheDir: o.cacheDir,
      onProgress: o.onProgress,
      signal: o.signal,
    });
    // permanent: re-apply once more so nothing but exact zeros can sit under a mask
    weights = applyMasks(fineTune.weights, r.masks);
  }
  return { weights, threshold: r.threshold, pooled: r.pooled, pruned: r.pruned, sparsity: pooledSparsity(weights, o.numClasses).sparsity, fineTune };
}
