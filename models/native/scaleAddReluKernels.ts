/**
 * A residual block's end, y = max(0, x·s + r) with the SE gate s [B, C] broadcast over time, as two
 * TF.js kernels of our own (names in fusedKernelNames.ts) on the cpu and wasm backends: one pass forward
 * and one backward, where TF.js runs Multiply, Add, Relu and then Step, Cast, three Multiplys and a Sum.
 * The native addon computes them when built (in place in the wasm heap), plain JS loops otherwise.
 * The op with its gradient is models/network/scaleAddRelu.ts.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { kernelBuffers } from './backendBuffers.ts';
import type { NativeAddon } from './nativeAddon.ts';
import { SCALE_ADD_RELU_GRAD_KERNEL, SCALE_ADD_RELU_KERNEL, SCALE_ADD_RELU_KERNELS } from './fusedKernelNames.ts';

export { SCALE_ADD_RELU_KERNELS };

export interface ScaleAddReluImpl {
  forward(x: Float32Array, s: Float32Array, r: Float32Array, y: Float32Array, B: number, L: number, C: number): void;
  backward(dy: Float32Array, x: Float32Array, s: Float32Array, y: Float32Array, dx: Float32Array, ds: Float32Array, dr: Float32Array, B: number, L: number, C: number): void;
}

export const scaleAddReluJs: ScaleAddReluImpl = {
  forward(x, s, r, y, B, L, C) {
    for (let b = 0; b < B; b++)
      for (let l = 0; l < L; l++) {
        const at = (b * L + l) * C;
        for (let c = 0; c < C; c++) {
          const v = x[at + c] * s[b * C + c] + r[at + c];
          y[at + c] = v > 0 ? v : 0;
        }
      }
  },
  backward(dy, x, s, y, dx, ds, dr, B, L, C) {
    const total = new Float64Array(C);
    for (let b = 0; b < B; b++) {
      total.fill(0);
      for (let l = 0; l < L; l++) {
        const at = (b * L + l) * C;
        for (let c = 0; c < C; c++) {
          const d = y[at + c] > 0 ? dy[at + c] : 0;
          dr[at + c] = d;
          dx[at + c] = d * s[b * C + c];
          total[c] += d * x[at + c];
        }
      }
      for (let c = 0; c < C; c++) ds[b * C + c] = total[c];
    }
  },
};

/** The addon's kernels when it has them, else the JS loops. */
export function scaleAddReluImpl(addon: NativeAddon | undefined): ScaleAddReluImpl {
  const fwd = addon?.scaleAddReluForward?.bind(addon);
  const bwd = addon?.scaleAddReluBackward?.bind(addon);
  return fwd && bwd ? { forward: fwd, backward: bwd } : scaleAddReluJs;
}

function layout(x: TensorInfo, s: TensorInfo, name: string): { B: number; L: number; C: number } {
  const [B, L, C] = x.shape;
  if (x.shape.length !== 3 || s.shape.length !== 2 || s.shape[0] !== B || s.shape[1] !== C) {
    throw new Error(`${name}: expected x [B, L, C] and s [B, C], got [${x.shape.join(', ')}] and [${s.shape.join(', ')}]`);
  }
  return { B, L, C };
}

export function scaleAddReluKernelFuncs(k: ScaleAddReluImpl): Record<(typeof SCALE_ADD_RELU_KERNELS)[number], KernelFunc> {
  return {
    [SCALE_ADD_RELU_KERNEL]: (args) => {
      const { x, s, r } = args.inputs as Record<'x' | 's' | 'r', TensorInfo>;
      const { B, L, C } = layout(x, s, SCALE_ADD_RELU_KERNEL);
      const { ins, outs, infos } = kernelBuffers(SCALE_ADD_RELU_KERNEL, args.backend, [x, s, r], [x.shape]);
      k.forward(ins[0], ins[1], ins[2], outs[0], B, L, C);
      return infos[0];
    },
    [SCALE_ADD_RELU_GRAD_KERNEL]: (args) => {
      const { dy, x, s, y } = args.inputs as Record<'dy' | 'x' | 's' | 'y', TensorInfo>;
      const { B, L, C } = layout(x, s, SCALE_ADD_RELU_GRAD_KERNEL);
      const { ins, outs, infos } = kernelBuffers(SCALE_ADD_RELU_GRAD_KERNEL, args.backend, [dy, x, s, y], [x.shape, s.shape, x.shape]);
      k.backward(ins[0], ins[1], ins[2], ins[3], outs[0], outs[1], outs[2], B, L, C);
      return infos;
    },
  };
}
