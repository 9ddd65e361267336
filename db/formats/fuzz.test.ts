/**
 * Seeded fuzzing of every parser: mutated real headers, .dat/.mat signal files, EDF/BDF, ECG CSV and labels
 * CSV (bit flips, truncation, splices, huge numbers, NaN, non-UTF-8 bytes, path traversal, …). Every case must
 * either parse to a structurally valid ParsedRecord or throw FormatError; any other exception, a hang or
 * runaway memory fails. The parsers are called through their pure cores (no fs, no catch-all wrapper), so a
 * TypeError or RangeError from a parser bug is not hidden.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRecordFiles, parseLabelsCsv, memoryFiles, FormatError, type ParsedRecord, type RecordSource } from './index.ts';
import { encodeWfdb, interleave, randomInts, rng, wfdbChecksum, writeEdf } from './testSupport.ts';

const DATA = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const CASES = Number(process.env.FUZZ_CASES ?? 4000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const LIMITS = { maxHeaderBytes: 1024 * 1024, maxTotalSamples: 4 * 1024 * 1024 };

interface Seed {
  label: string;
  kind: RecordSource['kind'] | 'labels';
  entry: string;
  files: Record<string, Uint8Array>;
}

const enc = new TextEncoder();
const txt = (s: string) => enc.encode(s);
const real = (p: string) => Uint8Array.from(readFileSync(join(DATA, p)));

function wfdbSeed(label: string, format: number, nsig: number, n: number, fmtSuffix = ''): Seed {
  const r = rng(format * 7 + nsig);
  const lim = { 8: 60, 16: 30000, 24: 8000000, 32: 2000000000, 61: 30000, 80: 120, 160: 30000, 212: 2000, 310: 500, 311: 500 }[format]!;
  const sigs = Array.from({ length: nsig }, () => (format === 8 ? Array.from({ length: n }, (_, i) => (i % 7) * 3) : randomInts(r, n, -lim, lim)));
  const name = label;
  const hea = [`${name} ${nsig} 250 ${n} 10:00:00 01/02/2003`, ...sigs.map((s, i) => `${name}.dat ${format}${fmtSuffix} 200(3)/mV 0 0 ${s[0]} ${wfdbChecksum(s)} 0 ${['I', 'avr', 'V1', 'ABP'][i % 4]}`), '#Age: 40', '#Sex: M', '#Dx: 426783006'];
  return { label, kind: 'wfdb', entry: `${name}.hea`, files: { [`${name}.hea`]: txt(hea.join('\n')), [`${name}.dat`]: encodeWfdb(format, interleave(sigs), nsig, sigs.map((s) => s[0])) } };
}

function seeds(): Seed[] {
  const out: Seed[] = [];
  for (const [dir, id, ext] of [['cpsc2018', 'A0001', 'mat'], ['georgia', 'E07500', 'mat'], ['georgia', 'E00666', 'mat'], ['ptbxl_records100', '00011_lr', 'dat'], ['ningbo', 'JS20000', 'mat']]) {
    out.push({ label: id, kind: 'wfdb', entry: `${id}.hea`, files: { [`${id}.hea`]: real(`${dir}/${id}.hea`), [`${id}.${ext}`]: real(`${dir}/${id}.${ext}`) } });
  }
  for (const f of [8, 16, 24, 32, 61, 80, 160, 212, 310, 311]) out.push(wfdbSeed(`syn${f}`, f, 3, 41));
  out.push(wfdbSeed('spf', 16, 2, 40, 'x2'));
  out.push(wfdbSeed('skew', 212, 2, 40, ':3'));
  out.push(wfdbSeed('off', 16, 2, 40, '+0'));
  // multi-segment
  const seg = wfdbSeed('seg_a', 16, 2, 10);
  out.push({ label: 'multiseg', kind: 'wfdb', entry: 'ms.hea', files: { ...seg.files, 'ms.hea': txt('ms/3 2 250 25\nseg_a 10\n~ 5\nseg_a 10\n') } });
  const sig = (label: string, spr: number, n: number) => ({ label, units: 'uV', physMin: -3276.8, physMax: 3276.7, digMin: -32768, digMax: 32767, samplesPerRecord: spr, samples: randomInts(rng(spr), spr * n, -32768, 32767) });
  out.push({ label: 'edf', kind: 'edf', entry: 'a.edf', files: { 'a.edf': writeEdf({ signals: [sig('ECG I', 50, 3), sig('ECG II', 50, 3), sig('Resp', 5, 3)], nRecords: 3, recordDuration: 0.1 }) } });
  out.push({ label: 'edf+', kind: 'edf', entry: 'p.edf', files: { 'p.edf': writeEdf({ signals: [sig('V1', 40, 2), sig('EDF Annotations', 20, 2)], nRecords: 2, recordDuration: 1, reserved: 'EDF+C', patient: 'X F 02-MAY-1951 X', recording: 'Startdate 02-MAR-2002 X X X' }) } });
  out.push({ label: 'bdf', kind: 'edf', entry: 'b.bdf', files: { 'b.bdf': writeEdf({ signals: [{ ...sig('II', 30, 2), digMin: -8388608, digMax: 8388607, physMin: -8388.608, physMax: 8388.607 }], nRecords: 2, recordDuration: 1, bdf: true }) } });
  const leads = 'I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6';
  const rows = Array.from({ length: 30 }, (_, t) => leads.split(',').map((_, i) => (t * 13 + i * 7) % 200 - 100).join(','));
  out.push({ label: 'csv-muse', kind: 'csv', entry: 'm.csv', files: { 'm.csv': txt([leads.toUpperCase(), ...rows].join('\n')) } });
  out.push({ label: 'csv-plain', kind: 'csv', entry: 'p.csv', files: { 'p.csv': txt('# fs=250 units=mV\ntime,II,V1\n0,0.125,1\n0.004,0.25,\n0.008,-0.5,NaN\n0.012,1.0,2\n') } });
  const labels = readFileSync(join(DATA, 'labels.csv'), 'utf8').split('\n').slice(0, 60).join('\n');
  out.push({ label: 'labels', kind: 'labels', entry: 'labels.csv', files: { 'labels.csv': txt(labels) } });
  return out;
}

const HUGE = ['99999999999999999999', '2147483648', '4294967296', '-1', '-2147483649', '1e308', '1e999', '0', '9007199254740993', '65536', '1000000000000'];
const NANS = ['NaN', 'nan', 'Infinity', '-Infinity', 'inf', '', '1e', '.', '-'];
const PATHS = ['../../etc/passwd', '/etc/passwd', '..\\..\\win.ini', 'a/../../b', '.hidden', 'x\0y', '~', '..', 'C:\\x'];
const BAD_UTF8 = [[0xff], [0xfe, 0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x00]];

type Mutation = (b: Uint8Array, r: () => number, other: Uint8Array) => Uint8Array;
const pick = <T,>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)];
const pos = (r: () => number, n: number) => Math.floor(r() * (n + 1));

/** Replaces the k-th number-like or word token of a text file. */
function replaceToken(b: Uint8Array, r: () => number, choices: readonly string[], re: RegExp): Uint8Array {
  const s = new TextDecoder('latin1').decode(b);
  const matches = [...s.matchAll(re)];
  if (matches.length === 0) return b;
  const m = pick(r, matches);
  const rep = pick(r, choices);
  const out = s.slice(0, m.index) + rep + s.slice(m.index! + m[0].length);
  return Uint8Array.from(out, (c) => c.charCodeAt(0) & 0xff);
}

const MUTATIONS: Record<string, Mutation> = {
  bitflip: (b, r) => {
    const c = Uint8Array.from(b);
    const k = 1 + Math.floor(r() * 8);
    for (let i = 0; i < k && c.length > 0; i++) c[Math.floor(r() * c.length)] ^= 1 << Math.floor(r() * 8);
    return c;
  },
  headerflip: (b, r) => {
    // Flips within the first 300 bytes, where headers and binary size fields live.
    const c = Uint8Array.from(b);
    for (let i = 0; i < 3 && c.length > 0; i++) c[Math.floor(r() * Math.min(300, c.length))] ^= 1 << Math.floor(r() * 8);
    return c;
  },
  truncate: (b, r) => b.subarray(0, pos(r, b.length - 1)),
  truncateTail: (b, r) => b.subarray(0, Math.max(0, b.length - 1 - Math.floor(r() * 8))),
  empty: () => new Uint8Array(0),
  splice: (b, r, other) => {
    const at = pos(r, b.length);
    const from = pos(r, other.length);
    const len = Math.floor(r() * Math.min(512, other.length - from + 1));
    return Uint8Array.from([...b.subarray(0, at), ...other.subarray(from, from + len), ...b.subarray(at)]);
  },
  duplicate: (b, r) => {
    const a = pos(r, b.length);
    const len = Math.floor(r() * 200);
    return Uint8Array.from([...b.subarray(0, a + len), ...b.subarray(a)]);
  },
  deleteRange: (b, r) => {
    const a = pos(r, b.length);
    return Uint8Array.from([...b.subarray(0, a), ...b.subarray(a + 1 + Math.floor(r() * 64))]);
  },
  hugeNumber: (b, r) => replaceToken(b, r, HUGE, /[+-]?\d+(\.\d+)?/g),
  nan: (b, r) => replaceToken(b, r, NANS, /[+-]?\d+(\.\d+)?/g),
  pathTraversal: (b, r) => replaceToken(b, r, PATHS, /[A-Za-z0-9_]+\.(dat|mat|hea)|^[A-Za-z0-9_]+(?= )|\n[A-Za-z0-9_]+(?= \d)/g),
  badUtf8: (b, r) => {
    const at = pos(r, b.length);
    return Uint8Array.from([...b.subarray(0, at), ...pick(r, BAD_UTF8), ...b.subarray(at)]);
  },
  binaryInt32: (b, r) => {
    // Overwrites a 32-bit size field near the start (MAT header words, EDF fields) with an extreme value.
    const c = Uint8Array.from(b);
    if (c.length < 24) return c;
    const at = 4 * Math.floor(r() * Math.min(64, c.length / 4 - 1));
    new DataView(c.buffer).setInt32(at, pick(r, [0x7fffffff, -1, -0x80000000, 0, 1, 0x10000, 12, 30, 1030]), r() < 0.5);
    return c;
  },
  shuffleLines: (b, r) => {
    const lines = new TextDecoder('latin1').decode(b).split('\n');
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [lines[i], lines[j]] = [lines[j], lines[i]];
    }
    return Uint8Array.from(lines.join('\n'), (ch) => ch.charCodeAt(0) & 0xff);
  },
  randomBytes: (b, r) => Uint8Array.from({ length: Math.floor(r() * 600) }, () => Math.floor(r() * 256)),
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

/** Structural validity of a parse result. */
function checkRecord(rec: ParsedRecord, where: string) {
  assert.ok(typeof rec.recordName === 'string' && rec.recordName.length > 0 && !rec.recordName.includes('/'), `${where}: recordName`);
  assert.ok(Number.isFinite(rec.fs) && rec.fs > 0, `${where}: fs ${rec.fs}`);
  assert.ok(Number.isFinite(rec.durationSec) && rec.durationSec >= 0, `${where}: duration`);
  assert.ok(rec.channels.length > 0, `${where}: channels`);
  assert.ok(rec.age === null || (Number.isFinite(rec.age) && rec.age >= 0), `${where}: age`);
  assert.ok(rec.sex === null || rec.sex === 'M' || rec.sex === 'F');
  assert.ok(Array.isArray(rec.dx) && rec.dx.every((d) => typeof d === 'string'));
  assert.ok(rec.recordedAt === null || !Number.isNaN(Date.parse(rec.recordedAt)), `${where}: recordedAt ${rec.recordedAt}`);
  for (const ch of rec.channels) {
    assert.ok(ch.samples instanceof Int32Array, `${where}: samples type`);
    assert.ok(Number.isFinite(ch.fs) && ch.fs > 0, `${where}: channel fs`);
    assert.ok(Number.isFinite(ch.gain) && ch.gain !== 0, `${where}: gain ${ch.gain}`);
    assert.ok(Number.isFinite(ch.baseline), `${where}: baseline`);
    assert.ok(typeof ch.units === 'string' && typeof ch.name === 'string');
    assert.ok(ch.invalidValue === null || Number.isInteger(ch.invalidValue));
    const expected = rec.durationSec * ch.fs;
    assert.ok(Math.abs(ch.samples.length - expected) <= 1e-6 * Math.max(1, expected), `${where}: ${ch.samples.length} samples for ${rec.durationSec} s at ${ch.fs} Hz`);
  }
}

test(`fuzz: ${CASES} mutated files end in a valid record or a FormatError`, { timeout: 120_000 }, () => {
  const all = seeds();
  const r = rng(SEED);
  const t0 = performance.now();
  const outcome = { parsed: 0, formatError: 0 };
  const reasons = new Map<string, number>();
  let peakRss = 0;
  for (let i = 0; i < CASES; i++) {
    const seed = all[i % all.length];
    const names = Object.keys(seed.files);
    const target = pick(r, names);
    const other = seed.files[pick(r, names)];
    const applied: string[] = [];
    let bytes = seed.files[target];
    const k = 1 + Math.floor(r() * 3);
    for (let j = 0; j < k; j++) {
      const m = pick(r, MUTATION_NAMES);
      applied.push(m);
      bytes = MUTATIONS[m](bytes, r, other);
    }
    const files = memoryFiles({ ...seed.files, [target]: bytes });
    const where = `case ${i} (seed ${SEED}, ${seed.label}, ${target}: ${applied.join('+')})`;
    const c0 = performance.now();
    try {
      if (seed.kind === 'labels') {
        const rows = parseLabelsCsv(new TextDecoder().decode(bytes), target, ['chapman4', 'cpsc9']);
        for (const row of rows) assert.ok(typeof row.recordId === 'string' && Array.isArray(row.labels.cpsc9), where);
      } else checkRecord(parseRecordFiles(seed.kind, files, seed.entry, LIMITS), where);
      outcome.parsed++;
    } catch (err) {
      if (!(err instanceof FormatError)) {
        if (err instanceof assert.AssertionError) throw err;
        assert.fail(`${where}: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`);
      }
      assert.ok(err.reason.length > 0 && err.file.length > 0, `${where}: FormatError names file and reason`);
      outcome.formatError++;
      const key = err.reason.replace(/"[^"]*"|\d+(\.\d+)?/g, '…').slice(0, 60);
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    const dt = performance.now() - c0;
    assert.ok(dt < 2000, `${where}: took ${dt.toFixed(0)} ms`);
    if (i % 250 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`fuzz: ${CASES} cases in ${seconds.toFixed(1)} s (seed ${SEED}): ${outcome.parsed} parsed, ${outcome.formatError} FormatError, ${reasons.size} distinct reasons, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`);
  if (process.env.FUZZ_VERBOSE) for (const [k, v] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${v}\t${k}`);
  assert.equal(outcome.parsed + outcome.formatError, CASES);
  assert.ok(CASES < 3000 || outcome.formatError > CASES / 4, 'mutations mostly produce errors');
  assert.ok(peakRss < 2 * 1024 ** 3, 'memory stayed bounded');
  assert.ok(seconds < 60, `fuzz run took ${seconds.toFixed(1)} s`);
});
