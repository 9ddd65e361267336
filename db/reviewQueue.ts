/**
 * The review queue: records of a label set ordered by how much a human look is worth — the model's
 * uncertainty (smallest top-two margin, highest entropy) or disagreement between the prediction,
 * the reference label and the annotators. Records without a prediction come after, in id order.
 */
import type Database from 'better-sqlite3';
import { labelSet } from './labelSets.ts';
import { stmt } from './statements.ts';

export type QueueOrder = 'margin' | 'entropy' | 'disagreement';

export interface QueueOptions {
  labelSet: string;
  order: QueueOrder;
  /** Leave out records this annotator already labelled (unless includeReviewed). */
  annotator?: string;
  includeReviewed: boolean;
  limit: number;
}

/** Top-two margin of a probability vector (single-label) or distance of the closest class to 0.5 (multilabel). */
export function uncertaintyMargin(p: readonly number[], multilabel: boolean): number {
  if (multilabel) return Math.min(...p.map((x) => Math.abs(x - 0.5))) * 2;
  let a = -Infinity;
  let b = -Infinity;
  for (const x of p) {
    if (x > a) [a, b] = [x, a];
    else if (x > b) b = x;
  }
  return a - b;
}

/** Shannon entropy in bits: of the distribution (single-label) or summed over the per-class Bernoullis (multilabel). */
export function entropyBits(p: readonly number[], multilabel: boolean): number {
  const h = (x: number) => (x > 0 ? -x * Math.log2(x) : 0);
  return multilabel ? p.reduce((s, x) => s + h(x) + h(1 - x), 0) : p.reduce((s, x) => s + h(x), 0);
}

export function reviewQueue(db: Database.Database, opts: QueueOptions): { recordIds: number[]; scores: number[] } {
  const set = labelSet(db, opts.labelSet);
  const rows = stmt(
    db,
    `SELECT s.record_id AS id, s.disagreement, s.annotators, p.probabilities,
            EXISTS (SELECT 1 FROM label_current c WHERE c.record_id = s.record_id AND c.label_set = s.label_set
                    AND c.kind = 'annotator' AND (? IS NULL OR c.source = ?)) AS reviewed
       FROM record_state s
       JOIN records r ON r.id = s.record_id AND r.model_ready = 1
       LEFT JOIN predictions p ON p.model_version = s.pred_version AND p.record_id = s.record_id
      WHERE s.label_set = ?`,
  ).all(opts.annotator ?? null, opts.annotator ?? null, set.name) as { id: number; disagreement: number; annotators: number; probabilities: string | null; reviewed: number }[];
  const scored = rows
    .filter((r) => opts.includeReviewed || !r.reviewed)
    .map((r) => {
      const p = r.probabilities ? (JSON.parse(r.probabilities) as number[]) : null;
      // Higher score = review sooner.
      let score: number;
      if (!p) score = -Infinity;
      else if (opts.order === 'margin') score = 1 - uncertaintyMargin(p, set.multilabel);
      else if (opts.order === 'entropy') score = entropyBits(p, set.multilabel);
      else score = r.disagreement + (1 - uncertaintyMargin(p, set.multilabel)) * 0.5;
      return { id: r.id, score };
    })
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, opts.limit);
  return { recordIds: scored.map((s) => s.id), scores: scored.map((s) => (Number.isFinite(s.score) ? s.score : 0)) };
}
