/** Prepared statements cached per connection (better-sqlite3 statements are cheap to run, not to prepare). */
import type Database from 'better-sqlite3';

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export function stmt(db: Database.Database, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** A cached statement that returns the first column only (kept apart: pluck() changes a statement for every user). */
export function pluck(db: Database.Database, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  const key = `pluck\u0000${sql}`;
  let s = m.get(key);
  if (!s) m.set(key, (s = db.prepare(sql).pluck()));
  return s;
}
