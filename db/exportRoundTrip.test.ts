/**
 * Archive export → re-import round trip for every WFDB signal format, multi-rate records, invalid
 * samples, EDF and CSV (files written by the parser tests' independent encoders), and the export's
 * de-identification.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openArchive, type Archive, type StoredChannel } from './archive.ts';
import { deidentifiedAge, exportName } from './exportWfdb.ts';
import { encodeWfdb, interleave, randomInts, rng, wfdbChecksum, writeEdf } from './formats/testSupport.ts';
import { tempDir } from './testing/archiveTestSupport.ts';

const tmp = tempDir();
const src = join(tmp.dir, 'src');
const FORMATS = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311];
let a: Archive;
let b: Archive;

before(() => {
  mkdirSync(src);
  const r = rng(21);
  for (const format of FORMATS) {
    const lim = { 8: 100, 16: 30000, 24: 8000000, 32: 2000000000, 61: 30000, 80: 120, 160: 30000, 212: 2000, 310: 500, 311: 500 }[format]!;
    const fast = format === 8 ? Array.from({ length: 8 }, (_, i) => i * 3) : randomInts(r, 8, -lim, lim);
    const slow = format === 8 ? [1, 2, 3, 4] : randomInts(r, 4, -lim, lim);
    const invalid = { 16: -32768, 24: -8388608, 32: -2147483648, 61: -32768, 80: -128, 160: -32768, 212: -2048, 310: -512, 311: -512 }[format as 16];
    if (invalid !== undefined) fast[5] = invalid;
    const name = `fmt${format}`;
    writeFileSync(join(src, `${name}.dat`), encodeWfdb(format, interleave([fast, slow], [2, 1]), [0, 0, 1], [fast[0], slow[0]]));
    writeFileSync(
      join(src, `${name}.hea`),
      [`${name} 2 250 4`, `${name}.dat ${format}x2 123.4(7)/mV 0 0 ${fast[0]} ${wfdbChecksum(fast)} 0 II`, `${name}.dat ${format} 50/uV 0 0 ${slow[0]} ${wfdbChecksum(slow)} 0 V1`, '#Age: 93', '#Sex: Female', '#Name: Jane Roe', '#Dx: 426783006'].join('\n') + '\n',
    );
  }
  writeFileSync(
    join(src, 'rec.edf'),
    writeEdf({
      signals: [
        { label: 'ECG II', units: 'uV', physMin: -1000, physMax: 3000, digMin: -32768, digMax: 32767, samplesPerRecord: 200, samples: randomInts(r, 400, -32768, 32767) },
        { label: 'Resp', units: 'mV', physMin: -5, physMax: 5, digMin: -2048, digMax: 2047, samplesPerRecord: 50, samples: randomInts(r, 100, -2048, 2047) },
      ],
      nRecords: 2,
      recordDuration: 1,
      patient: 'MCH-0234567 F 02-MAY-1951 Haagse_Harry',
    }),
  );
  writeFileSync(join(src, 'rec.csv'), '# fs=250 units=uV\nII,V1\n12.5,-3\n,4\n-7.25,NaN\n100,5\n');
  writeFileSync(join(src, 'labels.csv'), 'record_id,chapman4,cpsc9\nfmt16,SB,PAC;PVC\nrec,AFIB,AF\n');
  a = openArchive(tmp.path('a.x3ecg'));
  const res = a.importPaths([src], { labelsCsv: join(src, 'labels.csv') });
  assert.deepEqual(res.rejected, []);
  assert.equal(res.imported, FORMATS.length + 2);
  const out = join(tmp.dir, 'out');
  const ex = a.exportRecords({ outDir: out, labels: 'ground-truth' });
  assert.equal(ex.exported, FORMATS.length + 2);
  b = openArchive(tmp.path('b.x3ecg'));
  const back = b.importPaths([out], { labelsCsv: ex.labelsCsv });
  assert.deepEqual(back.rejected, []);
  assert.equal(back.imported, FORMATS.length + 2);
});
after(() => {
  a.close();
  b.close();
  tmp.remove();
});

function assertSamePhysical(name: string, x: StoredChannel[], y: StoredChannel[]) {
  assert.equal(y.length, x.length, name);
  x.forEach((cx, i) => {
    const cy = y[i];
    assert.equal(cy.name, cx.name, name);
    assert.equal(cy.fs, cx.fs, `${name} ${cx.name} rate`);
    assert.equal(cy.samples.length, cx.samples.length);
    const step = 1 / cy.gain;
    for (let k = 0; k < cx.samples.length; k++) {
      const invX = cx.samples[k] === cx.invalidValue;
      assert.equal(cy.samples[k] === cy.invalidValue, invX, `${name} ${cx.name}[${k}] validity`);
      if (invX) continue;
      const px = (cx.samples[k] - cx.baseline) / cx.gain;
      const py = (cy.samples[k] - cy.baseline) / cy.gain;
      if (Math.abs(px - py) > step * (1 + 1e-9)) assert.fail(`${name} ${cx.name}[${k}]: ${px} vs ${py} (step ${step})`);
    }
  });
}

test('every format, multi-rate, invalid samples, EDF and CSV: names, rates and physical values within one ADC step', () => {
  for (const name of [...FORMATS.map((f) => `fmt${f}`), 'rec']) {
    const [ia] = a.recordIdsByName([name]);
    const [ib] = b.recordIdsByName([name]);
    const xa = a.channels(ia);
    const xb = b.channels(ib);
    assertSamePhysical(name, xa, xb);
    assert.equal(b.record(ib).format, 'wfdb');
  }
  // rec.csv and rec.edf share a name: the second is stored as src/rec and exported as src__rec.
  const [ia] = a.recordIdsByName(['src/rec']);
  const [ib] = b.recordIdsByName(['src__rec']);
  assertSamePhysical('src/rec', a.channels(ia), b.channels(ib));
  assert.deepEqual(new Set([a.record(ia).format, a.record(a.recordIdsByName(['rec'])[0]).format]), new Set(['edf', 'csv']));
  // fmt16: the samples-per-frame channel keeps its own rate and the invalid sample stays invalid (format 16's -32768).
  const [id16] = b.recordIdsByName(['fmt16']);
  const ch = b.channels(id16);
  assert.deepEqual(ch.map((c) => c.fs), [500, 250]);
  assert.equal(ch[0].samples[5], -32768);
  assert.equal(ch[0].invalidValue, -32768);
  assert.deepEqual(ch.map((c) => c.nInvalid), [1, 0]);
  assert.deepEqual(a.channels(a.recordIdsByName(['fmt16'])[0]).map((c) => c.nInvalid), [1, 0]);
});

test('labels and demographics travel; the export is de-identified (no free text, no dates, age > 89 → 90)', () => {
  for (const set of ['chapman4', 'cpsc9']) assert.deepEqual(b.groundTruth(set).map((g) => [g.name, g.classes]), a.groundTruth(set).map((g) => [g.name, g.classes]));
  const [id] = b.recordIdsByName(['fmt16']);
  const info = b.record(id);
  assert.equal(info.age, 90);
  assert.equal(info.sex, 'F');
  assert.deepEqual(info.dx, ['426783006']);
  assert.deepEqual(info.comments.filter((c) => /Jane|Name/.test(c)), []);
  assert.equal(info.recordedAt, null);
  const hea = readFileSync(join(tmp.dir, 'out', 'fmt16.hea'), 'utf8');
  assert.doesNotMatch(hea, /Jane|Roe|Haagse/);
  const edfHea = readFileSync(join(tmp.dir, 'out', 'rec.hea'), 'utf8');
  assert.doesNotMatch(edfHea, /Haagse|1951|MCH/);
  assert.equal(deidentifiedAge(89), 89);
  assert.equal(deidentifiedAge(89.5), 90);
  assert.equal(deidentifiedAge(Number.NaN), null);
  assert.equal(exportName('cpsc2018/A0001'), 'cpsc2018__A0001');
});

test('a name collision with different content is stored as origin/name and exported under a safe file name', () => {
  const other = join(tmp.dir, 'other');
  mkdirSync(other);
  const s = [5, 6, 7, 8];
  writeFileSync(join(other, 'fmt16.dat'), encodeWfdb(16, s));
  writeFileSync(join(other, 'fmt16.hea'), `fmt16 1 250 4\nfmt16.dat 16 200/mV 16 0 5 ${wfdbChecksum(s)} 0 II\n`);
  const res = a.importPaths([other]);
  assert.equal(res.imported, 1);
  const [id] = a.recordIdsByName(['other/fmt16']);
  assert.equal(a.record(id).sourceName, 'fmt16');
  const ex = a.exportRecords({ outDir: join(tmp.dir, 'out2'), recordIds: [id] });
  assert.ok(ex.files.some((f) => f.endsWith('other__fmt16.hea')));
});
