/** Header(5) parsing details. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWfdbHeader } from './wfdbHeader.ts';
import { FormatError } from './types.ts';
import { isoDateTime, parseComments } from './wfdbRecord.ts';

test('record line: name, counter frequency and base counter, length, time and date', () => {
  const h = parseWfdbHeader('# top\n100 2 360/720(-12.5) 650000 12:30:00 25/03/1980\n100.dat 212 200 11 1024 995 -22131 0 MLII\n100.dat 212 200 11 1024 1011 20052 0 V5\n', '100.hea');
  assert.deepEqual([h.recordName, h.nSignals, h.fs, h.counterFreq, h.baseCounter, h.nSamples, h.baseTime, h.baseDate], ['100', 2, 360, 720, -12.5, 650000, '12:30:00', '25/03/1980']);
  assert.deepEqual(h.comments, [' top']);
  const [s] = h.signals;
  assert.deepEqual([s.fileName, s.format, s.gain, s.calibrated, s.adcResolution, s.adcZero, s.baseline, s.initialValue, s.checksum, s.description], ['100.dat', 212, 200, true, 11, 1024, 1024, 995, -22131, 'MLII']);
});

test('record line with only name and signal count: fs defaults to 250, length unknown', () => {
  const h = parseWfdbHeader('x 1\nx.dat 16\n', 'x.hea');
  assert.equal(h.fs, 250);
  assert.equal(h.nSamples, null);
  assert.deepEqual([h.signals[0].gain, h.signals[0].calibrated, h.signals[0].units, h.signals[0].byteOffset], [200, false, 'mV', null]);
});

test('signal line: format with spf, skew and offset; description with spaces; CRLF', () => {
  const h = parseWfdbHeader('r 1 1000\r\nr.dat 16x4:3+512 2000.5(-7)/uV 16 0 1 2 0 Lead II (cart)\r\n', 'r.hea');
  const s = h.signals[0];
  assert.deepEqual([s.samplesPerFrame, s.skew, s.byteOffset, s.gain, s.baseline, s.units, s.description], [4, 3, 512, 2000.5, -7, 'uV', 'Lead II (cart)']);
});

test('multi-segment header: segments and null segments', () => {
  const h = parseWfdbHeader('m/3 2 125 300\nm_layout 0\n~ 100\nm_0001 200\n#Age: 80\n', 'm.hea');
  assert.equal(h.nSegments, 3);
  assert.deepEqual(h.segments, [{ name: 'm_layout', nSamples: 0 }, { name: null, nSamples: 100 }, { name: 'm_0001', nSamples: 200 }]);
});

test('header errors name the file and the line', () => {
  assert.throws(() => parseWfdbHeader('r 1 500 10\nr.dat 16 abc/mV\n', 'r.hea'), (e: unknown) => e instanceof FormatError && e.file === 'r.hea' && /line 2: invalid gain "abc"/.test(e.reason));
  assert.throws(() => parseWfdbHeader('r 2 500 10\nr.dat 16\n', 'r.hea'), /declares 2 signals but has 1/);
  assert.throws(() => parseWfdbHeader('r 1 500 10\nr.dat 16x0\n', 'r.hea'), /invalid samples per frame/);
  assert.throws(() => parseWfdbHeader('r 1 -5 10\nr.dat 16\n', 'r.hea'), /invalid sampling frequency/);
});

test('comments: Age/Sex/Dx in either spelling, NaN age, other lines kept', () => {
  const m = parseComments(['Age: NaN', ' Sex: Female', 'Dx: 164889003,59118001', 'Rx: Unknown', ' Dx : 426783006']);
  assert.deepEqual(m, { age: null, sex: 'F', dx: ['164889003', '59118001', '426783006'], other: ['Rx: Unknown'] });
  assert.equal(isoDateTime('05-Feb-2020', '11:39:16'), '2020-02-05T11:39:16');
  assert.equal(isoDateTime('31/12/1999', null), '1999-12-31');
  assert.equal(isoDateTime('40/13/1999', '10:00:00'), null);
});
