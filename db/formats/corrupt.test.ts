/**
 * Corrupt-file suite: each kind of bad input gives a FormatError naming the file and a specific reason,
 * without allocating memory for sizes the files do not back.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecord, FormatError, type RecordSource } from './index.ts';
import { encodeWfdb, tempFolder, wfdbChecksum, writeEdf } from './testSupport.ts';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const tmp = tempFolder();
after(() => tmp.remove());

const good = [100, -200, 300, -400, 500, -600];
const goodDat = encodeWfdb(16, good);
const line = (fmt = '16', file = 'r.dat', n = good) => `${file} ${fmt} 200/mV 16 0 ${n[0]} ${wfdbChecksum(n)} 0 II`;

/** Writes a record under its own name and expects FormatError(file matching, reason matching). */
function expectBad(name: string, files: Record<string, Uint8Array | string>, reason: RegExp, fileRe: RegExp = /./, kind: RecordSource['kind'] = 'wfdb', entry = `${name}.hea`) {
  for (const [f, data] of Object.entries(files)) tmp.write(f, data);
  const rssBefore = process.memoryUsage().rss;
  assert.throws(
    () => readRecord({ kind, entry: join(tmp.dir, entry) }),
    (e: unknown) => {
      assert.ok(e instanceof FormatError, `${name}: ${String(e)}`);
      assert.match(e.reason, reason, name);
      assert.match(e.file, fileRe, name);
      assert.ok(e.message.startsWith(e.file));
      return true;
    },
  );
  assert.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024, `${name}: memory stayed bounded`);
}

test('truncated signal files (.dat and .mat) and headers that lie about the sample count', () => {
  expectBad('trunc', { 'trunc.dat': goodDat.subarray(0, 7), 'trunc.hea': `trunc 1 500 6\n${line('16', 'trunc.dat')}` }, /holds 3 frames .* declares 6 samples/, /trunc\.dat$/);
  expectBad('lies', { 'lies.dat': goodDat, 'lies.hea': `lies 1 500 60\n${line('16', 'lies.dat')}` }, /holds 6 frames .* declares 60/, /lies\.dat$/);
  expectBad('short', { 'short.dat': goodDat, 'short.hea': `short 1 500 4\nshort.dat 16 200/mV 16 0 100 -200 0 II` }, /holds 6 frames .* declares 4 samples .*length is wrong/, /short\.dat$/);
  const mat = readFileSync(join(DATA, 'cpsc2018/A0002.mat'));
  const hea = readFileSync(join(DATA, 'cpsc2018/A0002.hea'), 'utf8');
  expectBad('A0002', { 'A0002.mat': mat.subarray(0, mat.length - 100), 'A0002.hea': hea }, /needs \d+ bytes but the file has \d+ \(truncated\)/, /A0002\.mat$/);
  expectBad('matlies', { 'matlies.mat': mat, 'matlies.hea': hea.replace(/^A0002 12 500 5000/, 'matlies 12 500 4000').replaceAll('A0002.mat', 'matlies.mat') }, /declares 4000 samples .* MATLAB matrix holds 5000/);
});

test('checksum and initial value mismatches give both numbers', () => {
  expectBad('cks', { 'cks.dat': goodDat, 'cks.hea': `cks 1 500 6\ncks.dat 16 200/mV 16 0 100 1234 0 II` }, /checksum mismatch .* header says 1234, samples sum to -300/, /cks\.hea$/);
  expectBad('ini', { 'ini.dat': goodDat, 'ini.hea': `ini 1 500 6\nini.dat 16 200/mV 16 0 99 -300 0 II` }, /initial value mismatch .* header says 99, first sample is 100/);
  const hea = readFileSync(join(DATA, 'ptbxl_records100/00011_lr.hea'), 'utf8');
  const dat = Uint8Array.from(readFileSync(join(DATA, 'ptbxl_records100/00011_lr.dat')));
  dat[1000] ^= 0x10; // one flipped bit in the middle of the signal
  expectBad('00011_lr', { '00011_lr.dat': dat, '00011_lr.hea': hea }, /checksum mismatch for signal \d+ \(\w+\)/);
});

test('unknown and unsupported formats are rejected with the reason', () => {
  expectBad('fmt999', { 'fmt999.dat': goodDat, 'fmt999.hea': `fmt999 1 500 6\n${line('999', 'fmt999.dat')}` }, /unknown signal format 999/);
  expectBad('flac', { 'flac.dat': goodDat, 'flac.hea': `flac 1 500 6\n${line('516', 'flac.dat')}` }, /FLAC/);
  expectBad('mixed', { 'mixed.dat': goodDat, 'mixed.hea': `mixed 2 500 3\n${line('16', 'mixed.dat')}\n${line('212', 'mixed.dat')}` }, /different formats/);
  expectBad('apart', { 'apart.dat': goodDat, 'apart_b.dat': goodDat, 'apart.hea': `apart 3 500 2\n${line('16', 'apart.dat', [100, -200])}\n${line('16', 'apart_b.dat', [100, -200])}\n${line('16', 'apart.dat', [300, -400])}` }, /signals stored in apart\.dat are not listed together/);
  expectBad('v5', { 'v5.mat': new TextEncoder().encode('MATLAB 5.0 MAT-file, Platform: x'.padEnd(200, ' ')), 'v5.hea': `v5 1 500 6\n${line('16+24', 'v5.mat')}` }, /v5\/v7/);
  expectBad('kind', {}, /unknown record kind/, /./, 'weird' as RecordSource['kind']);
});

test('zero-length files and missing files', () => {
  expectBad('empty', { 'empty.hea': '' }, /empty \(0 bytes\)/, /empty\.hea$/);
  expectBad('emptydat', { 'emptydat.dat': new Uint8Array(0), 'emptydat.hea': `emptydat 1 500 6\n${line('16', 'emptydat.dat')}` }, /empty \(0 bytes\)/, /emptydat\.dat$/);
  expectBad('nodat', { 'nodat.hea': `nodat 1 500 6\n${line('16', 'nodat-missing.dat')}` }, /not found/, /nodat-missing\.dat$/);
  expectBad('e0', { 'e0.edf': new Uint8Array(0) }, /empty/, /e0\.edf$/, 'edf', 'e0.edf');
  expectBad('c0', { 'c0.csv': '' }, /empty/, /c0\.csv$/, 'csv', 'c0.csv');
  expectBad('len0', { 'len0.dat': goodDat, 'len0.hea': `len0 1 500 0\n${line('16', 'len0.dat')}` }, /no samples \(length 0\)/);
  expectBad('hdrless', { 'hdrless.hea': '# only a comment\n' }, /no record line/);
});

test('non-UTF-8 and binary text', () => {
  expectBad('latin', { 'latin.dat': goodDat, 'latin.hea': Uint8Array.from([...new TextEncoder().encode(`latin 1 500 6\n${line('16', 'latin.dat')}\n#Sx: `), 0xe9, 0xff]) }, /not valid UTF-8/);
  expectBad('nul', { 'nul.hea': 'nul 1 500\0 6\n' }, /NUL/);
  expectBad('csvbin', { 'csvbin.csv': Uint8Array.from([0x49, 0x2c, 0x49, 0x49, 0x0a, 0xff, 0xfe, 0x0a]) }, /not valid UTF-8/, /csvbin\.csv$/, 'csv', 'csvbin.csv');
});

test('huge declared lengths never allocate: samples, signals, samples per frame, segments, EDF records, MAT sizes', () => {
  expectBad('huge1', { 'huge1.dat': goodDat, 'huge1.hea': `huge1 1 500 999999999999999999\n${line('16', 'huge1.dat')}` }, /invalid number of samples|implausibly large/);
  expectBad('huge2', { 'huge2.dat': goodDat, 'huge2.hea': `huge2 1 500 1000000000000\n${line('16', 'huge2.dat')}` }, /declares 1000000000000 samples/);
  expectBad('huge3', { 'huge3.hea': `huge3 2000000000 500 6\n${line('16', 'huge3.dat')}` }, /declares 2000000000 signals but has 1 signal line/);
  expectBad('huge4', { 'huge4.dat': goodDat, 'huge4.hea': `huge4 1 500 6\n${line('16x999999', 'huge4.dat')}` }, /holds 0 frames/);
  expectBad('huge5', { 'huge5.hea': 'huge5/1 1 500\n~ 1000000000000\n' }, /more than the \d+ limit|only null segments/);
  expectBad('huge6', { 'huge6.dat': goodDat, 'huge6.hea': `huge6 1 500 1000000000000\n~ 0 200 16 0 0 0 0 II` }, /more than the \d+ limit/);
  const sig = { label: 'I', units: 'uV', physMin: -1, physMax: 1, digMin: -32768, digMax: 32767, samplesPerRecord: 10, samples: [] };
  expectBad('edfhuge', { 'edfhuge.edf': writeEdf({ signals: [sig], nRecords: 1, recordDuration: 1, nRecordsField: '99999999' }) }, /declares 99999999 data records but the file holds 1/, /edfhuge\.edf$/, 'edf', 'edfhuge.edf');
  const m = new Uint8Array(40);
  new DataView(m.buffer).setInt32(0, 30, true);
  new DataView(m.buffer).setInt32(4, 12, true);
  new DataView(m.buffer).setInt32(8, 2000000000, true);
  new DataView(m.buffer).setInt32(16, 4, true);
  expectBad('mathuge', { 'mathuge.mat': m, 'mathuge.hea': `mathuge 12 500\n${Array.from({ length: 12 }, () => 'mathuge.mat 16+24 1000/mV').join('\n')}` }, /truncated/, /mathuge\.mat$/);
});

test('NaN and malformed numbers in headers', () => {
  expectBad('nangain', { 'nangain.hea': `nangain 1 500 6\nnangain.dat 16 NaN/mV 16 0 0 0 0 II` }, /invalid gain "NaN"/);
  expectBad('nanfs', { 'nanfs.hea': `nanfs 1 NaN 6\n${line()}` }, /invalid sampling frequency "NaN"/);
  expectBad('nanlen', { 'nanlen.hea': `nanlen 1 500 NaN\n${line()}` }, /invalid number of samples "NaN"/);
  expectBad('inffs', { 'inffs.hea': `inffs 1 1e999 6\n${line()}` }, /invalid sampling frequency/);
  expectBad('negn', { 'negn.hea': `negn -3 500 6\n${line()}` }, /invalid signal count/);
  expectBad('badcks', { 'badcks.hea': `badcks 1 500 6\nr.dat 16 200/mV 16 0 1 0x10 0 II` }, /invalid checksum "0x10"/);
  const sig = { label: 'I', units: 'uV', physMin: NaN, physMax: 1, digMin: -32768, digMax: 32767, samplesPerRecord: 2, samples: [1, 2] };
  expectBad('edfnan', { 'edfnan.edf': writeEdf({ signals: [sig], nRecords: 1, recordDuration: 1 }) }, /invalid physical minimum "NaN"/, /edfnan\.edf$/, 'edf', 'edfnan.edf');
  expectBad('csvtext', { 'csvtext.csv': 'I,II\n1,2\n3,abc\n' }, /"abc" is not a number/, /csvtext\.csv$/, 'csv', 'csvtext.csv');
});

test('path traversal in names inside headers is refused', () => {
  expectBad('trav1', { 'trav1.hea': `trav1 1 500 6\n../../etc/passwd 16 200 16 0 0 0 0 II` }, /"\.\.\/\.\.\/etc\/passwd" is not a plain file name/);
  expectBad('trav2', { 'trav2.hea': `trav2 1 500 6\n/etc/passwd 16 200 16 0 0 0 0 II` }, /not a plain file name/);
  expectBad('trav3', { 'trav3.hea': 'trav3/2 1 500 12\n../secret 6\nok 6\n' }, /segment name "\.\.\/secret" is not a plain file name/);
  expectBad('trav4', { 'trav4.hea': `..\\..\\x 1 500 6\n${line()}` }, /record name .* is not a plain file name/);
  expectBad('trav5', { 'trav5.hea': `trav5 1 500 6\n..x.dat 16 200 16 0 0 0 0 II` }, /not a plain file name/);
});

test('EDF structure errors', () => {
  const sig = { label: 'I', units: 'uV', physMin: -1, physMax: 1, digMin: -32768, digMax: 32767, samplesPerRecord: 4, samples: [1, 2, 3, 4, 5, 6, 7, 8] };
  const ok = writeEdf({ signals: [sig], nRecords: 2, recordDuration: 1 });
  expectBad('edftrunc', { 'edftrunc.edf': ok.subarray(0, ok.length - 3) }, /declares 2 data records but the file holds 1 \(truncated\)/, /./, 'edf', 'edftrunc.edf');
  expectBad('edfextra', { 'edfextra.edf': Uint8Array.from([...ok, 1, 2]) }, /data bytes but the header describes/, /./, 'edf', 'edfextra.edf');
  expectBad('edfshort', { 'edfshort.edf': ok.subarray(0, 100) }, /shorter than the 256-byte EDF header/, /./, 'edf', 'edfshort.edf');
  expectBad('edfver', { 'edfver.edf': Uint8Array.from([0x31, ...ok.subarray(1)]) }, /not an EDF file/, /./, 'edf', 'edfver.edf');
  expectBad('edfdig', { 'edfdig.edf': writeEdf({ signals: [{ ...sig, digMin: 5, digMax: 5 }], nRecords: 2, recordDuration: 1 }) }, /digital maximum 5 is not above the minimum 5/, /./, 'edf', 'edfdig.edf');
});
