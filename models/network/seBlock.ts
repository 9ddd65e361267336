/** Squeeze-and-excitation gate (spec §3.2): bias-free separable 1×1 convs with per-channel scales. */
import * as tf from '@tensorflow/tfjs';
import { param, type ForwardContext } from './context.ts';
import { matMul } from './matmul.ts';

/** The gate sigmoid(excite(relu(squeeze(mean_t x)))) [B, C] that scales x [B, L, C] channel-wise. */
export function seGate(ctx: ForwardContext, prefix: string, x: tf.Tensor3D): tf.Tensor2D {
  const p = (n: string) => param(ctx, `${prefix}.${n}`);
  let g: tf.Tensor = tf.mean(x, 1); // [B, C]
  g = matMul(tf.mul(g, tf.reshape(p('squeeze.dw.weight'), [-1])), p('squeeze.pw.weight') as tf.Tensor2D);
  g = tf.relu(g);
  g = matMul(tf.mul(g, tf.reshape(p('excite.dw.weight'), [-1])), p('excite.pw.weight') as tf.Tensor2D);
  return tf.sigmoid(g) as tf.Tensor2D;
}
