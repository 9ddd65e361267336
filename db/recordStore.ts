/**
 * Records and their signals in SQLite. Identity: an integer id inside, the record name outside.
 * - Duplicate: same record name AND same content (calibration + samples) as a stored record — not stored again.
 *   (Real databases hold distinct records with byte-identical signals, e.g. PTB-XL 00456_lr/00457_lr and
 *   Georgia E07509/E07510; they have different names and are kept as separate records.)
 * - Name collision (name taken by different content): stored as `origin/name` (then `origin/name~2`, …),
 *   where origin is the folder the record came from; its source_name stays the file's name.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ParsedChannel, ParsedRecord } from './formats/types.ts';
import { mapDx } from './formats/dxCodes.ts';
import { decodeSamples, encodeSamples } from './signalCodec.ts';
import { missingModelLeads } from './modelReady.ts';
import { recordGroundTruth } from './labels.ts';
import { nowIso, stmt } from './statements.ts';

/** A parsed record with its signals encoded and its identity hash: the pure part of storing it. */
export interface PreparedRecord {
  rec: ParsedRecord;
  blobs: Uint8Array[];
  /** Samples per channel (kept apart so a worker can send the record without its samples). */
  nSamples: number[];
  nInvalid: number[];
  hash: string;
}

/**
 * Encodes the channels and hashes the record's name and what it holds (layout, calibration and the encoded
 * samples — the codec is deterministic, and hashing the compact blobs is 4× less work than the Int32 samples).
 */
export function prepareRecord(rec: ParsedRecord): PreparedRecord {
  const h = createHash('sha256');
  h.update(`${rec.recordName}\n${rec.fs}|${rec.channels.length}\n`);
  const blobs: Uint8Array[] = [];
  const nInvalid: number[] = [];
  for (const c of rec.channels) {
    const count = { invalidValue: c.invalidValue, invalid: 0 };
    const blob = encodeSamples(c.samples, count);
    blobs.push(blob);
    nInvalid.push(count.invalid);
    h.update(`${c.name}|${c.fs}|${c.gain}|${c.baseline}|${c.units}|${c.invalidValue}|${c.samples.length}\n`);
    h.update(blob);
  }
  return { rec, blobs, nSamples: rec.channels.map((c) => c.samples.length), nInvalid, hash: h.digest('hex') };
}

function freeName(db: Database.Database, name: string, origin: string): string {
  const taken = (n: string) => stmt(db, 'SELECT 1 FROM records WHERE name = ?').get(n) !== undefined;
  if (!taken(name)) return name;
  const base = origin ? `${origin}/${name}` : name;
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}~${i}`)) return `${base}~${i}`;
}

export type InsertResult = { status: 'imported' | 'duplicate'; id: number; name: string };

/** Stores one parsed record (call inside a transaction): row, channels, and header #Dx labels (source 'header'). */
export function insertRecord(db: Database.Database, prepared: PreparedRecord, opts: { origin: string; patientId?: string | null }): InsertResult {
  const { rec, hash } = prepared;
  const dup = stmt(db, 'SELECT id, name FROM records WHERE content_hash = ?').get(hash) as { id: number; name: string } | undefined;
  if (dup) return { status: 'duplicate', ...dup };
  const name = freeName(db, rec.recordName, opts.origin);
  const info = stmt(
    db,
    `INSERT INTO records (name, source_name, origin, format, fs, duration_sec, n_channels, lead_names, age, sex, recorded_at, patient_id, dx, comments, files, content_hash, model_ready, imported_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    name,
    rec.recordName,
    opts.origin,
    rec.format,
    rec.fs,
    rec.durationSec,
    rec.channels.length,
    JSON.stringify(rec.channels.map((c) => c.name)),
    rec.age !== null && Number.isFinite(rec.age) ? rec.age : null,
    rec.sex,
    rec.recordedAt,
    opts.patientId ?? null,
    JSON.stringify(rec.dx),
    JSON.stringify(rec.comments),
    JSON.stringify(rec.files),
    hash,
    missingModelLeads(rec.channels).length === 0 ? 1 : 0,
    nowIso(),
  );
  const id = Number(info.lastInsertRowid);
  const ins = stmt(
    db,
    `INSERT INTO channels (record_id, idx, name, lead, fs, gain, baseline, units, adc_resolution, n_samples, invalid_value, n_invalid, source_format, samples)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  rec.channels.forEach((c, i) => {
    ins.run(id, i, c.name, c.lead, c.fs, c.gain, c.baseline, c.units, c.adcResolution ?? null, prepared.nSamples[i], c.invalidValue, prepared.nInvalid[i], c.sourceFormat, prepared.blobs[i]);
  });
  // Every record has a state row per label set, so "not reviewed" and similar filters see it.
  stmt(db, 'INSERT OR IGNORE INTO record_state (record_id, label_set) SELECT ?, name FROM label_sets').run(id);
  if (rec.dx.length > 0) {
    const mapped = mapDx(rec.dx);
    recordGroundTruth(db, id, 'chapman4', 'header', mapped.chapman4 ? [mapped.chapman4] : []);
    recordGroundTruth(db, id, 'cpsc9', 'header', mapped.cpsc9);
  }
  return { status: 'imported', id, name };
}

export interface RecordRowDb {
  id: number;
  name: string;
  source_name: string;
  origin: string;
  format: string;
  fs: number;
  duration_sec: number;
  n_channels: number;
  lead_names: string;
  age: number | null;
  sex: 'M' | 'F' | null;
  recorded_at: string | null;
  patient_id: string | null;
  dx: string;
  comments: string;
  files: string;
  content_hash: string;
  model_ready: number;
  imported_at: string;
}

export function recordRow(db: Database.Database, recordId: number): RecordRowDb {
  const r = stmt(db, 'SELECT * FROM records WHERE id = ?').get(recordId) as RecordRowDb | undefined;
  if (!r) throw new Error(`no record with id ${recordId}`);
  return r;
}

export interface StoredChannel extends ParsedChannel {
  index: number;
  nInvalid: number;
}

/** Channels with their samples decoded (all, or the given indices). */
export function readChannels(db: Database.Database, recordId: number): StoredChannel[] {
  const rows = stmt(db, 'SELECT * FROM channels WHERE record_id = ? ORDER BY idx').all(recordId) as {
    idx: number;
    name: string;
    lead: string | null;
    fs: number;
    gain: number;
    baseline: number;
    units: string;
    adc_resolution: number | null;
    n_samples: number;
    invalid_value: number | null;
    n_invalid: number;
    source_format: string;
    samples: Buffer;
  }[];
  return rows.map((r) => {
    const samples = decodeSamples(r.samples);
    if (samples.length !== r.n_samples) throw new Error(`record ${recordId} channel ${r.name}: ${samples.length} samples stored, ${r.n_samples} expected`);
    return {
      index: r.idx,
      name: r.name,
      lead: r.lead,
      fs: r.fs,
      gain: r.gain,
      baseline: r.baseline,
      units: r.units,
      ...(r.adc_resolution !== null ? { adcResolution: r.adc_resolution } : {}),
      samples,
      invalidValue: r.invalid_value,
      sourceFormat: r.source_format,
      nInvalid: r.n_invalid,
    };
  });
}
