/**
 * 2-D matMul whose gradient uses explicit transposes. TF.js's own gradient calls matMul with
 * transposeA/transposeB, which the wasm backend runs ~10× slower than a transpose plus a plain
 * matMul (measured: [20000,128]ᵀ·[20000,128] 335 ms vs 33 ms). Same maths, same results.
 */
import * as tf from '@tensorflow/tfjs';

/** The native addon's GEMM (models/native) reads transposed operands in place, 10–25 % faster than a transpose first. */
const nativeTransposes = () => (tf.getKernel('BatchMatMul', tf.getBackend()) as { x3ecgNative?: boolean } | undefined)?.x3ecgNative === true;

const matMulCustom = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const a = args[0] as tf.Tensor2D;
  const b = args[1] as tf.Tensor2D;
  (args[2] as tf.GradSaveFunc)([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const d = dy as tf.Tensor2D;
      if (nativeTransposes()) return [tf.matMul(d, sb, false, true), tf.matMul(sa, d, true, false)];
      return [tf.matMul(d, tf.transpose(sb)), tf.matMul(tf.transpose(sa), d)];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]);

export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulCustom(a, b) as tf.Tensor2D;
}
