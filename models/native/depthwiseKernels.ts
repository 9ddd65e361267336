/**
 * Depthwise 2-D convolution (channel multiplier 1, NHWC) and its two gradients as plain loops over
 * Float32Arrays. Channels are innermost, so every inner loop is a contiguous multiply-add that V8
 * compiles to tight machine code: ~30× the TF.js cpu/wasm depthwise kernels on this network's shapes.
 * Geometry (padding, strides, dilations) comes from TF.js's own Conv2DInfo, so results are
 * the same maths as the kernels they replace.
 */

export interface DepthwiseGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Calls `fn(yOffset, xOffset, wOffset)` for every (output pixel, filter tap) pair whose input pixel
 * lies inside the image; each offset is the start of a run of `channels` values.
 */
function forEachTap(g: DepthwiseGeometry, fn: (yOff: number, xOff: number, wOff: number) => void): void {
  const C = g.channels;
  for (let b = 0; b < g.batchSize; b++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        const yOff = ((b * g.outHeight + oh) * g.outWidth + ow) * C;
        for (let fh = 0; fh < g.filterHeight; fh++) {
          const ih = oh * g.strideHeight - g.padTop + fh * g.dilationHeight;
          if (ih < 0 || ih >= g.inHeight) continue;
          for (let fw = 0; fw < g.filterWidth; fw++) {
            const iw = ow * g.strideWidth - g.padLeft + fw * g.dilationWidth;
            if (iw < 0 || iw >= g.inWidth) continue;
            fn(yOff, ((b * g.inHeight + ih) * g.inWidth + iw) * C, (fh * g.filterWidth + fw) * C);
          }
        }
      }
    }
  }
}

/** y = depthwise(x, w); x [B,H,W,C], w [FH,FW,C,1] → y [B,OH,OW,C]. */
export function depthwiseForward(g: DepthwiseGeometry, x: Float32Array, w: Float32Array): Float32Array {
  const C = g.channels;
  const y = new Float32Array(g.batchSize * g.outHeight * g.outWidth * C);
  forEachTap(g, (yOff, xOff, wOff) => {
    for (let c = 0; c < C; c++) y[yOff + c] += x[xOff + c] * w[wOff + c];
  });
  return y;
}

/** dx = ∂L/∂x from dy [B,OH,OW,C] and w. */
export function depthwiseBackpropInput(g: DepthwiseGeometry, dy: Float32Array, w: Float32Array): Float32Array {
  const C = g.channels;
  const dx = new Float32Array(g.batchSize * g.inHeight * g.inWidth * C);
  forEachTap(g, (yOff, xOff, wOff) => {
    for (let c = 0; c < C; c++) dx[xOff + c] += dy[yOff + c] * w[wOff + c];
  });
  return dx;
}

/** dw = ∂L/∂w [FH,FW,C,1] from x and dy; accumulated in float64 (sums over B·OH·OW terms). */
export function depthwiseBackpropFilter(g: DepthwiseGeometry, x: Float32Array, dy: Float32Array): Float32Array {
  const C = g.channels;
  const acc = new Float64Array(g.filterHeight * g.filterWidth * C);
  forEachTap(g, (yOff, xOff, wOff) => {
    for (let c = 0; c < C; c++) acc[wOff + c] += x[xOff + c] * dy[yOff + c];
  });
  return Float32Array.from(acc);
}
