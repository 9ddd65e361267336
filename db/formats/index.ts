/**
 * Entry points of the ECG file parsers. Everything below is pure except this file's small fs edge:
 * findRecords walks folders, readRecord reads one record's files (sync) and returns a ParsedRecord or
 * throws FormatError(file, reason).
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { FormatError, type ParsedRecord, type RecordSource } from './types.ts';
import type { FileAccess } from './fileAccess.ts';
import { DEFAULT_LIMITS, readWfdbRecord, type ReadLimits } from './wfdbRecord.ts';
import { parseEdf } from './edf.ts';
import { parseCsvEcg } from './csvEcg.ts';
import { decodeUtf8 } from './numbers.ts';
import { canonicalLead } from './leadNames.ts';

export { FormatError } from './types.ts';
export type { ParsedRecord, ParsedChannel, RecordSource, LabelsCsvRow, WfdbExportInput, WfdbExportChannel } from './types.ts';
export { parseLabelsCsv } from './labelsCsv.ts';
export { writeWfdbRecord } from './wfdbWriter.ts';
export { mapDx, mapScpCodes, parseScpCodes, dxToSnomed, CHAPMAN4, CPSC9, type MappedLabels, type Chapman4, type Cpsc9 } from './dxCodes.ts';
export { canonicalLead, STANDARD_LEADS } from './leadNames.ts';
export { memoryFiles, type FileAccess } from './fileAccess.ts';
export { readWfdbRecord, DEFAULT_LIMITS, type ReadLimits } from './wfdbRecord.ts';
export { parseEdf } from './edf.ts';
export { parseCsvEcg } from './csvEcg.ts';

/**
 * Largest EDF or CSV file read whole, from the sample limit: an EDF/BDF sample takes ≥ 2 bytes (plus headers and
 * annotations), a CSV value ≥ 2 characters; larger files could not decode within the limit anyway.
 */
function maxFileBytes(kind: 'edf' | 'csv', limits: ReadLimits): number {
  return kind === 'edf' ? 4 * limits.maxTotalSamples + 256 * 4097 : 2 * limits.maxTotalSamples;
}

/** A FileAccess over one folder on disk. */
export function folderFiles(dir: string): FileAccess {
  return {
    path: (name) => join(dir, name),
    size: (name) => {
      try {
        const st = statSync(join(dir, name));
        return st.isFile() ? st.size : null;
      } catch {
        return null;
      }
    },
    read: (name, start = 0, length = Infinity) => {
      const p = join(dir, name);
      if (start === 0 && length === Infinity) return readFileSync(p);
      const fd = openSync(p, 'r');
      try {
        const size = fstatSync(fd).size;
        const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - start)));
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, start + got);
          if (n === 0) break;
          got += n;
        }
        return buf.subarray(0, got);
      } finally {
        closeSync(fd);
      }
    },
  };
}

function head(path: string, bytes: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const latin = new TextDecoder('latin1');

/** Segment and layout headers named by a multi-segment header (they are parts of that record, not records). */
function segmentNames(headerPath: string): string[] {
  // The record line decides; only a multi-segment header is read further (up to 1 MiB).
  const first = latin.decode(head(headerPath, 4096));
  const recordLine = first.split(/\r\n|\r|\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (recordLine === undefined || !/^\S+\/\d+\s/.test(recordLine)) return [];
  const lines = latin.decode(head(headerPath, 1024 * 1024)).split(/\r\n|\r|\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const m = /^\S+\/(\d+)\s/.exec(lines[0]);
  if (!m) return [];
  return lines.slice(1, 1 + Number(m[1])).map((l) => l.split(/\s+/)[0]).filter((n) => n !== '~');
}

/** A CSV is an ECG record when it starts with a `# …` line or its header row names a lead or a time column. */
function csvKind(path: string): 'csv' | 'labels' | 'other' {
  const text = latin.decode(head(path, 16 * 1024));
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '');
  if (first === undefined) return 'csv';
  if (first.trim().startsWith('#')) return 'csv';
  const cells = first.split(/[,;\t]/).map((c) => c.trim().replace(/^"|"$/g, ''));
  if (cells.some((c) => c.toLowerCase() === 'record_id')) return 'labels';
  if (cells.some((c) => canonicalLead(c) !== null)) return 'csv';
  if (cells.length === 12 && cells.every((c) => /^[+-]?[\d.eE+-]+$/.test(c))) return 'csv';
  return 'other';
}

/**
 * Walks files and folders (recursively, in sorted order, following each real folder once) and lists the
 * records to read. Signal files, annotation files, labels CSVs, READMEs and anything unknown are `skipped`;
 * paths that do not exist or cannot be read are `skipped` too and also listed in `unreadable` with the reason.
 */
export function findRecords(paths: string[]): { records: RecordSource[]; skipped: string[]; unreadable: { file: string; reason: string }[] } {
  const records: RecordSource[] = [];
  const skipped: string[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const headers: string[] = [];

  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      skipped.push(p);
      unreadable.push({ file: p, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : String((err as Error).message) });
      return;
    }
    if (st.isDirectory()) {
      let real: string;
      let names: string[];
      try {
        real = realpathSync(p);
        if (seenDirs.has(real)) return;
        seenDirs.add(real);
        names = readdirSync(p).sort();
      } catch (err) {
        unreadable.push({ file: p, reason: String((err as Error).message) });
        return;
      }
      for (const n of names) if (!n.startsWith('.')) visit(join(p, n));
      return;
    }
    const key = resolve(p);
    if (seenFiles.has(key)) return;
    seenFiles.add(key);
    if (!st.isFile()) {
      skipped.push(p);
      return;
    }
    const ext = extname(p).toLowerCase();
    try {
      if (ext === '.hea') headers.push(p);
      else if (ext === '.edf' || ext === '.bdf') records.push({ kind: 'edf', entry: p });
      else if (ext === '.csv') {
        if (csvKind(p) === 'csv') records.push({ kind: 'csv', entry: p });
        else skipped.push(p);
      } else skipped.push(p);
    } catch (err) {
      skipped.push(p);
      unreadable.push({ file: p, reason: String((err as Error).message) });
    }
  };
  for (const p of paths) visit(p);

  const parts = new Set<string>();
  for (const h of headers) {
    try {
      for (const s of segmentNames(h)) parts.add(join(dirname(h), `${s}.hea`));
    } catch {
      // unreadable header: readRecord will report it
    }
  }
  for (const h of headers) {
    if (parts.has(h)) skipped.push(h);
    else records.push({ kind: 'wfdb', entry: h });
  }
  records.sort((a, b) => (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0));
  return { records, skipped, unreadable };
}

function stem(path: string): string {
  const b = basename(path);
  const e = extname(b);
  return e ? b.slice(0, -e.length) : b;
}

/**
 * Pure core of readRecord: reads the record whose entry file is `entryName` through `files`. Throws FormatError
 * for anything wrong with the bytes; any other exception here is a parser bug (the fuzz test relies on that).
 */
export function parseRecordFiles(kind: RecordSource['kind'], files: FileAccess, entryName: string, limits: ReadLimits = DEFAULT_LIMITS): ParsedRecord {
  if (kind === 'wfdb') return readWfdbRecord(files, entryName, limits);
  const path = files.path(entryName);
  if (kind !== 'edf' && kind !== 'csv') throw new FormatError(path, `unknown record kind "${String(kind)}"`);
  const size = files.size(entryName);
  if (size === null) throw new FormatError(path, 'file not found');
  if (size === 0) throw new FormatError(path, 'file is empty (0 bytes)');
  const max = maxFileBytes(kind, limits);
  if (size > max) throw new FormatError(path, `file is ${size} bytes, larger than the ${max}-byte limit for ${kind.toUpperCase()} records`);
  const bytes = files.read(entryName);
  if (kind === 'edf') return parseEdf(bytes, path, stem(entryName), { maxTotalSamples: limits.maxTotalSamples });
  const text = decodeUtf8(bytes);
  if (text === null) throw new FormatError(path, 'CSV is not valid UTF-8 text');
  return parseCsvEcg(text, path, stem(entryName), limits.maxTotalSamples);
}

/** Reads one record from disk. Throws only FormatError (file and reason), whatever is wrong with the files. */
export function readRecord(src: RecordSource, limits: ReadLimits = DEFAULT_LIMITS): ParsedRecord {
  try {
    return parseRecordFiles(src.kind, folderFiles(dirname(src.entry)), basename(src.entry), limits);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    // I/O errors (permissions, a folder named like a file, a file removed meanwhile) still name the file.
    const reason = err instanceof RangeError ? `cannot decode: ${err.message}` : err instanceof Error ? err.message : String(err);
    throw new FormatError(src.entry, reason);
  }
}
