/**
 * Reads and writes NamedWeights in the parity fixture's format: a raw little-endian float32 `.bin`
 * (tensors back to back, C order) plus a JSON manifest listing name, shape, byte offset and length.
 * Compact encodings (float16, sparse bitmask + float16/float32 values) are an extension used by
 * pruned model packages; the manifest entry's `encoding` says which.
 */
import { readFileSync } from 'node:fs';
import type { NamedTensor, NamedWeights } from './weights.ts';
import { float16ToFloat32, float32ToFloat16 } from './float16.ts';

export type TensorEncoding = 'float32' | 'float16' | 'sparse-float16' | 'sparse-float32';

export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Byte offset of the tensor's first byte in the .bin. */
  offset: number;
  /** Element count of the decoded tensor. */
  length: number;
  /** How the bytes encode it; absent means plain float32 (the fixture's format). */
  encoding?: TensorEncoding;
  /** Bytes the tensor occupies in the .bin (absent for plain float32: 4·length). */
  byteLength?: number;
  /** Non-zero count, for sparse encodings. */
  nonZero?: number;
  [extra: string]: unknown;
}

export interface WeightsManifest {
  file: string;
  tensors: ManifestEntry[];
  [extra: string]: unknown;
}

export class WeightsFileError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'WeightsFileError';
  }
}

const elementCount = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function entryByteLength(e: ManifestEntry): number {
  return e.byteLength ?? e.length * 4;
}

/** Decodes the tensors a manifest lists from the bytes of its .bin; validates every bound. */
export function decodeWeights(manifest: WeightsManifest, bin: Buffer, binName: string): NamedWeights {
  const out: NamedWeights = new Map();
  // One aligned copy so Float32Array views are legal whatever the Buffer's pool offset.
  const bytes = new Uint8Array(bin.byteLength);
  bytes.set(bin);
  if (!Array.isArray(manifest.tensors)) throw new WeightsFileError(binName, 'the manifest has no "tensors" list');
  const ranges: [number, number, string][] = [];
  for (const e of manifest.tensors) {
    checkEntry(e, binName);
    if (out.has(e.name)) throw new WeightsFileError(binName, `tensor ${e.name} listed twice`);
    if (elementCount(e.shape) !== e.length) throw new WeightsFileError(binName, `tensor ${e.name}: shape [${e.shape}] does not hold ${e.length} elements`);
    const nbytes = entryByteLength(e);
    if (e.offset < 0 || e.offset + nbytes > bytes.byteLength) {
      throw new WeightsFileError(binName, `truncated: tensor ${e.name} needs bytes ${e.offset}..${e.offset + nbytes} but the file has ${bytes.byteLength}`);
    }
    ranges.push([e.offset, e.offset + nbytes, e.name]);
    out.set(e.name, { shape: [...e.shape], data: decodeTensor(e, bytes, binName) });
  }
  // Tensors never share bytes: an overlap means a shifted or forged offset.
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) throw new WeightsFileError(binName, `tensors ${ranges[i - 1][2]} and ${ranges[i][2]} overlap (bytes ${ranges[i][0]}..${ranges[i - 1][1]})`);
  }
  return out;
}

const ENCODINGS = new Set<string>(['float32', 'float16', 'sparse-float16', 'sparse-float32']);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A manifest entry comes from a file: every field is checked before it sizes or indexes anything. */
function checkEntry(e: unknown, binName: string): asserts e is ManifestEntry {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new WeightsFileError(binName, 'a manifest entry is not an object');
  const m = e as Record<string, unknown>;
  const name = typeof m.name === 'string' && m.name.length > 0 ? m.name : null;
  if (!name) throw new WeightsFileError(binName, 'a manifest entry has no name');
  const bad = (why: string) => new WeightsFileError(binName, `tensor ${name}: ${why}`);
  if (!Array.isArray(m.shape) || !m.shape.every(isCount)) throw bad('shape is not a list of non-negative integers');
  if (!isCount(m.length)) throw bad(`length ${String(m.length)} is not a non-negative integer`);
  if (!isCount(m.offset)) throw bad(`offset ${String(m.offset)} is not a non-negative integer`);
  const enc = m.encoding ?? 'float32';
  if (typeof enc !== 'string' || !ENCODINGS.has(enc)) throw bad(`unknown encoding ${String(enc)}`);
  if (m.byteLength !== undefined && !isCount(m.byteLength)) throw bad(`byteLength ${String(m.byteLength)} is not a non-negative integer`);
  const n = m.length;
  const expected = enc === 'float32' ? 4 * n : enc === 'float16' ? 2 * n : null;
  const nbytes = (m.byteLength as number | undefined) ?? 4 * n;
  if (expected !== null && nbytes !== expected) throw bad(`byteLength ${nbytes} for ${n} ${enc} values (expected ${expected})`);
  if (expected === null && nbytes < Math.ceil(n / 8)) throw bad(`byteLength ${nbytes} cannot hold the mask of ${n} values`);
}

function decodeTensor(e: ManifestEntry, bytes: Uint8Array, binName: string): Float32Array {
  const enc = e.encoding ?? 'float32';
  const n = e.length;
  switch (enc) {
    case 'float32': {
      if (e.offset % 4 !== 0) return new Float32Array(bytes.slice(e.offset, e.offset + 4 * n).buffer);
      return new Float32Array(bytes.buffer, e.offset, n).slice();
    }
    case 'float16': {
      const h = new Uint16Array(bytes.slice(e.offset, e.offset + 2 * n).buffer);
      return float16ToFloat32(h);
    }
    case 'sparse-float16':
    case 'sparse-float32': {
      const maskBytes = Math.ceil(n / 8);
      const mask = bytes.subarray(e.offset, e.offset + maskBytes);
      let nz = 0;
      for (let i = 0; i < n; i++) if (mask[i >> 3] & (1 << (i & 7))) nz++;
      if (e.nonZero !== undefined && nz !== e.nonZero) throw new WeightsFileError(binName, `tensor ${e.name}: mask has ${nz} set bits, manifest says ${e.nonZero}`);
      const vStart = e.offset + maskBytes;
      const width = enc === 'sparse-float16' ? 2 : 4;
      if (maskBytes + nz * width !== entryByteLength(e)) throw new WeightsFileError(binName, `tensor ${e.name}: byteLength ${entryByteLength(e)} does not match ${nz} values`);
      const raw = bytes.slice(vStart, vStart + nz * width).buffer;
      const values = width === 2 ? float16ToFloat32(new Uint16Array(raw)) : new Float32Array(raw);
      const out = new Float32Array(n);
      let k = 0;
      for (let i = 0; i < n; i++) if (mask[i >> 3] & (1 << (i & 7))) out[i] = values[k++];
      return out;
    }
    default:
      throw new WeightsFileError(binName, `tensor ${e.name}: unknown encoding ${String(enc)}`);
  }
}

/** Encodes weights back to back; `encodingOf` picks each tensor's encoding (default float32). */
export function encodeWeights(
  weights: NamedWeights,
  binName: string,
  encodingOf: (name: string, t: NamedTensor) => TensorEncoding = () => 'float32',
): { manifest: WeightsManifest; bin: Buffer } {
  const chunks: Uint8Array[] = [];
  const tensors: ManifestEntry[] = [];
  let offset = 0;
  for (const [name, t] of weights) {
    const enc = encodingOf(name, t);
    const bytes = encodeTensor(t.data, enc);
    const entry: ManifestEntry = { name, shape: [...t.shape], dtype: 'float32', offset, length: t.data.length };
    if (enc !== 'float32') {
      entry.encoding = enc;
      entry.byteLength = bytes.byteLength;
      if (enc.startsWith('sparse')) entry.nonZero = countNonZero(t.data);
    }
    tensors.push(entry);
    chunks.push(bytes);
    offset += bytes.byteLength;
    const pad = (4 - (offset % 4)) % 4; // keep float32 tensors 4-byte aligned
    if (pad) {
      chunks.push(new Uint8Array(pad));
      offset += pad;
    }
  }
  return { manifest: { file: binName, tensors }, bin: Buffer.concat(chunks) };
}

export function countNonZero(data: Float32Array): number {
  let nz = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) nz++;
  return nz;
}

function encodeTensor(data: Float32Array, enc: TensorEncoding): Uint8Array {
  if (enc === 'float32') return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  if (enc === 'float16') return new Uint8Array(float32ToFloat16(data).buffer);
  const n = data.length;
  const mask = new Uint8Array(Math.ceil(n / 8));
  const nz = countNonZero(data);
  const vals = new Float32Array(nz);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (data[i] !== 0) {
      mask[i >> 3] |= 1 << (i & 7);
      vals[k++] = data[i];
    }
  }
  const v = enc === 'sparse-float16' ? new Uint8Array(float32ToFloat16(vals).buffer) : new Uint8Array(vals.buffer);
  const out = new Uint8Array(mask.byteLength + v.byteLength);
  out.set(mask);
  out.set(v, mask.byteLength);
  return out;
}

/** Loads a `.weights.json` manifest and the `.bin` it names (resolved beside the manifest). */
export function readWeightsFiles(manifestPath: string, binPath?: string): { manifest: WeightsManifest; weights: NamedWeights } {
  let manifest: WeightsManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as WeightsManifest;
  } catch (err) {
    throw new WeightsFileError(manifestPath, `cannot read manifest: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(manifest.tensors)) throw new WeightsFileError(manifestPath, 'no "tensors" list');
  const bin = binPath ?? new URL(manifest.file, `file://${manifestPath}`).pathname;
  let bytes: Buffer;
  try {
    bytes = readFileSync(bin);
  } catch (err) {
    throw new WeightsFileError(bin, `cannot read weights: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { manifest, weights: decodeWeights(manifest, bytes, bin) };
}
