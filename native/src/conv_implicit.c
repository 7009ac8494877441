// Native kernels: multi-channel convolutions without im2col (AVX-512 only): forward and filter gradient read each
// window straight from the image (a pointer per tap, a zero row outside it) into the GEMM's 8 x 32 register tile.
// Every output is summed exactly as conv.c's im2col + avx512 GEMM sums it (k blocks of 256 from the block's start,
// from 0, k ascending, the same multiply-adds, block sums added to the output in order; bias and activation after),
// so the bits are the same; only the im2col matrix and the packing are gone (~20 % of those calls' time).
#include <stdlib.h>
#include <string.h>
#include "tn.h"

#define VL 16
#define MR 8
#define KC 256
#define ZERO_ROW 4096

typedef float vf __attribute__((vector_size(VL * 4)));

/* The compute is built for AVX-512 by attribute (the file itself is not), so covers() and the rest run on any CPU. */
#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f")))
#else
#define AVX512
#endif
static inline __attribute__((always_inline)) AVX512 vf ldv(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline __attribute__((always_inline)) AVX512 void stv(float *p, vf v) { memcpy(p, &v, sizeof v); }
#define splat(x) ((vf){(x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x)})

/* What a tap outside the image reads (im2col's zeros). */
static const float zero_row[ZERO_ROW];

static unsigned long calls[3];
unsigned long tn_implicit_calls(int which) {
  return which >= 0 && which < 3 ? __atomic_load_n(&calls[which], __ATOMIC_RELAXED) : 0;
}

#if defined(__x86_64__)
static int switched_off(void) {
  const char *e = getenv("WORKBENCH_IMPLICIT_CONV");
  return e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false"));
}
#endif

/* Multi-channel (a multiple of 8, at most ZERO_ROW), not pointwise (conv.c's pointwise path has no im2col), output
   channels a multiple of 16, and the process's GEMM is the avx512 one (whose sums these are). */
static int covers(const tn_conv *g) {
#if defined(__x86_64__)
  if (g->c < 8 || g->c % 8 || g->c > ZERO_ROW || g->co % VL || g->co <= 0) return 0;
  if (g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 && g->oh == g->h && g->ow == g->w)
    return 0;
  if (strcmp(tn_isa(), "avx512f")) return 0;
  return !switched_off();
#else
  (void)g;
  return 0;
#endif
}

/* tp[tap] = the first channel of global output pixel pix's window at that tap, or the zero row. */
static void window(const tn_conv *g, const float *x, long pix, const float **tp, long stride) {
  const long per = (long)g->oh * g->ow;
  const long img = pix / per, r = pix - img * per;
  const int oy = (int)(r / g->ow), ox = (int)(r - (long)oy * g->ow);
  const float *xi = x + (size_t)img * g->h * g->w * g->c;
  for (int ky = 0; ky < g->kh; ky++) {
    const int iy = oy * g->sh - g->pt + ky;
    for (int kx = 0; kx < g->kw; kx++) {
      const int ix = ox * g->sw - g->pl + kx;
      tp[(ky * g->kw + kx) * stride] =
          iy < 0 || iy >= g->h || ix < 0 || ix >= g->w ? zero_row : xi + ((size_t)iy * g->w + ix) * g->c;
    }
  }
}

/* One k block [pc, kend) of y[0..mr, co0..co0 + nv*16]: the rows' windows (tp: rows x taps) times the filter's columns
   co0.. (wp: their K x nv*16 panel), summed from 0 and written (the first block) or added, as the GEMM does. */
static inline __attribute__((always_inline)) AVX512 void fw_block(const tn_conv *g, const float *const *tp,
                                                           const float *wp, float *y, int mr, int co0, int pc,
                                                           int kend, const int nv) {
  const int c = g->c, co = g->co, taps = g->kh * g->kw;
  vf acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = (vf){0};
  for (int k = pc; k < kend;) {
    const int tap = k / c, ci = k - tap * c;
    const int len = c - ci < kend - k ? c - ci : kend - k;
    const float *a[MR];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) a[i] = tp[(i < mr ? i : 0) * taps + tap] + ci;
    const float *b = wp + (size_t)k * nv * VL;
    for (int q = 0; q < len; q++, b += nv * VL) {
      vf b0 = ldv(b);
      if (nv > 1) {
        vf b1 = ldv(b + VL);
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
          vf t = splat(a[i][q]);
          acc[i][0] += t * b0;
          acc[i][1] += t * b1;
        }
      } else {
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) acc[i][0] += splat(a[i][q]) * b0;
      }
    }
    k += len;
  }
  for (int i = 0; i < mr; i++)
    for (int v = 0; v < nv; v++) {
      float *p = y + (size_t)i * co + co0 + v * VL;
      stv(p, pc == 0 ? acc[i][v] : ldv(p) + acc[i][v]);
    }
}

/* Out of line: inlined into the loops below GCC ran short of general registers and spilled a b vector. */
__attribute__((noinline)) AVX512 static void fw_block2(const tn_conv *g, const float *const *tp, const float *wp,
                                                       float *y, int mr, int co0, int pc, int kend) {
  fw_block(g, tp, wp, y, mr, co0, pc, kend, 2);
}
__attribute__((noinline)) AVX512 static void fw_block1(const tn_conv *g, const float *const *tp, const float *wp,
                                                       float *y, int mr, int co0, int pc, int kend) {
  fw_block(g, tp, wp, y, mr, co0, pc, kend, 1);
}

typedef struct {
  const tn_conv *g;
  const float *x, *f, *bias;
  int act;
  float *y;
} fw_job;

/* Rows of output pixels per chunk: the GEMM's MC; a k block of a 32-wide filter panel (32 KB) is read from L1 by all
   of a chunk's tiles, as the GEMM's packed B is. */
#define ROWS (MR * 24)

static int fw_task(void *p, int t, int nt) {
  fw_job *j = p;
  const tn_conv *g = j->g;
  const int taps = g->kh * g->kw, K = taps * g->c, co = g->co;
  const long per = (long)g->oh * g->ow;
  const long end = (long)g->n * (t + 1) / nt * per;
  const float **tp = (const float **)tn_scratch(2, (size_t)ROWS * taps * (sizeof(void *) / sizeof(float)));
  if (!tp) return TN_ENOMEM;
  for (long r0 = (long)g->n * t / nt * per; r0 < end; r0 += ROWS) {
    const int rows = end - r0 < ROWS ? (int)(end - r0) : ROWS;
    for (int r = 0; r < rows; r++) window(g, j->x, r0 + r, tp + (size_t)r * taps, 1);
    float *y = j->y + (size_t)r0 * co;
    for (int pc = 0; pc < K; pc += KC) {
      const int kend = pc + KC < K ? pc + KC : K;
      int co0 = 0;
      for (; co0 + 2 * VL <= co; co0 += 2 * VL)
        for (int i = 0; i < rows; i += MR)
          fw_block2(g, tp + (size_t)i * taps, j->f + (size_t)co0 * K, y + (size_t)i * co, rows - i < MR ? rows - i : MR,
                    co0, pc, kend);
      if (co0 < co)
        for (int i = 0; i < rows; i += MR)
          fw_block1(g, tp + (size_t)i * taps, j->f + (size_t)co0 * K, y + (size_t)i * co, rows - i < MR ? rows - i : MR,
                    co0, pc, kend);
    }
    tn_conv_post_op(y, rows, co, j->bias, j->act);
  }
  return TN_OK;
}

/* -1: not covered (conv.c takes im2col + GEMM); else TN_OK or an error. Each output is its own dot product, so the
   split over images (by the thread count) cannot change a bit. */
int tn_implicit_conv2d(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y) {
  if (!covers(g)) return -1;
  /* The filter as column panels (32 wide, a 16-wide last one), each K x its width, contiguous: the GEMM's packed B
     without its k blocks (the same values, read in the same order). The caller's scratch, in use until the call ends. */
  const int K = g->kh * g->kw * g->c;
  float *wp = tn_scratch(3, (size_t)K * g->co);
  if (!wp) return TN_ENOMEM;
  for (int co0 = 0; co0 < g->co; co0 += 2 * VL) {
    const int w = g->co - co0 >= 2 * VL ? 2 * VL : VL;
    float *panel = wp + (size_t)co0 * K;
    for (int k = 0; k < K; k++) memcpy(panel + (size_t)k * w, f + (size_t)k * g->co + co0, w * sizeof(float));
  }
  fw_job j = {.g = g, .x = x, .f = wp, .bias = bias, .act = act, .y = y};
  int err = tn_parallel(fw_task, &j, tn_threads());
  if (!err) __atomic_fetch_add(&calls[0], 1, __ATOMIC_RELAXED);
  return err;
}

/* dw rows tap*c + ci0 .. + 8, columns co0 .. + nv*16 (+)= sum over the block's kc pixels of window x dy. */
static inline __attribute__((always_inline)) AVX512 void dw_tile(const float *const *tp, int ci0, const float *dy, int co,
                                                          int kc, float *out, int overwrite, int co0, const int nv) {
  vf acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = (vf){0};
  const float *b = dy + co0;
  for (int p = 0; p < kc; p++, b += co) {
    const float *a = tp[p] + ci0;
    vf b0 = ldv(b), b1 = nv > 1 ? ldv(b + VL) : b0;
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      vf t = splat(a[i]);
      acc[i][0] += t * b0;
      if (nv > 1) acc[i][1] += t * b1;
    }
  }
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < nv; v++) {
      float *q = out + (size_t)i * co + co0 + v * VL;
      stv(q, overwrite ? acc[i][v] : ldv(q) + acc[i][v]);
    }
}

/* conv.c's filter-gradient chunk (images s..e, its pixels the GEMM's k in blocks of 256 from the chunk's start):
   dw (K x co) (+)= col^T . dy. 1 done. */
AVX512 static int implicit_dw(const tn_conv *g, const float *x, const float *dy, float *dw, int s, int e, int accumulate) {
  const int taps = g->kh * g->kw, c = g->c, co = g->co;
  const long per = (long)g->oh * g->ow, rows = (long)(e - s) * per, first = (long)s * per;
  const float **tp = (const float **)tn_scratch(2, (size_t)KC * taps * (sizeof(void *) / sizeof(float)));
  if (!tp) return 0; /* conv.c's path then reports the lack of memory itself */
  for (long pc = 0; pc < rows; pc += KC) {
    const int kc = rows - pc < KC ? (int)(rows - pc) : KC;
    for (int p = 0; p < kc; p++) window(g, x, first + pc + p, tp + p, KC);
    const int overwrite = pc == 0 && !accumulate;
    const float *dyb = dy + (size_t)(first + pc) * co;
    for (int tap = 0; tap < taps; tap++)
      for (int ci0 = 0; ci0 < c; ci0 += MR) {
        float *out = dw + ((size_t)tap * c + ci0) * co;
        int co0 = 0;
        for (; co0 + 2 * VL <= co; co0 += 2 * VL) dw_tile(tp + (size_t)tap * KC, ci0, dyb, co, kc, out, overwrite, co0, 2);
        if (co0 < co) dw_tile(tp + (size_t)tap * KC, ci0, dyb, co, kc, out, overwrite, co0, 1);
      }
  }
  return 1;
}

/* For conv.c's filter gradient: the chunk function, or NULL (not covered, or WORKBENCH_IMPLICIT_CONV=0). */
tn_conv_dw_fn tn_implicit_dw_pick(const tn_conv *g) {
  if (!covers(g)) return NULL;
  __atomic_fetch_add(&calls[1], 1, __ATOMIC_RELAXED);
  return implicit_dw;
}

/* Input gradient: conv.c's own arithmetic (dcol = dy . f^T through the GEMM, chunk by chunk, then col2im), with f^T
   written out once per call. conv.c hands the GEMM f itself as a transposed B, which it re-packs column by column
   (a strided gather of the whole filter) for every chunk; from f^T the packing is row copies. The GEMM sees the
   same values in the same order: the same bits. */
typedef struct {
  const tn_conv *g;
  const float *dy, *ft;
  float *dx;
} dx_job;

static int dx_images_per_chunk(const tn_conv *g) {
  long k = (long)g->kh * g->kw * g->c + g->co; /* conv.c's images_per_out_chunk */
  long per = 262144 / k / ((long)g->oh * g->ow);
  return per < 1 ? 1 : (int)per;
}

static int dx_task(void *p, int t, int nt) {
  dx_job *j = p;
  const tn_conv *g = j->g;
  const int K = g->kh * g->kw * g->c, c = g->c, per = g->oh * g->ow;
  const int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  const int chunk = dx_images_per_chunk(g);
  for (int s = i0; s < i1; s += chunk) {
    const int e = s + chunk < i1 ? s + chunk : i1, rows = (e - s) * per;
    float *col = tn_scratch(2, (size_t)rows * K);
    if (!col) return TN_ENOMEM;
    int err = tn_sgemm_rows(0, rows, K, g->co, j->dy + (size_t)s * per * g->co, g->co, 1, j->ft, K, 1, col, K, 0);
    if (err) return err;
    memset(j->dx + (size_t)s * g->h * g->w * c, 0, (size_t)(e - s) * g->h * g->w * c * sizeof(float));
    tn_conv_col2im(g, 1, 1, col, s, e, j->dx);
  }
  return TN_OK;
}

/* -1: not covered; else TN_OK or an error. */
int tn_implicit_input_grad(const tn_conv *g, const float *dy, const float *f, float *dx) {
  if (!covers(g)) return -1;
  const int K = g->kh * g->kw * g->c, co = g->co;
  float *ft = tn_scratch(3, (size_t)K * co); /* the caller's, in use until the call ends */
  if (!ft) return TN_ENOMEM;
  for (int k = 0; k < K; k++)
    for (int q = 0; q < co; q++) ft[(size_t)q * K + k] = f[(size_t)k * co + q];
  dx_job j = {.g = g, .dy = dy, .ft = ft, .dx = dx};
  int err = tn_parallel(dx_task, &j, tn_threads());
  if (!err) __atomic_fetch_add(&calls[2], 1, __ATOMIC_RELAXED);
  return err;
}
