/**
 * Record list: filter, search, sort and paginate. State filters (label, prediction, disagreement,
 * confidence, reviewed) run against record_state (primary key (label_set, record_id), kept current by
 * every label and prediction write), so a page costs one indexed probe per candidate record.
 */
import type Database from 'better-sqlite3';
import { labelSet, labelSets, maskToClasses } from './labelSets.ts';

export interface RecordFilter {
  search?: string;
  origin?: string;
  /** Label set the state filters refer to; without it they match when any label set matches. */
  labelSet?: string;
  /** A class of the reference label (annotators' consensus, else ground truth). */
  label?: string;
  /** Top class of the listed prediction (the active model's, else the latest). */
  prediction?: string;
  reviewed?: boolean;
  disagreement?: boolean;
  minConfidence?: number;
  maxConfidence?: number;
  modelReady?: boolean;
  sort?: 'name' | 'origin' | 'duration' | 'rate' | 'confidence' | 'imported';
  desc?: boolean;
  offset?: number;
  limit?: number;
}

export interface RecordListRow {
  id: number;
  name: string;
  origin: string;
  fs: number;
  durationSec: number;
  leads: number;
  modelReady: boolean;
  /** Reference labels per label set (consensus, else ground truth); sets without a label are left out. */
  labels: Record<string, string[]>;
  prediction: { task: string; version: string; top: string; confidence: number } | null;
  reviewed: boolean;
  /** 1 when all annotators agree, 0 when they do not, null with fewer than two annotators. */
  agreement: number | null;
}

const SORT: Record<NonNullable<RecordFilter['sort']>, string> = {
  name: 'r.name',
  origin: 'r.origin, r.name',
  duration: 'r.duration_sec, r.id',
  rate: 'r.fs, r.id',
  confidence: 'conf, r.id',
  imported: 'r.id',
};

function classBit(db: Database.Database, set: string | undefined, cls: string): { bit: number; sets: string[] } {
  const sets = set ? [labelSet(db, set)] : [...labelSets(db).values()].filter((s) => s.classes.includes(cls));
  if (sets.length === 0) throw new Error(`no label set has a class "${cls}"`);
  const idx = sets[0].classes.indexOf(cls);
  if (idx < 0) throw new Error(`label set ${sets[0].name} has no class "${cls}"`);
  return { bit: 1 << idx, sets: sets.map((s) => s.name) };
}

export function listRecords(db: Database.Database, f: RecordFilter = {}): { total: number; rows: RecordListRow[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.search) {
    where.push("(r.name LIKE ? ESCAPE '\\' OR r.origin LIKE ? ESCAPE '\\')");
    const like = `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    args.push(like, like);
  }
  if (f.origin) {
    where.push('r.origin = ?');
    args.push(f.origin);
  }
  if (f.modelReady !== undefined) {
    where.push('r.model_ready = ?');
    args.push(f.modelReady ? 1 : 0);
  }
  const state: string[] = [];
  const stateArgs: unknown[] = [];
  let sets: string[] | null = f.labelSet ? [labelSet(db, f.labelSet).name] : null;
  if (f.label) {
    const { bit, sets: s } = classBit(db, f.labelSet, f.label);
    sets = s;
    state.push('(coalesce(s.consensus_mask, s.truth_mask) & ?) != 0');
    stateArgs.push(bit);
  }
  if (f.prediction) {
    const { sets: s } = classBit(db, f.labelSet, f.prediction);
    sets = sets ?? s;
    state.push('s.pred_top = ?');
    stateArgs.push(f.prediction);
  }
  if (f.disagreement !== undefined) {
    state.push('s.disagreement = ?');
    stateArgs.push(f.disagreement ? 1 : 0);
  }
  if (f.minConfidence !== undefined) {
    state.push('s.pred_conf >= ?');
    stateArgs.push(f.minConfidence);
  }
  if (f.maxConfidence !== undefined) {
    state.push('s.pred_conf <= ?');
    stateArgs.push(f.maxConfidence);
  }
  const setClause = sets ? `s.label_set IN (${sets.map(() => '?').join(',')})` : '1';
  if (f.reviewed === false) {
    // Not reviewed: no annotator label in the set(s) — including records with no state row at all.
    where.push(`NOT EXISTS (SELECT 1 FROM record_state s WHERE s.record_id = r.id AND ${setClause} AND s.annotators > 0)`);
    args.push(...(sets ?? []));
  } else if (f.reviewed === true) state.push('s.annotators > 0');
  if (state.length > 0) {
    where.push(`EXISTS (SELECT 1 FROM record_state s WHERE s.record_id = r.id AND ${setClause} AND ${state.join(' AND ')})`);
    args.push(...(sets ?? []), ...stateArgs);
  }
  const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = db.prepare(`SELECT count(*) FROM records r ${whereSql}`).pluck().get(...args) as number;
  const sort = f.sort ?? 'name';
  const confSql = sort === 'confidence' ? `, (SELECT max(s.pred_conf) FROM record_state s WHERE s.record_id = r.id AND ${setClause}) AS conf` : '';
  const confArgs = sort === 'confidence' ? (sets ?? []) : [];
  const order = SORT[sort]
    .split(', ')
    .map((c) => `${c} ${f.desc ? 'DESC' : 'ASC'}`)
    .join(', ');
  const page = db
    .prepare(`SELECT r.id, r.name, r.origin, r.fs, r.duration_sec, r.n_channels, r.model_ready${confSql} FROM records r ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...confArgs, ...args, f.limit ?? 100, f.offset ?? 0) as { id: number; name: string; origin: string; fs: number; duration_sec: number; n_channels: number; model_ready: number }[];
  const stateOf = db.prepare('SELECT * FROM record_state WHERE record_id = ?');
  const rows = page.map((r): RecordListRow => {
    const states = stateOf.all(r.id) as { label_set: string; truth_mask: number | null; consensus_mask: number | null; annotators: number; annot_disagree: number; pred_version: string | null; pred_top: string | null; pred_conf: number | null }[];
    const labels: Record<string, string[]> = {};
    let prediction: RecordListRow['prediction'] = null;
    let reviewed = false;
    let agreement: number | null = null;
    for (const s of states) {
      const set = labelSets(db).get(s.label_set)!;
      const ref = s.consensus_mask ?? s.truth_mask;
      if (ref !== null) labels[s.label_set] = maskToClasses(set, ref);
      const relevant = !f.labelSet || f.labelSet === s.label_set;
      if (relevant && s.pred_version && (!prediction || (s.pred_conf ?? 0) > prediction.confidence))
        prediction = { task: s.label_set, version: s.pred_version, top: s.pred_top!, confidence: s.pred_conf! };
      if (relevant && s.annotators > 0) reviewed = true;
      if (relevant && s.annotators >= 2) agreement = s.annot_disagree ? 0 : 1;
    }
    return { id: r.id, name: r.name, origin: r.origin, fs: r.fs, durationSec: r.duration_sec, leads: r.n_channels, modelReady: r.model_ready === 1, labels, prediction, reviewed, agreement };
  });
  return { total, rows };
}
