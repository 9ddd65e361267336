/**
 * Where a job's records come from: the archive (db/archive.ts), the shared WFDB data folder, or arrays
 * handed over inline. Each resolves to labelled examples with a lazy signal loader.
 */
import type { ModelInput } from '../preprocess.ts';
import { readSharedRecord, sharedLabels, sharedStoredRates } from '../data/sharedDataset.ts';
import { TASKS } from '../package/modelConfig.ts';

export type DataSourceSpec =
  | { kind: 'archive'; file: string; recordIds?: number[]; names?: string[]; labelSource?: ArchiveLabelSource }
  | { kind: 'shared'; dataDir: string; names?: string[]; sources?: string[] }
  | { kind: 'inline'; records: { key: string; input: ModelInput; classes?: number[] }[] };

export interface SourceRecord {
  key: string;
  /** Archive record id when the source is an archive. */
  recordId?: number;
  patientId: string | null;
  /** Sampling rate the record was stored at, when the source knows it (not for inline arrays). */
  storedFs?: number;
  load: () => ModelInput;
  /** Ground-truth class indices for the task, when known. */
  target: number[] | null;
}

/** Which labels train and score: ground truth (labels CSV / header), annotators' consensus, or one annotator. */
export type ArchiveLabelSource = 'ground-truth' | 'consensus' | { annotator: string };

/** The archive API this engine relies on (db/archive.ts, owned by the archive work). */
export interface ArchiveLike {
  modelInput(recordId: number): ModelInput;
  recordIdsByName(names: string[]): number[];
  storedFs?(recordId: number): number | undefined;
  allRecordIds?(): number[];
  split?(name: string): { name: string; parts: Record<string, number[]> };
  listSplits?(): string[];
  groundTruth(labelSet: string, opts?: { source?: ArchiveLabelSource }): { recordId: number; name: string; patientId: string | null; classes: (string | number)[] }[];
  savePredictions(version: string, labelSet: string, rows: { recordId: number; probabilities: number[] }[]): void;
  addModelVersion?(v: { version: string; task: string; parent: string | null; path: string; metrics: unknown; createdAt?: string }): void;
  listModelVersions?(labelSet?: string): unknown[];
  activeModel?(labelSet: string): unknown;
  setActiveModel?(labelSet: string, version: string): void;
  close?(): void;
}

export async function openArchiveFile(file: string): Promise<ArchiveLike> {
  let mod: { openArchive?: (f: string) => ArchiveLike | Promise<ArchiveLike> };
  try {
    const path = '../../db/archive.ts';
    mod = (await import(path)) as typeof mod;
  } catch (err) {
    throw new Error(`${file}: archive support (db/archive.ts) is not available yet: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!mod.openArchive) throw new Error(`${file}: db/archive.ts has no openArchive()`);
  return await mod.openArchive(file);
}

function classIndices(labelSet: string, classes: (string | number)[]): number[] {
  const names = TASKS[labelSet]?.classes ?? [];
  return classes.map((c) => (typeof c === 'number' ? c : names.indexOf(c))).filter((i) => i >= 0);
}

/**
 * Records of a source for a task. `labelledOnly` keeps records with ground truth (train/evaluate);
 * otherwise every selected record (predict).
 */
export async function resolveSource(spec: DataSourceSpec, labelSet: string, labelledOnly: boolean): Promise<{ records: SourceRecord[]; archive?: ArchiveLike }> {
  if (spec.kind === 'inline') {
    const records = spec.records.map((r) => ({ key: r.key, patientId: null, load: () => r.input, target: r.classes ?? null }));
    return { records: labelledOnly ? records.filter((r) => r.target?.length) : records };
  }
  if (spec.kind === 'shared') {
    const labels = new Map(sharedLabels(spec.dataDir, labelSet).map((l) => [l.name, l]));
    const rates = sharedStoredRates(spec.dataDir);
    let names = spec.names ?? [...labels.keys()];
    if (spec.sources) names = names.filter((n) => spec.sources!.includes(n.split('/')[0]));
    const records = names
      .filter((n) => !labelledOnly || labels.has(n))
      .map((n) => ({ key: n, patientId: labels.get(n)?.patientId ?? null, storedFs: rates.get(n), load: () => readSharedRecord(spec.dataDir, n), target: labels.get(n)?.classes ?? null }));
    return { records };
  }
  const archive = await openArchiveFile(spec.file);
  const truth = new Map(archive.groundTruth(labelSet, { source: spec.labelSource }).map((g) => [g.recordId, g]));
  let ids = spec.recordIds ?? (spec.names ? archive.recordIdsByName(spec.names) : labelledOnly ? [...truth.keys()] : archive.allRecordIds?.() ?? [...truth.keys()]);
  if (labelledOnly) ids = ids.filter((id) => truth.has(id));
  const records = ids.map((id) => {
    const g = truth.get(id);
    return { key: `${spec.file}#${g?.name ?? id}`, recordId: id, patientId: g?.patientId ?? null, storedFs: archive.storedFs?.(id), load: () => archive.modelInput(id), target: g ? classIndices(labelSet, g.classes) : null };
  });
  return { records, archive };
}
