// Native kernels: dilated 2-D convolution (NHWC) forward and both gradients as im2col + GEMM over the kernel's own taps,
// parallel over images, in place of a dense kernel with its holes written out ((k−1)·d+1 taps a side, mostly zeros).
//
// Bits: every result equals the dense path's (conv.c on the hole-filled kernel) for finite inputs. The GEMM sums each
// element over k in blocks of KC from +0 (gemm_kernel.c), and a hole adds x·0 = ±0 to a sum that is never −0 (it
// starts at +0, round to nearest), which changes nothing; so
// - forward: the taps are cut where the dense k crosses a KC block boundary, one GEMM per dense block (accumulating
//   after the first), so the block sums are the dense ones;
// - input gradient: each dcol element is one dot product over co; col2im adds the taps in the dense order minus holes;
// - filter gradient: the images are chunked as the dense K would chunk them (its summation order over rows).
// Only where x or dy holds ±Inf/NaN under a hole does the dense form give NaN and this one not.
#include <stdlib.h>
#include <string.h>
#include "tn.h"

/* gemm_kernel.c's k block (every variant but OpenBLAS, which keeps no such promise). */
#define DENSE_KC 256

static unsigned long dilated_calls[3];
/* Of those, the calls through conv_dilated_direct.c (any of the three passes). */
static unsigned long direct_calls;
unsigned long tn_conv_dilated_direct_calls(void) { return __atomic_load_n(&direct_calls, __ATOMIC_RELAXED); }
unsigned long tn_conv_dilated_calls(int which) {
  return which >= 0 && which < 3 ? __atomic_load_n(&dilated_calls[which], __ATOMIC_RELAXED) : 0;
}

typedef struct {
  const tn_conv *g;
  int dh, dw;
  const float *a, *b;
  float *out;
  const int *cuts; /* direct forward: the k blocks' bounds (NULL: im2col + GEMM) */
  int ncuts;
  const float *ft; /* direct input gradient: the transposed filter */
} dil_job;

/* conv_dilated_direct.c (compiled with -mavx512f): the avx512 GEMM chosen (its bits), stride 1, the shape covered,
   and not WORKBENCH_DILATED_DIRECT=0 (or off, false). which: 0 forward, 1 input gradient, 2 filter gradient. */
static int use_direct(const tn_conv *g, int which) {
  const char *e = getenv("WORKBENCH_DILATED_DIRECT");
  if (e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false"))) return 0;
  return !strcmp(tn_isa(), "avx512f") && tn_dil_direct_covers(g, which);
}

static void split(int n, int t, int nt, int *i0, int *i1) {
  *i0 = (int)((long)n * t / nt);
  *i1 = (int)((long)n * (t + 1) / nt);
}

/* The dense kernel's K: ((kh−1)·dh+1)·((kw−1)·dw+1)·c. */
static long dense_k(const dil_job *j) {
  const tn_conv *g = j->g;
  return (long)((g->kh - 1) * j->dh + 1) * ((g->kw - 1) * j->dw + 1) * g->c;
}

/* The dense k of this kernel's k (tap (ky, kx), channel ci at k = (ky·kw + kx)·c + ci). */
static long dense_index(const dil_job *j, int k) {
  const tn_conv *g = j->g;
  int tap = k / g->c, ci = k % g->c, ky = tap / g->kw, kx = tap % g->kw;
  long dkw = (long)(g->kw - 1) * j->dw + 1;
  return ((long)ky * j->dh * dkw + (long)kx * j->dw) * g->c + ci;
}

/* conv.c's chunk of ~1 MB of im2col and output rows, with the dense K (chunks change no number here). */
static int out_chunk(const dil_job *j) {
  const tn_conv *g = j->g;
  long per = 262144 / ((long)g->kh * g->kw * g->c + g->co) / ((long)g->oh * g->ow);
  return per < 1 ? 1 : (int)per;
}

static int forward_task(void *p, int t, int nt) {
  dil_job *j = p;
  const tn_conv *g = j->g;
  const int K = g->kh * g->kw * g->c, rowsPerImg = g->oh * g->ow;
  int i0, i1;
  split(g->n, t, nt, &i0, &i1);
  if (j->cuts && tn_dil_direct_forward(g, j->dh, j->dw, j->a, j->b, j->cuts, j->ncuts, j->out, i0, i1)) return TN_OK;
  int per = out_chunk(j);
  for (int s = i0; s < i1; s += per) {
    int e = s + per < i1 ? s + per : i1;
    int rows = (e - s) * rowsPerImg;
    float *y = j->out + (size_t)s * rowsPerImg * g->co;
    float *col = tn_scratch(2, (size_t)rows * K);
    if (!col) return TN_ENOMEM;
    tn_conv_im2col(g, j->dh, j->dw, j->a, s, e, col);
    /* One GEMM per dense k block: the taps whose dense k falls in it. */
    int first = 1;
    for (int k0 = 0; k0 < K;) {
      long block = dense_index(j, k0) / DENSE_KC;
      int k1 = k0 + 1;
      while (k1 < K && dense_index(j, k1) / DENSE_KC == block) k1++;
      int err = tn_sgemm_rows(0, rows, g->co, k1 - k0, col + k0, K, 1, j->b + (size_t)k0 * g->co, g->co, 1, y, g->co, !first);
      if (err) return err;
      first = 0;
      k0 = k1;
    }
  }
  return TN_OK;
}

/* Dilation 1 is conv.c's (this file is only for dilations above 1 on either axis, but computes 1 as well). */
static int bad(const tn_conv *g, int dh, int dw) {
  return dh < 1 || dw < 1 || !g || g->kh < 1 || g->kw < 1;
}

int tn_conv2d_dilated(const tn_conv *g, int dh, int dw, const float *x, const float *f, float *y) {
  if (bad(g, dh, dw)) return TN_OK;
  dil_job j = {.g = g, .dh = dh, .dw = dw, .a = x, .b = f, .out = y};
  int *cuts = NULL;
  if (use_direct(g, 0)) {
    /* The same k blocks as the GEMMs below: cut where the dense k crosses a KC block. */
    const int K = g->kh * g->kw * g->c;
    cuts = malloc(sizeof(int) * ((size_t)K + 1));
    if (!cuts) return TN_ENOMEM;
    int n = 0;
    cuts[0] = 0;
    for (int k = 1; k < K; k++)
      if (dense_index(&j, k) / DENSE_KC != dense_index(&j, k - 1) / DENSE_KC) cuts[++n] = k;
    cuts[++n] = K;
    j.cuts = cuts, j.ncuts = n;
  }
  int err = tn_parallel(forward_task, &j, tn_threads());
  free(cuts);
  if (!err) __atomic_fetch_add(&dilated_calls[0], 1, __ATOMIC_RELAXED);
  if (!err && j.cuts) __atomic_fetch_add(&direct_calls, 1, __ATOMIC_RELAXED);
  return err;
}

/* conv.c's input gradient (dcol = dy . f^T, then col2im over the kernel's own taps at the dilation). */
static int input_grad_task(void *p, int t, int nt) {
  dil_job *j = p;
  int i0, i1;
  split(j->g->n, t, nt, &i0, &i1);
  tn_dil_direct_input_grad(j->g, j->dh, j->dw, j->a, j->ft, j->out, i0, i1);
  return TN_OK;
}

int tn_conv2d_dilated_input_grad(const tn_conv *g, int dh, int dw, const float *dy, const float *f, float *dx) {
  if (bad(g, dh, dw)) return TN_OK;
  if (use_direct(g, 1)) {
    float *ft = malloc(sizeof(float) * ((size_t)g->kh * g->kw * g->c * g->co + 1));
    if (!ft) return TN_ENOMEM;
    tn_dil_direct_transpose(g, f, ft);
    dil_job j = {.g = g, .dh = dh, .dw = dw, .a = dy, .ft = ft, .out = dx};
    int err = tn_parallel(input_grad_task, &j, tn_threads());
    free(ft);
    if (!err) __atomic_fetch_add(&dilated_calls[1], 1, __ATOMIC_RELAXED);
    if (!err) __atomic_fetch_add(&direct_calls, 1, __ATOMIC_RELAXED);
    return err;
  }
  int err = tn_conv2d_input_grad_at(g, dh, dw, dy, f, dx);
  if (!err) __atomic_fetch_add(&dilated_calls[1], 1, __ATOMIC_RELAXED);
  return err;
}

/* conv.c's filter gradient over the kernel's own taps, its images chunked as the dense K would chunk them and its
   parts cut and summed as conv.c's (the dense path's bits). */
int tn_conv2d_dilated_filter_grad(const tn_conv *g, int dh, int dw, const float *x, const float *dy, float *df) {
  if (bad(g, dh, dw)) return TN_OK;
  dil_job j = {.g = g, .dh = dh, .dw = dw};
  if (use_direct(g, 2)) {
    int err = tn_conv2d_filter_grad_at_direct(g, dh, dw, dense_k(&j), x, dy, df);
    if (!err) __atomic_fetch_add(&dilated_calls[2], 1, __ATOMIC_RELAXED);
    if (!err) __atomic_fetch_add(&direct_calls, 1, __ATOMIC_RELAXED);
    return err;
  }
  int err = tn_conv2d_filter_grad_at(g, dh, dw, dense_k(&j), x, dy, df);
  if (!err) __atomic_fetch_add(&dilated_calls[2], 1, __ATOMIC_RELAXED);
  return err;
}
