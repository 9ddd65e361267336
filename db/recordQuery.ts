/**
 * Record list: filter, search, sort and paginate. State filters (label, prediction, disagreement,
 * confidence, reviewed) run against record_state (primary key (label_set, record_id), kept current by
 * every label and prediction write), so a page costs one indexed probe per candidate record.
 */
import type Database from 'better-sqlite3';
import { labelSet, labelSets, maskToClasses, type LabelSet } from './labelSets.ts';

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
  confidence: 's.pred_conf, r.id',
  imported: 'r.id',
};

/** The label set a class belongs to (the given set, or the only set that has the class). */
function setForClass(db: Database.Database, set: string | undefined, cls: string): LabelSet {
  if (set) {
    const s = labelSet(db, set);
    if (!s.classes.includes(cls)) throw new Error(`label set ${s.name} has no class "${cls}"`);
    return s;
  }
  const sets = [...labelSets(db).values()].filter((s) => s.classes.includes(cls));
  if (sets.length === 0) throw new Error(`no label set has a class "${cls}"`);
  if (sets.length > 1) throw new Error(`class "${cls}" is in several label sets (${sets.map((s) => s.name).join(', ')}); name the label set`);
  return sets[0];
}

/** Every mask value that contains the class (one for a single-label set): an IN list the ref_mask index can serve. */
function masksWith(set: LabelSet, cls: string): number[] {
  const bit = 1 << set.classes.indexOf(cls);
  if (!set.multilabel) return [bit];
  const out: number[] = [];
  for (let m = 1; m < 1 << set.classes.length; m++) if (m & bit) out.push(m);
  return out;
}

export function listRecords(db: Database.Database, f: RecordFilter = {}): { total: number; rows: RecordListRow[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.search) {
    where.push('(instr(lower(r.name), ?) > 0 OR instr(lower(r.origin), ?) > 0)');
    args.push(f.search.toLowerCase(), f.search.toLowerCase());
  }
  if (f.origin) {
    where.push('r.origin = ?');
    args.push(f.origin);
  }
  if (f.modelReady !== undefined) {
    where.push('r.model_ready = ?');
    args.push(f.modelReady ? 1 : 0);
  }
  // State conditions on record_state s (every record has one row per label set).
  let set: LabelSet | null = f.labelSet ? labelSet(db, f.labelSet) : null;
  if (!set && f.label) set = setForClass(db, undefined, f.label);
  if (!set && f.prediction) set = setForClass(db, undefined, f.prediction);
  const state: string[] = [];
  const stateArgs: unknown[] = [];
  if (f.label) {
    const masks = masksWith(setForClass(db, set?.name, f.label), f.label);
    state.push(`s.ref_mask IN (${masks.map(() => '?').join(',')})`);
    stateArgs.push(...masks);
  }
  if (f.prediction) {
    setForClass(db, set?.name, f.prediction);
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
  const sort = f.sort ?? 'name';
  let from: string;
  let fromArgs: unknown[] = [];
  if (set) {
    // One label set: drive the query from record_state, whose indexes serve every state filter and the confidence sort.
    from = 'record_state s JOIN records r ON r.id = s.record_id';
    where.unshift('s.label_set = ?');
    args.unshift(set.name);
    if (f.reviewed !== undefined) state.push(f.reviewed ? 's.annotators > 0' : 's.annotators = 0');
    where.push(...state);
    args.push(...stateArgs);
  } else {
    // No label set: a state condition holds when it holds in any set.
    from = 'records r';
    if (f.reviewed !== undefined) state.push('s.annotators > 0');
    const conds = state.filter((c) => !(f.reviewed === false && c === 's.annotators > 0'));
    if (conds.length > 0) {
      where.push(`EXISTS (SELECT 1 FROM record_state s WHERE s.label_set IN (SELECT name FROM label_sets) AND s.record_id = r.id AND ${conds.join(' AND ')})`);
      args.push(...stateArgs);
    }
    if (f.reviewed === false) where.push('NOT EXISTS (SELECT 1 FROM record_state s WHERE s.label_set IN (SELECT name FROM label_sets) AND s.record_id = r.id AND s.annotators > 0)');
    if (sort === 'confidence') {
      from = 'records r LEFT JOIN (SELECT record_id, max(pred_conf) AS pred_conf FROM record_state GROUP BY record_id) s ON s.record_id = r.id';
      fromArgs = [];
    }
  }
  const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = db.prepare(`SELECT count(*) FROM ${from} ${whereSql}`).pluck().get(...fromArgs, ...args) as number;
  const dir = f.desc ? 'DESC' : 'ASC';
  const order = SORT[sort]
    .split(', ')
    .map((c) => `${c} ${dir}`)
    .join(', ');
  const page = db
    .prepare(`SELECT r.id, r.name, r.origin, r.fs, r.duration_sec, r.n_channels, r.model_ready FROM ${from} ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...fromArgs, ...args, f.limit ?? 100, f.offset ?? 0) as { id: number; name: string; origin: string; fs: number; duration_sec: number; n_channels: number; model_ready: number }[];
  // record_state's key is (label_set, record_id): naming the sets lets SQLite search the key instead of
  // scanning the table once per listed row.
  const stateOf = db.prepare('SELECT * FROM record_state WHERE label_set IN (SELECT name FROM label_sets) AND record_id = ?');
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
