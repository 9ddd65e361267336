/**
 * Depthwise 1-D convolution on channels-last [B, L, C] input, explicit zero padding (never 'same', spec §8).
 * Forward uses TF.js `depthwiseConv2d` on a height-1 image. The wasm backend has no depthwise backprop
 * kernels, so where they are missing the gradient is written with forward-only ops: the input gradient
 * is a depthwise conv of the (dilated) output gradient with the flipped filter, and the filter gradient
 * is a depthwise conv of the input with the output gradient as a (dilated) filter.
 */
import * as tf from '@tensorflow/tfjs';

const hasNativeBackprop = () => tf.getKernel('DepthwiseConv2dNativeBackpropFilter', tf.getBackend()) !== undefined;

function dwValid(xp: tf.Tensor3D, w: tf.Tensor2D, stride: number): tf.Tensor3D {
  const [k, c] = w.shape;
  const y = tf.depthwiseConv2d(tf.expandDims(xp, 1) as tf.Tensor4D, tf.reshape(w, [1, k, c, 1]) as tf.Tensor4D, [1, stride], 'valid');
  return tf.squeeze(y, [1]) as tf.Tensor3D;
}

const customDw = (stride: number) =>
  tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x3 = args[0] as tf.Tensor3D;
    const w2 = args[1] as tf.Tensor2D;
    const save = args[2] as tf.GradSaveFunc;
    save([x3, w2]);
    return {
      value: dwValid(x3, w2, stride),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor3D, tf.Tensor2D];
        const [b, lp, c] = xs.shape;
        const [k] = ws.shape;
        const lout = dy.shape[1]!;
        let d = dy as tf.Tensor3D;
        if (stride > 1) {
          // dilate: interleave stride-1 zeros after every sample, keep s·(lout−1)+1 samples
          const z = tf.zeros([b, lout, stride - 1, c]);
          d = tf.reshape(tf.concat([tf.expandDims(d, 2), z], 2), [b, lout * stride, c]) as tf.Tensor3D;
          d = tf.slice(d, [0, 0, 0], [b, stride * (lout - 1) + 1, c]);
        }
        const dl = d.shape[1];
        const padded = tf.pad(d, [[0, 0], [k - 1, lp - dl], [0, 0]]) as tf.Tensor3D;
        const dx = dwValid(padded, tf.reverse(ws, 0) as tf.Tensor2D, 1);
        // filter gradient dw[j,c] = Σ_{b,t} xp[b, s·t + j, c]·dy[b,t,c]: itself a depthwise conv of the
        // input (as a [1, B, Lp, C] image) with dy as a [B, Lout] filter dilated by the stride
        const corr = tf.depthwiseConv2d(
          tf.reshape(xs, [1, b, lp, c]) as tf.Tensor4D,
          tf.reshape(dy, [b, lout, c, 1]) as tf.Tensor4D,
          1,
          'valid',
          'NHWC',
          [1, stride],
        );
        const dw = tf.reshape(tf.slice(corr, [0, 0, 0, 0], [1, 1, k, c]), [k, c]);
        return [dx, dw];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
const customByStride = new Map<number, ReturnType<typeof customDw>>();

/**
 * y[t] = Σ_j x_pad[s·t + j] · w[j] per channel; w is [k, C]. `gradient` 'auto' uses the backend's
 * backprop kernels when registered (cpu, or wasm with models/native), else the forward-only one.
 */
export function depthwiseConv1d(x: tf.Tensor3D, w: tf.Tensor2D, stride: number, pad: number, gradient: 'auto' | 'forward-only' = 'auto'): tf.Tensor3D {
  const [b, l, c] = x.shape;
  const k = w.shape[0];
  if (k === 1) {
    // a k=1 depthwise conv is a per-channel scale of every stride-th sample
    let xs = x;
    if (stride > 1) {
      const even = Math.ceil(l / stride) * stride;
      const xe = even > l ? (tf.pad(x, [[0, 0], [0, even - l], [0, 0]]) as tf.Tensor3D) : x;
      xs = tf.reshape(tf.slice(tf.reshape(xe, [b, even / stride, stride, c]), [0, 0, 0, 0], [b, even / stride, 1, c]), [b, even / stride, c]);
    }
    return tf.mul(xs, tf.reshape(w, [c])) as tf.Tensor3D;
  }
  if (gradient === 'auto' && hasNativeBackprop()) {
    // the kernels pad as they read: no padded copy forward, no slice of its gradient backward
    const y = tf.depthwiseConv2d(tf.expandDims(x, 1) as tf.Tensor4D, tf.reshape(w, [1, k, c, 1]) as tf.Tensor4D, [1, stride], [[0, 0], [0, 0], [pad, pad], [0, 0]]);
    return tf.squeeze(y, [1]) as tf.Tensor3D;
  }
  const xp = pad > 0 ? (tf.pad(x, [[0, 0], [pad, pad], [0, 0]]) as tf.Tensor3D) : x;
  let f = customByStride.get(stride);
  if (!f) customByStride.set(stride, (f = customDw(stride)));
  return f(xp, w) as tf.Tensor3D;
}
