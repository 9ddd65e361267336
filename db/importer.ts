/**
 * Imports files and folders: the parsers (db/formats) read each record, then each record is stored in
 * ONE transaction (all its rows or none, so a crash or a bad file never leaves a half record). Records
 * already in the archive (same content hash) are counted as duplicates. A labels CSV is applied after
 * the records, in one durable transaction, as ground-truth events whose source is the CSV's file name.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../lib/tsWorker.ts';
import { basename, dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { findRecords, parseLabelsCsv, readRecord } from './formats/index.ts';
import { FormatError, type LabelsCsvRow, type RecordSource } from './formats/types.ts';
import { insertRecord, prepareRecord, type InsertResult, type PreparedRecord } from './recordStore.ts';
import type { WorkerResult, WorkerTask } from './importWorker.ts';
import { durably, recordGroundTruth } from './labels.ts';
import { labelSets } from './labelSets.ts';
import { stmt } from './statements.ts';

export interface Rejection {
  file: string;
  reason: string;
}

export interface ImportProgress {
  done: number;
  total: number;
  imported: number;
  duplicates: number;
  rejected: number;
  /** The record entry file just handled. */
  file: string;
  /** Set when that file was just rejected, so a progress view can list it at once. */
  rejection?: Rejection;
}

export interface ImportOptions {
  /** A labels CSV (record_id, one column per label set, optional patient_id). */
  labelsCsv?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Checked between records; when it returns true the import stops after the record in hand. */
  shouldCancel?: () => boolean;
}

export interface ImportSummary {
  imported: number;
  duplicates: number;
  rejected: Rejection[];
  /** Files that are not records (signal files beside their header, annotations, READMEs…). */
  skipped: number;
  recordIds: number[];
  cancelled: boolean;
  labels: { file: string; rows: number; matched: number; events: number; unmatched: string[] } | null;
  seconds: number;
}

function readLabels(file: string): LabelsCsvRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FormatError(file, `cannot read labels CSV: ${(err as Error).message}`);
  }
  return parseLabelsCsv(text, file);
}

/** Record id for a labels-CSV record_id: the exact name, else a unique record whose file name is that. */
function resolveName(db: Database.Database, name: string): number | null {
  const exact = stmt(db, 'SELECT id FROM records WHERE name = ?').get(name) as { id: number } | undefined;
  if (exact) return exact.id;
  const bySource = stmt(db, 'SELECT id FROM records WHERE source_name = ? LIMIT 2').all(name) as { id: number }[];
  return bySource.length === 1 ? bySource[0].id : null;
}

export function applyLabelsCsv(db: Database.Database, file: string, rows: LabelsCsvRow[], rejected: Rejection[]): NonNullable<ImportSummary['labels']> {
  const source = basename(file);
  const sets = [...labelSets(db).keys()];
  let matched = 0;
  let events = 0;
  const unmatched: string[] = [];
  durably(db, () => {
    rows.forEach((row, i) => {
      const id = resolveName(db, row.recordId);
      if (id === null) {
        unmatched.push(row.recordId);
        return;
      }
      matched++;
      if (row.patientId !== null) stmt(db, 'UPDATE records SET patient_id = ? WHERE id = ? AND patient_id IS NULL').run(row.patientId, id);
      for (const set of sets) {
        const classes = row.labels[set];
        if (classes === undefined) continue;
        try {
          if (recordGroundTruth(db, id, set, source, classes)) events++;
        } catch (err) {
          rejected.push({ file, reason: `row ${i + 2} (${row.recordId}): ${(err as Error).message}` });
        }
      }
    });
  });
  return { file, rows: rows.length, matched, events, unmatched };
}

/** One import run: what both the in-thread and the worker-pipeline importers share. */
class ImportRun {
  readonly t0 = performance.now();
  readonly labelRows: LabelsCsvRow[] | null;
  readonly patientByName = new Map<string, string>();
  readonly found: ReturnType<typeof findRecords>;
  readonly rejected: Rejection[];
  readonly recordIds: number[] = [];
  imported = 0;
  duplicates = 0;
  done = 0;
  cancelled = false;
  private readonly sync: number;
  private readonly store: (prepared: PreparedRecord, origin: string) => InsertResult;

  constructor(
    readonly db: Database.Database,
    paths: string[],
    readonly opts: ImportOptions,
  ) {
    // Parse the labels first: a broken labels CSV stops the import before anything is stored.
    this.labelRows = opts.labelsCsv ? readLabels(opts.labelsCsv) : null;
    for (const r of this.labelRows ?? []) if (r.patientId !== null) this.patientByName.set(r.recordId, r.patientId);
    this.found = findRecords(paths);
    this.rejected = [...this.found.unreadable];
    // WAL + synchronous=NORMAL is crash-safe (a killed process loses nothing committed, the file never
    // corrupts); FULL would add an fsync per record. Label writes switch back to FULL (labels.durably).
    this.sync = db.pragma('synchronous', { simple: true }) as number;
    db.pragma('synchronous = NORMAL');
    const tx = db.transaction((prepared: PreparedRecord, origin: string) =>
      insertRecord(db, prepared, { origin, patientId: this.patientByName.get(prepared.rec.recordName) ?? null }),
    );
    this.store = (prepared, origin) => tx.immediate(prepared, origin);
  }

  get sources(): RecordSource[] {
    return this.found.records;
  }

  /** Commits one record (its own transaction) or records its rejection; reports progress. */
  commit(src: RecordSource, result: PreparedRecord | Rejection): void {
    const before = this.rejected.length;
    if ('reason' in result) this.rejected.push(result);
    else {
      try {
        const res = this.store(result, basename(dirname(src.entry)));
        if (res.status === 'imported') {
          this.imported++;
          this.recordIds.push(res.id);
        } else this.duplicates++;
      } catch (err) {
        this.rejected.push({ file: src.entry, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    this.done++;
    this.opts.onProgress?.({ done: this.done, total: this.sources.length, imported: this.imported, duplicates: this.duplicates, rejected: this.rejected.length, file: src.entry, rejection: this.rejected.length > before ? this.rejected[this.rejected.length - 1] : undefined });
  }

  finish(): ImportSummary {
    this.db.pragma(`synchronous = ${this.sync}`);
    const labels = this.labelRows && !this.cancelled ? applyLabelsCsv(this.db, this.opts.labelsCsv!, this.labelRows, this.rejected) : null;
    return {
      imported: this.imported,
      duplicates: this.duplicates,
      rejected: this.rejected,
      skipped: this.found.skipped.length,
      recordIds: this.recordIds,
      cancelled: this.cancelled,
      labels,
      seconds: (performance.now() - this.t0) / 1000,
    };
  }
}

function prepareSource(src: RecordSource): PreparedRecord | Rejection {
  try {
    return prepareRecord(readRecord(src));
  } catch (err) {
    if (err instanceof FormatError) return { file: err.file, reason: err.reason };
    return { file: src.entry, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Imports in this thread (synchronous): parse, prepare and store one record after the other. */
export function importPaths(db: Database.Database, paths: string[], opts: ImportOptions = {}): ImportSummary {
  return importInThread(new ImportRun(db, paths, opts), opts);
}

function importInThread(run: ImportRun, opts: ImportOptions): ImportSummary {
  try {
    for (const src of run.sources) {
      if (opts.shouldCancel?.()) {
        run.cancelled = true;
        break;
      }
      run.commit(src, prepareSource(src));
    }
  } catch (err) {
    run.finish();
    throw err;
  }
  return run.finish();
}

/** Below this many records, starting workers costs more than it saves. */
const PARALLEL_MIN = 64;

/**
 * Imports with worker threads parsing and preparing records while this thread only writes to SQLite.
 * Records are committed in the same order, each in its own transaction, exactly as importPaths does; at
 * most a few records per worker are in flight, so memory stays bounded on any import size.
 */
export async function importPathsParallel(db: Database.Database, paths: string[], opts: ImportOptions & { workers?: number } = {}): Promise<ImportSummary> {
  const run = new ImportRun(db, paths, opts);
  const nWorkers = Math.min(opts.workers ?? Math.max(1, Math.min(4, availableParallelism())), Math.ceil(run.sources.length / 16));
  if (run.sources.length < PARALLEL_MIN || nWorkers < 1) return importInThread(run, opts);
  const workers = Array.from({ length: nWorkers }, () => startWorker());
  const sources = run.sources;
  const ready = new Map<number, PreparedRecord | Rejection>();
  let next = 0;
  let committed = 0;
  const perWorker = 4;
  let stopped = false;
  try {
    await new Promise<void>((resolveRun, rejectRun) => {
      const resolve = () => {
        stopped = true;
        resolveRun();
      };
      const reject = (err: unknown) => {
        stopped = true;
        rejectRun(err);
      };
      const dispatch = (w: Worker) => {
        if (next < sources.length) w.postMessage({ i: next, src: sources[next++] } satisfies WorkerTask);
      };
      const drain = () => {
        while (ready.has(committed)) {
          if (opts.shouldCancel?.()) {
            run.cancelled = true;
            resolve();
            return;
          }
          const r = ready.get(committed)!;
          ready.delete(committed);
          run.commit(sources[committed], r);
          committed++;
        }
        if (committed === sources.length) resolve();
      };
      for (const w of workers) {
        w.on('message', (m: WorkerResult) => {
          if (stopped) return;
          try {
            ready.set(m.i, m.ok ? m.prepared : { file: m.file, reason: m.reason });
            dispatch(w);
            drain();
          } catch (err) {
            reject(err);
          }
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (!stopped && committed < sources.length) reject(new Error(`import worker exited (code ${code}) with ${sources.length - committed} records to go`));
        });
        for (let k = 0; k < perWorker; k++) dispatch(w);
      }
    });
  } catch (err) {
    run.finish();
    throw err;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return run.finish();
}

/** A worker running importWorker.ts. */
function startWorker(): Worker {
  return startTsWorker(new URL('./importWorker.ts', import.meta.url));
}
