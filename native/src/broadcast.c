// Native kernels: element-wise binary ops with numpy broadcasting (the masks and scalings of gradients: max pooling's
// x == max, leaky ReLU's x > 0, layer norm's per-row and per-channel products) and Select. One IEEE operation per
// element, so no split can change a bit; comparisons write bytes (tfjs's bool), as NaN compares false.
#include "tn.h"

typedef struct {
  const tn_bcast *g;
  long rows; /* product of every dimension but the last */
} bc_job;

#define INNER(EXPR)                                                                      \
  do {                                                                                   \
    if (sa == 1 && sb == 1)                                                              \
      for (long i = 0; i < n; i++) { float x = pa[i], y = pb[i]; po[i] = (EXPR); }     \
    else if (sb == 0) {                                                                  \
      float y = pb[0];                                                                   \
      for (long i = 0; i < n; i++) { float x = pa[i * sa]; po[i] = (EXPR); }            \
    } else if (sa == 0) {                                                                \
      float x = pa[0];                                                                   \
      for (long i = 0; i < n; i++) { float y = pb[i * sb]; po[i] = (EXPR); }            \
    } else                                                                               \
      for (long i = 0; i < n; i++) { float x = pa[i * sa], y = pb[i * sb]; po[i] = (EXPR); } \
  } while (0)

static void row_float(int op, long n, const float *pa, long sa, const float *pb, long sb, float *po) {
  switch (op) {
    case TN_BC_ADD: INNER(x + y); break;
    case TN_BC_SUB: INNER(x - y); break;
    case TN_BC_MUL: INNER(x * y); break;
    case TN_BC_DIV: INNER(x / y); break;
    case TN_BC_PRELU: INNER(x < 0 ? y * x : x); break;
  }
}

static void row_bool(int op, long n, const float *pa, long sa, const float *pb, long sb, unsigned char *po) {
  switch (op) {
    case TN_BC_EQUAL: INNER(x == y); break;
    case TN_BC_GREATER: INNER(x > y); break;
    case TN_BC_GREATER_EQUAL: INNER(x >= y); break;
    case TN_BC_LESS: INNER(x < y); break;
    case TN_BC_LESS_EQUAL: INNER(x <= y); break;
  }
}

static int bc_task(void *p, int t, int nt) {
  bc_job *j = p;
  const tn_bcast *g = j->g;
  const int r = g->rank, last = r - 1;
  long r0 = j->rows * t / nt, r1 = j->rows * (t + 1) / nt;
  if (r0 >= r1) return TN_OK;
  /* The multi-index of row r0 over the leading dimensions, then counted up row by row. */
  long idx[TN_BC_MAX_RANK] = {0}, rem = r0, offa = 0, offb = 0;
  for (int d = last - 1; d >= 0; d--) {
    idx[d] = rem % g->shape[d];
    rem /= g->shape[d];
    offa += idx[d] * g->sa[d];
    offb += idx[d] * g->sb[d];
  }
  const long n = g->shape[last];
  const int is_bool = TN_BC_IS_BOOL(g->op);
  for (long row = r0; row < r1; row++) {
    if (g->op == TN_BC_LEAKY) {
      const float *pa = g->a + offa;
      float *po = (float *)g->out + row * n;
      const double alpha = g->scalar;
      for (long i = 0; i < n; i++) po[i] = pa[i] < 0 ? (float)(alpha * pa[i]) : pa[i];
    } else if (g->op == TN_BC_SELECT) {
      const unsigned char *c = (const unsigned char *)g->c + row * n;
      const float *pa = g->a + offa, *pb = g->b + offb;
      float *po = (float *)g->out + row * n;
      for (long i = 0; i < n; i++) po[i] = c[i] ? pa[i] : pb[i];
    } else if (is_bool) {
      row_bool(g->op, n, g->a + offa, g->sa[last], g->b + offb, g->sb[last], (unsigned char *)g->out + row * n);
    } else {
      row_float(g->op, n, g->a + offa, g->sa[last], g->b + offb, g->sb[last], (float *)g->out + row * n);
    }
    for (int d = last - 1; d >= 0; d--) {
      offa += g->sa[d];
      offb += g->sb[d];
      if (++idx[d] < g->shape[d]) break;
      offa -= g->sa[d] * g->shape[d];
      offb -= g->sb[d] * g->shape[d];
      idx[d] = 0;
    }
  }
  return TN_OK;
}

/* Rank 1 (LeakyReLU, Select, and operands of one shape or a scalar after the binding merged every axis): one row, which
   bc_task cannot split; here split into element ranges (multiples of 16 elements), each the row loop on its range. */
static int flat_task(void *p, int t, int nt) {
  const tn_bcast *g = ((bc_job *)p)->g;
  const long n = g->shape[0], sa = g->sa[0], sb = g->sb[0];
  long i0 = n * t / nt & ~15L, i1 = t == nt - 1 ? n : n * (t + 1) / nt & ~15L;
  if (i0 >= i1) return TN_OK;
  const long m = i1 - i0;
  if (g->op == TN_BC_LEAKY) {
    tn_leaky_range(m, g->a + i0, (float *)g->out + i0, g->scalar);
  } else if (g->op == TN_BC_SELECT) {
    const unsigned char *c = (const unsigned char *)g->c + i0;
    const float *pa = g->a + i0, *pb = g->b + i0;
    float *po = (float *)g->out + i0;
    for (long i = 0; i < m; i++) po[i] = c[i] ? pa[i] : pb[i];
  } else if (TN_BC_IS_BOOL(g->op)) {
    row_bool(g->op, m, g->a + i0 * sa, sa, g->b + i0 * sb, sb, (unsigned char *)g->out + i0);
  } else {
    row_float(g->op, m, g->a + i0 * sa, sa, g->b + i0 * sb, sb, (float *)g->out + i0);
  }
  return TN_OK;
}

int tn_broadcast(const tn_bcast *g) {
  if (g->rank == 1 && g->shape[0] >= 32768 && tn_elt_bw_on()) {
    tn_elt_bw_count(TN_ELT_BW_FLAT);
    bc_job j = {g, 1};
    return tn_parallel(flat_task, &j, tn_threads());
  }
  long rows = 1;
  double total = 1;
  for (int d = 0; d < g->rank - 1; d++) rows *= g->shape[d];
  for (int d = 0; d < g->rank; d++) total *= (double)g->shape[d];
  bc_job j = {g, rows};
  return tn_parallel(bc_task, &j, total >= 32768 && rows >= 2 ? tn_threads() : 1);
}
