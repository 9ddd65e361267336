/**
 * Corrupt-file suite at the store level: each kind of bad file is rejected with the file and the reason,
 * the rest of the import continues, and the archive (every table's row count, integrity_check) is
 * unchanged by the bad files.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openArchive, type Archive } from './archive.ts';
import { loadDemo } from './demoArchive.ts';
import { encodeWfdb, wfdbChecksum } from './formats/testSupport.ts';
import { DATA, tempDir } from './testing/archiveTestSupport.ts';

const tmp = tempDir();
const bad = join(tmp.dir, 'bad');
const good = join(tmp.dir, 'good');
let a: Archive;

const sig = [100, -200, 300, -400, 500, -600];
const line = (file: string, fmt = '16', n = sig) => `${file} ${fmt} 200/mV 16 0 ${n[0]} ${wfdbChecksum(n)} 0 II`;

/** name → expected reason, for every kind of bad input the issue lists. */
const KINDS: Record<string, RegExp> = {};
function badRecord(name: string, files: Record<string, Uint8Array | string>, reason: RegExp) {
  for (const [f, data] of Object.entries(files)) writeFileSync(join(bad, f), data);
  KINDS[name] = reason;
}

function tableCounts(x: Archive): Record<string, number> {
  const tables = x.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  return Object.fromEntries(tables.map((t) => [t, x.db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
}

before(() => {
  mkdirSync(bad);
  mkdirSync(good);
  const dat = encodeWfdb(16, sig);
  badRecord('truncated', { 'truncated.dat': dat.subarray(0, 7), 'truncated.hea': `truncated 1 500 6\n${line('truncated.dat')}\n` }, /declares 6 samples/);
  badRecord('lies', { 'lies.dat': dat, 'lies.hea': `lies 1 500 60\n${line('lies.dat')}\n` }, /declares 60/);
  badRecord('checksum', { 'checksum.dat': dat, 'checksum.hea': `checksum 1 500 6\nchecksum.dat 16 200/mV 16 0 100 1234 0 II\n` }, /checksum mismatch/);
  badRecord('fmt999', { 'fmt999.dat': dat, 'fmt999.hea': `fmt999 1 500 6\n${line('fmt999.dat', '999')}\n` }, /unknown signal format 999/);
  badRecord('empty', { 'empty.hea': '' }, /empty \(0 bytes\)/);
  badRecord('emptydat', { 'emptydat.dat': new Uint8Array(0), 'emptydat.hea': `emptydat 1 500 6\n${line('emptydat.dat')}\n` }, /empty \(0 bytes\)/);
  badRecord('latin', { 'latin.dat': dat, 'latin.hea': Uint8Array.from([...new TextEncoder().encode(`latin 1 500 6\n${line('latin.dat')}\n#Sx: `), 0xe9, 0xff, 0x0a]) }, /not valid UTF-8/);
  badRecord('e0', { 'e0.edf': new Uint8Array(0) }, /empty/);
  badRecord('csvbin', { 'csvbin.csv': Uint8Array.from([0x49, 0x2c, 0x49, 0x49, 0x0a, 0xff, 0xfe, 0x0a]) }, /not valid UTF-8/);
  const mat = readFileSync(join(DATA, 'cpsc2018/A0002.mat'));
  writeFileSync(join(bad, 'A0002.mat'), mat.subarray(0, mat.length - 100));
  writeFileSync(join(bad, 'A0002.hea'), readFileSync(join(DATA, 'cpsc2018/A0002.hea')));
  KINDS.A0002 = /truncated/;
  for (const f of ['A0005.hea', 'A0005.mat']) copyFileSync(join(DATA, 'cpsc2018', f), join(good, f));
  for (const f of ['00011_lr.hea', '00011_lr.dat']) copyFileSync(join(DATA, 'ptbxl_records100', f), join(good, f));
  a = openArchive(tmp.path('c.x3ecg'));
  loadDemo(a);
  a.setLabels({ recordId: a.allRecordIds()[0], labelSet: 'chapman4', classes: ['SR'], annotator: 'alice' });
});
after(() => {
  a.close();
  tmp.remove();
});

test('a folder of bad files: each rejected with its file and reason; no row anywhere changes; integrity ok', () => {
  const before = tableCounts(a);
  const res = a.importPaths([bad]);
  assert.equal(res.imported, 0);
  for (const [name, reason] of Object.entries(KINDS)) {
    const hit = res.rejected.filter((r) => r.file.includes(`${join(bad, name)}.`) || r.file.endsWith(`/${name}.hea`));
    assert.equal(hit.length, 1, `${name}: ${JSON.stringify(res.rejected)}`);
    assert.match(hit[0].reason, reason, name);
  }
  assert.equal(res.rejected.length, Object.keys(KINDS).length);
  assert.deepEqual(tableCounts(a), before);
  assert.equal(a.integrityCheck(), 'ok');
});

test('bad files mixed with good ones: the good records are stored, the bad ones rejected, order does not matter', () => {
  const before = tableCounts(a);
  const res = a.importPaths([bad, good]);
  assert.equal(res.imported, 2);
  assert.equal(res.rejected.length, Object.keys(KINDS).length);
  const after = tableCounts(a);
  assert.equal(after.records, before.records + 2);
  assert.equal(after.channels, before.channels + 24);
  assert.equal(after.label_events, before.label_events + 2, 'A0005 #Dx → one header event per label set; 00011_lr has none');
  assert.equal(a.integrityCheck(), 'ok');
  const [id] = a.recordIdsByName(['A0005']);
  assert.equal(a.channels(id).length, 12);
});

test('a broken labels CSV stops the import before anything is stored', () => {
  const before = tableCounts(a);
  const csv = tmp.path('broken.csv');
  writeFileSync(csv, 'id,x\n1,2\n');
  assert.throws(() => a.importPaths([good, join(DATA, 'georgia')], { labelsCsv: csv }), /record_id/);
  assert.deepEqual(tableCounts(a), before);
});

test('a label outside the set in a labels CSV is reported against the CSV row; other rows still apply', () => {
  const csv = tmp.path('odd.csv');
  writeFileSync(csv, 'record_id,chapman4,cpsc9\nA0005,XYZ,PVC\n');
  const res = a.importPaths([], { labelsCsv: csv });
  assert.equal(res.rejected.length, 1);
  assert.match(res.rejected[0].reason, /row 2 \(A0005\): label set chapman4 has no class "XYZ"/);
  assert.equal(res.rejected[0].file, csv);
  const [id] = a.recordIdsByName(['A0005']);
  assert.deepEqual(a.groundTruth('cpsc9').find((g) => g.recordId === id)?.classes, ['PVC']);
});
