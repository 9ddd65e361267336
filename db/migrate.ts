/**
 * Schema migrations: db/migrations/NNN_name.sql, applied in order, each in its own transaction, with
 * PRAGMA user_version = NNN of the last one applied. A database whose user_version is newer than the
 * newest file here was written by a newer x3ecg and is refused (opening it could misread it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';

const dir = new URL('./migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(new URL(f, dir), 'utf8') }));
}

export const SCHEMA_VERSION = Math.max(0, ...listMigrations().map((m) => m.version));

export class NewerSchemaError extends Error {
  constructor(
    readonly file: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `${file}: this archive has schema version ${found}, newer than the ${supported} this x3ecg understands; ` +
        'it was written by a newer x3ecg — upgrade x3ecg to open it (the file was not changed)',
    );
    this.name = 'NewerSchemaError';
  }
}

export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Throws NewerSchemaError when the file is from a newer version; otherwise applies pending steps (unless readonly). */
export function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const current = userVersion(db);
  if (current > SCHEMA_VERSION) throw new NewerSchemaError(file, current, SCHEMA_VERSION);
  const pending = listMigrations().filter((m) => m.version > current);
  if (pending.length === 0) return;
  if (readonly) throw new Error(`${file}: archive schema version ${current} needs upgrading to ${SCHEMA_VERSION}; open it read-write once`);
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
