/**
 * A WFDB record (header + signal files, or a multi-segment record) → ParsedRecord. Pure: files are reached
 * through a FileAccess. Every declared size is checked against real file sizes before anything is allocated.
 */
import { FormatError, type ParsedChannel, type ParsedRecord } from './types.ts';
import type { FileAccess } from './fileAccess.ts';
import { parseWfdbHeader, type WfdbHeader, type WfdbSignalSpec } from './wfdbHeader.ts';
import { bytesForSamples, checksum16, decodeSamples, demultiplex, demultiplex16, invalidValueOf, samplesInBytes } from './wfdbSignals.ts';
import { readMatElements, readMatV4Header } from './matV4.ts';
import { canonicalLead } from './leadNames.ts';
import { decodeUtf8, parseDecimal } from './numbers.ts';

export interface ReadLimits {
  /** Largest header file accepted (bytes). */
  maxHeaderBytes: number;
  /** Largest number of samples (all channels) one record may decode to. */
  maxTotalSamples: number;
}

export const DEFAULT_LIMITS: ReadLimits = { maxHeaderBytes: 4 * 1024 * 1024, maxTotalSamples: 64 * 1024 * 1024 };

const INT32_MIN = -2147483648;

/** Signal files up to this size are read whole in one call (fastest); larger ones only as far as the header needs. */
const READ_WHOLE_BYTES = 16 * 1024 * 1024;

/** Reads the header text of `name` (UTF-8, size-limited). */
export function readHeaderText(files: FileAccess, name: string, limits: ReadLimits): string {
  const path = files.path(name);
  const size = files.size(name);
  if (size === null) throw new FormatError(path, 'header file not found');
  if (size === 0) throw new FormatError(path, 'header file is empty (0 bytes)');
  if (size > limits.maxHeaderBytes) throw new FormatError(path, `header file is ${size} bytes, larger than the ${limits.maxHeaderBytes}-byte limit`);
  const text = decodeUtf8(files.read(name));
  if (text === null) throw new FormatError(path, 'header is not valid UTF-8 text');
  return text;
}

export function readWfdbRecord(files: FileAccess, headerName: string, limits: ReadLimits = DEFAULT_LIMITS): ParsedRecord {
  const headerPath = files.path(headerName);
  const header = parseWfdbHeader(readHeaderText(files, headerName, limits), headerPath);
  const used = new Set<string>([headerPath]);
  let decoded: Decoded;
  if (header.nSegments !== null) decoded = decodeMultiSegment(files, header, headerPath, limits, used);
  else decoded = decodeSingleSegment(files, header, headerPath, header.nSamples, limits, used);
  if (decoded.channels.length === 0) throw new FormatError(headerPath, 'record has no signals');
  if (decoded.nFrames === 0) throw new FormatError(headerPath, 'record has no samples (length 0)');
  const meta = parseComments(header.comments);
  return {
    recordName: header.recordName,
    format: decoded.mat ? 'wfdb-mat' : 'wfdb',
    fs: header.fs,
    durationSec: decoded.nFrames / header.fs,
    channels: decoded.channels,
    age: meta.age,
    sex: meta.sex,
    dx: meta.dx,
    comments: meta.other,
    recordedAt: isoDateTime(header.baseDate, header.baseTime),
    files: [...used],
  };
}

interface Decoded {
  channels: ParsedChannel[];
  nFrames: number;
  mat: boolean;
}

function channelName(spec: WfdbSignalSpec, i: number): string {
  return spec.description !== '' ? spec.description : `signal ${i + 1}`;
}

/** Groups of consecutive signals that share one signal file (signal(5): signals of a file are listed together). */
function fileGroups(specs: WfdbSignalSpec[]): { start: number; specs: WfdbSignalSpec[] }[] {
  const groups: { start: number; specs: WfdbSignalSpec[] }[] = [];
  specs.forEach((s, i) => {
    const last = groups[groups.length - 1];
    if (last && s.fileName === last.specs[0].fileName && s.fileName !== '~') last.specs.push(s);
    else groups.push({ start: i, specs: [s] });
  });
  return groups;
}

function decodeSingleSegment(
  files: FileAccess,
  header: WfdbHeader,
  headerPath: string,
  declaredFrames: number | null,
  limits: ReadLimits,
  used: Set<string>,
): Decoded {
  const specs = header.signals;
  const groups = fileGroups(specs);
  const fileNames = groups.map((g) => g.specs[0].fileName).filter((n) => n !== '~');
  const split = fileNames.find((n, i) => fileNames.indexOf(n) !== i);
  // A file's signals must be listed together; otherwise its frame layout is ambiguous (and would be misread).
  if (split !== undefined) throw new FormatError(headerPath, `the signals stored in ${split} are not listed together`);
  const samples: Int32Array[] = new Array(specs.length);
  const invalid: (number | null)[] = new Array(specs.length);
  let nFrames = declaredFrames;
  let mat = false;
  const tooBig = (frames: number, tspf: number) => {
    if (frames * tspf > limits.maxTotalSamples)
      throw new FormatError(headerPath, `record would decode to ${frames * tspf} samples, more than the ${limits.maxTotalSamples} limit`);
  };

  // Groups with files first, so a header without a length takes it from the first signal file.
  const ordered = [...groups.filter((g) => g.specs[0].fileName !== '~' && g.specs[0].format !== 0), ...groups.filter((g) => g.specs[0].fileName === '~' || g.specs[0].format === 0)];
  for (const g of ordered) {
    const first = g.specs[0];
    const format = first.format;
    const tspf = g.specs.reduce((s, x) => s + x.samplesPerFrame, 0);
    for (const s of g.specs) {
      if (s.format !== format) throw new FormatError(headerPath, `signals stored in ${first.fileName} declare different formats (${format} and ${s.format})`);
    }
    if (first.fileName === '~' || format === 0) {
      if (nFrames === null) throw new FormatError(headerPath, 'record has only null signals and no declared length');
      tooBig(nFrames, tspf);
      g.specs.forEach((s, j) => {
        samples[g.start + j] = new Int32Array(nFrames! * s.samplesPerFrame).fill(-32768);
        invalid[g.start + j] = -32768;
      });
      continue;
    }
    const path = files.path(first.fileName);
    const size = files.size(first.fileName);
    if (size === null) throw new FormatError(path, `signal file named in ${headerPath} not found`);
    if (size === 0) throw new FormatError(path, 'signal file is empty (0 bytes)');
    used.add(path);
    const maxSkew = Math.max(...g.specs.map((s) => s.skew));
    const groupSignals = g.specs.map((s) => ({ samplesPerFrame: s.samplesPerFrame, skew: s.skew, initialValue: s.initialValue ?? s.adcZero }));

    if (/\.mat$/i.test(first.fileName)) {
      mat = true;
      let bytes = size <= READ_WHOLE_BYTES ? files.read(first.fileName) : files.read(first.fileName, 0, 20 + 4096);
      const m = readMatV4Header(bytes);
      if (typeof m === 'string') throw new FormatError(path, m);
      if (first.byteOffset !== null && first.byteOffset !== m.dataOffset)
        throw new FormatError(path, `header gives byte offset ${first.byteOffset} but the MATLAB v4 data starts at byte ${m.dataOffset}`);
      const compatible =
        m.precision === 'float64' || m.precision === 'float32' ||
        (m.precision === 'int16' && (format === 16 || format === 61)) ||
        (m.precision === 'int32' && (format === 32 || format === 24)) ||
        (m.precision === 'uint8' && format === 80) ||
        (m.precision === 'uint16' && format === 160);
      if (!compatible) throw new FormatError(path, `MATLAB matrix holds ${m.precision} values but the header declares format ${format}`);
      const total = m.rows * m.cols;
      const needed = m.dataOffset + total * m.bytesPerElement;
      if (needed > size)
        throw new FormatError(path, `MATLAB matrix ${m.rows}×${m.cols} needs ${needed} bytes but the file has ${size} (truncated)`);
      // wfdb2mat writes signals as rows (column-major, so frames are contiguous); accept the transpose too.
      let byFrame: boolean;
      let frames: number;
      if (m.rows === tspf) {
        byFrame = true;
        frames = m.cols;
      } else if (m.cols === tspf && g.specs.every((s) => s.samplesPerFrame === 1)) {
        byFrame = false;
        frames = m.rows;
      } else throw new FormatError(path, `MATLAB matrix is ${m.rows}×${m.cols} but the header describes ${g.specs.length} signals (${tspf} samples per frame)`);
      if (nFrames === null) nFrames = frames;
      if (frames !== nFrames)
        throw new FormatError(path, `header declares ${nFrames} samples per signal but the MATLAB matrix holds ${frames}`);
      if (maxSkew > 0) throw new FormatError(path, 'skew is not supported for MATLAB signal files');
      tooBig(frames, tspf);
      if (bytes.length < needed) bytes = files.read(first.fileName, 0, needed);
      if (bytes.length < needed) throw new FormatError(path, 'signal file changed size while being read');
      const simple = byFrame && tspf === g.specs.length && m.precision === 'int16' && m.littleEndian;
      const fast = simple ? demultiplex16(bytes.subarray(m.dataOffset), tspf, frames) : null;
      if (fast) {
        fast.forEach((s, j) => ((samples[g.start + j] = s), (invalid[g.start + j] = invalidValueOf(format))));
        continue;
      }
      const flat = new Int32Array(total);
      if (m.precision === 'int16' && m.littleEndian) decodeSamples(16, bytes.subarray(m.dataOffset), total, flat);
      else if (m.precision === 'int16') decodeSamples(61, bytes.subarray(m.dataOffset), total, flat);
      else {
        const bad = readMatElements(bytes, m, 0, total, flat);
        if (bad !== null) throw new FormatError(path, `MATLAB element ${bad} is not a whole number in the int32 range`);
        if (format === 80) for (let i = 0; i < total; i++) flat[i] -= 128;
        if (format === 160) for (let i = 0; i < total; i++) flat[i] -= 32768;
      }
      if (byFrame) {
        const d = demultiplex(format, flat, groupSignals, frames);
        d.samples.forEach((s, j) => ((samples[g.start + j] = s), (invalid[g.start + j] = d.invalidValue[j])));
      } else {
        g.specs.forEach((_, j) => {
          samples[g.start + j] = flat.slice(j * frames, (j + 1) * frames);
          invalid[g.start + j] = invalidValueOf(format);
        });
      }
      continue;
    }

    const offset = first.byteOffset ?? 0;
    if (size < offset) throw new FormatError(path, `signal file has ${size} bytes, fewer than its byte offset ${offset}`);
    const framesAvail = Math.floor(samplesInBytes(format, size - offset) / tspf);
    if (nFrames === null) nFrames = framesAvail;
    if (nFrames === 0) throw new FormatError(headerPath, 'record has no samples (length 0)');
    if (framesAvail < nFrames)
      throw new FormatError(path, `signal file holds ${framesAvail} frames (${size} bytes) but the header declares ${nFrames} samples per signal (truncated or wrong length)`);
    // More whole frames than the header (plus skew) accounts for: the header's length is wrong, not padding.
    const group = format === 212 ? 3 : format === 310 || format === 311 ? 4 : 1;
    const usedBytes = Math.ceil(bytesForSamples(format, (nFrames + maxSkew) * tspf) / group) * group;
    if (samplesInBytes(format, Math.max(0, size - offset - usedBytes)) >= tspf)
      throw new FormatError(path, `signal file holds ${framesAvail} frames (${size} bytes) but the header declares ${nFrames} samples per signal (the header's length is wrong)`);
    tooBig(nFrames, tspf);
    const nRead = Math.min(framesAvail, nFrames + maxSkew) * tspf;
    const bytes = size <= READ_WHOLE_BYTES ? files.read(first.fileName) : files.read(first.fileName, 0, offset + bytesForSamples(format, nRead));
    if (bytes.length < offset + bytesForSamples(format, nRead)) throw new FormatError(path, 'signal file changed size while being read');
    const fast = format === 16 && maxSkew === 0 && tspf === g.specs.length ? demultiplex16(bytes.subarray(offset), tspf, nFrames) : null;
    if (fast) {
      fast.forEach((s, j) => ((samples[g.start + j] = s), (invalid[g.start + j] = -32768)));
      continue;
    }
    const flat = new Int32Array(nRead);
    decodeSamples(format, bytes.subarray(offset), nRead, flat);
    const d = demultiplex(format, flat, groupSignals, nFrames);
    d.samples.forEach((s, j) => ((samples[g.start + j] = s), (invalid[g.start + j] = d.invalidValue[j])));
  }
  if (nFrames === null || nFrames === 0) throw new FormatError(headerPath, 'record has no samples (length 0)');

  const channels: ParsedChannel[] = specs.map((spec, i) => {
    const s = samples[i];
    const name = channelName(spec, i);
    if (spec.checksum !== null && spec.fileName !== '~' && spec.format !== 0) {
      const got = checksum16(s);
      if ((got & 0xffff) !== (spec.checksum & 0xffff))
        throw new FormatError(headerPath, `checksum mismatch for signal ${i + 1} (${name}): header says ${spec.checksum}, samples sum to ${got}`);
    }
    if (spec.initialValue !== null && spec.format !== 8 && spec.format !== 0 && spec.fileName !== '~' && s.length > 0 && s[0] !== spec.initialValue)
      throw new FormatError(headerPath, `initial value mismatch for signal ${i + 1} (${name}): header says ${spec.initialValue}, first sample is ${s[0]}`);
    const ch: ParsedChannel = {
      name,
      lead: canonicalLead(name),
      fs: header.fs * spec.samplesPerFrame,
      gain: spec.gain,
      baseline: spec.baseline,
      units: spec.units,
      adcResolution: spec.adcResolution,
      samples: s,
      invalidValue: invalid[i],
      sourceFormat: /\.mat$/i.test(spec.fileName) ? 'mat' : String(spec.format),
    };
    if (spec.initialValue !== null) ch.initialValue = spec.initialValue;
    if (spec.checksum !== null) ch.checksum = spec.checksum;
    return ch;
  });
  return { channels, nFrames, mat };
}

function decodeMultiSegment(files: FileAccess, master: WfdbHeader, masterPath: string, limits: ReadLimits, used: Set<string>): Decoded {
  const segs = master.segments;
  const total = segs.reduce((s, x) => s + x.nSamples, 0);
  if (master.nSamples !== null && master.nSamples !== total)
    throw new FormatError(masterPath, `header declares ${master.nSamples} samples but its segments add up to ${total}`);
  const readSeg = (name: string): WfdbHeader => {
    const h = parseWfdbHeader(readHeaderText(files, `${name}.hea`, limits), files.path(`${name}.hea`));
    used.add(files.path(`${name}.hea`));
    if (h.nSegments !== null) throw new FormatError(files.path(`${name}.hea`), 'nested multi-segment records are not allowed');
    if (h.fs !== master.fs) throw new FormatError(files.path(`${name}.hea`), `segment sampling frequency ${h.fs} differs from the record's ${master.fs}`);
    return h;
  };
  // A first segment of length 0 is the layout segment (variable layout): it names every signal of the record.
  let layout: WfdbSignalSpec[];
  let firstData = 0;
  const variable = segs.length > 0 && segs[0].nSamples === 0 && segs[0].name !== null;
  if (variable) {
    layout = readSeg(segs[0].name!).signals;
    firstData = 1;
  } else {
    const firstReal = segs.find((s) => s.name !== null);
    if (!firstReal) throw new FormatError(masterPath, 'multi-segment record has only null segments');
    layout = readSeg(firstReal.name!).signals;
  }
  if (layout.length !== master.nSignals)
    throw new FormatError(masterPath, `header declares ${master.nSignals} signals but the layout has ${layout.length}`);
  const tspf = layout.reduce((s, x) => s + x.samplesPerFrame, 0);
  if (total * tspf > limits.maxTotalSamples)
    throw new FormatError(masterPath, `record would decode to ${total * tspf} samples, more than the ${limits.maxTotalSamples} limit`);

  // Decode the segments first so the channel's invalid marker can be chosen from the formats actually used.
  const decodedSegs: { start: number; dec: Decoded; header: WfdbHeader; path: string }[] = [];
  let pos = 0;
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k];
    if (k < firstData || seg.name === null || seg.nSamples === 0) {
      pos += seg.nSamples;
      continue;
    }
    const h = readSeg(seg.name);
    const path = files.path(`${seg.name}.hea`);
    if (h.nSamples !== null && h.nSamples !== seg.nSamples)
      throw new FormatError(path, `segment header declares ${h.nSamples} samples but the record header lists ${seg.nSamples}`);
    const dec = decodeSingleSegment(files, h, path, seg.nSamples, limits, used);
    decodedSegs.push({ start: pos, dec, header: h, path });
    pos += seg.nSamples;
  }

  const channels: ParsedChannel[] = layout.map((spec, i) => {
    const name = channelName(spec, i);
    const spf = spec.samplesPerFrame;
    const parts: { start: number; ch: ParsedChannel; segPath: string }[] = [];
    for (const ds of decodedSegs) {
      let ch: ParsedChannel | undefined;
      if (variable) ch = ds.dec.channels.find((c) => c.name === name);
      else {
        if (ds.dec.channels.length !== layout.length)
          throw new FormatError(ds.path, `segment has ${ds.dec.channels.length} signals; the record's fixed layout has ${layout.length}`);
        ch = ds.dec.channels[i];
      }
      if (!ch) continue;
      if (ch.fs !== master.fs * spf)
        throw new FormatError(ds.path, `signal ${name} has ${ch.fs / master.fs} samples per frame here but ${spf} in the layout`);
      parts.push({ start: ds.start, ch, segPath: ds.path });
    }
    const gain = variable ? spec.gain : parts[0]?.ch.gain ?? spec.gain;
    const baseline = variable ? spec.baseline : parts[0]?.ch.baseline ?? spec.baseline;
    // Gaps (null segments, signals absent from a segment) take the segments' common marker when they agree.
    const markers = new Set(parts.map((p) => p.ch.invalidValue));
    const marker =
      markers.size === 1 && !markers.has(null) ? [...markers][0]! : parts.length === 0 ? (invalidValueOf(spec.format) ?? INT32_MIN) : INT32_MIN;
    const out = new Int32Array(total * spf).fill(marker);
    for (const p of parts) {
      if (p.ch.gain !== gain)
        throw new FormatError(p.segPath, `signal ${name} has gain ${p.ch.gain} here but ${gain} in the record's first segment or layout; flattening would rescale samples`);
      const shift = baseline - p.ch.baseline;
      const src = p.ch.samples;
      const o = p.start * spf;
      if (shift === 0 && p.ch.invalidValue === marker) out.set(src, o);
      else for (let j = 0; j < src.length; j++) out[o + j] = src[j] === p.ch.invalidValue ? marker : src[j] + shift;
    }
    return {
      name,
      lead: canonicalLead(name),
      fs: master.fs * spf,
      gain,
      baseline,
      units: variable ? spec.units : parts[0]?.ch.units ?? spec.units,
      adcResolution: spec.adcResolution,
      samples: out,
      invalidValue: marker,
      sourceFormat: parts[0]?.ch.sourceFormat ?? String(spec.format),
    };
  });
  return { channels, nFrames: total, mat: decodedSegs.some((d) => d.dec.mat) };
}

export interface CommentMeta {
  age: number | null;
  sex: 'M' | 'F' | null;
  dx: string[];
  other: string[];
}

/** `#Age: 74`, `# Sex: Male`, `#Dx: 426783006,59118001` (or CPSC abbreviations), wherever they appear. */
export function parseComments(comments: string[]): CommentMeta {
  const meta: CommentMeta = { age: null, sex: null, dx: [], other: [] };
  for (const c of comments) {
    const m = /^\s*(Age|Sex|Dx)\s*:\s*(.*?)\s*$/i.exec(c);
    if (!m) {
      meta.other.push(c.trim());
      continue;
    }
    const key = m[1].toLowerCase();
    const value = m[2];
    if (key === 'age') {
      const a = parseDecimal(value);
      meta.age = a !== null && a >= 0 && a < 150 ? a : null;
    } else if (key === 'sex') {
      if (/^(m|male)$/i.test(value)) meta.sex = 'M';
      else if (/^(f|female)$/i.test(value)) meta.sex = 'F';
    } else {
      meta.dx.push(...value.split(/[,;]/).map((d) => d.trim()).filter((d) => d !== '' && d.toLowerCase() !== 'unknown'));
    }
  }
  return meta;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** WFDB base date (dd/mm/yyyy, or the Challenge's dd-Mon-yyyy) and time → ISO string; null when absent or invalid. */
export function isoDateTime(date: string | null, time: string | null): string | null {
  if (date === null) return null;
  let d: number, mo: number, y: number;
  const a = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(date);
  const b = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(date);
  if (a) [d, mo, y] = [+a[1], +a[2], +a[3]];
  else if (b) [d, mo, y] = [+b[1], MONTHS.indexOf(b[2].toLowerCase()) + 1, +b[3]];
  else return null;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const p2 = (n: number) => String(n).padStart(2, '0');
  const day = `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}`;
  if (time === null) return day;
  const t = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(\.\d+)?)?$/.exec(time);
  if (!t || +t[1] > 23 || +t[2] > 59 || +(t[3] ?? 0) > 60) return day;
  return `${day}T${p2(+t[1])}:${p2(+t[2])}:${p2(+(t[3] ?? 0))}${t[4] ?? ''}`;
}
