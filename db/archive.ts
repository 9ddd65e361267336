/**
 * The archive: one SQLite file (WAL, foreign keys on, synchronous=FULL by default) behind a small
 * synchronous API. Each job lives in its own module; this class only holds the connection and wires them.
 */
import Database from 'better-sqlite3';
import { migrate } from './migrate.ts';
import { importPaths, importPathsParallel, type ImportOptions, type ImportSummary } from './importer.ts';
import { history, recordModelLabels, reviewedState, setLabels, undoLast, type LabelEvent, type SetLabelsInput } from './labels.ts';
import { labelSet, labelSets, maskToClasses, type LabelSet } from './labelSets.ts';
import { buildModelInput, missingModelLeads, RESAMPLER, type ModelInput } from './modelReady.ts';
import { readChannels, recordRow, type StoredChannel } from './recordStore.ts';
import {
  activeModel,
  addModelVersion,
  listModelVersions,
  prediction,
  savePredictions,
  setActiveModel,
  type ModelVersionRow,
  type PredictionRow,
  type StoredPrediction,
} from './predictions.ts';
import { pluck, stmt } from './statements.ts';
import { listRecords, type RecordFilter, type RecordListRow } from './recordQuery.ts';
import { agreementReport, type AgreementReport } from './agreement.ts';
import { annotatorLabels } from './labels.ts';
import { getSplit, listSplits, saveSplit, stratifiedSplit, type SplitInfo } from './splits.ts';
import { exportRecords, type ExportOptions, type ExportSummary } from './exportWfdb.ts';
import { backupDatabase } from './backup.ts';

export type { ModelVersionRow, ModelInput, LabelEvent, ImportSummary, StoredChannel, LabelSet, RecordFilter, RecordListRow, AgreementReport, SplitInfo, ExportOptions, ExportSummary };

export type LabelSource = 'ground-truth' | 'consensus' | { annotator: string };

export interface GroundTruthRow {
  recordId: number;
  name: string;
  patientId: string | null;
  classes: string[];
}

export interface RecordInfo {
  id: number;
  name: string;
  sourceName: string;
  origin: string;
  format: string;
  fs: number;
  durationSec: number;
  leads: string[];
  modelReady: boolean;
  missingModelLeads: string[];
  age: number | null;
  sex: 'M' | 'F' | null;
  recordedAt: string | null;
  patientId: string | null;
  dx: string[];
  comments: string[];
  files: string[];
  importedAt: string;
}

export interface ArchiveStats {
  records: number;
  labelSets: Record<string, Record<string, number>>;
}

export class Archive {
  readonly db: Database.Database;

  constructor(
    readonly file: string,
    readonly readonly: boolean,
  ) {
    this.db = new Database(file, { readonly, fileMustExist: readonly });
    try {
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('foreign_keys = ON');
      if (!readonly) this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      migrate(this.db, file, readonly);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- records ------------------------------------------------------------------------------

  importPaths(paths: string[], opts?: ImportOptions): ImportSummary {
    return importPaths(this.db, paths, opts);
  }

  /** The same import with worker threads parsing and encoding while this thread writes (large folders). */
  importPathsParallel(paths: string[], opts?: ImportOptions & { workers?: number }): Promise<ImportSummary> {
    return importPathsParallel(this.db, paths, opts);
  }

  recordCount(): number {
    return pluck(this.db, 'SELECT count(*) FROM records').get() as number;
  }

  record(recordId: number): RecordInfo {
    const r = recordRow(this.db, recordId);
    const channels = stmt(this.db, 'SELECT lead, units FROM channels WHERE record_id = ? ORDER BY idx').all(recordId) as { lead: string | null; units: string }[];
    return {
      id: r.id,
      name: r.name,
      sourceName: r.source_name,
      origin: r.origin,
      format: r.format,
      fs: r.fs,
      durationSec: r.duration_sec,
      leads: JSON.parse(r.lead_names),
      modelReady: r.model_ready === 1,
      missingModelLeads: missingModelLeads(channels),
      age: r.age,
      sex: r.sex,
      recordedAt: r.recorded_at,
      patientId: r.patient_id,
      dx: JSON.parse(r.dx),
      comments: JSON.parse(r.comments),
      files: JSON.parse(r.files),
      importedAt: r.imported_at,
    };
  }

  /** Every channel at its own rate, digital samples exactly as imported. */
  channels(recordId: number): StoredChannel[] {
    recordRow(this.db, recordId);
    return readChannels(this.db, recordId);
  }

  /**
   * Channels in physical units ((digital − baseline) / gain, in each channel's own units), NaN where a sample
   * is invalid; all channels, or those whose file name or canonical lead name is listed (any case).
   */
  physicalSignals(recordId: number, leads?: string[]): { name: string; lead: string | null; fs: number; units: string; values: Float64Array }[] {
    const want = leads?.map((l) => l.toLowerCase());
    return this.channels(recordId)
      .filter((c) => !want || want.includes(c.name.toLowerCase()) || (c.lead !== null && want.includes(c.lead.toLowerCase())))
      .map((c) => {
        const values = new Float64Array(c.samples.length);
        const g = c.gain || 1;
        for (let i = 0; i < values.length; i++) values[i] = c.invalidValue !== null && c.samples[i] === c.invalidValue ? NaN : (c.samples[i] - c.baseline) / g;
        return { name: c.name, lead: c.lead, fs: c.fs, units: c.units, values };
      });
  }

  /** The rate a record was stored at (its channels' frame rate), or undefined for an unknown id. */
  storedFs(recordId: number): number | undefined {
    return pluck(this.db, 'SELECT fs FROM records WHERE id = ?').get(recordId) as number | undefined;
  }

  allRecordIds(): number[] {
    return pluck(this.db, 'SELECT id FROM records ORDER BY id').all() as number[];
  }

  recordIdsByName(names: string[]): number[] {
    const q = pluck(this.db, 'SELECT id FROM records WHERE name = ?');
    const unknown: string[] = [];
    const ids = names.map((n) => {
      const id = q.get(n) as number | undefined;
      if (id === undefined) unknown.push(n);
      return id ?? -1;
    });
    if (unknown.length > 0) throw new Error(`${this.file}: no record named ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ` (and ${unknown.length - 10} more)` : ''}`);
    return ids;
  }

  /**
   * Leads I, II, V1 at 500 Hz in mV (3 × length, lead-major). Computed once and cached in the archive
   * (not when it is open read-only). Throws naming the record and its missing leads when not model-ready.
   */
  modelInput(recordId: number): ModelInput {
    const cached = stmt(this.db, 'SELECT length, n_invalid, data FROM model_inputs WHERE record_id = ?').get(recordId) as
      | { length: number; n_invalid: number; data: Buffer }
      | undefined;
    if (cached) {
      const data = new Float32Array(cached.length * 3);
      new Uint8Array(data.buffer).set(cached.data);
      return { fs: 500, leads: ['I', 'II', 'V1'], length: cached.length, data, invalidSamples: cached.n_invalid };
    }
    const r = recordRow(this.db, recordId);
    const input = buildModelInput(r.name, readChannels(this.db, recordId));
    if (!this.readonly) {
      stmt(this.db, 'INSERT OR REPLACE INTO model_inputs (record_id, length, n_invalid, resampler, data) VALUES (?, ?, ?, ?, ?)').run(
        recordId,
        input.length,
        input.invalidSamples,
        RESAMPLER,
        Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength),
      );
    }
    return input;
  }

  // ---- labels -------------------------------------------------------------------------------

  labelSets(): LabelSet[] {
    return [...labelSets(this.db).values()];
  }

  stats(): ArchiveStats {
    const out: ArchiveStats = { records: this.recordCount(), labelSets: {} };
    for (const set of labelSets(this.db).values()) {
      const counts: Record<string, number> = Object.fromEntries(set.classes.map((c) => [c, 0]));
      const masks = stmt(this.db, 'SELECT truth_mask, count(*) AS n FROM record_state WHERE label_set = ? AND truth_mask IS NOT NULL GROUP BY truth_mask').all(set.name) as {
        truth_mask: number;
        n: number;
      }[];
      for (const { truth_mask, n } of masks) for (const c of maskToClasses(set, truth_mask)) counts[c] += n;
      out.labelSets[set.name] = counts;
    }
    return out;
  }

  /**
   * Labelled records of a set (records whose label is empty are left out). Sources: ground truth (labels
   * CSV over header #Dx), consensus (annotators' majority, else ground truth), or one annotator.
   */
  groundTruth(setName: string, opts: { source?: LabelSource } = {}): GroundTruthRow[] {
    const set = labelSet(this.db, setName);
    const source = opts.source ?? 'ground-truth';
    const rows =
      typeof source === 'object'
        ? stmt(
            this.db,
            "SELECT r.id, r.name, r.patient_id, c.mask FROM label_current c JOIN records r ON r.id = c.record_id WHERE c.label_set = ? AND c.kind = 'annotator' AND c.source = ? ORDER BY r.id",
          ).all(setName, source.annotator)
        : stmt(
            this.db,
            `SELECT r.id, r.name, r.patient_id, ${source === 'consensus' ? 'coalesce(s.consensus_mask, s.truth_mask)' : 's.truth_mask'} AS mask
             FROM record_state s JOIN records r ON r.id = s.record_id WHERE s.label_set = ? ORDER BY r.id`,
          ).all(setName);
    return (rows as { id: number; name: string; patient_id: string | null; mask: number | null }[])
      .filter((r) => r.mask !== null && r.mask !== 0)
      .map((r) => ({ recordId: r.id, name: r.name, patientId: r.patient_id, classes: maskToClasses(set, r.mask!) }));
  }

  setLabels(input: SetLabelsInput): LabelEvent {
    return setLabels(this.db, input);
  }

  /** One label event: an annotator's labels (same as setLabels) or a model's suggestion (audit only). */
  recordEvent(e: { recordId: number; labelSet: string; classes: string[] } & ({ kind: 'annotator'; annotator: string } | { kind: 'model'; modelVersion: string })): LabelEvent {
    return e.kind === 'annotator'
      ? setLabels(this.db, { recordId: e.recordId, labelSet: e.labelSet, classes: e.classes, annotator: e.annotator })
      : recordModelLabels(this.db, { recordId: e.recordId, labelSet: e.labelSet, classes: e.classes, modelVersion: e.modelVersion });
  }

  undoLast(input: { annotator: string; labelSet?: string }): LabelEvent | null {
    return undoLast(this.db, input);
  }

  history(recordId: number): LabelEvent[] {
    return history(this.db, recordId);
  }

  reviewedState(recordId: number): Record<string, string[]> {
    return reviewedState(this.db, recordId);
  }

  // ---- predictions and models ---------------------------------------------------------------

  savePredictions(modelVersion: string, setName: string, rows: PredictionRow[]): void {
    savePredictions(this.db, modelVersion, setName, rows);
  }

  prediction(recordId: number, setName: string, version?: string): StoredPrediction | null {
    return prediction(this.db, recordId, setName, version);
  }

  addModelVersion(v: { version: string; task: string; parent: string | null; path: string; metrics: unknown; createdAt?: string }): void {
    addModelVersion(this.db, v);
  }

  listModelVersions(task?: string): ModelVersionRow[] {
    return listModelVersions(this.db, task);
  }

  activeModel(task: string): ModelVersionRow | null {
    return activeModel(this.db, task);
  }

  setActiveModel(task: string, version: string): void {
    setActiveModel(this.db, task, version);
  }

  // ---- queries, agreement, splits, export, backup ---------------------------------------------

  listRecords(filter: RecordFilter = {}): { total: number; rows: RecordListRow[] } {
    return listRecords(this.db, filter);
  }

  agreement(setName: string): AgreementReport {
    labelSet(this.db, setName);
    return agreementReport(annotatorLabels(this.db, setName));
  }

  /**
   * A named split, stratified by the label source's classes and patient-aware, reproducible from the seed.
   * `recordIds` limits it to those records (default: every record with a label from the source).
   */
  createSplit(opts: { name: string; labelSet: string; seed: number; fractions?: Record<string, number>; source?: LabelSource; recordIds?: number[] }): SplitInfo {
    const fractions = opts.fractions ?? { train: 0.8, val: 0.1, test: 0.1 };
    const truth = new Map(this.groundTruth(opts.labelSet, { source: opts.source }).map((g) => [g.recordId, g]));
    const ids = opts.recordIds ?? [...truth.keys()];
    const patient = pluck(this.db, 'SELECT patient_id FROM records WHERE id = ?');
    const items = ids.map((id) => ({ recordId: id, patientId: (patient.get(id) as string | null | undefined) ?? null, classes: truth.get(id)?.classes ?? [] }));
    const assignment = stratifiedSplit(items, fractions, opts.seed);
    saveSplit(this.db, opts.name, assignment, { labelSet: opts.labelSet, seed: opts.seed, params: { fractions, source: opts.source ?? 'ground-truth', records: ids.length } });
    return getSplit(this.db, opts.name);
  }

  /** A split given explicitly: part → record ids. */
  createSplitFromIds(name: string, parts: Record<string, number[]>): SplitInfo {
    const assignment = new Map<number, string>();
    for (const [part, ids] of Object.entries(parts))
      for (const id of ids) {
        if (assignment.has(id)) throw new Error(`record ${id} is in two parts (${assignment.get(id)}, ${part})`);
        recordRow(this.db, id);
        assignment.set(id, part);
      }
    saveSplit(this.db, name, assignment, { labelSet: null, seed: null, params: { explicit: true } });
    return getSplit(this.db, name);
  }

  split(name: string): SplitInfo {
    return getSplit(this.db, name);
  }

  listSplits(): string[] {
    return listSplits(this.db);
  }

  exportRecords(opts: ExportOptions): ExportSummary {
    return exportRecords(this, opts);
  }

  backup(outFile: string): Promise<{ records: number; pages: number }> {
    return backupDatabase(this.db, outFile);
  }

  integrityCheck(): string {
    return (this.db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  }
}

export function openArchive(file: string, opts: { readonly?: boolean } = {}): Archive {
  return new Archive(file, opts.readonly ?? false);
}
