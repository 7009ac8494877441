// Native kernels: batch normalisation over a row-major [M, C] matrix (channel last: M = N·H·W rows), training
// forward (batch statistics and the moving-statistics update), its gradient, and inference with given statistics.
#include <math.h>
#include <string.h>
#include "tn.h"

#define MAX_PARTS 64
/* Below this many elements one part: the pool's hand-off costs more than the pass. */
#define MIN_PARALLEL 65536

/* Rows cut by size and the caller's thread count only (as tn_sum_rows): the per-channel sums below are added in
   part order afterwards, so their bits depend on the count, never on what other threads are doing. */
static int parts_for(long M, int C) {
  int parts = (double)M * C >= MIN_PARALLEL ? tn_threads() : 1;
  if (parts > MAX_PARTS) parts = MAX_PARTS;
  if (parts > M) parts = (int)M;
  return parts < 1 ? 1 : parts;
}

typedef struct {
  long M;
  int C;
  const float *x, *dy;
  const float *shift; /* per channel: subtracted before summing (statistics: x's first row; gradient: the mean) */
  double *parts;      /* parts x 2C accumulators in the caller's scratch */
} stats_job;

/* Per channel, over this part's rows: s1 = sum(d), s2 = sum(d*d) with d = x - shift (forward), or s1 = sum(dy),
   s2 = sum(dy*d) (gradient). Shifting by a value of the channel keeps s2 - s1²/M exact enough in double. */
static int stats_task(void *p, int t, int nt) {
  stats_job *j = p;
  long r0 = j->M * t / nt, r1 = j->M * (t + 1) / nt;
  const int C = j->C;
  double *restrict s1 = j->parts + (size_t)t * 2 * C, *restrict s2 = s1 + C;
  const float *restrict shift = j->shift;
  memset(s1, 0, (size_t)C * 2 * sizeof(double));
  for (long r = r0; r < r1; r++) {
    const float *restrict x = j->x + r * C;
    if (j->dy) {
      const float *restrict g = j->dy + r * C;
      for (int k = 0; k < C; k++) {
        double d = (double)x[k] - shift[k];
        s1[k] += g[k];
        s2[k] += g[k] * d;
      }
    } else {
      for (int k = 0; k < C; k++) {
        double d = (double)x[k] - shift[k];
        s1[k] += d;
        s2[k] += d * d;
      }
    }
  }
  return TN_OK;
}

/* out = (x - a)·b + c per channel (forward), or out = (dy - c - (x - a)·d)·b (gradient, dy given). */
typedef struct {
  long M;
  int C;
  const float *x, *dy;
  const float *a, *b, *c, *d;
  float *out;
} apply_job;

static int apply_task(void *p, int t, int nt) {
  apply_job *j = p;
  long r0 = j->M * t / nt, r1 = j->M * (t + 1) / nt;
  const int C = j->C;
  const float *restrict a = j->a, *restrict b = j->b, *restrict c = j->c, *restrict d = j->d;
  for (long r = r0; r < r1; r++) {
    const float *restrict x = j->x + r * C;
    float *restrict o = j->out + r * C;
    if (j->dy) {
      const float *restrict g = j->dy + r * C;
      for (int k = 0; k < C; k++) o[k] = (g[k] - c[k] - (x[k] - a[k]) * d[k]) * b[k];
    } else {
      for (int k = 0; k < C; k++) o[k] = (x[k] - a[k]) * b[k] + c[k];
    }
  }
  return TN_OK;
}

/* Each element on its own: any split gives the same bits. */
static int apply(apply_job *j) { return tn_parallel(apply_task, j, parts_for(j->M, j->C)); }

/* Per-channel sums of the job's rows into s1[C], s2[C] (double), parts added in part order. */
static int channel_sums(stats_job *j, double *s1, double *s2) {
  int parts = parts_for(j->M, j->C);
  int err = tn_parallel(stats_task, j, parts);
  if (err) return err;
  const int C = j->C;
  for (int k = 0; k < C; k++) {
    double a = 0, b = 0;
    for (int t = 0; t < parts; t++) {
      a += j->parts[(size_t)t * 2 * C + k];
      b += j->parts[(size_t)t * 2 * C + C + k];
    }
    s1[k] = a;
    s2[k] = b;
  }
  return TN_OK;
}

/* Caller-owned scratch: parts x 2C partials, 2C totals, then per-channel float constants (4C). */
static double *bn_scratch(long M, int C, float **consts) {
  size_t doubles = (size_t)(parts_for(M, C) + 1) * 2 * C;
  double *s = (double *)tn_scratch(6, doubles * 2 + (size_t)C * 4);
  if (s) *consts = (float *)(s + doubles);
  return s;
}

int tn_bn_infer(long M, int C, const float *x, const float *mean, const float *var, const float *scale,
                const float *offset, double eps, float *y) {
  float *k;
  if (!bn_scratch(0, C, &k)) return TN_ENOMEM;
  float *b = k, *c = k + C;
  for (int i = 0; i < C; i++) {
    b[i] = (float)((scale ? (double)scale[i] : 1.0) / sqrt((double)var[i] + (double)eps));
    c[i] = offset ? offset[i] : 0.0f;
  }
  apply_job j = {M, C, x, NULL, mean, b, c, NULL, y};
  return apply(&j);
}

int tn_bn_train(long M, int C, const float *x, const float *gamma, const float *beta, double eps, double momentum,
                const float *moving_mean, const float *moving_var, float *y, float *mean, float *var,
                float *new_mean, float *new_var) {
  if (M < 1) return TN_OK;
  float *k;
  double *s = bn_scratch(M, C, &k);
  if (!s) return TN_ENOMEM;
  double *s1 = s + (size_t)parts_for(M, C) * 2 * C, *s2 = s1 + C;
  stats_job sj = {M, C, x, NULL, x, s};
  int err = channel_sums(&sj, s1, s2);
  if (err) return err;
  float *b = k, *c = k + C;
  /* As tfjs-layers' doMovingAverage, in float32: v - (v - batch)·(1 - momentum). */
  const float decay = (float)(1.0 - momentum);
  for (int i = 0; i < C; i++) {
    double m = s1[i] / (double)M;
    double v = (s2[i] - s1[i] * m) / (double)M;
    mean[i] = (float)(x[i] + m);
    var[i] = (float)(v < 0 ? 0 : v); /* rounding can dip below 0; NaN stays NaN, as in tfjs */
    b[i] = (float)((double)gamma[i] / sqrt((double)var[i] + (double)eps));
    c[i] = beta[i];
    float dm = moving_mean[i] - mean[i], dv = moving_var[i] - var[i];
    new_mean[i] = moving_mean[i] - dm * decay;
    new_var[i] = moving_var[i] - dv * decay;
  }
  apply_job aj = {M, C, x, NULL, mean, b, c, NULL, y};
  return apply(&aj);
}

/* With xc = x - mean, inv = 1/sqrt(var + eps): dbeta = Σdy, dgamma = Σdy·xc·inv,
   dx = gamma·inv·(dy - dbeta/M - xc·inv²·Σ(dy·xc)/M). */
int tn_bn_grad(long M, int C, const float *x, const float *dy, const float *mean, const float *var,
               const float *gamma, double eps, float *dx, float *dgamma, float *dbeta) {
  float *k;
  double *s = bn_scratch(M, C, &k);
  if (!s) return TN_ENOMEM;
  double *s1 = s + (size_t)parts_for(M, C) * 2 * C, *s2 = s1 + C;
  if (M < 1) {
    for (int i = 0; i < C; i++) dgamma[i] = dbeta[i] = 0;
    return TN_OK;
  }
  stats_job sj = {M, C, x, dy, mean, s};
  int err = channel_sums(&sj, s1, s2);
  if (err) return err;
  float *b = k, *c = k + C, *d = k + 2 * C;
  for (int i = 0; i < C; i++) {
    double inv = 1.0 / sqrt((double)var[i] + (double)eps);
    dbeta[i] = (float)s1[i];
    dgamma[i] = (float)(s2[i] * inv);
    b[i] = (float)((double)gamma[i] * inv);
    c[i] = (float)(s1[i] / (double)M);
    d[i] = (float)(s2[i] * inv * inv / (double)M);
  }
  apply_job aj = {M, C, x, dy, mean, b, c, d, dx};
  return apply(&aj);
}
