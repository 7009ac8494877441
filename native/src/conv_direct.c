// Native kernels: direct forward convolution (NHWC, AVX-512) for strided layers with several input channels: no im2col
// matrix, no packing; each window row is read straight from the image. Compiled with -mavx512f on x86 only.
// Bits: each output is exactly the avx512/avx2 GEMM's sum of the im2col row times the filter column (gemm_kernel.c):
// k = (ky*kw + kx)*c + ci ascending in blocks of KC = 256 from 0, each block's sum an FMA chain from 0, the blocks'
// sums added to the output in order (the first one stored), then + bias, then relu; padding taps are read as 0 and
// multiplied like any tap. Covered: KC % c == 0 (a k block is whole taps) and co % 16 == 0.
#include <string.h>
#include "tn.h"

#if defined(__AVX512F__)
#define VL 16
#define KC 256
#define MAXT 64
typedef float vf __attribute__((vector_size(VL * 4)));
typedef int vi __attribute__((vector_size(VL * 4)));
static inline vf ldv(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void stv(float *p, vf v) { memcpy(p, &v, sizeof v); }
#define splat(x) ((vf){(x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x)})
/* As conv.c's post_op: act 1 x > 0 ? x : 0 (NaN and -0 give +0), act 2 x < 0 ? 0 : x (tfjs's Relu: NaN, -0 kept). */
static inline vf relu(vf a) { return (vf)((vi)a & (a > 0)); }
static inline vf relu_keep(vf a) { return (vf)((vi)a & ~(a < 0)); }

/* Pixels per block: JV * P accumulators (24 of the 32 zmm registers) beside JV filter vectors and a broadcast. */
#define P4 6
#define P2 12
#define P1 12

static const float zeros[KC] __attribute__((aligned(64)));

/* P output pixels x JV vectors of output channels (from j): src[i * MAXT + t] is pixel i's tap t (c floats, `zeros`
   for padding), dst[i] its output row or NULL (a block's tail). */
static inline __attribute__((always_inline)) void pixels(const tn_conv *g, const float *const *src, const float *f,
                                                         const float *bias, int act, float *const *dst, int j,
                                                         const int JV, const int P) {
  const int c = g->c, co = g->co, T = g->kh * g->kw, perBlock = KC / c;
  for (int t0 = 0; t0 < T; t0 += perBlock) {
    const int t1 = t0 + perBlock < T ? t0 + perBlock : T, last = t1 == T;
    vf acc[P1][4]; /* fixed sizes (not P, JV): a variable-length array would live in memory */
#pragma GCC unroll 16
    for (int i = 0; i < P; i++)
#pragma GCC unroll 4
      for (int v = 0; v < JV; v++) acc[i][v] = (vf){0};
    for (int t = t0; t < t1; t++) {
      const float *s[P1];
#pragma GCC unroll 16
      for (int i = 0; i < P; i++) s[i] = src[i * MAXT + t];
      const float *w = f + (size_t)t * c * co + j;
      for (int ci = 0; ci < c; ci++, w += co) {
        vf wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < JV; v++) wv[v] = ldv(w + v * VL);
#pragma GCC unroll 16
        for (int i = 0; i < P; i++) {
          vf b = splat(s[i][ci]);
#pragma GCC unroll 4
          for (int v = 0; v < JV; v++) acc[i][v] += b * wv[v];
        }
      }
    }
#pragma GCC unroll 16
    for (int i = 0; i < P; i++) {
      if (!dst[i]) continue;
#pragma GCC unroll 4
      for (int v = 0; v < JV; v++) {
        float *p = dst[i] + j + v * VL;
        vf r = t0 == 0 ? acc[i][v] : ldv(p) + acc[i][v];
        if (last) {
          if (bias) r += ldv(bias + j + v * VL);
          if (act == 1) r = relu(r);
          else if (act == 2) r = relu_keep(r);
        }
        stv(p, r);
      }
    }
  }
}

/* All output channels of one block of pixels (at most P4 of them real when co >= 64: the narrower tiles' extra rows
   are NULL, their FMAs on zeros wasted; a tail of co % 64 channels only). */
static void block(const tn_conv *g, const float *const *src, const float *f, const float *bias, int act,
                  float *const *dst) {
  int j = 0;
  for (; j + 4 * VL <= g->co; j += 4 * VL) pixels(g, src, f, bias, act, dst, j, 4, P4);
  for (; j + 2 * VL <= g->co; j += 2 * VL) pixels(g, src, f, bias, act, dst, j, 2, P2);
  for (; j < g->co; j += VL) pixels(g, src, f, bias, act, dst, j, 1, P1);
}

int tn_conv_direct_covers(const tn_conv *g) {
  return g->c >= 8 && KC % g->c == 0 && g->co % VL == 0 && g->kh * g->kw <= MAXT;
}

/* Images i0..i1: their output pixels in order, P1 (>= P4, P2) at a time; a block may span two images. */
int tn_conv_direct(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y, int i0,
                   int i1) {
  if (!tn_conv_direct_covers(g)) return 0;
  const int T = g->kh * g->kw, ohw = g->oh * g->ow;
  const long q1 = (long)i1 * ohw;
  const float *src[P1 * MAXT];
  float *dst[P1];
  const int P = g->co >= 4 * VL ? P4 : P1;
  for (long q0 = (long)i0 * ohw; q0 < q1; q0 += P) {
    for (int i = 0; i < P1; i++) {
      long q = q0 + i;
      if (i >= P || q >= q1) {
        dst[i] = NULL;
        for (int t = 0; t < T; t++) src[i * MAXT + t] = zeros;
        continue;
      }
      int img = (int)(q / ohw), pix = (int)(q % ohw), oy = pix / g->ow, ox = pix % g->ow;
      const float *xi = x + (size_t)img * g->h * g->w * g->c;
      dst[i] = y + (size_t)q * g->co;
      for (int ky = 0; ky < g->kh; ky++) {
        int iy = oy * g->sh - g->pt + ky;
        for (int kx = 0; kx < g->kw; kx++) {
          int ix = ox * g->sw - g->pl + kx;
          src[i * MAXT + ky * g->kw + kx] =
              iy < 0 || iy >= g->h || ix < 0 || ix >= g->w ? zeros : xi + ((size_t)iy * g->w + ix) * g->c;
        }
      }
    }
    block(g, src, f, bias, act, dst);
  }
  return 1;
}
#else
int tn_conv_direct_covers(const tn_conv *g) {
  (void)g;
  return 0;
}
int tn_conv_direct(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y, int i0,
                   int i1) {
  (void)g, (void)x, (void)f, (void)bias, (void)act, (void)y, (void)i0, (void)i1;
  return 0;
}
#endif
