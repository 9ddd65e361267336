/**
 * Every record of ../shared/data parses; fs and length match labels.csv; samples are bit-exact against an
 * independent re-read of the signal files; header checksums verify; #Dx maps to labels.csv's label columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRecords, readRecord, parseLabelsCsv, mapDx, mapScpCodes, parseScpCodes, STANDARD_LEADS, type ParsedRecord } from './index.ts';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');

const labels = parseLabelsCsv(readFileSync(join(DATA, 'labels.csv'), 'utf8'), 'labels.csv');
const byId = new Map(labels.map((r) => [r.recordId, r]));

/** Independent reading of a header's signal lines: file, format token, initial value, checksum. */
function headerSignals(text: string): { file: string; fmt: string; init: number; checksum: number }[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const nsig = Number(lines[0].trim().split(/\s+/)[1]);
  return lines.slice(1, 1 + nsig).map((l) => {
    const t = l.trim().split(/\s+/);
    return { file: t[0], fmt: t[1], init: Number(t[5]), checksum: Number(t[6]) };
  });
}

const found = findRecords([DATA]);
const parsed = new Map<string, { rec: ParsedRecord; entry: string }>();

test('every record in shared/data is found and parses', () => {
  assert.equal(found.records.length, 719);
  assert.ok(found.records.every((r) => r.kind === 'wfdb'));
  assert.ok(found.skipped.some((s) => s.endsWith('labels.csv')), 'labels.csv is skipped, not a record');
  assert.ok(found.skipped.some((s) => s.endsWith('README.md')));
  for (const src of found.records) {
    const rec = readRecord(src);
    parsed.set(rec.recordName, { rec, entry: src.entry });
  }
  console.log(`parsed ${parsed.size} records from ${DATA}`);
  assert.equal(parsed.size, 719);
});

test('fs, length and leads match labels.csv', () => {
  for (const [id, { rec }] of parsed) {
    const row = byId.get(id);
    assert.ok(row, `${id} in labels.csv`);
    assert.equal(rec.fs, Number(row.columns.fs), `${id} fs`);
    assert.equal(rec.channels.length, 12);
    for (const ch of rec.channels) assert.equal(ch.samples.length, Number(row.columns.n_samples), `${id} ${ch.name} length`);
    assert.equal(rec.durationSec, Number(row.columns.n_samples) / Number(row.columns.fs));
    assert.deepEqual(rec.channels.map((c) => c.lead), [...STANDARD_LEADS], `${id} leads`);
    assert.ok(rec.channels.every((c) => c.gain === 1000 && c.baseline === 0 && c.units.toLowerCase() === 'mv'));
  }
  assert.equal(parsed.get('00011_lr')!.rec.channels[3].name, 'AVR');
  assert.equal(parsed.get('E00666')!.rec.recordName, 'E00666');
});

test('samples are bit-exact against an independent re-read, and header checksums hold', () => {
  let compared = 0;
  for (const [id, { rec, entry }] of parsed) {
    const sigs = headerSignals(readFileSync(entry, 'utf8'));
    const file = join(dirname(entry), sigs[0].file);
    const buf = readFileSync(file);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = rec.channels[0].samples.length;
    let offset = 0;
    if (file.endsWith('.mat')) {
      // MAT v4: type 30 (int16, little endian), 12 rows × n columns, name "val".
      assert.equal(dv.getInt32(0, true), 30, `${id} MAT type`);
      assert.equal(dv.getInt32(4, true), 12);
      assert.equal(dv.getInt32(8, true), n);
      offset = 20 + dv.getInt32(16, true);
      assert.equal(buf.length, offset + 24 * n, `${id} .mat size`);
    } else assert.equal(buf.length, 24 * n, `${id} .dat size`);
    rec.channels.forEach((ch, i) => {
      let sum = 0;
      for (let t = 0; t < n; t++) {
        const v = dv.getInt16(offset + 2 * (t * 12 + i), true);
        if (ch.samples[t] !== v) assert.fail(`${id} ${ch.name} sample ${t}: parsed ${ch.samples[t]}, file ${v}`);
        sum += v;
      }
      compared += n;
      assert.equal(ch.samples[0], sigs[i].init, `${id} ${ch.name} initial value`);
      assert.equal(sum & 0xffff, sigs[i].checksum & 0xffff, `${id} ${ch.name} checksum`);
      assert.equal(ch.invalidValue, -32768);
    });
  }
  console.log(`compared ${compared} samples bit-exact`);
});

test('#Dx maps to the chapman4 and cpsc9 columns of labels.csv', () => {
  let checked = 0;
  for (const [id, { rec }] of parsed) {
    const row = byId.get(id)!;
    if (row.columns.source.startsWith('ptbxl_records')) {
      assert.deepEqual(rec.dx, [], `${id}: native PTB-XL has no #Dx`);
      continue;
    }
    assert.ok(rec.dx.length > 0, `${id} has #Dx`);
    const m = mapDx(rec.dx);
    assert.equal(m.chapman4 ?? '', row.columns.chapman4, `${id} chapman4 from ${rec.dx.join(',')}`);
    assert.deepEqual(m.cpsc9, row.labels.cpsc9, `${id} cpsc9 from ${rec.dx.join(',')}`);
    assert.equal(m.snomed.join(';'), row.columns.snomed, `${id} snomed`);
    checked++;
  }
  console.log(`label mapping reproduced for ${checked} Challenge records`);
  assert.equal(checked, 229);
});

test('native PTB-XL scp_codes map to the chapman4 and cpsc9 columns of labels.csv', () => {
  const native = labels.filter((r) => r.columns.source.startsWith('ptbxl_records'));
  assert.equal(native.length, 490);
  for (const r of native) {
    const m = mapScpCodes(r.columns.scp_codes);
    assert.equal(m.chapman4 ?? '', r.columns.chapman4, `${r.recordId} chapman4 from ${r.columns.scp_codes}`);
    assert.deepEqual(m.cpsc9, r.labels.cpsc9, `${r.recordId} cpsc9 from ${r.columns.scp_codes}`);
  }
  // ptbxl_database.csv writes the codes as a Python dict.
  assert.deepEqual([...parseScpCodes("{'NORM': 100.0, 'LAO/LAE': 0.0, 'SR': 0.0}")], [['NORM', 100], ['LAO/LAE', 0], ['SR', 0]]);
  assert.deepEqual(mapScpCodes("{'NORM': 100.0, 'SR': 0.0}").cpsc9, ['Normal']);
  assert.deepEqual(mapScpCodes("{'NORM': 80.0, 'SR': 0.0}").cpsc9, []);
  assert.deepEqual(mapScpCodes("{'NORM': 100.0, 'SBRAD': 0.0}"), { chapman4: 'SB', cpsc9: [] });
});

test('demographics and dates from Challenge headers', () => {
  const a = parsed.get('A0001')!.rec;
  assert.equal(a.age, 74);
  assert.equal(a.sex, 'M');
  assert.deepEqual(a.dx, ['RBBB']);
  assert.equal(a.recordedAt, '2020-02-05T11:39:16');
  assert.ok(a.comments.includes('Sx: Unknows'));
  const e = parsed.get('E07500')!.rec;
  assert.deepEqual(e.dx, ['67741000119109', '426177001']);
  assert.equal(e.age, 78);
  // Georgia headers write "#Age: NaN".
  const nanAge = [...parsed.values()].filter(({ entry }) => readFileSync(entry, 'utf8').includes('Age: NaN'));
  assert.ok(nanAge.length > 0);
  for (const { rec } of nanAge) assert.equal(rec.age, null);
  assert.equal(basename(parsed.get('00011_lr')!.rec.files[1]), '00011_lr.dat');
});
