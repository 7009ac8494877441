// Native kernels: Winograd F(2x2, 3x3) convolution for 3x3, stride-1 layers (forward with bias and relu, input gradient).
// Per 2x2 output tile: V = Bt d B (4x4 input tile), M = sum over channels of U (.) V with U = G g Gt (the filter, once
// per call), Y = At M A. The channel sums are 16 GEMMs per chunk of tiles through the chosen GEMM variant: 16 C K
// multiplies per tile instead of im2col's 36 C K. Every output depends on its own tile alone and each GEMM element is
// summed over channels in the GEMM's fixed order, so the bits do not depend on the thread count or the chunking.
// The transforms are additions only (and exact halvings), so they give the same bits on every build.
#include <stdlib.h>
#include <string.h>
#include "tn.h"

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef float v16 __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));
static inline v16 ld16(const float *p) {
  v16 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st16(float *p, v16 v) { memcpy(p, &v, sizeof v); }
static inline v8 ld(const float *p) {
  v8 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st(float *p, v8 v) { memcpy(p, &v, sizeof v); }

/* Calls that took this path (forward, input gradient, filter gradient): the tests' proof that it ran. */
static unsigned long calls[3];
unsigned long tn_winograd_calls(int which) {
  return which >= 0 && which < 3 ? __atomic_load_n(&calls[which], __ATOMIC_RELAXED) : 0;
}

/* WORKBENCH_WINOGRAD=0 (or off, false) turns the path off: read per call, so a bench or test can compare both paths
   in one process (Node's process.env writes go to the C environment). */
static int enabled(void) {
  const char *e = getenv("WORKBENCH_WINOGRAD");
  return !(e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false")));
}

/* Where im2col measured as fast or faster (docs/GEMM.md, "Winograd"; native/bench/winograd.mjs): fewer than 8 input
   channels (the transforms dominate short GEMMs), fewer than 32 tiles (a few small images), and input gradients of
   layers with fewer than 32 input channels (there im2col's col2im is cheap and Winograd's GEMMs are narrower than the
   register tile). The filter gradient: see tn_winograd_covers_filter_grad. A build with -DTN_WINO_MIN_CH=1 -DTN_WINO_MIN_DX_OUT=1 -DTN_WINO_MIN_TILES=1 takes every 3x3 stride-1 shape, to measure. */
#ifndef TN_WINO_MIN_CH
#define TN_WINO_MIN_CH 8
#endif
#ifndef TN_WINO_MIN_DX_OUT
#define TN_WINO_MIN_DX_OUT 32
#endif
#ifndef TN_WINO_MIN_TILES
#define TN_WINO_MIN_TILES 32
#endif

/* cin: the GEMM's inner size (input channels of the convolution computed), cout: its outputs, tiles: 2x2 output tiles. */
static int covers(const tn_conv *g, int cin, int cout, int min_out, long tiles) {
  return g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && cin >= TN_WINO_MIN_CH && cout >= min_out &&
         tiles >= TN_WINO_MIN_TILES && enabled();
}

/* WORKBENCH_WINOGRAD_WIDE=0 (or off, false): the tile transforms 8 channels at a time, as before, instead of 16 (read
   per call; A/B runs and the tests' bit-identity check). Calls of the three (forward, input and filter gradient) that took 16: */
static unsigned long wide_calls;
unsigned long tn_winograd_wide_calls(void) { return __atomic_load_n(&wide_calls, __ATOMIC_RELAXED); }
static int wide_enabled(void) {
  const char *e = getenv("WORKBENCH_WINOGRAD_WIDE");
  int on = !(e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false")));
  if (on) __atomic_fetch_add(&wide_calls, 1, __ATOMIC_RELAXED);
  return on;
}

static long tile_count(int n, int oh, int ow) { return (long)n * ((oh + 1) / 2) * ((ow + 1) / 2); }

int tn_winograd_covers_forward(const tn_conv *g) {
  return covers(g, g->c, g->co, TN_WINO_MIN_CH, tile_count(g->n, g->oh, g->ow));
}
int tn_winograd_covers_input_grad(const tn_conv *g) {
  return covers(g, g->co, g->c, TN_WINO_MIN_DX_OUT, tile_count(g->n, g->h, g->w));
}

/* The transforms in the widest vectors the CPU has (additions only: the same bits in every clone). Not under the
   sanitizers: their runtime is not up yet when the loader runs the clones' ifunc resolver. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__) && \
    !defined(__SANITIZE_ADDRESS__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif
#define CLONES_DECL CLONES

/* U[ci][xi][ko] = (G g Gt)[xi] for the 3x3 kernel g = src(ky, kx, ci, ko). Forward: src = f[ky][kx][ci][ko] (f is
   [3,3,cin,cout]). Input gradient (flip): the convolution of dy with the filter rotated by 180 degrees and in/out
   swapped, src = f[2-ky][2-kx][ko][ci] (f is [3,3,cout,cin]). */
CLONES_DECL static void filter_transform(const float *restrict f, int cin, int cout, int flip, float *restrict U) {
  /* src(ky, kx, ci, ko) = f[(ky*3 + kx)*sk + ci*sc + ko*so]; the inner loop runs over ko (contiguous in the forward
     filter and in U, so it vectorises). U keeps one input channel's 16 planes together: with the planes apart
     (U[xi][ci][ko]) the 16 stores per ko were 4 C K bytes apart, one cache set, and this loop took 2/3 of a small
     call's time. */
  const long so = flip ? cin : 1, sc = flip ? 1 : cout, sk = (long)cin * cout;
  for (int ci = 0; ci < cin; ci++) {
    const float *restrict g = flip ? f + 8 * sk + ci * sc : f + ci * sc;
    const long dk = flip ? -sk : sk; /* flipped: tap (ky, kx) reads (2-ky, 2-kx), i.e. the taps in reverse order */
    float *restrict u = U + (size_t)ci * 16 * cout;
    for (int ko = 0; ko < cout; ko++) {
      const float *q = g + ko * so;
      float g0 = q[0], g1 = q[dk], g2 = q[2 * dk], g3 = q[3 * dk], g4 = q[4 * dk], g5 = q[5 * dk], g6 = q[6 * dk],
            g7 = q[7 * dk], g8 = q[8 * dk];
      /* t = G g (rows ky), then u = t Gt (columns kx). */
      float t00 = g0, t01 = g1, t02 = g2;
      float t10 = (g0 + g3 + g6) * 0.5f, t11 = (g1 + g4 + g7) * 0.5f, t12 = (g2 + g5 + g8) * 0.5f;
      float t20 = (g0 - g3 + g6) * 0.5f, t21 = (g1 - g4 + g7) * 0.5f, t22 = (g2 - g5 + g8) * 0.5f;
      float t30 = g6, t31 = g7, t32 = g8;
#define ROW(r, a, b, c)                                        \
  u[(r * 4 + 0) * cout + ko] = a;                              \
  u[(r * 4 + 1) * cout + ko] = (a + b + c) * 0.5f;             \
  u[(r * 4 + 2) * cout + ko] = (a - b + c) * 0.5f;             \
  u[(r * 4 + 3) * cout + ko] = c;
      ROW(0, t00, t01, t02)
      ROW(1, t10, t11, t12)
      ROW(2, t20, t21, t22)
      ROW(3, t30, t31, t32)
#undef ROW
    }
  }
}

/* V = Bt d B for one tile, d[r*4+s] the input rows (y) and columns (x); T is v8 or float. */
#define IN_XFORM(T, d, out)                                                                                         \
  do {                                                                                                              \
    T t_[16];                                                                                                       \
    for (int s_ = 0; s_ < 4; s_++) {                                                                                \
      t_[0 + s_] = d[0 + s_] - d[8 + s_];                                                                           \
      t_[4 + s_] = d[4 + s_] + d[8 + s_];                                                                           \
      t_[8 + s_] = d[8 + s_] - d[4 + s_];                                                                           \
      t_[12 + s_] = d[4 + s_] - d[12 + s_];                                                                         \
    }                                                                                                               \
    for (int r_ = 0; r_ < 4; r_++) {                                                                                \
      out[r_ * 4 + 0] = t_[r_ * 4 + 0] - t_[r_ * 4 + 2];                                                            \
      out[r_ * 4 + 1] = t_[r_ * 4 + 1] + t_[r_ * 4 + 2];                                                            \
      out[r_ * 4 + 2] = t_[r_ * 4 + 2] - t_[r_ * 4 + 1];                                                            \
      out[r_ * 4 + 3] = t_[r_ * 4 + 1] - t_[r_ * 4 + 3];                                                            \
    }                                                                                                               \
  } while (0)

/* Y = At M A for one tile: y[i*2+j] from m[r*4+s]. */
#define OUT_XFORM(T, m, y)                                                                                          \
  do {                                                                                                              \
    T a_[8];                                                                                                        \
    for (int s_ = 0; s_ < 4; s_++) {                                                                                \
      a_[s_] = m[s_] + m[4 + s_] + m[8 + s_];                                                                       \
      a_[4 + s_] = m[4 + s_] - m[8 + s_] - m[12 + s_];                                                              \
    }                                                                                                               \
    for (int i_ = 0; i_ < 2; i_++) {                                                                                \
      y[i_ * 2 + 0] = a_[i_ * 4 + 0] + a_[i_ * 4 + 1] + a_[i_ * 4 + 2];                                             \
      y[i_ * 2 + 1] = a_[i_ * 4 + 1] - a_[i_ * 4 + 2] - a_[i_ * 4 + 3];                                             \
    }                                                                                                               \
  } while (0)

/* One tile's 16 transformed values for channels 0..c, written to v[xi * plane + ch]. */
static inline __attribute__((always_inline)) void input_tile(const float *const src[16], int c, float *v, long plane,
                                                            int wide) {
  int ch = 0;
  /* 16 channels at a time where the caller asks (one AVX-512 register; the same additions, so the same bits). */
  for (; wide && ch + 16 <= c; ch += 16) {
    v16 d[16], o[16];
    for (int i = 0; i < 16; i++) d[i] = ld16(src[i] + ch);
    IN_XFORM(v16, d, o);
    for (int i = 0; i < 16; i++) st16(v + i * plane + ch, o[i]);
  }
  for (; ch + 8 <= c; ch += 8) {
    v8 d[16], o[16];
    for (int i = 0; i < 16; i++) d[i] = ld(src[i] + ch);
    IN_XFORM(v8, d, o);
    for (int i = 0; i < 16; i++) st(v + i * plane + ch, o[i]);
  }
  for (; ch < c; ch++) {
    float d[16], o[16];
    for (int i = 0; i < 16; i++) d[i] = src[i][ch];
    IN_XFORM(float, d, o);
    for (int i = 0; i < 16; i++) v[i * plane + ch] = o[i];
  }
}

/* One tile's outputs for channels 0..k from m[xi * plane + ch]: + bias, then relu (act 1, or 2: tfjs's), as conv.c's post_op.
   dst[i] is NULL for an output outside the image (the last row or column of an odd size). */
static inline __attribute__((always_inline)) void output_tile(const float *m, long plane, int k, const float *bias, int act, float *const dst[4],
                                                             int wide) {
  int ch = 0;
  for (; wide && ch + 16 <= k; ch += 16) {
    v16 mm[16], y[4];
    for (int i = 0; i < 16; i++) mm[i] = ld16(m + i * plane + ch);
    OUT_XFORM(v16, mm, y);
    for (int i = 0; i < 4; i++) {
      if (!dst[i]) continue;
      v16 o = y[i];
      if (bias) o += ld16(bias + ch);
      if (act == 1) o = (v16)((v16i)o & (o > 0.0f));
      else if (act == 2) o = (v16)((v16i)o & ~(o < 0.0f));
      st16(dst[i] + ch, o);
    }
  }
  for (; ch + 8 <= k; ch += 8) {
    v8 mm[16], y[4];
    for (int i = 0; i < 16; i++) mm[i] = ld(m + i * plane + ch);
    OUT_XFORM(v8, mm, y);
    for (int i = 0; i < 4; i++) {
      if (!dst[i]) continue;
      v8 o = y[i];
      if (bias) o += ld(bias + ch);
      if (act == 1) o = (v8)((v8i)o & (o > 0.0f)); /* NaN and -0 give +0, as post_op */
      else if (act == 2) o = (v8)((v8i)o & ~(o < 0.0f)); /* tfjs's Relu: NaN and -0 kept, as post_op */
      st(dst[i] + ch, o);
    }
  }
  for (; ch < k; ch++) {
    float mm[16], y[4];
    for (int i = 0; i < 16; i++) mm[i] = m[i * plane + ch];
    OUT_XFORM(float, mm, y);
    for (int i = 0; i < 4; i++) {
      if (!dst[i]) continue;
      float o = y[i];
      if (bias) o += bias[ch];
      if (act == 1) o = o > 0.0f ? o : 0.0f;
      else if (act == 2) o = o < 0.0f ? 0.0f : o;
      dst[i][ch] = o;
    }
  }
}

typedef struct {
  int n, h, w, c, k, oh, ow, pt, pl, act; /* input [n,h,w,c], output [n,oh,ow,k], y = x_padded conv */
  const float *x, *u, *bias;
  float *y;
  long tiles;
  int th, tw, chunk;
  int wide; /* the transforms 16 channels at a time (WORKBENCH_WINOGRAD_WIDE=0: 8) */
} wino_job;

CLONES static int task(void *p, int t, int nt) {
  const wino_job *j = p;
  long g0 = j->tiles * t / nt, g1 = j->tiles * (t + 1) / nt;
  if (g0 >= g1) return TN_OK;
  const int C = j->c, K = j->k, tpi = j->th * j->tw;
  const long vplane = (long)j->chunk * C, mplane = (long)j->chunk * K;
  float *V = tn_scratch(2, (size_t)16 * (vplane + mplane) + C);
  if (!V) return TN_ENOMEM;
  float *M = V + 16 * vplane, *zero = M + 16 * mplane;
  memset(zero, 0, (size_t)C * sizeof(float));
  for (long s = g0; s < g1; s += j->chunk) {
    int T = (int)(g1 - s < j->chunk ? g1 - s : j->chunk);
    for (int tt = 0; tt < T; tt++) {
      long gt = s + tt;
      int img = (int)(gt / tpi), r = (int)(gt % tpi), y0 = 2 * (r / j->tw) - j->pt, x0 = 2 * (r % j->tw) - j->pl;
      const float *src[16];
      const float *xim = j->x + (size_t)img * j->h * j->w * C;
      for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
          int iy = y0 + a, ix = x0 + b;
          src[a * 4 + b] = (iy < 0 || iy >= j->h || ix < 0 || ix >= j->w) ? zero : xim + ((size_t)iy * j->w + ix) * C;
        }
      input_tile(src, C, V + (size_t)tt * C, vplane, j->wide);
    }
    for (int xi = 0; xi < 16; xi++) {
      int err = tn_sgemm_rows(0, T, K, C, V + xi * vplane, C, 1, j->u + (size_t)xi * K, 16L * K, 1, M + xi * mplane, K, 0);
      if (err) return err;
    }
    for (int tt = 0; tt < T; tt++) {
      long gt = s + tt;
      int img = (int)(gt / tpi), r = (int)(gt % tpi), oy = 2 * (r / j->tw), ox = 2 * (r % j->tw);
      float *yi = j->y + (size_t)img * j->oh * j->ow * K;
      float *dst[4];
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
          dst[a * 2 + b] = (oy + a < j->oh && ox + b < j->ow) ? yi + ((size_t)(oy + a) * j->ow + ox + b) * K : NULL;
      output_tile(M + (size_t)tt * K, mplane, K, j->bias, j->act, dst, j->wide);
    }
  }
  return TN_OK;
}

/* Tiles per chunk: its V and M planes together about 1 MB (in L2 between the transforms and the GEMMs), in whole
   GEMM register tiles (24 rows: a multiple of both variants' 6 and 8). Speed only: a chunk cannot change a number. */
static int chunk_tiles(int c, int k) {
  long per = 262144 / (16L * (c + k));
  per = per / 24 * 24;
  return per < 24 ? 24 : (int)per;
}

static int run(int n, int h, int w, int c, int k, int oh, int ow, int pt, int pl, const float *x, const float *f,
               int flip, const float *bias, int act, float *y) {
  /* The caller's scratch: it outlives every part of this call. */
  float *U = tn_scratch(3, (size_t)16 * c * k);
  if (!U) return TN_ENOMEM;
  filter_transform(f, c, k, flip, U);
  wino_job j = {.n = n, .h = h, .w = w, .c = c, .k = k, .oh = oh, .ow = ow, .pt = pt, .pl = pl, .act = act,
                .x = x, .u = U, .bias = bias, .y = y, .th = (oh + 1) / 2, .tw = (ow + 1) / 2, .chunk = chunk_tiles(c, k),
                .wide = wide_enabled()};
  j.tiles = (long)n * j.th * j.tw;
  int parts = tn_threads();
  if (parts < 1) parts = 1;
  return tn_parallel(task, &j, parts);
}

int tn_winograd_conv2d(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y) {
  int err = run(g->n, g->h, g->w, g->c, g->co, g->oh, g->ow, g->pt, g->pl, x, f, 0, bias, act, y);
  if (!err) __atomic_fetch_add(&calls[0], 1, __ATOMIC_RELAXED);
  return err;
}

/* dx[iy, ix, c] = sum over ky, kx, k of dy[iy + pt - ky, ix + pl - kx, k] f[ky, kx, c, k]: a stride-1 convolution of dy
   (padded by 2 - pt, 2 - pl) with the rotated, transposed filter, whose output is the input's size. */
int tn_winograd_input_grad(const tn_conv *g, const float *dy, const float *f, float *dx) {
  int err = run(g->n, g->oh, g->ow, g->co, g->c, g->h, g->w, 2 - g->pt, 2 - g->pl, dy, f, 1, NULL, 0, dx);
  if (!err) __atomic_fetch_add(&calls[1], 1, __ATOMIC_RELAXED);
  return err;
}

/* Filter gradient: dW[ky, kx, c, k] = sum over images and outputs (oy, ox) of x[oy + ky - pt, ox + kx - pl, c]
   dy[oy, ox, k]. It is the transpose of F(2x2, 3x3)'s bilinear form y = At [(G g Gt) (.) (Bt d B)] A: per 2x2 tile of
   dy, dW = Gt [V (.) Y'] G with V = Bt d B (the tile's 4x4 input window, as the forward) and Y' = A dy At (4x4 from the
   2x2 dy tile). M = sum over all tiles of V (.) Y' is 16 GEMMs V_xi^T . Y'_xi (C x K each, the reduction over tiles);
   dW = Gt M G once at the end. 16 C K multiplies per tile instead of im2col's 36 C K.
   Determinism: the tiles are cut into groups by the shape alone (at most DW_GROUPS, each summed chunk by chunk into
   its own buffer in tile order); the groups' sums are added in group order. The thread count only decides which
   thread sums which group, so the bits do not depend on it. */
#define DW_GROUPS 16

/* Tiles per chunk: V and Y' about 256 KB together. Measured on strong-cnn's layers (batch 128, 1 thread, ms):
   1 MB 17.0 / 6.9 / 11.6, 256 KB 13.7 / 6.3 / 10.9, 128 KB 14.2 / 6.7 / 11.6. The chunk is part of the summation
   order (the GEMMs accumulate chunk by chunk), so it depends on the shape alone. */
static int dw_chunk_tiles(int c, int k) {
  long per = 65536 / (16L * (c + k));
  return per < 8 ? 8 : (int)per;
}

/* Im2col -> Winograd (process CPU ms, batch 128, 28x28 unless said, 1 thread): 8->2 7.6 -> 3.9, 8->8 7.8 -> 4.4,
   16->16 13.1 -> 8.1, 32->1 23.3 -> 11.6, 16->32 at 14x14 3.0 -> 1.8, batch 1 64->64 at 14x14 0.15 -> 0.11; slower or
   barely faster with fewer than 8 input channels (1->32 2.8 -> 5.4, 2->16 4.6 -> 4.8, 4->16 6.0 -> 5.5) and on few
   tiles (batch 1, 64->64 at 4x4: 0.64x). So: the forward's minimum of input channels and tiles, any number of outputs. */
int tn_winograd_covers_filter_grad(const tn_conv *g) {
  return covers(g, g->c, g->co, 1, tile_count(g->n, g->oh, g->ow));
}

/* Y' = A e At for one 2x2 dy tile e[a*2+b]: A's rows (1, 0), (1, 1), (1, -1), (0, -1). */
#define DY_XFORM(T, e, out)                                                                                         \
  do {                                                                                                              \
    T r_[8];                                                                                                        \
    for (int b_ = 0; b_ < 2; b_++) {                                                                                \
      r_[0 + b_] = e[b_];                                                                                           \
      r_[2 + b_] = e[b_] + e[2 + b_];                                                                               \
      r_[4 + b_] = e[b_] - e[2 + b_];                                                                               \
      r_[6 + b_] = -e[2 + b_];                                                                                      \
    }                                                                                                               \
    for (int q_ = 0; q_ < 4; q_++) {                                                                                \
      out[q_ * 4 + 0] = r_[q_ * 2];                                                                                 \
      out[q_ * 4 + 1] = r_[q_ * 2] + r_[q_ * 2 + 1];                                                                \
      out[q_ * 4 + 2] = r_[q_ * 2] - r_[q_ * 2 + 1];                                                                \
      out[q_ * 4 + 3] = -r_[q_ * 2 + 1];                                                                            \
    }                                                                                                               \
  } while (0)

static inline __attribute__((always_inline)) void dy_tile(const float *const src[4], int k, float *v, long plane) {
  int ch = 0;
  for (; ch + 8 <= k; ch += 8) {
    v8 e[4], o[16];
    for (int i = 0; i < 4; i++) e[i] = ld(src[i] + ch);
    DY_XFORM(v8, e, o);
    for (int i = 0; i < 16; i++) st(v + i * plane + ch, o[i]);
  }
  for (; ch < k; ch++) {
    float e[4], o[16];
    for (int i = 0; i < 4; i++) e[i] = src[i][ch];
    DY_XFORM(float, e, o);
    for (int i = 0; i < 16; i++) v[i * plane + ch] = o[i];
  }
}

typedef struct {
  int n, h, w, c, k, oh, ow, pt, pl;
  const float *x, *dy;
  float *part; /* groups x 16 x C x K: each group's M (the caller's memory) */
  float *df;
  long tiles;
  int th, tw, chunk, groups;
  int wide; /* the input transform 16 channels at a time (WORKBENCH_WINOGRAD_WIDE=0: 8) */
} fgrad_job;

CLONES static int fgrad_task(void *p, int t, int nt) {
  const fgrad_job *j = p;
  const int g0 = j->groups * t / nt, g1 = j->groups * (t + 1) / nt;
  if (g0 >= g1) return TN_OK;
  const int C = j->c, K = j->k, tpi = j->th * j->tw;
  /* Planes one cache line longer than the chunk: at power-of-two strides (64 tiles of 32 channels: 8 KB) the 16
     stores of a tile's transform fell in one cache set and the call took 40 % longer. */
  const long vplane = (long)j->chunk * C + 16, yplane = (long)j->chunk * K + 16, ck = (long)C * K;
  float *V = tn_scratch(2, (size_t)16 * (vplane + yplane) + (C > K ? C : K));
  if (!V) return TN_ENOMEM;
  float *Y = V + 16 * vplane, *zero = Y + 16 * yplane;
  memset(zero, 0, (size_t)(C > K ? C : K) * sizeof(float));
  for (int grp = g0; grp < g1; grp++) {
    const long a = j->tiles * grp / j->groups, b = j->tiles * (grp + 1) / j->groups;
    float *M = j->part + (size_t)grp * 16 * ck;
    for (long s = a; s < b; s += j->chunk) {
      int T = (int)(b - s < j->chunk ? b - s : j->chunk);
      for (int tt = 0; tt < T; tt++) {
        long gt = s + tt;
        int img = (int)(gt / tpi), r = (int)(gt % tpi), oy = 2 * (r / j->tw), ox = 2 * (r % j->tw);
        int y0 = oy - j->pt, x0 = ox - j->pl;
        const float *src[16], *dsrc[4];
        const float *xim = j->x + (size_t)img * j->h * j->w * C;
        const float *dyim = j->dy + (size_t)img * j->oh * j->ow * K;
        for (int u = 0; u < 4; u++)
          for (int v = 0; v < 4; v++) {
            int iy = y0 + u, ix = x0 + v;
            src[u * 4 + v] = (iy < 0 || iy >= j->h || ix < 0 || ix >= j->w) ? zero : xim + ((size_t)iy * j->w + ix) * C;
          }
        for (int u = 0; u < 2; u++)
          for (int v = 0; v < 2; v++)
            dsrc[u * 2 + v] = (oy + u < j->oh && ox + v < j->ow) ? dyim + ((size_t)(oy + u) * j->ow + ox + v) * K : zero;
        input_tile(src, C, V + (size_t)tt * C, vplane, j->wide);
        dy_tile(dsrc, K, Y + (size_t)tt * K, yplane);
      }
      /* M_xi (C x K) += V_xi^T (C x T) . Y'_xi (T x K) */
      for (int xi = 0; xi < 16; xi++) {
        int err = tn_sgemm_rows(0, C, K, T, V + xi * vplane, 1, C, Y + xi * yplane, K, 1, M + xi * ck, K, s != a);
        if (err) return err;
      }
    }
  }
  return TN_OK;
}

/* dW = Gt M G for one (c, k) from m[r*4+s]: written without a multiply-add to contract (x * 0.5 exact, x + x exact),
   so every clone and build gives the same bits. Columns first (s -> kx), then rows (r -> ky). */
#define DW_XFORM(T, m, w)                                                                                           \
  do {                                                                                                              \
    T c_[12];                                                                                                       \
    for (int r_ = 0; r_ < 4; r_++) {                                                                                \
      T s12_ = m[r_ * 4 + 1] + m[r_ * 4 + 2];                                                                       \
      c_[r_ * 3 + 0] = (s12_ + (m[r_ * 4 + 0] + m[r_ * 4 + 0])) * 0.5f;                                             \
      c_[r_ * 3 + 1] = (m[r_ * 4 + 1] - m[r_ * 4 + 2]) * 0.5f;                                                      \
      c_[r_ * 3 + 2] = (s12_ + (m[r_ * 4 + 3] + m[r_ * 4 + 3])) * 0.5f;                                             \
    }                                                                                                               \
    for (int x_ = 0; x_ < 3; x_++) {                                                                                \
      T s12_ = c_[3 + x_] + c_[6 + x_];                                                                             \
      w[0 + x_] = (s12_ + (c_[x_] + c_[x_])) * 0.5f;                                                                \
      w[3 + x_] = (c_[3 + x_] - c_[6 + x_]) * 0.5f;                                                                 \
      w[6 + x_] = (s12_ + (c_[9 + x_] + c_[9 + x_])) * 0.5f;                                                        \
    }                                                                                                               \
  } while (0)

/* The groups' M added in group order, then dW = Gt M G; parts over input channels (each element's sum alone). */
CLONES static int fgrad_reduce(void *p, int t, int nt) {
  const fgrad_job *j = p;
  const int C = j->c, K = j->k, c0 = C * t / nt, c1 = C * (t + 1) / nt;
  const long ck = (long)C * K, gs = 16 * ck;
  for (int c = c0; c < c1; c++) {
    const float *m0 = j->part + (size_t)c * K;
    float *d = j->df + (size_t)c * K;
    int ko = 0;
    for (; ko + 8 <= K; ko += 8) {
      v8 m[16], w[9];
      for (int i = 0; i < 16; i++) {
        const float *q = m0 + i * ck + ko;
        v8 acc = ld(q);
        for (int grp = 1; grp < j->groups; grp++) acc += ld(q + grp * gs);
        m[i] = acc;
      }
      DW_XFORM(v8, m, w);
      for (int i = 0; i < 9; i++) st(d + i * ck + ko, w[i]);
    }
    for (; ko < K; ko++) {
      float m[16], w[9];
      for (int i = 0; i < 16; i++) {
        const float *q = m0 + i * ck + ko;
        float acc = q[0];
        for (int grp = 1; grp < j->groups; grp++) acc += q[grp * gs];
        m[i] = acc;
      }
      DW_XFORM(float, m, w);
      for (int i = 0; i < 9; i++) d[i * ck + ko] = w[i];
    }
  }
  return TN_OK;
}

int tn_winograd_filter_grad(const tn_conv *g, const float *x, const float *dy, float *df) {
  fgrad_job j = {.n = g->n, .h = g->h, .w = g->w, .c = g->c, .k = g->co, .oh = g->oh, .ow = g->ow, .pt = g->pt,
                 .pl = g->pl, .x = x, .dy = dy, .df = df, .th = (g->oh + 1) / 2, .tw = (g->ow + 1) / 2,
                 .chunk = dw_chunk_tiles(g->c, g->co), .wide = wide_enabled()};
  j.tiles = (long)g->n * j.th * j.tw;
  long groups = (j.tiles + j.chunk - 1) / j.chunk;
  j.groups = groups > DW_GROUPS ? DW_GROUPS : (int)(groups < 1 ? 1 : groups);
  /* The caller's scratch: it outlives every part of this call. */
  j.part = tn_scratch(3, (size_t)j.groups * 16 * g->c * g->co);
  if (!j.part) return TN_ENOMEM;
  int parts = tn_threads();
  if (parts < 1) parts = 1;
  int err = tn_parallel(fgrad_task, &j, parts < j.groups ? parts : j.groups);
  if (!err) err = tn_parallel(fgrad_reduce, &j, parts < g->c ? parts : g->c);
  if (!err) __atomic_fetch_add(&calls[2], 1, __ATOMIC_RELAXED);
  return err;
}
