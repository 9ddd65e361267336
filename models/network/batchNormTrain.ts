/**
 * BatchNorm in training mode as one fused op with a hand-written gradient, over the kernels
 * X3BatchNormTrain / X3BatchNormTrainGrad that models/native registers on the cpu and wasm backends.
 * Same maths as the moments formulation in context.ts (stats over every axis but the last, biased
 * variance for normalising), without its ~30 generic kernels forward and backward.
 *
 *   y = (x − μ)/sqrt(σ² + eps)·γ + β             (then max(0, ·) when relu)
 *   dγ = Σ dy·x̂, dβ = Σ dy, dx = γ·invstd·(dy − mean(dy) − x̂·mean(dy·x̂))   (dy masked by y > 0 when relu)
 */
import * as tf from '@tensorflow/tfjs';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL, type BatchNormTrainAttrs } from '../native/fusedKernelNames.ts';

/** True when the active (or named) backend has the fused kernels registered. */
export function fusedBatchNormAvailable(backend: string = tf.getBackend()): boolean {
  return tf.getKernel(BN_TRAIN_KERNEL, backend) !== undefined && tf.getKernel(BN_TRAIN_GRAD_KERNEL, backend) !== undefined;
}

export interface BatchNormTrainOutput {
  y: tf.Tensor;
  /** Batch mean [C]; kept (outside any tidy): the caller disposes it. */
  mean: tf.Tensor1D;
  /** Biased batch variance [C]; kept: the caller disposes it. */
  variance: tf.Tensor1D;
}

const ops = new Map<string, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => BatchNormTrainOutput>();

function fusedOp(attrs: BatchNormTrainAttrs): (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => BatchNormTrainOutput {
  const key = `${attrs.eps}|${attrs.relu}`;
  let op = ops.get(key);
  if (op) return op;
  // customGrad's value is one tensor; the statistics leave through `stats`, kept past its inner tidy.
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const withGrad = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta] = args as tf.Tensor[];
    const kernelAttrs = attrs as unknown as tf.NamedAttrMap;
    const [y, mean, variance] = tf.engine().runKernel(BN_TRAIN_KERNEL, { x, gamma, beta }, kernelAttrs) as tf.Tensor[];
    (args[3] as tf.GradSaveFunc)([x, gamma, beta, mean, variance]);
    stats = { mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D };
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sb, sm, sv] = saved;
        const inputs = { dy, x: sx, gamma: sg, beta: sb, mean: sm, variance: sv };
        return tf.engine().runKernel(BN_TRAIN_GRAD_KERNEL, inputs, kernelAttrs) as tf.Tensor[];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  op = (x, gamma, beta) => {
    const y = withGrad(x, gamma, beta);
    const s = stats!;
    stats = undefined;
    return { y, ...s };
  };
  ops.set(key, op);
  return op;
}

/**
 * Fused BN (training) of x [..., C] with γ, β [C]; `relu` applies max(0, ·) after it in the same pass.
 * Needs fusedBatchNormAvailable().
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, relu = false): BatchNormTrainOutput {
  if (x.dtype !== 'float32') throw new Error(`batchNormTrain: x must be float32 (got ${x.dtype})`);
  return fusedOp({ eps, relu })(x, gamma, beta);
}
