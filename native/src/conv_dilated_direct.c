// Native kernels: direct dilated convolution (NHWC, AVX-512): forward, input and filter gradient without the im2col
// matrix (conv_dilated.c calls these when the avx512 GEMM is the chosen variant, unless WORKBENCH_DILATED_DIRECT=0).
// Compiled with -mavx512f; the multiply-adds are explicit FMAs, as the GEMM's micro-kernel contracts them.
// Bits: each result is the GEMM's (gemm_kernel.c: per element, k ascending in blocks, each block's sum an FMA chain
// from +0, the block sums added to C in order, the first stored unless accumulating) on the same operands:
// - forward: y = block sums of x_window[k] * f[k] over conv_dilated.c's k blocks (the dense kernel's KC blocks),
//   padding taps read as +0 from a padded copy of the image and multiplied like any tap;
// - input gradient: dcol[o][t, ci] = FMA chain over q ascending of dy[o][q] * f[t, ci, q] (co <= KC: one block), and
//   dx = +0 + the dcol of every (output pixel, tap) reading the pixel in col2im's order (output pixels ascending);
// - filter gradient: one image chunk as conv.c's filter_grad_task hands it over, rows in blocks of KC from the chunk's
//   start, each block an FMA chain over its rows of x_window[k] * dy[row][q], added to dw (stored if first and not
//   accumulating); padding taps read as +0 from a padded copy of the chunk and multiplied.
#include <stdlib.h>
#include <string.h>
#include "tn.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#define KC 256
#define MAXT 64
#define MAXC 4096
static const float zeros[MAXC] __attribute__((aligned(64)));

int tn_dil_direct_covers(const tn_conv *g, int which) {
  if (g->co % 16 || g->c > MAXC || g->kh * g->kw > MAXT || g->sh != 1 || g->sw != 1) return 0;
  if (which == 1) return g->c % 16 == 0 && g->co <= KC;
  return 1;
}

/* The images i0..i1 with their padding written out as +0 (the im2col matrix's zeros, multiplied like them) into pad:
   [PH][PW][c] each, PH = (oh-1)*sh + (kh-1)*dh + 1 rows from input row -pt, PW likewise from column -pl. */
static void pad_images(const tn_conv *g, int PH, int PW, const float *x, int i0, int i1, float *pad) {
  const int c = g->c;
  for (int img = i0; img < i1; img++) {
    float *pi = pad + (size_t)(img - i0) * PH * PW * c;
    const float *xi = x + (size_t)img * g->h * g->w * c;
    for (int py = 0; py < PH; py++) {
      float *pr = pi + (size_t)py * PW * c;
      const int iy = py - g->pt;
      if (iy < 0 || iy >= g->h) {
        memset(pr, 0, sizeof(float) * (size_t)PW * c);
        continue;
      }
      int a = g->pl < PW ? g->pl : PW, b = g->pl + g->w < PW ? g->pl + g->w : PW; /* columns inside the image */
      if (b < a) b = a;
      if (a > 0) memset(pr, 0, sizeof(float) * (size_t)a * c);
      if (b > a) memcpy(pr + (size_t)a * c, xi + ((size_t)iy * g->w + (a - g->pl)) * c, sizeof(float) * (size_t)(b - a) * c);
      if (b < PW) memset(pr + (size_t)b * c, 0, sizeof(float) * (size_t)(PW - b) * c);
    }
  }
}

/* ---- forward ---- */
#define PF 12

/* PF output pixels (pixel i's tap t at base[i] + off[t] in the padded image), output channels j..j+16. */
static void fw_block(const tn_conv *g, const float *const *base, const long *off, const float *f, const int *cuts,
                     int ncuts, float *const *dst, int j) {
  const int c = g->c, co = g->co;
  for (int b = 0; b < ncuts; b++) {
    const int k0 = cuts[b], k1 = cuts[b + 1];
    __m512 acc[PF];
#pragma GCC unroll 12
    for (int i = 0; i < PF; i++) acc[i] = _mm512_setzero_ps();
    for (int t = k0 / c; t * c < k1; t++) {
      const int c0 = k0 > t * c ? k0 - t * c : 0, c1 = k1 < (t + 1) * c ? k1 - t * c : c;
      const float *s[PF];
#pragma GCC unroll 12
      for (int i = 0; i < PF; i++) s[i] = base[i] + off[t];
      const float *w = f + ((size_t)t * c + c0) * co + j;
      for (int ci = c0; ci < c1; ci++, w += co) {
        const __m512 wv = _mm512_loadu_ps(w);
#pragma GCC unroll 12
        for (int i = 0; i < PF; i++) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(s[i][ci]), wv, acc[i]);
      }
    }
#pragma GCC unroll 12
    for (int i = 0; i < PF; i++) {
      if (!dst[i]) continue;
      float *p = dst[i] + j;
      _mm512_storeu_ps(p, b == 0 ? acc[i] : _mm512_add_ps(_mm512_loadu_ps(p), acc[i]));
    }
  }
}

/* Images i0..i1, one at a time through its padded copy; cuts[0..ncuts]: the k blocks' bounds (cuts[0] = 0,
   cuts[ncuts] = K). 0: no scratch memory (the caller takes im2col + GEMM: same bits). */
int tn_dil_direct_forward(const tn_conv *g, int dh, int dw, const float *x, const float *f, const int *cuts, int ncuts,
                          float *y, int i0, int i1) {
  const int ohw = g->oh * g->ow, c = g->c;
  const int PH = (g->oh - 1) * g->sh + (g->kh - 1) * dh + 1, PW = (g->ow - 1) * g->sw + (g->kw - 1) * dw + 1;
  float *pad = tn_scratch(2, (size_t)PH * PW * c + 1);
  if (!pad) return 0;
  long off[MAXT];
  for (int ky = 0; ky < g->kh; ky++)
    for (int kx = 0; kx < g->kw; kx++) off[ky * g->kw + kx] = ((long)ky * dh * PW + (long)kx * dw) * c;
  const float *base[PF];
  float *dst[PF];
  for (int img = i0; img < i1; img++) {
    pad_images(g, PH, PW, x, img, img + 1, pad);
    for (int p0 = 0; p0 < ohw; p0 += PF) {
      for (int i = 0; i < PF; i++) {
        const int pix = p0 + i < ohw ? p0 + i : p0; /* a block's tail: pixel p0 again, not stored */
        const int oy = pix / g->ow, ox = pix % g->ow;
        base[i] = pad + ((size_t)oy * g->sh * PW + (size_t)ox * g->sw) * c;
        dst[i] = p0 + i < ohw ? y + ((size_t)img * ohw + pix) * g->co : NULL;
      }
      for (int j = 0; j < g->co; j += 16) fw_block(g, base, off, f, cuts, ncuts, dst, j);
    }
  }
  return 1;
}

/* ---- input gradient ---- */
#define PX 8

/* ft[(t * co + q) * c + ci] = f[(t * c + ci) * co + q]: the filter's columns for one tap and output channel. */
void tn_dil_direct_transpose(const tn_conv *g, const float *f, float *ft) {
  const int T = g->kh * g->kw, c = g->c, co = g->co;
  for (int t = 0; t < T; t++)
    for (int ci = 0; ci < c; ci++)
      for (int q = 0; q < co; q++) ft[((size_t)t * co + q) * c + ci] = f[((size_t)t * c + ci) * co + q];
}

/* Input pixels (img, iy, ix0 .. ix0 + n), channels j..j+16. */
static inline __attribute__((always_inline)) void dx_block(const tn_conv *g, int dh, int dw, const float *dyi,
                                                           const float *ft, float *dxr, int iy, int ix0, int n, int j,
                                                           const int PB) {
  const int c = g->c, co = g->co;
  __m512 acc[PX];
#pragma GCC unroll 8
  for (int p = 0; p < PB; p++) acc[p] = _mm512_setzero_ps();
  /* col2im adds output pixels in ascending order: for one input pixel that is taps (ky, kx) descending. */
  for (int ky = g->kh - 1; ky >= 0; ky--) {
    const int oy = iy + g->pt - ky * dh;
    if (oy < 0 || oy >= g->oh) continue;
    const float *dyr = dyi + (size_t)oy * g->ow * co;
    for (int kx = g->kw - 1; kx >= 0; kx--) {
      const float *s[PX];
      __mmask16 in[PX];
      int any = 0;
#pragma GCC unroll 8
      for (int p = 0; p < PB; p++) {
        const int ox = ix0 + p + g->pl - kx * dw, ok = p < n && ox >= 0 && ox < g->ow;
        s[p] = ok ? dyr + (size_t)ox * co : zeros;
        in[p] = ok ? 0xffff : 0;
        any |= ok;
      }
      if (!any) continue;
      __m512 d[PX];
#pragma GCC unroll 8
      for (int p = 0; p < PB; p++) d[p] = _mm512_setzero_ps();
      const float *w = ft + (size_t)(ky * g->kw + kx) * co * c + j;
      for (int q = 0; q < co; q++, w += c) {
        const __m512 wv = _mm512_loadu_ps(w);
#pragma GCC unroll 8
        for (int p = 0; p < PB; p++) d[p] = _mm512_fmadd_ps(_mm512_set1_ps(s[p][q]), wv, d[p]);
      }
      /* A tap that misses a pixel adds nothing there (its lanes keep the sum). */
#pragma GCC unroll 8
      for (int p = 0; p < PB; p++) acc[p] = _mm512_mask_add_ps(acc[p], in[p], acc[p], d[p]);
    }
  }
#pragma GCC unroll 8
  for (int p = 0; p < PB; p++)
    if (p < n) _mm512_storeu_ps(dxr + (size_t)(ix0 + p) * c + j, acc[p]);
}

/* Images i0..i1 of dx from dy and the transposed filter ft. */
void tn_dil_direct_input_grad(const tn_conv *g, int dh, int dw, const float *dy, const float *ft, float *dx, int i0,
                              int i1) {
  /* Blocks of 8 pixels, or 7 where that cuts the row evenly and 8 does not (14: 7 + 7, not 8 + 6 with 2 idle). */
  const int pb = g->w % PX && g->w % 7 == 0 ? 7 : PX;
  for (int img = i0; img < i1; img++) {
    const float *dyi = dy + (size_t)img * g->oh * g->ow * g->co;
    for (int iy = 0; iy < g->h; iy++) {
      float *dxr = dx + ((size_t)img * g->h + iy) * g->w * g->c;
      for (int ix0 = 0; ix0 < g->w; ix0 += pb) {
        const int n = g->w - ix0 < pb ? g->w - ix0 : pb;
        for (int j = 0; j < g->c; j += 16)
          if (pb == 7) dx_block(g, dh, dw, dyi, ft, dxr, iy, ix0, n, j, 7);
          else dx_block(g, dh, dw, dyi, ft, dxr, iy, ix0, n, j, PX);
      }
    }
  }
}

/* ---- filter gradient ---- */
#define CG 16

/* One chunk (images i0..i1): dw[k][q] (+)= the rows' sums in blocks of KC rows from the chunk's start. The chunk's
   images are first copied with their padding written out as +0 (the im2col matrix's zeros, multiplied like them), so
   a row's tap is an affine pointer. 0: no scratch memory (the caller runs im2col + GEMM on the chunk: same bits). */
int tn_dil_direct_filter_grad(const tn_conv *g, int dh, int dw, const float *x, const float *dy, float *dwt, int i0,
                              int i1, int accumulate) {
  const int c = g->c, co = g->co, ohw = g->oh * g->ow;
  const int PH = (g->oh - 1) * g->sh + (g->kh - 1) * dh + 1, PW = (g->ow - 1) * g->sw + (g->kw - 1) * dw + 1;
  const size_t perImg = (size_t)PH * PW * c;
  float *pad = tn_scratch(2, perImg * (i1 - i0) + 1);
  if (!pad) return 0;
  pad_images(g, PH, PW, x, i0, i1, pad);
  const long rows = (long)(i1 - i0) * ohw;
  const float *dyc = dy + (size_t)i0 * ohw * co;
  const size_t rowStep = (size_t)g->sh * PW * c, colStep = (size_t)g->sw * c;
  for (long r0 = 0; r0 < rows; r0 += KC) {
    const int nr = (int)(r0 + KC < rows ? KC : rows - r0);
    const int overwrite = r0 == 0 && !accumulate;
    const int img0 = (int)(r0 / ohw), oy0 = (int)(r0 % ohw) / g->ow, ox0 = (int)(r0 % ohw) % g->ow;
    const float *dyb = dyc + (size_t)r0 * co;
    for (int ky = 0; ky < g->kh; ky++)
      for (int kx = 0; kx < g->kw; kx++) {
        const int t = ky * g->kw + kx;
        const size_t tapOff = ((size_t)ky * dh * PW + (size_t)kx * dw) * c;
        for (int j = 0; j < co; j += 16)
          for (int c0 = 0; c0 < c; c0 += CG) {
            const int nc = c - c0 < CG ? c - c0 : CG;
            __m512 acc[CG];
#pragma GCC unroll 16
            for (int i = 0; i < CG; i++) acc[i] = _mm512_setzero_ps();
            int img = img0, oy = oy0, ox = ox0;
            const float *rowBase = pad + (size_t)img * perImg + (size_t)oy * rowStep + tapOff + c0;
            const float *s = rowBase + (size_t)ox * colStep;
            for (int r = 0; r < nr; r++) {
              const __m512 dv = _mm512_loadu_ps(dyb + (size_t)r * co + j);
              if (nc == CG) {
                const float *sb = s;
                __asm__("" : "+r"(sb)); /* one base register with constant offsets */
#pragma GCC unroll 16
                for (int i = 0; i < CG; i++) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(sb[i]), dv, acc[i]);
              } else {
                for (int i = 0; i < nc; i++) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(s[i]), dv, acc[i]);
              }
              if (++ox < g->ow) {
                s += colStep;
              } else {
                ox = 0;
                if (++oy == g->oh) oy = 0, img++;
                rowBase = pad + (size_t)img * perImg + (size_t)oy * rowStep + tapOff + c0;
                s = rowBase;
              }
            }
            for (int i = 0; i < nc; i++) {
              float *p = dwt + ((size_t)t * c + c0 + i) * co + j;
              _mm512_storeu_ps(p, overwrite ? acc[i] : _mm512_add_ps(_mm512_loadu_ps(p), acc[i]));
            }
          }
      }
  }
  return 1;
}
#else
int tn_dil_direct_covers(const tn_conv *g, int which) {
  (void)g, (void)which;
  return 0;
}
int tn_dil_direct_forward(const tn_conv *g, int dh, int dw, const float *x, const float *f, const int *cuts, int ncuts,
                          float *y, int i0, int i1) {
  (void)g, (void)dh, (void)dw, (void)x, (void)f, (void)cuts, (void)ncuts, (void)y, (void)i0, (void)i1;
  return 0;
}
void tn_dil_direct_transpose(const tn_conv *g, const float *f, float *ft) { (void)g, (void)f, (void)ft; }
void tn_dil_direct_input_grad(const tn_conv *g, int dh, int dw, const float *dy, const float *ft, float *dx, int i0,
                              int i1) {
  (void)g, (void)dh, (void)dw, (void)dy, (void)ft, (void)dx, (void)i0, (void)i1;
}
int tn_dil_direct_filter_grad(const tn_conv *g, int dh, int dw, const float *x, const float *dy, float *dwt, int i0,
                              int i1, int accumulate) {
  (void)g, (void)dh, (void)dw, (void)x, (void)dy, (void)dwt, (void)i0, (void)i1, (void)accumulate;
  return 0;
}
#endif
