/**
 * WFDB export: one header + one format-16 signal file holding every channel at its own rate
 * (samples per frame), invalid samples as -32768, with initial values and checksums.
 */
import type { WfdbExportChannel, WfdbExportInput } from './types.ts';
import { isSafeFileName } from './wfdbHeader.ts';
import { checksum16 } from './wfdbSignals.ts';

const INVALID16 = -32768;

/** Digital samples for format 16: rescaled (gain raised or lowered) only when they do not fit in int16. */
function toInt16(ch: WfdbExportChannel): { samples: Int32Array; gain: number; baseline: number } {
  const base = Math.round(ch.baseline);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ch.samples.length; i++) {
    const v = ch.samples[i];
    if (v === ch.invalidValue) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Int32Array(ch.samples.length);
  if (lo === Infinity || (lo > INVALID16 && hi <= 32767)) {
    for (let i = 0; i < out.length; i++) out[i] = ch.samples[i] === ch.invalidValue ? INVALID16 : ch.samples[i];
    return { samples: out, gain: ch.gain, baseline: base };
  }
  // Too wide for 16 bits: map (v - baseline) into ±32767 with baseline 0, so physical values stay within one new ADC step.
  const span = Math.max(Math.abs(lo - ch.baseline), Math.abs(hi - ch.baseline), 1);
  const scale = 32767 / span;
  for (let i = 0; i < out.length; i++) {
    const v = ch.samples[i];
    out[i] = v === ch.invalidValue ? INVALID16 : Math.max(-32767, Math.min(32767, Math.round((v - ch.baseline) * scale)));
  }
  return { samples: out, gain: ch.gain * scale, baseline: 0 };
}

function gcdRate(rates: number[]): number {
  // Rates are usually integers; fall back to the lowest rate when they are not.
  if (rates.every((r) => Number.isInteger(r))) {
    const g = (a: number, b: number): number => (b === 0 ? a : g(b, a % b));
    return rates.reduce((a, b) => g(a, b));
  }
  return Math.min(...rates);
}

function field(text: string): string {
  return text.replace(/\s+/g, '_') || '_';
}

export function writeWfdbRecord(rec: WfdbExportInput): { hea: string; dat: Uint8Array } {
  if (!isSafeFileName(rec.recordName)) throw new RangeError(`record name "${rec.recordName}" is not a plain file name`);
  if (rec.channels.length === 0) throw new RangeError('a record needs at least one channel');
  const frameRate = rec.fs ?? gcdRate(rec.channels.map((c) => c.fs));
  for (const c of rec.channels) {
    if (!(Number.isFinite(c.gain) && c.gain > 0)) throw new RangeError(`channel ${c.name}: gain ${c.gain} is not a positive number`);
    if (!Number.isFinite(c.baseline)) throw new RangeError(`channel ${c.name}: baseline ${c.baseline} is not a number`);
    if (!(Number.isFinite(c.fs) && c.fs > 0)) throw new RangeError(`channel ${c.name}: rate ${c.fs} is not a positive number`);
  }
  const spfs = rec.channels.map((c) => {
    const spf = c.fs / frameRate;
    if (!Number.isInteger(spf) || spf < 1) throw new RangeError(`channel ${c.name}: rate ${c.fs} Hz is not a multiple of the frame rate ${frameRate} Hz`);
    return spf;
  });
  const nFrames = rec.channels[0].samples.length / spfs[0];
  rec.channels.forEach((c, i) => {
    if (c.samples.length !== nFrames * spfs[i])
      throw new RangeError(`channel ${c.name}: ${c.samples.length} samples, expected ${nFrames * spfs[i]} (${nFrames} frames × ${spfs[i]})`);
  });
  const conv = rec.channels.map(toInt16);
  const tspf = spfs.reduce((a, b) => a + b, 0);
  const dat = new Uint8Array(nFrames * tspf * 2);
  const dv = new DataView(dat.buffer);
  let p = 0;
  for (let f = 0; f < nFrames; f++) {
    for (let c = 0; c < conv.length; c++) {
      const s = conv[c].samples;
      const spf = spfs[c];
      for (let j = 0; j < spf; j++, p += 2) dv.setInt16(p, s[f * spf + j], true);
    }
  }
  const datName = `${rec.recordName}.dat`;
  const lines = [`${rec.recordName} ${rec.channels.length} ${frameRate} ${nFrames}`];
  rec.channels.forEach((c, i) => {
    const { samples, gain, baseline } = conv[i];
    const fmt = spfs[i] > 1 ? `16x${spfs[i]}` : '16';
    const init = samples.length > 0 ? samples[0] : 0;
    lines.push(`${datName} ${fmt} ${gain}(${baseline})/${field(c.units)} 16 0 ${init} ${checksum16(samples)} 0 ${c.name.replace(/[\r\n]+/g, ' ').trim() || `signal${i + 1}`}`);
  });
  if (rec.age !== undefined && rec.age !== null) lines.push(`#Age: ${rec.age}`);
  if (rec.sex) lines.push(`#Sex: ${rec.sex === 'M' ? 'Male' : 'Female'}`);
  if (rec.dx && rec.dx.length > 0) lines.push(`#Dx: ${rec.dx.join(',')}`);
  for (const c of rec.comments ?? []) lines.push(`#${c.replace(/[\r\n]+/g, ' ')}`);
  return { hea: lines.join('\n') + '\n', dat };
}
