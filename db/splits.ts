/**
 * Named splits of the archive into parts (train/val/test…). Stratified by class, patient-aware (all
 * records of a patient land in one part; records without a patient id are their own group), and
 * reproducible: the same records, labels, fractions and seed give the same split. Or an explicit list.
 */
import type Database from 'better-sqlite3';
import { nowIso, pluck, stmt } from './statements.ts';

export interface SplitItem {
  recordId: number;
  patientId: string | null;
  classes: string[];
}

/** mulberry32: a small seeded PRNG, good enough to shuffle. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Pure split. Groups (patients) are stratified by their rarest class (multilabel: the least frequent
 * class among the group's labels, so thin classes spread first); within each stratum groups are shuffled
 * and dealt to the part furthest below its target share. Returns recordId → part.
 */
export function stratifiedSplit(items: SplitItem[], fractions: Record<string, number>, seed: number): Map<number, string> {
  const parts = Object.keys(fractions);
  const totalF = parts.reduce((s, p) => s + fractions[p], 0);
  if (parts.length === 0 || !(totalF > 0) || parts.some((p) => !(fractions[p] >= 0))) throw new RangeError('split fractions must be non-negative and sum to more than 0');
  const freq = new Map<string, number>();
  for (const it of items) for (const c of it.classes) freq.set(c, (freq.get(c) ?? 0) + 1);
  const groups = new Map<string, SplitItem[]>();
  for (const it of [...items].sort((a, b) => a.recordId - b.recordId)) {
    const key = it.patientId !== null ? `p:${it.patientId}` : `r:${it.recordId}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(it);
  }
  const strata = new Map<string, SplitItem[][]>();
  for (const g of groups.values()) {
    const classes = [...new Set(g.flatMap((i) => i.classes))].sort((a, b) => (freq.get(a)! - freq.get(b)!) || (a < b ? -1 : 1));
    const key = classes[0] ?? '';
    if (!strata.has(key)) strata.set(key, []);
    strata.get(key)!.push(g);
  }
  const rand = seededRandom(seed);
  const out = new Map<number, string>();
  for (const key of [...strata.keys()].sort()) {
    const gs = shuffle(strata.get(key)!, rand);
    const n = gs.reduce((s, g) => s + g.length, 0);
    const have = new Map(parts.map((p) => [p, 0]));
    for (const g of gs) {
      // The part with the largest deficit against its target share of this stratum.
      let best = parts[0];
      let bestDef = -Infinity;
      for (const p of parts) {
        const def = (fractions[p] / totalF) * n - have.get(p)!;
        if (def > bestDef) [best, bestDef] = [p, def];
      }
      have.set(best, have.get(best)! + g.length);
      for (const it of g) out.set(it.recordId, best);
    }
  }
  return out;
}

export interface SplitInfo {
  name: string;
  labelSet: string | null;
  seed: number | null;
  params: unknown;
  createdAt: string;
  parts: Record<string, number[]>;
}

export function saveSplit(db: Database.Database, name: string, assignment: Map<number, string>, meta: { labelSet: string | null; seed: number | null; params: unknown }): void {
  db.transaction(() => {
    if (stmt(db, 'SELECT 1 FROM splits WHERE name = ?').get(name)) throw new Error(`a split named "${name}" already exists`);
    stmt(db, 'INSERT INTO splits (name, label_set, seed, params, created_at) VALUES (?, ?, ?, ?, ?)').run(name, meta.labelSet, meta.seed, JSON.stringify(meta.params ?? null), nowIso());
    const ins = stmt(db, 'INSERT INTO split_members (split, record_id, part) VALUES (?, ?, ?)');
    for (const [id, part] of assignment) ins.run(name, id, part);
  }).immediate();
}

export function getSplit(db: Database.Database, name: string): SplitInfo {
  const s = stmt(db, 'SELECT * FROM splits WHERE name = ?').get(name) as { name: string; label_set: string | null; seed: number | null; params: string; created_at: string } | undefined;
  if (!s) throw new Error(`no split named "${name}"`);
  const parts: Record<string, number[]> = {};
  for (const m of stmt(db, 'SELECT record_id, part FROM split_members WHERE split = ? ORDER BY record_id').all(name) as { record_id: number; part: string }[])
    (parts[m.part] ??= []).push(m.record_id);
  return { name: s.name, labelSet: s.label_set, seed: s.seed, params: JSON.parse(s.params), createdAt: s.created_at, parts };
}

export function listSplits(db: Database.Database): string[] {
  return pluck(db, 'SELECT name FROM splits ORDER BY name').all() as string[];
}
