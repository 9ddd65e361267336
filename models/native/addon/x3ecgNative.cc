// Node-API addon: multi-threaded float32 GEMM for TF.js's BatchMatMul on the wasm/cpu backends.
// Optional: built by models/native/buildAddon.sh (g++ and Node's headers); everything works without it.
// C[b] = op(A[b]) · op(B[b]), row-major; op transposes when asked. Threads split the rows of C.
#include <node_api.h>
#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

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

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, Sgemm, nullptr, &fn);
  napi_set_named_property(env, exports, "sgemm", fn);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
