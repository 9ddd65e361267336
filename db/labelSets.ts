/** Label sets (name, classes, single- or multilabel) and class lists ↔ bit masks. */
import type Database from 'better-sqlite3';
import { stmt } from './statements.ts';

export interface LabelSet {
  name: string;
  classes: string[];
  multilabel: boolean;
}

const byDb = new WeakMap<Database.Database, Map<string, LabelSet>>();

export function labelSets(db: Database.Database): Map<string, LabelSet> {
  let m = byDb.get(db);
  if (!m) {
    m = new Map();
    for (const r of stmt(db, 'SELECT name, classes, multilabel FROM label_sets ORDER BY name').all() as { name: string; classes: string; multilabel: number }[])
      m.set(r.name, { name: r.name, classes: JSON.parse(r.classes), multilabel: r.multilabel === 1 });
    byDb.set(db, m);
  }
  return m;
}

export function labelSet(db: Database.Database, name: string): LabelSet {
  const s = labelSets(db).get(name);
  if (!s) throw new Error(`unknown label set "${name}" (known: ${[...labelSets(db).keys()].join(', ')})`);
  return s;
}

/** Classes → mask; throws naming an unknown class, or several classes for a single-label set. */
export function classesToMask(set: LabelSet, classes: readonly string[]): number {
  let mask = 0;
  for (const c of classes) {
    const i = set.classes.indexOf(c);
    if (i < 0) throw new Error(`label set ${set.name} has no class "${c}" (classes: ${set.classes.join(', ')})`);
    mask |= 1 << i;
  }
  if (!set.multilabel && classes.length > 1 && new Set(classes).size > 1) throw new Error(`label set ${set.name} is single-label; got ${classes.join(', ')}`);
  return mask;
}

export function maskToClasses(set: LabelSet, mask: number): string[] {
  return set.classes.filter((_, i) => mask & (1 << i));
}
