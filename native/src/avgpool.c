// Native kernels: average pooling (NHWC) and its gradient, parallel over images, and the mean over the middle axes
// (global average pooling, batch moments). Window sums run in double, as tfjs's cpu backend sums in JS numbers.
#include <string.h>
#include "tn.h"

typedef struct {
  const tn_pool *g;
  const float *x;
  float *out;
} avg_job;

/* Per-channel double accumulators of the executing thread, used only while its part runs (slot 5, as max pooling). */
static double *accumulators(int c) {
  float *s = tn_scratch(5, (size_t)c * 2 + 2);
  if (!s) return NULL;
  /* Scratch is at least 16-byte aligned; step to 8 bytes in any case. */
  return (double *)(((size_t)s + 7) & ~(size_t)7);
}

static int avgpool_task(void *p, int t, int nt) {
  avg_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const int c = g->c;
  double *acc = accumulators(c);
  if (!acc) return TN_ENOMEM;
  for (int img = i0; img < i1; img++) {
    const float *xi = j->x + (size_t)img * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        int ys = oy * g->sh - g->pt, xs = ox * g->sw - g->pl;
        int y0 = ys < 0 ? 0 : ys, y1 = ys + g->ph < g->h ? ys + g->ph : g->h;
        int x0 = xs < 0 ? 0 : xs, x1 = xs + g->pw < g->w ? xs + g->pw : g->w;
        for (int k = 0; k < c; k++) acc[k] = 0;
        for (int iy = y0; iy < y1; iy++)
          for (int ix = x0; ix < x1; ix++) {
            const float *v = xi + ((size_t)iy * g->w + ix) * c;
            for (int k = 0; k < c; k++) acc[k] += v[k];
          }
        /* tfjs divides by the in-bounds count ('same' padding is not averaged in). */
        double count = (double)(y1 - y0) * (x1 - x0);
        float *y = j->out + (((size_t)img * g->oh + oy) * g->ow + ox) * c;
        for (int k = 0; k < c; k++) y[k] = (float)(acc[k] / count);
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
static int avgpool_grad_task(void *p, int t, int nt) {
  avg_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const int c = g->c;
  double *acc = accumulators(c);
  if (!acc) return TN_ENOMEM;
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
        for (int k = 0; k < c; k++) acc[k] = 0;
        for (int oy = oy0; oy <= oy1; oy++)
          for (int ox = ox0; ox <= ox1; ox++) {
            const float *d = dyi + ((size_t)oy * g->ow + ox) * c;
            for (int k = 0; k < c; k++) acc[k] += d[k];
          }
        float *o = dxi + ((size_t)iy * g->w + ix) * c;
        for (int k = 0; k < c; k++) o[k] = (float)(acc[k] * scale);
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
