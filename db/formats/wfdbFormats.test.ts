/**
 * WFDB formats and header features, on small files this test writes with its own encoders (testSupport.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { findRecords, readRecord, FormatError } from './index.ts';
import { encodeWfdb, interleave, randomInts, rng, tempFolder, wfdbChecksum } from './testSupport.ts';

const tmp = tempFolder();
after(() => tmp.remove());

const RANGE: Record<number, [number, number, number | null]> = {
  // [min valid, max, invalid marker]
  8: [-3000, 3000, null],
  16: [-32767, 32767, -32768],
  61: [-32767, 32767, -32768],
  160: [-32767, 32767, -32768],
  80: [-127, 127, -128],
  24: [-8388607, 8388607, -8388608],
  32: [-2147483647, 2147483647, -2147483648],
  212: [-2047, 2047, -2048],
  310: [-511, 511, -512],
  311: [-511, 511, -512],
};

function sigLine(file: string, fmt: string, samples: number[], desc: string, gain = '200(0)/mV', adcres = 0): string {
  return `${file} ${fmt} ${gain} ${adcres} 0 ${samples[0]} ${wfdbChecksum(samples)} 0 ${desc}`;
}

function signalsFor(format: number, nsig: number, n: number, seed: number): number[][] {
  const r = rng(seed);
  const [lo, hi, invalid] = RANGE[format];
  return Array.from({ length: nsig }, (_, s) => {
    if (format === 8) {
      // First differences must fit in a byte.
      const out = [randomInts(r, 1, -500, 500)[0]];
      for (let i = 1; i < n; i++) out.push(out[i - 1] + randomInts(r, 1, -127, 127)[0]);
      return out;
    }
    const v = randomInts(r, n, lo, hi);
    v[0] = s === 0 ? lo : hi; // extremes
    if (invalid !== null && n > 3) v[2] = invalid; // an invalid sample, kept as invalid
    return v;
  });
}

function readWritten(name: string) {
  return readRecord({ kind: 'wfdb', entry: `${tmp.dir}/${name}.hea` });
}

for (const format of [8, 16, 24, 32, 61, 80, 160, 212, 310, 311]) {
  for (const [nsig, n] of [[1, 7], [1, 8], [3, 7], [2, 9]] as const) {
    test(`format ${format}: ${nsig} signal(s) × ${n} samples (${(nsig * n) % 2 ? 'odd' : 'even'} count, ${(nsig * n) % 3} left in last group)`, () => {
      const name = `f${format}_${nsig}_${n}`;
      const sigs = signalsFor(format, nsig, n, format * 100 + nsig * 10 + n);
      const init = sigs.map((s) => s[0]);
      tmp.write(`${name}.dat`, encodeWfdb(format, interleave(sigs), nsig, init));
      const leads = ['I', 'avr', 'V1'];
      tmp.write(`${name}.hea`, [`${name} ${nsig} 360 ${n}`, ...sigs.map((s, i) => sigLine(`${name}.dat`, String(format), s, leads[i] ?? `x${i}`))].join('\n') + '\n');
      const rec = readWritten(name);
      assert.equal(rec.channels.length, nsig);
      rec.channels.forEach((ch, i) => {
        assert.deepEqual([...ch.samples], sigs[i], `signal ${i}`);
        assert.equal(ch.invalidValue, RANGE[format][2]);
        assert.equal(ch.sourceFormat, String(format));
        assert.equal(ch.fs, 360);
      });
      assert.equal(rec.channels[0].lead, 'I');
      if (nsig > 1) assert.equal(rec.channels[1].lead, 'aVR');
      assert.equal(rec.channels[0].adcResolution, { 8: 8, 80: 8, 16: 16, 61: 16, 160: 16, 24: 24, 32: 32, 212: 12, 310: 10, 311: 10 }[format]);
    });
  }
}

test('header without a signal length takes it from the file size (16, 212, 310, 311, 24)', () => {
  for (const [format, nsig, n] of [[16, 2, 11], [212, 2, 5], [212, 1, 7], [310, 1, 7], [310, 1, 6], [311, 1, 7], [311, 1, 8], [24, 3, 4]] as const) {
    const name = `nolen_${format}_${nsig}_${n}`;
    const sigs = signalsFor(format, nsig, n, n);
    tmp.write(`${name}.dat`, encodeWfdb(format, interleave(sigs)));
    tmp.write(`${name}.hea`, [`${name} ${nsig} 250`, ...sigs.map((s, i) => sigLine(`${name}.dat`, String(format), s, `s${i}`))].join('\n'));
    const rec = readWritten(name);
    assert.equal(rec.fs, 250);
    rec.channels.forEach((ch, i) => assert.deepEqual([...ch.samples], sigs[i], `${name} signal ${i}`));
    assert.equal(rec.durationSec, n / 250);
  }
  // A 310 file whose last group is complete holds 3k samples: 8 samples written with a full last group read as 9
  // (the reference readers count the same way; a header with a length removes the ambiguity).
  const eight = signalsFor(310, 1, 8, 8)[0];
  tmp.write('nolen310_8.dat', encodeWfdb(310, eight));
  tmp.write('nolen310_8.hea', 'nolen310_8 1 250\nnolen310_8.dat 310\n');
  assert.deepEqual([...readWritten('nolen310_8').channels[0].samples], [...eight, 0]);
});

test('missing gain (200), gain 0 (uncalibrated → 200), baseline in parentheses, baseline defaulting to ADC zero, units', () => {
  const s = [5, 6, 7, 8];
  tmp.write('gains.dat', encodeWfdb(16, interleave([s, s, s, s, s])));
  tmp.write(
    'gains.hea',
    [
      'gains 5 500 4',
      'gains.dat 16',
      'gains.dat 16 0/mV',
      'gains.dat 16 1000.5(-12)/uV 12 3 5 26 0 V2',
      'gains.dat 16 100 12 5 5 26 0 V3',
      'gains.dat 16 100/mmHg 12 5 5',
    ].join('\n'),
  );
  const [a, b, c, d, e] = readWritten('gains').channels;
  assert.deepEqual([a.gain, a.baseline, a.units, a.adcResolution, a.name, a.lead], [200, 0, 'mV', 16, 'signal 1', null]);
  assert.deepEqual([b.gain, b.baseline, b.units], [200, 0, 'mV']);
  assert.deepEqual([c.gain, c.baseline, c.units, c.adcResolution, c.lead], [1000.5, -12, 'uV', 12, 'V2']);
  assert.deepEqual([d.gain, d.baseline, d.units], [100, 5, 'mV']);
  assert.deepEqual([e.gain, e.baseline, e.units], [100, 5, 'mmHg']);
});

test('several signal files per record, each its own format, plus byte offsets (odd and even)', () => {
  const sigs = signalsFor(16, 3, 10, 1);
  const s212 = signalsFor(212, 2, 10, 2);
  const pre = (k: number, b: Uint8Array) => Uint8Array.from([...Array.from({ length: k }, (_, i) => i & 0xff), ...b]);
  tmp.write('multi_a.dat', pre(37, encodeWfdb(16, interleave(sigs))));
  tmp.write('multi_b.dat', pre(6, encodeWfdb(212, interleave(s212))));
  tmp.write(
    'multi.hea',
    [
      'multi 5 1000 10',
      ...sigs.map((s, i) => sigLine('multi_a.dat', '16+37', s, ['I', 'II', 'III'][i])),
      ...s212.map((s, i) => sigLine('multi_b.dat', '212+6', s, ['AVF', 'v6'][i])),
    ].join('\n'),
  );
  const rec = readWritten('multi');
  assert.deepEqual(rec.channels.map((c) => [...c.samples]), [...sigs, ...s212]);
  assert.deepEqual(rec.channels.map((c) => c.lead), ['I', 'II', 'III', 'aVF', 'V6']);
  assert.equal(rec.files.length, 3);
});

test('skew: a signal is read `skew` frames later; samples past the end become invalid', () => {
  const a = [1, 2, 3, 4, 5, 6];
  const b = [10, 20, 30, 40, 50, 60];
  tmp.write('skew.dat', encodeWfdb(16, interleave([a, b])));
  // Signal b is skewed by 2: its sample t is stored in frame t+2.
  tmp.write('skew.hea', 'skew 2 100 6\nskew.dat 16 200 16 0 1 21 0 I\nskew.dat 16:2 200 16 0 30 180 0 II\n');
  const rec = readWritten('skew');
  assert.deepEqual([...rec.channels[0].samples], a);
  assert.deepEqual([...rec.channels[1].samples], [30, 40, 50, 60, -32768, -32768]);
  // Skew within a longer file reads real samples instead.
  tmp.write('skew2.hea', 'skew2 2 100 4\nskew.dat 16 200 16 0 1 10 0 I\nskew.dat 16:2 200 16 0 30 180 0 II\n');
  assert.deepEqual([...readWritten('skew2').channels[1].samples], [30, 40, 50, 60]);
});

test('samples per frame (multi-rate): each channel at its own rate, in 16 and 212', () => {
  const fast = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const slow = [100, 200, 300];
  const mid = [-1, -2, -3, -4, -5, -6];
  tmp.write('spf.dat', encodeWfdb(16, interleave([fast, slow, mid], [4, 1, 2])));
  tmp.write('spf.hea', ['spf 3 125 3', sigLine('spf.dat', '16x4', fast, 'II'), sigLine('spf.dat', '16', slow, 'ABP'), sigLine('spf.dat', '16x2', mid, 'V1')].join('\n'));
  const rec = readWritten('spf');
  assert.equal(rec.fs, 125);
  assert.deepEqual(rec.channels.map((c) => c.fs), [500, 125, 250]);
  assert.deepEqual(rec.channels.map((c) => [...c.samples]), [fast, slow, mid]);
  assert.equal(rec.durationSec, 3 / 125);
  tmp.write('spf212.dat', encodeWfdb(212, interleave([fast, slow], [4, 1])));
  tmp.write('spf212.hea', ['spf212 2 125', sigLine('spf212.dat', '212x4', fast, 'II'), sigLine('spf212.dat', '212', slow, 'ABP')].join('\n'));
  assert.deepEqual(readWritten('spf212').channels.map((c) => [...c.samples]), [fast, slow]);
});

test('multi-segment record, fixed layout with a null segment, flattened; segment headers are not records', () => {
  const s1 = [[1, 2, 3, 4], [5, 6, 7, 8]];
  const s2 = [[9, 10, 11], [12, 13, 14]];
  tmp.write('seg_1.dat', encodeWfdb(16, interleave(s1)));
  tmp.write('seg_2.dat', encodeWfdb(16, interleave(s2)));
  tmp.write('seg_1.hea', ['seg_1 2 250 4', sigLine('seg_1.dat', '16', s1[0], 'I'), sigLine('seg_1.dat', '16', s1[1], 'II')].join('\n'));
  tmp.write('seg_2.hea', ['seg_2 2 250 3', sigLine('seg_2.dat', '16', s2[0], 'I'), sigLine('seg_2.dat', '16', s2[1], 'II')].join('\n'));
  tmp.write('segrec.hea', 'segrec/3 2 250 9\nseg_1 4\n~ 2\nseg_2 3\n#Age: 50\n');
  const rec = readWritten('segrec');
  assert.equal(rec.durationSec, 9 / 250);
  assert.deepEqual([...rec.channels[0].samples], [1, 2, 3, 4, -32768, -32768, 9, 10, 11]);
  assert.deepEqual([...rec.channels[1].samples], [5, 6, 7, 8, -32768, -32768, 12, 13, 14]);
  assert.equal(rec.channels[0].invalidValue, -32768);
  assert.equal(rec.age, 50);
  const found = findRecords([tmp.dir]);
  const entries = found.records.map((r) => r.entry.split('/').pop());
  assert.ok(entries.includes('segrec.hea'));
  assert.ok(!entries.includes('seg_1.hea') && !entries.includes('seg_2.hea'));
  assert.ok(found.skipped.some((s) => s.endsWith('seg_1.hea')));
});

test('multi-segment record, variable layout: signals matched by name, absent ones invalid, baselines aligned', () => {
  tmp.write('vl_layout.hea', 'vl_layout 3 100 0\n~ 0 200(0)/mV 16 0 0 0 0 II\n~ 0 200(0)/mV 16 0 0 0 0 V1\n~ 0 100/mmHg 16 0 0 0 0 ABP\n');
  const a = [[1, 2, 3], [4, 5, 6]];
  tmp.write('vl_a.dat', encodeWfdb(16, interleave(a)));
  tmp.write('vl_a.hea', ['vl_a 2 100 3', sigLine('vl_a.dat', '16', a[0], 'II'), sigLine('vl_a.dat', '16', a[1], 'V1', '200(10)/mV')].join('\n'));
  const b = [[7, 8], [9, 10]];
  tmp.write('vl_b.dat', encodeWfdb(212, interleave(b)));
  tmp.write('vl_b.hea', ['vl_b 2 100 2', sigLine('vl_b.dat', '212', b[0], 'ABP', '100/mmHg'), sigLine('vl_b.dat', '212', b[1], 'II')].join('\n'));
  tmp.write('vl.hea', 'vl/3 3 100 5\nvl_layout 0\nvl_a 3\nvl_b 2\n');
  const rec = readWritten('vl');
  const [ii, v1, abp] = rec.channels;
  assert.deepEqual([ii.name, v1.name, abp.name], ['II', 'V1', 'ABP']);
  // II: 16-bit in one segment, 212 in the other → the flattened marker is int32's minimum.
  assert.equal(ii.invalidValue, -2147483648);
  assert.deepEqual([...ii.samples], [1, 2, 3, 9, 10]);
  // V1 was stored with baseline 10 in vl_a; the layout says 0, so samples shift by -10 (same physical values).
  assert.deepEqual([...v1.samples], [-6, -5, -4, -32768, -32768]);
  assert.deepEqual([...abp.samples], [-2048, -2048, -2048, 7, 8]);
  assert.equal(abp.invalidValue, -2048);
});

test('record line with a .mat suffix, counter frequency, fractional fs, comments anywhere, date forms', () => {
  const s = [3, 1, 4, 1, 5];
  tmp.write('odd.dat', encodeWfdb(16, s));
  tmp.write('odd.hea', ['# leading comment', 'odd.mat 1 128.5/257(-3) 5 10:11:12 25/12/2023', '#Age: 61', sigLine('odd.dat', '16', s, 'v5'), '# Sex: F', '#Dx: 164889003, 59118001'].join('\r\n'));
  const rec = readWritten('odd');
  assert.equal(rec.recordName, 'odd');
  assert.equal(rec.fs, 128.5);
  assert.equal(rec.channels[0].lead, 'V5');
  assert.deepEqual([rec.age, rec.sex, rec.dx], [61, 'F', ['164889003', '59118001']]);
  assert.equal(rec.recordedAt, '2023-12-25T10:11:12');
  assert.deepEqual(rec.comments, ['leading comment']);
});

function matV4(values: number[], rows: number, cols: number, precision: 'int16' | 'float64' | 'uint8' | 'int32', le = true): Uint8Array {
  const P = { float64: 0, int32: 2, int16: 3, uint8: 5 }[precision];
  const size = { float64: 8, int32: 4, int16: 2, uint8: 1 }[precision];
  const name = 'val\0';
  const buf = new ArrayBuffer(20 + name.length + rows * cols * size);
  const dv = new DataView(buf);
  [le ? P * 10 : 1000 + P * 10, rows, cols, 0, name.length].forEach((v, i) => dv.setInt32(4 * i, v, le));
  for (let i = 0; i < name.length; i++) dv.setUint8(20 + i, name.charCodeAt(i));
  values.forEach((v, i) => {
    const o = 24 + i * size;
    if (precision === 'int16') dv.setInt16(o, v, le);
    else if (precision === 'int32') dv.setInt32(o, v, le);
    else if (precision === 'uint8') dv.setUint8(o, v);
    else dv.setFloat64(o, v, le);
  });
  return new Uint8Array(buf);
}

test('.mat MATLAB v4: type and orientation from the MAT header (int16 LE/BE, transposed, double, int32, uint8/80)', () => {
  const sigs = [[1, -2, 3, -4, 5], [10, 20, -30, 40, 32767]];
  const header = (name: string, fmt: string, s = sigs) => [`${name} 2 500 5`, ...s.map((x, i) => sigLine(`${name}.mat`, fmt, x, ['I', 'II'][i]))].join('\n');
  const colMajorRowsAreSignals = interleave(sigs);
  const cases: [string, Uint8Array, string][] = [
    ['m16', matV4(colMajorRowsAreSignals, 2, 5, 'int16'), '16+24'],
    ['m16be', matV4(colMajorRowsAreSignals, 2, 5, 'int16', false), '16+24'],
    ['m16t', matV4([...sigs[0], ...sigs[1]], 5, 2, 'int16'), '16+24'],
    ['mdbl', matV4(colMajorRowsAreSignals, 2, 5, 'float64'), '16+24'],
    ['mi32', matV4(colMajorRowsAreSignals, 2, 5, 'int32'), '32+24'],
    ['mnooff', matV4(colMajorRowsAreSignals, 2, 5, 'int16'), '16'],
  ];
  for (const [name, bytes, fmt] of cases) {
    tmp.write(`${name}.mat`, bytes);
    tmp.write(`${name}.hea`, header(name, fmt));
    const rec = readWritten(name);
    assert.equal(rec.format, 'wfdb-mat');
    assert.deepEqual(rec.channels.map((c) => [...c.samples]), sigs, name);
    assert.equal(rec.channels[0].sourceFormat, 'mat');
  }
  const u8 = [[1, -2, 3, -4, 5], [10, 20, -30, 40, 127]];
  tmp.write('mu8.mat', matV4(interleave(u8).map((v) => v + 128), 2, 5, 'uint8'));
  tmp.write('mu8.hea', header('mu8', '80+24', u8));
  assert.deepEqual(readWritten('mu8').channels.map((c) => [...c.samples]), u8);
  // A MAT type that disagrees with the header's format is rejected, not misread.
  tmp.write('mbad.mat', matV4(colMajorRowsAreSignals, 2, 5, 'int16'));
  tmp.write('mbad.hea', header('mbad', '212+24'));
  assert.throws(() => readWritten('mbad'), (e: unknown) => e instanceof FormatError && /int16.*format 212/.test(e.reason));
  // Non-integer doubles cannot be digital samples.
  tmp.write('mfrac.mat', matV4([0.5, ...colMajorRowsAreSignals.slice(1)], 2, 5, 'float64'));
  tmp.write('mfrac.hea', header('mfrac', '16+24'));
  assert.throws(() => readWritten('mfrac'), (e: unknown) => e instanceof FormatError && /not a whole number/.test(e.reason));
});

test('null signals (file "~" or format 0) are all invalid', () => {
  const s = [1, 2, 3];
  tmp.write('nul.dat', encodeWfdb(16, s));
  tmp.write('nul.hea', ['nul 2 100 3', sigLine('nul.dat', '16', s, 'I'), '~ 0 200 16 0 0 0 0 II'].join('\n'));
  const rec = readWritten('nul');
  assert.deepEqual([...rec.channels[1].samples], [-32768, -32768, -32768]);
});

test('a large signal file that the header does not account for is rejected before it is read', () => {
  const big = new Uint8Array(17 * 1024 * 1024);
  big.set(encodeWfdb(16, [5, -6, 7, -8]), 100);
  tmp.write('big.dat', big);
  tmp.write('big.hea', `big 2 500 2\nbig.dat 16+100 200 16 0 5 12 0 I\nbig.dat 16+100 200 16 0 -6 -14 0 II\n`);
  const rss = process.memoryUsage().rss;
  assert.throws(() => readWritten('big'), (e: unknown) => e instanceof FormatError && /length is wrong/.test(e.reason));
  assert.ok(process.memoryUsage().rss - rss < 16 * 1024 * 1024);
  // Skew legitimately needs frames past the declared length; they are read, and nothing more.
  const a = [1, 2, 3];
  const b = [7, 8, 9, 10, 11];
  tmp.write('skewx.dat', encodeWfdb(16, interleave([[...a, 0, 0], b])));
  tmp.write('skewx.hea', 'skewx 2 100 3\nskewx.dat 16 200 16 0 1 6 0 I\nskewx.dat 16:2 200 16 0 9 30 0 II\n');
  assert.deepEqual(readWritten('skewx').channels.map((c) => [...c.samples]), [a, [9, 10, 11]]);
});

test('format 8 without an initial value starts from the ADC zero', () => {
  const s = [10, 12, 9, 9, 20];
  tmp.write('f8z.dat', encodeWfdb(8, s, 1, [7]));
  tmp.write('f8z.hea', 'f8z 1 100 5\nf8z.dat 8 200 8 7\n');
  assert.deepEqual([...readWritten('f8z').channels[0].samples], s);
});
