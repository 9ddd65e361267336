/**
 * Labels CSV: a `record_id` column plus one column per label set, several values `;`-joined
 * (`A0001,cpsc2018,500,7500,,RBBB;PAC,...`). Other columns (`patient_id`, `source`, …) stay available.
 */
import { parse } from 'csv-parse/sync';
import { FormatError, type LabelsCsvRow } from './types.ts';

export function parseLabelsCsv(text: string, file: string, labelSets?: readonly string[]): LabelsCsvRow[] {
  let rows: string[][];
  try {
    rows = parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, {
      skip_empty_lines: true,
      relax_column_count: false,
      trim: true,
    }) as string[][];
  } catch (err) {
    throw new FormatError(file, `not a valid CSV file: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (rows.length === 0) throw new FormatError(file, 'labels CSV is empty');
  const header = rows[0];
  const idCol = header.findIndex((h) => h.toLowerCase() === 'record_id');
  if (idCol < 0) throw new FormatError(file, 'labels CSV has no record_id column');
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new FormatError(file, `labels CSV repeats the column "${dup}"`);
  for (const s of labelSets ?? []) if (!header.includes(s)) throw new FormatError(file, `labels CSV has no column for label set "${s}"`);
  const patientCol = header.findIndex((h) => h.toLowerCase() === 'patient_id');
  const labelCols = header
    .map((h, i) => [h, i] as const)
    .filter(([h, i]) => i !== idCol && i !== patientCol && (labelSets === undefined || labelSets.includes(h)));
  const seen = new Set<string>();
  return rows.slice(1).map((r, n) => {
    const recordId = r[idCol];
    if (recordId === '') throw new FormatError(file, `row ${n + 2}: empty record_id`);
    if (seen.has(recordId)) throw new FormatError(file, `row ${n + 2}: record_id ${recordId} appears twice`);
    seen.add(recordId);
    const labels: Record<string, string[]> = {};
    for (const [h, i] of labelCols) labels[h] = r[i].split(';').map((v) => v.trim()).filter((v) => v !== '');
    const columns: Record<string, string> = {};
    header.forEach((h, i) => (columns[h] = r[i]));
    return { recordId, labels, patientId: patientCol >= 0 && r[patientCol] !== '' ? r[patientCol] : null, columns };
  });
}
