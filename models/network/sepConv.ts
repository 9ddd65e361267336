/** Depthwise-separable conv (spec §3.1): depthwise k/s/p then pointwise matMul, no bias, nothing between. */
import * as tf from '@tensorflow/tfjs';
import { param, type ForwardContext } from './context.ts';
import { matMul } from './matmul.ts';
import { depthwiseConv1d } from './depthwise.ts';

export function pointwise(x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
  const [b, l, c] = x.shape;
  return tf.reshape(matMul(tf.reshape(x, [b * l, c]), w), [b, l, w.shape[1]]);
}

export function sepConv(ctx: ForwardContext, prefix: string, x: tf.Tensor3D, stride: number, pad: number): tf.Tensor3D {
  const dw = depthwiseConv1d(x, param(ctx, `${prefix}.dw.weight`) as tf.Tensor2D, stride, pad);
  return pointwise(dw, param(ctx, `${prefix}.pw.weight`) as tf.Tensor2D);
}
