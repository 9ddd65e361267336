/** Export (writeWfdbRecord, format 16) → parse round-trips, labels CSV, lead names and dx mapping units. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  readRecord, writeWfdbRecord, parseLabelsCsv, canonicalLead, mapDx, readWfdbRecord, memoryFiles, FormatError,
  type ParsedRecord, type WfdbExportInput,
} from './index.ts';
import { encodeWfdb, interleave, randomInts, rng, tempFolder, wfdbChecksum, writeEdf } from './testSupport.ts';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const tmp = tempFolder();
after(() => tmp.remove());

function toExport(rec: ParsedRecord, name = rec.recordName): WfdbExportInput {
  return {
    recordName: name,
    channels: rec.channels.map((c) => ({ name: c.name, fs: c.fs, gain: c.gain, baseline: c.baseline, units: c.units, samples: c.samples, invalidValue: c.invalidValue })),
    age: rec.age, sex: rec.sex, dx: rec.dx, comments: rec.comments,
  };
}

function exportAndRead(rec: ParsedRecord, name: string): ParsedRecord {
  const { hea, dat } = writeWfdbRecord(toExport(rec, name));
  return readWfdbRecord(memoryFiles({ [`${name}.hea`]: hea, [`${name}.dat`]: dat }), `${name}.hea`);
}

/** Physical values agree within one ADC step of the written file; invalid samples stay invalid. */
function assertSamePhysical(a: ParsedRecord, b: ParsedRecord) {
  assert.equal(a.channels.length, b.channels.length);
  a.channels.forEach((ca, i) => {
    const cb = b.channels[i];
    assert.equal(cb.name, ca.name);
    assert.equal(cb.fs, ca.fs);
    assert.equal(cb.samples.length, ca.samples.length);
    const step = 1 / cb.gain;
    for (let k = 0; k < ca.samples.length; k++) {
      const invA = ca.samples[k] === ca.invalidValue;
      const invB = cb.samples[k] === cb.invalidValue;
      assert.equal(invB, invA, `${ca.name}[${k}] validity`);
      if (invA) continue;
      const pa = (ca.samples[k] - ca.baseline) / ca.gain;
      const pb = (cb.samples[k] - cb.baseline) / cb.gain;
      if (Math.abs(pa - pb) > step * (1 + 1e-9)) assert.fail(`${ca.name}[${k}]: ${pa} vs ${pb} (step ${step})`);
    }
  });
}

test('real records round-trip through format-16 export bit-exactly (Challenge .mat and native PTB-XL)', () => {
  for (const entry of ['cpsc2018/A0001.hea', 'georgia/E00666.hea', 'ptbxl_records100/00011_lr.hea', 'ningbo/JS20000.hea'].map((p) => join(DATA, p))) {
    const rec = readRecord({ kind: 'wfdb', entry });
    const back = exportAndRead(rec, `rt_${rec.recordName}`);
    back.channels.forEach((c, i) => {
      assert.deepEqual(c.samples, rec.channels[i].samples);
      assert.equal(c.gain, rec.channels[i].gain);
      assert.equal(c.checksum, rec.channels[i].checksum! << 16 >> 16);
    });
    assert.deepEqual([back.age, back.sex, back.dx], [rec.age, rec.sex, rec.dx]);
  }
});

test('every WFDB format round-trips: multi-rate, invalid samples, wide (24/32-bit) values rescaled within one step', () => {
  const r = rng(11);
  for (const format of [8, 16, 24, 32, 61, 80, 160, 212, 310, 311]) {
    const lim = { 8: 100, 16: 30000, 24: 8000000, 32: 2000000000, 61: 30000, 80: 120, 160: 30000, 212: 2000, 310: 500, 311: 500 }[format]!;
    const fast = format === 8 ? Array.from({ length: 8 }, (_, i) => i * 3) : randomInts(r, 8, -lim, lim);
    const slow = format === 8 ? [1, 2, 3, 4] : randomInts(r, 4, -lim, lim);
    const invalid = { 16: -32768, 24: -8388608, 32: -2147483648, 61: -32768, 80: -128, 160: -32768, 212: -2048, 310: -512, 311: -512 }[format as 16];
    if (invalid !== undefined) fast[5] = invalid;
    const name = `rtf${format}`;
    tmp.write(`${name}.dat`, encodeWfdb(format, interleave([fast, slow], [2, 1]), [0, 0, 1], [fast[0], slow[0]]));
    tmp.write(`${name}.hea`, [`${name} 2 250 4`, `${name}.dat ${format}x2 123.4(7)/mV 0 0 ${fast[0]} ${wfdbChecksum(fast)} 0 II`, `${name}.dat ${format} 50/uV 0 0 ${slow[0]} ${wfdbChecksum(slow)} 0 V1`].join('\n'));
    const rec = readRecord({ kind: 'wfdb', entry: `${tmp.dir}/${name}.hea` });
    const back = exportAndRead(rec, `${name}_out`);
    assert.deepEqual(back.channels.map((c) => c.fs), [500, 250]);
    assertSamePhysical(rec, back);
    if (invalid !== undefined) assert.equal(back.channels[0].samples[5], -32768);
  }
});

test('EDF (fractional baseline, multi-rate) and CSV (decimals, invalid cells) round-trip within one ADC step', () => {
  const r = rng(5);
  const edf = tmp.write('rt.edf', writeEdf({
    signals: [
      { label: 'ECG II', units: 'uV', physMin: -1000, physMax: 3000, digMin: -32768, digMax: 32767, samplesPerRecord: 200, samples: randomInts(r, 400, -32768, 32767) },
      { label: 'Resp', units: 'mV', physMin: -5, physMax: 5, digMin: -2048, digMax: 2047, samplesPerRecord: 50, samples: randomInts(r, 100, -2048, 2047) },
    ],
    nRecords: 2, recordDuration: 1,
  }));
  const e = readRecord({ kind: 'edf', entry: edf });
  assert.ok(!Number.isInteger(e.channels[0].baseline));
  assertSamePhysical(e, exportAndRead(e, 'rt_edf'));
  const csv = tmp.write('rt.csv', '# fs=250 units=uV\nII,V1\n12.5,-3\n,4\n-7.25,NaN\n100,5\n');
  const c = readRecord({ kind: 'csv', entry: csv });
  const back = exportAndRead(c, 'rt_csv');
  assertSamePhysical(c, back);
  assert.deepEqual([...back.channels[1].samples], [-3, 4, -32768, 5]);
  assert.deepEqual([back.channels[1].gain, back.channels[1].units, back.channels[0].gain], [1000, 'mV', 100_000]);
});

test('export writes samples-per-frame, names, gain(baseline)/units, init and checksum in the header', () => {
  const { hea, dat } = writeWfdbRecord({
    recordName: 'w1',
    channels: [
      { name: 'II', fs: 500, gain: 1000, baseline: 0, units: 'mV', samples: Int32Array.from([1, 2, 3, 4]), invalidValue: null },
      { name: 'ABP', fs: 250, gain: 10.5, baseline: -3, units: 'mmHg', samples: Int32Array.from([9, -2147483648]), invalidValue: -2147483648 },
    ],
    age: 93, sex: 'F', dx: ['426783006'],
  });
  const lines = hea.trim().split('\n');
  assert.equal(lines[0], 'w1 2 250 2');
  assert.equal(lines[1], 'w1.dat 16x2 1000(0)/mV 16 0 1 10 0 II');
  assert.equal(lines[2], 'w1.dat 16 10.5(-3)/mmHg 16 0 9 -32759 0 ABP');
  assert.deepEqual(lines.slice(3), ['#Age: 93', '#Sex: Female', '#Dx: 426783006']);
  assert.deepEqual([...new Int16Array(dat.buffer)], [1, 2, 9, 3, 4, -32768]);
  assert.throws(() => writeWfdbRecord({ recordName: '../x', channels: [] }), RangeError);
});

test('labels CSV: record_id, label sets split on ";", patient_id and other columns kept', () => {
  const rows = parseLabelsCsv(readFileSync(join(DATA, 'labels.csv'), 'utf8'), 'labels.csv', ['chapman4', 'cpsc9']);
  assert.equal(rows.length, 719);
  const multi = rows.filter((x) => x.labels.cpsc9.length > 1);
  assert.equal(multi.length, 27);
  const p = rows.find((x) => x.recordId === '00011_lr')!;
  assert.ok(p.patientId !== null && /^\d+$/.test(p.patientId));
  assert.ok(p.columns.scp_codes.includes(':'));
  assert.deepEqual(Object.keys(p.labels), ['chapman4', 'cpsc9']);
  const counts: Record<string, number> = {};
  for (const x of rows) for (const l of x.labels.chapman4) counts[l] = (counts[l] ?? 0) + 1;
  assert.deepEqual(counts, { SB: 17, AFIB: 46, GSVT: 31, SR: 468 });
  const t = parseLabelsCsv('\uFEFFrecord_id,cpsc9,extra\nr1,"AF;PVC",x\nr2,,y\n', 'x.csv');
  assert.deepEqual(t[0].labels.cpsc9, ['AF', 'PVC']);
  assert.deepEqual(t[1].labels.cpsc9, []);
  assert.equal(t[0].patientId, null);
  assert.throws(() => parseLabelsCsv('id,x\n1,2\n', 'no-id.csv'), (e: unknown) => e instanceof FormatError && /record_id/.test(e.reason));
  assert.throws(() => parseLabelsCsv('record_id,x\n1,2\n1,3\n', 'dup.csv'), (e: unknown) => e instanceof FormatError && /twice/.test(e.reason));
});

test('lead names in any case', () => {
  for (const [n, l] of [['aVR', 'aVR'], ['AVR', 'aVR'], ['avr', 'aVR'], ['avl', 'aVL'], ['AVF', 'aVF'], ['v1', 'V1'], ['V6', 'V6'], ['i', 'I'], ['iii', 'III'], ['Lead II', 'II'], [' V3 ', 'V3'], ['ECG II', 'II'], ['EKG avf', 'aVF'], ['ECG Lead III', 'III'], ['MLII', null], ['ABP', null], ['V7', null], ['ECG', null]] as const)
    assert.equal(canonicalLead(n), l, n);
});

test('dx mapping rules: Normal only for exactly {426783006}, AFIB > GSVT > SB > SR, abbreviations, aliases', () => {
  assert.deepEqual(mapDx(['426783006']), { chapman4: 'SR', cpsc9: ['Normal'], snomed: ['426783006'] });
  assert.deepEqual(mapDx(['426783006', '426177001']).cpsc9, []);
  assert.equal(mapDx(['426783006', '426177001']).chapman4, 'SB');
  assert.equal(mapDx(['426177001', '427084000']).chapman4, 'GSVT');
  assert.equal(mapDx(['427084000', '164890007']).chapman4, 'AFIB');
  assert.equal(mapDx(['427393009']).chapman4, 'SR');
  assert.equal(mapDx(['59118001']).chapman4, null);
  assert.deepEqual(mapDx(['AF', 'RBBB']).cpsc9, ['AF', 'RBBB']);
  assert.deepEqual(mapDx(['Normal']).cpsc9, ['Normal']);
  assert.deepEqual(mapDx(['713427006', '63593006', '17338001', '733534002']).cpsc9, ['LBBB', 'RBBB', 'PAC', 'PVC']);
  assert.deepEqual(mapDx(['164890007']).cpsc9, []); // atrial flutter is not AF in cpsc9
  assert.deepEqual(mapDx([]), { chapman4: null, cpsc9: [], snomed: [] });
});
