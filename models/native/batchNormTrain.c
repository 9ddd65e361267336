// BatchNorm in training mode over x [n, C] (channels last, statistics over the n rows), forward and
// backward, in WASM SIMD (f32x4 over channels). Linked into the same module as depthwise1d.c by
// buildDepthwiseWasm.sh. The addon (addon/x3ecgNative.cc) has the same kernels in C++.
//
//   forward:  μ = mean(x), σ² = mean((x − μ)²) (biased), a = γ/sqrt(σ² + eps), b = β − μ·a,
//             y = x·a + b (then max(0, ·) when relu)
//   backward: d = dy (masked by x·a + b > 0 when relu), S = Σ d·(x − μ), dβ = Σ d, dγ = S·invstd,
//             dx = a·(d − mean(d)) − a·invstd²·(S/n)·(x − μ)
// Column sums add f32 SIMD blocks of 256 rows into f64 totals (as reduce_middle does).
#include <wasm_simd128.h>

#define BN_MAX_CHANNELS 8192
#define BN_BLOCK 256

static float part0[BN_MAX_CHANNELS], part1[BN_MAX_CHANNELS];
static double total0[BN_MAX_CHANNELS], total1[BN_MAX_CHANNELS];
static float ka[BN_MAX_CHANNELS], kb[BN_MAX_CHANNELS], kmu[BN_MAX_CHANNELS], kk[BN_MAX_CHANNELS];

__attribute__((export_name("bn_max_channels")))
int bn_max_channels(void) { return BN_MAX_CHANNELS; }

static inline float inv_sqrt(float v) { return 1.f / __builtin_sqrtf(v); }

__attribute__((export_name("bn_train_forward")))
void bn_train_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* var, int n, int C, float eps, int relu) {
  // pass 1: column sums → μ
  for (int c = 0; c < C; c++) total0[c] = 0.0;
  for (int i0 = 0; i0 < n; i0 += BN_BLOCK) {
    const int i1 = i0 + BN_BLOCK < n ? i0 + BN_BLOCK : n;
    for (int c = 0; c < C; c++) part0[c] = 0.f;
    for (int i = i0; i < i1; i++) {
      const float* row = x + (long)i * C;
      int c = 0;
      for (; c + 4 <= C; c += 4) wasm_v128_store(part0 + c, wasm_f32x4_add(wasm_v128_load(part0 + c), wasm_v128_load(row + c)));
      for (; c < C; c++) part0[c] += row[c];
    }
    for (int c = 0; c < C; c++) total0[c] += part0[c];
  }
  for (int c = 0; c < C; c++) mean[c] = (float)(total0[c] / n);
  // pass 2: centred sum of squares → σ²
  for (int c = 0; c < C; c++) total1[c] = 0.0;
  for (int i0 = 0; i0 < n; i0 += BN_BLOCK) {
    const int i1 = i0 + BN_BLOCK < n ? i0 + BN_BLOCK : n;
    for (int c = 0; c < C; c++) part1[c] = 0.f;
    for (int i = i0; i < i1; i++) {
      const float* row = x + (long)i * C;
      int c = 0;
      for (; c + 4 <= C; c += 4) {
        const v128_t d = wasm_f32x4_sub(wasm_v128_load(row + c), wasm_v128_load(mean + c));
        wasm_v128_store(part1 + c, wasm_f32x4_add(wasm_v128_load(part1 + c), wasm_f32x4_mul(d, d)));
      }
      for (; c < C; c++) {
        const float d = row[c] - mean[c];
        part1[c] += d * d;
      }
    }
    for (int c = 0; c < C; c++) total1[c] += part1[c];
  }
  for (int c = 0; c < C; c++) {
    var[c] = (float)(total1[c] / n);
    ka[c] = gamma[c] * inv_sqrt(var[c] + eps);
    kb[c] = beta[c] - mean[c] * ka[c];
  }
  // pass 3: y = x·a + b
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int i = 0; i < n; i++) {
    const float* row = x + (long)i * C;
    float* out = y + (long)i * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t z = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(row + c), wasm_v128_load(ka + c)), wasm_v128_load(kb + c));
      if (relu) z = wasm_f32x4_max(z, zero);
      wasm_v128_store(out + c, z);
    }
    for (; c < C; c++) {
      const float z = row[c] * ka[c] + kb[c];
      out[c] = relu && !(z > 0.f) ? 0.f : z;
    }
  }
}

__attribute__((export_name("bn_train_backward")))
void bn_train_backward(const float* dy, const float* x, const float* gamma, const float* beta, const float* mean, const float* var,
                       float* dx, float* dgamma, float* dbeta, int n, int C, float eps, int relu) {
  for (int c = 0; c < C; c++) {
    kk[c] = inv_sqrt(var[c] + eps); // invstd for now
    ka[c] = gamma[c] * kk[c];
    kb[c] = beta[c] - mean[c] * ka[c];
    total0[c] = 0.0;
    total1[c] = 0.0;
  }
  const v128_t zero = wasm_f32x4_splat(0.f);
  // pass 1: Σ d and Σ d·(x − μ)
  for (int i0 = 0; i0 < n; i0 += BN_BLOCK) {
    const int i1 = i0 + BN_BLOCK < n ? i0 + BN_BLOCK : n;
    for (int c = 0; c < C; c++) part0[c] = part1[c] = 0.f;
    for (int i = i0; i < i1; i++) {
      const float* xr = x + (long)i * C;
      const float* dr = dy + (long)i * C;
      int c = 0;
      for (; c + 4 <= C; c += 4) {
        const v128_t xv = wasm_v128_load(xr + c);
        v128_t d = wasm_v128_load(dr + c);
        if (relu) {
          const v128_t z = wasm_f32x4_add(wasm_f32x4_mul(xv, wasm_v128_load(ka + c)), wasm_v128_load(kb + c));
          d = wasm_v128_and(d, wasm_f32x4_gt(z, zero));
        }
        wasm_v128_store(part0 + c, wasm_f32x4_add(wasm_v128_load(part0 + c), d));
        wasm_v128_store(part1 + c, wasm_f32x4_add(wasm_v128_load(part1 + c), wasm_f32x4_mul(d, wasm_f32x4_sub(xv, wasm_v128_load(mean + c)))));
      }
      for (; c < C; c++) {
        float d = dr[c];
        if (relu && !(xr[c] * ka[c] + kb[c] > 0.f)) d = 0.f;
        part0[c] += d;
        part1[c] += d * (xr[c] - mean[c]);
      }
    }
    for (int c = 0; c < C; c++) {
      total0[c] += part0[c];
      total1[c] += part1[c];
    }
  }
  for (int c = 0; c < C; c++) {
    const float invstd = kk[c];
    dbeta[c] = (float)total0[c];
    dgamma[c] = (float)(total1[c] * invstd);
    kmu[c] = (float)(total0[c] / n); // mean(d)
    kk[c] = (float)(ka[c] * (double)invstd * invstd * (total1[c] / n));
  }
  // pass 2: dx = a·(d − mean(d)) − k·(x − μ)
  for (int i = 0; i < n; i++) {
    const float* xr = x + (long)i * C;
    const float* dr = dy + (long)i * C;
    float* out = dx + (long)i * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      const v128_t xv = wasm_v128_load(xr + c);
      const v128_t av = wasm_v128_load(ka + c);
      v128_t d = wasm_v128_load(dr + c);
      if (relu) d = wasm_v128_and(d, wasm_f32x4_gt(wasm_f32x4_add(wasm_f32x4_mul(xv, av), wasm_v128_load(kb + c)), zero));
      const v128_t t = wasm_f32x4_mul(av, wasm_f32x4_sub(d, wasm_v128_load(kmu + c)));
      wasm_v128_store(out + c, wasm_f32x4_sub(t, wasm_f32x4_mul(wasm_v128_load(kk + c), wasm_f32x4_sub(xv, wasm_v128_load(mean + c)))));
    }
    for (; c < C; c++) {
      float d = dr[c];
      if (relu && !(xr[c] * ka[c] + kb[c] > 0.f)) d = 0.f;
      out[c] = ka[c] * (d - kmu[c]) - kk[c] * (xr[c] - mean[c]);
    }
  }
}
