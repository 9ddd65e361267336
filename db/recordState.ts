/**
 * record_state: one row per record and label set with what the record list filters on (ground truth,
 * consensus, number of annotators, prediction of the active model, disagreement). Derived from
 * label_current and predictions; refreshed in the same transaction as every event that changes them.
 */
import type Database from 'better-sqlite3';
import { labelSet, type LabelSet } from './labelSets.ts';
import { stmt } from './statements.ts';

/** Majority of annotators: a class counts when more than half of them chose it; null without a majority. */
export function consensusMask(set: LabelSet, masks: number[]): number | null {
  if (masks.length === 0) return null;
  if (!set.multilabel) {
    const votes = new Map<number, number>();
    for (const m of masks) votes.set(m, (votes.get(m) ?? 0) + 1);
    for (const [m, v] of votes) if (v * 2 > masks.length) return m;
    return null;
  }
  let out = 0;
  for (let i = 0; i < set.classes.length; i++) {
    const v = masks.filter((m) => m & (1 << i)).length;
    if (v * 2 > masks.length) out |= 1 << i;
  }
  return out;
}

/** Ground truth: the latest value from a labels CSV (any non-header source), else the header's #Dx mapping. */
export function truthMask(rows: { kind: string; source: string; event_id: number; mask: number }[]): number | null {
  const gt = rows.filter((r) => r.kind === 'ground-truth');
  const files = gt.filter((r) => r.source !== 'header').sort((a, b) => b.event_id - a.event_id);
  if (files.length > 0) return files[0].mask;
  const header = gt.find((r) => r.source === 'header');
  return header ? header.mask : null;
}

export function activeVersion(db: Database.Database, task: string): string | null {
  const r = stmt(db, 'SELECT version FROM active_models WHERE task = ?').get(task) as { version: string } | undefined;
  return r?.version ?? null;
}

export function refreshState(db: Database.Database, recordId: number, setName: string): void {
  const set = labelSet(db, setName);
  const rows = stmt(db, 'SELECT kind, source, event_id, mask FROM label_current WHERE record_id = ? AND label_set = ?').all(recordId, setName) as {
    kind: string;
    source: string;
    event_id: number;
    mask: number;
  }[];
  const truth = truthMask(rows);
  const annot = rows.filter((r) => r.kind === 'annotator').map((r) => r.mask);
  const consensus = consensusMask(set, annot);
  const annotDisagree = annot.length > 1 && annot.some((m) => m !== annot[0]) ? 1 : 0;
  const active = activeVersion(db, setName);
  const pred = (
    active
      ? stmt(db, 'SELECT model_version, mask, top_class, confidence FROM predictions WHERE model_version = ? AND record_id = ?').get(active, recordId)
      : stmt(db, 'SELECT model_version, mask, top_class, confidence FROM predictions WHERE record_id = ? AND label_set = ? ORDER BY at DESC, model_version DESC LIMIT 1').get(recordId, setName)
  ) as { model_version: string; mask: number; top_class: string; confidence: number } | undefined;
  const reference = consensus ?? truth;
  const disagreement = annotDisagree || (pred && reference !== null && pred.mask !== reference) ? 1 : 0;
  stmt(
    db,
    `INSERT INTO record_state (record_id, label_set, truth_mask, consensus_mask, ref_mask, annotators, annot_disagree, pred_version, pred_mask, pred_top, pred_conf, disagreement)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (label_set, record_id) DO UPDATE SET truth_mask = excluded.truth_mask, consensus_mask = excluded.consensus_mask, ref_mask = excluded.ref_mask,
       annotators = excluded.annotators, annot_disagree = excluded.annot_disagree, pred_version = excluded.pred_version, pred_mask = excluded.pred_mask,
       pred_top = excluded.pred_top, pred_conf = excluded.pred_conf, disagreement = excluded.disagreement`,
  ).run(recordId, setName, truth, consensus, reference, annot.length, annotDisagree, pred?.model_version ?? null, pred?.mask ?? null, pred?.top_class ?? null, pred?.confidence ?? null, disagreement);
}
