/**
 * Labels with provenance. Every change is a row in label_events (append-only: triggers refuse UPDATE
 * and DELETE); an undo is a new event naming the event it undoes. label_current and record_state are
 * caches derived from the log, updated in the same transaction. Writes here run with synchronous=FULL.
 */
import type Database from 'better-sqlite3';
import { classesToMask, labelSet, labelSets, maskToClasses } from './labelSets.ts';
import { refreshState } from './recordState.ts';
import { nowIso, stmt } from './statements.ts';

export type LabelEventKind = 'ground-truth' | 'annotator' | 'model' | 'undo';

export interface LabelEvent {
  id: number;
  recordId: number;
  labelSet: string;
  classes: string[];
  source: string;
  kind: LabelEventKind;
  at: string;
  undoes: number | null;
}

interface EventRow {
  id: number;
  record_id: number;
  label_set: string;
  kind: LabelEventKind;
  source: string;
  classes: string;
  undoes: number | null;
  at: string;
}

function toEvent(r: EventRow): LabelEvent {
  return { id: r.id, recordId: r.record_id, labelSet: r.label_set, classes: JSON.parse(r.classes), source: r.source, kind: r.kind, at: r.at, undoes: r.undoes };
}

function appendEvent(db: Database.Database, e: { recordId: number; labelSet: string; kind: LabelEventKind; source: string; classes: string[]; mask: number; undoes?: number | null }): LabelEvent {
  const at = nowIso();
  const info = stmt(db, 'INSERT INTO label_events (record_id, label_set, kind, source, classes, mask, undoes, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    e.recordId,
    e.labelSet,
    e.kind,
    e.source,
    JSON.stringify(e.classes),
    e.mask,
    e.undoes ?? null,
    at,
  );
  return { id: Number(info.lastInsertRowid), recordId: e.recordId, labelSet: e.labelSet, classes: e.classes, source: e.source, kind: e.kind, at, undoes: e.undoes ?? null };
}

function setCurrent(db: Database.Database, recordId: number, set: string, kind: 'ground-truth' | 'annotator', source: string, eventId: number, mask: number): void {
  stmt(
    db,
    `INSERT INTO label_current (record_id, label_set, kind, source, event_id, mask) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (record_id, label_set, kind, source) DO UPDATE SET event_id = excluded.event_id, mask = excluded.mask`,
  ).run(recordId, set, kind, source, eventId, mask);
}

/** Runs fn in an IMMEDIATE transaction with synchronous=FULL (label and audit writes must survive power loss). */
export function durably<T>(db: Database.Database, fn: () => T): T {
  const before = db.pragma('synchronous', { simple: true }) as number;
  if (before !== 2) db.pragma('synchronous = FULL');
  try {
    return db.transaction(fn).immediate();
  } finally {
    if (before !== 2) db.pragma(`synchronous = ${before}`);
  }
}

function assertRecord(db: Database.Database, recordId: number): void {
  if (!stmt(db, 'SELECT 1 FROM records WHERE id = ?').get(recordId)) throw new Error(`no record with id ${recordId}`);
}

/**
 * Ground truth from a file (labels CSV name, or 'header' for #Dx). Appends an event only when the value
 * differs from that source's current one, so importing the same labels twice changes nothing.
 * Call inside a transaction. Returns whether an event was written.
 */
export function recordGroundTruth(db: Database.Database, recordId: number, setName: string, source: string, classes: readonly string[]): boolean {
  const set = labelSet(db, setName);
  const mask = classesToMask(set, classes);
  const cur = stmt(db, "SELECT mask FROM label_current WHERE record_id = ? AND label_set = ? AND kind = 'ground-truth' AND source = ?").get(recordId, setName, source) as
    | { mask: number }
    | undefined;
  if (cur && cur.mask === mask) return false;
  const ev = appendEvent(db, { recordId, labelSet: setName, kind: 'ground-truth', source, classes: maskToClasses(set, mask), mask });
  setCurrent(db, recordId, setName, 'ground-truth', source, ev.id, mask);
  refreshState(db, recordId, setName);
  return true;
}

export interface SetLabelsInput {
  recordId: number;
  labelSet: string;
  classes: string[];
  annotator: string;
}

export function setLabels(db: Database.Database, input: SetLabelsInput): LabelEvent {
  const annotator = input.annotator.trim();
  if (annotator === '') throw new Error('an annotator name is required');
  if (annotator === 'header') throw new Error('"header" is reserved for labels read from record headers');
  const set = labelSet(db, input.labelSet);
  const mask = classesToMask(set, input.classes);
  return durably(db, () => {
    assertRecord(db, input.recordId);
    const ev = appendEvent(db, { recordId: input.recordId, labelSet: set.name, kind: 'annotator', source: annotator, classes: maskToClasses(set, mask), mask });
    setCurrent(db, input.recordId, set.name, 'annotator', annotator, ev.id, mask);
    refreshState(db, input.recordId, set.name);
    return ev;
  });
}

/**
 * A model's suggested labels as an audit event (kind 'model', source = model version). It records what a
 * model said for provenance; it does not change ground truth, annotators' labels or consensus.
 */
export function recordModelLabels(db: Database.Database, input: { recordId: number; labelSet: string; classes: string[]; modelVersion: string }): LabelEvent {
  const set = labelSet(db, input.labelSet);
  const mask = classesToMask(set, input.classes);
  return durably(db, () => {
    assertRecord(db, input.recordId);
    return appendEvent(db, { recordId: input.recordId, labelSet: set.name, kind: 'model', source: input.modelVersion, classes: maskToClasses(set, mask), mask });
  });
}

/**
 * Undoes the annotator's latest label that is still in effect: appends an 'undo' event whose value is what
 * that annotator had before (or [] when nothing), and restores it. Returns null when there is nothing to undo.
 */
export function undoLast(db: Database.Database, input: { annotator: string; labelSet?: string }): LabelEvent | null {
  const annotator = input.annotator.trim();
  return durably(db, () => {
    const target = stmt(
      db,
      `SELECT e.* FROM label_events e WHERE e.kind = 'annotator' AND e.source = ? AND (? IS NULL OR e.label_set = ?)
         AND NOT EXISTS (SELECT 1 FROM label_events u WHERE u.undoes = e.id) ORDER BY e.id DESC LIMIT 1`,
    ).get(annotator, input.labelSet ?? null, input.labelSet ?? null) as EventRow | undefined;
    if (!target) return null;
    const previous = stmt(
      db,
      `SELECT e.* FROM label_events e WHERE e.kind = 'annotator' AND e.source = ? AND e.record_id = ? AND e.label_set = ? AND e.id < ?
         AND NOT EXISTS (SELECT 1 FROM label_events u WHERE u.undoes = e.id) ORDER BY e.id DESC LIMIT 1`,
    ).get(annotator, target.record_id, target.label_set, target.id) as (EventRow & { mask: number }) | undefined;
    const set = labelSet(db, target.label_set);
    const mask = previous ? previous.mask : 0;
    const ev = appendEvent(db, { recordId: target.record_id, labelSet: target.label_set, kind: 'undo', source: annotator, classes: maskToClasses(set, mask), mask, undoes: target.id });
    if (previous) setCurrent(db, target.record_id, target.label_set, 'annotator', annotator, previous.id, previous.mask);
    else stmt(db, "DELETE FROM label_current WHERE record_id = ? AND label_set = ? AND kind = 'annotator' AND source = ?").run(target.record_id, target.label_set, annotator);
    refreshState(db, target.record_id, target.label_set);
    return ev;
  });
}

/** Every label event of a record, oldest first. */
export function history(db: Database.Database, recordId: number): LabelEvent[] {
  return (stmt(db, 'SELECT * FROM label_events WHERE record_id = ? ORDER BY id').all(recordId) as EventRow[]).map(toEvent);
}

/** Per label set, the annotators whose label is in effect on the record. */
export function reviewedState(db: Database.Database, recordId: number): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of labelSets(db).keys()) out[name] = [];
  for (const r of stmt(db, "SELECT label_set, source FROM label_current WHERE record_id = ? AND kind = 'annotator' ORDER BY source").all(recordId) as { label_set: string; source: string }[])
    (out[r.label_set] ??= []).push(r.source);
  return out;
}

/** Current classes per annotator for a label set: annotator → recordId → classes. */
export function annotatorLabels(db: Database.Database, setName: string): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const r of stmt(db, "SELECT record_id, source, mask FROM label_current WHERE label_set = ? AND kind = 'annotator'").all(setName) as { record_id: number; source: string; mask: number }[]) {
    if (!out.has(r.source)) out.set(r.source, new Map());
    out.get(r.source)!.set(r.record_id, r.mask);
  }
  return out;
}
