/** findRecords: recursion, explicit paths, symlink loops, signal/annotation files skipped. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { findRecords } from './index.ts';
import { encodeWfdb, tempFolder } from './testSupport.ts';

const tmp = tempFolder();
after(() => tmp.remove());

test('walks nested folders once (symlink loops too), in sorted order, and classifies files', () => {
  mkdirSync(join(tmp.dir, 'b/deeper'), { recursive: true });
  mkdirSync(join(tmp.dir, 'a'));
  tmp.write('b/deeper/r2.hea', 'r2 1 100 2\nr2.dat 16\n');
  tmp.write('b/deeper/r2.dat', encodeWfdb(16, [1, 2]));
  tmp.write('a/r1.hea', 'r1 1 100 2\nr1.dat 16\n');
  tmp.write('a/r1.dat', encodeWfdb(16, [1, 2]));
  tmp.write('a/r1.atr', new Uint8Array([0, 0]));
  tmp.write('a/r1.qrs', new Uint8Array([0, 0]));
  tmp.write('a/.hidden.hea', 'x 1\n');
  tmp.write('a/RECORDS', 'r1\n');
  symlinkSync(tmp.dir, join(tmp.dir, 'b/loop'));
  const { records, skipped, unreadable } = findRecords([tmp.dir]);
  assert.deepEqual(records.map((r) => r.entry.slice(tmp.dir.length + 1)), ['a/r1.hea', 'b/deeper/r2.hea']);
  for (const s of ['a/r1.dat', 'a/r1.atr', 'a/r1.qrs', 'a/RECORDS', 'b/deeper/r2.dat']) assert.ok(skipped.includes(join(tmp.dir, s)), s);
  assert.ok(!records.some((r) => r.entry.includes('.hidden')));
  assert.deepEqual(unreadable, []);
});

test('explicit file paths: a header is a record, a signal file is skipped, a missing path is reported', () => {
  const { records, skipped, unreadable } = findRecords([join(tmp.dir, 'a/r1.hea'), join(tmp.dir, 'a/r1.dat'), join(tmp.dir, 'nope')]);
  assert.deepEqual(records, [{ kind: 'wfdb', entry: join(tmp.dir, 'a/r1.hea') }]);
  assert.ok(skipped.includes(join(tmp.dir, 'a/r1.dat')));
  assert.deepEqual(unreadable, [{ file: join(tmp.dir, 'nope'), reason: 'no such file or folder' }]);
  // The same file named twice is listed once.
  assert.equal(findRecords([join(tmp.dir, 'a/r1.hea'), join(tmp.dir, 'a')]).records.length, 1);
});
