/** The embedded demo set (demo/records + demo/labels.csv, see demo/NOTICE.md): offered on first start. */
import { fileURLToPath } from 'node:url';
import type { Archive } from './archive.ts';
import type { ImportOptions, ImportSummary } from './importer.ts';

export const DEMO_DIR = fileURLToPath(new URL('../demo/', import.meta.url));
export const DEMO_RECORDS = fileURLToPath(new URL('../demo/records/', import.meta.url));
export const DEMO_LABELS = fileURLToPath(new URL('../demo/labels.csv', import.meta.url));

/** Imports the demo records with their labels; loading it twice only counts duplicates. */
export function loadDemo(archive: Archive, opts: Omit<ImportOptions, 'labelsCsv'> = {}): ImportSummary {
  return archive.importPaths([DEMO_RECORDS], { ...opts, labelsCsv: DEMO_LABELS });
}
