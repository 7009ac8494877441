// Native kernels: column sums of a row-major [M, N] matrix (the bias gradients: Sum over every axis but the last).
#include <string.h>
#include "tn.h"

#define MAX_PARTS 64

typedef struct {
  long M;
  int N;
  const float *x;
  double *parts; /* parts x N accumulators in the caller's memory */
} sum_job;

/* Double accumulators: a 128x26x26 batch sums 86k terms a column, where float32 would drift from the reference. */
static int sum_task(void *p, int t, int nt) {
  sum_job *j = p;
  long r0 = j->M * t / nt, r1 = j->M * (t + 1) / nt;
  double *acc = j->parts + (size_t)t * j->N;
  memset(acc, 0, (size_t)j->N * sizeof(double));
  for (long r = r0; r < r1; r++) {
    const float *row = j->x + r * j->N;
    for (int k = 0; k < j->N; k++) acc[k] += row[k];
  }
  return TN_OK;
}

/* Rows are cut into parts by size and the caller's thread count only and the partial sums added in part order,
   so the result is the same bits whether the parts ran on the pool or one after another here. */
int tn_sum_rows_parts(long M, int N) {
  int parts = M * N >= 65536 ? tn_threads() : 1;
  if (parts > MAX_PARTS) parts = MAX_PARTS;
  return parts < 1 ? 1 : parts;
}

void tn_sum_rows_combine(int parts, int N, const double *acc, float *out) {
  for (int k = 0; k < N; k++) {
    double s = 0;
    for (int t = 0; t < parts; t++) s += acc[(size_t)t * N + k];
    out[k] = (float)s;
  }
}

int tn_sum_rows(long M, int N, const float *x, float *out) {
  int parts = tn_sum_rows_parts(M, N);
  /* The calling thread's scratch, not a pool worker's: it stays in this call until the sum below is done. */
  double *acc = (double *)tn_scratch(4, (size_t)parts * N * 2);
  if (!acc) return TN_ENOMEM;
  sum_job j = {M, N, x, acc};
  int err = tn_parallel(sum_task, &j, parts);
  if (err) return err;
  tn_sum_rows_combine(parts, N, acc, out);
  return TN_OK;
}
