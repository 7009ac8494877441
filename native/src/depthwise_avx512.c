// Native kernels: depthwise convolution (depth multiplier 1) with 16 channels per AVX-512 register and the sums in
// registers (depthwise.c calls these on CPUs with AVX-512F unless WORKBENCH_DW_VEC=0). Compiled with -mavx512f
// -ffp-contract=off: a multiply, then an add, as depthwise.c's loops.
// Bits: every output element gets the same terms in the same order as depthwise.c's row loops:
// - forward y = ((0 + x_t0 * f_t0) + x_t1 * f_t1) + ..., taps (ky, kx) ascending, those inside the image only;
// - input gradient dx likewise over the taps (ascending) whose window reads the pixel;
// - filter gradient: each (tap, channel) sum continues from the part's buffer over its rows ascending, and in a row
//   over the output positions ascending (the tap's in-image ones), as filter_grad_row's chain does.
// Channel tails (c % 16) use masked loads and stores (masked-off lanes read 0 and are never written).
#include <stdlib.h>
#include <string.h>
#include "tn.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#define MAXT 64

static inline __mmask16 mask_of(int c, int k) { return c - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (c - k)) - 1); }
/* Whole vectors load and store plainly (a masked load costs more on some CPUs); a channel tail masked. */
#define LD(full, mk, p) ((full) ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps((mk), (p)))
#define ST(full, mk, p, v) ((full) ? _mm512_storeu_ps((p), (v)) : _mm512_mask_storeu_ps((p), (mk), (v)))

int tn_dw512_covers(const tn_dw *g) { return g->m == 1 && g->kh * g->kw <= MAXT; }
/* The input gradient at a stride across above 1 reads a tap at every other pixel or fewer: depthwise.c's loops, which
   visit only the pixels a tap reaches, measured faster there. */
int tn_dw512_covers_input_grad(const tn_dw *g) { return tn_dw512_covers(g) && g->sw == 1; }

/* Pixels per block: up to PMAX sums in flight (one sum's chain of adds would wait on each add's latency); the block
   size is the one of 8, 7, 6, 5, 4 that wastes the fewest slots on a row (28 and 14 pixels: 7, 6: 6). */
#define PMAX 8

/* A row's pixels in blocks of pb, with for each block and tap kx how it reads its source row: */
enum { NONE = 0, AFFINE = 1, MIXED = 2 };
typedef struct {
  int nq, nc, kw, pb, step;
  int *col;   /* [kw][nc] the source column of tap kx at pixel q, -1 outside (and for the tail's slots nq..nc) */
  char *kind; /* [nc / pb][kw] NONE: no pixel of the block reads tap kx; AFFINE: all do, at col[q0] + p * step */
} rowplan;

/* One block: out[q] = sum over the row taps (ky in taps[], kx ascending) of src row at col[kx][q] times
   fv[ky * kw + kx], from +0. A tap outside for some pixels of a MIXED block has its product masked to +0 there: a sum
   that starts at +0 and only gets rounded sums is never −0, so adding +0 leaves it as it was (NaN included), the
   same bits as leaving the tap out as depthwise.c does. */
static inline __attribute__((always_inline)) void row_block(const rowplan *r, const float *const *src, const int *taps,
                                                            int ntaps, int b, int c, const __m512 *fv, __mmask16 mk,
                                                            float *out, const int full, const int PB) {
  const int q0 = b * PB, kw = r->kw;
  __m512 acc[PMAX];
#pragma GCC unroll 8
  for (int p = 0; p < PB; p++) acc[p] = _mm512_setzero_ps();
  const char *kind = r->kind + (size_t)b * kw;
  for (int a = 0; a < ntaps; a++) {
    const float *sr = src[a];
    const __m512 *fr = fv + taps[a] * kw;
    for (int kx = 0; kx < kw; kx++) {
      const int *cl = r->col + (size_t)kx * r->nc + q0;
      if (kind[kx] == NONE) continue;
      const __m512 f = fr[kx];
      if (kind[kx] == AFFINE) {
        const float *s0 = sr + (size_t)cl[0] * c;
        const size_t st = (size_t)r->step * c;
#pragma GCC unroll 8
        for (int p = 0; p < PB; p++) acc[p] = _mm512_add_ps(acc[p], _mm512_mul_ps(LD(full, mk, s0 + p * st), f));
      } else {
#pragma GCC unroll 8
        for (int p = 0; p < PB; p++) {
          const int i = cl[p];
          const __mmask16 k = i >= 0 ? mk : 0; /* outside: column 0 read (inside the row), its product masked */
          acc[p] = _mm512_add_ps(acc[p], _mm512_maskz_mul_ps(k, LD(full, mk, sr + (size_t)(i >= 0 ? i : 0) * c), f));
        }
      }
    }
  }
  const int n = r->nq - q0 < PB ? r->nq - q0 : PB;
#pragma GCC unroll 8
  for (int p = 0; p < PB; p++)
    if (p < n) ST(full, mk, out + (size_t)(q0 + p) * c, acc[p]);
}

/* A row's blocks, with the block size and the channel slice's kind as constants. */
static void row_blocks(const rowplan *r, const float *const *src, const int *taps, int ntaps, int c, const __m512 *fv,
                       __mmask16 mk, float *out) {
  const int nb = r->nc / r->pb;
#define ROWS(PB)                                                                               \
  for (int b = 0; b < nb; b++)                                                                 \
    if (mk == 0xffff) row_block(r, src, taps, ntaps, b, c, fv, mk, out, 1, PB);                \
    else row_block(r, src, taps, ntaps, b, c, fv, mk, out, 0, PB);                             \
  return;
  switch (r->pb) {
  case 8: ROWS(8)
  case 7: ROWS(7)
  case 6: ROWS(6)
  case 5: ROWS(5)
  default: ROWS(4)
  }
#undef ROWS
}

static void plan_free(rowplan *r) {
  free(r->col);
  free(r->kind);
}

/* Forward: output pixel ox reads input column ox * sw - pl + kx * dw (step sw). Input gradient at stride 1 across:
   input pixel ix reads dy column ix + pl - kx * dw (step 1). 0: out of memory. */
static int plan(rowplan *r, const tn_dw *g, int forward) {
  const int nq = forward ? g->ow : g->w, kw = g->kw;
  int pb = PMAX;
  for (int t = PMAX - 1; t >= 4; t--)
    if ((nq + t - 1) / t * t - nq < (nq + pb - 1) / pb * pb - nq) pb = t;
  const int nc = (nq + pb - 1) / pb * pb;
  r->nq = nq, r->nc = nc, r->kw = kw, r->pb = pb, r->step = forward ? g->sw : 1;
  r->col = malloc(sizeof(int) * ((size_t)nc * kw + 1));
  r->kind = malloc((size_t)(nc / pb) * kw + 1);
  if (!r->col || !r->kind) {
    plan_free(r);
    return 0;
  }
  for (int kx = 0; kx < kw; kx++)
    for (int q = 0; q < nc; q++) {
      const int i = forward ? q * g->sw - g->pl + kx * g->dw : q + g->pl - kx * g->dw, len = forward ? g->w : g->ow;
      r->col[(size_t)kx * nc + q] = q < nq && i >= 0 && i < len ? i : -1;
    }
  for (int b = 0; b < nc / pb; b++)
    for (int kx = 0; kx < kw; kx++) {
      const int *cl = r->col + (size_t)kx * nc + b * pb;
      int any = 0, affine = 1;
      for (int p = 0; p < pb; p++) {
        any |= cl[p] >= 0;
        affine &= cl[p] >= 0 && cl[p] == cl[0] + p * r->step;
      }
      r->kind[(size_t)b * kw + kx] = affine ? AFFINE : any ? MIXED : NONE;
    }
  return 1;
}

/* Output rows u0..u1 (u = img * oh + oy). 0: out of memory. */
int tn_dw512_forward_rows(const tn_dw *g, const float *x, const float *f, float *y, long u0, long u1) {
  const int c = g->c, kh = g->kh, kw = g->kw;
  rowplan r;
  if (!plan(&r, g, 1)) return 0;
  for (int k = 0; k < c; k += 16) {
    const __mmask16 mk = mask_of(c, k);
    __m512 fv[MAXT];
    for (int t = 0; t < kh * kw; t++) fv[t] = _mm512_maskz_loadu_ps(mk, f + (size_t)t * c + k);
    for (long u = u0; u < u1; u++) {
      const int img = (int)(u / g->oh), oy = (int)(u % g->oh);
      const float *xi = x + (size_t)img * g->h * g->w * c + k;
      const float *src[MAXT];
      int taps[MAXT], n = 0;
      for (int ky = 0; ky < kh; ky++) {
        const int iy = oy * g->sh - g->pt + ky * g->dh;
        if (iy < 0 || iy >= g->h) continue;
        src[n] = xi + (size_t)iy * g->w * c, taps[n++] = ky;
      }
      row_blocks(&r, src, taps, n, c, fv, mk, y + (size_t)u * g->ow * c + k);
    }
  }
  plan_free(&r);
  return 1;
}

/* Input-gradient rows u0..u1 (u = img * h + iy), stride 1 across (tn_dw512_covers_input_grad). 0: out of memory. */
int tn_dw512_input_grad_rows(const tn_dw *g, const float *dy, const float *f, float *dx, long u0, long u1) {
  const int c = g->c, kh = g->kh, kw = g->kw;
  rowplan r;
  if (!plan(&r, g, 0)) return 0;
  for (int k = 0; k < c; k += 16) {
    const __mmask16 mk = mask_of(c, k);
    __m512 fv[MAXT];
    for (int t = 0; t < kh * kw; t++) fv[t] = _mm512_maskz_loadu_ps(mk, f + (size_t)t * c + k);
    for (long u = u0; u < u1; u++) {
      const int img = (int)(u / g->h), iy = (int)(u % g->h);
      const float *dyi = dy + (size_t)img * g->oh * g->ow * c + k;
      const float *src[MAXT];
      int taps[MAXT], n = 0;
      for (int ky = 0; ky < kh; ky++) {
        const int ty = iy + g->pt - ky * g->dh;
        if (ty < 0 || ty % g->sh || ty / g->sh >= g->oh) continue;
        src[n] = dyi + (size_t)(ty / g->sh) * g->ow * c, taps[n++] = ky;
      }
      row_blocks(&r, src, taps, n, c, fv, mk, dx + (size_t)u * g->w * c + k);
    }
  }
  plan_free(&r);
  return 1;
}

/* 3x3 filter gradient: the nine taps' sums of one 16-channel slice in registers over the rows. */
static inline __attribute__((always_inline)) void fg3(const tn_dw *g, const float *x, const float *dy, float *p, long u0,
                                                     long u1, int k, __mmask16 mk, const int full) {
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
      const __m512 dv = LD(full, mk, dyr + (size_t)ox * c);
      const int ix0 = ox * g->sw - g->pl;
#pragma GCC unroll 3
      for (int kx = 0; kx < 3; kx++) {
        const int ix = ix0 + kx * g->dw;
        if (ix < 0 || ix >= g->w) continue;
#pragma GCC unroll 3
        for (int ky = 0; ky < 3; ky++) {
          if (!rowIn[ky]) continue;
          acc[ky * 3 + kx] = _mm512_add_ps(acc[ky * 3 + kx], _mm512_mul_ps(LD(full, mk, xr[ky] + (size_t)ix * c), dv));
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
  for (int k = 0; k < g->c; k += 16)
    if (g->c - k >= 16) fg3(g, x, dy, p, u0, u1, k, 0xffff, 1);
    else fg3(g, x, dy, p, u0, u1, k, mask_of(g->c, k), 0);
  return 1;
}
#else
int tn_dw512_covers(const tn_dw *g) {
  (void)g;
  return 0;
}
int tn_dw512_covers_input_grad(const tn_dw *g) {
  (void)g;
  return 0;
}
int tn_dw512_forward_rows(const tn_dw *g, const float *x, const float *f, float *y, long u0, long u1) {
  (void)g, (void)x, (void)f, (void)y, (void)u0, (void)u1;
  return 0;
}
int tn_dw512_input_grad_rows(const tn_dw *g, const float *dy, const float *f, float *dx, long u0, long u1) {
  (void)g, (void)dy, (void)f, (void)dx, (void)u0, (void)u1;
  return 0;
}
int tn_dw512_filter_grad_rows(const tn_dw *g, const float *x, const float *dy, float *p, long u0, long u1) {
  (void)g, (void)x, (void)dy, (void)p, (void)u0, (void)u1;
  return 0;
}
#endif
