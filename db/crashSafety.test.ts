/**
 * Crash safety and backups: a child importing the shared data is SIGKILLed mid-import; the archive then
 * opens, integrity_check = ok, every visible record is complete, and a re-run imports the rest. Backup and
 * restore round trip (through the CLI), and restore refuses bad backups without touching the archive.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openArchive } from './archive.ts';
import { findRecords, readRecord } from './formats/index.ts';
import { DATA, ROOT, runCli, sameInts, tempDir } from './testing/archiveTestSupport.ts';

const tmp = tempDir();
after(() => tmp.remove());
const file = tmp.path('crash.x3ecg');

function importAndKill(killAfter: number): Promise<{ lastSeen: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'db/testing/importChild.ts'), file, DATA], {
      cwd: ROOT,
      env: { ...process.env, X3ECG_TEST_SLOW_MS: '15' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastSeen = 0;
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^progress (\d+)$/.exec(l);
        if (m) lastSeen = Number(m[1]);
        if (lastSeen >= killAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve({ lastSeen, signal }) : reject(new Error(`child exited ${code} before the kill: ${stderr}`))));
  });
}

test('SIGKILL mid-import: archive opens, integrity ok, every visible record complete, re-run imports the rest', async () => {
  const { lastSeen } = await importAndKill(80);
  assert.ok(lastSeen >= 80);
  const a = openArchive(file);
  try {
    assert.equal(a.integrityCheck(), 'ok');
    const n = a.recordCount();
    assert.ok(n >= lastSeen && n < 719, `${n} records visible after the kill (last progress ${lastSeen})`);
    // Every visible record is whole: metadata, all channels, samples bit-exact, header labels.
    const byName = new Map(findRecords([DATA]).records.map((s) => [s.entry.split('/').pop()!.replace(/\.hea$/, ''), s]));
    for (const id of a.allRecordIds()) {
      const info = a.record(id);
      const parsed = readRecord(byName.get(info.name)!);
      const ch = a.channels(id);
      assert.equal(ch.length, parsed.channels.length, info.name);
      ch.forEach((c, i) => assert.ok(sameInts(c.samples, parsed.channels[i].samples), `${info.name} ${c.name}`));
      assert.equal(info.leads.length, parsed.channels.length);
      if (parsed.dx.length > 0) assert.equal(a.history(id).filter((e) => e.source === 'header').length, 2, info.name);
    }
    const res = a.importPaths([DATA]);
    assert.equal(res.duplicates, n);
    assert.equal(res.imported, 719 - n);
    assert.deepEqual(res.rejected, []);
    assert.equal(a.recordCount(), 719);
    assert.equal(a.integrityCheck(), 'ok');
  } finally {
    a.close();
  }
});

test('backup → change → restore brings the archive back; the replaced archive is kept; CLI both ways', () => {
  const backup = tmp.path('archive.bak');
  let r = runCli(['backup', '--archive', file, '--out', backup, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).records, 719);
  const a = openArchive(file);
  const id = a.allRecordIds()[5];
  a.setLabels({ recordId: id, labelSet: 'cpsc9', classes: ['STE'], annotator: 'late' });
  a.close();
  r = runCli(['restore', '--from', backup, '--archive', file, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.records, 719);
  const b = openArchive(file);
  try {
    assert.equal(b.integrityCheck(), 'ok');
    assert.equal(b.recordCount(), 719);
    assert.equal(b.history(id).filter((e) => e.source === 'late').length, 0, 'the label written after the backup is gone');
    assert.equal(b.stats().labelSets.cpsc9.STE, 13);
  } finally {
    b.close();
  }
  const prev = new Database(out.previous, { readonly: true });
  assert.equal(prev.prepare("SELECT count(*) FROM label_events WHERE source = 'late'").pluck().get(), 1);
  prev.close();
});

test('restore refuses a damaged file, a non-archive and a newer schema, leaving the archive as it was', () => {
  const before = readFileSync(file);
  const junk = tmp.path('junk.bak');
  writeFileSync(junk, Buffer.alloc(8192, 7));
  let r = runCli(['restore', '--from', junk, '--archive', file]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /junk\.bak/);
  const other = tmp.path('other.db');
  new Database(other).exec('CREATE TABLE t (x)');
  r = runCli(['restore', '--from', other, '--archive', file]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not an x3ecg archive/);
  const newer = tmp.path('newer.bak');
  assert.equal(runCli(['backup', '--archive', file, '--out', newer]).status, 0);
  const n = new Database(newer);
  n.pragma('user_version = 999');
  n.close();
  r = runCli(['restore', '--from', newer, '--archive', file]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /schema version 999, newer than/);
  assert.ok(before.equals(readFileSync(file)));
  assert.deepEqual(readdirSync(tmp.dir).filter((f) => f.includes('.restore-')), [], 'no temp copy left behind');
});
