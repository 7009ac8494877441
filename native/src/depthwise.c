// Native kernels: depthwise 2-D convolution (NHWC, filter [kh, kw, c, m]) forward and both gradients, any stride,
// dilation, padding and depth multiplier. Every output element is summed in one place in a fixed order (taps, then
// positions, ascending), so no split over threads can change a bit; the filter gradient's parts are fixed by shape.
// Built with -ffp-contract=off and an AVX2 clone chosen at load time: without fused multiply-adds both give the same bits.
// No clones under ThreadSanitizer (as layernorm.c: the stress harness's TSan build fails with their resolvers).
#include <stdlib.h>
#include <string.h>
#include "tn.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__SANITIZE_THREAD__)
#define TN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TN_CLONES
#endif

/* Eight channels: one AVX register in the avx2 clone, two SSE registers in the default one. */
typedef float v8 __attribute__((vector_size(32)));
static inline v8 ld(const float *p) {
  v8 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st(float *p, v8 v) { memcpy(p, &v, sizeof v); }

/* Output positions o (0 <= o < n) whose input o*s - pad + k*d lies in [0, len): [*lo, *hi). */
static void span(int n, int s, int pad, int kd, int len, int *lo, int *hi) {
  int a = pad - kd, b = len - 1 + pad - kd;
  *lo = a <= 0 ? 0 : (a + s - 1) / s;
  *hi = b < 0 ? 0 : b / s + 1;
  if (*hi > n) *hi = n;
  if (*lo > *hi) *lo = *hi;
}

typedef struct {
  const tn_dw *g;
  const float *a, *b;
  float *out;
  long units;    /* rows of work: forward n*oh, input gradient n*h, filter gradient n*oh */
  float *parts;  /* filter gradient: one kh*kw*c*m buffer per part */
  int nparts;    /* filter gradient: how many (fixed by shape) */
  int vec;       /* depthwise_avx512.c's register kernels take the rows (same bits) */
} dw_job;

/* depthwise_avx512.c (compiled with -mavx512f): only on a CPU with AVX-512F, depth multiplier 1, and unless
   WORKBENCH_DW_VEC=0 (or off, false). */
static unsigned long vec_calls;
unsigned long tn_dw_vec_calls(void) { return __atomic_load_n(&vec_calls, __ATOMIC_RELAXED); }
static int use_vec(const tn_dw *g) {
#if defined(__x86_64__) && defined(__GNUC__)
  const char *e = getenv("WORKBENCH_DW_VEC");
  if (e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false"))) return 0;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && tn_dw512_covers(g);
#else
  (void)g;
  return 0;
#endif
}

/* y[img, oy, ox, d*m + j] = sum over taps (ky, kx ascending, inside the image) of x[img, iy, ix, d] * f[ky, kx, d, j],
   summed from 0. The row is built tap by tap (each tap adds into every position it reaches), which is the same
   order for every element and keeps the row in L1 with the tap's filter values in registers. */
TN_CLONES static void forward_row(const tn_dw *g, const float *x, const float *f, float *y, int img, int oy) {
  const int c = g->c, m = g->m, co = c * m;
  const float *xi = x + (size_t)img * g->h * g->w * c;
  float *yr = y + ((size_t)img * g->oh + oy) * g->ow * co;
  memset(yr, 0, (size_t)g->ow * co * sizeof(float));
  for (int ky = 0; ky < g->kh; ky++) {
    int iy = oy * g->sh - g->pt + ky * g->dh;
    if (iy < 0 || iy >= g->h) continue;
    const float *xr = xi + (size_t)iy * g->w * c;
    for (int kx = 0; kx < g->kw; kx++) {
      int lo, hi;
      span(g->ow, g->sw, g->pl, kx * g->dw, g->w, &lo, &hi);
      if (lo >= hi) continue;
      const float *ft = f + (size_t)(ky * g->kw + kx) * co;
      const long xstep = (long)g->sw * c;
      const float *x0 = xr + ((long)lo * g->sw - g->pl + (long)kx * g->dw) * c;
      float *y0 = yr + (size_t)lo * co;
      if (m == 1) {
        int k = 0;
        for (; k + 8 <= c; k += 8) {
          const v8 fv = ld(ft + k);
          const float *xp = x0 + k;
          float *yp = y0 + k;
          for (int ox = lo; ox < hi; ox++, xp += xstep, yp += c) st(yp, ld(yp) + ld(xp) * fv);
        }
        for (; k < c; k++) {
          const float fv = ft[k];
          const float *xp = x0 + k;
          float *yp = y0 + k;
          for (int ox = lo; ox < hi; ox++, xp += xstep, yp += c) *yp += *xp * fv;
        }
        continue;
      }
      for (int ox = lo; ox < hi; ox++) {
        const float *xp = x0 + (long)(ox - lo) * xstep;
        float *yp = y0 + (size_t)(ox - lo) * co;
        for (int d = 0; d < c; d++)
          for (int j = 0; j < m; j++) yp[d * m + j] += xp[d] * ft[d * m + j];
      }
    }
  }
}

/* dx[img, iy, ix, d] = sum over the taps (ascending) whose window position reads (iy, ix), and within a tap over j
   ascending, of dy[img, oy, ox, d*m + j] * f[ky, kx, d, j], summed from 0; built tap by tap as the forward row. */
TN_CLONES static void input_grad_row(const tn_dw *g, const float *dy, const float *f, float *dx, int img, int iy) {
  const int c = g->c, m = g->m, co = c * m;
  const float *dyi = dy + (size_t)img * g->oh * g->ow * co;
  float *dxr = dx + ((size_t)img * g->h + iy) * g->w * c;
  memset(dxr, 0, (size_t)g->w * c * sizeof(float));
  for (int ky = 0; ky < g->kh; ky++) {
    int ty = iy + g->pt - ky * g->dh;
    if (ty < 0 || ty % g->sh) continue;
    int oy = ty / g->sh;
    if (oy >= g->oh) continue;
    const float *dyr = dyi + (size_t)oy * g->ow * co;
    for (int kx = 0; kx < g->kw; kx++) {
      int lo, hi;
      span(g->ow, g->sw, g->pl, kx * g->dw, g->w, &lo, &hi);
      if (lo >= hi) continue;
      const float *ft = f + (size_t)(ky * g->kw + kx) * co;
      const long xstep = (long)g->sw * c;
      float *x0 = dxr + ((long)lo * g->sw - g->pl + (long)kx * g->dw) * c;
      const float *d0 = dyr + (size_t)lo * co;
      if (m == 1) {
        int k = 0;
        for (; k + 8 <= c; k += 8) {
          const v8 fv = ld(ft + k);
          float *xp = x0 + k;
          const float *dp = d0 + k;
          for (int ox = lo; ox < hi; ox++, xp += xstep, dp += c) st(xp, ld(xp) + ld(dp) * fv);
        }
        for (; k < c; k++) {
          const float fv = ft[k];
          float *xp = x0 + k;
          const float *dp = d0 + k;
          for (int ox = lo; ox < hi; ox++, xp += xstep, dp += c) *xp += *dp * fv;
        }
        continue;
      }
      for (int ox = lo; ox < hi; ox++) {
        float *xp = x0 + (long)(ox - lo) * xstep;
        const float *dp = d0 + (size_t)(ox - lo) * co;
        for (int d = 0; d < c; d++)
          for (int j = 0; j < m; j++) xp[d] += dp[d * m + j] * ft[d * m + j];
      }
    }
  }
}

/* Adds one output row's products into a part's filter-gradient buffer p: for every tap, positions ox ascending. */
TN_CLONES static void filter_grad_row(const tn_dw *g, const float *x, const float *dy, float *p, int img, int oy) {
  const int c = g->c, m = g->m, co = c * m;
  const float *xi = x + (size_t)img * g->h * g->w * c;
  const float *dyr = dy + ((size_t)img * g->oh + oy) * g->ow * co;
  for (int ky = 0; ky < g->kh; ky++) {
    int iy = oy * g->sh - g->pt + ky * g->dh;
    if (iy < 0 || iy >= g->h) continue;
    const float *xr = xi + (size_t)iy * g->w * c;
    for (int kx = 0; kx < g->kw; kx++) {
      int lo, hi;
      span(g->ow, g->sw, g->pl, kx * g->dw, g->w, &lo, &hi);
      if (lo >= hi) continue;
      float *pt = p + (size_t)(ky * g->kw + kx) * co;
      const long xstep = (long)g->sw * c, x0 = ((long)lo * g->sw - g->pl + (long)kx * g->dw) * c;
      if (m == 1) {
        int k = 0;
        for (; k + 8 <= c; k += 8) {
          v8 acc = ld(pt + k);
          const float *xp = xr + x0 + k, *dp = dyr + (size_t)lo * c + k;
          for (int ox = lo; ox < hi; ox++, xp += xstep, dp += c) acc += ld(xp) * ld(dp);
          st(pt + k, acc);
        }
        for (; k < c; k++) {
          float acc = pt[k];
          const float *xp = xr + x0 + k, *dp = dyr + (size_t)lo * c + k;
          for (int ox = lo; ox < hi; ox++, xp += xstep, dp += c) acc += *xp * *dp;
          pt[k] = acc;
        }
        continue;
      }
      for (int ox = lo; ox < hi; ox++) {
        const float *xp = xr + x0 + (long)(ox - lo) * xstep, *dp = dyr + (size_t)ox * co;
        for (int d = 0; d < c; d++)
          for (int j = 0; j < m; j++) pt[d * m + j] += xp[d] * dp[d * m + j];
      }
    }
  }
}

static void rows_of(long units, int t, int nt, long *u0, long *u1) {
  *u0 = units * t / nt;
  *u1 = units * (t + 1) / nt;
}

static int forward_task(void *p, int t, int nt) {
  dw_job *j = p;
  long u0, u1;
  rows_of(j->units, t, nt, &u0, &u1);
  if (j->vec) return tn_dw512_forward_rows(j->g, j->a, j->b, j->out, u0, u1) ? TN_OK : TN_ENOMEM;
  for (long u = u0; u < u1; u++) forward_row(j->g, j->a, j->b, j->out, (int)(u / j->g->oh), (int)(u % j->g->oh));
  return TN_OK;
}

static int input_grad_task(void *p, int t, int nt) {
  dw_job *j = p;
  long u0, u1;
  rows_of(j->units, t, nt, &u0, &u1);
  if (j->vec) return tn_dw512_input_grad_rows(j->g, j->a, j->b, j->out, u0, u1) ? TN_OK : TN_ENOMEM;
  for (long u = u0; u < u1; u++) input_grad_row(j->g, j->a, j->b, j->out, (int)(u / j->g->h), (int)(u % j->g->h));
  return TN_OK;
}

/* Executor t of nt computes the fixed parts t, t + nt, ...: the parts, not the executors, decide the numbers. */
static int filter_grad_task(void *p, int t, int nt) {
  dw_job *j = p;
  const tn_dw *g = j->g;
  const size_t size = (size_t)g->kh * g->kw * g->c * g->m;
  for (int q = t; q < j->nparts; q += nt) {
    float *part = j->parts + (size_t)q * size;
    memset(part, 0, size * sizeof(float));
    long u0, u1;
    rows_of(j->units, q, j->nparts, &u0, &u1);
    if (j->vec && tn_dw512_filter_grad_rows(g, j->a, j->b, part, u0, u1)) continue;
    for (long u = u0; u < u1; u++) filter_grad_row(g, j->a, j->b, part, (int)(u / g->oh), (int)(u % g->oh));
  }
  return TN_OK;
}

/* Elementwise work below this many multiply-adds runs on the caller: the pool's hand-off costs more. */
#define PARALLEL_MIN 32768

static int threads_for(double macs) { return macs >= PARALLEL_MIN ? tn_threads() : 1; }

int tn_depthwise(const tn_dw *g, const float *x, const float *f, float *y) {
  dw_job j = {.g = g, .a = x, .b = f, .out = y, .units = (long)g->n * g->oh, .vec = use_vec(g)};
  int err = tn_parallel(forward_task, &j, threads_for((double)g->n * g->oh * g->ow * g->c * g->m * g->kh * g->kw));
  if (!err && j.vec) __atomic_fetch_add(&vec_calls, 1, __ATOMIC_RELAXED);
  return err;
}

int tn_depthwise_input_grad(const tn_dw *g, const float *dy, const float *f, float *dx) {
  dw_job j = {.g = g, .a = dy, .b = f, .out = dx, .units = (long)g->n * g->h, .vec = use_vec(g) && tn_dw512_covers_input_grad(g)};
  int err = tn_parallel(input_grad_task, &j, threads_for((double)g->n * g->oh * g->ow * g->c * g->m * g->kh * g->kw));
  if (!err && j.vec) __atomic_fetch_add(&vec_calls, 1, __ATOMIC_RELAXED);
  return err;
}

/* Parts of the filter gradient: a function of the shape alone (never of the thread count), so the partial sums and
   their addition in part order are the same on one thread or many. About 64 output rows per part, at most 32 parts. */
#define FG_MAX_PARTS 32
#define FG_ROWS_PER_PART 64

int tn_depthwise_filter_grad_parts(const tn_dw *g) {
  long units = (long)g->n * g->oh, parts = units / FG_ROWS_PER_PART;
  if (parts > FG_MAX_PARTS) parts = FG_MAX_PARTS;
  return parts < 1 ? 1 : (int)parts;
}

int tn_depthwise_filter_grad(const tn_dw *g, const float *x, const float *dy, float *df) {
  const int parts = tn_depthwise_filter_grad_parts(g);
  const size_t size = (size_t)g->kh * g->kw * g->c * g->m;
  /* The calling thread's scratch (slot 3, as the convolution's partials): it stays in this call until the sum. */
  float *buf = tn_scratch(3, (size_t)parts * size);
  if (!buf) return TN_ENOMEM;
  dw_job j = {.g = g, .a = x, .b = dy, .units = (long)g->n * g->oh, .parts = buf, .nparts = parts,
              .vec = use_vec(g) && g->kh == 3 && g->kw == 3};
  int nt = threads_for((double)g->n * g->oh * g->ow * g->c * g->m * g->kh * g->kw);
  int err = tn_parallel(filter_grad_task, &j, nt < parts ? nt : parts);
  if (err) return err;
  if (j.vec) __atomic_fetch_add(&vec_calls, 1, __ATOMIC_RELAXED);
  memcpy(df, buf, size * sizeof(float));
  for (int t = 1; t < parts; t++) {
    const float *pt = buf + (size_t)t * size;
    for (size_t i = 0; i < size; i++) df[i] += pt[i];
  }
  return TN_OK;
}
