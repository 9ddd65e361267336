/**
 * The WASM SIMD build of depthwise1d.c: 1-D depthwise convolution and its gradients, for the shapes
 * this network has (height 1, dilation 1, channel multiplier 1). Operands are copied into the
 * module's own memory (cheap next to the 7 multiply-adds per value), computed, and copied out.
 * `depthwiseWasm()` is undefined where WebAssembly SIMD is unavailable; callers use the JS kernels.
 */
import { DEPTHWISE_WASM_BASE64 } from './depthwiseWasm.generated.ts';
import type { DepthwiseGeometry } from './depthwiseKernels.ts';

type Kernel = (a: number, b: number, out: number, B: number, L: number, C: number, OL: number, K: number, s: number, pad: number) => void;

// The project's TS lib has no DOM, hence no WebAssembly typings: the little used here, typed locally.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  __heap_base: { value: unknown };
  dw_forward: Kernel;
  dw_backprop_input: Kernel;
  dw_backprop_filter: Kernel;
  reduce_middle: (x: number, out: number, scratch: number, outer: number, inner: number, C: number, scale: number) => void;
  bn_max_channels: () => number;
  bn_train_forward: (x: number, gamma: number, beta: number, y: number, mean: number, variance: number, n: number, C: number, eps: number, relu: number) => void;
  bn_train_backward: (
    dy: number, x: number, gamma: number, beta: number, mean: number, variance: number,
    dx: number, dgamma: number, dbeta: number, n: number, C: number, eps: number, relu: number,
  ) => void;
}

/** BatchNorm (training) over x [n, C]; see batchNormTrain.c. Outputs are written into the arrays given. */
export interface BatchNormTrainKernels {
  /** Largest channel count the kernels take (their per-channel scratch is static). */
  maxChannels: number;
  forward(x: Float32Array, gamma: Float32Array, beta: Float32Array, out: { y: Float32Array; mean: Float32Array; variance: Float32Array }, n: number, C: number, eps: number, relu: boolean): void;
  backward(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array,
    out: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array }, n: number, C: number, eps: number, relu: boolean,
  ): void;
}

export interface DepthwiseWasm {
  forward(g: DepthwiseGeometry, x: Float32Array, w: Float32Array): Float32Array;
  backpropInput(g: DepthwiseGeometry, dy: Float32Array, w: Float32Array): Float32Array;
  backpropFilter(g: DepthwiseGeometry, x: Float32Array, dy: Float32Array): Float32Array;
  /** out[o, c] = scale·Σ_i x[o, i, c] for x [outer, inner, C]. */
  reduceMiddle(x: Float32Array, outer: number, inner: number, channels: number, scale: number): Float32Array;
  batchNormTrain: BatchNormTrainKernels;
}

/** The SIMD kernels cover 1-D geometry only. */
export function isOneDimensional(g: DepthwiseGeometry): boolean {
  return g.inHeight === 1 && g.filterHeight === 1 && g.outHeight === 1 && g.dilationWidth === 1 && g.padTop === 0;
}

let instance: DepthwiseWasm | undefined | null = null;

function create(): DepthwiseWasm | undefined {
  let ex: Exports;
  try {
    const mod = new WA.Module(Buffer.from(DEPTHWISE_WASM_BASE64, 'base64'));
    ex = new WA.Instance(mod, {}).exports as unknown as Exports;
  } catch {
    return undefined; // no WASM SIMD here
  }
  const base = (Number(ex.__heap_base.value) + 15) & ~15;

  /** Lays operands out back to back from the heap base, growing memory as needed; returns byte offsets. */
  const place = (inputs: Float32Array[], ...outLengths: number[]): number[] => {
    const offsets: number[] = [];
    let at = base;
    for (const a of [...inputs.map((i) => i.length), ...outLengths]) {
      offsets.push(at);
      at += ((a * 4 + 15) & ~15);
    }
    const need = at - ex.memory.buffer.byteLength;
    if (need > 0) ex.memory.grow(Math.ceil(need / 65536));
    inputs.forEach((a, i) => new Float32Array(ex.memory.buffer, offsets[i], a.length).set(a));
    return offsets;
  };
  const run = (k: Kernel, g: DepthwiseGeometry, a: Float32Array, b: Float32Array, outLength: number): Float32Array => {
    const [pa, pb, po] = place([a, b], outLength);
    k(pa, pb, po, g.batchSize, g.inWidth, g.channels, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
    return new Float32Array(ex.memory.buffer, po, outLength).slice();
  };
  return {
    forward: (g, x, w) => run(ex.dw_forward, g, x, w, g.batchSize * g.outWidth * g.channels),
    backpropInput: (g, dy, w) => run(ex.dw_backprop_input, g, dy, w, g.batchSize * g.inWidth * g.channels),
    backpropFilter: (g, x, dy) => run(ex.dw_backprop_filter, g, x, dy, g.filterWidth * g.channels),
    reduceMiddle(x, outer, inner, channels, scale) {
      if (x.length !== outer * inner * channels) throw new Error(`reduceMiddle: ${x.length} values are not ${outer}×${inner}×${channels}`);
      const [px, po, ps] = place([x], outer * channels, 3 * channels + 4);
      ex.reduce_middle(px, po, ps, outer, inner, channels, scale);
      return new Float32Array(ex.memory.buffer, po, outer * channels).slice();
    },
    batchNormTrain: {
      maxChannels: ex.bn_max_channels(),
      forward(x, gamma, beta, out, n, C, eps, relu) {
        const [px, pg, pb, py, pm, pv] = place([x, gamma, beta], n * C, C, C);
        ex.bn_train_forward(px, pg, pb, py, pm, pv, n, C, eps, relu ? 1 : 0);
        const view = (at: number, len: number) => new Float32Array(ex.memory.buffer, at, len);
        out.y.set(view(py, n * C));
        out.mean.set(view(pm, C));
        out.variance.set(view(pv, C));
      },
      backward(dy, x, gamma, beta, mean, variance, out, n, C, eps, relu) {
        const [pdy, px, pg, pb, pm, pv, pdx, pdg, pdb] = place([dy, x, gamma, beta, mean, variance], n * C, C, C);
        ex.bn_train_backward(pdy, px, pg, pb, pm, pv, pdx, pdg, pdb, n, C, eps, relu ? 1 : 0);
        const view = (at: number, len: number) => new Float32Array(ex.memory.buffer, at, len);
        out.dx.set(view(pdx, n * C));
        out.dgamma.set(view(pdg, C));
        out.dbeta.set(view(pdb, C));
      },
    },
  };
}

export function depthwiseWasm(): DepthwiseWasm | undefined {
  if (instance === null) instance = create();
  return instance;
}
