/**
 * Inter-rater agreement. Pure maths: Cohen's kappa for two raters and Fleiss' kappa for a fixed number
 * of ratings per subject. Multilabel values are compared as whole sets (a category per distinct set).
 */

/** Cohen's kappa of two raters' categorical labels over the same items. NaN when undefined (no variation). */
export function cohenKappa(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  if (a.length !== b.length) throw new RangeError(`cohenKappa: ${a.length} vs ${b.length} ratings`);
  const n = a.length;
  if (n === 0) return NaN;
  const cats = [...new Set([...a, ...b])];
  let agree = 0;
  const pa = new Map<string | number, number>();
  const pb = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    pa.set(a[i], (pa.get(a[i]) ?? 0) + 1);
    pb.set(b[i], (pb.get(b[i]) ?? 0) + 1);
  }
  const po = agree / n;
  const pe = cats.reduce<number>((s, c) => s + ((pa.get(c) ?? 0) / n) * ((pb.get(c) ?? 0) / n), 0);
  return pe === 1 ? NaN : (po - pe) / (1 - pe);
}

/**
 * Fleiss' kappa from a subjects × categories count matrix (counts[i][j] = raters who put subject i in
 * category j); every subject must have the same number of ratings (≥ 2).
 */
export function fleissKappa(counts: readonly (readonly number[])[]): number {
  const N = counts.length;
  if (N === 0) return NaN;
  const n = counts[0].reduce((s, x) => s + x, 0);
  if (n < 2) throw new RangeError('fleissKappa: each subject needs at least two ratings');
  const k = counts[0].length;
  const pj = new Array<number>(k).fill(0);
  let pBar = 0;
  for (const row of counts) {
    const sum = row.reduce((s, x) => s + x, 0);
    if (sum !== n || row.length !== k) throw new RangeError(`fleissKappa: every subject needs ${n} ratings over ${k} categories`);
    let sq = 0;
    row.forEach((x, j) => {
      pj[j] += x;
      sq += x * x;
    });
    pBar += (sq - n) / (n * (n - 1));
  }
  pBar /= N;
  const pe = pj.reduce((s, x) => s + (x / (N * n)) ** 2, 0);
  return pe === 1 ? NaN : (pBar - pe) / (1 - pe);
}

export interface AgreementReport {
  annotators: string[];
  /** "a|b" → Cohen's kappa over the records both labelled. */
  cohen: Record<string, number>;
  /** Fleiss' kappa over the records every annotator labelled (null when < 2 annotators or no such record). */
  fleiss: number | null;
  /** Records whose annotators disagree. */
  conflicts: number[];
}

/** Agreement from annotator → recordId → label mask. */
export function agreementReport(byAnnotator: Map<string, Map<number, number>>): AgreementReport {
  const annotators = [...byAnnotator.keys()].sort();
  const cohen: Record<string, number> = {};
  for (let i = 0; i < annotators.length; i++)
    for (let j = i + 1; j < annotators.length; j++) {
      const A = byAnnotator.get(annotators[i])!;
      const B = byAnnotator.get(annotators[j])!;
      const shared = [...A.keys()].filter((id) => B.has(id));
      if (shared.length > 0) cohen[`${annotators[i]}|${annotators[j]}`] = cohenKappa(shared.map((id) => A.get(id)!), shared.map((id) => B.get(id)!));
    }
  const records = new Set<number>();
  for (const m of byAnnotator.values()) for (const id of m.keys()) records.add(id);
  const conflicts: number[] = [];
  for (const id of records) {
    const values = new Set(annotators.map((a) => byAnnotator.get(a)!.get(id)).filter((v) => v !== undefined));
    if (values.size > 1) conflicts.push(id);
  }
  let fleiss: number | null = null;
  if (annotators.length >= 2) {
    const all = [...records].filter((id) => annotators.every((a) => byAnnotator.get(a)!.has(id)));
    if (all.length > 0) {
      const cats = [...new Set(all.flatMap((id) => annotators.map((a) => byAnnotator.get(a)!.get(id)!)))];
      const k = fleissKappa(all.map((id) => cats.map((c) => annotators.filter((a) => byAnnotator.get(a)!.get(id) === c).length)));
      fleiss = Number.isNaN(k) ? null : k;
    }
  }
  return { annotators, cohen, fleiss, conflicts: conflicts.sort((a, b) => a - b) };
}
