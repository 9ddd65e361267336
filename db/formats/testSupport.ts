/**
 * Test helpers: small independent encoders for every WFDB format, EDF and CSV writers, and temp folders.
 * Written from the specifications (signal(5), EDF), deliberately not sharing code with the decoders.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Encodes a flat (multiplexed) sample stream in a WFDB format. For format 8, `frame` gives the signal of each
 * position in a frame (a number n means n signals of one sample each) and `init` each signal's initial value.
 */
export function encodeWfdb(format: number, flat: number[], frame: number | number[] = 1, init: number[] = []): Uint8Array {
  const signalOf = typeof frame === 'number' ? Array.from({ length: frame }, (_, i) => i) : frame;
  const n = flat.length;
  const out: number[] = [];
  const u16le = (v: number) => out.push(v & 0xff, (v >> 8) & 0xff);
  switch (format) {
    case 8: {
      const prev = signalOf.map((_, s) => init[s] ?? 0);
      flat.forEach((v, i) => {
        const s = signalOf[i % signalOf.length];
        const d = v - prev[s];
        if (d < -128 || d > 127) throw new Error('format 8 test data must change by at most 127 per sample');
        out.push(d & 0xff);
        prev[s] = v;
      });
      break;
    }
    case 16: flat.forEach((v) => u16le(v)); break;
    case 61: flat.forEach((v) => out.push((v >> 8) & 0xff, v & 0xff)); break;
    case 160: flat.forEach((v) => u16le(v + 32768)); break;
    case 80: flat.forEach((v) => out.push((v + 128) & 0xff)); break;
    case 24: flat.forEach((v) => out.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff)); break;
    case 32: flat.forEach((v) => out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff)); break;
    case 212:
      for (let i = 0; i < n; i += 2) {
        const a = flat[i] & 0xfff;
        if (i + 1 < n) {
          const b = flat[i + 1] & 0xfff;
          out.push(a & 0xff, (a >> 8) | ((b >> 8) << 4), b & 0xff);
        } else out.push(a & 0xff, a >> 8);
      }
      break;
    case 310:
      for (let i = 0; i < n; i += 3) {
        const a = flat[i] & 0x3ff;
        const b = i + 1 < n ? flat[i + 1] & 0x3ff : 0;
        const c = i + 2 < n ? flat[i + 2] & 0x3ff : 0;
        const w0 = (a << 1) | ((c & 0x1f) << 11);
        const w1 = (b << 1) | ((c >> 5) << 11);
        u16le(w0);
        if (i + 1 < n) u16le(w1);
      }
      break;
    case 311:
      for (let i = 0; i < n; i += 3) {
        const a = flat[i] & 0x3ff;
        const b = i + 1 < n ? flat[i + 1] & 0x3ff : 0;
        const c = i + 2 < n ? flat[i + 2] & 0x3ff : 0;
        const w = (a | (b << 10) | (c << 20)) >>> 0;
        const bytes = [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff];
        out.push(...bytes.slice(0, i + 2 < n ? 4 : i + 1 < n ? 3 : 2));
      }
      break;
    default:
      throw new Error(`test encoder: format ${format}`);
  }
  return Uint8Array.from(out);
}

/** Interleaves per-signal arrays frame by frame, each with its samples per frame. */
export function interleave(signals: number[][], spf: number[] = signals.map(() => 1)): number[] {
  const frames = signals[0].length / spf[0];
  const out: number[] = [];
  for (let f = 0; f < frames; f++) signals.forEach((s, i) => out.push(...s.slice(f * spf[i], (f + 1) * spf[i])));
  return out;
}

/** Signed 16-bit sum, as written in WFDB headers. */
export function wfdbChecksum(samples: number[]): number {
  let s = 0;
  for (const v of samples) s += v;
  return ((s & 0xffff) << 16) >> 16;
}

/** A deterministic pseudo-random generator (mulberry32, shared with the splits). */
export { seededRandom as rng } from '../splits.ts';

/** Random integers in [lo, hi]. */
export function randomInts(r: () => number, n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
}

export function tempFolder(prefix = 'x3ecg-formats-'): { dir: string; write(name: string, data: Uint8Array | string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, data) {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface EdfSignalSpec {
  label: string;
  units: string;
  physMin: number;
  physMax: number;
  digMin: number;
  digMax: number;
  samplesPerRecord: number;
  /** Digital samples, nRecords × samplesPerRecord (or raw annotation bytes for an annotation signal). */
  samples: number[];
}

/** Writes an EDF / EDF+ / BDF file from the spec (fields space-padded ASCII). */
export function writeEdf(opts: {
  signals: EdfSignalSpec[];
  nRecords: number;
  recordDuration: number;
  reserved?: string;
  patient?: string;
  recording?: string;
  startDate?: string;
  startTime?: string;
  bdf?: boolean;
  nRecordsField?: string;
}): Uint8Array {
  const bps = opts.bdf ? 3 : 2;
  const ns = opts.signals.length;
  const pad = (s: string, w: number) => (s + ' '.repeat(w)).slice(0, w);
  let h = '';
  h += opts.bdf ? '\u00ffBIOSEMI' : pad('0', 8);
  h += pad(opts.patient ?? 'X X X X', 80);
  h += pad(opts.recording ?? 'Startdate X X X X', 80);
  h += pad(opts.startDate ?? '02.03.21', 8);
  h += pad(opts.startTime ?? '10.11.12', 8);
  h += pad(String(256 * (ns + 1)), 8);
  h += pad(opts.reserved ?? '', 44);
  h += pad(opts.nRecordsField ?? String(opts.nRecords), 8);
  h += pad(String(opts.recordDuration), 8);
  h += pad(String(ns), 4);
  const each = (f: (s: EdfSignalSpec) => string, w: number) => opts.signals.forEach((s) => (h += pad(f(s), w)));
  each((s) => s.label, 16);
  each(() => 'AgAgCl electrode', 80);
  each((s) => s.units, 8);
  each((s) => String(s.physMin), 8);
  each((s) => String(s.physMax), 8);
  each((s) => String(s.digMin), 8);
  each((s) => String(s.digMax), 8);
  each(() => 'HP:0.1Hz', 80);
  each((s) => String(s.samplesPerRecord), 8);
  each(() => '', 32);
  const bytes: number[] = [];
  for (let i = 0; i < h.length; i++) bytes.push(h.charCodeAt(i) & 0xff);
  for (let r = 0; r < opts.nRecords; r++) {
    for (const s of opts.signals) {
      for (let j = 0; j < s.samplesPerRecord; j++) {
        const v = s.samples[r * s.samplesPerRecord + j] ?? 0;
        bytes.push(v & 0xff, (v >> 8) & 0xff);
        if (bps === 3) bytes.push((v >> 16) & 0xff);
      }
    }
  }
  return Uint8Array.from(bytes);
}
