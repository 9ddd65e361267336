/**
 * Max-pool gradient for 1-D (height-1) channels-last pooling: each output's gradient goes to the first
 * maximum of its window, as TF.js's cpu and wasm kernels route it. The wasm backend's MaxPoolGrad took
 * ~13 ms per ECG for the stem's [B, 1, 2502, 64] pool (more than its depthwise convs after models/native);
 * this loop is a few.
 */
export interface Pool1dGeometry {
  batchSize: number;
  inWidth: number;
  outWidth: number;
  channels: number;
  filterWidth: number;
  strideWidth: number;
  padLeft: number;
}

export function maxPool1dGrad(g: Pool1dGeometry, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const { batchSize: B, inWidth: L, outWidth: OL, channels: C, filterWidth: K, strideWidth: s, padLeft: pad } = g;
  dx.fill(0);
  const best = new Float32Array(C);
  const at = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    const xb = b * L * C;
    for (let o = 0; o < OL; o++) {
      const i0 = o * s - pad;
      best.fill(-Infinity);
      at.fill(-1);
      for (let j = Math.max(0, -i0); j < K && i0 + j < L; j++) {
        const row = xb + (i0 + j) * C;
        for (let c = 0; c < C; c++) {
          const v = x[row + c];
          if (v > best[c]) {
            best[c] = v;
            at[c] = row + c;
          }
        }
      }
      const d = (b * OL + o) * C;
      for (let c = 0; c < C; c++) if (at[c] >= 0) dx[at[c]] += dy[d + c];
    }
  }
}
