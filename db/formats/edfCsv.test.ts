/** EDF, EDF+, BDF and both CSV forms, on files this test writes. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { findRecords, readRecord, FormatError } from './index.ts';
import { randomInts, rng, tempFolder, writeEdf, type EdfSignalSpec } from './testSupport.ts';

const tmp = tempFolder();
after(() => tmp.remove());

const r = rng(7);
function ecgSignal(label: string, spr: number, nRec: number, digMin = -32768, digMax = 32767): EdfSignalSpec {
  return { label, units: 'uV', physMin: -3276.8, physMax: 3276.7, digMin, digMax, samplesPerRecord: spr, samples: randomInts(r, spr * nRec, digMin, digMax) };
}

test('EDF: gain and baseline from physical/digital ranges, per-signal rates, start date', () => {
  const sigs = [ecgSignal('ECG I', 500, 3), ecgSignal('ECG II', 500, 3), { ...ecgSignal('Resp', 25, 3, -2048, 2047), units: 'mV', physMin: -10, physMax: 10 }];
  const p = tmp.write('plain.edf', writeEdf({ signals: sigs, nRecords: 3, recordDuration: 1 }));
  const rec = readRecord({ kind: 'edf', entry: p });
  assert.equal(rec.format, 'edf');
  assert.equal(rec.recordName, 'plain');
  assert.equal(rec.durationSec, 3);
  assert.equal(rec.fs, 25); // frame rate: greatest common rate of the channels
  assert.deepEqual(rec.channels.map((c) => c.fs), [500, 500, 25]);
  assert.deepEqual(rec.channels.map((c) => c.lead), ['I', 'II', null]);
  rec.channels.forEach((c, i) => assert.deepEqual([...c.samples], sigs[i].samples));
  const [i, , resp] = rec.channels;
  // physical = (d - baseline) / gain must reproduce the EDF mapping at both ends.
  assert.ok(Math.abs((-32768 - i.baseline) / i.gain - -3276.8) < 1e-9);
  assert.ok(Math.abs((32767 - i.baseline) / i.gain - 3276.7) < 1e-9);
  assert.ok(Math.abs((2047 - resp.baseline) / resp.gain - 10) < 1e-9);
  assert.equal(i.units, 'uV');
  assert.equal(rec.recordedAt, '2021-03-02T10:11:12');
});

test('EDF+: annotation channel skipped, patient sex and age, EDF+D rejected; BDF 24-bit', () => {
  const sigs = [ecgSignal('V1', 250, 2), { label: 'EDF Annotations', units: '', physMin: -1, physMax: 1, digMin: -32768, digMax: 32767, samplesPerRecord: 30, samples: randomInts(r, 60, 0, 255) }];
  const p = tmp.write('plus.edf', writeEdf({ signals: sigs, nRecords: 2, recordDuration: 0.5, reserved: 'EDF+C', patient: 'MCH-0234567 F 02-MAY-1951 Haagse_Harry', recording: 'Startdate 02-MAR-2002 EMG561 BK/JOP Sony', startDate: '02.03.02' }));
  const rec = readRecord({ kind: 'edf', entry: p });
  assert.equal(rec.channels.length, 1);
  assert.equal(rec.channels[0].fs, 500);
  assert.deepEqual([...rec.channels[0].samples], sigs[0].samples);
  assert.equal(rec.sex, 'F');
  assert.equal(rec.age, 50);
  const d = tmp.write('disc.edf', writeEdf({ signals: sigs, nRecords: 2, recordDuration: 0.5, reserved: 'EDF+D' }));
  assert.throws(() => readRecord({ kind: 'edf', entry: d }), (e: unknown) => e instanceof FormatError && /EDF\+D/.test(e.reason));
  const bsig = { label: 'II', units: 'uV', physMin: -8388.608, physMax: 8388.607, digMin: -8388608, digMax: 8388607, samplesPerRecord: 100, samples: randomInts(r, 100, -8388608, 8388607) };
  const b = tmp.write('bio.bdf', writeEdf({ signals: [bsig], nRecords: 1, recordDuration: 1, bdf: true, reserved: '24BIT' }));
  const brec = readRecord({ kind: 'edf', entry: b });
  assert.deepEqual([...brec.channels[0].samples], bsig.samples);
  // Unknown record count (-1) is taken from the file size.
  const u = tmp.write('unknown_n.edf', writeEdf({ signals: [sigs[0]], nRecords: 2, recordDuration: 0.5, nRecordsField: '-1' }));
  assert.equal(readRecord({ kind: 'edf', entry: u }).durationSec, 1);
});

test('Chapman/MUSE CSV: lead-name header, µV values, 500 Hz; lossless integers and decimals', () => {
  const leads = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
  const rows = Array.from({ length: 10 }, (_, t) => leads.map((_, i) => (t - 5) * 7 + i * 3));
  rows[3][2] = -12.5 as number; // Chapman's denoised files have decimals
  const text = [leads.map((l) => l.toUpperCase()).join(','), ...rows.map((r) => r.join(','))].join('\r\n');
  const p = tmp.write('MUSE_20180111_155115_19000.csv', text);
  const rec = readRecord({ kind: 'csv', entry: p });
  assert.equal(rec.fs, 500);
  assert.equal(rec.channels.length, 12);
  assert.deepEqual(rec.channels.map((c) => c.lead), leads);
  rec.channels.forEach((c, i) => {
    assert.equal(c.units, 'mV');
    rows.forEach((row, t) => assert.ok(Math.abs((c.samples[t] - c.baseline) / c.gain - row[i] / 1000) < 1e-12, `${c.name}[${t}]`));
  });
  assert.equal(rec.channels[2].gain, 10_000); // one decimal of µV → 10 digital units per µV → 10,000 per mV
  assert.equal(rec.channels[0].gain, 1000);
});

test('plain CSV: "# fs=… units=…" line, time column, invalid cells', () => {
  const text = '# fs=250 units=mV\ntime,II,V1\n0,0.125,1\n0.004,0.25,\n0.008,-0.5,NaN\n0.012,1.0,2\n';
  const p = tmp.write('plain.csv', text);
  const rec = readRecord({ kind: 'csv', entry: p });
  assert.equal(rec.fs, 250);
  assert.deepEqual(rec.channels.map((c) => c.name), ['II', 'V1']);
  assert.deepEqual([...rec.channels[0].samples], [125, 250, -500, 1000]);
  assert.equal(rec.channels[0].gain, 1000);
  assert.deepEqual([...rec.channels[1].samples], [1, -2147483648, -2147483648, 2]);
  assert.equal(rec.channels[1].invalidValue, -2147483648);
  // a pandas row-index column is dropped
  const ix = readRecord({ kind: 'csv', entry: tmp.write('indexed.csv', ',I,V2\n0,1,2\n1,3,4\n') });
  assert.deepEqual(ix.channels.map((ch) => [ch.name, [...ch.samples]]), [['I', [1, 3]], ['V2', [2, 4]]]);
  // fs from the time column alone
  const q = tmp.write('timed.csv', '# units=uV\nt,I\n0,10\n0.002,20\n0.004,30\n');
  const tr = readRecord({ kind: 'csv', entry: q });
  assert.equal(tr.fs, 500);
  assert.equal(tr.channels[0].gain, 1000);
  // a time column that contradicts fs is an error
  const bad = tmp.write('contra.csv', '# fs=100\ntime,I\n0,1\n0.002,2\n');
  assert.throws(() => readRecord({ kind: 'csv', entry: bad }), (e: unknown) => e instanceof FormatError && /time column/.test(e.reason));
});

test('findRecords: CSV records vs labels CSV vs other CSV, EDF, annotation files skipped', () => {
  tmp.write('labels.csv', 'record_id,chapman4\nA,SR\n');
  tmp.write('notes.csv', 'a,b\n1,2\n');
  tmp.write('100.atr', new Uint8Array([1, 2]));
  tmp.write('README', 'hello');
  const { records, skipped } = findRecords([tmp.dir, `${tmp.dir}/missing-file.hea`]);
  const byName = new Map(records.map((x) => [x.entry.split('/').pop()!, x.kind]));
  assert.equal(byName.get('plain.csv'), 'csv');
  assert.equal(byName.get('MUSE_20180111_155115_19000.csv'), 'csv');
  assert.equal(byName.get('plain.edf'), 'edf');
  assert.equal(byName.get('bio.bdf'), 'edf');
  for (const s of ['labels.csv', 'notes.csv', '100.atr', 'README']) assert.ok(skipped.some((x) => x.endsWith('/' + s)), s);
  assert.ok(skipped.some((x) => x.endsWith('missing-file.hea')));
});
