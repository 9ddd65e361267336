/**
 * A residual block's end, y = max(0, x·s + r): the SE gate s [B, C] scales the main path x [B, L, C]
 * over time, the shortcut r is added, then ReLU. Where models/native registered X3ScaleAddRelu (cpu and
 * wasm) this is one fused op with a one-pass gradient; elsewhere the same maths in TF.js ops.
 */
import * as tf from '@tensorflow/tfjs';
import { SCALE_ADD_RELU_GRAD_KERNEL, SCALE_ADD_RELU_KERNEL } from '../native/fusedKernelNames.ts';

export function fusedBlockEndAvailable(backend: string = tf.getBackend()): boolean {
  return tf.getKernel(SCALE_ADD_RELU_KERNEL, backend) !== undefined && tf.getKernel(SCALE_ADD_RELU_GRAD_KERNEL, backend) !== undefined;
}

const fused = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, s, r] = args as tf.Tensor[];
  const y = tf.engine().runKernel(SCALE_ADD_RELU_KERNEL, { x, s, r }) as tf.Tensor;
  // y, not x·s + r, is what the mask needs; it is also the next block's input, so saving it costs nothing
  (args[3] as tf.GradSaveFunc)([x, s, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, ss, sy] = saved;
      return tf.engine().runKernel(SCALE_ADD_RELU_GRAD_KERNEL, { dy, x: sx, s: ss, y: sy }) as tf.Tensor[];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]);

export function scaleAddRelu(x: tf.Tensor3D, s: tf.Tensor2D, r: tf.Tensor3D): tf.Tensor3D {
  if (x.dtype === 'float32' && fusedBlockEndAvailable()) return fused(x, s, r) as tf.Tensor3D;
  return tf.relu(tf.add(tf.mul(x, tf.expandDims(s, 1)), r)) as tf.Tensor3D;
}
