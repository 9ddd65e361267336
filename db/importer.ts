/**
 * Imports files and folders: the parsers (db/formats) read each record, then each record is stored in
 * ONE transaction (all its rows or none, so a crash or a bad file never leaves a half record). Records
 * already in the archive (same content hash) are counted as duplicates. A labels CSV is applied after
 * the records, in one durable transaction, as ground-truth events whose source is the CSV's file name.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { findRecords, parseLabelsCsv, readRecord } from './formats/index.ts';
import { FormatError, type LabelsCsvRow } from './formats/types.ts';
import { insertRecord, prepareRecord, type PreparedRecord } from './recordStore.ts';
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

export function importPaths(db: Database.Database, paths: string[], opts: ImportOptions = {}): ImportSummary {
  const t0 = performance.now();
  // Parse the labels first: a broken labels CSV stops the import before anything is stored.
  const labelRows = opts.labelsCsv ? readLabels(opts.labelsCsv) : null;
  const patientByName = new Map<string, string>();
  for (const r of labelRows ?? []) if (r.patientId !== null) patientByName.set(r.recordId, r.patientId);

  const found = findRecords(paths);
  const rejected: Rejection[] = [...found.unreadable];
  const recordIds: number[] = [];
  let imported = 0;
  let duplicates = 0;
  let cancelled = false;

  // WAL + synchronous=NORMAL is crash-safe (a killed process loses nothing committed, the file never
  // corrupts); FULL would add an fsync per record. Label writes switch back to FULL (labels.durably).
  const sync = db.pragma('synchronous', { simple: true }) as number;
  db.pragma('synchronous = NORMAL');
  try {
    const store = db.transaction((prepared: PreparedRecord, origin: string) =>
      insertRecord(db, prepared, { origin, patientId: patientByName.get(prepared.rec.recordName) ?? null }),
    );
    for (let i = 0; i < found.records.length; i++) {
      if (opts.shouldCancel?.()) {
        cancelled = true;
        break;
      }
      const src = found.records[i];
      try {
        const rec = readRecord(src);
        const res = store.immediate(prepareRecord(rec), basename(dirname(src.entry)));
        if (res.status === 'imported') {
          imported++;
          recordIds.push(res.id);
        } else duplicates++;
      } catch (err) {
        if (err instanceof FormatError) rejected.push({ file: err.file, reason: err.reason });
        else rejected.push({ file: src.entry, reason: err instanceof Error ? err.message : String(err) });
      }
      opts.onProgress?.({ done: i + 1, total: found.records.length, imported, duplicates, rejected: rejected.length, file: src.entry });
    }
  } finally {
    db.pragma(`synchronous = ${sync}`);
  }
  const labels = labelRows && !cancelled ? applyLabelsCsv(db, opts.labelsCsv!, labelRows, rejected) : null;
  return { imported, duplicates, rejected, skipped: found.skipped.length, recordIds, cancelled, labels, seconds: (performance.now() - t0) / 1000 };
}
