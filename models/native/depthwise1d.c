// 1-D depthwise convolution (channels-last, one filter per channel) and its two gradients, in WASM
// SIMD (f32x4 over channels). Built to depthwiseWasm.generated.ts by buildDepthwiseWasm.sh; the
// JS kernels in depthwiseKernels.ts are the reference and the fallback.
//
// Layout: x [B, L, C], w [K, C], y [B, OL, C]; y[b,o,c] = Σ_j x[b, o·s − pad + j, c]·w[j,c], with
// taps outside [0, L) reading zero.
#include <wasm_simd128.h>

static inline int lo_tap(int i0) { return i0 < 0 ? -i0 : 0; }
static inline int hi_tap(int i0, int K, int L) { return i0 + K > L ? L - i0 : K; }

__attribute__((export_name("dw_forward")))
void dw_forward(const float* x, const float* w, float* y, int B, int L, int C, int OL, int K, int s, int pad) {
  for (int b = 0; b < B; b++) {
    const float* xb = x + (long)b * L * C;
    for (int o = 0; o < OL; o++) {
      float* yo = y + ((long)b * OL + o) * C;
      const int i0 = o * s - pad;
      const int jlo = lo_tap(i0), jhi = hi_tap(i0, K, L);
      int c = 0;
      for (; c + 8 <= C; c += 8) {
        v128_t a0 = wasm_f32x4_splat(0.f), a1 = wasm_f32x4_splat(0.f);
        for (int j = jlo; j < jhi; j++) {
          const float* xr = xb + (long)(i0 + j) * C + c;
          const float* wr = w + (long)j * C + c;
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xr), wasm_v128_load(wr)));
          a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xr + 4), wasm_v128_load(wr + 4)));
        }
        wasm_v128_store(yo + c, a0);
        wasm_v128_store(yo + c + 4, a1);
      }
      for (; c < C; c++) {
        float a = 0.f;
        for (int j = jlo; j < jhi; j++) a += xb[(long)(i0 + j) * C + c] * w[(long)j * C + c];
        yo[c] = a;
      }
    }
  }
}

// dx[b,i,c] = Σ over (o, j) with o·s − pad + j = i of dy[b,o,c]·w[j,c]: a gather per input sample.
__attribute__((export_name("dw_backprop_input")))
void dw_backprop_input(const float* dy, const float* w, float* dx, int B, int L, int C, int OL, int K, int s, int pad) {
  for (int b = 0; b < B; b++) {
    const float* dyb = dy + (long)b * OL * C;
    for (int i = 0; i < L; i++) {
      float* dxi = dx + ((long)b * L + i) * C;
      int c = 0;
      for (; c + 8 <= C; c += 8) {
        v128_t a0 = wasm_f32x4_splat(0.f), a1 = wasm_f32x4_splat(0.f);
        for (int j = 0; j < K; j++) {
          const int t = i + pad - j;
          if (t < 0 || t % s != 0) continue;
          const int o = t / s;
          if (o >= OL) continue;
          const float* d = dyb + (long)o * C + c;
          const float* wr = w + (long)j * C + c;
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(d), wasm_v128_load(wr)));
          a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(d + 4), wasm_v128_load(wr + 4)));
        }
        wasm_v128_store(dxi + c, a0);
        wasm_v128_store(dxi + c + 4, a1);
      }
      for (; c < C; c++) {
        float a = 0.f;
        for (int j = 0; j < K; j++) {
          const int t = i + pad - j;
          if (t < 0 || t % s != 0) continue;
          const int o = t / s;
          if (o >= OL) continue;
          a += dyb[(long)o * C + c] * w[(long)j * C + c];
        }
        dxi[c] = a;
      }
    }
  }
}

// dw[j,c] = Σ_{b,o} x[b, o·s − pad + j, c]·dy[b,o,c]; dw (K·C floats) stays in L1 while it accumulates.
__attribute__((export_name("dw_backprop_filter")))
void dw_backprop_filter(const float* x, const float* dy, float* dw, int B, int L, int C, int OL, int K, int s, int pad) {
  for (long n = 0; n < (long)K * C; n++) dw[n] = 0.f;
  for (int b = 0; b < B; b++) {
    const float* xb = x + (long)b * L * C;
    for (int o = 0; o < OL; o++) {
      const float* d = dy + ((long)b * OL + o) * C;
      const int i0 = o * s - pad;
      const int jlo = lo_tap(i0), jhi = hi_tap(i0, K, L);
      for (int j = jlo; j < jhi; j++) {
        const float* xr = xb + (long)(i0 + j) * C;
        float* acc = dw + (long)j * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          wasm_v128_store(acc + c, wasm_f32x4_add(wasm_v128_load(acc + c), wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(d + c))));
        }
        for (; c < C; c++) acc[c] += xr[c] * d[c];
      }
    }
  }
}

// out[o, c] = Σ_i x[o, i, c] for x [outer, inner, C]: the reduction over the middle axes that BN
// statistics, BN gradients and time pooling need (TF.js's wasm Sum/Mean transpose first).
// Blocks of 256 rows accumulate in f32 SIMD, blocks add up in f64 (`scratch`: C floats + C doubles).
__attribute__((export_name("reduce_middle")))
void reduce_middle(const float* x, float* out, float* scratch, int outer, int inner, int C, float scale) {
  float* part = scratch;
  double* total = (double*)(scratch + ((C + 3) & ~3));
  for (int o = 0; o < outer; o++) {
    for (int c = 0; c < C; c++) total[c] = 0.0;
    for (int i0 = 0; i0 < inner; i0 += 256) {
      const int i1 = i0 + 256 < inner ? i0 + 256 : inner;
      for (int c = 0; c < C; c++) part[c] = 0.f;
      for (int i = i0; i < i1; i++) {
        const float* row = x + ((long)o * inner + i) * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) wasm_v128_store(part + c, wasm_f32x4_add(wasm_v128_load(part + c), wasm_v128_load(row + c)));
        for (; c < C; c++) part[c] += row[c];
      }
      for (int c = 0; c < C; c++) total[c] += part[c];
    }
    for (int c = 0; c < C; c++) out[(long)o * C + c] = (float)(total[c] * scale);
  }
}
