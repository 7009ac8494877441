// Native kernels: depthwise convolution (depth multiplier 1) with 16 channels per AVX-512 register and the sums in
// registers (depthwise.c calls these on CPUs with AVX-512F unless WORKBENCH_DW_VEC=0). Compiled with -mavx512f
// -ffp-contract=off: a multiply, then an add, as depthwise.c's loops.
// Bits: every output element gets the same terms in the same order as depthwise.c's row loops:
// - forward y = ((0 + x_t0 * f_t0) + x_t1 * f_t1) + ..., taps (ky, kx) ascending, those inside the image only;
// - input gradient dx likewise over the taps (ascending) whose window reads the pixel;
// - filter gradient: each (tap, channel) sum continues from the part's buffer over its rows ascending, and in a row
//   over the output positions ascending (the tap's in-image ones), as filter_grad_row's chain does.
// Channel tails (c % 16) use masked loads and stores (masked-off lanes read 0 and are never written).
#include <string.h>
#include "tn.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#define MAXT 64

static inline __mmask16 mask_of(int c, int k) { return c - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (c - k)) - 1); }

int tn_dw512_covers(const tn_dw *g) { return g->m == 1 && g->kh * g->kw <= MAXT; }

/* Output rows u0..u1 (u = img * oh + oy). */
void tn_dw512_forward_rows(const tn_dw *g, const float *x, const float *f, float *y, long u0, long u1) {
  const int c = g->c, kh = g->kh, kw = g->kw;
  for (int k = 0; k < c; k += 16) {
    const __mmask16 mk = mask_of(c, k);
    __m512 fv[MAXT];
    for (int t = 0; t < kh * kw; t++) fv[t] = _mm512_maskz_loadu_ps(mk, f + (size_t)t * c + k);
    for (long u = u0; u < u1; u++) {
      const int img = (int)(u / g->oh), oy = (int)(u % g->oh);
      const float *xi = x + (size_t)img * g->h * g->w * c;
      float *yr = y + (size_t)u * g->ow * c;
      for (int ox = 0; ox < g->ow; ox++) {
        const int ix0 = ox * g->sw - g->pl;
        __m512 acc = _mm512_setzero_ps();
        for (int ky = 0; ky < kh; ky++) {
          const int iy = oy * g->sh - g->pt + ky * g->dh;
          if (iy < 0 || iy >= g->h) continue;
          const float *xr = xi + (size_t)iy * g->w * c + k;
          for (int kx = 0; kx < kw; kx++) {
            const int ix = ix0 + kx * g->dw;
            if (ix < 0 || ix >= g->w) continue;
            acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, xr + (size_t)ix * c), fv[ky * kw + kx]));
          }
        }
        _mm512_mask_storeu_ps(yr + (size_t)ox * c + k, mk, acc);
      }
    }
  }
}

/* Input-gradient rows u0..u1 (u = img * h + iy). */
void tn_dw512_input_grad_rows(const tn_dw *g, const float *dy, const float *f, float *dx, long u0, long u1) {
  const int c = g->c, kh = g->kh, kw = g->kw;
  for (int k = 0; k < c; k += 16) {
    const __mmask16 mk = mask_of(c, k);
    __m512 fv[MAXT];
    for (int t = 0; t < kh * kw; t++) fv[t] = _mm512_maskz_loadu_ps(mk, f + (size_t)t * c + k);
    for (long u = u0; u < u1; u++) {
      const int img = (int)(u / g->h), iy = (int)(u % g->h);
      const float *dyi = dy + (size_t)img * g->oh * g->ow * c;
      float *dxr = dx + (size_t)u * g->w * c;
      for (int ix = 0; ix < g->w; ix++) {
        __m512 acc = _mm512_setzero_ps();
        for (int ky = 0; ky < kh; ky++) {
          const int ty = iy + g->pt - ky * g->dh;
          if (ty < 0 || ty % g->sh) continue;
          const int oy = ty / g->sh;
          if (oy >= g->oh) continue;
          const float *dyr = dyi + (size_t)oy * g->ow * c + k;
          for (int kx = 0; kx < kw; kx++) {
            const int tx = ix + g->pl - kx * g->dw;
            if (tx < 0 || tx % g->sw) continue;
            const int ox = tx / g->sw;
            if (ox >= g->ow) continue;
            acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, dyr + (size_t)ox * c), fv[ky * kw + kx]));
          }
        }
        _mm512_mask_storeu_ps(dxr + (size_t)ix * c + k, mk, acc);
      }
    }
  }
}

/* 3x3 filter gradient: the nine taps' sums of one 16-channel slice in registers over the rows. */
static void fg3(const tn_dw *g, const float *x, const float *dy, float *p, long u0, long u1, int k, __mmask16 mk) {
  const int c = g->c;
  __m512 acc[9];
#pragma GCC unroll 9
  for (int t = 0; t < 9; t++) acc[t] = _mm512_maskz_loadu_ps(mk, p + (size_t)t * c + k);
  for (long u = u0; u < u1; u++) {
    const int img = (int)(u / g->oh), oy = (int)(u % g->oh);
    const float *xi = x + (size_t)img * g->h * g->w * c + k;
    const float *dyr = dy + (size_t)u * g->ow * c + k;
    const float *xr[3];
    int rowIn[3];
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ky++) {
      const int iy = oy * g->sh - g->pt + ky * g->dh;
      rowIn[ky] = iy >= 0 && iy < g->h;
      xr[ky] = xi + (size_t)(rowIn[ky] ? iy : 0) * g->w * c;
    }
    for (int ox = 0; ox < g->ow; ox++) {
      const __m512 dv = _mm512_maskz_loadu_ps(mk, dyr + (size_t)ox * c);
      const int ix0 = ox * g->sw - g->pl;
#pragma GCC unroll 3
      for (int kx = 0; kx < 3; kx++) {
        const int ix = ix0 + kx * g->dw;
        if (ix < 0 || ix >= g->w) continue;
#pragma GCC unroll 3
        for (int ky = 0; ky < 3; ky++) {
          if (!rowIn[ky]) continue;
          acc[ky * 3 + kx] = _mm512_add_ps(acc[ky * 3 + kx], _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, xr[ky] + (size_t)ix * c), dv));
        }
      }
    }
  }
#pragma GCC unroll 9
  for (int t = 0; t < 9; t++) _mm512_mask_storeu_ps(p + (size_t)t * c + k, mk, acc[t]);
}

/* Adds rows u0..u1 (u = img * oh + oy) into the part buffer p ([kh*kw][c]); 0: not covered (not 3x3). */
int tn_dw512_filter_grad_rows(const tn_dw *g, const float *x, const float *dy, float *p, long u0, long u1) {
  if (g->kh != 3 || g->kw != 3 || g->m != 1) return 0;
  for (int k = 0; k < g->c; k += 16) fg3(g, x, dy, p, u0, u1, k, mask_of(g->c, k));
  return 1;
}
#else
int tn_dw512_covers(const tn_dw *g) {
  (void)g;
  return 0;
}
void tn_dw512_forward_rows(const tn_dw *g, const float *x, const float *f, float *y, long u0, long u1) {
  (void)g, (void)x, (void)f, (void)y, (void)u0, (void)u1;
}
void tn_dw512_input_grad_rows(const tn_dw *g, const float *dy, const float *f, float *dx, long u0, long u1) {
  (void)g, (void)dy, (void)f, (void)dx, (void)u0, (void)u1;
}
int tn_dw512_filter_grad_rows(const tn_dw *g, const float *x, const float *dy, float *p, long u0, long u1) {
  (void)g, (void)x, (void)dy, (void)p, (void)u0, (void)u1;
  return 0;
}
#endif
