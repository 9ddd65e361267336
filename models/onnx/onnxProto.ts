/**
 * A minimal ONNX ModelProto encoder: protobuf wire format written by hand for just the messages and
 * fields a feed-forward float32 graph needs (field numbers from onnx/onnx.proto, IR version 8).
 * No parser: we only ever build models, never read them.
 */

export type Dim = number | string;

export interface TensorInit {
  name: string;
  dims: number[];
  /** float32 (data_type 1) or int64 (data_type 7). */
  data: Float32Array | BigInt64Array;
}

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

export interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
}

export interface ValueInfo {
  name: string;
  /** ONNX elem type: 1 float, 7 int64. */
  elemType: number;
  dims: Dim[];
}

export interface GraphDef {
  name: string;
  nodes: NodeDef[];
  initializers: TensorInit[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

const FLOAT = 1;
const INT64 = 7;

/** Growable byte sink with protobuf primitives. */
class Writer {
  private buf = new Uint8Array(1024);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  varint(v: number | bigint): void {
    // int64 fields: negative values are ten-byte two's complement.
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  tag(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
  }

  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  // Every platform Node ships on is little-endian, which is what raw_data requires.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function writeTensor(w: Writer, t: TensorInit): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.data instanceof Float32Array ? FLOAT : INT64);
  w.string(8, t.name);
  w.bytes(9, littleEndianBytes(t.data));
}

function writeAttr(w: Writer, name: string, v: AttrValue): void {
  w.string(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use {float: x} for float ${v}`);
    w.int(3, v);
    w.int(20, 2);
  } else if (typeof v === 'string') {
    w.bytes(4, new TextEncoder().encode(v));
    w.int(20, 3);
  } else if (Array.isArray(v)) {
    for (const x of v) w.int(8, x);
    w.int(20, 7);
  } else if ('float' in v) {
    w.float(2, v.float);
    w.int(20, 1);
  } else {
    for (const x of v.floats) w.float(7, x);
    w.int(20, 6);
  }
}

function writeNode(w: Writer, n: NodeDef): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, (a) => writeAttr(a, k, v));
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Serialises a ModelProto (IR 8, default domain at `opset`). */
export function encodeModel(graph: GraphDef, opset = 17, producer = 'x3ecg-workstation'): Uint8Array {
  const w = new Writer();
  w.int(1, 8);
  w.string(2, producer);
  w.message(7, (g) => {
    for (const n of graph.nodes) g.message(1, (m) => writeNode(m, n));
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const i of graph.inputs) g.message(11, (m) => writeValueInfo(m, i));
    for (const o of graph.outputs) g.message(12, (m) => writeValueInfo(m, o));
  });
  w.message(8, (op) => {
    op.string(1, '');
    op.int(2, opset);
  });
  return w.finish();
}
