// Native kernels: max pooling (NHWC) and its gradient, parallel over images. Ties go to the first maximum, as in tfjs.
#include <float.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include "tn.h"

/* 16-byte vectors: native on every x86-64 (SSE2) and ARM (NEON); wider ones get scalarised without AVX. */
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));

/* The hot tasks are built for AVX2 too (wider vectors; for the fused pass, its double sums), picked at load time: only
   compares, selects, multiplies and adds, no FMA in either clone (neither target has it), so both give the same bits. The sanitizers' runtimes cannot run ifunc resolvers. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__) && \
    !defined(__SANITIZE_ADDRESS__)
#define POOL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define POOL_CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

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

/* y[k] = max over the window of v[k], NaN never taken (v > y ? v : y, as before): four channels at a time in registers,
   the window loop inside, so each output is stored once instead of read and written per window position. */
INLINE void window_max(const float *restrict xi, int w, int c, int y0, int y1, int x0, int x1, float *restrict y) {
  int k = 0;
  for (; k + 8 <= c; k += 8) {
    v4f m0 = {-INFINITY, -INFINITY, -INFINITY, -INFINITY}, m1 = m0;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        const float *v = xi + ((size_t)iy * w + ix) * c + k;
        v4f a, b;
        memcpy(&a, v, 16);
        memcpy(&b, v + 4, 16);
        v4i ga = a > m0, gb = b > m1;
        m0 = (v4f)(((v4i)a & ga) | ((v4i)m0 & ~ga));
        m1 = (v4f)(((v4i)b & gb) | ((v4i)m1 & ~gb));
      }
    memcpy(y + k, &m0, 16);
    memcpy(y + k + 4, &m1, 16);
  }
  for (; k < c; k++) {
    float m = -INFINITY;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        float v = xi[((size_t)iy * w + ix) * c + k];
        m = v > m ? v : m;
      }
    y[k] = m;
  }
}

POOL_CLONES static int maxpool_task(void *p, int t, int nt) {
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
        window_max(xi, g->w, c, y0, y1, x0, x1, y);
      }
  }
  return TN_OK;
}

/* Images are independent, so the split over them cannot change a number. */
int tn_maxpool(const tn_pool *g, const float *x, float *y) {
  if (tn_pool2_max_covers(g)) return tn_pool2_max(g, x, y); /* 2x2 stride 2: pool2_relu.c, the same bits */
  pool_job j = {g, x, NULL, y};
  return tn_parallel(maxpool_task, &j, tn_threads());
}

/* Per-channel window state of the executing thread: heap scratch, not a channel-sized array on a thread's stack
   (secondary threads may have as little as 512 KB of stack). Used only while the part runs. */
static int window_state(int c, float **vals, int **idx) {
  float *s = tn_scratch(5, (size_t)c * 2);
  if (!s) return TN_ENOMEM;
  *vals = s;
  *idx = (int *)(s + c);
  return TN_OK;
}

/* Overlapping windows (3x3 stride 2): dx is zeroed, then each window adds its dy to its first maximum. The max and the
   first-hit masks run over channels without branches (they vectorise); a window of only -inf or NaN routes nothing,
   as tfjs's (its max position stays -1). */
static void grad_image_overlap(const tn_pool *g, const float *xi, const float *dyi, float *di, float *m, int *done) {
  const int c = g->c;
  memset(di, 0, (size_t)g->h * g->w * c * sizeof(float));
  for (int oy = 0; oy < g->oh; oy++)
    for (int ox = 0; ox < g->ow; ox++) {
      int y0, y1, x0, x1;
      window(g, oy, ox, &y0, &y1, &x0, &x1);
      for (int k = 0; k < c; k++) m[k] = -INFINITY;
      for (int iy = y0; iy < y1; iy++)
        for (int ix = x0; ix < x1; ix++) {
          const float *v = xi + ((size_t)iy * g->w + ix) * c;
          for (int k = 0; k < c; k++) m[k] = v[k] > m[k] ? v[k] : m[k];
        }
      const float *d = dyi + ((size_t)oy * g->ow + ox) * c;
      for (int k = 0; k < c; k++) done[k] = m[k] == -INFINITY ? -1 : 0;
      for (int iy = y0; iy < y1; iy++)
        for (int ix = x0; ix < x1; ix++) {
          const size_t off = ((size_t)iy * g->w + ix) * c;
          const float *v = xi + off;
          float *o = di + off;
          int k = 0;
          for (; k + 4 <= c; k += 4) {
            v4f vv, mm, dd, oo;
            v4i dn;
            memcpy(&vv, v + k, 16); memcpy(&mm, m + k, 16); memcpy(&dd, d + k, 16); memcpy(&dn, done + k, 16);
            memcpy(&oo, o + k, 16);
            v4i hit = (vv == mm) & ~dn;
            /* Only hit lanes change: adding +0 elsewhere would turn a -0 sum into +0. */
            v4f sum = oo + dd;
            v4i r = ((v4i)sum & hit) | ((v4i)oo & ~hit);
            dn |= hit;
            memcpy(o + k, &r, 16);
            memcpy(done + k, &dn, 16);
          }
          for (; k < c; k++) {
            int hit = v[k] == m[k] && !done[k];
            if (hit) o[k] += d[k];
            done[k] |= hit ? -1 : 0;
          }
        }
    }
}

/* The same windows in registers (WORKBENCH_POOL_GRAD_REGS=0 turns it off): per window and block of 8 channels the
   max, then the first-hit mask and the adds, with no window state in memory. Each dx element still receives its adds
   in window order (blocks of channels are independent), from 0, only in hit lanes, and an all -inf / NaN window
   routes nothing: grad_image_overlap's bits. Channels past the last whole block go through its scalar form. */
typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
INLINE void overlap_blocks(const tn_pool *g, const float *restrict xi, const float *restrict d, float *restrict di,
                           int y0, int y1, int x0, int x1, int k, const int NB) {
  const int c = g->c;
  const v8f ninf = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  v8f m[4], dd[4];
  v8i dn[4];
#pragma GCC unroll 4
  for (int b = 0; b < NB; b++) m[b] = ninf;
  for (int iy = y0; iy < y1; iy++)
    for (int ix = x0; ix < x1; ix++) {
      const float *v = xi + ((size_t)iy * g->w + ix) * c + k;
#pragma GCC unroll 4
      for (int b = 0; b < NB; b++) {
        v8f a;
        memcpy(&a, v + 8 * b, 32);
        v8i ga = a > m[b];
        m[b] = (v8f)(((v8i)a & ga) | ((v8i)m[b] & ~ga));
      }
    }
#pragma GCC unroll 4
  for (int b = 0; b < NB; b++) {
    memcpy(&dd[b], d + k + 8 * b, 32);
    dn[b] = m[b] == ninf;
  }
  for (int iy = y0; iy < y1; iy++)
    for (int ix = x0; ix < x1; ix++) {
      const size_t off = ((size_t)iy * g->w + ix) * c + k;
#pragma GCC unroll 4
      for (int b = 0; b < NB; b++) {
        v8f a, oo;
        memcpy(&a, xi + off + 8 * b, 32);
        memcpy(&oo, di + off + 8 * b, 32);
        v8i hit = (a == m[b]) & ~dn[b];
        /* Only hit lanes change: adding +0 elsewhere would turn a -0 sum into +0. */
        v8f sum = oo + dd[b];
        v8i r = ((v8i)sum & hit) | ((v8i)oo & ~hit);
        dn[b] |= hit;
        memcpy(di + off + 8 * b, &r, 32);
      }
    }
}
INLINE void grad_image_overlap_regs(const tn_pool *g, const float *restrict xi, const float *restrict dyi,
                                    float *restrict di) {
  const int c = g->c, c8 = c & ~7;
  memset(di, 0, (size_t)g->h * g->w * c * sizeof(float));
  for (int oy = 0; oy < g->oh; oy++)
    for (int ox = 0; ox < g->ow; ox++) {
      int y0, y1, x0, x1;
      window(g, oy, ox, &y0, &y1, &x0, &x1);
      const float *d = dyi + ((size_t)oy * g->ow + ox) * c;
      int k = 0;
      /* Four blocks at once: their max chains are independent, so they overlap in the pipeline. */
      for (; k + 32 <= c8; k += 32) overlap_blocks(g, xi, d, di, y0, y1, x0, x1, k, 4);
      for (; k < c8; k += 8) overlap_blocks(g, xi, d, di, y0, y1, x0, x1, k, 1);
      for (int k = c8; k < c; k++) {
        float m = -INFINITY;
        for (int iy = y0; iy < y1; iy++)
          for (int ix = x0; ix < x1; ix++) {
            float v = xi[((size_t)iy * g->w + ix) * c + k];
            m = v > m ? v : m;
          }
        int done = m == -INFINITY;
        for (int iy = y0; iy < y1 && !done; iy++)
          for (int ix = x0; ix < x1; ix++) {
            const size_t off = ((size_t)iy * g->w + ix) * c + k;
            if (xi[off] == m) {
              di[off] += d[k];
              done = 1;
              break;
            }
          }
      }
    }
}

POOL_CLONES static int maxpool_grad_regs_task(void *p, int t, int nt) {
  pool_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const size_t img = (size_t)g->h * g->w * g->c;
  for (int b = i0; b < i1; b++)
    grad_image_overlap_regs(g, j->x + b * img, j->dy + (size_t)b * g->oh * g->ow * g->c, j->out + b * img);
  return TN_OK;
}

/* Overlapping windows (3x3 stride 2): dx is zeroed, then each window adds its dy to its first maximum. The max and the
   first-hit masks run over channels without branches (they vectorise); a window of only -inf or NaN routes nothing,
   as tfjs's (its max position stays -1). */
static int maxpool_grad_task(void *p, int t, int nt) {
  pool_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  float *m;
  int *done;
  if (window_state(g->c, &m, &done)) return TN_ENOMEM;
  const size_t img = (size_t)g->h * g->w * g->c;
  for (int b = i0; b < i1; b++)
    grad_image_overlap(g, j->x + b * img, j->dy + (size_t)b * g->oh * g->ow * g->c, j->out + b * img, m, done);
  return TN_OK;
}

/* One window of the non-overlapping case: the first position equal to the window max takes dy, later ties 0 (masks,
   so it vectorises); eight channels at a time with the max and the taken-mask in registers. */
INLINE void window_grad(const float *restrict xi, float *restrict di, const float *restrict d, int w, int c, int y0,
                        int y1, int x0, int x1) {
  int k = 0;
  for (; k + 8 <= c; k += 8) {
    v4f m0 = {-INFINITY, -INFINITY, -INFINITY, -INFINITY}, m1 = m0, d0, d1;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        const float *v = xi + ((size_t)iy * w + ix) * c + k;
        v4f a, b;
        memcpy(&a, v, 16);
        memcpy(&b, v + 4, 16);
        v4i ga = a > m0, gb = b > m1;
        m0 = (v4f)(((v4i)a & ga) | ((v4i)m0 & ~ga));
        m1 = (v4f)(((v4i)b & gb) | ((v4i)m1 & ~gb));
      }
    memcpy(&d0, d + k, 16);
    memcpy(&d1, d + k + 4, 16);
    v4i n0 = {0, 0, 0, 0}, n1 = n0;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        const size_t off = ((size_t)iy * w + ix) * c + k;
        v4f a, b;
        memcpy(&a, xi + off, 16);
        memcpy(&b, xi + off + 4, 16);
        v4i h0 = (a == m0) & ~n0, h1 = (b == m1) & ~n1;
        v4i r0 = (v4i)d0 & h0, r1 = (v4i)d1 & h1;
        n0 |= h0;
        n1 |= h1;
        memcpy(di + off, &r0, 16);
        memcpy(di + off + 4, &r1, 16);
      }
  }
  for (; k < c; k++) {
    float m = -INFINITY;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        float v = xi[((size_t)iy * w + ix) * c + k];
        m = v > m ? v : m;
      }
    int done = 0;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        const size_t off = ((size_t)iy * w + ix) * c + k;
        int hit = xi[off] == m && !done;
        di[off] = hit ? d[k] : 0.0f;
        done |= hit;
      }
  }
}

/* Windows that do not overlap (stride >= pool, the usual 2x2/2): each input goes to at most one window,
   so dx is written once per position (0 or dy) instead of zeroed and scattered into (zeroed first only where
   some inputs lie in no window). */
INLINE void grad_image_tiled(const tn_pool *g, const float *xi, const float *dyi, float *di) {
  const int c = g->c;
  int covered = g->sh == g->ph && g->sw == g->pw && g->pt == 0 && g->pl == 0 && g->oh * g->ph == g->h && g->ow * g->pw == g->w;
  if (!covered) memset(di, 0, (size_t)g->h * g->w * c * sizeof(float));
  for (int oy = 0; oy < g->oh; oy++)
    for (int ox = 0; ox < g->ow; ox++) {
      int y0, y1, x0, x1;
      window(g, oy, ox, &y0, &y1, &x0, &x1);
      window_grad(xi, di, dyi + ((size_t)oy * g->ow + ox) * c, g->w, c, y0, y1, x0, x1);
    }
}

POOL_CLONES static int maxpool_grad_tiled_task(void *p, int t, int nt) {
  pool_job *j = p;
  const tn_pool *g = j->g;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const size_t img = (size_t)g->h * g->w * g->c;
  for (int b = i0; b < i1; b++) grad_image_tiled(g, j->x + b * img, j->dy + (size_t)b * g->oh * g->ow * g->c, j->out + b * img);
  return TN_OK;
}

/* Each image's dx comes from that image alone (windows never cross images): the split cannot change a number. */
static unsigned long overlap_regs_calls;
unsigned long tn_maxpool_grad_regs_calls(void) { return __atomic_load_n(&overlap_regs_calls, __ATOMIC_RELAXED); }
int tn_maxpool_grad(const tn_pool *g, const float *x, const float *dy, float *dx) {
  pool_job j = {g, x, dy, dx};
  if (tn_maxpool_grad_2x2_covers(g) && tn_elt_bw_on()) { /* eltbw.c: the same windows, a band at a time */
    tn_elt_bw_count(TN_ELT_BW_MAXPOOL_GRAD);
    return tn_maxpool_grad_2x2(g, x, dy, dx);
  }
  if (g->sh >= g->ph && g->sw >= g->pw) return tn_parallel(maxpool_grad_tiled_task, &j, tn_threads());
  const char *e = getenv("WORKBENCH_POOL_GRAD_REGS");
  if (!(e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false")))) {
    __atomic_fetch_add(&overlap_regs_calls, 1, __ATOMIC_RELAXED);
    return tn_parallel(maxpool_grad_regs_task, &j, tn_threads());
  }
  return tn_parallel(maxpool_grad_task, &j, tn_threads());
}

/* ---- Max pooling's gradient fused with the relu mask and the bias gradient ---------------------------------------
   For a relu layer whose only consumer is a max pooling (the seed CNN's conv -> pool): dz = MaxPoolGrad(y, dy) *
   step(y) and db = Sum(dz) over every axis but the last, in one pass instead of MaxPoolGrad's dx (written, then read
   again by biasActGrad with y). The bits are those of the two kernels: dx is made by the same per-image code, the
   mask is biasActGrad's expression, and the rows are cut into tn_sum_rows's parts (by size and the caller's thread
   count only) and summed in row order into double partials combined in part order, as biasActGrad and Sum do. An
   image split between two parts is pooled by both into the executing thread's scratch, each keeping its own rows. */

typedef struct {
  const tn_pool *g;
  const float *y, *dy;
  float *dz;
  double *parts; /* parts x c column sums (the caller's memory) */
} relu_pool_job;

/* dst = src * step(y) (tfjs: step = y > 0 ? 1 : (NaN ? NaN : 0)) over `rows` rows of c channels, each row then added
   into acc in row order. dst may be src. */
INLINE void relu_mask_rows(const float *src, const float *y, float *dst, long rows, int c, double *restrict acc) {
  const v4f one = {1.0f, 1.0f, 1.0f, 1.0f};
  for (long r = 0; r < rows; r++) {
    const float *s = src + r * c, *yy = y + r * c;
    float *o = dst + r * c;
    int k = 0;
    for (; k + 4 <= c; k += 4) {
      v4f sv, yv;
      v4d a;
      memcpy(&sv, s + k, 16);
      memcpy(&yv, yy + k, 16);
      v4i gt = yv > 0.0f, nan = yv != yv;
      v4f ov = sv * (v4f)(((v4i)one & gt) | ((v4i)yv & nan));
      memcpy(o + k, &ov, 16);
      memcpy(&a, acc + k, 32);
      a += __builtin_convertvector(ov, v4d);
      memcpy(acc + k, &a, 32);
    }
    for (; k < c; k++) {
      float v = s[k] * (yy[k] > 0.0f ? 1.0f : (yy[k] != yy[k] ? yy[k] : 0.0f));
      o[k] = v;
      acc[k] += (double)v;
    }
  }
}

INLINE v4f relu_step4(v4f y) {
  const v4f one = {1.0f, 1.0f, 1.0f, 1.0f};
  v4i gt = y > 0.0f, nan = y != y;
  return (v4f)(((v4i)one & gt) | ((v4i)y & nan));
}

/* Pixels in no window: dx is 0 there, so dz = 0 * step(y) (+0, or NaN where y is NaN). */
INLINE void relu_zero_rows(const float *y, float *dz, long n) {
  const v4f zero = {0.0f, 0.0f, 0.0f, 0.0f};
  long i = 0;
  for (; i + 4 <= n; i += 4) {
    v4f v;
    memcpy(&v, y + i, 16);
    v = zero * relu_step4(v);
    memcpy(dz + i, &v, 16);
  }
  for (; i < n; i++) dz[i] = 0.0f * (y[i] > 0.0f ? 1.0f : (y[i] != y[i] ? y[i] : 0.0f));
}

/* acc[k] += row[k] for each of `rows` rows of c channels, in row order. */
INLINE void sum_rows_into(const float *x, long rows, int c, double *restrict acc) {
  for (long r = 0; r < rows; r++) {
    const float *row = x + r * c;
    int k = 0;
    for (; k + 4 <= c; k += 4) {
      v4f v;
      v4d a;
      memcpy(&v, row + k, 16);
      memcpy(&a, acc + k, 32);
      a += __builtin_convertvector(v, v4d);
      memcpy(acc + k, &a, 32);
    }
    for (; k < c; k++) acc[k] += (double)row[k];
  }
}

/* window_grad with relu's mask applied in registers: dz = (hit ? dy : 0) * step(y), the same products as masking
   window_grad's dx afterwards. */
INLINE void window_grad_relu(const float *restrict xi, float *restrict di, const float *restrict d, int w, int c, int y0,
                             int y1, int x0, int x1) {
  int k = 0;
  for (; k + 8 <= c; k += 8) {
    v4f m0 = {-INFINITY, -INFINITY, -INFINITY, -INFINITY}, m1 = m0, d0, d1;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        const float *v = xi + ((size_t)iy * w + ix) * c + k;
        v4f a, b;
        memcpy(&a, v, 16);
        memcpy(&b, v + 4, 16);
        v4i ga = a > m0, gb = b > m1;
        m0 = (v4f)(((v4i)a & ga) | ((v4i)m0 & ~ga));
        m1 = (v4f)(((v4i)b & gb) | ((v4i)m1 & ~gb));
      }
    memcpy(&d0, d + k, 16);
    memcpy(&d1, d + k + 4, 16);
    v4i n0 = {0, 0, 0, 0}, n1 = n0;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        const size_t off = ((size_t)iy * w + ix) * c + k;
        v4f a, b;
        memcpy(&a, xi + off, 16);
        memcpy(&b, xi + off + 4, 16);
        v4i h0 = (a == m0) & ~n0, h1 = (b == m1) & ~n1;
        v4f r0 = (v4f)((v4i)d0 & h0) * relu_step4(a), r1 = (v4f)((v4i)d1 & h1) * relu_step4(b);
        n0 |= h0;
        n1 |= h1;
        memcpy(di + off, &r0, 16);
        memcpy(di + off + 4, &r1, 16);
      }
  }
  for (; k < c; k++) {
    float m = -INFINITY;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        float v = xi[((size_t)iy * w + ix) * c + k];
        m = v > m ? v : m;
      }
    int done = 0;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) {
        const size_t off = ((size_t)iy * w + ix) * c + k;
        float v = xi[off];
        int hit = v == m && !done;
        di[off] = (hit ? d[k] : 0.0f) * (v > 0.0f ? 1.0f : (v != v ? v : 0.0f));
        done |= hit;
      }
  }
}

/* One whole image of the non-overlapping case, band by band (a band: the input rows of one row of windows), each band
   masked in registers and added to acc while in L1; rows in no window in between, in row order. */
INLINE void grad_image_tiled_relu(const tn_pool *g, const float *yi, const float *dyi, float *dzi, double *acc) {
  const int c = g->c;
  const size_t row = (size_t)g->w * c;
  int covered = g->sw == g->pw && g->pl == 0 && g->ow * g->pw == g->w;
  int next = 0;
  for (int oy = 0; oy < g->oh; oy++) {
    int y0, y1, x0, x1;
    window(g, oy, 0, &y0, &y1, &x0, &x1);
    if (y0 < next) y0 = next;
    if (y1 < y0) y1 = y0;
    relu_zero_rows(yi + next * row, dzi + next * row, (long)(y0 - next) * row);
    sum_rows_into(dzi + next * row, (long)(y0 - next) * g->w, c, acc);
    if (!covered) relu_zero_rows(yi + y0 * row, dzi + y0 * row, (long)(y1 - y0) * row);
    for (int ox = 0; ox < g->ow; ox++) {
      window(g, oy, ox, &y0, &y1, &x0, &x1);
      if (y0 < next) y0 = next;
      window_grad_relu(yi, dzi, dyi + ((size_t)oy * g->ow + ox) * c, g->w, c, y0, y1, x0, x1);
    }
    if (y1 < y0) y1 = y0;
    sum_rows_into(dzi + y0 * row, (long)(y1 - y0) * g->w, c, acc);
    next = y1;
  }
  relu_zero_rows(yi + next * row, dzi + next * row, (long)(g->h - next) * row);
  sum_rows_into(dzi + next * row, (long)(g->h - next) * g->w, c, acc);
}

POOL_CLONES static int maxpool_relu_grad_task(void *p, int t, int nt) {
  relu_pool_job *j = p;
  const tn_pool *g = j->g;
  const int c = g->c;
  const long hw = (long)g->h * g->w, M = (long)g->n * hw;
  const size_t dyImg = (size_t)g->oh * g->ow * c;
  long r0 = M * t / nt, r1 = M * (t + 1) / nt;
  double *acc = j->parts + (size_t)t * c;
  memset(acc, 0, (size_t)c * sizeof(double));
  if (r0 >= r1) return TN_OK;
  int tiled = g->sh >= g->ph && g->sw >= g->pw;
  float *m = NULL;
  int *done = NULL;
  if (!tiled && window_state(c, &m, &done)) return TN_ENOMEM;
  for (long b = r0 / hw; b * hw < r1; b++) {
    long a0 = b * hw, a1 = a0 + hw, s0 = a0 > r0 ? a0 : r0, s1 = a1 < r1 ? a1 : r1;
    const float *yi = j->y + (size_t)a0 * c, *dyi = j->dy + (size_t)b * dyImg;
    /* A whole image of this part: dx straight into dz, masked in place; a shared one: in scratch (the other part
       writes the other rows of dz). */
    if (tiled && s0 == a0 && s1 == a1) {
      grad_image_tiled_relu(g, yi, dyi, j->dz + (size_t)a0 * c, acc);
      continue;
    }
    float *di = s0 == a0 && s1 == a1 ? j->dz + (size_t)a0 * c : tn_scratch(2, (size_t)hw * c);
    if (!di) return TN_ENOMEM;
    if (tiled) grad_image_tiled(g, yi, dyi, di);
    else grad_image_overlap(g, yi, dyi, di, m, done);
    relu_mask_rows(di + (size_t)(s0 - a0) * c, j->y + (size_t)s0 * c, j->dz + (size_t)s0 * c, s1 - s0, c, acc);
  }
  return TN_OK;
}

int tn_maxpool_relu_grad(const tn_pool *g, const float *y, const float *dy, float *dz, float *db) {
  /* 2x2 stride-2 pools over a multiple of 8 channels: pool2_relu.c, the same bits window by window in registers. */
  if (tn_pool2_relu_grad_covers(g)) return tn_pool2_relu_grad(g, y, dy, dz, db);
  const long M = (long)g->n * g->h * g->w;
  int parts = tn_sum_rows_parts(M, g->c);
  /* The calling thread's scratch (slot 4, as tn_sum_rows): it stays in this call until the sums are combined. */
  double *acc = (double *)tn_scratch(4, (size_t)parts * g->c * 2);
  if (!acc) return TN_ENOMEM;
  relu_pool_job j = {g, y, dy, dz, acc};
  int err = tn_parallel(maxpool_relu_grad_task, &j, parts);
  if (err) return err;
  tn_sum_rows_combine(parts, g->c, acc, db);
  return TN_OK;
}

/* One image's max pooling and its gradient on the calling thread, the per-image code tn_maxpool and tn_maxpool_grad
   run (relu6_pool.c pools a relu6 image it made in scratch through these, so its bits are theirs). */
POOL_CLONES void tn_maxpool_image(const tn_pool *g, const float *xi, float *yi) {
  for (int oy = 0; oy < g->oh; oy++)
    for (int ox = 0; ox < g->ow; ox++) {
      int y0, y1, x0, x1;
      window(g, oy, ox, &y0, &y1, &x0, &x1);
      window_max(xi, g->w, g->c, y0, y1, x0, x1, yi + ((size_t)oy * g->ow + ox) * g->c);
    }
}
POOL_CLONES void tn_maxpool_grad_image(const tn_pool *g, const float *xi, const float *dyi, float *di) {
  if (g->sh >= g->ph && g->sw >= g->pw) grad_image_tiled(g, xi, dyi, di);
  else grad_image_overlap_regs(g, xi, dyi, di);
}
