// Node-API addon: multi-threaded float32 GEMM for TF.js's BatchMatMul on the wasm/cpu backends, and
// BatchNorm (training mode) forward/backward over [n, C] (the maths of ../batchNormTrain.c), and 1-D
// depthwise convolution with both gradients (the maths of ../depthwise1d.c).
// Optional: built by models/native/buildAddon.sh (g++ and Node's headers); everything works without it.
// C[b] = op(A[b]) · op(B[b]), row-major; op transposes when asked. Threads split the rows of C.
#include <node_api.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>
#ifdef X3ECG_DNNL
// oneDNN's sgemm (Debian: libdnnl-dev), 1.5-2x our GEMM on this network's shapes; OpenMP threads.
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#endif

namespace {

// Simple row kernel for tails: C[i, j0..j1) += A[i, kb..ke) · B[kb..ke, j0..j1).
inline void rowTail(const float* A, const float* B, float* C, int i, int j0, int j1, int kb, int ke, int K, int N) {
  float* c = C + (size_t)i * N;
  const float* a = A + (size_t)i * K;
  for (int k = kb; k < ke; k++) {
    const float x = a[k];
    const float* b = B + (size_t)k * N;
    for (int j = j0; j < j1; j++) c[j] += x * b[j];
  }
}

// Rows i0..i1 of C (M×N) = A (M×K) · B (K×N), all row-major. A 4×32 tile of C lives in registers
// (8 AVX-512 or 16 AVX2 accumulators) across a k-block; B rows are read 32 floats at a time.
void gemmRows(const float* A, const float* B, float* C, int i0, int i1, int K, int N) {
  constexpr int KB = 256, MR = 4, NR = 32;
  for (int i = i0; i < i1; i++) std::memset(C + (size_t)i * N, 0, sizeof(float) * N);
  const int nFull = N / NR * NR;
  for (int kb = 0; kb < K; kb += KB) {
    const int ke = std::min(K, kb + KB);
    int i = i0;
    for (; i + MR <= i1; i += MR) {
      for (int j = 0; j < nFull; j += NR) {
        float acc[MR][NR];
        for (int r = 0; r < MR; r++)
          for (int q = 0; q < NR; q++) acc[r][q] = C[(size_t)(i + r) * N + j + q];
        for (int k = kb; k < ke; k++) {
          const float* b = B + (size_t)k * N + j;
          for (int r = 0; r < MR; r++) {
            const float x = A[(size_t)(i + r) * K + k];
            for (int q = 0; q < NR; q++) acc[r][q] += x * b[q];
          }
        }
        for (int r = 0; r < MR; r++)
          for (int q = 0; q < NR; q++) C[(size_t)(i + r) * N + j + q] = acc[r][q];
      }
      if (nFull < N)
        for (int r = 0; r < MR; r++) rowTail(A, B, C, i + r, nFull, N, kb, ke, K, N);
    }
    for (; i < i1; i++) rowTail(A, B, C, i, 0, N, kb, ke, K, N);
  }
}

void transpose(const float* src, float* dst, int rows, int cols) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}

float* floatData(napi_env env, napi_value v, size_t* length) {
  napi_typedarray_type type;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) return nullptr;
  return static_cast<float*>(data);
}

int intArg(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

// sgemm(a, b, c, batch, M, N, K, transA, transB, aBatchStride, bBatchStride, threads)
napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 12) {
    napi_throw_error(env, nullptr, "sgemm: expected 12 arguments");
    return nullptr;
  }
  size_t la, lb, lc;
  float* A = floatData(env, argv[0], &la);
  float* B = floatData(env, argv[1], &lb);
  float* C = floatData(env, argv[2], &lc);
  if (!A || !B || !C) {
    napi_throw_type_error(env, nullptr, "sgemm: a, b and c must be Float32Arrays");
    return nullptr;
  }
  const int batch = intArg(env, argv[3]), M = intArg(env, argv[4]), N = intArg(env, argv[5]), K = intArg(env, argv[6]);
  bool ta = false, tb = false;
  napi_get_value_bool(env, argv[7], &ta);
  napi_get_value_bool(env, argv[8], &tb);
  const int sa = intArg(env, argv[9]), sb = intArg(env, argv[10]);
  const int threads = std::max(1, intArg(env, argv[11]));
  if (lc < (size_t)batch * M * N || la < (size_t)(batch - 1) * sa + (size_t)M * K || lb < (size_t)(batch - 1) * sb + (size_t)K * N) {
    napi_throw_range_error(env, nullptr, "sgemm: array too short for the given shape");
    return nullptr;
  }
#ifdef X3ECG_DNNL
  // the calling thread's OpenMP team size: lead workers ask for 1, the main thread for the cores
  omp_set_num_threads(threads);
  for (int b = 0; b < batch; b++) {
    const float* a = A + (size_t)b * sa;
    const float* bm = B + (size_t)b * sb;
    if (dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.f, a, ta ? M : K, bm, tb ? K : N, 0.f, C + (size_t)b * M * N, N) != dnnl_success) {
      napi_throw_error(env, nullptr, "sgemm: oneDNN failed");
      return nullptr;
    }
  }
  return nullptr;
#endif
  std::vector<float> at, bt;
  for (int b = 0; b < batch; b++) {
    const float* a = A + (size_t)b * sa;
    const float* bm = B + (size_t)b * sb;
    if (ta) { at.resize((size_t)M * K); transpose(a, at.data(), K, M); a = at.data(); }
    if (tb) { bt.resize((size_t)K * N); transpose(bm, bt.data(), N, K); bm = bt.data(); }
    float* c = C + (size_t)b * M * N;
    const int nt = std::min(threads, std::max(1, M / 8));
    if (nt == 1) {
      gemmRows(a, bm, c, 0, M, K, N);
    } else {
      std::vector<std::thread> pool;
      const int chunk = ((M + nt - 1) / nt + 3) / 4 * 4;
      for (int t = 0; t < nt; t++) {
        const int i0 = t * chunk, i1 = std::min(M, i0 + chunk);
        if (i0 < i1) pool.emplace_back(gemmRows, a, bm, c, i0, i1, K, N);
      }
      for (auto& th : pool) th.join();
    }
  }
  return nullptr;
}

// ---- BatchNorm, training mode, x [n, C] (channels last, statistics over rows) ----
// Column sums: f32 blocks of 256 rows (vectorised over channels) added into f64 totals.
constexpr int kBnBlock = 256;

void bnForward(const float* __restrict x, const float* gamma, const float* beta, float* __restrict y, float* mean, float* var,
               int n, int C, float eps, bool relu) {
  std::vector<float> part(C), mu(C), a(C), b(C);
  std::vector<double> total(C, 0.0);
  for (int i0 = 0; i0 < n; i0 += kBnBlock) {
    const int i1 = std::min(n, i0 + kBnBlock);
    std::fill(part.begin(), part.end(), 0.f);
    float* __restrict p = part.data();
    for (int i = i0; i < i1; i++) {
      const float* __restrict row = x + (size_t)i * C;
      for (int c = 0; c < C; c++) p[c] += row[c];
    }
    for (int c = 0; c < C; c++) total[c] += p[c];
  }
  for (int c = 0; c < C; c++) mu[c] = mean[c] = (float)(total[c] / n);
  std::fill(total.begin(), total.end(), 0.0);
  for (int i0 = 0; i0 < n; i0 += kBnBlock) {
    const int i1 = std::min(n, i0 + kBnBlock);
    std::fill(part.begin(), part.end(), 0.f);
    float* __restrict p = part.data();
    const float* __restrict m = mu.data();
    for (int i = i0; i < i1; i++) {
      const float* __restrict row = x + (size_t)i * C;
      for (int c = 0; c < C; c++) {
        const float d = row[c] - m[c];
        p[c] += d * d;
      }
    }
    for (int c = 0; c < C; c++) total[c] += p[c];
  }
  for (int c = 0; c < C; c++) {
    var[c] = (float)(total[c] / n);
    a[c] = gamma[c] / std::sqrt(var[c] + eps);
    b[c] = beta[c] - mu[c] * a[c];
  }
  const float* __restrict pa = a.data();
  const float* __restrict pb = b.data();
  for (int i = 0; i < n; i++) {
    const float* __restrict row = x + (size_t)i * C;
    float* __restrict out = y + (size_t)i * C;
    if (relu)
      for (int c = 0; c < C; c++) out[c] = std::max(row[c] * pa[c] + pb[c], 0.f);
    else
      for (int c = 0; c < C; c++) out[c] = row[c] * pa[c] + pb[c];
  }
}

void bnBackward(const float* __restrict dy, const float* __restrict x, const float* gamma, const float* beta, const float* mean,
                const float* var, float* __restrict dx, float* dgamma, float* dbeta, int n, int C, float eps, bool relu) {
  std::vector<float> part0(C), part1(C), invstd(C), a(C), b(C), mu(mean, mean + C), md(C), k(C);
  std::vector<double> t0(C, 0.0), t1(C, 0.0);
  for (int c = 0; c < C; c++) {
    invstd[c] = 1.f / std::sqrt(var[c] + eps);
    a[c] = gamma[c] * invstd[c];
    b[c] = beta[c] - mu[c] * a[c];
  }
  const float* __restrict pa = a.data();
  const float* __restrict pb = b.data();
  const float* __restrict pm = mu.data();
  for (int i0 = 0; i0 < n; i0 += kBnBlock) {
    const int i1 = std::min(n, i0 + kBnBlock);
    std::fill(part0.begin(), part0.end(), 0.f);
    std::fill(part1.begin(), part1.end(), 0.f);
    float* __restrict p0 = part0.data();
    float* __restrict p1 = part1.data();
    for (int i = i0; i < i1; i++) {
      const float* __restrict xr = x + (size_t)i * C;
      const float* __restrict dr = dy + (size_t)i * C;
      if (relu)
        for (int c = 0; c < C; c++) {
          const float d = xr[c] * pa[c] + pb[c] > 0.f ? dr[c] : 0.f;
          p0[c] += d;
          p1[c] += d * (xr[c] - pm[c]);
        }
      else
        for (int c = 0; c < C; c++) {
          p0[c] += dr[c];
          p1[c] += dr[c] * (xr[c] - pm[c]);
        }
    }
    for (int c = 0; c < C; c++) {
      t0[c] += p0[c];
      t1[c] += p1[c];
    }
  }
  for (int c = 0; c < C; c++) {
    dbeta[c] = (float)t0[c];
    dgamma[c] = (float)(t1[c] * invstd[c]);
    md[c] = (float)(t0[c] / n);
    k[c] = (float)(a[c] * (double)invstd[c] * invstd[c] * (t1[c] / n));
  }
  const float* __restrict pmd = md.data();
  const float* __restrict pk = k.data();
  for (int i = 0; i < n; i++) {
    const float* __restrict xr = x + (size_t)i * C;
    const float* __restrict dr = dy + (size_t)i * C;
    float* __restrict out = dx + (size_t)i * C;
    if (relu)
      for (int c = 0; c < C; c++) {
        const float d = xr[c] * pa[c] + pb[c] > 0.f ? dr[c] : 0.f;
        out[c] = pa[c] * (d - pmd[c]) - pk[c] * (xr[c] - pm[c]);
      }
    else
      for (int c = 0; c < C; c++) out[c] = pa[c] * (dr[c] - pmd[c]) - pk[c] * (xr[c] - pm[c]);
  }
}

// ---- 1-D depthwise convolution, channels last (the maths of ../depthwise1d.c) ----
// x [B, L, C], w [K, C], y [B, OL, C]; y[b,o,c] = Σ_j x[b, o·s − pad + j, c]·w[j,c], taps outside [0, L)
// reading zero. Channels go in blocks of 64 held in registers across the taps.
struct DwShape {
  int B, L, C, OL, K, s, pad;
};
constexpr int kDwBlock = 64;

// acc[0..n) += a[c]·b[c]; a full block has a constant trip count, so it stays in registers.
inline void dwAccumulate(float* __restrict acc, const float* __restrict a, const float* __restrict b, int n) {
  if (n == kDwBlock)
    for (int c = 0; c < kDwBlock; c++) acc[c] += a[c] * b[c];
  else
    for (int c = 0; c < n; c++) acc[c] += a[c] * b[c];
}

void dwForward(const float* __restrict x, const float* __restrict w, float* __restrict y, const DwShape& g) {
  for (int b = 0; b < g.B; b++) {
    const float* xb = x + (size_t)b * g.L * g.C;
    for (int o = 0; o < g.OL; o++) {
      float* __restrict yo = y + ((size_t)b * g.OL + o) * g.C;
      const int i0 = o * g.s - g.pad;
      const int jlo = std::max(0, -i0), jhi = std::min(g.K, g.L - i0);
      for (int c0 = 0; c0 < g.C; c0 += kDwBlock) {
        const int n = std::min(kDwBlock, g.C - c0);
        float acc[kDwBlock] = {};
        for (int j = jlo; j < jhi; j++) {
          dwAccumulate(acc, xb + (size_t)(i0 + j) * g.C + c0, w + (size_t)j * g.C + c0, n);
        }
        std::memcpy(yo + c0, acc, sizeof(float) * n);
      }
    }
  }
}

// dx[b,i,c] = Σ over (o, j) with o·s − pad + j = i of dy[b,o,c]·w[j,c]: a gather per input sample.
void dwBackpropInput(const float* __restrict dy, const float* __restrict w, float* __restrict dx, const DwShape& g) {
  for (int b = 0; b < g.B; b++) {
    const float* dyb = dy + (size_t)b * g.OL * g.C;
    for (int i = 0; i < g.L; i++) {
      float* __restrict dxi = dx + ((size_t)b * g.L + i) * g.C;
      for (int c0 = 0; c0 < g.C; c0 += kDwBlock) {
        const int n = std::min(kDwBlock, g.C - c0);
        float acc[kDwBlock] = {};
        for (int j = 0; j < g.K; j++) {
          const int t = i + g.pad - j;
          if (t < 0 || t % g.s != 0 || t / g.s >= g.OL) continue;
          dwAccumulate(acc, dyb + (size_t)(t / g.s) * g.C + c0, w + (size_t)j * g.C + c0, n);
        }
        std::memcpy(dxi + c0, acc, sizeof(float) * n);
      }
    }
  }
}

// dw[j,c] = Σ_{b,o} x[b, o·s − pad + j, c]·dy[b,o,c]; dw (K·C floats) stays in L1 while it accumulates.
void dwBackpropFilter(const float* __restrict x, const float* __restrict dy, float* __restrict dw, const DwShape& g) {
  std::memset(dw, 0, sizeof(float) * g.K * g.C);
  for (int b = 0; b < g.B; b++) {
    const float* xb = x + (size_t)b * g.L * g.C;
    for (int o = 0; o < g.OL; o++) {
      const float* __restrict d = dy + ((size_t)b * g.OL + o) * g.C;
      const int i0 = o * g.s - g.pad;
      const int jlo = std::max(0, -i0), jhi = std::min(g.K, g.L - i0);
      for (int j = jlo; j < jhi; j++) {
        const float* __restrict xr = xb + (size_t)(i0 + j) * g.C;
        float* __restrict acc = dw + (size_t)j * g.C;
        for (int c = 0; c < g.C; c++) acc[c] += xr[c] * d[c];
      }
    }
  }
}

// Max-pool gradient, 1-D channels last (x [B, L, C], dy [B, OL, C] → dx): each output's gradient goes
// to the first maximum of its window (TF.js cpu's and PyTorch's rule).
void maxPoolGrad1d(const float* __restrict x, const float* __restrict dy, float* __restrict dx, const DwShape& g) {
  std::memset(dx, 0, sizeof(float) * g.B * g.L * g.C);
  std::vector<float> best(g.C);
  std::vector<int> at(g.C);
  for (int b = 0; b < g.B; b++) {
    const size_t xb = (size_t)b * g.L * g.C;
    for (int o = 0; o < g.OL; o++) {
      const int i0 = o * g.s - g.pad;
      const int jlo = std::max(0, -i0), jhi = std::min(g.K, g.L - i0);
      std::fill(best.begin(), best.end(), -INFINITY);
      std::fill(at.begin(), at.end(), -1);
      for (int j = jlo; j < jhi; j++) {
        const float* __restrict row = x + xb + (size_t)(i0 + j) * g.C;
        for (int c = 0; c < g.C; c++)
          if (row[c] > best[c]) best[c] = row[c], at[c] = i0 + j;
      }
      const float* __restrict d = dy + ((size_t)b * g.OL + o) * g.C;
      for (int c = 0; c < g.C; c++)
        if (at[c] >= 0) dx[xb + (size_t)at[c] * g.C + c] += d[c];
    }
  }
}

bool floatArgs(napi_env env, napi_value* argv, int count, float** out, size_t* lengths, const char* who) {
  for (int i = 0; i < count; i++) {
    out[i] = floatData(env, argv[i], &lengths[i]);
    if (!out[i]) {
      std::string msg = std::string(who) + ": arguments 1.." + std::to_string(count) + " must be Float32Arrays";
      napi_throw_type_error(env, nullptr, msg.c_str());
      return false;
    }
  }
  return true;
}

// The BN calls' arguments: `floats` Float32Arrays, then n, C, eps, relu. Arrays listed in `full` hold
// n·C values, the others C. False (with a JS exception pending) when anything is off.
template <int Argc>
bool bnArgs(napi_env env, napi_callback_info info, const char* who, int floats, std::initializer_list<int> full, float** f,
            int& n, int& C, float& eps, bool& relu) {
  size_t argc = Argc;
  napi_value argv[Argc];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != (size_t)Argc) {
    napi_throw_error(env, nullptr, (std::string(who) + ": expected " + std::to_string(Argc) + " arguments").c_str());
    return false;
  }
  size_t len[Argc];
  if (!floatArgs(env, argv, floats, f, len, who)) return false;
  n = intArg(env, argv[floats]);
  C = intArg(env, argv[floats + 1]);
  double e = 0;
  napi_get_value_double(env, argv[floats + 2], &e);
  eps = (float)e;
  relu = false;
  napi_get_value_bool(env, argv[floats + 3], &relu);
  bool ok = n >= 1 && C >= 1;
  for (int i = 0; i < floats; i++) ok = ok && len[i] >= (size_t)C;
  for (int i : full) ok = ok && len[i] >= (size_t)n * C;
  if (!ok) napi_throw_range_error(env, nullptr, (std::string(who) + ": array too short for the given shape").c_str());
  return ok;
}

// bnTrainForward(x, gamma, beta, y, mean, variance, n, C, eps, relu)
napi_value BnTrainForward(napi_env env, napi_callback_info info) {
  float* f[6];
  int n, C;
  float eps;
  bool relu;
  if (bnArgs<10>(env, info, "bnTrainForward", 6, {0, 3}, f, n, C, eps, relu)) bnForward(f[0], f[1], f[2], f[3], f[4], f[5], n, C, eps, relu);
  return nullptr;
}

// bnTrainBackward(dy, x, gamma, beta, mean, variance, dx, dgamma, dbeta, n, C, eps, relu)
napi_value BnTrainBackward(napi_env env, napi_callback_info info) {
  float* f[9];
  int n, C;
  float eps;
  bool relu;
  if (bnArgs<13>(env, info, "bnTrainBackward", 9, {0, 1, 6}, f, n, C, eps, relu))
    bnBackward(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], n, C, eps, relu);
  return nullptr;
}

// ---- A residual block's end: y = max(0, x·s + r), x and r [B, L, C], the SE gate s [B, C] ----
// One pass forward and one backward instead of TF.js's Multiply, Add, Relu and, backward, Step, Cast,
// Multiply ×3 and a reduction.
void scaleAddReluForward(const float* __restrict x, const float* __restrict s, const float* __restrict r, float* __restrict y, int B, int L, int C) {
  for (int b = 0; b < B; b++) {
    const float* __restrict sb = s + (size_t)b * C;
    for (int l = 0; l < L; l++) {
      const size_t at = ((size_t)b * L + l) * C;
      for (int c = 0; c < C; c++) y[at + c] = std::max(x[at + c] * sb[c] + r[at + c], 0.f);
    }
  }
}

// dr = dy·[y > 0], dx = dr·s, ds[b, c] = Σ_l dr·x (f32 blocks of 256 rows into f64).
void scaleAddReluBackward(const float* __restrict dy, const float* __restrict x, const float* __restrict s, const float* __restrict y,
                          float* __restrict dx, float* __restrict ds, float* __restrict dr, int B, int L, int C) {
  std::vector<float> part(C);
  std::vector<double> total(C);
  for (int b = 0; b < B; b++) {
    const float* __restrict sb = s + (size_t)b * C;
    std::fill(total.begin(), total.end(), 0.0);
    for (int l0 = 0; l0 < L; l0 += kBnBlock) {
      const int l1 = std::min(L, l0 + kBnBlock);
      std::fill(part.begin(), part.end(), 0.f);
      float* __restrict p = part.data();
      for (int l = l0; l < l1; l++) {
        const size_t at = ((size_t)b * L + l) * C;
        const float* __restrict yr = y + at;
        const float* __restrict dyr = dy + at;
        const float* __restrict xr = x + at;
        float* __restrict drr = dr + at;
        float* __restrict dxr = dx + at;
        for (int c = 0; c < C; c++) {
          const float d = yr[c] > 0.f ? dyr[c] : 0.f;
          drr[c] = d;
          dxr[c] = d * sb[c];
          p[c] += d * xr[c];
        }
      }
      for (int c = 0; c < C; c++) total[c] += p[c];
    }
    for (int c = 0; c < C; c++) ds[(size_t)b * C + c] = (float)total[c];
  }
}

// scaleAddReluForward(x, s, r, y, B, L, C) and scaleAddReluBackward(dy, x, s, y, dx, ds, dr, B, L, C).
template <int Floats>
bool scaleAddReluArgs(napi_env env, napi_callback_info info, const char* who, std::initializer_list<int> gates, float** f, int& B, int& L, int& C) {
  constexpr int kArgc = Floats + 3;
  size_t argc = kArgc;
  napi_value argv[kArgc];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != (size_t)kArgc) {
    napi_throw_error(env, nullptr, (std::string(who) + ": expected " + std::to_string(kArgc) + " arguments").c_str());
    return false;
  }
  size_t len[Floats];
  if (!floatArgs(env, argv, Floats, f, len, who)) return false;
  B = intArg(env, argv[Floats]);
  L = intArg(env, argv[Floats + 1]);
  C = intArg(env, argv[Floats + 2]);
  bool ok = B >= 1 && L >= 1 && C >= 1;
  for (int i = 0; i < Floats; i++) {
    const bool gate = std::find(gates.begin(), gates.end(), i) != gates.end();
    ok = ok && len[i] >= (gate ? (size_t)B * C : (size_t)B * L * C);
  }
  if (!ok) napi_throw_range_error(env, nullptr, (std::string(who) + ": array too short for the given shape").c_str());
  return ok;
}

napi_value ScaleAddReluForward(napi_env env, napi_callback_info info) {
  float* f[4];
  int B, L, C;
  if (scaleAddReluArgs<4>(env, info, "scaleAddReluForward", {1}, f, B, L, C)) scaleAddReluForward(f[0], f[1], f[2], f[3], B, L, C);
  return nullptr;
}

napi_value ScaleAddReluBackward(napi_env env, napi_callback_info info) {
  float* f[7];
  int B, L, C;
  if (scaleAddReluArgs<7>(env, info, "scaleAddReluBackward", {2, 5}, f, B, L, C)) scaleAddReluBackward(f[0], f[1], f[2], f[3], f[4], f[5], f[6], B, L, C);
  return nullptr;
}

// The depthwise (and 1-D pool gradient) calls' arguments: (a, b, out, B, L, C, OL, K, s, pad); a, b and
// out are what the op reads and writes (forward: x, w, y; input gradient: dy, w, dx; filter gradient:
// x, dy, dw; max-pool gradient: x, dy, dx).
template <void (*Kernel)(const float*, const float*, float*, const DwShape&)>
napi_value DepthwiseCall(napi_env env, napi_callback_info info) {
  constexpr int kArgc = 10;
  size_t argc = kArgc;
  napi_value argv[kArgc];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != (size_t)kArgc) {
    napi_throw_error(env, nullptr, "depthwise: expected 10 arguments");
    return nullptr;
  }
  float* f[3];
  size_t len[3];
  if (!floatArgs(env, argv, 3, f, len, "depthwise")) return nullptr;
  const DwShape g{intArg(env, argv[3]), intArg(env, argv[4]), intArg(env, argv[5]), intArg(env, argv[6]),
                  intArg(env, argv[7]), intArg(env, argv[8]), intArg(env, argv[9])};
  if (g.B < 1 || g.L < 1 || g.C < 1 || g.OL < 1 || g.K < 1 || g.s < 1 || g.pad < 0 || (size_t)(g.OL - 1) * g.s > (size_t)g.L + 2 * g.pad) {
    napi_throw_range_error(env, nullptr, "depthwise: invalid geometry");
    return nullptr;
  }
  const size_t xs = (size_t)g.B * g.L * g.C, ys = (size_t)g.B * g.OL * g.C, ws = (size_t)g.K * g.C;
  size_t need[3];
  if (Kernel == dwForward) need[0] = xs, need[1] = ws, need[2] = ys;
  else if (Kernel == dwBackpropInput) need[0] = ys, need[1] = ws, need[2] = xs;
  else if (Kernel == maxPoolGrad1d) need[0] = xs, need[1] = ys, need[2] = xs;
  else need[0] = xs, need[1] = ys, need[2] = ws;
  for (int i = 0; i < 3; i++)
    if (len[i] < need[i]) {
      napi_throw_range_error(env, nullptr, "depthwise: array too short for the given shape");
      return nullptr;
    }
  Kernel(f[0], f[1], f[2], g);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, Sgemm, nullptr, &fn);
  napi_set_named_property(env, exports, "sgemm", fn);
  napi_value gemm;
#ifdef X3ECG_DNNL
  napi_create_string_utf8(env, "onednn", NAPI_AUTO_LENGTH, &gemm);
#else
  napi_create_string_utf8(env, "builtin", NAPI_AUTO_LENGTH, &gemm);
#endif
  napi_set_named_property(env, exports, "gemm", gemm);
  napi_create_function(env, "bnTrainForward", NAPI_AUTO_LENGTH, BnTrainForward, nullptr, &fn);
  napi_set_named_property(env, exports, "bnTrainForward", fn);
  napi_create_function(env, "bnTrainBackward", NAPI_AUTO_LENGTH, BnTrainBackward, nullptr, &fn);
  napi_set_named_property(env, exports, "bnTrainBackward", fn);
  napi_create_function(env, "depthwiseForward", NAPI_AUTO_LENGTH, DepthwiseCall<dwForward>, nullptr, &fn);
  napi_set_named_property(env, exports, "depthwiseForward", fn);
  napi_create_function(env, "depthwiseBackpropInput", NAPI_AUTO_LENGTH, DepthwiseCall<dwBackpropInput>, nullptr, &fn);
  napi_set_named_property(env, exports, "depthwiseBackpropInput", fn);
  napi_create_function(env, "depthwiseBackpropFilter", NAPI_AUTO_LENGTH, DepthwiseCall<dwBackpropFilter>, nullptr, &fn);
  napi_set_named_property(env, exports, "depthwiseBackpropFilter", fn);
  napi_create_function(env, "maxPoolGrad1d", NAPI_AUTO_LENGTH, DepthwiseCall<maxPoolGrad1d>, nullptr, &fn);
  napi_set_named_property(env, exports, "maxPoolGrad1d", fn);
  napi_create_function(env, "scaleAddReluForward", NAPI_AUTO_LENGTH, ScaleAddReluForward, nullptr, &fn);
  napi_set_named_property(env, exports, "scaleAddReluForward", fn);
  napi_create_function(env, "scaleAddReluBackward", NAPI_AUTO_LENGTH, ScaleAddReluBackward, nullptr, &fn);
  napi_set_named_property(env, exports, "scaleAddReluBackward", fn);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
