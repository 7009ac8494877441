// Native kernels: max pooling over a relu6 layer's output taken from its pre-activation z (k5-gap's conv -> relu6 ->
// overlapping 3x3/2 max pool), forward and gradient, each image's relu6(z) made in the executing thread's scratch.
#include <string.h>
#include "tn.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__) && \
    !defined(__SANITIZE_ADDRESS__)
#define R6_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define R6_CLONES
#endif

static unsigned long calls;
unsigned long tn_relu6_pool_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }

/* activation.c's relu6 forward (tfjs: minimum(6, relu(x)); NaN stays NaN): selects only, so any build gives its bits.
   Eight at a time by masks (gcc does not vectorise the scalar form's NaN select). */
typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
R6_CLONES static void relu6_rows(const float *restrict z, float *restrict y, size_t n) {
  const v8f zero = {0}, six = zero + 6.0f;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v8f x;
    memcpy(&x, z + i, 32);
    v8f r = (v8f)((v8i)x & ~(x < zero));          /* x < 0 ? 0 : x */
    v8i keep = (r < six) | (r != r);              /* r if NaN or below 6, else 6 */
    v8f o = (v8f)(((v8i)r & keep) | ((v8i)six & ~keep));
    memcpy(y + i, &o, 32);
  }
  for (; i < n; i++) {
    float x = z[i], r = x < 0 ? 0.0f : x;
    y[i] = r != r ? r : (r < 6.0f ? r : 6.0f);
  }
}

typedef struct {
  const tn_pool *g;
  const float *z, *dy;
  float *out;
  double *parts;
} r6_job;

static int forward_task(void *p, int t, int nt) {
  r6_job *j = p;
  const tn_pool *g = j->g;
  const size_t img = (size_t)g->h * g->w * g->c, oimg = (size_t)g->oh * g->ow * g->c;
  int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  if (i0 >= i1) return TN_OK;
  float *yi = tn_scratch(2, img);
  if (!yi) return TN_ENOMEM;
  for (int b = i0; b < i1; b++) {
    relu6_rows(j->z + b * img, yi, img);
    tn_maxpool_image(g, yi, j->out + b * oimg);
  }
  return TN_OK;
}

/* Images are independent, so the split over them cannot change a number. */
int tn_relu6_maxpool(const tn_pool *g, const float *z, float *y) {
  r6_job j = {g, z, NULL, y, NULL};
  int err = tn_parallel(forward_task, &j, tn_threads());
  if (!err) __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
  return err;
}

/* dz = activation.c's relu6 backward (t = d * (6 > r); t * step(x)) for `rows` rows of c channels, each row then added
   into acc in row order (activation.c's col_sums: per column, rows in order, from the part's first row). Blocks of
   8 * NB channels keep their double sums in registers over the rows; the same multiplies, selects and adds. */
typedef double v4d __attribute__((vector_size(32)));
#define INLINE static inline __attribute__((always_inline))
INLINE void mask_block(const float *restrict z, const float *restrict d, float *restrict dz, long rows, int c, int k,
                       double *restrict acc, const int NB) {
  const v8f zero = {0}, one = zero + 1.0f, six = zero + 6.0f;
  v4d lo[4], hi[4];
#pragma GCC unroll 4
  for (int b = 0; b < NB; b++) {
    memcpy(&lo[b], acc + k + 8 * b, 32);
    memcpy(&hi[b], acc + k + 8 * b + 4, 32);
  }
  for (long r = 0; r < rows; r++) {
    const size_t off = (size_t)r * c + k;
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) {
      v8f x, dv;
      memcpy(&x, z + off + 8 * b, 32);
      memcpy(&dv, d + off + 8 * b, 32);
      v8f rl = (v8f)((v8i)x & ~(x < zero));                           /* x < 0 ? 0 : x */
      v8f t = dv * (v8f)((v8i)one & (six > rl));                       /* d * (6 > r ? 1 : 0) */
      v8i pos = x > zero, nan = x != x;
      v8f v = t * (v8f)(((v8i)one & pos) | ((v8i)x & nan));            /* t * (x > 0 ? 1 : (NaN ? x : 0)) */
      memcpy(dz + off + 8 * b, &v, 32);
      lo[b] += __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3), v4d);
      hi[b] += __builtin_convertvector(__builtin_shufflevector(v, v, 4, 5, 6, 7), v4d);
    }
  }
#pragma GCC unroll 4
  for (int b = 0; b < NB; b++) {
    memcpy(acc + k + 8 * b, &lo[b], 32);
    memcpy(acc + k + 8 * b + 4, &hi[b], 32);
  }
}
R6_CLONES static void relu6_mask_rows(const float *restrict z, const float *restrict d, float *restrict dz, long rows,
                                      int c, double *restrict acc) {
  const int c8 = c & ~7;
  int k = 0;
  for (; k + 32 <= c8; k += 32) mask_block(z, d, dz, rows, c, k, acc, 4);
  for (; k < c8; k += 8) mask_block(z, d, dz, rows, c, k, acc, 1);
  for (long r = 0; r < rows; r++) {
    const float *zr = z + r * c, *dr = d + r * c;
    float *o = dz + r * c;
    for (int q = c8; q < c; q++) {
      float x = zr[q], rl = x < 0 ? 0.0f : x;
      float tt = dr[q] * (6.0f > rl ? 1.0f : 0.0f);
      float v = tt * (x > 0 ? 1.0f : (x != x ? x : 0.0f));
      o[q] = v;
      acc[q] += (double)v;
    }
  }
}

/* Rows are cut into tn_sum_rows's parts (as tn_bias_act_grad cuts them); an image shared by two parts is pooled by
   both, each keeping its own rows. */
static int grad_task(void *p, int t, int nt) {
  r6_job *j = p;
  const tn_pool *g = j->g;
  const int c = g->c;
  const long hw = (long)g->h * g->w, M = (long)g->n * hw;
  const size_t img = (size_t)hw * c, dyImg = (size_t)g->oh * g->ow * c;
  long r0 = M * t / nt, r1 = M * (t + 1) / nt;
  double *acc = j->parts + (size_t)t * c;
  memset(acc, 0, (size_t)c * sizeof(double));
  if (r0 >= r1) return TN_OK;
  float *yi = tn_scratch(2, img), *di = tn_scratch(3, img);
  if (!yi || !di) return TN_ENOMEM;
  for (long b = r0 / hw; b * hw < r1; b++) {
    long a0 = b * hw, a1 = a0 + hw, s0 = a0 > r0 ? a0 : r0, s1 = a1 < r1 ? a1 : r1;
    const float *zi = j->z + (size_t)a0 * c;
    relu6_rows(zi, yi, img);
    tn_maxpool_grad_image(g, yi, j->dy + (size_t)b * dyImg, di);
    relu6_mask_rows(j->z + (size_t)s0 * c, di + (size_t)(s0 - a0) * c, j->out + (size_t)s0 * c, s1 - s0, c, acc);
  }
  return TN_OK;
}

int tn_maxpool_relu6_grad(const tn_pool *g, const float *z, const float *dy, float *dz, float *db) {
  const long M = (long)g->n * g->h * g->w;
  int parts = tn_sum_rows_parts(M, g->c);
  /* The calling thread's scratch (slot 4, as tn_sum_rows): it stays in this call until the sums are combined. */
  double *acc = (double *)tn_scratch(4, (size_t)parts * g->c * 2);
  if (!acc) return TN_ENOMEM;
  r6_job j = {g, z, dy, dz, acc};
  int err = tn_parallel(grad_task, &j, parts);
  if (err) return err;
  tn_sum_rows_combine(parts, g->c, acc, db);
  __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
  return TN_OK;
}
