/**
 * EDF / EDF+ / BDF reader (no npm reader was trustworthy: the only candidate is an unmaintained pre-release).
 * Per signal: digital/physical min/max → gain and baseline; samples per data record → the channel's own rate.
 * The EDF+ annotation channel is skipped; EDF+D (discontinuous) is rejected because its gaps cannot be kept.
 */
import { FormatError, type ParsedChannel, type ParsedRecord } from './types.ts';
import { canonicalLead } from './leadNames.ts';
import { parseDecimal, parseInteger } from './numbers.ts';

export interface EdfLimits {
  maxTotalSamples: number;
}

function ascii(bytes: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start; i < start + len; i++) {
    const b = bytes[i];
    // The standard allows printable US-ASCII only; other bytes become "?" rather than failing the record.
    s += b >= 32 && b < 127 ? String.fromCharCode(b) : '?';
  }
  return s.trim();
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function parseEdf(bytes: Uint8Array, file: string, recordName: string, limits: EdfLimits = { maxTotalSamples: 64 * 1024 * 1024 }): ParsedRecord {
  const fail = (reason: string): never => {
    throw new FormatError(file, reason);
  };
  if (bytes.length === 0) fail('file is empty (0 bytes)');
  if (bytes.length < 256) fail(`file is ${bytes.length} bytes, shorter than the 256-byte EDF header`);
  const bdf = bytes[0] === 0xff && ascii(bytes, 1, 7) === 'BIOSEMI';
  if (!bdf && ascii(bytes, 0, 8) !== '0') fail(`not an EDF file (version field "${ascii(bytes, 0, 8)}")`);
  const bytesPerSample = bdf ? 3 : 2;
  const patient = ascii(bytes, 8, 80);
  const recording = ascii(bytes, 88, 80);
  const startDate = ascii(bytes, 168, 8);
  const startTime = ascii(bytes, 176, 8);
  const headerBytes = parseInteger(ascii(bytes, 184, 8));
  const reserved = ascii(bytes, 192, 44);
  const nRecordsField = parseInteger(ascii(bytes, 236, 8));
  const recordDuration = parseDecimal(ascii(bytes, 244, 8));
  const ns = parseInteger(ascii(bytes, 252, 4));
  if (ns === null || ns < 1 || ns > 4096) fail(`invalid number of signals "${ascii(bytes, 252, 4)}"`);
  if (headerBytes !== 256 * (ns! + 1)) fail(`header size field ${ascii(bytes, 184, 8)} does not match ${ns} signals (${256 * (ns! + 1)} bytes)`);
  if (bytes.length < headerBytes!) fail(`file is ${bytes.length} bytes, shorter than its ${headerBytes}-byte header (truncated)`);
  if (reserved.startsWith('EDF+D') || reserved.startsWith('BDF+D')) fail('EDF+D (discontinuous) recordings are not supported: their gaps cannot be stored as one continuous signal');
  const plus = reserved.startsWith('EDF+') || reserved.startsWith('BDF+');
  if (recordDuration === null || recordDuration < 0) fail(`invalid data record duration "${ascii(bytes, 244, 8)}"`);

  const n = ns!;
  const field = (offset: number, width: number, i: number) => ascii(bytes, 256 + offset * n + width * i, width);
  const sig: { offset: number; label: string }[] = [];
  let offset = 0;
  const labels = Array.from({ length: n }, (_, i) => field(0, 16, i));
  const units = Array.from({ length: n }, (_, i) => field(16 + 80, 8, i));
  const nums = (off: number, name: string) =>
    Array.from({ length: n }, (_, i) => {
      const v = parseDecimal(field(off, 8, i));
      if (v === null) fail(`signal ${i + 1} (${labels[i]}): invalid ${name} "${field(off, 8, i)}"`);
      return v!;
    });
  const physMin = nums(16 + 80 + 8, 'physical minimum');
  const physMax = nums(16 + 80 + 16, 'physical maximum');
  const digMin = nums(16 + 80 + 24, 'digital minimum');
  const digMax = nums(16 + 80 + 32, 'digital maximum');
  const spr = Array.from({ length: n }, (_, i) => {
    const v = parseInteger(field(16 + 80 + 40 + 80, 8, i));
    if (v === null || v < 1 || v > 10_000_000) fail(`signal ${i + 1} (${labels[i]}): invalid samples per data record "${field(16 + 80 + 40 + 80, 8, i)}"`);
    return v!;
  });
  for (let i = 0; i < n; i++) {
    sig.push({ offset, label: labels[i] });
    offset += spr[i];
  }
  const recordSamples = offset;
  const recordBytes = recordSamples * bytesPerSample;
  const dataBytes = bytes.length - headerBytes!;
  const available = Math.floor(dataBytes / recordBytes);
  let nRecords = nRecordsField;
  if (nRecords === null || nRecords < -1) fail(`invalid number of data records "${ascii(bytes, 236, 8)}"`);
  if (nRecords === -1) nRecords = available;
  if (nRecords! > available) fail(`header declares ${nRecords} data records but the file holds ${available} (truncated)`);
  if (dataBytes !== nRecords! * recordBytes)
    fail(`file has ${dataBytes} data bytes but the header describes ${nRecords} records of ${recordBytes} bytes`);

  const isAnnotation = (i: number) => plus && /^(EDF|BDF) Annotations$/.test(labels[i]);
  const keep = Array.from({ length: n }, (_, i) => i).filter((i) => !isAnnotation(i));
  if (keep.length === 0) fail('file has no signals besides annotations');
  if (recordDuration === 0) fail('data record duration 0 is only allowed for annotation-only files');
  if (nRecords === 0) fail('file has no data records');
  const totalSamples = keep.reduce((s, i) => s + spr[i], 0) * nRecords!;
  if (totalSamples > limits.maxTotalSamples) fail(`recording would decode to ${totalSamples} samples, more than the ${limits.maxTotalSamples} limit`);

  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channels: ParsedChannel[] = keep.map((i) => {
    if (digMax[i] <= digMin[i]) fail(`signal ${i + 1} (${labels[i]}): digital maximum ${digMax[i]} is not above the minimum ${digMin[i]}`);
    if (physMax[i] === physMin[i]) fail(`signal ${i + 1} (${labels[i]}): physical minimum equals maximum (${physMin[i]})`);
    const gain = (digMax[i] - digMin[i]) / (physMax[i] - physMin[i]);
    const baseline = digMin[i] - physMin[i] * gain;
    const samples = new Int32Array(spr[i] * nRecords!);
    for (let r = 0, k = 0; r < nRecords!; r++) {
      let p = headerBytes! + r * recordBytes + sig[i].offset * bytesPerSample;
      if (bdf) for (let j = 0; j < spr[i]; j++, p += 3) samples[k++] = ((bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) << 8) >> 8;
      else for (let j = 0; j < spr[i]; j++, p += 2) samples[k++] = dv.getInt16(p, true);
    }
    const label = labels[i];
    return {
      name: label,
      lead: canonicalLead(label),
      fs: roundRate(spr[i] / recordDuration!),
      gain,
      baseline,
      units: units[i] || 'uV',
      samples,
      invalidValue: null,
      sourceFormat: bdf ? 'bdf' : 'edf',
    };
  });

  // EDF+ patient field: "code sex birthdate name"; recording field: "Startdate dd-MMM-yyyy ...".
  let sex: 'M' | 'F' | null = null;
  let birth: Date | null = null;
  if (plus) {
    const pt = patient.split(/\s+/);
    if (pt[1] === 'M' || pt[1] === 'F') sex = pt[1];
    birth = plusDate(pt[2]);
  }
  let start = edfStart(startDate, startTime);
  if (plus) {
    const rt = recording.split(/\s+/);
    const d = rt[0] === 'Startdate' ? plusDate(rt[1]) : null;
    if (d && start) start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()));
  }
  let age: number | null = null;
  if (birth && start) {
    age = start.getUTCFullYear() - birth.getUTCFullYear();
    if (start.getUTCMonth() < birth.getUTCMonth() || (start.getUTCMonth() === birth.getUTCMonth() && start.getUTCDate() < birth.getUTCDate())) age--;
    if (age < 0 || age > 150) age = null;
  }
  const rates = keep.map((i) => spr[i]);
  const frameSpr = rates.reduce(gcd);
  const fs = roundRate(frameSpr / recordDuration!);
  return {
    recordName,
    format: 'edf',
    fs,
    durationSec: nRecords! * recordDuration!,
    channels,
    age,
    sex,
    dx: [],
    comments: [patient, recording].filter((s) => s !== '' && s !== 'X' && s !== 'X X X X'),
    recordedAt: start ? start.toISOString().slice(0, 19) : null,
    files: [file],
  };
}

/** Rates from samples ÷ a decimal duration (e.g. 3 / 0.3) carry float noise; EDF durations have ≤ 8 digits. */
function roundRate(hz: number): number {
  return Number(hz.toPrecision(12));
}

function plusDate(s: string | undefined): Date | null {
  const m = s ? /^(\d{2})-([A-Z]{3})-(\d{4})$/i.exec(s) : null;
  if (!m) return null;
  const mo = MONTHS.indexOf(m[2].toUpperCase());
  return mo < 0 ? null : new Date(Date.UTC(+m[3], mo, +m[1]));
}

function edfStart(date: string, time: string): Date | null {
  const d = /^(\d{2})\.(\d{2})\.(\d{2})$/.exec(date);
  const t = /^(\d{2})\.(\d{2})\.(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const yy = +d[3];
  const dt = new Date(Date.UTC(yy >= 85 ? 1900 + yy : 2000 + yy, +d[2] - 1, +d[1], +t[1], +t[2], +t[3]));
  return Number.isNaN(dt.getTime()) ? null : dt;
}
