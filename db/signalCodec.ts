/**
 * Lossless BLOB codec for Int32 sample arrays. ECG samples change little between neighbours, so the
 * default is first differences, zig-zag mapped and written as LEB128 varints (≈1.1 bytes/sample on the
 * shared data against 2 for int16). When that is not smaller (noisy or random data), raw int16 is used if
 * every value fits, else raw int32. Byte 0 names the encoding, bytes 1–4 the sample count (uint32 LE).
 * Differences wrap in 32-bit arithmetic, so every Int32 value round-trips exactly.
 */

const DELTA_VARINT = 1;
const RAW_INT16 = 2;
const RAW_INT32 = 3;
const HEADER = 5;

export type SignalEncoding = 'delta-varint' | 'int16' | 'int32';

let scratch = new Uint8Array(1 << 20);

/**
 * Encodes in one pass into a reusable scratch buffer, then copies out the smaller of varint and raw. When
 * `count` is given, the same pass counts the samples equal to `count.invalidValue` into `count.invalid`.
 */
export function encodeSamples(samples: Int32Array, count?: { invalidValue: number | null; invalid: number }): Uint8Array {
  const n = samples.length;
  const marker = count && count.invalidValue !== null ? count.invalidValue : null;
  let invalid = 0;
  if (scratch.length < HEADER + 5 * n) scratch = new Uint8Array(HEADER + 5 * n);
  const buf = scratch;
  let p = HEADER;
  let prev = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i] | 0;
    if (x === marker) invalid++;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    const d = (x - prev) | 0;
    prev = x;
    let z = ((d << 1) ^ (d >> 31)) >>> 0;
    while (z >= 0x80) {
      buf[p++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    buf[p++] = z;
  }
  if (count) count.invalid = invalid;
  const fits16 = lo >= -32768 && hi <= 32767;
  const rawBytes = n * (fits16 ? 2 : 4);
  let out: Uint8Array;
  if (p - HEADER < rawBytes) {
    out = buf.slice(0, p);
    out[0] = DELTA_VARINT;
  } else {
    out = new Uint8Array(HEADER + rawBytes);
    out[0] = fits16 ? RAW_INT16 : RAW_INT32;
    const dv = new DataView(out.buffer, HEADER);
    if (fits16) for (let i = 0; i < n; i++) dv.setInt16(2 * i, samples[i], true);
    else for (let i = 0; i < n; i++) dv.setInt32(4 * i, samples[i], true);
  }
  new DataView(out.buffer).setUint32(1, n, true);
  return out;
}

export function encodingOf(blob: Uint8Array): SignalEncoding {
  if (blob[0] === DELTA_VARINT) return 'delta-varint';
  if (blob[0] === RAW_INT16) return 'int16';
  if (blob[0] === RAW_INT32) return 'int32';
  throw new Error(`signal blob has unknown encoding byte ${blob[0]}`);
}

/** Decodes a blob; throws (never returns partial data) when it is truncated or malformed. */
export function decodeSamples(blob: Uint8Array): Int32Array {
  if (blob.length < HEADER) throw new Error(`signal blob is ${blob.length} bytes, shorter than its header`);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const n = dv.getUint32(1, true);
  const out = new Int32Array(n);
  const kind = encodingOf(blob);
  if (kind === 'int16' || kind === 'int32') {
    const width = kind === 'int16' ? 2 : 4;
    if (blob.length !== HEADER + n * width) throw new Error(`signal blob holds ${blob.length - HEADER} bytes, expected ${n * width}`);
    if (width === 2) for (let i = 0; i < n; i++) out[i] = dv.getInt16(HEADER + 2 * i, true);
    else for (let i = 0; i < n; i++) out[i] = dv.getInt32(HEADER + 4 * i, true);
    return out;
  }
  let p = HEADER;
  let prev = 0;
  const end = blob.length;
  for (let i = 0; i < n; i++) {
    let z = 0;
    let shift = 0;
    let b: number;
    do {
      if (p >= end) throw new Error(`signal blob ends after ${i} of ${n} samples`);
      b = blob[p++];
      z |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    const d = (z >>> 1) ^ -(z & 1);
    prev = (prev + d) | 0;
    out[i] = prev;
  }
  if (p !== end) throw new Error(`signal blob has ${end - p} trailing bytes`);
  return out;
}
