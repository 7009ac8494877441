// Native kernels: the element-wise ops that run over whole activation tensors in a CNN step
// (bias add, relu, its gradient mask, products), split over the thread pool.
#include <math.h>
#include "tn.h"

enum { OP_ADD, OP_ADD_ROW, OP_MUL, OP_RELU, OP_STEP, OP_ADD_ROW_RELU };

typedef struct {
  int op;
  long n, cols;
  const float *a, *b;
  float *out;
  float alpha;
} elt_job;

static int elt_task(void *p, int t, int nt) {
  elt_job *j = p;
  long i0 = j->n * t / nt, i1 = j->n * (t + 1) / nt;
  const float *restrict a = j->a, *restrict b = j->b;
  float *restrict o = j->out;
  switch (j->op) {
    case OP_ADD:
      for (long i = i0; i < i1; i++) o[i] = a[i] + b[i];
      break;
    case OP_ADD_ROW: {
      /* b is one row broadcast over every row of a; split on row boundaries. */
      long r0 = i0 / j->cols, r1 = i1 / j->cols;
      if (t == nt - 1) r1 = j->n / j->cols;
      for (long r = r0; r < r1; r++) {
        const float *ar = a + r * j->cols;
        float *orow = o + r * j->cols;
        for (long k = 0; k < j->cols; k++) orow[k] = ar[k] + b[k];
      }
      break;
    }
    case OP_ADD_ROW_RELU: {
      /* tfjs's Add of the bias row, then its Relu (z < 0 ? 0 : z, NaN stays NaN), in one pass. */
      long r0 = i0 / j->cols, r1 = i1 / j->cols;
      if (t == nt - 1) r1 = j->n / j->cols;
      for (long r = r0; r < r1; r++) {
        const float *ar = a + r * j->cols;
        float *orow = o + r * j->cols;
        for (long k = 0; k < j->cols; k++) {
          const float z = ar[k] + b[k];
          orow[k] = z < 0.0f ? 0.0f : z;
        }
      }
      break;
    }
    case OP_MUL:
      for (long i = i0; i < i1; i++) o[i] = a[i] * b[i];
      break;
    case OP_RELU:
      /* As tfjs's cpu kernel: x < 0 ? 0 : x, so NaN stays NaN. */
      for (long i = i0; i < i1; i++) o[i] = a[i] < 0.0f ? 0.0f : a[i];
      break;
    case OP_STEP: {
      const float alpha = j->alpha;
      for (long i = i0; i < i1; i++) o[i] = a[i] > 0.0f ? 1.0f : (a[i] != a[i] ? a[i] : alpha);
      break;
    }
  }
  return TN_OK;
}

/* Every element on its own: the split cannot change a number. */
static int run(elt_job *j) { return tn_parallel(elt_task, j, j->n >= 65536 ? tn_threads() : 1); }

int tn_add(long n, const float *a, const float *b, float *out) {
  elt_job j = {OP_ADD, n, 1, a, b, out, 0};
  return run(&j);
}
int tn_add_row(long rows, long cols, const float *a, const float *row, float *out) {
  elt_job j = {OP_ADD_ROW, rows * cols, cols, a, row, out, 0};
  return run(&j);
}
int tn_add_row_relu(long rows, long cols, const float *a, const float *row, float *out) {
  elt_job j = {OP_ADD_ROW_RELU, rows * cols, cols, a, row, out, 0};
  return run(&j);
}
int tn_mul(long n, const float *a, const float *b, float *out) {
  elt_job j = {OP_MUL, n, 1, a, b, out, 0};
  return run(&j);
}
int tn_relu(long n, const float *x, float *out) {
  elt_job j = {OP_RELU, n, 1, x, NULL, out, 0};
  return run(&j);
}
int tn_step(long n, const float *x, float alpha, float *out) {
  elt_job j = {OP_STEP, n, 1, x, NULL, out, alpha};
  return run(&j);
}
