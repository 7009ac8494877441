// Native kernels: the plain, AVX2 and (on a CPU that has it) AVX-512 builds of activation.c give the same bits for every function, forward and gradient,
// over random bit patterns (NaN, inf, subnormals) and ordinary values. Exit 0 when none differ.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tn.h"
/* activation.c's job layout. */
typedef struct { int fn; long n; const float *x, *y, *dy; float *out; } act_job;
int tn_act_task_generic(void *, int, int); int tn_act_task_avx2(void *, int, int);
int tn_act_grad_task_generic(void *, int, int); int tn_act_grad_task_avx2(void *, int, int);
int tn_act_task_avx512(void *, int, int); int tn_act_grad_task_avx512(void *, int, int); int tn_bias_act_grad_task_avx512(void *, int, int);
/* The tasks only; the pool is not linked. */
int tn_parallel(tn_task fn, void *ctx, int parts) { for (int t = 0; t < parts; t++) fn(ctx, t, parts); return 0; }
int tn_threads(void) { return 1; }
/* tn_bias_act_grad's helpers (reduce.c, the scratch) are not linked either: the tasks are compared directly below. */
int tn_sum_rows_parts(long M, int N) { (void)M; (void)N; return 1; }
void tn_sum_rows_combine(int parts, int N, const double *acc, float *out) { (void)parts; for (int k = 0; k < N; k++) out[k] = (float)acc[k]; }
float *tn_scratch(int slot, size_t floats) { (void)slot; return malloc(floats * 4); }
typedef struct { int fn; long M; int N; const float *x, *y, *dy; float *dz; double *parts; } bias_act_job;
int tn_bias_act_grad_task_generic(void *, int, int); int tn_bias_act_grad_task_avx2(void *, int, int);
int main(void) {
  long n = 1 << 22; float *x = malloc(n * 4), *y = malloc(n * 4), *dy = malloc(n * 4), *a = malloc(n * 4), *b = malloc(n * 4);
  srand(1);
  for (long i = 0; i < n; i++) { unsigned r = (unsigned)rand() * 2654435761u; float v; memcpy(&v, &r, 4); x[i] = (i % 2) ? v : ((float)rand() / RAND_MAX - 0.5f) * 40; y[i] = ((float)rand() / RAND_MAX - 0.5f) * 2; dy[i] = (float)rand() / RAND_MAX - 0.5f; }
  int bad = 0;
  int wide = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw");
  printf("avx512: %s\n", wide ? "compared" : "not on this CPU");
  for (int v = 0; v < 1 + wide; v++) {
    const char *name = v ? "avx512" : "avx2";
    tn_task fwd = v ? tn_act_task_avx512 : tn_act_task_avx2, bwd = v ? tn_act_grad_task_avx512 : tn_act_grad_task_avx2,
            bias = v ? tn_bias_act_grad_task_avx512 : tn_bias_act_grad_task_avx2;
  for (int fn = 0; fn < TN_ACT_COUNT; fn++) for (int g = 0; g < 2; g++) {
    act_job j1 = {fn, n, x, y, dy, a}, j2 = {fn, n, x, y, dy, b};
    if (g) { tn_act_grad_task_generic(&j1, 0, 1); bwd(&j2, 0, 1); } else { tn_act_task_generic(&j1, 0, 1); fwd(&j2, 0, 1); }
    /* NaN in, NaN out; which operand's payload a NaN * NaN keeps is the compiler's operand order (as in the sums
       below): a NaN for a NaN counts as equal, every other bit must match. */
    long diff = 0, nan = 0;
    for (long i = 0; i < n; i++) if (memcmp(a + i, b + i, 4)) { if (a[i] != a[i] && b[i] != b[i]) nan++; else diff++; }
    printf("%s fn %d grad %d: %ld differing (%ld NaN payloads)\n", name, fn, g, diff, nan); bad += diff != 0;
  }
  /* The fused activation + bias gradient (relu's mask too), dz and the double column sums, 2 parts of 48 columns. */
  for (int fn = 0; fn <= TN_ACT_RELU_MASK; fn++) {
    int N = 48; long M = n / N;
    double *s1 = calloc(2 * N, 8), *s2 = calloc(2 * N, 8);
    bias_act_job j1 = {fn, M, N, x, y, dy, a, s1}, j2 = {fn, M, N, x, y, dy, b, s2};
    for (int t = 0; t < 2; t++) { tn_bias_act_grad_task_generic(&j1, t, 2); bias(&j2, t, 2); }
    long diff = 0; for (long i = 0; i < M * N; i++) if (memcmp(a + i, b + i, 4)) diff++;
    /* Sums over NaN inputs may keep either NaN's payload (the adds' operand order is the compiler's): NaN is NaN. */
    for (int k = 0; k < 2 * N; k++) if (memcmp(s1 + k, s2 + k, 8) && !(s1[k] != s1[k] && s2[k] != s2[k])) diff++;
    printf("%s fn %d bias grad: %ld differing\n", name, fn, diff); bad += diff != 0;
    free(s1); free(s2);
  }
  }
  return bad;
}
