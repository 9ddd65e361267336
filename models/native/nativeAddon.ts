/**
 * Loads the optional native kernels (addon/x3ecgNative.cc, built by buildAddon.sh for this CPU).
 * Absent addon → undefined, and callers keep the JS/WASM kernels.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** C[b] = op(A[b])·op(B[b]) for b < batch; row-major; batch strides in elements (0 broadcasts). */
  sgemm(a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideA: number, strideB: number, threads: number): void;
  /** Which GEMM sgemm runs: oneDNN's (built against libdnnl-dev) or the built-in one. Absent in older builds. */
  gemm?: 'onednn' | 'builtin';
  /** BatchNorm (training) over x [n, C]: y, batch mean and biased variance; ReLU after when asked.
   * Absent from addons built before it existed. */
  bnTrainForward?(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, n: number, C: number, eps: number, relu: boolean): void;
  /** Its gradient: dx, dγ, dβ from dy and the forward's inputs and statistics. */
  bnTrainBackward?(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, n: number, C: number, eps: number, relu: boolean,
  ): void;
  /** 1-D depthwise convolution, channels last (x [B, L, C], w [K, C], y [B, OL, C]) and its two
   * gradients; each writes its third array. Absent from addons built before them. */
  depthwiseForward?: DepthwiseCall;
  depthwiseBackpropInput?: DepthwiseCall;
  depthwiseBackpropFilter?: DepthwiseCall;
  /** Max-pool gradient over 1-D windows (x, dy, dx), first maximum wins; same geometry arguments. */
  maxPoolGrad1d?: DepthwiseCall;
  /** A residual block's end y = max(0, x·s + r) (x, r, y [B, L, C]; s [B, C]) and its gradient. */
  scaleAddReluForward?(x: Float32Array, s: Float32Array, r: Float32Array, y: Float32Array, B: number, L: number, C: number): void;
  scaleAddReluBackward?(dy: Float32Array, x: Float32Array, s: Float32Array, y: Float32Array, dx: Float32Array, ds: Float32Array, dr: Float32Array, B: number, L: number, C: number): void;
}

/** (x, w, y) forward, (dy, w, dx) input gradient, (x, dy, dw) filter gradient; then the geometry. */
export type DepthwiseCall = (a: Float32Array, b: Float32Array, out: Float32Array, B: number, L: number, C: number, OL: number, K: number, stride: number, pad: number) => void;

export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('./build/x3ecg_native.node', import.meta.url));

const cache = new Map<string, NativeAddon | undefined>();

export function loadNativeAddon(path = process.env.X3ECG_NATIVE_ADDON ?? DEFAULT_ADDON_PATH): NativeAddon | undefined {
  if (!cache.has(path)) {
    let addon: NativeAddon | undefined;
    // a oneDNN build brings OpenMP: idle team threads should sleep, not spin on the cores the lead
    // workers need (read once, when the runtime loads)
    process.env.OMP_WAIT_POLICY ??= 'passive';
    try {
      if (existsSync(path)) addon = createRequire(import.meta.url)(path) as NativeAddon;
    } catch {
      addon = undefined; // built for another CPU or Node ABI: ignore it
    }
    cache.set(path, addon);
  }
  return cache.get(path);
}
