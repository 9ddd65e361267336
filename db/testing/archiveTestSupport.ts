/** Helpers for the archive tests: temp archives, the shared data folder, the CLI in a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
export const LABELS = join(DATA, 'labels.csv');

export function tempDir(prefix = 'x3ecg-db-'): { dir: string; path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (n) => join(dir, n), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `node bin/x3ecg.mjs ...args` and returns its exit status and output. */
export function runCli(args: string[], timeoutMs = 170_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/x3ecg.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** labels.csv rows, read independently of the project's parsers. */
export function sharedLabelRows(): Record<string, string>[] {
  return parse(readFileSync(LABELS, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

/** Per label set, class → number of records carrying it, computed straight from labels.csv. */
export function countsFromLabelsCsv(rows: Record<string, string>[], sets: Record<string, string[]>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [set, classes] of Object.entries(sets)) {
    out[set] = Object.fromEntries(classes.map((c) => [c, 0]));
    for (const r of rows) for (const c of (r[set] ?? '').split(';').map((s) => s.trim()).filter(Boolean)) out[set][c]++;
  }
  return out;
}

export const SETS = {
  chapman4: ['SB', 'AFIB', 'GSVT', 'SR'],
  cpsc9: ['Normal', 'AF', 'I-AVB', 'LBBB', 'RBBB', 'PAC', 'PVC', 'STD', 'STE'],
};

export function sameInts(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
