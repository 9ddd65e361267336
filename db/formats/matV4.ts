/**
 * MATLAB v4 (.mat) matrix header reader, as written by wfdb2mat and the PhysioNet/CinC Challenges:
 * a 20-byte header (type, mrows, ncols, imagf, namlen), the NUL-terminated name, then real data in
 * column-major order. Only the first matrix is read.
 */

export type MatPrecision = 'float64' | 'float32' | 'int32' | 'int16' | 'uint16' | 'uint8';

export interface MatV4Matrix {
  name: string;
  littleEndian: boolean;
  precision: MatPrecision;
  bytesPerElement: number;
  rows: number;
  cols: number;
  /** Byte offset of the first data element. */
  dataOffset: number;
}

const PRECISIONS: [MatPrecision, number][] = [
  ['float64', 8], ['float32', 4], ['int32', 4], ['int16', 2], ['uint16', 2], ['uint8', 1],
];

/** Parses the first matrix header; returns a reason string when the bytes are not a readable MATLAB v4 matrix. */
export function readMatV4Header(bytes: Uint8Array): MatV4Matrix | string {
  if (bytes.length < 20) return `too short for a MATLAB v4 header (${bytes.length} bytes)`;
  const head = String.fromCharCode(...bytes.subarray(0, 6));
  if (head === 'MATLAB') return 'MATLAB v5/v7 .mat files are not supported (save with -v4, as wfdb2mat does)';
  if (bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) return 'MATLAB v7.3 (HDF5) .mat files are not supported';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  let type = dv.getInt32(0, true);
  if (type < 0 || type >= 1000) {
    type = dv.getInt32(0, false);
    le = false;
    if (type < 1000 || type >= 2000) return `not a MATLAB v4 file (type word ${dv.getInt32(0, true)})`;
  }
  const m = Math.floor(type / 1000);
  const o = Math.floor(type / 100) % 10;
  const p = Math.floor(type / 10) % 10;
  const t = type % 10;
  if ((m !== 0 && m !== 1) || o !== 0) return `unsupported MATLAB v4 machine/type code ${type}`;
  if (t !== 0) return `MATLAB v4 matrix is ${t === 1 ? 'text' : t === 2 ? 'sparse' : `of kind ${t}`}, not a full numeric matrix`;
  if (p >= PRECISIONS.length) return `unknown MATLAB v4 precision code ${p}`;
  const rows = dv.getInt32(4, le);
  const cols = dv.getInt32(8, le);
  const imagf = dv.getInt32(12, le);
  const namlen = dv.getInt32(16, le);
  if (rows < 0 || cols < 0) return `negative MATLAB v4 matrix size ${rows}×${cols}`;
  if (imagf !== 0) return 'MATLAB v4 matrix is complex';
  if (namlen < 1 || namlen > 4096 || 20 + namlen > bytes.length) return `invalid MATLAB v4 name length ${namlen}`;
  let name = '';
  for (let i = 0; i < namlen - 1; i++) name += String.fromCharCode(bytes[20 + i]);
  const [precision, bytesPerElement] = PRECISIONS[p];
  return { name, littleEndian: le, precision, bytesPerElement, rows, cols, dataOffset: 20 + namlen };
}

/**
 * Reads `count` elements starting at element `first` as integers into `out`. Floating-point data must hold
 * whole numbers in the int32 range; otherwise returns the index of the first offending element.
 */
export function readMatElements(bytes: Uint8Array, m: MatV4Matrix, first: number, count: number, out: Int32Array): number | null {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = m.littleEndian;
  let off = m.dataOffset + first * m.bytesPerElement;
  switch (m.precision) {
    case 'int16':
      for (let i = 0; i < count; i++, off += 2) out[i] = dv.getInt16(off, le);
      return null;
    case 'uint16':
      for (let i = 0; i < count; i++, off += 2) out[i] = dv.getUint16(off, le);
      return null;
    case 'int32':
      for (let i = 0; i < count; i++, off += 4) out[i] = dv.getInt32(off, le);
      return null;
    case 'uint8':
      for (let i = 0; i < count; i++) out[i] = bytes[off + i];
      return null;
    case 'float64':
    case 'float32':
      for (let i = 0; i < count; i++) {
        const v = m.precision === 'float64' ? dv.getFloat64(off + 8 * i, le) : dv.getFloat32(off + 4 * i, le);
        if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) return first + i;
        out[i] = v;
      }
      return null;
  }
}
