/**
 * What a reader should know before trusting a model's call on a record: when the record is outside what the
 * model's figures describe. Two cases: a record stored below the model's rate (in ../shared/data every 100 Hz
 * record is SR, and cross-validation showed the models call band-limited records SR more often: README,
 * "Cross-validated figures on all of ../shared/data"), judged against what the model trained on per stored
 * rate; and a record shorter than the model's window, which it reads zero-padded.
 */
import type { ModelConfig, TrainingRate } from './modelConfig.ts';

/** Training records by stored rate: `fs` undefined (inline arrays) is left out; rates ascending. */
export function trainingRates(records: readonly { storedFs?: number; target: readonly number[] }[], classes: readonly string[]): TrainingRate[] | undefined {
  // each record is a one-record table; summing them is mergeTrainingRates' job
  const ones = records.flatMap((r): TrainingRate[] =>
    r.storedFs !== undefined && r.storedFs > 0 ? [{ fs: r.storedFs, records: 1, classes: Object.fromEntries(r.target.filter((c) => classes[c] !== undefined).map((c) => [classes[c], 1])) }] : [],
  );
  return mergeTrainingRates(ones);
}

/** Sum of per-rate tables (a fine-tuned version has seen its parent's records and its own); none given: undefined. */
export function mergeTrainingRates(...tables: (readonly TrainingRate[] | undefined)[]): TrainingRate[] | undefined {
  const byFs = new Map<number, TrainingRate>();
  for (const r of tables.flatMap((t) => t ?? [])) {
    const row = byFs.get(r.fs) ?? { fs: r.fs, records: 0, classes: {} };
    row.records += r.records;
    for (const [c, n] of Object.entries(r.classes)) row.classes[c] = (row.classes[c] ?? 0) + n;
    byFs.set(r.fs, row);
  }
  return byFs.size ? [...byFs.values()].sort((x, y) => x.fs - y.fs) : undefined;
}

const hz = (fs: number) => `${Number.isInteger(fs) ? fs : fs.toFixed(1)} Hz`;

/**
 * The caveat for a prediction on a record stored at `recordFs`, or null when there is none: only records stored
 * below the model's input rate get one (resampled up, they lack the detail above half their rate).
 */
export function rateCaveat(config: Pick<ModelConfig, 'preprocessing' | 'provenance'>, recordFs: number): string | null {
  const modelFs = config.preprocessing.fs;
  if (!(recordFs > 0) || recordFs >= modelFs) return null;
  const base = `Stored at ${hz(recordFs)}, read by the model at ${hz(modelFs)}: nothing above ${hz(recordFs / 2)} is in the signal.`;
  const rates = config.provenance.trainingRates;
  if (!rates) return base;
  const seen = rates.filter((r) => Math.abs(r.fs - recordFs) < 0.5);
  const n = seen.reduce((s, r) => s + r.records, 0);
  if (n === 0) return `${base} This model trained on no record stored at ${hz(recordFs)}: its figures do not cover this one.`;
  const classes = new Map<string, number>();
  for (const r of seen) for (const [c, k] of Object.entries(r.classes)) if (k > 0) classes.set(c, (classes.get(c) ?? 0) + k);
  if (classes.size === 1) {
    const [only] = classes.keys();
    return `${base} Every record stored at ${hz(recordFs)} this model trained on (${n}) was ${only}: it may call such records ${only} from how they look, so a call of ${only} here is weak evidence.`;
  }
  return base;
}

/** The caveat for a record shorter than the model's window (read zero-padded), or null. */
export function shortRecordCaveat(config: Pick<ModelConfig, 'preprocessing'>, seconds: number): string | null {
  const window = config.preprocessing.window / config.preprocessing.fs;
  if (!(seconds > 0) || seconds >= window - 1e-9) return null;
  return `Only ${seconds.toFixed(1)} s long: the model reads ${window} s, so the last ${(window - seconds).toFixed(1)} s of its window are zeros.`;
}

/** Every caveat for a record stored at `fs` and lasting `seconds` (either unknown: its caveat is skipped). */
export function predictionCaveats(config: Pick<ModelConfig, 'preprocessing' | 'provenance'>, record: { fs?: number; seconds?: number }): string[] {
  return [record.fs === undefined ? null : rateCaveat(config, record.fs), record.seconds === undefined ? null : shortRecordCaveat(config, record.seconds)].filter((c): c is string => c !== null);
}
