// Native kernels: GEMM entry point: picks the ISA variant once and splits the work over the thread pool.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "tn.h"

static tn_gemm_fn impl;
static const char *impl_name = "generic";
static int impl_mr = 6, impl_nr = 16; /* register tile: parts are cut in whole tiles (speed only, never the bits) */
static pthread_once_t chosen = PTHREAD_ONCE_INIT;

/* Once per process: two threads choosing at once could otherwise see the generic kernel for a moment and get other bits.
   The best the CPU has (avx512f, then avx2+fma, then generic); WORKBENCH_NATIVE_GEMM=generic|avx2|avx512|openblas
   asks for one (tests, benchmarks); one the CPU or the machine cannot run is not taken. */
int tn_gemm_wide_only;
int tn_gemm_pack_rows = 1;
static unsigned long pack_rows_calls;
unsigned long tn_gemm_pack_rows_calls(void) { return __atomic_load_n(&pack_rows_calls, __ATOMIC_RELAXED); }

/* WORKBENCH_GEMM_PACK_ROWS=0 (or off, false): gemm_kernel.c packs A and B in the plain loop order (same bits; read per
   tn_sgemm / tn_matmul call for A/B runs and tests; the convolutions' direct tn_sgemm_rows calls use the last value). */
static void refresh_pack_rows(void) {
  const char *e = getenv("WORKBENCH_GEMM_PACK_ROWS");
  int on = !(e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false")));
  if (__atomic_load_n(&tn_gemm_pack_rows, __ATOMIC_RELAXED) != on) __atomic_store_n(&tn_gemm_pack_rows, on, __ATOMIC_RELAXED);
  if (on) __atomic_fetch_add(&pack_rows_calls, 1, __ATOMIC_RELAXED);
}

static void pick(void) {
  /* WORKBENCH_GEMM_NARROW=0: narrow last column tiles through the full-width micro-kernel too (same bits; A/B runs). */
  const char *narrow = getenv("WORKBENCH_GEMM_NARROW");
  tn_gemm_wide_only = narrow && !strcmp(narrow, "0");
  const char *want = getenv("WORKBENCH_NATIVE_GEMM");
  int any = !want || !*want;
  impl = tn_gemm_generic;
  if (!any && !strcmp(want, "generic")) return;
  if (!any && !strcmp(want, "openblas") && tn_blas_available()) {
    impl = tn_gemm_openblas, impl_name = "openblas";
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && __builtin_cpu_supports("avx512f") && (any || strcmp(want, "avx2"))) {
    impl = tn_gemm_avx512, impl_name = "avx512f", impl_mr = 8, impl_nr = 32;
  } else if (avx2) {
    impl = tn_gemm_avx2, impl_name = "avx2+fma";
  }
#endif
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

/* tn_sgemm_rows through the chosen variant's pointwise GEMM (gemm_kernel.c's FND, same bits), then the conv epilogue;
   OpenBLAS (its own order) keeps its call and tn_conv_post_op. */
int tn_sgemm_rows_pw(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB,
                     long csB, float *C, long ldc, int accumulate, const float *bias, int act) {
  choose();
#if defined(__x86_64__) || defined(__i386__)
  if (impl == tn_gemm_avx512)
    return tn_gemm_direct_avx512(m0, m1, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate, bias, act);
  if (impl == tn_gemm_avx2)
    return tn_gemm_direct_avx2(m0, m1, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate, bias, act);
#endif
  if (impl == tn_gemm_generic)
    return tn_gemm_direct_generic(m0, m1, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate, bias, act);
  int err = impl(m0, m1, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate);
  if (!err && m1 > m0) tn_conv_post_op(C + (long)m0 * ldc, m1 - m0, N, bias, act);
  return err;
}

/* The chosen variant's direct one-input-channel convolution (gemm_kernel.c): the same bits as its im2col + GEMM, 27-32 %
   less time on the seed CNN's first layer. 0: not covered (the caller takes the GEMM path); OpenBLAS, which sums in
   its own order, always takes that path. */
int tn_conv_one_channel(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y, int i0,
                        int i1) {
  choose();
  if (impl == tn_gemm_openblas) return 0;
#if defined(__x86_64__) || defined(__i386__)
  if (impl == tn_gemm_avx512) return tn_conv1ch_avx512(g, x, f, bias, act, y, i0, i1);
  if (impl == tn_gemm_avx2) return tn_conv1ch_avx2(g, x, f, bias, act, y, i0, i1);
#endif
  /* The generic build measured 4 % slower direct than through the GEMM (x86-64 without AVX2): keep that path. */
  return 0;
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
  const float *bias; /* tn_matmul's epilogue, applied by each part to its own block (NULL / 0: none) */
  int act;
  const tn_gemm_post *post; /* then this, on the same block (NULL: none) */
} gemm_job;

/* C[r0..r1, c0..c1] += bias, then relu (act 1): tn_matmul's epilogue, element by element as it always was, so a part
   can apply it to its block while that block is still in its core's cache instead of the caller after the join. */
static void epilogue(float *C, long ldc, int r0, int r1, int c0, int c1, const float *bias, int act) {
  if (!bias && act != 1) return;
  for (long i = r0; i < r1; i++) {
    float *r = C + i * ldc;
    if (bias)
      for (int j = c0; j < c1; j++) r[j] += bias[j];
    if (act == 1)
      for (int j = c0; j < c1; j++) r[j] = r[j] > 0.0f ? r[j] : 0.0f;
  }
}

/* Rows (columns) go to parts in whole register tiles; each element's sum runs over k in the same order either way. */
static int run(void *p, int t, int n) {
  gemm_job *j = p;
  if (j->byCols) {
    /* Few rows: split columns instead, in multiples of the 16-wide register tile. */
    int tiles = (j->N + impl_nr - 1) / impl_nr;
    int c0 = (int)((long)tiles * t / n) * impl_nr, c1 = (int)((long)tiles * (t + 1) / n) * impl_nr;
    if (c1 > j->N) c1 = j->N;
    if (c0 >= c1) return TN_OK;
    int err = impl(0, j->M, c1 - c0, j->K, j->A, j->rsA, j->csA, j->B + c0 * j->csB, j->rsB, j->csB, j->C + c0, j->ldc,
                   j->accumulate);
    if (!err) epilogue(j->C, j->ldc, 0, j->M, c0, c1, j->bias, j->act);
    if (!err && j->post) j->post->fn(j->post->ctx, 0, j->M, c0, c1);
    return err;
  }
  int tiles = (j->M + impl_mr - 1) / impl_mr;
  int r0 = (int)((long)tiles * t / n) * impl_mr, r1 = (int)((long)tiles * (t + 1) / n) * impl_mr;
  if (r1 > j->M) r1 = j->M;
  int err = impl(r0, r1, j->N, j->K, j->A, j->rsA, j->csA, j->B, j->rsB, j->csB, j->C, j->ldc, j->accumulate);
  if (!err && r0 < r1) epilogue(j->C, j->ldc, r0, r1, 0, j->N, j->bias, j->act);
  if (!err && r0 < r1 && j->post) j->post->fn(j->post->ctx, r0, r1, 0, j->N);
  return err;
}

/* Split columns rather than rows: for few rows, and when C is wider than tall (each part packs all of A and its share of
   B, instead of its share of A and all of B: less packing when N > M, e.g. 128 x 784 . 784 x 256, or a transposed B,
   whose packing gathers). WORKBENCH_GEMM_SPLIT=rows keeps rows for the second case (A/B runs; read per call). The
   parts' sums are the same whichever way C is cut. */
static int by_cols(int M, int N) {
  int t = tn_threads();
  if (M < 4 * impl_mr * t && N >= 2 * impl_nr) return 1;
  if (N <= M || N < 2 * impl_nr * t) return 0;
  const char *e = getenv("WORKBENCH_GEMM_SPLIT");
  return !(e && !strcmp(e, "rows"));
}

/* tn_sgemm, then C += bias and relu (act 1) over the whole of C, each part on its own block. */
static int sgemm_epilogue(int M, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB,
                          float *C, long ldc, int accumulate, const float *bias, int act, const tn_gemm_post *post) {
  choose();
  refresh_pack_rows();
  double work = (double)M * N * K;
  if (work < 200000.0 || tn_threads() <= 1) {
    int err = impl(0, M, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate);
    if (!err) epilogue(C, ldc, 0, M, 0, N, bias, act);
    if (!err && post) post->fn(post->ctx, 0, M, 0, N);
    return err;
  }
  gemm_job j = {M, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate, by_cols(M, N), bias, act, post};
  return tn_parallel(run, &j, tn_threads());
}

int tn_sgemm(int M, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB, float *C,
              long ldc, int accumulate) {
  return sgemm_epilogue(M, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate, NULL, 0, NULL);
}

int tn_matmul(int batch, int M, int N, int K, const float *A, long strideA, int transA, const float *B, long strideB,
               int transB, float *C, const float *bias, int act) {
  long rsA = transA ? 1 : K, csA = transA ? M : 1;
  long rsB = transB ? 1 : N, csB = transB ? K : 1;
  for (int b = 0; b < batch; b++) {
    float *c = C + (long)b * M * N;
    int err = sgemm_epilogue(M, N, K, A + b * strideA, rsA, csA, B + b * strideB, rsB, csB, c, N, 0, bias, act, NULL);
    if (err) return err;
  }
  return TN_OK;
}

/* One M x N product (no bias, no activation) whose parts each hand their finished block of C to post->fn right after
   computing it: the block's sums are complete (every k block done), and no other part touches it. */
int tn_matmul_post(int M, int N, int K, const float *A, int transA, const float *B, int transB, float *C,
                   const tn_gemm_post *post) {
  long rsA = transA ? 1 : K, csA = transA ? M : 1;
  long rsB = transB ? 1 : N, csB = transB ? K : 1;
  return sgemm_epilogue(M, N, K, A, rsA, csA, B, rsB, csB, C, N, 0, NULL, 0, post);
}
