// Native kernels: max pooling (NHWC) and its gradient, parallel over images. Ties go to the first maximum, as in tfjs.
#include <float.h>
#include <math.h>
#include <string.h>
#include "tn.h"

typedef struct {
  const tn_pool *g;
  const float *x, *dy;
  float *out;
} pool_job;

static void window(const tn_pool *g, int oy, int ox, int *y0, int *y1, int *x0, int *x1) {
  int ys = oy * g->sh - g->pt, xs = ox * g->sw - g->pl;
  *y0 = ys < 0 ? 0 : ys;
  *y1 = ys + g->ph < g->h ? ys + g->ph : g->h;
  *x0 = xs < 0 ? 0 : xs;
  *x1 = xs + g->pw < g->w ? xs + g->pw : g->w;
}

static void maxpool_task(void *p, int t, int nt) {
  pool_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const int c = g->c;
  for (int img = i0; img < i1; img++) {
    const float *xi = j->x + (size_t)img * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        float *y = j->out + (((size_t)img * g->oh + oy) * g->ow + ox) * c;
        int y0, y1, x0, x1;
        window(g, oy, ox, &y0, &y1, &x0, &x1);
        for (int k = 0; k < c; k++) y[k] = -INFINITY;
        for (int iy = y0; iy < y1; iy++)
          for (int ix = x0; ix < x1; ix++) {
            const float *v = xi + ((size_t)iy * g->w + ix) * c;
            for (int k = 0; k < c; k++) y[k] = v[k] > y[k] ? v[k] : y[k];
          }
      }
  }
}

void tn_maxpool(const tn_pool *g, const float *x, float *y) {
  pool_job j = {g, x, NULL, y};
  tn_parallel(maxpool_task, &j);
}

static void maxpool_grad_task(void *p, int t, int nt) {
  pool_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const int c = g->c;
  float best[c];
  int at[c];
  memset(j->out + (size_t)i0 * g->h * g->w * c, 0, (size_t)(i1 - i0) * g->h * g->w * c * sizeof(float));
  for (int img = i0; img < i1; img++) {
    const size_t base = (size_t)img * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        int y0, y1, x0, x1;
        window(g, oy, ox, &y0, &y1, &x0, &x1);
        for (int k = 0; k < c; k++) {
          best[k] = -INFINITY;
          at[k] = -1;
        }
        for (int iy = y0; iy < y1; iy++)
          for (int ix = x0; ix < x1; ix++) {
            const int off = (iy * g->w + ix) * c;
            const float *v = j->x + base + off;
            for (int k = 0; k < c; k++)
              if (v[k] > best[k]) {
                best[k] = v[k];
                at[k] = off + k;
              }
          }
        const float *d = j->dy + (((size_t)img * g->oh + oy) * g->ow + ox) * c;
        for (int k = 0; k < c; k++)
          if (at[k] >= 0) j->out[base + at[k]] += d[k];
      }
  }
}

void tn_maxpool_grad(const tn_pool *g, const float *x, const float *dy, float *dx) {
  pool_job j = {g, x, dy, dx};
  tn_parallel(maxpool_grad_task, &j);
}
