/**
 * Depthwise 2-D convolution (channel multiplier 1, NHWC) and its two gradients as plain loops over
 * Float32Arrays. Channels are innermost, so each tap is a contiguous run; loops are written out
 * without callbacks so V8 keeps them monomorphic (≈2× a callback-per-tap version, ≈25× the TF.js
 * cpu/wasm depthwise kernels on this network's shapes). Geometry (padding, strides, dilations) comes
 * from TF.js's own Conv2DInfo, so the maths is that of the kernels they replace.
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

/** y = depthwise(x, w); x [B,H,W,C], w [FH,FW,C,1] → y [B,OH,OW,C]. Accumulates per output in a register. */
export function depthwiseForward(g: DepthwiseGeometry, x: Float32Array, w: Float32Array): Float32Array {
  const { batchSize: B, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const y = new Float32Array(B * OH * OW * C);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const yOff = ((b * OH + oh) * OW + ow) * C;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * g.strideHeight - g.padTop + fh * g.dilationHeight;
          if (ih < 0 || ih >= H) continue;
          const rowOff = (b * H + ih) * W;
          // taps of this filter row that land inside the image
          const iw0 = ow * g.strideWidth - g.padLeft;
          let fwLo = 0;
          while (fwLo < FW && iw0 + fwLo * g.dilationWidth < 0) fwLo++;
          let fwHi = FW;
          while (fwHi > fwLo && iw0 + (fwHi - 1) * g.dilationWidth >= W) fwHi--;
          if (fwHi <= fwLo) continue;
          const xStep = g.dilationWidth * C;
          const x0 = (rowOff + iw0 + fwLo * g.dilationWidth) * C;
          const w0 = (fh * FW + fwLo) * C;
          const taps = fwHi - fwLo;
          for (let c = 0; c < C; c++) {
            let acc = 0;
            for (let j = 0, xo = x0 + c, wo = w0 + c; j < taps; j++, xo += xStep, wo += C) acc += x[xo] * w[wo];
            y[yOff + c] += acc;
          }
        }
      }
    }
  }
  return y;
}

/** dx = ∂L/∂x from dy [B,OH,OW,C] and w: every (output, tap) pair scatters into its input pixel. */
export function depthwiseBackpropInput(g: DepthwiseGeometry, dy: Float32Array, w: Float32Array): Float32Array {
  const { batchSize: B, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const dx = new Float32Array(B * H * W * C);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const yOff = ((b * OH + oh) * OW + ow) * C;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * g.strideHeight - g.padTop + fh * g.dilationHeight;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * g.strideWidth - g.padLeft + fw * g.dilationWidth;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((b * H + ih) * W + iw) * C;
            const wOff = (fh * FW + fw) * C;
            for (let c = 0; c < C; c++) dx[xOff + c] += dy[yOff + c] * w[wOff + c];
          }
        }
      }
    }
  }
  return dx;
}

/** dw = ∂L/∂w [FH,FW,C,1] from x and dy; accumulated in float64 (sums over B·OH·OW terms). */
export function depthwiseBackpropFilter(g: DepthwiseGeometry, x: Float32Array, dy: Float32Array): Float32Array {
  const { batchSize: B, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const acc = new Float64Array(FH * FW * C);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const yOff = ((b * OH + oh) * OW + ow) * C;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * g.strideHeight - g.padTop + fh * g.dilationHeight;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * g.strideWidth - g.padLeft + fw * g.dilationWidth;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((b * H + ih) * W + iw) * C;
            const wOff = (fh * FW + fw) * C;
            for (let c = 0; c < C; c++) acc[wOff + c] += x[xOff + c] * dy[yOff + c];
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}
