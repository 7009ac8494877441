// Native kernels: column sums of a row-major [M, N] matrix (the bias gradients: Sum over every axis but the last).
#include <string.h>
#include "tn.h"

#define MAX_PARTS 64

typedef struct {
  long M;
  int N;
  const float *x;
  int used;
  double *parts[MAX_PARTS];
} sum_job;

/* Double accumulators: a 128x26x26 batch sums 86k terms a column, where float32 would drift from the reference. */
static void sum_task(void *p, int t, int nt) {
  sum_job *j = p;
  if (t == 0) j->used = nt;
  long r0 = j->M * t / nt, r1 = j->M * (t + 1) / nt;
  double *acc = (double *)tn_scratch(4, (size_t)j->N * 2);
  memset(acc, 0, (size_t)j->N * sizeof(double));
  for (long r = r0; r < r1; r++) {
    const float *row = j->x + r * j->N;
    for (int k = 0; k < j->N; k++) acc[k] += row[k];
  }
  j->parts[t] = acc;
}

void tn_sum_rows(long M, int N, const float *x, float *out) {
  sum_job j = {M, N, x, 1, {0}};
  if (M * N >= 65536 && tn_threads() <= MAX_PARTS) tn_parallel(sum_task, &j);
  else sum_task(&j, 0, 1);
  for (int k = 0; k < N; k++) {
    double s = 0;
    for (int t = 0; t < j.used; t++) s += j.parts[t][k];
    out[k] = (float)s;
  }
}
