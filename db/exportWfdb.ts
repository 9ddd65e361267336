/**
 * Export to WFDB: one `<name>.hea` + `<name>.dat` (format 16, every channel at its own rate, its names,
 * physical values within one ADC step, invalid samples as -32768) per record, and a `labels.csv`
 * (record_id, patient_id, one column per label set) from the chosen label source.
 *
 * De-identified by default: no free-text comments (they may hold names), no recording date, ages over 89
 * written as 90. Kept: sex, #Dx codes, and patient_id — the dataset's own pseudonym (e.g. PTB-XL's), which
 * patient-aware splits need after a re-import; pass `patientIds: false` to leave it out.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Archive, LabelSource } from './archive.ts';
import { writeWfdbRecord } from './formats/wfdbWriter.ts';
import { labelSets, maskToClasses } from './labelSets.ts';
import { stmt } from './statements.ts';

export type ExportLabelSource = LabelSource | { model: string };

export interface ExportOptions {
  outDir: string;
  /** Records to export (default: all). */
  recordIds?: number[];
  labels?: ExportLabelSource;
  /** Default true. */
  deidentify?: boolean;
  /** Default true (see above). */
  patientIds?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ExportSummary {
  exported: number;
  outDir: string;
  labelsCsv: string;
  files: string[];
}

/** A record name as a plain file name (collision names such as `origin/A0001` become `origin__A0001`). */
export function exportName(name: string): string {
  let n = name.replace(/\//g, '__').replace(/[^A-Za-z0-9_.+-]/g, '_').replace(/\.\.+/g, '.');
  if (!/^[A-Za-z0-9_]/.test(n)) n = `_${n}`;
  return n.slice(0, 200);
}

export function deidentifiedAge(age: number | null): number | null {
  if (age === null || !Number.isFinite(age)) return null;
  return age > 89 ? 90 : Math.round(age);
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Classes per record and label set for a label source. */
function labelsFor(archive: Archive, source: ExportLabelSource): Map<string, Map<number, string[]>> {
  const out = new Map<string, Map<number, string[]>>();
  for (const set of labelSets(archive.db).values()) {
    const m = new Map<number, string[]>();
    if (typeof source === 'object' && 'model' in source) {
      const rows = stmt(archive.db, 'SELECT record_id, mask FROM predictions WHERE model_version = ? AND label_set = ?').all(source.model, set.name) as { record_id: number; mask: number }[];
      for (const r of rows) m.set(r.record_id, maskToClasses(set, r.mask));
    } else for (const g of archive.groundTruth(set.name, { source })) m.set(g.recordId, g.classes);
    out.set(set.name, m);
  }
  return out;
}

export function exportRecords(archive: Archive, opts: ExportOptions): ExportSummary {
  const deid = opts.deidentify ?? true;
  const keepPatient = opts.patientIds ?? true;
  const ids = opts.recordIds ?? archive.allRecordIds();
  mkdirSync(opts.outDir, { recursive: true });
  const labels = labelsFor(archive, opts.labels ?? 'consensus');
  const sets = [...labels.keys()];
  const lines = [['record_id', 'patient_id', ...sets].join(',')];
  const files: string[] = [];
  const used = new Set<string>();
  ids.forEach((id, i) => {
    const info = archive.record(id);
    let name = exportName(info.name);
    for (let k = 2; used.has(name); k++) name = `${exportName(info.name)}_${k}`;
    used.add(name);
    const channels = archive.channels(id);
    const { hea, dat } = writeWfdbRecord({
      recordName: name,
      fs: info.fs,
      channels: channels.map((c) => ({ name: c.name, fs: c.fs, gain: c.gain, baseline: c.baseline, units: c.units, samples: c.samples, invalidValue: c.invalidValue })),
      age: deid ? deidentifiedAge(info.age) : info.age,
      sex: info.sex,
      dx: info.dx,
      comments: deid ? [] : info.comments,
    });
    const heaPath = join(opts.outDir, `${name}.hea`);
    const datPath = join(opts.outDir, `${name}.dat`);
    writeAtomic(datPath, dat);
    writeAtomic(heaPath, hea);
    files.push(heaPath, datPath);
    const row = [name, keepPatient ? (info.patientId ?? '') : '', ...sets.map((s) => (labels.get(s)!.get(id) ?? []).join(';'))];
    lines.push(row.map(csvCell).join(','));
    opts.onProgress?.(i + 1, ids.length);
  });
  const labelsCsv = join(opts.outDir, 'labels.csv');
  writeAtomic(labelsCsv, lines.join('\n') + '\n');
  files.push(labelsCsv);
  return { exported: ids.length, outDir: opts.outDir, labelsCsv, files };
}
