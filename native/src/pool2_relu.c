// Native kernels: max pooling's forward (pooling.c's tn_maxpool) and the fused max-pool + relu + bias gradient
// (tn_maxpool_relu_grad) for the common 2x2, stride-2, unpadded pool over a multiple of 8 channels (the seed CNN's
// pools), window by window in registers. The forward: the same compares in the same window order (v > m, from -inf).
// The same bits as pooling.c's general pass: the same parts (tn_sum_rows_parts over the same rows), per window the
// same compares (v > m, first maximum taken), dz = (hit ? dy : 0) * step(y) and 0 * step(y) outside every window,
// and each part's double sums of dz over its rows in row order; only the loop order over channels and pixels changes.
#include <stdlib.h>
#include <string.h>
#include "tn.h"
#include "pool2_vec.h"

typedef double v8d __attribute__((vector_size(64)));

/* Compares, selects, multiplies and double adds only (no FMA to contract), so every clone gives the same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__) && \
    !defined(__SANITIZE_ADDRESS__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

static unsigned long calls, bw_calls;
unsigned long tn_pool2_relu_grad_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }
/* Of those, the calls with the next band's y prefetched and the bias sums 32 channels side by side (WORKBENCH_POOL2_GRAD_BW). */
unsigned long tn_pool2_grad_bw_calls(void) { return __atomic_load_n(&bw_calls, __ATOMIC_RELAXED); }

/* WORKBENCH_POOL2_RELU_GRAD=0 (or off, false) keeps pooling.c's general pass: read per call, for A/B runs and tests. */
static int enabled(void) {
  const char *e = getenv("WORKBENCH_POOL2_RELU_GRAD");
  return !(e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false")));
}

int tn_pool2_relu_grad_covers(const tn_pool *g) {
  return g->ph == 2 && g->pw == 2 && g->sh == 2 && g->sw == 2 && g->pt == 0 && g->pl == 0 && g->c % 8 == 0 &&
         g->oh == g->h / 2 && g->ow == g->w / 2 && g->oh >= 1 && g->ow >= 1 && enabled();
}

INLINE void st(float *p, v8f v) { memcpy(p, &v, sizeof v); }

/* relu's step as pooling.c's relu_step4: 1 where y > 0, y itself where y is NaN, else 0. */
INLINE v8f step8(v8f y) {
  const v8f one = {1, 1, 1, 1, 1, 1, 1, 1};
  v8i gt = y > 0.0f, nan = y != y;
  return (v8f)(((v8i)one & gt) | ((v8i)y & nan));
}

/* One band (input rows 2 oy and 2 oy + 1, all windows of the row) into out (2 rows of w pixels); a last odd column 0 * step. */
INLINE void band(const tn_pool *g, const float *yb, const float *dyr, float *out, int pf) {
  const int c = g->c, w = g->w;
  const size_t row = (size_t)w * c;
  for (int ox = 0; ox < g->ow; ox++) {
    const size_t p = (size_t)2 * ox * c;
    for (int k = 0; k < c; k += 8) {
      /* pf: the next band's y, a band ahead of its loads (a hint only: never faults, changes no value). */
      if (pf && !(k & 15)) {
        __builtin_prefetch(yb + 2 * row + p + k);
        __builtin_prefetch(yb + 2 * row + p + c + k);
        __builtin_prefetch(yb + 3 * row + p + k);
        __builtin_prefetch(yb + 3 * row + p + c + k);
      }
      v8f a = ld(yb + p + k), b = ld(yb + p + c + k), e = ld(yb + row + p + k), f = ld(yb + row + p + c + k);
      v8i hit[4];
      first_max4(a, b, e, f, max4(a, b, e, f), hit);
      v8f d = ld(dyr + (size_t)ox * c + k);
      st(out + p + k, (v8f)((v8i)d & hit[0]) * step8(a));
      st(out + p + c + k, (v8f)((v8i)d & hit[1]) * step8(b));
      st(out + row + p + k, (v8f)((v8i)d & hit[2]) * step8(e));
      st(out + row + p + c + k, (v8f)((v8i)d & hit[3]) * step8(f));
    }
  }
  if (w & 1) {
    const v8f zero = {0, 0, 0, 0, 0, 0, 0, 0};
    const size_t p = (size_t)(w - 1) * c;
    for (int r = 0; r < 2; r++)
      for (int k = 0; k < c; k += 8) st(out + r * row + p + k, zero * step8(ld(yb + r * row + p + k)));
  }
}

/* acc[k] += x[r][k] over rows r in order, 8 channels at a time with their sums in registers across the rows. */
INLINE void sum_rows8(const float *x, long rows, int c, double *acc) {
  for (int k = 0; k < c; k += 8) {
    v8d s;
    memcpy(&s, acc + k, sizeof s);
    for (long r = 0; r < rows; r++) s += __builtin_convertvector(ld(x + (size_t)r * c + k), v8d);
    memcpy(acc + k, &s, sizeof s);
  }
}

/* sum_rows8 with up to 4 groups of 8 channels summed side by side over the rows (4 independent add chains instead of
   one at a time): each acc[k] still adds x[r][k] for r in order, so the same sums. */
INLINE void sum_rows32(const float *x, long rows, int c, double *acc) {
  int k = 0;
  for (; k + 32 <= c; k += 32) {
    v8d s0, s1, s2, s3;
    memcpy(&s0, acc + k, sizeof s0);
    memcpy(&s1, acc + k + 8, sizeof s1);
    memcpy(&s2, acc + k + 16, sizeof s2);
    memcpy(&s3, acc + k + 24, sizeof s3);
    const float *p = x + k;
    for (long r = 0; r < rows; r++, p += c) {
      s0 += __builtin_convertvector(ld(p), v8d);
      s1 += __builtin_convertvector(ld(p + 8), v8d);
      s2 += __builtin_convertvector(ld(p + 16), v8d);
      s3 += __builtin_convertvector(ld(p + 24), v8d);
    }
    memcpy(acc + k, &s0, sizeof s0);
    memcpy(acc + k + 8, &s1, sizeof s1);
    memcpy(acc + k + 16, &s2, sizeof s2);
    memcpy(acc + k + 24, &s3, sizeof s3);
  }
  for (; k < c; k += 8) {
    v8d s0;
    memcpy(&s0, acc + k, sizeof s0);
    for (long r = 0; r < rows; r++) s0 += __builtin_convertvector(ld(x + (size_t)r * c + k), v8d);
    memcpy(acc + k, &s0, sizeof s0);
  }
}

/* WORKBENCH_POOL2_GRAD_BW=0 (or off, false): the bias sums one group of 8 channels at a time (A/B runs; per call). */
static int bw_enabled(void) {
  const char *e = getenv("WORKBENCH_POOL2_GRAD_BW");
  return !(e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false")));
}

typedef struct {
  const tn_pool *g;
  const float *y, *dy;
  float *dz;
  double *parts;
  int bw;
} job;

CLONES static int task(void *p, int t, int nt) {
  const job *j = p;
  const tn_pool *g = j->g;
  const int c = g->c, w = g->w;
  const long hw = (long)g->h * w, M = (long)g->n * hw;
  const size_t row = (size_t)w * c;
  long r0 = M * t / nt, r1 = M * (t + 1) / nt;
  double *acc = j->parts + (size_t)t * c;
  memset(acc, 0, (size_t)c * sizeof(double));
  if (r0 >= r1) return TN_OK;
  float *tmp = NULL;
  for (long b = r0 / hw; b * hw < r1; b++) {
    const long a0 = b * hw;
    /* This part's pixels of image b, image-relative. */
    const long s0 = (a0 > r0 ? a0 : r0) - a0, s1 = (a0 + hw < r1 ? a0 + hw : r1) - a0;
    const float *yi = j->y + (size_t)a0 * c, *dyi = j->dy + (size_t)b * g->oh * g->ow * c;
    float *dzi = j->dz + (size_t)a0 * c;
    for (int oy = 0; oy < g->oh; oy++) {
      const long q0 = (long)2 * oy * w, q1 = q0 + 2L * w;
      const long u0 = q0 > s0 ? q0 : s0, u1 = q1 < s1 ? q1 : s1;
      if (u0 >= u1) continue;
      if (u0 == q0 && u1 == q1) {
        band(g, yi + q0 * c, dyi + (size_t)oy * g->ow * c, dzi + q0 * c, j->bw);
      } else {
        /* A band shared with the other part: computed whole in scratch, only this part's pixels written. */
        if (!tmp && !(tmp = tn_scratch(2, 2 * row))) return TN_ENOMEM;
        band(g, yi + q0 * c, dyi + (size_t)oy * g->ow * c, tmp, j->bw);
        memcpy(dzi + u0 * c, tmp + (u0 - q0) * c, (size_t)(u1 - u0) * c * sizeof(float));
      }
      if (j->bw) sum_rows32(dzi + u0 * c, u1 - u0, c, acc);
      else sum_rows8(dzi + u0 * c, u1 - u0, c, acc);
    }
    /* A last odd row: in no window. */
    const long z0 = (long)2 * g->oh * w > s0 ? (long)2 * g->oh * w : s0;
    if (z0 < s1) {
      const v8f zero = {0, 0, 0, 0, 0, 0, 0, 0};
      for (size_t i = (size_t)z0 * c; i < (size_t)s1 * c; i += 8) st(dzi + i, zero * step8(ld(yi + i)));
      if (j->bw) sum_rows32(dzi + z0 * c, s1 - z0, c, acc);
      else sum_rows8(dzi + z0 * c, s1 - z0, c, acc);
    }
  }
  (void)row;
  return TN_OK;
}

int tn_pool2_relu_grad(const tn_pool *g, const float *y, const float *dy, float *dz, float *db) {
  const long M = (long)g->n * g->h * g->w;
  int parts = tn_sum_rows_parts(M, g->c);
  /* The calling thread's scratch (slot 4, as pooling.c): it stays in this call until the sums are combined. */
  double *acc = (double *)tn_scratch(4, (size_t)parts * g->c * 2);
  if (!acc) return TN_ENOMEM;
  job j = {g, y, dy, dz, acc, bw_enabled()};
  int err = tn_parallel(task, &j, parts);
  if (err) return err;
  tn_sum_rows_combine(parts, g->c, acc, db);
  __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
  if (j.bw) __atomic_fetch_add(&bw_calls, 1, __ATOMIC_RELAXED);
  return TN_OK;
}

static unsigned long max_calls;
unsigned long tn_pool2_max_calls(void) { return __atomic_load_n(&max_calls, __ATOMIC_RELAXED); }

/* WORKBENCH_POOL2_MAX=0 (or off, false) keeps pooling.c's general forward: read per call. */
int tn_pool2_max_covers(const tn_pool *g) {
  const char *e = getenv("WORKBENCH_POOL2_MAX");
  if (e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false"))) return 0;
  return g->ph == 2 && g->pw == 2 && g->sh == 2 && g->sw == 2 && g->pt == 0 && g->pl == 0 && g->c % 8 == 0 &&
         g->oh == g->h / 2 && g->ow == g->w / 2 && g->oh >= 1 && g->ow >= 1;
}

typedef struct {
  const tn_pool *g;
  const float *x;
  float *y;
} max_job;

CLONES static int max_task(void *p, int t, int nt) {
  const max_job *j = p;
  const tn_pool *g = j->g;
  const int c = g->c;
  const size_t row = (size_t)g->w * c;
  const int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  for (int img = i0; img < i1; img++) {
    const float *xi = j->x + (size_t)img * g->h * row;
    float *yi = j->y + (size_t)img * g->oh * g->ow * c;
    for (int oy = 0; oy < g->oh; oy++) {
      const float *xb = xi + (size_t)2 * oy * row;
      float *yr = yi + (size_t)oy * g->ow * c;
      for (int ox = 0; ox < g->ow; ox++) {
        const size_t q = (size_t)2 * ox * c;
        for (int k = 0; k < c; k += 8) {
          v8f a = ld(xb + q + k), b = ld(xb + q + c + k), e = ld(xb + row + q + k), f = ld(xb + row + q + c + k);
          st(yr + (size_t)ox * c + k, max4(a, b, e, f));
        }
      }
    }
  }
  return TN_OK;
}

/* Images are independent, so the split over them cannot change a number (as tn_maxpool). */
int tn_pool2_max(const tn_pool *g, const float *x, float *y) {
  max_job j = {g, x, y};
  int err = tn_parallel(max_task, &j, tn_threads());
  if (!err) __atomic_fetch_add(&max_calls, 1, __ATOMIC_RELAXED);
  return err;
}
