/**
 * The one typed contract between the UI and the back end. Both transports (Electron IPC and the
 * web-mode HTTP server) are generated from `methods`: every call's input is validated here, at the
 * edge, before any service code (and so any SQL) sees it.
 *
 * Adding a call: add its zod input schema to `methods` and its result type to `Outputs`, then a
 * handler in `app/services.ts`. Nothing else needs to change in either transport.
 */
import { z } from 'zod';

const id = z.number().int().positive();
const name = z.string().min(1).max(200);
const labelSet = z.enum(['chapman4', 'cpsc9']);
export type LabelSetName = z.infer<typeof labelSet>;
const classes = z.array(z.string().min(1).max(40)).max(32);
const annotator = z.string().trim().min(1).max(80).regex(/^[\p{L}\p{N} ._@-]+$/u, 'letters, digits, space . _ @ - only');

export const methods = {
  'app.info': z.object({}).strict(),
  'app.loadDemo': z.object({}).strict(),

  'records.list': z
    .object({
      search: z.string().max(200).optional(),
      origin: z.string().max(100).optional(),
      labelSet: labelSet.optional(),
      label: z.string().max(40).optional(),
      prediction: z.string().max(40).optional(),
      reviewed: z.boolean().optional(),
      disagreement: z.boolean().optional(),
      minConfidence: z.number().min(0).max(1).optional(),
      maxConfidence: z.number().min(0).max(1).optional(),
      sort: z.enum(['name', 'origin', 'duration', 'rate', 'confidence', 'imported']).optional(),
      desc: z.boolean().optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    })
    .strict(),
  'records.get': z.object({ id }).strict(),
  'records.signal': z.object({ id, leads: z.array(z.string().max(10)).max(32).optional() }).strict(),
  'records.import': z
    .object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000), labelsCsv: z.string().max(4096).optional() })
    .strict(),

  'labels.sets': z.object({}).strict(),
  'labels.set': z.object({ recordId: id, labelSet, classes, annotator }).strict(),
  'labels.undo': z.object({ annotator, labelSet: labelSet.optional() }).strict(),
  'labels.history': z.object({ recordId: id }).strict(),
  'labels.agreement': z.object({ labelSet }).strict(),

  'review.queue': z
    .object({
      labelSet,
      order: z.enum(['margin', 'entropy', 'disagreement']).default('margin'),
      annotator: annotator.optional(),
      includeReviewed: z.boolean().default(false),
      limit: z.number().int().min(1).max(5000).default(200),
    })
    .strict(),

  'models.list': z.object({ task: labelSet.optional() }).strict(),
  'models.activate': z.object({ task: labelSet, version: name }).strict(),
  'models.predict': z.object({ task: labelSet, recordIds: z.array(id).min(1).max(200_000), version: name.optional() }).strict(),
  'models.prediction': z.object({ task: labelSet, recordId: id, version: name.optional() }).strict(),
  'models.explain': z.object({ task: labelSet, recordId: id, classIndex: z.number().int().min(0).max(31).optional(), version: name.optional() }).strict(),
  'models.train': z
    .object({
      task: labelSet,
      labelSource: z.union([z.literal('ground-truth'), z.literal('consensus'), z.object({ annotator })]).default('consensus'),
      from: name.optional(),
      mode: z.enum(['head', 'last-stage', 'full']).default('head'),
      epochs: z.number().int().min(1).max(500).default(20),
      seed: z.number().int().min(0).max(2 ** 31 - 1).default(22),
      split: name.optional(),
      /** Continue a cancelled or failed training job from its last completed epoch (UI: "Resume"). */
      resumeJob: name.optional(),
    })
    .strict(),
  'models.prune': z
    .object({
      version: name,
      sparsity: z.number().min(0.05).max(0.99).default(0.8),
      fineTuneEpochs: z.number().int().min(0).max(100).default(5),
      /** What the masked fine-tune updates: the head only (fast, the default here) or the whole net (spec §13). */
      mode: z.enum(['head', 'last-stage', 'full']).default('head'),
    })
    .strict(),

  /** Writes a labelled dataset (records + a labels CSV) to a folder; UI "Export → dataset". */
  'export.dataset': z
    .object({
      labelSet,
      labelSource: z.union([z.literal('ground-truth'), z.literal('consensus'), z.object({ annotator })]).default('consensus'),
      outDir: z.string().min(1).max(4096),
      recordIds: z.array(id).min(1).max(200_000).optional(),
    })
    .strict(),

  'jobs.list': z.object({}).strict(),
  'jobs.cancel': z.object({ jobId: name }).strict(),
} satisfies Record<string, z.ZodType>;

export type Method = keyof typeof methods;
export type Input<M extends Method> = z.input<(typeof methods)[M]>;
export type ParsedInput<M extends Method> = z.output<(typeof methods)[M]>;

// ---- result types -------------------------------------------------------------------------

export interface AppInfo {
  version: string;
  archivePath: string;
  records: number;
  /** The model engine in use for inference and for training, e.g. "onnxruntime-node" / "tfjs-cpu". */
  backend: { inference: string; training: string };
  demoAvailable: boolean;
  transport: 'electron' | 'web';
}

export interface RecordRow {
  id: number;
  name: string;
  origin: string;
  fs: number;
  durationSec: number;
  leads: number;
  modelReady: boolean;
  labels: Record<string, string[]>;
  prediction: { task: string; version: string; top: string; confidence: number } | null;
  reviewed: boolean;
  agreement: number | null;
}

export interface RecordDetail extends RecordRow {
  age: number | null;
  sex: string | null;
  channels: { name: string; lead: string | null; fs: number; units: string; gain: number; baseline: number; samples: number }[];
  files: string[];
}

export interface SignalLead {
  name: string;
  fs: number;
  units: string;
  /** Physical values (in `units`); an invalid sample is NaN, which JSON (web mode) carries as null: draw both as a gap. */
  values: number[];
}

export interface LabelSetInfo {
  name: LabelSetName;
  classes: string[];
  multilabel: boolean;
}

export interface LabelEvent {
  id: number;
  recordId: number;
  labelSet: string;
  classes: string[];
  source: string;
  kind: 'ground-truth' | 'annotator' | 'model' | 'undo';
  at: string;
}

export interface ModelVersion {
  version: string;
  task: string;
  parent: string | null;
  active: boolean;
  createdAt: string;
  /** The UI reads it as `ModelMetrics` where the fields are present (it tolerates any shape). */
  metrics: unknown;
  sizeBytes?: number;
  sparsity?: number;
  /** What it was trained on, for the registry's "data" column. */
  data?: ModelTrainingData;
}

export interface ModelTrainingData {
  labelSource: string;
  mode?: 'head' | 'last-stage' | 'full' | 'prune';
  split?: string;
  epochs?: number;
  trainRecords?: number;
  valRecords?: number;
  /** Training records per stored sampling rate, with their classes (model.json provenance.trainingRates). */
  rates?: { fs: number; records: number; classes: Record<string, number> }[];
}

/** The metrics shape the Models view renders (held-out validation figures). */
export interface ModelMetrics {
  macroF1?: number;
  accuracy?: number;
  loss?: number;
  /** Per-class F1, either in `classes` order or keyed by class name. */
  perClassF1?: number[] | Record<string, number>;
  /** confusion[true][predicted], in `classes` order. */
  confusion?: number[][];
  classes?: string[];
  n?: number;
}

/** The `result` of a finished records.import job (the archive's ImportSummary fits it as is). */
export interface ImportResult {
  imported: number;
  /** Records already in the archive (same signal), not imported again. */
  duplicates?: number;
  /** Files that could not be imported, each with the reason. */
  rejected: { file: string; reason: string }[];
  /** Files that are not records (signal files beside their header, READMEs…). */
  skipped?: number;
  recordIds?: number[];
  cancelled?: boolean;
  labels?: { file: string; rows: number; matched: number; events: number; unmatched: string[] } | null;
}

/** The `result` of a finished models.train or models.prune job. */
export interface TrainResult {
  version: string;
  metrics?: unknown;
  sizeBytes?: number;
}

export interface Prediction {
  version: string;
  classes: string[];
  probabilities: number[];
  thresholds?: number[];
  /** What the reader should know before trusting this call (e.g. a record stored below the model's rate). */
  caveats?: string[];
}

export interface Explanation extends Prediction {
  classIndex: number;
  attention: [number, number, number];
  /** Three maps of 5000 values in [0, 1], for leads I, II, V1. */
  maps: [number[], number[], number[]];
  /** Where the model's 10 s window starts in the record (s); 0 when absent. */
  windowStartSec?: number;
}

export interface JobInfo {
  jobId: string;
  kind: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  progress: JobProgress | null;
  result?: unknown;
  error?: string;
}

export interface JobProgress {
  phase: string;
  done: number;
  total: number;
  epoch?: number;
  loss?: number;
  valMacroF1?: number;
  message?: string;
  /** Import jobs: the files that failed so far, each with the reason (shown live in the import dialog). */
  errors?: { file: string; reason: string }[];
}

export interface Outputs {
  'app.info': AppInfo;
  'app.loadDemo': { jobId: string };
  'records.list': { total: number; rows: RecordRow[] };
  'records.get': RecordDetail;
  'records.signal': { id: number; leads: SignalLead[] };
  'records.import': { jobId: string };
  'labels.sets': LabelSetInfo[];
  'labels.set': LabelEvent;
  'labels.undo': LabelEvent | null;
  'labels.history': LabelEvent[];
  'labels.agreement': { annotators: string[]; cohen: Record<string, number>; fleiss: number | null; conflicts: number[] };
  'review.queue': { recordIds: number[]; scores: number[] };
  'models.list': ModelVersion[];
  'models.activate': ModelVersion;
  'models.predict': { jobId: string };
  'models.prediction': Prediction | null;
  'models.explain': Explanation;
  'models.train': { jobId: string };
  'models.prune': { jobId: string };
  'export.dataset': { jobId: string };
  'jobs.list': JobInfo[];
  'jobs.cancel': JobInfo;
}

export type Output<M extends Method> = Outputs[M];

/** Events pushed from the back end (IPC channel "x3ecg:event", web-mode WebSocket). */
export type ApiEvent =
  | { type: 'job'; job: JobInfo }
  | { type: 'archive.changed'; reason: string };

/** What both transports expose to the renderer as `window.api`. */
export interface ApiClient {
  call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /**
   * Electron only (optional): the file-system path of a dropped File (preload: webUtils.getPathForFile).
   * Browsers keep dropped files' paths private, so web mode leaves it out and the import dialog asks for paths.
   */
  pathForFile?(file: unknown): string | null;
}

/** Errors cross the transport as {error: {code, message}}; the code says who is at fault. */
export type ApiErrorCode = 'bad_request' | 'not_found' | 'conflict' | 'unauthorized' | 'internal';
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const httpStatus: Record<ApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  internal: 500,
};

/** Validates a call at the edge: unknown method or malformed input → ApiError('bad_request'). */
export function parseCall<M extends Method>(method: string, input: unknown): { method: M; input: ParsedInput<M> } {
  if (!Object.prototype.hasOwnProperty.call(methods, method)) throw new ApiError('bad_request', `unknown method: ${method}`);
  const schema = methods[method as M];
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
    throw new ApiError('bad_request', `invalid input for ${method}: ${issues.join('; ')}`, issues);
  }
  return { method: method as M, input: parsed.data as ParsedInput<M> };
}
