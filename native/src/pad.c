// Native kernels: constant padding (PadV2: ZeroPadding2D's forward) and max over a block of middle axes (Max: global
// max pooling's forward), the two data-movement ops the graph CNNs still ran single-threaded in wasm. Exact: copies,
// a constant and comparisons.
#include <math.h>
#include <string.h>
#include "tn.h"

typedef struct {
  const tn_pad_geom *g;
  const float *x;
  float *y;
  long ostr[TN_PAD_MAX_RANK], istr[TN_PAD_MAX_RANK];
} pad_job;

static void fill(float *y, long n, float v) {
  if (v == 0 && !signbit(v)) {
    memset(y, 0, (size_t)n * sizeof(float));
    return;
  }
  for (long i = 0; i < n; i++) y[i] = v;
}

/* Output slab d (all axes from d on) for input slab x, or the constant where x is NULL (padding). */
static void pad_rec(const pad_job *j, int d, const float *x, float *y) {
  const tn_pad_geom *g = j->g;
  const long before = g->before[d], in = g->shape[d], after = g->after[d];
  if (d == g->rank - 1) {
    fill(y, before, g->value);
    memcpy(y + before, x, (size_t)in * sizeof(float));
    fill(y + before + in, after, g->value);
    return;
  }
  fill(y, before * j->ostr[d], g->value);
  for (long i = 0; i < in; i++) pad_rec(j, d + 1, x + i * j->istr[d], y + (before + i) * j->ostr[d]);
  fill(y + (before + in) * j->ostr[d], after * j->ostr[d], g->value);
}

/* Part t of nt: a fixed range of output indices along axis 0. */
static int pad_task(void *p, int t, int nt) {
  pad_job *j = p;
  const tn_pad_geom *g = j->g;
  const long out0 = g->before[0] + g->shape[0] + g->after[0];
  const long o0 = out0 * t / nt, o1 = out0 * (t + 1) / nt;
  for (long o = o0; o < o1; o++) {
    float *y = j->y + o * j->ostr[0];
    long i = o - g->before[0];
    if (i < 0 || i >= g->shape[0]) fill(y, j->ostr[0], g->value);
    else pad_rec(j, 1, j->x + i * j->istr[0], y);
  }
  return TN_OK;
}

int tn_pad(const tn_pad_geom *g, const float *x, float *y) {
  if (g->rank < 2 || g->rank > TN_PAD_MAX_RANK) return TN_OK; /* the binding only passes ranks 2..TN_PAD_MAX_RANK */
  tn_pad_geom merged;
  if (tn_elt_bw_on()) {
    /* An axis from 2 on without padding joins the axis before it (its slabs are contiguous in x and y alike), so the
       innermost copies are whole padded rows, not one pixel's channels: the same bytes in the same places. Axis 0 stays
       (the threads split it). */
    merged = *g;
    int r = g->rank;
    for (int d = r - 1; d >= 2; d--) {
      if (merged.before[d] != 0 || merged.after[d] != 0) continue;
      const long s = merged.shape[d];
      merged.shape[d - 1] *= s;
      merged.before[d - 1] *= s;
      merged.after[d - 1] *= s;
      for (int e = d; e + 1 < r; e++) {
        merged.shape[e] = merged.shape[e + 1];
        merged.before[e] = merged.before[e + 1];
        merged.after[e] = merged.after[e + 1];
      }
      r--;
    }
    merged.rank = r;
    if (r < g->rank) {
      tn_elt_bw_count(TN_ELT_BW_PAD);
      g = &merged;
    }
  }
  pad_job j = {g, x, y, {0}, {0}};
  long os = 1, is = 1;
  for (int d = g->rank - 1; d >= 0; d--) {
    j.ostr[d] = os;
    j.istr[d] = is;
    os *= g->before[d] + g->shape[d] + g->after[d];
    is *= g->shape[d];
  }
  const long out0 = g->before[0] + g->shape[0] + g->after[0];
  int parts = os >= 65536 ? tn_threads() : 1;
  if (parts > out0) parts = (int)(out0 > 0 ? out0 : 1);
  return tn_parallel(pad_task, &j, parts);
}

/* Max over the middle axis of x [outer, mid, inner] into y [outer, inner]: NaN wins, as tfjs's Max (cpu and wasm). */
typedef struct {
  long outer, mid, inner;
  const float *x;
  float *y;
} max_job;

typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

static int max_task(void *p, int t, int nt) {
  max_job *j = p;
  const long o0 = j->outer * t / nt, o1 = j->outer * (t + 1) / nt, inner = j->inner;
  for (long o = o0; o < o1; o++) {
    const float *x = j->x + o * j->mid * inner;
    float *y = j->y + o * inner;
    memcpy(y, x, (size_t)inner * sizeof(float));
    for (long m = 1; m < j->mid; m++) {
      const float *v = x + m * inner;
      long k = 0;
      for (; k + 4 <= inner; k += 4) {
        v4f a, b;
        memcpy(&a, v + k, 16);
        memcpy(&b, y + k, 16);
        v4i take = (a != a) | (a > b);
        b = (v4f)(((v4i)a & take) | ((v4i)b & ~take));
        memcpy(y + k, &b, 16);
      }
      for (; k < inner; k++)
        if (isnan(v[k]) || v[k] > y[k]) y[k] = v[k];
    }
  }
  return TN_OK;
}

int tn_max_middle(long outer, long mid, long inner, const float *x, float *y) {
  max_job j = {outer, mid, inner, x, y};
  int parts = (double)outer * mid * inner >= 65536 ? tn_threads() : 1;
  if (parts > outer) parts = (int)(outer > 0 ? outer : 1);
  return tn_parallel(max_task, &j, parts);
}
