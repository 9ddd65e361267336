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

test('an archive at schema step 1 is upgraded in place: step 2 backfills the reference mask and state rows', () => {
  const f = tmp.path('v1.x3ecg');
  const db = new Database(f);
  const [step1] = listMigrations();
  db.exec(step1.sql);
  db.pragma('user_version = 1');
  db.prepare(
    `INSERT INTO records (id, name, source_name, origin, format, fs, duration_sec, n_channels, lead_names, content_hash, model_ready, imported_at)
     VALUES (1, 'R1', 'R1', 'x', 'wfdb', 500, 10, 0, '[]', 'h1', 0, '2026-01-01'), (2, 'R2', 'R2', 'x', 'wfdb', 500, 10, 0, '[]', 'h2', 0, '2026-01-01')`,
  ).run();
  db.prepare("INSERT INTO record_state (record_id, label_set, truth_mask, consensus_mask) VALUES (1, 'cpsc9', 2, NULL)").run();
  db.close();
  const a = openArchive(f);
  try {
    assert.equal(a.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(a.db.prepare("SELECT ref_mask FROM record_state WHERE record_id = 1 AND label_set = 'cpsc9'").pluck().get(), 2);
    assert.equal(a.db.prepare('SELECT count(*) FROM record_state').pluck().get(), 4);
    assert.deepEqual(a.listRecords({ labelSet: 'cpsc9', label: 'AF' }).rows.map((r) => r.name), ['R1']);
    assert.equal(a.listRecords({ labelSet: 'chapman4', reviewed: false }).total, 2);
  } finally {
    a.close();
  }
});
