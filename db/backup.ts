/**
 * Backup and restore. Backup uses SQLite's online backup API (better-sqlite3 `db.backup()`): a consistent
 * copy while the archive stays in use, written to a temp name and renamed into place. Restore validates
 * the backup (opens, integrity_check = ok, schema not newer than ours, is an x3ecg archive), copies it next
 * to the archive, keeps the current archive as `<archive>.before-restore`, then renames the copy into place.
 */
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import Database from 'better-sqlite3';
import { NewerSchemaError, SCHEMA_VERSION, userVersion } from './migrate.ts';

function tempBeside(file: string, tag: string): string {
  return join(dirname(file), `.${basename(file)}.${tag}-${process.pid}-${Date.now()}`);
}

function removeDb(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
}

function setJournalMode(file: string, mode: 'DELETE' | 'WAL'): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma(`journal_mode = ${mode}`);
  } finally {
    db.close();
  }
}

/**
 * Checks that `file` is a sound x3ecg archive this version can open; throws naming the file and the problem.
 * `quick` runs quick_check (O(pages), skips index cross-checks) instead of the full integrity_check.
 */
export function validateArchiveFile(file: string, opts: { quick?: boolean } = {}): { records: number; schemaVersion: number } {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file}: not an SQLite database (${(err as Error).message})`);
  }
  try {
    let check: string;
    try {
      check = db.pragma(opts.quick ? 'quick_check' : 'integrity_check', { simple: true }) as string;
    } catch (err) {
      throw new Error(`${file}: not a readable SQLite database (${(err as Error).message})`);
    }
    if (check !== 'ok') throw new Error(`${file}: integrity check failed: ${check}`);
    const v = userVersion(db);
    if (v > SCHEMA_VERSION) throw new NewerSchemaError(file, v, SCHEMA_VERSION);
    const hasRecords = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records'").get();
    if (v < 1 || !hasRecords) throw new Error(`${file}: not an x3ecg archive (no records table)`);
    return { records: db.prepare('SELECT count(*) FROM records').pluck().get() as number, schemaVersion: v };
  } finally {
    db.close();
  }
}

/** Online backup of an open connection to `outFile` (temp name, then rename). */
export async function backupDatabase(db: Database.Database, outFile: string): Promise<{ records: number; pages: number }> {
  const tmp = tempBeside(outFile, 'backup');
  try {
    const res = await db.backup(tmp);
    // The copy keeps WAL mode in its header; make it a single self-contained file.
    setJournalMode(tmp, 'DELETE');
    const { records } = validateArchiveFile(tmp);
    renameSync(tmp, outFile);
    return { records, pages: res.totalPages };
  } catch (err) {
    removeDb(tmp);
    throw err;
  }
}

/** Backs up an archive file (opened read-only, so a running app can keep writing). */
export async function backupArchiveFile(archiveFile: string, outFile: string): Promise<{ records: number; pages: number }> {
  // A quick look at the source (schema version, is an archive); the copy gets the full integrity check.
  validateArchiveFile(archiveFile, { quick: true });
  const db = new Database(archiveFile, { readonly: true, fileMustExist: true });
  try {
    return await backupDatabase(db, outFile);
  } finally {
    db.close();
  }
}

/** Restores `fromFile` as `archiveFile`. Run it with the app closed (nothing may hold the archive open). */
export async function restoreArchive(fromFile: string, archiveFile: string): Promise<{ records: number; previous: string | null }> {
  validateArchiveFile(fromFile);
  const tmp = tempBeside(archiveFile, 'restore');
  try {
    const src = new Database(fromFile, { readonly: true, fileMustExist: true });
    try {
      await src.backup(tmp);
    } finally {
      src.close();
    }
    // Validate as a plain rollback-journal file (a read-only WAL open would leave -wal/-shm behind), then
    // switch it to WAL with a read-write connection, whose close removes its WAL files.
    setJournalMode(tmp, 'DELETE');
    const { records } = validateArchiveFile(tmp);
    setJournalMode(tmp, 'WAL');
    let previous: string | null = null;
    if (existsSync(archiveFile)) {
      // Fold the current WAL into the main file so the kept copy is complete and no stale WAL survives.
      const cur = new Database(archiveFile);
      cur.pragma('wal_checkpoint(TRUNCATE)');
      cur.close();
      previous = `${archiveFile}.before-restore`;
      copyFileSync(archiveFile, previous);
    }
    rmSync(`${archiveFile}-wal`, { force: true });
    rmSync(`${archiveFile}-shm`, { force: true });
    renameSync(tmp, archiveFile);
    return { records, previous };
  } catch (err) {
    removeDb(tmp);
    throw err;
  }
}
