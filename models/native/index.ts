/**
 * Faster TF.js kernels for LightX3ECG's hot ops, registered over the active backend's own
 * (tf.unregisterKernel + tf.registerKernel). Today: DepthwiseConv2dNative and both of its
 * gradients (the wasm backend has no depthwise backprop at all; cpu's is ~0.03 GFLOP/s): for 1-D
 * geometry the native addon's where it is built, else WASM SIMD (depthwise1d.c, ~2 GMAC/s); plain JS
 * loops (depthwiseKernels.ts) otherwise; MaxPoolGrad of 1-D pooling (maxPoolGrad.ts). Shapes the fast path does not cover (channel multiplier > 1,
 * NCHW) go to the kernel that was registered before, so behaviour never narrows. Also two kernels of our
 * own, X3BatchNormTrain and its gradient (batchNormKernels.ts), which network/context.ts's batchNorm
 * uses in training when they are registered, and X3ScaleAddRelu and its gradient (scaleAddReluKernels.ts),
 * a residual block's end (X3ECG_FUSED_BN=0 leaves both out, for before/after runs).
 *
 *   import { registerFastKernels } from './native/index.ts';
 *   registerFastKernels(tf);   // after tf.setBackend(...); idempotent per backend
 */
import * as tfDefault from '@tensorflow/tfjs';
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { depthwiseBackpropFilter, depthwiseBackpropInput, depthwiseForward, type DepthwiseGeometry } from './depthwiseKernels.ts';
import { depthwiseWasm, isOneDimensional } from './depthwiseWasm.ts';
import { loadNativeAddon, type DepthwiseCall, type NativeAddon } from './nativeAddon.ts';
import { BN_TRAIN_KERNELS, batchNormTrainKernelFuncs, batchNormTrainKernels } from './batchNormKernels.ts';
import { maxPool1dGrad } from './maxPoolGrad.ts';
import { kernelBuffers } from './backendBuffers.ts';
import { SCALE_ADD_RELU_KERNELS, scaleAddReluImpl, scaleAddReluKernelFuncs } from './scaleAddReluKernels.ts';

type Tf = typeof tfDefault;
type Conv2DInfo = ReturnType<Tf['backend_util']['computeConv2DInfo']>;

/** The two backends we know how to read from and write to. */
interface CpuLike {
  readSync(dataId: unknown): unknown;
  makeTensorInfo(shape: number[], dtype: DataType, values: Float32Array): TensorInfo;
}
interface WasmLike {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: Float32Array): TensorInfo;
}

function read(backend: unknown, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`fast kernels: expected float32, got ${t.dtype}`);
  const b = backend as Partial<WasmLike & CpuLike>;
  if (typeof b.typedArrayFromHeap === 'function') return b.typedArrayFromHeap(t);
  return (b as CpuLike).readSync(t.dataId) as Float32Array;
}

function write(backend: unknown, shape: number[], values: Float32Array): TensorInfo {
  const b = backend as Partial<WasmLike & CpuLike>;
  // cpu has a makeOutput too, with another signature: tell the backends apart by the wasm heap.
  if (typeof b.typedArrayFromHeap === 'function') return b.makeOutput!(shape, 'float32', undefined, values);
  return (b as CpuLike).makeTensorInfo(shape, 'float32', values);
}

function geometry(info: Conv2DInfo): DepthwiseGeometry {
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
}

/** Kernel names this module replaces. */
export const FAST_KERNELS = ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'MaxPoolGrad'] as const;

/** Runs `fill` into a fresh float32 output of `shape` (kernelBuffers: outputs allocated before inputs are viewed). */
function computeInto(backend: unknown, shape: number[], inputs: TensorInfo[], fill: (ins: Float32Array[], out: Float32Array) => void): TensorInfo {
  const { ins, outs, infos } = kernelBuffers('fast kernels', backend, inputs, [shape]);
  fill(ins, outs[0]);
  return infos[0];
}

/** The three depthwise kernels for geometry `g`: the native addon's for 1-D where it has them, else WASM SIMD's; JS otherwise. */
interface DepthwiseImpl {
  forward(backend: unknown, x: TensorInfo, w: TensorInfo): TensorInfo;
  backpropInput(backend: unknown, dy: TensorInfo, w: TensorInfo): TensorInfo;
  backpropFilter(backend: unknown, x: TensorInfo, dy: TensorInfo): TensorInfo;
}

function depthwiseImpl(addon: NativeAddon | undefined, g: DepthwiseGeometry): DepthwiseImpl {
  const xShape = [g.batchSize, g.inHeight, g.inWidth, g.channels];
  const yShape = [g.batchSize, g.outHeight, g.outWidth, g.channels];
  const wShape = [g.filterHeight, g.filterWidth, g.channels, 1];
  const oneD = isOneDimensional(g);
  const { depthwiseForward: nf, depthwiseBackpropInput: ni, depthwiseBackpropFilter: nb } = addon ?? {};
  if (nf && ni && nb && oneD) {
    const call = (k: DepthwiseCall, backend: unknown, a: TensorInfo, b: TensorInfo, shape: number[]) =>
      computeInto(backend, shape, [a, b], ([pa, pb], out) => k(pa, pb, out, g.batchSize, g.inWidth, g.channels, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft));
    return {
      forward: (be, x, w) => call(nf, be, x, w, yShape),
      backpropInput: (be, dy, w) => call(ni, be, dy, w, xShape),
      backpropFilter: (be, x, dy) => call(nb, be, x, dy, wShape),
    };
  }
  const k = (oneD ? depthwiseWasm() : undefined) ?? { forward: depthwiseForward, backpropInput: depthwiseBackpropInput, backpropFilter: depthwiseBackpropFilter };
  return {
    forward: (be, x, w) => write(be, yShape, k.forward(g, read(be, x), read(be, w))),
    backpropInput: (be, dy, w) => write(be, xShape, k.backpropInput(g, read(be, dy), read(be, w))),
    backpropFilter: (be, x, dy) => write(be, wShape, k.backpropFilter(g, read(be, x), read(be, dy))),
  };
}

function fastKernelFuncs(tf: Tf, previous: Map<string, KernelConfig | undefined>, addon: NativeAddon | undefined): Record<(typeof FAST_KERNELS)[number], KernelFunc> {
  const info = (xShape: number[], fShape: number[], a: ConvAttrs) =>
    tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      fShape as [number, number, number, number],
      a.strides,
      a.dilations ?? 1,
      a.pad,
      a.dimRoundingMode,
      true,
    );
  const fallback = (name: string, args: Parameters<KernelFunc>[0]) => {
    const k = previous.get(name);
    if (!k) throw new Error(`fast kernels: ${name} with these attributes is not supported and the backend had no kernel of its own`);
    return k.kernelFunc(args);
  };
  const supported = (a: ConvAttrs, fShape: number[]) => (a.dataFormat ?? 'NHWC') === 'NHWC' && fShape[3] === 1;

  return {
    DepthwiseConv2dNative: (args) => {
      const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
      const a = args.attrs as unknown as ConvAttrs;
      if (!supported(a, filter.shape)) return fallback('DepthwiseConv2dNative', args);
      const g = geometry(info(x.shape, filter.shape, a));
      return depthwiseImpl(addon, g).forward(args.backend, x, filter);
    },
    DepthwiseConv2dNativeBackpropInput: (args) => {
      const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
      const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
      if (!supported(a, filter.shape)) return fallback('DepthwiseConv2dNativeBackpropInput', args);
      const g = geometry(info(a.inputShape, filter.shape, a));
      return depthwiseImpl(addon, g).backpropInput(args.backend, dy, filter);
    },
    DepthwiseConv2dNativeBackpropFilter: (args) => {
      const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
      const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
      if (!supported(a, a.filterShape)) return fallback('DepthwiseConv2dNativeBackpropFilter', args);
      const g = geometry(info(x.shape, a.filterShape, a));
      return depthwiseImpl(addon, g).backpropFilter(args.backend, x, dy);
    },
    MaxPoolGrad: (args) => {
      const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
      const a = args.attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
      const p = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      const oneD = p.inHeight === 1 && p.filterHeight === 1 && p.outHeight === 1 && p.padInfo.top === 0 && p.dilationWidth === 1 && input.dtype === 'float32';
      if (!oneD) return fallback('MaxPoolGrad', args);
      const g = { batchSize: p.batchSize, inWidth: p.inWidth, outWidth: p.outWidth, channels: p.inChannels, filterWidth: p.filterWidth, strideWidth: p.strideWidth, padLeft: p.padInfo.left };
      const native = addon?.maxPoolGrad1d;
      return computeInto(args.backend, input.shape, [input, dy], ([x, d], dx) =>
        native ? native(x, d, dx, g.batchSize, g.inWidth, g.channels, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft) : maxPool1dGrad(g, x, d, dx),
      );
    },
  };
}

/**
 * BatchMatMul on the native addon (2 threads, register-blocked, AVX-512 where the CPU has it): 2–3.5×
 * wasm's single-threaded XNNPACK on this network's pointwise shapes. Leading (batch) dims must match
 * or one side must have none/ones; anything else goes to the backend's kernel.
 */
function batchMatMulFunc(addon: NativeAddon, previous: KernelConfig | undefined, threads: number): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const lead = (t: TensorInfo) => t.shape.slice(0, -2);
    const count = (d: number[]) => d.reduce((x, y) => x * y, 1);
    const la = lead(a);
    const lb = lead(b);
    const ba = count(la);
    const bb = count(lb);
    const sameLead = la.length === lb.length && la.every((d, i) => d === lb[i]);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || !(sameLead || ba === 1 || bb === 1)) {
      if (!previous) throw new Error('fast kernels: BatchMatMul with these inputs is not supported');
      return previous.kernelFunc(args);
    }
    const [ar, ac] = a.shape.slice(-2);
    const [br, bc] = b.shape.slice(-2);
    const m = transposeA ? ac : ar;
    const k = transposeA ? ar : ac;
    const n = transposeB ? br : bc;
    if ((transposeB ? bc : br) !== k) throw new Error(`BatchMatMul: inner dimensions ${k} and ${transposeB ? bc : br} differ`);
    const batch = Math.max(ba, bb);
    const outLead = ba >= bb ? la : lb;
    const shape = [...outLead, m, n];
    const strideA = ba === 1 ? 0 : m * k;
    const strideB = bb === 1 ? 0 : k * n;
    return computeInto(args.backend, shape, [a, b], ([pa, pb], c) => addon.sgemm(pa, pb, c, batch, m, n, k, transposeA, transposeB, strideA, strideB, threads));
  };
}

/**
 * Sum and Mean over a run of middle axes (x viewed as [outer, inner, C], reducing `inner`): BN batch
 * statistics and their gradients, and time pooling. wasm transposes before such reductions. Other
 * axes, dtypes or a reduced last axis go to the backend's kernel.
 */
function reduceMiddleFunc(name: 'Sum' | 'Mean', previous: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const r = x.shape.length;
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + r : a)))].sort((p, q) => p - q);
    const contiguous = axes.length > 0 && axes.every((a, i) => a === axes[0] + i);
    const simd = depthwiseWasm();
    if (x.dtype !== 'float32' || r < 2 || !contiguous || axes[axes.length - 1] >= r - 1 || !simd) {
      if (!previous) throw new Error(`fast kernels: ${name} with these inputs is not supported`);
      return previous.kernelFunc(args);
    }
    const channels = x.shape.slice(axes[axes.length - 1] + 1).reduce((p, q) => p * q, 1);
    const inner = axes.reduce((p, a) => p * x.shape[a], 1);
    const outer = x.shape.slice(0, axes[0]).reduce((p, q) => p * q, 1);
    const out = simd.reduceMiddle(read(args.backend, x), outer, inner, channels, name === 'Mean' ? 1 / inner : 1);
    const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return write(args.backend, shape, out);
  };
}

/** GEMM threads: 2 (this machine's cores), or X3ECG_GEMM_THREADS (lead workers run one each). */
function gemmThreads(): number {
  const n = Number(process.env.X3ECG_GEMM_THREADS);
  return Number.isInteger(n) && n > 0 ? n : 2;
}

/** Per backend: the kernels that were registered before ours (for fallback and unregistering). */
const replaced = new Map<string, Map<string, KernelConfig | undefined>>();

/**
 * Registers the fast kernels for `backendName` (default: the active backend). Only 'cpu' and 'wasm'
 * are served: tfjs-node has native kernels already. Returns the kernel names now in place.
 */
export function registerFastKernels(
  tf: Tf = tfDefault,
  backendName: string = tf.getBackend(),
  opts: { addon?: NativeAddon | null; threads?: number; fusedBatchNorm?: boolean; fusedBlockEnd?: boolean } = {},
): { registered: string[]; backend: string } {
  if (backendName !== 'cpu' && backendName !== 'wasm') return { registered: [], backend: backendName };
  const done = replaced.get(backendName);
  if (done) return { registered: [...done.keys()], backend: backendName };
  const addon = opts.addon === null ? undefined : (opts.addon ?? loadNativeAddon());
  // Reductions only on wasm: cpu's own Sum/Mean do not transpose.
  const bn = (opts.fusedBatchNorm ?? process.env.X3ECG_FUSED_BN !== '0') ? batchNormTrainKernels(addon) : undefined;
  const blockEnd = opts.fusedBlockEnd ?? process.env.X3ECG_FUSED_BN !== '0';
  const names: string[] = [
    ...FAST_KERNELS,
    ...(backendName === 'wasm' ? ['Sum', 'Mean'] : []),
    ...(addon ? ['BatchMatMul'] : []),
    ...(bn ? BN_TRAIN_KERNELS : []),
    ...(blockEnd ? SCALE_ADD_RELU_KERNELS : []),
  ];
  const previous = new Map<string, KernelConfig | undefined>();
  for (const name of names) previous.set(name, tf.getKernel(name, backendName));
  const funcs: Record<string, KernelFunc> = { ...fastKernelFuncs(tf, previous, addon), ...(bn ? batchNormTrainKernelFuncs(bn) : {}), ...(blockEnd ? scaleAddReluKernelFuncs(scaleAddReluImpl(addon)) : {}) };
  if (addon) funcs.BatchMatMul = batchMatMulFunc(addon, previous.get('BatchMatMul'), opts.threads ?? gemmThreads());
  if (backendName === 'wasm') for (const r of ['Sum', 'Mean'] as const) funcs[r] = reduceMiddleFunc(r, previous.get(r));
  for (const name of names) {
    if (previous.get(name)) tf.unregisterKernel(name, backendName);
    // the marker tells network/matmul.ts that transposed operands cost nothing extra here
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: funcs[name], ...(name === 'BatchMatMul' ? { x3ecgNative: true } : {}) } as KernelConfig);
  }
  replaced.set(backendName, previous);
  return { registered: names, backend: backendName };
}

/** Puts the backend's own kernels back (for tests and before/after benchmarks). */
export function unregisterFastKernels(tf: Tf = tfDefault, backendName: string = tf.getBackend()): void {
  const previous = replaced.get(backendName);
  if (!previous) return;
  for (const name of previous.keys()) {
    tf.unregisterKernel(name, backendName);
    const k = previous.get(name);
    if (k) tf.registerKernel(k);
  }
  replaced.delete(backendName);
}
