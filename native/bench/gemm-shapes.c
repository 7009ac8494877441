// Bench tool: GFLOP/s of each GEMM variant on the seed CNN's exact GEMM calls (shapes and strides as conv.c and
// tn_matmul issue them), single-threaded per part and as 2 parallel parts. Build and run: node native/bench/gemm-shapes.mjs
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../src/tn.h"

int tn_gemm_avx512(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int);
int tn_gemm_openblas(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int);
int tn_blas_available(void);

typedef struct {
  const char *name;
  int M, N, K;
  int transA, transB; /* transA: A(i,k) = A[k*M + i] (col^T); transB: B(k,j) = B[j*K + k] */
  int accumulate;
  int parts; /* how many fixed parts the engine cuts it into at 2 threads: rows or images */
} shape;

/* Per-part calls. conv: images split over 2 parts, each part in chunks: forward and dX 262144 / (K + co) / rowsPerImg
   images (images_per_out_chunk), dW 262144 / K / rowsPerImg (images_per_chunk). */
static const shape shapes[] = {
  {"conv1 fwd   (9*676)x9 . 9x32 ", 9 * 676, 32, 9, 0, 0, 0, 1},
  {"conv1 dW    9x(43*676) . x32 ", 9, 32, 43 * 676, 1, 0, 1, 1},
  {"conv2 fwd   (6*121)x288 . x64", 6 * 121, 64, 288, 0, 0, 0, 1},
  {"conv2 dW    288x(7*121) . x64", 288, 64, 7 * 121, 1, 0, 1, 1},
  {"conv2 dX    (6*121)x64 . x288", 6 * 121, 288, 64, 0, 1, 0, 1},
  {"dense fwd   128x1600 . x128  ", 128, 128, 1600, 0, 0, 0, 2},
  {"dense dX    128x128 . x1600^T", 128, 1600, 128, 0, 1, 0, 2},
  {"dense dW    1600x128^T . x128", 1600, 128, 128, 1, 0, 0, 2},
};

typedef struct {
  const char *name;
  tn_gemm_fn fn;
} variant;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
  const shape *s;
  tn_gemm_fn fn;
  float *A, *B, *C;
} job;

static int part(void *p, int t, int n) {
  job *j = p;
  const shape *s = j->s;
  long rsA = s->transA ? 1 : s->K, csA = s->transA ? s->M : 1;
  long rsB = s->transB ? 1 : s->N, csB = s->transB ? s->K : 1;
  if (s->parts == 1) {
    /* conv: each part does the whole per-chunk call on its own copy (as each thread does on its own images) */
    float *C = j->C + (size_t)t * s->M * s->N;
    return j->fn(0, s->M, s->N, s->K, j->A, rsA, csA, j->B, rsB, csB, C, s->N, s->accumulate);
  }
  int tiles = (s->M + 5) / 6;
  int r0 = (int)((long)tiles * t / n) * 6, r1 = (int)((long)tiles * (t + 1) / n) * 6;
  if (r1 > s->M) r1 = s->M;
  return j->fn(r0, r1, s->N, s->K, j->A, rsA, csA, j->B, rsB, csB, j->C, s->N, s->accumulate);
}

static double bench(const shape *s, tn_gemm_fn fn, int threads, float *A, float *B, float *C) {
  job j = {s, fn, A, B, C};
  double flops = 2.0 * s->M * s->N * s->K * (s->parts == 1 ? threads : 1);
  int reps = (int)(2e8 / flops) + 1;
  double best = 1e9;
  for (int round = 0; round < 5; round++) {
    double t0 = now();
    for (int r = 0; r < reps; r++) {
      if (threads == 1) {
        if (s->parts == 1) part(&j, 0, 1);
        else fn(0, s->M, s->N, s->K, A, s->transA ? 1 : s->K, s->transA ? s->M : 1, B, s->transB ? 1 : s->N,
                s->transB ? s->K : 1, C, s->N, s->accumulate);
      } else {
        tn_parallel(part, &j, threads);
      }
    }
    double dt = (now() - t0) / reps;
    if (dt < best) best = dt;
  }
  return flops / best * 1e-9;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  tn_set_threads(threads);
  variant vs[] = {{"avx2", tn_gemm_avx2}, {"avx512", tn_gemm_avx512}, {"openblas", tn_gemm_openblas}};
  int nv = tn_blas_available() ? 3 : 2;
  printf("%d thread(s), GFLOP/s (best of 5)\n%-32s", threads, "shape");
  for (int v = 0; v < nv; v++) printf(" %9s", vs[v].name);
  printf("   max|avx512-avx2|  max|blas-avx2|\n");
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
    const shape *s = &shapes[i];
    size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N * 2;
    float *A = malloc(na * 4), *B = malloc(nb * 4), *C = calloc(nc, 4), *ref = calloc(nc, 4), *alt = calloc(nc, 4);
    srand(1);
    for (size_t k = 0; k < na; k++) A[k] = (float)rand() / RAND_MAX - 0.5f;
    for (size_t k = 0; k < nb; k++) B[k] = (float)rand() / RAND_MAX - 0.5f;
    printf("%-32s", s->name);
    double d512 = 0, dblas = 0;
    for (int v = 0; v < nv; v++) printf(" %9.1f", bench(s, vs[v].fn, threads, A, B, C));
    /* agreement, single call from zero */
    long rsA = s->transA ? 1 : s->K, csA = s->transA ? s->M : 1, rsB = s->transB ? 1 : s->N, csB = s->transB ? s->K : 1;
    tn_gemm_avx2(0, s->M, s->N, s->K, A, rsA, csA, B, rsB, csB, ref, s->N, 0);
    tn_gemm_avx512(0, s->M, s->N, s->K, A, rsA, csA, B, rsB, csB, alt, s->N, 0);
    for (size_t k = 0; k < (size_t)s->M * s->N; k++) {
      double d = ref[k] - alt[k];
      if (d < 0) d = -d;
      if (d > d512) d512 = d;
    }
    if (nv == 3) {
      tn_gemm_openblas(0, s->M, s->N, s->K, A, rsA, csA, B, rsB, csB, alt, s->N, 0);
      for (size_t k = 0; k < (size_t)s->M * s->N; k++) {
        double d = ref[k] - alt[k];
        if (d < 0) d = -d;
        if (d > dblas) dblas = d;
      }
    }
    printf("   %.3g  %.3g\n", d512, dblas);
    free(A), free(B), free(C), free(ref), free(alt);
  }
  return 0;
}
