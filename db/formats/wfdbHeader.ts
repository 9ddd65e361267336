/**
 * WFDB header (.hea) text → typed header, following header(5): record line, signal specification lines
 * or (multi-segment) segment lines, and `#` comment lines anywhere.
 */
import { FormatError } from './types.ts';
import { parseDecimal, parseInteger } from './numbers.ts';

export interface WfdbSignalSpec {
  fileName: string;
  format: number;
  samplesPerFrame: number;
  skew: number;
  /** Byte offset into the signal file; null when the header gives none. */
  byteOffset: number | null;
  /** ADC units per physical unit; 200 (WFDB_DEFGAIN) when missing or 0 (uncalibrated). */
  gain: number;
  /** True when the header wrote a non-zero gain. */
  calibrated: boolean;
  baseline: number;
  units: string;
  adcResolution: number;
  adcZero: number;
  initialValue: number | null;
  checksum: number | null;
  blockSize: number;
  description: string;
}

export interface WfdbSegmentSpec {
  /** Segment record name, or null for a null segment (`~`). */
  name: string | null;
  nSamples: number;
}

export interface WfdbHeader {
  recordName: string;
  /** Number of segments for a multi-segment record, else null. */
  nSegments: number | null;
  nSignals: number;
  /** Frame rate, Hz (250 when the header gives none, as header(5) says). */
  fs: number;
  counterFreq: number | null;
  baseCounter: number | null;
  /** Samples per signal (frames); null when the header omits it. */
  nSamples: number | null;
  baseTime: string | null;
  baseDate: string | null;
  signals: WfdbSignalSpec[];
  segments: WfdbSegmentSpec[];
  /** Comment lines without the leading `#`, in order. */
  comments: string[];
}

export const SUPPORTED_FORMATS: ReadonlySet<number> = new Set([0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311]);

const DEFAULT_RESOLUTION: Record<number, number> = {
  0: 16, 8: 8, 16: 16, 24: 24, 32: 32, 61: 16, 80: 8, 160: 16, 212: 12, 310: 10, 311: 10,
};

/** Format names we recognise but cannot read, with the reason (rejected, never misread). */
const UNSUPPORTED_FORMATS: Record<number, string> = {
  508: 'FLAC-compressed signal files (format 508) are not supported',
  516: 'FLAC-compressed signal files (format 516) are not supported',
  524: 'FLAC-compressed signal files (format 524) are not supported',
};

/** Record and file names: no folders, no traversal, no control characters. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export function isSafeFileName(name: string): boolean {
  return SAFE_NAME.test(name) && !name.includes('..') && name.length <= 255;
}

/** Largest count we accept from a header field before comparing it with real file sizes. */
const MAX_COUNT = 2 ** 40;

function tokensWithRest(line: string): { tokens: string[]; starts: number[] } {
  const tokens: string[] = [];
  const starts: number[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    tokens.push(m[0]);
    starts.push(m.index);
  }
  return { tokens, starts };
}

export function parseWfdbHeader(text: string, file: string): WfdbHeader {
  const fail = (reason: string): never => {
    throw new FormatError(file, reason);
  };
  if (text.includes('\0')) fail('header contains NUL bytes (not a text header)');
  const comments: string[] = [];
  const content: { line: string; no: number }[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t === '') return;
    if (t.startsWith('#')) comments.push(t.slice(1));
    else content.push({ line: raw, no: i + 1 });
  });
  if (content.length === 0) fail('header has no record line');

  // Record line: name[/nseg] nsig [fs[/counterfreq[(basecounter)]] [nsamp [basetime [basedate]]]]
  const rec = content[0];
  const rt = tokensWithRest(rec.line).tokens;
  const nameTok = rt[0];
  const slash = nameTok.indexOf('/');
  let recordName = slash >= 0 ? nameTok.slice(0, slash) : nameTok;
  // Early Georgia headers name the record "E00666.mat".
  recordName = recordName.replace(/\.(mat|hea|dat)$/i, '');
  if (!isSafeFileName(recordName)) fail(`record name "${recordName.slice(0, 80)}" is not a plain file name`);
  let nSegments: number | null = null;
  if (slash >= 0) {
    nSegments = parseInteger(nameTok.slice(slash + 1));
    if (nSegments === null || nSegments < 1) fail(`invalid segment count "${nameTok.slice(slash + 1)}"`);
  }
  if (rt.length < 2) fail('record line has no signal count');
  const nSignals = parseInteger(rt[1]);
  if (nSignals === null || nSignals < 0) fail(`invalid signal count "${rt[1]}"`);
  let fs = 250;
  let counterFreq: number | null = null;
  let baseCounter: number | null = null;
  if (rt.length > 2) {
    const m = /^([^/()]+)(?:\/([^()]+)(?:\(([^()]+)\))?)?$/.exec(rt[2]);
    const f = m ? parseDecimal(m[1]) : null;
    if (!m || f === null || f <= 0) fail(`invalid sampling frequency "${rt[2]}"`);
    fs = f!;
    if (m![2] !== undefined) {
      counterFreq = parseDecimal(m![2]);
      if (counterFreq === null || counterFreq <= 0) fail(`invalid counter frequency "${m![2]}"`);
    }
    if (m![3] !== undefined) {
      baseCounter = parseDecimal(m![3]);
      if (baseCounter === null) fail(`invalid base counter "${m![3]}"`);
    }
  }
  let nSamples: number | null = null;
  if (rt.length > 3) {
    nSamples = parseInteger(rt[3]);
    if (nSamples === null || nSamples < 0) fail(`invalid number of samples "${rt[3].slice(0, 40)}"`);
    if (nSamples! > MAX_COUNT) fail(`declared number of samples ${rt[3]} is implausibly large`);
  }
  const baseTime = rt.find((t, i) => i > 3 && /^\d{1,2}:\d{1,2}(:\d{1,2}(\.\d+)?)?$/.test(t)) ?? null;
  const baseDate =
    rt.find((t, i) => i > 3 && (/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(t) || /^\d{1,2}-[A-Za-z]{3}-\d{4}$/.test(t))) ?? null;

  const body = content.slice(1);
  const signals: WfdbSignalSpec[] = [];
  const segments: WfdbSegmentSpec[] = [];
  if (nSegments !== null) {
    if (body.length < nSegments) fail(`header declares ${nSegments} segments but lists ${body.length}`);
    for (let i = 0; i < nSegments; i++) {
      const t = tokensWithRest(body[i].line).tokens;
      const n = t.length > 1 ? parseInteger(t[1]) : null;
      if (n === null || n < 0 || n > MAX_COUNT) fail(`line ${body[i].no}: invalid segment length "${t[1] ?? ''}"`);
      if (t[0] === '~') segments.push({ name: null, nSamples: n! });
      else {
        if (!isSafeFileName(t[0])) fail(`line ${body[i].no}: segment name "${t[0].slice(0, 80)}" is not a plain file name`);
        segments.push({ name: t[0], nSamples: n! });
      }
    }
    return { recordName, nSegments, nSignals: nSignals!, fs, counterFreq, baseCounter, nSamples, baseTime, baseDate, signals, segments, comments };
  }

  if (body.length < nSignals!) fail(`header declares ${nSignals} signals but has ${body.length} signal lines`);
  for (let i = 0; i < nSignals!; i++) {
    signals.push(parseSignalLine(body[i].line, body[i].no, fail));
  }
  return { recordName, nSegments, nSignals: nSignals!, fs, counterFreq, baseCounter, nSamples, baseTime, baseDate, signals, segments, comments };
}

function parseSignalLine(line: string, no: number, fail: (reason: string) => never): WfdbSignalSpec {
  const { tokens: t, starts } = tokensWithRest(line);
  const at = `line ${no}`;
  const fileName = t[0];
  // "~" names no file: a null signal whose samples are all invalid (layout headers use it).
  if (fileName !== '~' && !isSafeFileName(fileName)) fail(`${at}: signal file name "${fileName.slice(0, 80)}" is not a plain file name in the record's folder`);
  if (t.length < 2) fail(`${at}: signal line has no format`);
  // format[xspf][:skew][+offset]
  const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(t[1]);
  if (!fm) fail(`${at}: invalid format field "${t[1].slice(0, 40)}"`);
  const format = parseInteger(fm![1])!;
  if (UNSUPPORTED_FORMATS[format]) fail(`${at}: ${UNSUPPORTED_FORMATS[format]}`);
  if (!SUPPORTED_FORMATS.has(format)) fail(`${at}: unknown signal format ${fm![1].slice(0, 12)}`);
  const samplesPerFrame = fm![2] !== undefined ? parseInteger(fm![2])! : 1;
  if (samplesPerFrame < 1 || samplesPerFrame > 1_000_000) fail(`${at}: invalid samples per frame "${fm![2]}"`);
  const skew = fm![3] !== undefined ? parseInteger(fm![3])! : 0;
  if (skew > 1_000_000_000) fail(`${at}: skew ${fm![3]} is implausibly large`);
  const byteOffset = fm![4] !== undefined ? parseInteger(fm![4]) : null;
  if (fm![4] !== undefined && (byteOffset === null || byteOffset > MAX_COUNT)) fail(`${at}: invalid byte offset "${fm![4]}"`);

  // gain[(baseline)][/units]
  let gain = 200;
  let calibrated = false;
  let baseline: number | null = null;
  let units = 'mV';
  if (t.length > 2) {
    const gm = /^([^()/]*)(?:\(([^()]*)\))?(?:\/(\S*))?$/.exec(t[2]);
    if (!gm) fail(`${at}: invalid gain field "${t[2].slice(0, 40)}"`);
    const g = gm![1] === '' ? 0 : parseDecimal(gm![1]);
    if (g === null) fail(`${at}: invalid gain "${gm![1].slice(0, 40)}"`);
    if (g! < 0) fail(`${at}: negative gain ${g}`);
    if (g! > 0) {
      gain = g!;
      calibrated = true;
    }
    if (gm![2] !== undefined) {
      baseline = parseInteger(gm![2]);
      if (baseline === null) fail(`${at}: invalid baseline "${gm![2].slice(0, 40)}"`);
    }
    if (gm![3] !== undefined && gm![3] !== '') units = gm![3];
  }
  const intField = (i: number, name: string, dflt: number | null): number | null => {
    if (t.length <= i) return dflt;
    const v = parseInteger(t[i]);
    if (v === null) fail(`${at}: invalid ${name} "${t[i].slice(0, 40)}"`);
    return v;
  };
  const adcResolution = intField(3, 'ADC resolution', 0)! || DEFAULT_RESOLUTION[format];
  const adcZero = intField(4, 'ADC zero', 0)!;
  const initialValue = intField(5, 'initial value', null);
  const checksum = intField(6, 'checksum', null);
  const blockSize = intField(7, 'block size', 0)!;
  const description = t.length > 8 ? line.slice(starts[8]).trim() : '';
  return {
    fileName, format, samplesPerFrame, skew, byteOffset, gain, calibrated,
    baseline: baseline ?? adcZero, units, adcResolution, adcZero, initialValue, checksum, blockSize, description,
  };
}
