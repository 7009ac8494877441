// Native kernels: 2-D convolution (NHWC) forward and both gradients as im2col + GEMM, parallel over images.
#include <stdlib.h>
#include <string.h>
#include "tn.h"

#define MAX_PARTS 64

/* Rows of the im2col matrix per thread-local chunk: about 1 MB, so a chunk stays in L2 between its two passes. */
static int images_per_chunk(const tn_conv *g) {
  long k = (long)g->kh * g->kw * g->c;
  long rows = 262144 / (k > 0 ? k : 1);
  long per = rows / ((long)g->oh * g->ow);
  return per < 1 ? 1 : (int)per;
}

/* Forward and input gradient: about 1 MB of im2col rows and output (dy) rows together, so the output is still in L2
   when the bias and relu pass (col2im) reads it back. With few input channels the output is the larger part
   (the first layer: 9 columns against 32 channels). Chunking cannot change a number here: each output element is
   one GEMM dot product. The filter gradient keeps images_per_chunk: its chunks decide its summation order. */
static int images_per_out_chunk(const tn_conv *g) {
  long k = (long)g->kh * g->kw * g->c + g->co;
  long per = 262144 / k / ((long)g->oh * g->ow);
  return per < 1 ? 1 : (int)per;
}

static int is_pointwise(const tn_conv *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 && g->oh == g->h && g->ow == g->w;
}

/* col[(img*oh + oh)*ow + ow][(ky*kw + kx)*c + ci] = x[img, oh*sh - pt + ky*dh, ow*sw - pl + kx*dw, ci], 0 outside
   (dh = dw = 1 here; conv_dilated.c passes its dilation). */
static inline void im2col_at(const tn_conv *g, int dh, int dw, const float *x, int i0, int i1, float *col) {
  const int K = g->kh * g->kw * g->c;
  const size_t cb = (size_t)g->c * sizeof(float);
  for (int img = i0; img < i1; img++) {
    const float *xi = x + (size_t)img * g->h * g->w * g->c;
    for (int oy = 0; oy < g->oh; oy++) {
      for (int ox = 0; ox < g->ow; ox++) {
        float *row = col + ((size_t)((img - i0) * g->oh + oy) * g->ow + ox) * K;
        for (int ky = 0; ky < g->kh; ky++) {
          int iy = oy * g->sh - g->pt + ky * dh;
          if (g->c == 1) {
            /* One channel (the first layer): element copies, not a memcpy call per float. */
            int rowIn = iy >= 0 && iy < g->h;
            const float *xr = rowIn ? xi + (size_t)iy * g->w : xi;
            for (int kx = 0; kx < g->kw; kx++) {
              int ix = ox * g->sw - g->pl + kx * dw;
              *row++ = (!rowIn || ix < 0 || ix >= g->w) ? 0.0f : xr[ix];
            }
            continue;
          }
          for (int kx = 0; kx < g->kw; kx++, row += g->c) {
            int ix = ox * g->sw - g->pl + kx * dw;
            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) memset(row, 0, cb);
            else memcpy(row, xi + ((size_t)iy * g->w + ix) * g->c, cb);
          }
        }
      }
    }
  }
}
static void im2col(const tn_conv *g, const float *x, int i0, int i1, float *col) { im2col_at(g, 1, 1, x, i0, i1, col); }
void tn_conv_im2col(const tn_conv *g, int dh, int dw, const float *x, int i0, int i1, float *col) {
  im2col_at(g, dh, dw, x, i0, i1, col);
}

/* dx[img, iy, ix, :] += dcol[row][(ky*kw + kx)*c + :] over every window that read it (taps ascending; rows from image
   i0 on). dx chunk pre-zeroed. */
static inline void col2im_at(const tn_conv *g, int dh, int dw, const float *col, int i0, int i1, float *dx) {
  const int K = g->kh * g->kw * g->c;
  for (int img = i0; img < i1; img++) {
    float *xi = dx + (size_t)img * g->h * g->w * g->c;
    for (int oy = 0; oy < g->oh; oy++) {
      for (int ox = 0; ox < g->ow; ox++) {
        const float *row = col + ((size_t)((img - i0) * g->oh + oy) * g->ow + ox) * K;
        for (int ky = 0; ky < g->kh; ky++) {
          int iy = oy * g->sh - g->pt + ky * dh;
          for (int kx = 0; kx < g->kw; kx++, row += g->c) {
            int ix = ox * g->sw - g->pl + kx * dw;
            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) continue;
            float *d = xi + ((size_t)iy * g->w + ix) * g->c;
            for (int ci = 0; ci < g->c; ci++) d[ci] += row[ci];
          }
        }
      }
    }
  }
}
void tn_conv_col2im(const tn_conv *g, int dh, int dw, const float *col, int i0, int i1, float *dx) {
  col2im_at(g, dh, dw, col, i0, i1, dx);
}

/* The filter gradient's part count: by the caller's thread count and the batch only (it fixes the summation order). */
static int tn_conv_filter_grad_parts(const tn_conv *g) {
  int parts = tn_threads();
  if (parts > g->n) parts = g->n;
  if (parts > MAX_PARTS) parts = MAX_PARTS;
  return parts < 1 ? 1 : parts;
}

/* df += each later part's sums, in part order. */
static void tn_conv_add_parts(float *df, const float *spare, int parts, size_t kco) {
  for (int t = 1; t < parts; t++) {
    const float *pt = spare + (size_t)(t - 1) * kco;
    for (size_t i = 0; i < kco; i++) df[i] += pt[i];
  }
}

typedef struct {
  const tn_conv *g;
  const float *a, *b;
  float *out;
  const float *bias;        /* forward: optional per-output-channel bias */
  int act;                  /* forward: 0 linear, 1 relu, 2 relu as tfjs's Relu */
  float *spare;             /* filter grad: parts 1.. write their K x co sums here (the caller's memory); part 0 writes out */
  int (*dw)(const tn_conv *, const float *, const float *, float *, int, int, int); /* filter grad: direct one-channel chunk, or NULL */
  int regs;                 /* forward: the one-channel 5x5 register path allowed (WORKBENCH_CONV1_REGS not 0) */
  int regs3;                /* forward: the one-channel 3x3 register path allowed (WORKBENCH_CONV1_REGS3 not 0) */
  int direct;               /* forward: conv_direct.c's strided kernel takes every part */
  int dil_h, dil_w;         /* gradients: the kernel's dilation (conv_dilated.c), 0 read as 1 */
  long chunk_k;             /* filter grad: the K its image chunks are sized by (a dilated kernel's dense K), 0: its own */
  int pw;                   /* pointwise: tn_sgemm_rows_pw (WORKBENCH_CONV1X1 not 0) */
} conv_job;

static void split(int n, int t, int nt, int *i0, int *i1) {
  *i0 = (int)((long)n * t / nt);
  *i1 = (int)((long)n * (t + 1) / nt);
}

void tn_conv_post_op(float *y, long rows, int co, const float *bias, int act) {
  if (!bias && !act) return;
  for (long r = 0; r < rows; r++, y += co) {
    if (bias)
      for (int k = 0; k < co; k++) y[k] += bias[k];
    if (act == 1)
      for (int k = 0; k < co; k++) y[k] = y[k] > 0.0f ? y[k] : 0.0f;
    else if (act == 2)
      /* tfjs's Relu kernel (the taped step's): NaN and -0 kept. */
      for (int k = 0; k < co; k++) y[k] = y[k] < 0.0f ? 0.0f : y[k];
  }
}

static unsigned long regs_calls;
unsigned long tn_conv1ch_regs_calls(void) { return __atomic_load_n(&regs_calls, __ATOMIC_RELAXED); }
static unsigned long regs3_calls;
unsigned long tn_conv1ch_regs3_calls(void) { return __atomic_load_n(&regs3_calls, __ATOMIC_RELAXED); }
static int switched_off(const char *name) {
  const char *e = getenv(name);
  return e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false"));
}

/* Pointwise calls through tn_sgemm_rows_pw (A or B read unpacked, the forward's bias and activation in the GEMM's
   store; gemm_kernel.c): the same bits as tn_sgemm_rows + tn_conv_post_op. WORKBENCH_CONV1X1=0 (off, false): those. */
static unsigned long pw_calls[3];
unsigned long tn_conv1x1_calls(int kind) { return __atomic_load_n(&pw_calls[kind], __ATOMIC_RELAXED); }
static int use_pw(const tn_conv *g, int kind) {
  if (!is_pointwise(g) || switched_off("WORKBENCH_CONV1X1")) return 0;
  __atomic_fetch_add(&pw_calls[kind], 1, __ATOMIC_RELAXED);
  return 1;
}

static int forward_task(void *p, int t, int nt) {
  conv_job *j = p;
  const tn_conv *g = j->g;
  const int K = g->kh * g->kw * g->c, rowsPerImg = g->oh * g->ow;
  int i0, i1;
  split(g->n, t, nt, &i0, &i1);
  /* A first layer (one channel): straight from the image, same bits as below. */
  if (g->c == 1 && !is_pointwise(g)) {
    int done = tn_conv_one_channel(g, j->a, j->b, j->bias,
                                   j->act | (j->regs ? 0 : TN_CONV1_NO_REGS) | (j->regs3 ? 0 : TN_CONV1_NO_REGS3), j->out, i0, i1);
    if (done == 2 && t == 0) __atomic_fetch_add(&regs_calls, 1, __ATOMIC_RELAXED);
    if (done == 3 && t == 0) __atomic_fetch_add(&regs3_calls, 1, __ATOMIC_RELAXED);
    if (done) return TN_OK;
  }
  if (j->direct && tn_conv_direct(g, j->a, j->b, j->bias, j->act, j->out, i0, i1)) return TN_OK;
  int per = images_per_out_chunk(g);
  for (int s = i0; s < i1; s += per) {
    int e = s + per < i1 ? s + per : i1;
    float *y = j->out + (size_t)s * rowsPerImg * g->co;
    int rows = (e - s) * rowsPerImg;
    int err;
    if (j->pw) {
      err = tn_sgemm_rows_pw(0, rows, g->co, K, j->a + (size_t)s * rowsPerImg * g->c, K, 1, j->b, g->co, 1, y, g->co, 0,
                             j->bias, j->act);
      if (err) return err;
      continue;
    }
    if (is_pointwise(g)) {
      err = tn_sgemm_rows(0, rows, g->co, K, j->a + (size_t)s * rowsPerImg * g->c, K, 1, j->b, g->co, 1, y, g->co, 0);
    } else {
      float *col = tn_scratch(2, (size_t)rows * K);
      if (!col) return TN_ENOMEM;
      im2col(g, j->a, s, e, col);
      err = tn_sgemm_rows(0, rows, g->co, K, col, K, 1, j->b, g->co, 1, y, g->co, 0);
    }
    if (err) return err;
    tn_conv_post_op(y, rows, g->co, j->bias, j->act);
  }
  return TN_OK;
}

/* The direct strided kernel (conv_direct.c): AVX-512 GEMM chosen (its bits are the avx512 / avx2 GEMM's; OpenBLAS
   and the generic build sum otherwise), a stride above 1 (stride-1 3x3 layers take Winograd), several input channels. */
static unsigned long direct_calls;
unsigned long tn_conv_direct_calls(void) { return __atomic_load_n(&direct_calls, __ATOMIC_RELAXED); }
static int use_direct(const tn_conv *g) {
  if (g->c == 1 || is_pointwise(g) || (g->sh == 1 && g->sw == 1)) return 0;
  /* The ISA first: conv_direct.c is compiled with -mavx512f, so nothing in it may run on a CPU without AVX-512. */
  if (strcmp(tn_isa(), "avx512f") || switched_off("WORKBENCH_CONV_DIRECT") || !tn_conv_direct_covers(g)) return 0;
  __atomic_fetch_add(&direct_calls, 1, __ATOMIC_RELAXED);
  return 1;
}

/* Each image's output depends on that image alone, so the split over images cannot change a number. */
int tn_conv2d(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y) {
  if (tn_winograd_covers_forward(g)) return tn_winograd_conv2d(g, x, f, bias, act, y);
  conv_job j = {.g = g, .a = x, .b = f, .out = y, .bias = bias, .act = act, .regs = !switched_off("WORKBENCH_CONV1_REGS"),
               .regs3 = !switched_off("WORKBENCH_CONV1_REGS3"), .direct = use_direct(g)};
  j.pw = use_pw(g, 0);
  /* The direct strided kernel (above) first; conv_implicit.c takes the other multi-channel shapes. */
  if (!j.direct) {
    int implicit = tn_implicit_conv2d(g, x, f, bias, act, y);
    if (implicit >= 0) return implicit;
  }
  return tn_parallel(forward_task, &j, tn_threads());
}

static int input_grad_task(void *p, int t, int nt) {
  conv_job *j = p;
  const tn_conv *g = j->g;
  const int K = g->kh * g->kw * g->c, rowsPerImg = g->oh * g->ow;
  int i0, i1;
  split(g->n, t, nt, &i0, &i1);
  int per = images_per_out_chunk(g);
  for (int s = i0; s < i1; s += per) {
    int e = s + per < i1 ? s + per : i1;
    int rows = (e - s) * rowsPerImg;
    const float *dy = j->a + (size_t)s * rowsPerImg * g->co;
    float *dx = j->out + (size_t)s * g->h * g->w * g->c;
    if (is_pointwise(g)) {
      /* dx = dy . f^T directly. */
      int err = j->pw ? tn_sgemm_rows_pw(0, rows, K, g->co, dy, g->co, 1, j->b, 1, g->co, dx, K, 0, NULL, 0)
                      : tn_sgemm_rows(0, rows, K, g->co, dy, g->co, 1, j->b, 1, g->co, dx, K, 0);
      if (err) return err;
      continue;
    }
    float *col = tn_scratch(2, (size_t)rows * K);
    if (!col) return TN_ENOMEM;
    int err = tn_sgemm_rows(0, rows, K, g->co, dy, g->co, 1, j->b, 1, g->co, col, K, 0);
    if (err) return err;
    memset(dx, 0, (size_t)(e - s) * g->h * g->w * g->c * sizeof(float));
    col2im_at(g, j->dil_h ? j->dil_h : 1, j->dil_w ? j->dil_w : 1, col, s, e, j->out);
  }
  return TN_OK;
}

/* As the forward pass: an image's dx comes from that image's dy alone. */
int tn_conv2d_input_grad(const tn_conv *g, const float *dy, const float *f, float *dx) {
  if (tn_winograd_covers_input_grad(g)) return tn_winograd_input_grad(g, dy, f, dx);
  int implicit = tn_implicit_input_grad(g, dy, f, dx);
  if (implicit >= 0) return implicit;
  conv_job j = {.g = g, .a = dy, .b = f, .out = dx, .pw = use_pw(g, 1)};
  return tn_parallel(input_grad_task, &j, tn_threads());
}

/* im2col + GEMM + col2im at a dilation (conv_dilated.c: g's kh, kw its own taps), none of the paths above. */
int tn_conv2d_input_grad_at(const tn_conv *g, int dh, int dw, const float *dy, const float *f, float *dx) {
  conv_job j = {.g = g, .a = dy, .b = f, .out = dx, .dil_h = dh, .dil_w = dw};
  return tn_parallel(input_grad_task, &j, tn_threads());
}

/* The one-channel direct filter gradient (gemm_kernel.c) for the GEMM variant this process uses; 0 where none (OpenBLAS
   and the generic build keep im2col + GEMM) or when WORKBENCH_CONV1_DW=0 (or off, false). Same bits either way. */
static unsigned long direct_dw_calls;
unsigned long tn_conv1ch_dw_calls(void) { return __atomic_load_n(&direct_dw_calls, __ATOMIC_RELAXED); }
typedef int (*dw_fn)(const tn_conv *, const float *, const float *, float *, int, int, int);
/* Rows x columns of the zero-padded image copy the 5x5 direct kernels use (gemm_kernel.c's pad_dims, at most 4096);
   x86 only (unused elsewhere). */
__attribute__((unused)) static long padded_area(const tn_conv *g) {
  long ph = (long)(g->oh - 1) * g->sh + g->kh, pw = (long)(g->ow - 1) * g->sw + g->kw;
  if (ph < g->pt + g->h) ph = g->pt + g->h;
  if (pw < g->pl + g->w) pw = g->pl + g->w;
  return ph * pw;
}
static unsigned long narrow_dw_calls;
unsigned long tn_conv1ch_dw_narrow_calls(void) { return __atomic_load_n(&narrow_dw_calls, __ATOMIC_RELAXED); }
static dw_fn direct_dw(const tn_conv *g) {
  const int taps = g->kh * g->kw;
  if (g->c != 1 || is_pointwise(g) || (taps != 9 && taps != 25)) return NULL;
  const char *e = getenv("WORKBENCH_CONV1_DW");
  if (e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false"))) return NULL;
#if defined(__x86_64__) || defined(__i386__)
  const char *isa = tn_isa();
  /* 5x5 (25 taps): 25 x 1 vectors of sums on AVX-512 only, from a zero-padded copy of each image. */
  if (taps == 25) return !strcmp(isa, "avx512f") && g->co % 16 == 0 && padded_area(g) <= 4096 ? tn_conv1ch_dw_avx512 : NULL;
  if (!strcmp(isa, "avx512f") && g->co % 32 == 0) return tn_conv1ch_dw_avx512;
  /* AVX2 holds 9 x 1 vectors of sums: it re-reads the image per 8 output channels, which measured no faster than
     im2col + GEMM from 32 channels on (2.2 vs 2.1 ms, the seed CNN's first layer); 0.13 vs 0.59 ms at 8. */
  if (!strcmp(isa, "avx2+fma") && g->co % 8 == 0 && g->co <= 16) return tn_conv1ch_dw_avx2;
  /* AVX-512 with 8 or 16 channels (too few for its 9 x 2 zmm sums): the AVX2 kernel, which has the AVX2 GEMM's bits,
     the AVX-512 GEMM's too (same k order, same FMAs; docs/GEMM.md). WORKBENCH_CONV1_DW_NARROW=0 keeps im2col. */
  if (taps == 9 && !strcmp(isa, "avx512f") && g->co % 8 == 0 && g->co <= 16 && !switched_off("WORKBENCH_CONV1_DW_NARROW")) {
    __atomic_fetch_add(&narrow_dw_calls, 1, __ATOMIC_RELAXED);
    return tn_conv1ch_dw_avx2;
  }
#endif
  return NULL;
}

static int filter_grad_task(void *p, int t, int nt) {
  conv_job *j = p;
  const tn_conv *g = j->g;
  const int K = g->kh * g->kw * g->c, rowsPerImg = g->oh * g->ow;
  int i0, i1;
  split(g->n, t, nt, &i0, &i1);
  float *dw = t == 0 ? j->out : j->spare + (size_t)(t - 1) * K * g->co;
  if (i0 >= i1) {
    memset(dw, 0, (size_t)K * g->co * sizeof(float));
    return TN_OK;
  }
  int per = images_per_chunk(g);
  if (j->chunk_k > 0) {
    per = (int)(262144 / j->chunk_k / rowsPerImg);
    if (per < 1) per = 1;
  }
  for (int s = i0; s < i1; s += per) {
    int e = s + per < i1 ? s + per : i1;
    int rows = (e - s) * rowsPerImg;
    const float *dy = j->b + (size_t)s * rowsPerImg * g->co;
    if (j->dw && j->dw(g, j->a, j->b, dw, s, e, s != i0)) continue;
    const float *col;
    if (is_pointwise(g)) {
      col = j->a + (size_t)s * rowsPerImg * g->c;
    } else {
      float *c = tn_scratch(2, (size_t)rows * K);
      if (!c) return TN_ENOMEM;
      im2col_at(g, j->dil_h ? j->dil_h : 1, j->dil_w ? j->dil_w : 1, j->a, s, e, c);
      col = c;
    }
    /* dw (K x co) += col^T (K x rows) . dy (rows x co) */
    int err = j->pw ? tn_sgemm_rows_pw(0, K, g->co, rows, col, 1, K, dy, g->co, 1, dw, g->co, s != i0, NULL, 0)
                    : tn_sgemm_rows(0, K, g->co, rows, col, 1, K, dy, g->co, 1, dw, g->co, s != i0);
    if (err) return err;
  }
  return TN_OK;
}

/* The batch is cut into parts by shape and the caller's thread count only, each part sums its images into its own
   buffer, and the buffers are added in part order: the same bits whether the parts ran on the pool or here. */
static int filter_grad_run(conv_job *j) {
  const tn_conv *g = j->g;
  int parts = tn_conv_filter_grad_parts(g);
  const size_t kco = (size_t)g->kh * g->kw * g->c * g->co;
  if (parts > 1) {
    /* The calling thread's scratch: it stays in this call until the sum below is done. */
    j->spare = tn_scratch(3, (parts - 1) * kco);
    if (!j->spare) return TN_ENOMEM;
  }
  int err = tn_parallel(filter_grad_task, j, parts);
  if (err) return err;
  tn_conv_add_parts(j->out, j->spare, parts, kco);
  return TN_OK;
}

int tn_conv2d_filter_grad(const tn_conv *g, const float *x, const float *dy, float *df) {
  if (tn_winograd_covers_filter_grad(g)) return tn_winograd_filter_grad(g, x, dy, df);
  conv_job j = {.g = g, .a = x, .b = dy, .out = df, .dw = direct_dw(g)};
  if (j.dw) __atomic_fetch_add(&direct_dw_calls, 1, __ATOMIC_RELAXED);
  else j.dw = tn_implicit_dw_pick(g);
  if (!j.dw) j.pw = use_pw(g, 2);
  return filter_grad_run(&j);
}

/* im2col + GEMM at a dilation, the image chunks sized by chunk_k (conv_dilated.c: the dense kernel's K, whose chunks
   fix the summation order over rows), none of the paths above. */
int tn_conv2d_filter_grad_at(const tn_conv *g, int dh, int dw, long chunk_k, const float *x, const float *dy, float *df) {
  conv_job j = {.g = g, .a = x, .b = dy, .out = df, .dil_h = dh, .dil_w = dw, .chunk_k = chunk_k};
  return filter_grad_run(&j);
}

/* As tn_conv2d_filter_grad_at, each image chunk through conv_dilated_direct.c (the same parts, chunks and k blocks:
   the GEMM's bits) instead of im2col + GEMM. The chunk callback gets g inside a dil_geom, which carries the dilation. */
typedef struct {
  tn_conv g;
  int dh, dw;
} dil_geom;
static int dilated_chunk(const tn_conv *g, const float *x, const float *dy, float *dw, int i0, int i1, int accumulate) {
  const dil_geom *d = (const dil_geom *)g;
  return tn_dil_direct_filter_grad(g, d->dh, d->dw, x, dy, dw, i0, i1, accumulate);
}
int tn_conv2d_filter_grad_at_direct(const tn_conv *g, int dh, int dw, long chunk_k, const float *x, const float *dy,
                                    float *df) {
  dil_geom d = {.g = *g, .dh = dh, .dw = dw};
  conv_job j = {.g = &d.g, .a = x, .b = dy, .out = df, .dil_h = dh, .dil_w = dw, .chunk_k = chunk_k, .dw = dilated_chunk};
  return filter_grad_run(&j);
}
