/** Squeeze-and-excitation gate (spec §3.2): bias-free separable 1×1 convs with per-channel scales. */
import * as tf from '@tensorflow/tfjs';
import { param, type ForwardContext } from './context.ts';
import { matMul } from './matmul.ts';

export function seBlock(ctx: ForwardContext, prefix: string, x: tf.Tensor3D): tf.Tensor3D {
  const p = (n: string) => param(ctx, `${prefix}.${n}`);
  let g: tf.Tensor = tf.mean(x, 1); // [B, C]
  g = matMul(tf.mul(g, tf.reshape(p('squeeze.dw.weight'), [-1])), p('squeeze.pw.weight') as tf.Tensor2D);
  g = tf.relu(g);
  g = matMul(tf.mul(g, tf.reshape(p('excite.dw.weight'), [-1])), p('excite.pw.weight') as tf.Tensor2D);
  return tf.mul(x, tf.expandDims(tf.sigmoid(g), 1)) as tf.Tensor3D;
}
