// Native kernels: average pooling (NHWC) and its gradient, parallel over images, and the mean over the middle axes
// (global average pooling, batch moments). Window sums run in double, as tfjs's cpu backend sums in JS numbers.
#include <string.h>
#include "tn.h"

/* The loops are the same IEEE operations at any width (adds, one division or product, no multiply-add to contract):
   built for AVX-512 and AVX2 too, the CPU picks the width, the bits stay. */
#if defined(__x86_64__) && !defined(__clang__)
#define AVG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define AVG_CLONES
#endif

/* acc[0..W) += the W channels at v[0..W) of each window position, in window order; the accumulators of a block of W
   channels stay in registers over the whole window (the plain loop stored and reloaded them at every position). */
#define WINDOW_SUMS(W, BODY_ROWS, ROW_PTR, FINISH)                    \
  for (; k + W <= c; k += W) {                                         \
    double a[W];                                                       \
    for (int q = 0; q < W; q++) a[q] = 0;                              \
    BODY_ROWS {                                                        \
      const float *restrict v = (ROW_PTR) + k;                         \
      for (int q = 0; q < W; q++) a[q] += v[q];                        \
    }                                                                  \
    for (int q = 0; q < W; q++) FINISH;                                \
  }

typedef struct {
  const tn_pool *g;
  const float *x;
  float *out;
} avg_job;

AVG_CLONES static int avgpool_task(void *p, int t, int nt) {
  avg_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const int c = g->c;
  for (int img = i0; img < i1; img++) {
    const float *xi = j->x + (size_t)img * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        int ys = oy * g->sh - g->pt, xs = ox * g->sw - g->pl;
        int y0 = ys < 0 ? 0 : ys, y1 = ys + g->ph < g->h ? ys + g->ph : g->h;
        int x0 = xs < 0 ? 0 : xs, x1 = xs + g->pw < g->w ? xs + g->pw : g->w;
        /* tfjs divides by the in-bounds count ('same' padding is not averaged in). */
        double count = (double)(y1 - y0) * (x1 - x0);
        float *restrict y = j->out + (((size_t)img * g->oh + oy) * g->ow + ox) * c;
        int k = 0;
#define ROWS for (int iy = y0; iy < y1; iy++) for (int ix = x0; ix < x1; ix++)
        WINDOW_SUMS(32, ROWS, xi + ((size_t)iy * g->w + ix) * c, y[k + q] = (float)(a[q] / count))
        WINDOW_SUMS(8, ROWS, xi + ((size_t)iy * g->w + ix) * c, y[k + q] = (float)(a[q] / count))
        WINDOW_SUMS(1, ROWS, xi + ((size_t)iy * g->w + ix) * c, y[k + q] = (float)(a[q] / count))
#undef ROWS
      }
  }
  return TN_OK;
}

int tn_avgpool(const tn_pool *g, const float *x, float *y) {
  avg_job j = {g, x, y};
  return tn_parallel(avgpool_task, &j, tn_threads());
}

/* Gathers, per input position, dy of every window that covers it (windows in ascending order), times
   1 / (ph * pw): tfjs's gradient uses the full window size even where 'same' padding cut the window short. */
AVG_CLONES static int avgpool_grad_task(void *p, int t, int nt) {
  avg_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const int c = g->c;
  const double scale = 1.0 / ((double)g->ph * g->pw);
  for (int img = i0; img < i1; img++) {
    const float *dyi = j->x + (size_t)img * g->oh * g->ow * c;
    float *dxi = j->out + (size_t)img * g->h * g->w * c;
    for (int iy = 0; iy < g->h; iy++) {
      /* Windows oy with oy*sh - pt <= iy < oy*sh - pt + ph. */
      int a = iy + g->pt - g->ph + 1, b = iy + g->pt;
      int oy0 = a <= 0 ? 0 : (a + g->sh - 1) / g->sh, oy1 = b < 0 ? -1 : b / g->sh;
      if (oy1 > g->oh - 1) oy1 = g->oh - 1;
      for (int ix = 0; ix < g->w; ix++) {
        int e = ix + g->pl - g->pw + 1, f = ix + g->pl;
        int ox0 = e <= 0 ? 0 : (e + g->sw - 1) / g->sw, ox1 = f < 0 ? -1 : f / g->sw;
        if (ox1 > g->ow - 1) ox1 = g->ow - 1;
        float *restrict o = dxi + ((size_t)iy * g->w + ix) * c;
        int k = 0;
#define ROWS for (int oy = oy0; oy <= oy1; oy++) for (int ox = ox0; ox <= ox1; ox++)
        WINDOW_SUMS(32, ROWS, dyi + ((size_t)oy * g->ow + ox) * c, o[k + q] = (float)(a[q] * scale))
        WINDOW_SUMS(8, ROWS, dyi + ((size_t)oy * g->ow + ox) * c, o[k + q] = (float)(a[q] * scale))
        WINDOW_SUMS(1, ROWS, dyi + ((size_t)oy * g->ow + ox) * c, o[k + q] = (float)(a[q] * scale))
#undef ROWS
      }
    }
  }
  return TN_OK;
}

/* Each image's dx comes from that image's dy alone: the split cannot change a number. */
int tn_avgpool_grad(const tn_pool *g, const float *dy, float *dx) {
  avg_job j = {g, dy, dx};
  return tn_parallel(avgpool_grad_task, &j, tn_threads());
}

typedef struct {
  long outer, mid, inner;
  const float *x;
  float *y;
} mean_job;

static int mean_task(void *p, int t, int nt) {
  mean_job *j = p;
  long o0 = j->outer * t / nt, o1 = j->outer * (t + 1) / nt;
  const long inner = j->inner;
  for (long o = o0; o < o1; o++) {
    const float *x = j->x + o * j->mid * inner;
    float *y = j->y + o * inner;
    for (long k = 0; k < inner; k++) y[k] = 0;
    for (long m = 0; m < j->mid; m++)
      for (long k = 0; k < inner; k++) y[k] += x[m * inner + k];
    for (long k = 0; k < inner; k++) y[k] = y[k] / (float)j->mid;
  }
  return TN_OK;
}

/* y[o, k] = sum over m of x[o, m, k] / mid. One outer slice (batch moments) goes to the column sums, split by the
   caller's thread count like them; several (global average pooling) are split over o, each summed in one place. */
int tn_mean_mid(long outer, long mid, long inner, const float *x, float *y) {
  if (outer == 1) {
    int err = tn_sum_rows(mid, (int)inner, x, y);
    if (err) return err;
    for (long k = 0; k < inner; k++) y[k] = y[k] / (float)mid;
    return TN_OK;
  }
  mean_job j = {outer, mid, inner, x, y};
  return tn_parallel(mean_task, &j, outer * mid * inner >= 16384 && outer >= 2 ? tn_threads() : 1);
}
