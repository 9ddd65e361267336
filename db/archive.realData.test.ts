/**
 * The whole shared data set through the real CLI: import with labels.csv (719 records, 0 rejected), stats
 * equal to the counts of labels.csv, signals bit-exact against the parser, model-ready view at 500 and
 * 100 Hz, re-import = duplicates, export → re-import round trip. One import shared by every assertion.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openArchive, type Archive } from './archive.ts';
import { findRecords, readRecord } from './formats/index.ts';
import { countsFromLabelsCsv, DATA, LABELS, runCli, SETS, sameInts, sharedLabelRows, tempDir } from './testing/archiveTestSupport.ts';

const tmp = tempDir();
const file = tmp.path('all.x3ecg');
const rows = sharedLabelRows();
let archive: Archive;
let importJson: Record<string, unknown>;

before(() => {
  const r = runCli(['import', DATA, '--labels', LABELS, '--archive', file, '--workers', '2', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `--json prints exactly one line: ${r.stdout.slice(0, 500)}`);
  importJson = JSON.parse(lines[0]);
  archive = openArchive(file);
});
after(() => {
  archive?.close();
  tmp.remove();
});

test('x3ecg import --json: 719 records, 0 duplicates, 0 rejected, the four keys only', () => {
  assert.deepEqual(Object.keys(importJson).sort(), ['duplicates', 'imported', 'rejected', 'seconds']);
  assert.equal(importJson.imported, 719);
  assert.equal(importJson.duplicates, 0);
  assert.deepEqual(importJson.rejected, []);
  assert.equal(typeof importJson.seconds, 'number');
  assert.equal(rows.length, 719);
});

test('x3ecg stats --json equals the per-class counts of labels.csv', () => {
  const r = runCli(['stats', '--archive', file, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const stats = JSON.parse(r.stdout);
  assert.equal(stats.records, 719);
  assert.deepEqual(stats.labelSets, countsFromLabelsCsv(rows, SETS));
  // The README's totals, as a cross-check of the counting itself.
  assert.equal(stats.labelSets.chapman4.SR, 468);
  assert.equal(stats.labelSets.cpsc9.Normal, 264);
});

test('records per origin, patient ids and ground truth per record match labels.csv', () => {
  const perOrigin = new Map<string, number>();
  for (const r of rows) perOrigin.set(r.source, (perOrigin.get(r.source) ?? 0) + 1);
  const got = archive.db.prepare('SELECT origin, count(*) AS n FROM records GROUP BY origin').all() as { origin: string; n: number }[];
  assert.deepEqual(new Map(got.map((g) => [g.origin, g.n])), perOrigin);
  for (const set of Object.keys(SETS)) {
    const truth = new Map(archive.groundTruth(set).map((g) => [g.name, g]));
    for (const r of rows) {
      const want = r[set].split(';').filter(Boolean);
      assert.deepEqual(truth.get(r.record_id)?.classes ?? [], want, `${set} ${r.record_id}`);
      if (want.length > 0) assert.equal(truth.get(r.record_id)!.patientId, r.patient_id || null, r.record_id);
    }
  }
  // Byte-identical signals under different names (PTB-XL 00456_lr / 00457_lr) are distinct records.
  assert.equal(archive.recordIdsByName(['00456_lr', '00457_lr']).length, 2);
  assert.throws(() => archive.recordIdsByName(['A0001', 'NOPE1']), /NOPE1/);
});

test('signals are bit-exact against the parser (every 7th record and every origin), with calibration', () => {
  const sources = findRecords([DATA]).records;
  const sample = sources.filter((_, i) => i % 7 === 0);
  for (const src of sample) {
    const parsed = readRecord(src);
    const [id] = archive.recordIdsByName([parsed.recordName]);
    const info = archive.record(id);
    assert.equal(info.fs, parsed.fs);
    assert.equal(info.durationSec, parsed.durationSec);
    assert.deepEqual(info.leads, parsed.channels.map((c) => c.name));
    const stored = archive.channels(id);
    assert.equal(stored.length, parsed.channels.length);
    stored.forEach((c, i) => {
      const p = parsed.channels[i];
      assert.ok(sameInts(c.samples, p.samples), `${parsed.recordName} ${p.name}: samples differ`);
      assert.equal(c.gain, p.gain);
      assert.equal(c.baseline, p.baseline);
      assert.equal(c.units, p.units);
      assert.equal(c.fs, p.fs);
      assert.equal(c.lead, p.lead);
    });
  }
  assert.ok(sample.length >= 100);
});

test('modelInput: 500 Hz record is (digital − baseline)/gain exactly; 100 Hz record is resampled to 500 Hz through the original samples', () => {
  for (const name of ['A0001', '00012_hr']) {
    const [id] = archive.recordIdsByName([name]);
    const ch = archive.channels(id);
    const mi = archive.modelInput(id);
    assert.equal(mi.fs, 500);
    assert.deepEqual(mi.leads, ['I', 'II', 'V1']);
    assert.equal(mi.data.length, 3 * mi.length);
    assert.equal(mi.length, ch[0].samples.length);
    ['I', 'II', 'V1'].forEach((lead, li) => {
      const c = ch.find((x) => x.lead === lead)!;
      for (let i = 0; i < mi.length; i += 37) assert.equal(mi.data[li * mi.length + i], Math.fround((c.samples[i] - c.baseline) / c.gain));
    });
  }
  const [lr] = archive.recordIdsByName(['00011_lr']);
  const ch = archive.channels(lr);
  assert.equal(ch[0].fs, 100);
  const mi = archive.modelInput(lr);
  assert.equal(mi.length, 5000);
  assert.equal(mi.data.length, 15000);
  const v1 = ch.find((c) => c.lead === 'V1')!;
  let maxAbs = 0;
  for (let i = 0; i < 1000; i++) {
    assert.ok(Math.abs(mi.data[2 * 5000 + 5 * i] - v1.samples[i] / v1.gain) < 1e-5, `V1 sample ${i}`);
    maxAbs = Math.max(maxAbs, Math.abs(v1.samples[i] / v1.gain));
  }
  // Interpolated samples stay in the signal's range (no wild ringing) and are finite, in mV.
  for (const v of mi.data) assert.ok(Number.isFinite(v) && Math.abs(v) < 20);
  // Cached: the second call returns the same values from the model_inputs table.
  const again = archive.modelInput(lr);
  assert.deepEqual(again.data, mi.data);
  assert.equal((archive.db.prepare('SELECT count(*) FROM model_inputs WHERE record_id = ?').pluck().get(lr) as number), 1);
  assert.ok(maxAbs > 0.1);
});

test('the CLI (worker-thread import) stored records in source order with the same content hashes as the in-thread import', () => {
  const order = findRecords([DATA]).records.map((s) => s.entry.split('/').pop()!.replace(/\.hea$/, ''));
  assert.deepEqual(archive.db.prepare('SELECT name FROM records ORDER BY id').pluck().all(), order);
});

test('importing the same folder again (in-thread importer) stores nothing new: all 719 are duplicates', () => {
  const res = archive.importPaths([DATA], { labelsCsv: LABELS });
  assert.equal(res.imported, 0);
  assert.equal(res.duplicates, 719);
  assert.deepEqual(res.rejected, []);
  assert.equal(res.labels?.events, 0, 'the same labels again write no events');
  assert.equal(archive.recordCount(), 719);
});

test('export → re-import round-trips real records: names, rates, physical values within one ADC step, labels', () => {
  const names = ['A0001', 'A0150', 'Q0005', 'E00666', 'E07500', 'HR00001', 'HR06000', 'JS00666', 'JS20000', '00011_lr', '00012_hr', '00499_lr'];
  const ids = archive.recordIdsByName(names);
  const out = tmp.path('export');
  const idsFile = tmp.path('ids.txt');
  writeFileSync(idsFile, names.join('\n') + '\n');
  const r = runCli(['export', '--archive', file, '--out', out, '--ids', idsFile, '--labels', 'ground-truth', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).exported, names.length);
  const back = openArchive(tmp.path('back.x3ecg'));
  try {
    const res = back.importPaths([out], { labelsCsv: join(out, 'labels.csv') });
    assert.deepEqual(res.rejected, []);
    assert.equal(res.imported, names.length);
    for (const [k, name] of names.entries()) {
      const [bid] = back.recordIdsByName([name]);
      const a = archive.channels(ids[k]);
      const b = back.channels(bid);
      assert.equal(back.record(bid).fs, archive.record(ids[k]).fs);
      assert.deepEqual(b.map((c) => c.name), a.map((c) => c.name));
      a.forEach((ca, ci) => {
        const cb = b[ci];
        assert.equal(cb.fs, ca.fs);
        assert.equal(cb.samples.length, ca.samples.length);
        const step = 1 / cb.gain;
        for (let i = 0; i < ca.samples.length; i++) {
          const pa = (ca.samples[i] - ca.baseline) / ca.gain;
          const pb = (cb.samples[i] - cb.baseline) / cb.gain;
          if (Math.abs(pa - pb) > step + 1e-12) assert.fail(`${name} ${ca.name}[${i}]: ${pa} vs ${pb}`);
        }
      });
    }
    for (const set of Object.keys(SETS)) {
      const want = new Map(archive.groundTruth(set).filter((g) => names.includes(g.name)).map((g) => [g.name, g.classes]));
      const got = new Map(back.groundTruth(set).map((g) => [g.name, g.classes]));
      assert.deepEqual(got, want, set);
    }
  } finally {
    back.close();
  }
});
