/**
 * The labelled records of ../shared/data (labels.csv + WFDB files) as a dataset for tests, benches and
 * cross-validation runs that do not go through an archive.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ModelInput } from '../preprocess.ts';
import { TASKS } from '../package/modelConfig.ts';
import { readRecord } from '../../db/formats/index.ts';
import { buildModelInput } from '../../db/modelReady.ts';

export interface LabelledRecord {
  /** "<source>/<record_id>". */
  name: string;
  source: string;
  /** Sampling rate the record was stored at (labels.csv `fs`). */
  fs: number;
  patientId: string | null;
  /** Class indices of the task (one for single-label). */
  classes: number[];
}

function labelRows(dataDir: string): Record<string, string>[] {
  return parse(readFileSync(join(dataDir, 'labels.csv')), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

/** The stored sampling rate of every record labels.csv lists, labelled for a task or not ("<source>/<record_id>" → Hz). */
export function sharedStoredRates(dataDir: string): Map<string, number> {
  return new Map(labelRows(dataDir).map((r) => [`${r.source}/${r.record_id}`, Number(r.fs)] as const).filter(([, fs]) => fs > 0));
}

export function sharedLabels(dataDir: string, labelSet: string): LabelledRecord[] {
  const task = TASKS[labelSet];
  if (!task) throw new Error(`unknown task ${labelSet}`);
  const rows = labelRows(dataDir);
  const out: LabelledRecord[] = [];
  for (const r of rows) {
    const names = (r[labelSet] ?? '').split(';').filter(Boolean);
    if (!names.length) continue;
    const classes = names.map((c) => task.classes.indexOf(c)).filter((i) => i >= 0);
    if (!classes.length) continue;
    out.push({ name: `${r.source}/${r.record_id}`, source: r.source, fs: Number(r.fs), patientId: r.patient_id || null, classes });
  }
  return out;
}

/** Leads I, II, V1 at 500 Hz in mV, read and resampled exactly as the archive does (db/formats, db/modelReady). */
export function readSharedRecord(dataDir: string, name: string): ModelInput {
  return buildModelInput(name, readRecord({ kind: 'wfdb', entry: join(dataDir, `${name}.hea`) }).channels);
}
