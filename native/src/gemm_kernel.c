// Native kernels: packed single-precision GEMM (BLIS-style blocking, MR x NR register tile), compiled once per ISA.
// Built three times: portably as tn_gemm_generic, with -mavx2 -mfma as tn_gemm_avx2 (6x16 tile in 8-lane vectors) and
// with -mavx512f as tn_gemm_avx512 (TN_WIDE: 8x32 tile in 16-lane vectors; 8 rows measured a little faster on this
// Zen 4 than 6, 10, 12 or 14, see docs/GEMM.md).
// Every variant sums each element over k in the same order (k blocks of KC, k ascending inside a block, block sums
// added to C in order), so the fused-multiply-add variants (avx2, avx512) give the same bits.
#include <string.h>
#include "tn.h"

#ifdef TN_WIDE
#define VL 16
#ifndef TN_MR
#define TN_MR 8
#endif
#define MR TN_MR
#define NR 32
#else
#define VL 8
#define MR 6
#define NR 16
#endif
#define NV (NR / VL)
#define KC 256
#define MC (MR * 24)
#define NC 1024

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN CAT(tn_gemm_, TN_VARIANT)

typedef float vf __attribute__((vector_size(VL * 4)));

static inline vf ldv(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void stv(float *p, vf v) { memcpy(p, &v, sizeof v); }
#if VL == 16
#define splat(x) ((vf){(x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x)})
#else
#define splat(x) ((vf){(x), (x), (x), (x), (x), (x), (x), (x)})
#endif

/* micro() for a last column tile at most one vector wide (nr <= VL: an output layer's 10 classes, N % NR tails):
   the same sums (from 0, k ascending, the same multiply-adds) over the first vector of the b-panel only, skipping the
   FMAs on its zero padding: half the work of the 8 x 32 tile for N = 10. */
static void micro_narrow(int kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, int mr,
                         int nr, int overwrite) {
  vf acc[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) acc[i] = (vf){0};
  for (int k = 0; k < kc; k++) {
    vf bv = ldv(b);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      vf t = splat(a[i]);
      acc[i] += t * bv;
    }
    a += MR;
    b += NR;
  }
  float tmp[MR][VL];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) stv(tmp[i], acc[i]);
  for (int i = 0; i < mr; i++) {
    float *ci = c + i * ldc;
    if (overwrite)
      for (int j = 0; j < nr; j++) ci[j] = tmp[i][j];
    else
      for (int j = 0; j < nr; j++) ci[j] += tmp[i][j];
  }
}

/* c[0..mr, 0..nr] (+)= a-panel (kc x MR) times b-panel (kc x NR). The accumulators are an array indexed only by
   constants in fully unrolled loops, so they live in registers (one broadcast live at a time: no spills). */
static void micro(int kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, int mr, int nr,
                  int overwrite) {
#if NV > 1
  if (nr <= VL && !tn_gemm_wide_only) {
    micro_narrow(kc, a, b, c, ldc, mr, nr, overwrite);
    return;
  }
#endif
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = (vf){0};
  for (int k = 0; k < kc; k++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = ldv(b + v * VL);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      vf t = splat(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] += t * bv[v];
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float *ci = c + i * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) stv(ci + v * VL, overwrite ? acc[i][v] : ldv(ci + v * VL) + acc[i][v]);
    }
    return;
  }
  float tmp[MR][NR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) stv(tmp[i] + v * VL, acc[i][v]);
  for (int i = 0; i < mr; i++) {
    float *ci = c + i * ldc;
    if (overwrite)
      for (int j = 0; j < nr; j++) ci[j] = tmp[i][j];
    else
      for (int j = 0; j < nr; j++) ci[j] += tmp[i][j];
  }
}

static void pack_a(int mc, int kc, const float *A, long rs, long cs, float *restrict out) {
  for (int ir = 0; ir < mc; ir += MR) {
    int mr = mc - ir < MR ? mc - ir : MR;
    const float *a = A + ir * rs;
    if (mr == MR && rs == 1) {
      for (int k = 0; k < kc; k++, out += MR) memcpy(out, a + k * cs, MR * sizeof(float));
    } else if (mr == MR && cs == 1) {
      for (int k = 0; k < kc; k++, out += MR)
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) out[i] = a[i * rs + k];
    } else {
      for (int k = 0; k < kc; k++, out += MR)
        for (int i = 0; i < MR; i++) out[i] = i < mr ? a[i * rs + k * cs] : 0.0f;
    }
  }
}

/* WORKBENCH_GEMM_PACK_ROWS (gemm.c, on unless =0): a transposed B is packed column by column, each column read straight
   through in k (the plain loop reads NR columns in step, k by k: NR strided streams, slow on a B fresh from memory, e.g.
   the Dense layer's dx = dy . W^T). The packed buffer holds the same floats in the same places either way (a copy), so
   the GEMM's bits cannot change. (Row order for a transposed A or row-major B measured no faster, or slower, here.) */
static inline int pack_rows(void) { return __atomic_load_n(&tn_gemm_pack_rows, __ATOMIC_RELAXED); }

static void pack_b(int kc, int nc, const float *B, long rs, long cs, float *restrict out) {
  if (nc >= NR && rs == 1 && cs != 1 && pack_rows()) {
    /* Transposed B (columns contiguous in k): each column read straight through, written down its panel. */
    const int full = nc / NR * NR;
    for (int jr = 0; jr < full; jr += NR)
      for (int j = 0; j < NR; j++) {
        const float *col = B + (jr + j) * cs;
        float *o = out + (size_t)jr * kc + j;
        for (int k = 0; k < kc; k++) o[(size_t)k * NR] = col[k];
      }
    if (full == nc) return;
    B += full * cs, out += (size_t)full * kc, nc -= full;
  }
  for (int jr = 0; jr < nc; jr += NR) {
    int nr = nc - jr < NR ? nc - jr : NR;
    const float *b = B + jr * cs;
    if (nr == NR && cs == 1) {
      for (int k = 0; k < kc; k++, out += NR) memcpy(out, b + k * rs, NR * sizeof(float));
    } else if (nr == NR && rs == 1) {
      /* Transposed B: each column is contiguous in k; read NR columns in step. */
      for (int k = 0; k < kc; k++, out += NR)
        for (int j = 0; j < NR; j++) out[j] = b[j * cs + k];
    } else {
      for (int k = 0; k < kc; k++, out += NR)
        for (int j = 0; j < NR; j++) out[j] = j < nr ? b[k * rs + j * cs] : 0.0f;
    }
  }
}

int FN(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB,
        float *C, long ldc, int accumulate) {
  if (m1 <= m0 || N <= 0) return TN_OK;
  if (K <= 0) {
    if (!accumulate)
      for (int i = m0; i < m1; i++) memset(C + i * ldc, 0, N * sizeof(float));
    return TN_OK;
  }
  int ncMax = N < NC ? ((N + NR - 1) / NR) * NR : NC;
  float *bp = tn_scratch(0, (size_t)KC * ncMax);
  float *ap = tn_scratch(1, (size_t)KC * MC);
  if (!bp || !ap) return TN_ENOMEM;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      int overwrite = pc == 0 && !accumulate;
      pack_b(kc, nc, B + pc * rsB + jc * csB, rsB, csB, bp);
      for (int ic = m0; ic < m1; ic += MC) {
        int mc = m1 - ic < MC ? m1 - ic : MC;
        pack_a(mc, kc, A + ic * rsA + pc * csA, rsA, csA, ap);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            micro(kc, ap + ir * kc, bp + jr * kc, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr, overwrite);
          }
        }
      }
    }
  }
  return TN_OK;
}

/* One-input-channel convolution (a network's first layer), images i0..i1, straight from the image: no im2col, no
   packing, bias and relu applied while the sums are in registers. Each output is the GEMM path's sum exactly: from 0,
   taps in (ky, kx) order, padding read as 0 and multiplied like any tap, then + bias, then relu; so the bits equal
   the im2col + GEMM path of the same variant (kh*kw <= KC: one k block). Returns 1 when it did the work, 0 when the
   shape is not one it covers (channels not a whole number of vectors, more taps than one k block). */
#define FN1 CAT(tn_conv1ch_, TN_VARIANT)
typedef int vi __attribute__((vector_size(VL * 4)));
/* x > 0 ? x : 0 lane by lane, as conv.c's post_op (NaN and -0 give +0). */
static inline vf relu(vf a) { return (vf)((vi)a & (a > 0)); }
/* x < 0 ? 0 : x, as tfjs's Relu kernel and conv.c's act 2 (NaN and -0 kept). */
static inline vf relu_keep(vf a) { return (vf)((vi)a & ~(a < 0)); }
/* Rows and columns of the padded copy (every window inside it), or 0 when it would not fit the stack buffer. */
#define PAD_MAX 4096
static int pad_dims(const tn_conv *g, int *ph, int *pw) {
  *ph = (g->oh - 1) * g->sh + g->kh;
  *pw = (g->ow - 1) * g->sw + g->kw;
  if (*ph < g->pt + g->h) *ph = g->pt + g->h;
  if (*pw < g->pl + g->w) *pw = g->pl + g->w;
  return (long)*ph * *pw <= PAD_MAX;
}
static void pad_image(const tn_conv *g, const float *xi, float *pad, int ph, int pw) {
  memset(pad, 0, (size_t)ph * pw * sizeof(float));
  for (int iy = 0; iy < g->h; iy++) {
    int r = iy + g->pt;
    if (r >= ph) break;
    int n = g->w < pw - g->pl ? g->w : pw - g->pl;
    memcpy(pad + (size_t)r * pw + g->pl, xi + (size_t)iy * g->w, (size_t)n * sizeof(float));
  }
}
#if VL == 16
/* 5x5 one-channel forward with the filter in registers (AVX-512): per 16 output channels the 25 tap vectors stay in
   zmm registers and 4 output pixels of a row are summed at once (4 accumulators), each tap's input broadcast straight
   from a zero-padded copy of the image (no gather, no bounds checks). Each output is still from 0, taps in (ky, kx)
   order with the same multiply-adds, padding read as 0 and multiplied, then + bias, then the activation: FN1's bits. */
#define FW_T 25
#define FW_PXMAX 8
static float *fw_out(float *y, const tn_conv *g, int img, int oy, int ox, int j) {
  return y + (((size_t)img * g->oh + oy) * g->ow + ox) * g->co + j;
}
static inline __attribute__((always_inline)) vf fw_epi(vf a, vf b, int hasBias, int act) {
  if (hasBias) a += b;
  if (act == 1) a = relu(a);
  else if (act == 2) a = relu_keep(a);
  return a;
}
static inline __attribute__((always_inline)) void fw_body(const tn_conv *g, const float *x, const float *f,
                                                          const float *bias, int act, float *y, int i0, int i1,
                                                          float *pad, int ph, int pw, const int T, const int PX) {
  const int co = g->co, sw = g->sw;
  int poff[FW_T];
  for (int ky = 0; ky < g->kh; ky++)
    for (int kx = 0; kx < g->kw; kx++) poff[ky * g->kw + kx] = ky * pw + kx;
  for (int img = i0; img < i1; img++) {
    pad_image(g, x + (size_t)img * g->h * g->w, pad, ph, pw);
    for (int j = 0; j < co; j += VL) {
      vf w[FW_T];
#pragma GCC unroll 32
      for (int t = 0; t < T; t++) w[t] = ldv(f + (size_t)t * co + j);
      const vf b = bias ? ldv(bias + j) : (vf){0};
      for (int oy = 0; oy < g->oh; oy++) {
        const float *row = pad + (size_t)oy * g->sh * pw;
        int ox = 0;
        for (; ox + PX <= g->ow; ox += PX) {
          const float *p = row + (size_t)ox * sw;
          vf a[FW_PXMAX];
#pragma GCC unroll 8
          for (int i = 0; i < PX; i++) a[i] = (vf){0};
#pragma GCC unroll 32
          for (int t = 0; t < T; t++) {
            const float *q = p + poff[t];
#pragma GCC unroll 8
            for (int i = 0; i < PX; i++) a[i] += splat(q[i * sw]) * w[t];
          }
#pragma GCC unroll 8
          for (int i = 0; i < PX; i++) stv(fw_out(y, g, img, oy, ox + i, j), fw_epi(a[i], b, bias != NULL, act));
        }
        for (; ox < g->ow; ox++) {
          const float *p = row + (size_t)ox * sw;
          vf a0 = {0};
#pragma GCC unroll 32
          for (int t = 0; t < T; t++) a0 += splat(p[poff[t]]) * w[t];
          stv(fw_out(y, g, img, oy, ox, j), fw_epi(a0, b, bias != NULL, act));
        }
      }
    }
  }
}
/* 5x5: 25 tap vectors + 4 pixels' sums. 3x3 (any stride, e.g. a stride-2 first layer): 9 tap vectors + 8 pixels. */
static void fw_regs(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y, int i0,
                    int i1, float *pad, int ph, int pw) {
  fw_body(g, x, f, bias, act, y, i0, i1, pad, ph, pw, FW_T, 4);
}
static void fw_regs3(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y, int i0,
                     int i1, float *pad, int ph, int pw) {
  fw_body(g, x, f, bias, act, y, i0, i1, pad, ph, pw, 9, FW_PXMAX);
}
#endif
int FN1(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y, int i0, int i1) {
  const int taps = g->kh * g->kw, co = g->co;
#if VL == 16
  /* act bit 8: the caller's off switch for the register path (WORKBENCH_CONV1_REGS=0, read in conv.c). */
  int ph, pw;
  if (!(act & TN_CONV1_NO_REGS) && g->c == 1 && taps == FW_T && co % VL == 0 && pad_dims(g, &ph, &pw)) {
    float pad[PAD_MAX];
    fw_regs(g, x, f, bias, act & ~(TN_CONV1_NO_REGS | TN_CONV1_NO_REGS3), y, i0, i1, pad, ph, pw);
    return 2;
  }
  /* 3x3, any stride (WORKBENCH_CONV1_REGS3=0 turns it off). */
  if (!(act & TN_CONV1_NO_REGS3) && g->c == 1 && g->kh == 3 && g->kw == 3 && co % VL == 0 && pad_dims(g, &ph, &pw)) {
    float pad[PAD_MAX];
    fw_regs3(g, x, f, bias, act & ~(TN_CONV1_NO_REGS | TN_CONV1_NO_REGS3), y, i0, i1, pad, ph, pw);
    return 3;
  }
#endif
  act &= ~(TN_CONV1_NO_REGS | TN_CONV1_NO_REGS3);
  if (g->c != 1 || co % VL || taps > KC || taps > 64) return 0;
  float xv[64];
  int off[64];
  for (int ky = 0; ky < g->kh; ky++)
    for (int kx = 0; kx < g->kw; kx++) off[ky * g->kw + kx] = ky * g->w + kx;
  for (int img = i0; img < i1; img++) {
    const float *xi = x + (size_t)img * g->h * g->w;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const int y0 = oy * g->sh - g->pt, x0 = ox * g->sw - g->pl;
        if (y0 >= 0 && y0 + g->kh <= g->h && x0 >= 0 && x0 + g->kw <= g->w) {
          /* Inside the image (every window of a 'valid' layer): no bounds checks. */
          const float *p = xi + (size_t)y0 * g->w + x0;
          for (int k = 0; k < taps; k++) xv[k] = p[off[k]];
        } else {
          for (int ky = 0; ky < g->kh; ky++) {
            int iy = y0 + ky;
            for (int kx = 0; kx < g->kw; kx++) {
              int ix = x0 + kx;
              xv[ky * g->kw + kx] = (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) ? 0.0f : xi[(size_t)iy * g->w + ix];
            }
          }
        }
        float *out = y + (((size_t)img * g->oh + oy) * g->ow + ox) * co;
        int j = 0;
        for (; j + 2 * VL <= co; j += 2 * VL) {
          vf a0 = {0}, a1 = {0};
          for (int k = 0; k < taps; k++) {
            vf t = splat(xv[k]);
            a0 += t * ldv(f + (size_t)k * co + j);
            a1 += t * ldv(f + (size_t)k * co + j + VL);
          }
          if (bias) {
            a0 += ldv(bias + j);
            a1 += ldv(bias + j + VL);
          }
          if (act == 1) {
            a0 = relu(a0);
            a1 = relu(a1);
          } else if (act == 2) {
            a0 = relu_keep(a0);
            a1 = relu_keep(a1);
          }
          stv(out + j, a0);
          stv(out + j + VL, a1);
        }
        for (; j < co; j += VL) {
          vf a0 = {0};
          for (int k = 0; k < taps; k++) a0 += splat(xv[k]) * ldv(f + (size_t)k * co + j);
          if (bias) a0 += ldv(bias + j);
          if (act == 1) a0 = relu(a0);
          else if (act == 2) a0 = relu_keep(a0);
          stv(out + j, a0);
        }
      }
  }
  return 1;
}

/* One-input-channel 3x3 (and, AVX-512, 5x5) filter gradient over one chunk of conv.c's filter_grad_task (images i0..i1): dw (9 x co) (+)=
   col^T . dy straight from the image, no im2col, no packing, summed exactly as this variant's GEMM sums that product:
   k (the chunk's output pixels in order) in blocks of KC from the chunk's start, each block from 0 with k ascending
   (acc += x * dy, contracted to an FMA as in micro()), each block's sums then added to dw in order (the first one
   overwrites dw unless `accumulate`); padding taps read as 0 and multiplied like any tap. So the bits equal im2col +
   the GEMM. Returns 1 when done, 0 when not covered (other kernel sizes, channels not a whole number of vectors). */
#define FN1DW CAT(tn_conv1ch_dw_, TN_VARIANT)
/* Taps x vectors of sums held in registers: 3x3 as 9 x 2 (AVX-512: 18 of 32 zmm) or 9 x 1 (9 of 16 ymm); 5x5 (and any
   kernel of 10..25 taps) as 25 x 1 on AVX-512 only (25 zmm sums + dy + the broadcast), the image re-read per 16
   channels from L1. */
#define DW_MAXT 25
#if VL == 16
#define DW_JV 2
#else
#define DW_JV 1
#endif
static inline __attribute__((always_inline)) void dw_flush(float *restrict dw, int co, int j, vf acc[DW_MAXT][DW_JV],
                                                            int overwrite, const int T, const int JV) {
#pragma GCC unroll 32
  for (int t = 0; t < T; t++)
#pragma GCC unroll 4
    for (int v = 0; v < JV; v++) {
      float *p = dw + (size_t)t * co + j + v * VL;
      stv(p, overwrite ? acc[t][v] : ldv(p) + acc[t][v]);
      acc[t][v] = (vf){0};
    }
}
/* The window's taps of output pixel (oy, ox): from the zero-padded copy `pad` (row stride pw) when there is one, else
   from the image with bounds checks. Both read padding as 0. */
static inline __attribute__((always_inline)) const float *dw_window(const tn_conv *g, const float *xi, const float *pad,
                                                                    int pw, const int *off, int oy, int ox, float *xv,
                                                                    const int T) {
  const int y0 = oy * g->sh - g->pt, x0 = ox * g->sw - g->pl;
  if (pad) return pad + (size_t)(y0 + g->pt) * pw + x0 + g->pl;
  if (y0 >= 0 && y0 + g->kh <= g->h && x0 >= 0 && x0 + g->kw <= g->w) {
    const float *p = xi + (size_t)y0 * g->w + x0;
#pragma GCC unroll 32
    for (int t = 0; t < T; t++) xv[t] = p[off[t]];
  } else {
    for (int t = 0; t < T; t++) {
      int iy = y0 + t / g->kw, ix = x0 + t % g->kw;
      xv[t] = (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) ? 0.0f : xi[(size_t)iy * g->w + ix];
    }
  }
  return NULL;
}
static inline __attribute__((always_inline)) void dw_body(const tn_conv *g, const float *x, const float *dy, float *dw,
                                                          int i0, int i1, int accumulate, const int T, const int JV,
                                                          float *padbuf) {
  const int usePad = padbuf != NULL;
  const int co = g->co;
  int off[DW_MAXT];
  for (int ky = 0; ky < g->kh; ky++)
    for (int kx = 0; kx < g->kw; kx++) off[ky * g->kw + kx] = ky * g->w + kx;
  int ph = 0, pw = 0;
  if (usePad) pad_dims(g, &ph, &pw);
  int poff[DW_MAXT];
  for (int ky = 0; ky < g->kh; ky++)
    for (int kx = 0; kx < g->kw; kx++) poff[ky * g->kw + kx] = ky * pw + kx;
  for (int j = 0; j < co; j += VL * JV) {
    vf acc[DW_MAXT][DW_JV];
#pragma GCC unroll 32
    for (int t = 0; t < T; t++)
#pragma GCC unroll 4
      for (int v = 0; v < JV; v++) acc[t][v] = (vf){0};
    int kb = 0, overwrite = !accumulate;
    for (int img = i0; img < i1; img++) {
      const float *xi = x + (size_t)img * g->h * g->w;
      const float *d = dy + (size_t)img * g->oh * g->ow * co + j;
      if (usePad) pad_image(g, xi, padbuf, ph, pw);
      for (int oy = 0; oy < g->oh; oy++)
        for (int ox = 0; ox < g->ow; ox++, d += co) {
          float xv[DW_MAXT];
          const float *p = dw_window(g, xi, padbuf, pw, off, oy, ox, xv, T);
          vf dv[DW_JV];
#pragma GCC unroll 4
          for (int v = 0; v < JV; v++) dv[v] = ldv(d + v * VL);
#pragma GCC unroll 32
          for (int t = 0; t < T; t++) {
            vf s = splat(p ? p[poff[t]] : xv[t]);
#pragma GCC unroll 4
            for (int v = 0; v < JV; v++) acc[t][v] += s * dv[v];
          }
          if (++kb == KC) {
            dw_flush(dw, co, j, acc, overwrite, T, JV);
            overwrite = 0;
            kb = 0;
          }
        }
    }
    if (kb) dw_flush(dw, co, j, acc, overwrite, T, JV);
  }
}
int FN1DW(const tn_conv *g, const float *x, const float *dy, float *dw, int i0, int i1, int accumulate) {
  const int taps = g->kh * g->kw, co = g->co;
  if (g->c != 1) return 0;
  if (taps == 9 && co % (VL * DW_JV) == 0) {
    dw_body(g, x, dy, dw, i0, i1, accumulate, 9, DW_JV, NULL);
    return 1;
  }
#if VL == 16
  int ph, pw;
  if (taps == 25 && co % VL == 0 && pad_dims(g, &ph, &pw)) {
    float padbuf[PAD_MAX];
    dw_body(g, x, dy, dw, i0, i1, accumulate, 25, 1, padbuf);
    return 1;
  }
#endif
  return 0;
}

/* The pointwise (1x1, stride 1) convolution's GEMM (conv.c, WORKBENCH_CONV1X1): FN's blocking, loops and micro-kernel
   sums exactly (k blocks of KC, each tile summed from 0 with k ascending, block sums added to C in order, the same
   multiply-adds), with two copies left out where they cost more than they save and the conv's epilogue in the store:
   - A unpacked: a full MR-row panel is read where it lies (row-major A, the image rows, or A transposed, the filter
     gradient's x^T) when C has few column tiles (N <= DIRECT_A_N) to reuse a packed copy over; a last partial panel is
     still packed (no reads past A's rows).
   - B unpacked: row-major B whose every tile is NR or exactly VL wide (N % VL == 0; with the narrow kernel switched off,
     N % NR == 0) when A has few row tiles
     (M <= DIRECT_B_M) to reuse a packed copy over: the filter gradient's dy.
   - bias then the activation (1: x > 0 ? x : 0, 2: x < 0 ? 0 : x) on the final k block's store, element by element as
     tn_conv_post_op after the sum was stored: the same two roundings, the same NaN / -0 results. */
#define FND CAT(tn_gemm_direct_, TN_VARIANT)
#define DIRECT_A_N (4 * NR)
#define DIRECT_B_M (16 * MR)
static inline __attribute__((always_inline)) vf epi_v(vf v, const float *bias, int act) {
  if (bias) v += ldv(bias);
  if (act == 1) v = relu(v);
  else if (act == 2) v = relu_keep(v);
  return v;
}
static inline __attribute__((always_inline)) float epi_s(float v, const float *bias, int j, int act) {
  if (bias) v += bias[j];
  if (act == 1) v = v > 0.0f ? v : 0.0f;
  else if (act == 2) v = v < 0.0f ? 0.0f : v;
  return v;
}
/* micro() / micro_narrow() with A(i, k) = a[i*ars + k*aks] and B(k, j) = b[k*bks + j]; bias (at this tile's first
   column) or act: the epilogue, on the final k block only (the caller passes NULL / 0 on the others). */
static inline __attribute__((always_inline)) void micro_d(int kc, const float *restrict a, long ars, long aks,
                                                          const float *restrict b, long bks, float *restrict c,
                                                          long ldc, int mr, int nr, int overwrite, const float *bias,
                                                          int act, const int nv) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) acc[i][v] = (vf){0};
  for (int k = 0; k < kc; k++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) bv[v] = ldv(b + v * VL);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      vf t = splat(a[i * ars]);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[i][v] += t * bv[v];
    }
    a += aks;
    b += bks;
  }
  if (mr == MR && nr == nv * VL) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float *ci = c + i * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) {
        vf s = overwrite ? acc[i][v] : ldv(ci + v * VL) + acc[i][v];
        /* Single-precision lanes: s is the float tn_conv_post_op would read back from C. */
        if (bias || act) s = epi_v(s, bias ? bias + v * VL : NULL, act);
        stv(ci + v * VL, s);
      }
    }
    return;
  }
  float tmp[MR][NR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) stv(tmp[i] + v * VL, acc[i][v]);
  for (int i = 0; i < mr; i++) {
    float *ci = c + i * ldc;
    for (int j = 0; j < nr; j++) {
      float s = overwrite ? tmp[i][j] : ci[j] + tmp[i][j];
      ci[j] = bias || act ? epi_s(s, bias, j, act) : s;
    }
  }
}
/* The tile at (ir, jr) of the current blocks, through the narrow kernel where FN's micro() would take it. */
static inline __attribute__((always_inline)) void tile_d(int kc, const float *a, long ars, long aks, const float *b,
                                                         long bks, float *c, long ldc, int mr, int nr, int overwrite,
                                                         const float *bias, int act) {
#if NV > 1
  if (nr <= VL && !tn_gemm_wide_only) {
    micro_d(kc, a, ars, aks, b, bks, c, ldc, mr, nr, overwrite, bias, act, 1);
    return;
  }
#endif
  micro_d(kc, a, ars, aks, b, bks, c, ldc, mr, nr, overwrite, bias, act, NV);
}
int FND(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB, float *C,
        long ldc, int accumulate, const float *bias, int act) {
  if (m1 <= m0 || N <= 0) return TN_OK;
  if (K <= 0) {
    for (int i = m0; i < m1; i++) {
      float *ci = C + i * ldc;
      if (!accumulate) memset(ci, 0, N * sizeof(float));
      if (bias || act)
        for (int j = 0; j < N; j++) ci[j] = epi_s(ci[j], bias, j, act);
    }
    return TN_OK;
  }
  const int dA = N <= DIRECT_A_N && (csA == 1 || rsA == 1);
  /* A VL-wide last tile is read as one vector only by the narrow kernel (not under WORKBENCH_GEMM_NARROW=0). */
  const int dB = m1 - m0 <= DIRECT_B_M && csB == 1 && (N % NR == 0 || (N % VL == 0 && !tn_gemm_wide_only));
  int ncMax = N < NC ? ((N + NR - 1) / NR) * NR : NC;
  float *bp = dB ? NULL : tn_scratch(0, (size_t)KC * ncMax);
  float *ap = tn_scratch(1, (size_t)KC * MC);
  if ((!dB && !bp) || !ap) return TN_ENOMEM;
  /* A unpacked: element (i, k) of a panel at a[i*ars + k*aks]. */
  const long ars = csA == 1 ? rsA : 1, aks = csA == 1 ? 1 : csA;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      int overwrite = pc == 0 && !accumulate;
      const int last = pc + kc == K;
      if (!dB) pack_b(kc, nc, B + pc * rsB + jc * csB, rsB, csB, bp);
      for (int ic = m0; ic < m1; ic += MC) {
        int mc = m1 - ic < MC ? m1 - ic : MC;
        /* Packed: every panel (FN's way), or with A unpacked only the last partial one. */
        int full = dA ? (mc / MR) * MR : 0;
        if (mc > full) pack_a(mc - full, kc, A + (ic + full) * rsA + pc * csA, rsA, csA, ap + (size_t)full * kc);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const float *b = dB ? B + pc * rsB + jc + jr : bp + jr * kc;
          const long bks = dB ? rsB : NR;
          const float *bb = last && bias ? bias + jc + jr : NULL;
          const int aa = last ? act : 0;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            float *c = C + (ic + ir) * ldc + jc + jr;
            if (ir < full)
              tile_d(kc, A + (ic + ir) * rsA + pc * csA, ars, aks, b, bks, c, ldc, mr, nr, overwrite, bb, aa);
            else
              tile_d(kc, ap + ir * kc, 1, MR, b, bks, c, ldc, mr, nr, overwrite, bb, aa);
          }
        }
      }
    }
  }
  return TN_OK;
}
