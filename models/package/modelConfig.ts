/** model.json: everything about a model version except its weights (validated with zod on load). */
import { z } from 'zod';

export const MODEL_FORMAT_VERSION = 1;

export const weightStorage = z.enum(['float32', 'float16', 'sparse-float16', 'sparse-float32']);
export type WeightStorage = z.infer<typeof weightStorage>;

const trainingRate = z.object({
  fs: z.number().positive(),
  records: z.number().int().min(0),
  /** Records per class name (a multilabel record counts once for each of its classes). */
  classes: z.record(z.string(), z.number().int().min(0)),
});
export type TrainingRate = z.infer<typeof trainingRate>;

export const modelConfigSchema = z.object({
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  /** Becomes a folder name (and a prefix of derived versions): no separators, no leading dot. */
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/, 'a version is 1-200 letters, digits, . _ + - (no path separators)'),
  architecture: z.object({ name: z.literal('LightX3ECG'), numClasses: z.number().int().min(1) }),
  task: z.object({
    labelSet: z.string().min(1),
    classes: z.array(z.string()).min(1),
    multilabel: z.boolean(),
    /** Multilabel decision thresholds per class (0.5, or chosen on validation: trainer.ts ThresholdRule); null for single-label. */
    thresholds: z.array(z.number()).nullable(),
  }),
  preprocessing: z.object({
    fs: z.literal(500),
    window: z.literal(5000),
    leads: z.tuple([z.literal('I'), z.literal('II'), z.literal('V1')]),
    units: z.literal('mV'),
    normalisation: z.literal('none'),
    /** 'first': the first 10 s (zero-padded); 'mean': mean probabilities over consecutive 10 s windows. */
    multiWindow: z.enum(['first', 'mean']),
  }),
  provenance: z.object({
    parent: z.string().nullable(),
    dataset: z.string().nullable(),
    splitIds: z.record(z.string(), z.array(z.union([z.string(), z.number()]))).nullable(),
    hyperParameters: z.record(z.string(), z.unknown()),
    seed: z.number().int().nullable(),
    engine: z.string(),
    backend: z.string(),
    created: z.string(),
    /** What made this version: 'init', 'import', 'train', 'prune'. */
    origin: z.string(),
    /**
     * The records it (and the versions it was fine-tuned from) trained on, by the rate they were stored at, with
     * their classes: a record stored at a rate the model never saw, or saw with one class only, gets a caveat.
     */
    trainingRates: z.array(trainingRate).optional(),
  }),
  metrics: z.record(z.string(), z.unknown()),
  weights: z.object({
    manifest: z.literal('weights.json'),
    file: z.literal('weights.bin'),
    storage: weightStorage,
    bytes: z.number().int().min(0),
    /** Hex SHA-256 of weights.bin: a flipped bit is refused, not predicted with (packages before it have none). */
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    /** Fraction of conv + linear weights that are exactly zero. */
    sparsity: z.number().min(0).max(1),
  }),
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type ModelTask = ModelConfig['task'];

export const TASKS: Record<string, { classes: string[]; multilabel: boolean }> = {
  chapman4: { classes: ['AFIB', 'GSVT', 'SB', 'SR'], multilabel: false },
  cpsc9: { classes: ['Normal', 'AF', 'I-AVB', 'LBBB', 'RBBB', 'PAC', 'PVC', 'STD', 'STE'], multilabel: true },
};

export function taskFor(labelSet: string): ModelTask {
  const t = TASKS[labelSet];
  if (!t) throw new Error(`unknown task ${labelSet} (known: ${Object.keys(TASKS).join(', ')})`);
  return { labelSet, classes: [...t.classes], multilabel: t.multilabel, thresholds: t.multilabel ? t.classes.map(() => 0.5) : null };
}

export function defaultPreprocessing(multiWindow: 'first' | 'mean' = 'first'): ModelConfig['preprocessing'] {
  return { fs: 500, window: 5000, leads: ['I', 'II', 'V1'], units: 'mV', normalisation: 'none', multiWindow };
}
