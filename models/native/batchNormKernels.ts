/**
 * Fused BatchNorm (training mode) as two TF.js kernels of our own, for the cpu and wasm backends:
 *
 *   X3BatchNormTrain      {x [..., C], gamma [C], beta [C]} → [y (x's shape), mean [C], variance [C] (biased)]
 *   X3BatchNormTrainGrad  {dy, x, gamma, beta, mean, variance} → [dx, dgamma [C], dbeta [C]]
 *   attrs {eps, relu}: relu = max(0, ·) fused after the affine step (and its mask into the gradient).
 *
 * Statistics run over every axis but the last. They replace the ~10 generic kernels of the moments
 * formulation and the ~20 of its autograd backward with two passes forward and two backward.
 * Computed by the native addon when it has the BN functions (zero-copy: it reads and writes the
 * backend's own memory), else by the WASM SIMD module (batchNormTrain.c). The op itself, with its
 * gradient, is models/network/batchNormTrain.ts.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { kernelBuffers } from './backendBuffers.ts';
import { depthwiseWasm, type BatchNormTrainKernels } from './depthwiseWasm.ts';
import type { NativeAddon } from './nativeAddon.ts';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL, BN_TRAIN_KERNELS, type BatchNormTrainAttrs } from './fusedKernelNames.ts';

export { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL, BN_TRAIN_KERNELS };

/** The native addon's BN kernels when it has them (older builds do not), else WASM SIMD's. */
export function batchNormTrainKernels(addon: NativeAddon | undefined): BatchNormTrainKernels | undefined {
  const fwd = addon?.bnTrainForward?.bind(addon);
  const bwd = addon?.bnTrainBackward?.bind(addon);
  if (fwd && bwd) {
    return {
      maxChannels: Number.MAX_SAFE_INTEGER,
      forward: (x, g, b, o, n, C, eps, relu) => fwd(x, g, b, o.y, o.mean, o.variance, n, C, eps, relu),
      backward: (dy, x, g, b, m, v, o, n, C, eps, relu) => bwd(dy, x, g, b, m, v, o.dx, o.dgamma, o.dbeta, n, C, eps, relu),
    };
  }
  return depthwiseWasm()?.batchNormTrain;
}

function layout(x: TensorInfo, name: string, k: BatchNormTrainKernels): { n: number; C: number } {
  if (x.shape.length < 2) throw new Error(`${name}: x must have at least 2 dimensions (got [${x.shape.join(', ')}])`);
  const C = x.shape[x.shape.length - 1];
  const n = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (C > k.maxChannels) throw new Error(`${name}: ${C} channels exceed the kernel's ${k.maxChannels}`);
  return { n, C };
}

export function batchNormTrainKernelFuncs(k: BatchNormTrainKernels): Record<(typeof BN_TRAIN_KERNELS)[number], KernelFunc> {
  return {
    [BN_TRAIN_KERNEL]: (args) => {
      const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
      const { eps, relu } = args.attrs as unknown as BatchNormTrainAttrs;
      const { n, C } = layout(x, BN_TRAIN_KERNEL, k);
      const { ins, outs, infos } = kernelBuffers(BN_TRAIN_KERNEL, args.backend, [x, gamma, beta], [x.shape, [C], [C]]);
      k.forward(ins[0], ins[1], ins[2], { y: outs[0], mean: outs[1], variance: outs[2] }, n, C, eps, relu);
      return infos;
    },
    [BN_TRAIN_GRAD_KERNEL]: (args) => {
      const { dy, x, gamma, beta, mean, variance } = args.inputs as Record<'dy' | 'x' | 'gamma' | 'beta' | 'mean' | 'variance', TensorInfo>;
      const { eps, relu } = args.attrs as unknown as BatchNormTrainAttrs;
      const { n, C } = layout(x, BN_TRAIN_GRAD_KERNEL, k);
      const { ins, outs, infos } = kernelBuffers(BN_TRAIN_KERNEL, args.backend, [dy, x, gamma, beta, mean, variance], [x.shape, [C], [C]]);
      k.backward(ins[0], ins[1], ins[2], ins[3], ins[4], ins[5], { dx: outs[0], dgamma: outs[1], dbeta: outs[2] }, n, C, eps, relu);
      return infos;
    },
  };
}
