// Native kernels: GEMM entry point: picks the ISA variant once and splits the work over the thread pool.
#include <pthread.h>
#include "tn.h"

static tn_gemm_fn impl;
static const char *impl_name = "generic";
static pthread_once_t chosen = PTHREAD_ONCE_INIT;

/* Once per process: two threads choosing at once could otherwise see the generic kernel for a moment and get other bits. */
static void pick(void) {
  tn_gemm_fn f = tn_gemm_generic;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    f = tn_gemm_avx2;
    impl_name = "avx2+fma";
  }
#endif
  impl = f;
}

static void choose(void) { pthread_once(&chosen, pick); }

const char *tn_isa(void) {
  choose();
  return impl_name;
}

int tn_sgemm_rows(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB,
                  float *C, long ldc, int accumulate) {
  choose();
  return impl(m0, m1, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate);
}

typedef struct {
  int M, N, K;
  const float *A;
  long rsA, csA;
  const float *B;
  long rsB, csB;
  float *C;
  long ldc;
  int accumulate;
  int byCols;
} gemm_job;

/* Rows (columns) go to parts in whole register tiles; each element's sum runs over k in the same order either way. */
static int run(void *p, int t, int n) {
  gemm_job *j = p;
  if (j->byCols) {
    /* Few rows: split columns instead, in multiples of the 16-wide register tile. */
    int tiles = (j->N + 15) / 16;
    int c0 = (int)((long)tiles * t / n) * 16, c1 = (int)((long)tiles * (t + 1) / n) * 16;
    if (c1 > j->N) c1 = j->N;
    if (c0 >= c1) return TN_OK;
    return impl(0, j->M, c1 - c0, j->K, j->A, j->rsA, j->csA, j->B + c0 * j->csB, j->rsB, j->csB, j->C + c0, j->ldc,
                j->accumulate);
  }
  int tiles = (j->M + 5) / 6;
  int r0 = (int)((long)tiles * t / n) * 6, r1 = (int)((long)tiles * (t + 1) / n) * 6;
  if (r1 > j->M) r1 = j->M;
  return impl(r0, r1, j->N, j->K, j->A, j->rsA, j->csA, j->B, j->rsB, j->csB, j->C, j->ldc, j->accumulate);
}

int tn_sgemm(int M, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB, float *C,
              long ldc, int accumulate) {
  choose();
  double work = (double)M * N * K;
  if (work < 200000.0 || tn_threads() <= 1) {
    return impl(0, M, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate);
  }
  gemm_job j = {M, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate, M < 24 * tn_threads() && N >= 32};
  return tn_parallel(run, &j, tn_threads());
}

int tn_matmul(int batch, int M, int N, int K, const float *A, long strideA, int transA, const float *B, long strideB,
               int transB, float *C, const float *bias, int act) {
  long rsA = transA ? 1 : K, csA = transA ? M : 1;
  long rsB = transB ? 1 : N, csB = transB ? K : 1;
  for (int b = 0; b < batch; b++) {
    float *c = C + (long)b * M * N;
    int err = tn_sgemm(M, N, K, A + b * strideA, rsA, csA, B + b * strideB, rsB, csB, c, N, 0);
    if (err) return err;
    if (bias || act) {
      for (long i = 0; i < M; i++) {
        float *r = c + i * N;
        if (bias)
          for (int j = 0; j < N; j++) r[j] += bias[j];
        if (act == 1)
          for (int j = 0; j < N; j++) r[j] = r[j] > 0.0f ? r[j] : 0.0f;
      }
    }
  }
  return TN_OK;
}
