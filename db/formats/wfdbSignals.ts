/**
 * WFDB signal file bytes → per-signal digital samples, following signal(5). One call decodes one signal
 * file (a group of signals multiplexed frame by frame, each with its own samples per frame).
 */

/** The value that marks an invalid sample in each format (WFDB's conventions); null where the format has none. */
export function invalidValueOf(format: number): number | null {
  switch (format) {
    case 16: case 61: case 160: case 0: return -32768;
    case 24: return -8388608;
    case 32: return -2147483648;
    case 80: return -128;
    case 212: return -2048;
    case 310: case 311: return -512;
    default: return null; // format 8 stores differences: no marker
  }
}

/** Bytes needed to hold `n` consecutive samples (as the reference readers count them, partial groups included). */
export function bytesForSamples(format: number, n: number): number {
  switch (format) {
    case 8: case 80: return n;
    case 16: case 61: case 160: return 2 * n;
    case 24: return 3 * n;
    case 32: return 4 * n;
    case 212: return Math.ceil(n * 1.5);
    case 310: return n % 3 === 2 ? Math.ceil(n / 3) * 4 : Math.ceil((n * 4) / 3);
    case 311: return Math.ceil((n * 4) / 3);
    default: return 0;
  }
}

/** How many whole samples `bytes` bytes hold. */
export function samplesInBytes(format: number, bytes: number): number {
  switch (format) {
    case 8: case 80: return bytes;
    case 16: case 61: case 160: return Math.floor(bytes / 2);
    case 24: return Math.floor(bytes / 3);
    case 32: return Math.floor(bytes / 4);
    case 212: return Math.floor(bytes / 3) * 2 + (bytes % 3 >= 2 ? 1 : 0);
    case 310: return Math.floor(bytes / 4) * 3 + (bytes % 4 >= 2 ? 1 : 0);
    case 311: return Math.floor(bytes / 4) * 3 + [0, 0, 1, 2][bytes % 4];
    default: return 0;
  }
}

/**
 * Decodes `n` consecutive samples of `format` from `data` (which must hold bytesForSamples(format, n) bytes)
 * into `out`. Format 8 yields the raw differences; the caller integrates them per signal.
 */
export function decodeSamples(format: number, data: Uint8Array, n: number, out: Int32Array): void {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (format) {
    case 8:
      for (let i = 0; i < n; i++) out[i] = (data[i] << 24) >> 24;
      return;
    case 80:
      for (let i = 0; i < n; i++) out[i] = data[i] - 128;
      return;
    case 16:
      if ((data.byteOffset & 1) === 0 && littleEndianHost) {
        const v = new Int16Array(data.buffer, data.byteOffset, n);
        for (let i = 0; i < n; i++) out[i] = v[i];
      } else for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true);
      return;
    case 61:
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, false);
      return;
    case 160:
      for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true) - 32768;
      return;
    case 24:
      for (let i = 0, b = 0; i < n; i++, b += 3) out[i] = ((data[b] | (data[b + 1] << 8) | (data[b + 2] << 16)) << 8) >> 8;
      return;
    case 32:
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      return;
    case 212: {
      // Two 12-bit samples in three bytes; the middle byte's nibbles are the high bits of each.
      let i = 0;
      let b = 0;
      for (; i + 1 < n; i += 2, b += 3) {
        const mid = data[b + 1];
        out[i] = ((data[b] | ((mid & 0x0f) << 8)) << 20) >> 20;
        out[i + 1] = ((data[b + 2] | ((mid & 0xf0) << 4)) << 20) >> 20;
      }
      if (i < n) out[i] = ((data[b] | ((data[b + 1] & 0x0f) << 8)) << 20) >> 20;
      return;
    }
    case 310: {
      // Each 16-bit LE word holds one sample in bits 1–10; the top 5 bits of both words form the third.
      for (let i = 0, b = 0; i < n; i += 3, b += 4) {
        const w0 = data[b] | (data[b + 1] << 8);
        out[i] = ((w0 >> 1) << 22) >> 22;
        if (i + 1 < n) {
          const w1 = data[b + 2] | (data[b + 3] << 8);
          out[i + 1] = ((w1 >> 1) << 22) >> 22;
          if (i + 2 < n) out[i + 2] = ((((w0 >> 11) & 0x1f) | (((w1 >> 11) & 0x1f) << 5)) << 22) >> 22;
        }
      }
      return;
    }
    case 311: {
      // Three 10-bit samples in one 32-bit LE word (bits 0–9, 10–19, 20–29).
      for (let i = 0, b = 0; i < n; i += 3, b += 4) {
        const b0 = data[b], b1 = data[b + 1];
        out[i] = ((b0 | ((b1 & 0x03) << 8)) << 22) >> 22;
        if (i + 1 < n) {
          const b2 = data[b + 2];
          out[i + 1] = (((b1 >> 2) | ((b2 & 0x0f) << 6)) << 22) >> 22;
          if (i + 2 < n) out[i + 2] = (((b2 >> 4) | ((data[b + 3] & 0x3f) << 4)) << 22) >> 22;
        }
      }
      return;
    }
    default:
      throw new RangeError(`decodeSamples: unsupported format ${format}`);
  }
}

/**
 * Fast path for the common case (format 16 little-endian, one sample per frame, no skew): de-multiplexes
 * straight from the bytes into per-signal arrays, without an intermediate flat array. Returns null when the
 * fast path does not apply (the caller then takes the general path).
 */
export function demultiplex16(data: Uint8Array, nSignals: number, nFrames: number, bigEndian = false): Int32Array[] | null {
  if (!littleEndianHost || bigEndian || (data.byteOffset & 1) !== 0 || data.byteLength < 2 * nSignals * nFrames) return null;
  const v = new Int16Array(data.buffer, data.byteOffset, nSignals * nFrames);
  const out: Int32Array[] = [];
  for (let s = 0; s < nSignals; s++) {
    const o = new Int32Array(nFrames);
    for (let f = 0, p = s; f < nFrames; f++, p += nSignals) o[f] = v[p];
    out.push(o);
  }
  return out;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface GroupSignal {
  samplesPerFrame: number;
  skew: number;
  /** Needed for format 8: the value the first difference is added to (header(5): defaults to ADC zero). */
  initialValue: number;
}

export interface DecodedGroup {
  /** One array per signal, nFrames × samplesPerFrame samples. */
  samples: Int32Array[];
  /** Per signal: the marker used for samples past the end of the file (skew) or the format's own marker. */
  invalidValue: (number | null)[];
}

/**
 * De-multiplexes `nFrames` frames of a signal file's samples (already decoded flat, `flat.length` samples
 * available from frame 0) into per-signal arrays, integrating format 8 and applying skew. Samples that skew
 * would read past the end of the available data become the invalid marker.
 */
export function demultiplex(format: number, flat: Int32Array, signals: GroupSignal[], nFrames: number): DecodedGroup {
  const tspf = signals.reduce((s, g) => s + g.samplesPerFrame, 0);
  const framesAvail = tspf === 0 ? 0 : Math.floor(flat.length / tspf);
  const samples: Int32Array[] = [];
  const invalid: (number | null)[] = [];
  let col = 0;
  for (const sig of signals) {
    const spf = sig.samplesPerFrame;
    const out = new Int32Array(nFrames * spf);
    let marker = invalidValueOf(format);
    if (format === 8) {
      // Differences accumulate from the file's first frame, so integrate before skewing.
      const lastFrame = Math.min(framesAvail, nFrames + sig.skew);
      const full = sig.skew === 0 ? out : new Int32Array(lastFrame * spf);
      let v = sig.initialValue;
      for (let f = 0, k = 0; f < lastFrame && k < full.length; f++) {
        const base = f * tspf + col;
        for (let j = 0; j < spf; j++) {
          v += flat[base + j];
          full[k++] = v;
        }
      }
      if (full !== out) out.set(full.subarray(sig.skew * spf, Math.min(full.length, (sig.skew + nFrames) * spf)));
      const have = Math.max(0, Math.min(nFrames, lastFrame - sig.skew));
      if (have < nFrames) {
        marker = -2147483648;
        out.fill(marker, have * spf);
      }
    } else {
      const have = Math.max(0, Math.min(nFrames, framesAvail - sig.skew));
      if (spf === 1) {
        for (let f = 0, p = sig.skew * tspf + col; f < have; f++, p += tspf) out[f] = flat[p];
      } else {
        for (let f = 0, k = 0; f < have; f++) {
          const base = (f + sig.skew) * tspf + col;
          for (let j = 0; j < spf; j++) out[k++] = flat[base + j];
        }
      }
      if (have < nFrames) out.fill(marker ?? -32768, have * spf);
    }
    samples.push(out);
    invalid.push(marker);
    col += spf;
  }
  return { samples, invalidValue: invalid };
}

/** The signed 16-bit sum WFDB writes as a signal's checksum. */
export function checksum16(samples: Int32Array): number {
  let s = 0;
  for (let i = 0; i < samples.length; i++) s = (s + samples[i]) | 0;
  return ((s & 0xffff) << 16) >> 16;
}
