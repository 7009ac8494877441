// Native kernels: layer normalisation over the last axis of a row-major [M, C] matrix (each row normalised by its own
// mean and variance), the training forward and its gradient, for the engine's LayerNormalization (models/layerNorm.ts).
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tn.h"

/* No clones under ThreadSanitizer: its runtime is not up yet when the loader runs the clones' ifunc resolver. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__SANITIZE_THREAD__)
#define TN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TN_CLONES
#endif

#define MAX_PARTS 64
/* Below this many elements one part: the pool's hand-off costs more than the pass. */
#define MIN_PARALLEL 65536
/* The gamma/beta gradient sums over rows in parts of this many rows (at most MAX_PARTS parts), added in part order:
   the cut depends on M only, so the bits do not depend on the thread count. */
#define ROWS_PER_PART 256

static int row_parts(long M, int C) {
  int parts = (double)M * C >= MIN_PARALLEL ? tn_threads() : 1;
  if (parts > MAX_PARTS) parts = MAX_PARTS;
  if (parts > M) parts = (int)M;
  return parts < 1 ? 1 : parts;
}

static int sum_parts(long M) {
  long p = (M + ROWS_PER_PART - 1) / ROWS_PER_PART;
  if (p > MAX_PARTS) p = MAX_PARTS;
  return p < 1 ? 1 : (int)p;
}

typedef struct {
  long M;
  int C;
  double eps;
  const float *x, *gamma, *beta, *dy;
  float *y, *mean, *rstd; /* forward: y [M, C], mean and 1/sqrt(var + eps) [M]; gradient: y is dx */
  double *partials;       /* gradient: parts x 2C sums (dgamma, dbeta) */
  int parts;
  int rows8; /* the statistics of 8 rows per AVX-512 register (layernorm_rows8.h) */
} ln_job;

#include "layernorm_rows8.h"


/* The forward's statistics of rows r .. r + ROWS_AT_ONCE − 1 run interleaved: each row keeps its own accumulator and
   order (the same bits as one row at a time), but the adds of different rows overlap instead of waiting on one
   chain's latency (forward 5.6 -> 2.8 ms of CPU on 25,088 rows of 112; the gradient's sums, interleaved the same way,
   measured no faster: its per-element work, not the chain, bounds it). */
#define ROWS_AT_ONCE 4

/* Each row on its own, in one thread: any split gives the same bits. Statistics in double, two passes. */
static int forward_task(void *p, int t, int nt) {
  ln_job *j = p;
  long r0 = j->M * t / nt, r1 = j->M * (t + 1) / nt;
  const long whole = r0 + (r1 - r0) / ROWS_AT_ONCE * ROWS_AT_ONCE;
  const int C = j->C;
  /* A multiple of 8 rows (so of ROWS_AT_ONCE: the blocks below keep their alignment) through the AVX-512 path. */
  const long start = j->rows8 ? ln_forward_rows8(j, r0, r1) : r0;
  for (long r = start; r < r1; r++) {
    const float *restrict x = j->x + r * C;
    float *restrict y = j->y + r * C;
    if (r < whole && (r - r0) % ROWS_AT_ONCE == 0) {
      /* The block's statistics at once; its rows' outputs below, one row per iteration as before. */
      double s[ROWS_AT_ONCE] = {0}, q[ROWS_AT_ONCE] = {0}, mu[ROWS_AT_ONCE];
      for (int k = 0; k < C; k++)
        for (int b = 0; b < ROWS_AT_ONCE; b++) s[b] += x[(long)b * C + k];
      for (int b = 0; b < ROWS_AT_ONCE; b++) mu[b] = s[b] / C;
      for (int k = 0; k < C; k++)
        for (int b = 0; b < ROWS_AT_ONCE; b++) {
          double d = x[(long)b * C + k] - mu[b];
          q[b] += d * d;
        }
      for (int b = 0; b < ROWS_AT_ONCE; b++) {
        j->mean[r + b] = (float)mu[b];
        j->rstd[r + b] = (float)(1.0 / sqrt(q[b] / C + j->eps));
      }
    } else if (r >= whole) {
      /* The rows after the last whole block: one at a time. */
      double s = 0;
      for (int k = 0; k < C; k++) s += x[k];
      const double mean = s / C;
      double v = 0;
      for (int k = 0; k < C; k++) {
        double d = x[k] - mean;
        v += d * d;
      }
      j->mean[r] = (float)mean;
      j->rstd[r] = (float)(1.0 / sqrt(v / C + j->eps));
    }
    const float m = j->mean[r], rs = j->rstd[r];
    for (int k = 0; k < C; k++) {
      float h = (x[k] - m) * rs;
      y[k] = (j->gamma ? h * j->gamma[k] : h) + (j->beta ? j->beta[k] : 0.0f);
    }
  }
  return TN_OK;
}

/* dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·gamma and x̂ = (x − mean)·rstd, row by row. */
static int dx_task(void *p, int t, int nt) {
  ln_job *j = p;
  long r0 = j->M * t / nt, r1 = j->M * (t + 1) / nt;
  const int C = j->C;
  const long start = j->rows8 ? ln_grad_rows8(j, r0, r1, NULL, NULL) : r0;
  for (long r = start; r < r1; r++) {
    const float *restrict x = j->x + r * C, *restrict dy = j->dy + r * C;
    float *restrict dx = j->y + r * C;
    const float m = j->mean[r], rs = j->rstd[r];
    double sg = 0, sgx = 0;
    for (int k = 0; k < C; k++) {
      float g = j->gamma ? dy[k] * j->gamma[k] : dy[k];
      float h = (x[k] - m) * rs;
      sg += g;
      sgx += (double)g * h;
    }
    const float a = (float)(sg / C), b = (float)(sgx / C);
    for (int k = 0; k < C; k++) {
      float g = j->gamma ? dy[k] * j->gamma[k] : dy[k];
      float h = (x[k] - m) * rs;
      dx[k] = rs * (g - a - h * b);
    }
  }
  return TN_OK;
}

/* Part t of the fixed row cut: dgamma = Σ dy·x̂, dbeta = Σ dy over its rows, in double. */
static int param_task(void *p, int t, int nt) {
  ln_job *j = p;
  (void)nt;
  long r0 = j->M * t / j->parts, r1 = j->M * (t + 1) / j->parts;
  const int C = j->C;
  double *restrict sg = j->partials + (size_t)t * 2 * C, *restrict sb = sg + C;
  memset(sg, 0, (size_t)C * 2 * sizeof(double));
  for (long r = r0; r < r1; r++) {
    const float *restrict x = j->x + r * C, *restrict dy = j->dy + r * C;
    const float m = j->mean[r], rs = j->rstd[r];
    for (int k = 0; k < C; k++) {
      float h = (x[k] - m) * rs;
      sg[k] += (double)dy[k] * h;
      sb[k] += dy[k];
    }
  }
  return TN_OK;
}

/* dx and the part's dgamma/dbeta sums in one pass over x and dy: executor t takes the fixed parts t, t + nt, ... of the
   sums' row cut, and for each of its rows writes dx (as dx_task) and adds into the part's sums (as param_task). Every
   dx row and every part's sums are the same operations in the same order as the two passes': the same bits, with x
   and dy read once instead of twice (WORKBENCH_NATIVE_LN_GRAD=split: the two passes). */
/* Part q of fused_task; built for AVX2 as well as the baseline, picked at load time (no contraction in either build,
   the element-wise float and double operations the same IEEE ones: the same bits; the row sums stay one chain). */
TN_CLONES static void fused_part(const ln_job *j, int q) {
  const int C = j->C;
  long r0 = j->M * q / j->parts, r1 = j->M * (q + 1) / j->parts;
  double *restrict sg = j->partials + (size_t)q * 2 * C, *restrict sb = sg + C;
  const float *restrict gamma = j->gamma;
  memset(sg, 0, (size_t)C * 2 * sizeof(double));
  const long start = j->rows8 ? ln_grad_rows8(j, r0, r1, sg, sb) : r0;
  for (long r = start; r < r1; r++) {
    const float *restrict x = j->x + r * C, *restrict dy = j->dy + r * C;
    float *restrict dx = j->y + r * C;
    const float m = j->mean[r], rs = j->rstd[r];
    double rg = 0, rgx = 0;
    for (int k = 0; k < C; k++) {
      float g = gamma ? dy[k] * gamma[k] : dy[k];
      float h = (x[k] - m) * rs;
      rg += g;
      rgx += (double)g * h;
    }
    const float a = (float)(rg / C), b = (float)(rgx / C);
    if (gamma)
      for (int k = 0; k < C; k++) {
        float h = (x[k] - m) * rs;
        dx[k] = rs * (dy[k] * gamma[k] - a - h * b);
        sg[k] += (double)dy[k] * h;
        sb[k] += dy[k];
      }
    else
      for (int k = 0; k < C; k++) {
        float h = (x[k] - m) * rs;
        dx[k] = rs * (dy[k] - a - h * b);
        sg[k] += (double)dy[k] * h;
        sb[k] += dy[k];
      }
  }
}

static int fused_task(void *p, int t, int nt) {
  ln_job *j = p;
  for (int q = t; q < j->parts; q += nt) fused_part(j, q);
  return TN_OK;
}

static unsigned long fused_calls;
unsigned long tn_ln_grad_fused_calls(void) { return __atomic_load_n(&fused_calls, __ATOMIC_RELAXED); }

static int fused_wanted(void) {
  const char *e = getenv("WORKBENCH_NATIVE_LN_GRAD");
  return !(e && strcmp(e, "split") == 0);
}

int tn_ln_forward(long M, int C, const float *x, const float *gamma, const float *beta, double eps, float *y,
                  float *mean, float *rstd) {
  ln_job j = {M, C, eps, x, gamma, beta, NULL, y, mean, rstd, NULL, 0, ln_rows8_wanted(M, 0)};
  const int err = tn_parallel(forward_task, &j, row_parts(M, C));
  if (!err && j.rows8) __atomic_add_fetch(&rows8_calls[0], 1, __ATOMIC_RELAXED);
  return err;
}

int tn_ln_grad(long M, int C, const float *x, const float *dy, const float *mean, const float *rstd, const float *gamma,
               float *dx, float *dgamma, float *dbeta) {
  ln_job j = {M, C, 0, x, gamma, NULL, dy, dx, (float *)mean, (float *)rstd, NULL, 0, ln_rows8_wanted(M, 1)};
  const int fused = (dgamma || dbeta) && fused_wanted();
  int err = fused ? TN_OK : tn_parallel(dx_task, &j, row_parts(M, C));
  if (!err && !fused && j.rows8) __atomic_add_fetch(&rows8_calls[1], 1, __ATOMIC_RELAXED);
  if (err || (!dgamma && !dbeta)) return err;
  j.parts = sum_parts(M);
  j.partials = (double *)tn_scratch(7, (size_t)j.parts * 2 * C * 2);
  if (!j.partials) return TN_ENOMEM;
  if (fused) {
    const int nt = row_parts(M, C);
    err = tn_parallel(fused_task, &j, nt < j.parts ? nt : j.parts);
    if (!err) __atomic_add_fetch(&fused_calls, 1, __ATOMIC_RELAXED);
    if (!err && j.rows8) __atomic_add_fetch(&rows8_calls[1], 1, __ATOMIC_RELAXED);
  } else {
    err = tn_parallel(param_task, &j, j.parts);
  }
  if (err) return err;
  for (int k = 0; k < C; k++) {
    double g = 0, b = 0;
    for (int t = 0; t < j.parts; t++) {
      g += j.partials[(size_t)t * 2 * C + k];
      b += j.partials[(size_t)t * 2 * C + C + k];
    }
    if (dgamma) dgamma[k] = (float)g;
    if (dbeta) dbeta[k] = (float)b;
  }
  return TN_OK;
}
