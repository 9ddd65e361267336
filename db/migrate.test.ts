import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openArchive } from './archive.ts';
import { listMigrations, NewerSchemaError, SCHEMA_VERSION } from './migrate.ts';
import { runCli, tempDir } from './testing/archiveTestSupport.ts';

const tmp = tempDir();
after(() => tmp.remove());

test('a new archive gets every migration; user_version = the newest step; reopening changes nothing', () => {
  const f = tmp.path('new.x3ecg');
  const a = openArchive(f);
  assert.equal(a.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(SCHEMA_VERSION, listMigrations().at(-1)!.version);
  a.close();
  openArchive(f).close();
});

test('an archive from a newer x3ecg is refused with a clear message and left untouched (API and CLI)', () => {
  const f = tmp.path('future.x3ecg');
  openArchive(f).close();
  const db = new Database(f);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const bytes = readFileSync(f);
  assert.throws(
    () => openArchive(f),
    (e: unknown) => e instanceof NewerSchemaError && e.message.includes(f) && /newer than the \d+ this x3ecg understands/.test(e.message) && /upgrade x3ecg/.test(e.message),
  );
  assert.throws(() => openArchive(f, { readonly: true }), NewerSchemaError);
  const r = runCli(['stats', '--archive', f, '--json']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /schema version \d+, newer than/);
  assert.ok(bytes.equals(readFileSync(f)));
});

test('stats on a missing archive says so', () => {
  const r = runCli(['stats', '--archive', tmp.path('nope.x3ecg'), '--json']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /no such archive/);
});
