/** Predictions per model version (probabilities in the label set's class order) and the model registry. */
import type Database from 'better-sqlite3';
import { labelSet } from './labelSets.ts';
import { refreshState } from './recordState.ts';
import { nowIso, pluck, stmt } from './statements.ts';

export interface PredictionRow {
  recordId: number;
  probabilities: number[];
}

export interface StoredPrediction {
  version: string;
  labelSet: string;
  classes: string[];
  probabilities: number[];
  top: string;
  confidence: number;
  at: string;
}

export interface ModelVersionRow {
  version: string;
  task: string;
  parent: string | null;
  path: string;
  metrics: unknown;
  createdAt: string;
  active: boolean;
}

/** Predicted classes: the argmax for a single-label set, every p ≥ 0.5 (else the argmax) for a multilabel one. */
export function predictedMask(probabilities: number[], multilabel: boolean): { mask: number; top: number } {
  let top = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[top]) top = i;
  if (!multilabel) return { mask: 1 << top, top };
  let mask = 0;
  probabilities.forEach((p, i) => {
    if (p >= 0.5) mask |= 1 << i;
  });
  return { mask: mask || 1 << top, top };
}

export function savePredictions(db: Database.Database, modelVersion: string, setName: string, rows: PredictionRow[]): void {
  const set = labelSet(db, setName);
  const at = nowIso();
  const ins = stmt(
    db,
    `INSERT INTO predictions (record_id, model_version, label_set, probabilities, top_class, confidence, mask, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (model_version, record_id) DO UPDATE SET label_set = excluded.label_set, probabilities = excluded.probabilities,
       top_class = excluded.top_class, confidence = excluded.confidence, mask = excluded.mask, at = excluded.at`,
  );
  db.transaction(() => {
    for (const r of rows) {
      if (r.probabilities.length !== set.classes.length)
        throw new Error(`record ${r.recordId}: ${r.probabilities.length} probabilities for label set ${setName}, which has ${set.classes.length} classes`);
      if (r.probabilities.some((p) => !Number.isFinite(p))) throw new Error(`record ${r.recordId}: a probability is not a finite number`);
      if (!stmt(db, 'SELECT 1 FROM records WHERE id = ?').get(r.recordId)) throw new Error(`no record with id ${r.recordId}`);
      const { mask, top } = predictedMask(r.probabilities, set.multilabel);
      ins.run(r.recordId, modelVersion, setName, JSON.stringify(r.probabilities), set.classes[top], r.probabilities[top], mask, at);
      refreshState(db, r.recordId, setName);
    }
  }).immediate();
}

export function prediction(db: Database.Database, recordId: number, setName: string, version?: string | null): StoredPrediction | null {
  const set = labelSet(db, setName);
  const active = version ?? (stmt(db, 'SELECT version FROM active_models WHERE task = ?').get(setName) as { version: string } | undefined)?.version ?? null;
  const row = (
    active
      ? stmt(db, 'SELECT * FROM predictions WHERE model_version = ? AND record_id = ? AND label_set = ?').get(active, recordId, setName)
      : stmt(db, 'SELECT * FROM predictions WHERE record_id = ? AND label_set = ? ORDER BY at DESC LIMIT 1').get(recordId, setName)
  ) as { model_version: string; probabilities: string; top_class: string; confidence: number; at: string } | undefined;
  if (!row) return null;
  return { version: row.model_version, labelSet: setName, classes: set.classes, probabilities: JSON.parse(row.probabilities), top: row.top_class, confidence: row.confidence, at: row.at };
}

export function addModelVersion(db: Database.Database, v: { version: string; task: string; parent: string | null; path: string; metrics: unknown; createdAt?: string }): void {
  labelSet(db, v.task);
  stmt(
    db,
    `INSERT INTO model_versions (version, task, parent, path, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (version) DO UPDATE SET task = excluded.task, parent = excluded.parent, path = excluded.path, metrics = excluded.metrics`,
  ).run(v.version, v.task, v.parent, v.path, JSON.stringify(v.metrics ?? null), v.createdAt ?? nowIso());
}

type VersionDb = { version: string; task: string; parent: string | null; path: string; metrics: string; created_at: string; active: number };
const toVersion = (r: VersionDb): ModelVersionRow => ({
  version: r.version,
  task: r.task,
  parent: r.parent,
  path: r.path,
  metrics: JSON.parse(r.metrics),
  createdAt: r.created_at,
  active: r.active === 1,
});
const VERSION_SQL = `SELECT m.*, (a.version IS NOT NULL) AS active FROM model_versions m LEFT JOIN active_models a ON a.task = m.task AND a.version = m.version`;

export function listModelVersions(db: Database.Database, task?: string): ModelVersionRow[] {
  const rows = task
    ? stmt(db, `${VERSION_SQL} WHERE m.task = ? ORDER BY m.created_at, m.version`).all(task)
    : stmt(db, `${VERSION_SQL} ORDER BY m.task, m.created_at, m.version`).all();
  return (rows as VersionDb[]).map(toVersion);
}

export function activeModel(db: Database.Database, task: string): ModelVersionRow | null {
  const r = stmt(db, `${VERSION_SQL} WHERE a.task = ?`).get(task) as VersionDb | undefined;
  return r ? toVersion(r) : null;
}

/** Activates a version and re-points every record's listed prediction for the task at it. */
export function setActiveModel(db: Database.Database, task: string, version: string): void {
  const v = stmt(db, 'SELECT task FROM model_versions WHERE version = ?').get(version) as { task: string } | undefined;
  if (!v) throw new Error(`no model version "${version}"`);
  if (v.task !== task) throw new Error(`model version "${version}" is for task ${v.task}, not ${task}`);
  db.transaction(() => {
    stmt(db, 'INSERT INTO active_models (task, version) VALUES (?, ?) ON CONFLICT (task) DO UPDATE SET version = excluded.version').run(task, version);
    const ids = pluck(db, 'SELECT record_id FROM record_state WHERE label_set = ? AND pred_version IS NOT NULL UNION SELECT record_id FROM predictions WHERE model_version = ?').all(
      task,
      version,
    ) as number[];
    for (const id of ids) refreshState(db, id, task);
  }).immediate();
}
