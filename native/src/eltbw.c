// Native kernels: faster passes for memory-bound element-wise and data-movement kernels (residual-sep's LeakyReLU,
// max pooling's gradient, PadV2), each the same operations per element as the pass it replaces, so the same bits.
// WORKBENCH_ELT_BW=0 (or off, false) keeps the earlier passes: read per call, for A/B runs and tests.
#include <stdlib.h>
#include <string.h>
#include "tn.h"
#include "pool2_vec.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

int tn_elt_bw_on(void) {
  const char *e = getenv("WORKBENCH_ELT_BW");
  return !(e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false")));
}

static unsigned long calls[TN_ELT_BW_COUNT];
void tn_elt_bw_count(int which) { __atomic_fetch_add(&calls[which], 1, __ATOMIC_RELAXED); }
unsigned long tn_elt_bw_calls(int which) { return __atomic_load_n(&calls[which], __ATOMIC_RELAXED); }

/* ---- LeakyReLU: y = x < 0 ? (float)(alpha * (double)x) : x ----------------------------------------------------------
   The vector loop widens to double exactly, multiplies once (no FMA: a plain multiply), rounds once to float under the
   same MXCSR rounding as the scalar cvtsd2ss, and keeps x where x < 0 is false (NaN, -0, +0, positives). */
static void leaky_scalar(long n, const float *x, float *y, double alpha) {
  for (long i = 0; i < n; i++) y[i] = x[i] < 0 ? (float)(alpha * x[i]) : x[i];
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("avx2"))) static void leaky_avx2(long n, const float *x, float *y, double alpha) {
  const __m256d a = _mm256_set1_pd(alpha);
  const __m256 zero = _mm256_setzero_ps();
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), a));
    __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), a));
    __m256 p = _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
    _mm256_storeu_ps(y + i, _mm256_blendv_ps(v, p, _mm256_cmp_ps(v, zero, _CMP_LT_OQ)));
  }
  leaky_scalar(n - i, x + i, y + i, alpha);
}
__attribute__((target("avx512f"))) static void leaky_avx512(long n, const float *x, float *y, double alpha) {
  const __m512d a = _mm512_set1_pd(alpha);
  const __m512 zero = _mm512_setzero_ps();
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i);
    __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), a));
    __m256 hi = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))), a));
    __m512 p = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
    _mm512_storeu_ps(y + i, _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, p));
  }
  leaky_scalar(n - i, x + i, y + i, alpha);
}
/* 2 AVX-512F, 1 AVX2, 0 neither. */
static int isa(void) {
  static int c = -1; /* every thread computes the same value: relaxed atomics keep the sanitizers quiet */
  int v = __atomic_load_n(&c, __ATOMIC_RELAXED);
  if (v < 0) {
    v = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
    __atomic_store_n(&c, v, __ATOMIC_RELAXED);
  }
  return v;
}
#endif

void tn_leaky_range(long n, const float *x, float *y, double alpha) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  const int level = isa();
  if (level == 2) {
    leaky_avx512(n, x, y, alpha);
    return;
  }
  if (level == 1) {
    leaky_avx2(n, x, y, alpha);
    return;
  }
#endif
  leaky_scalar(n, x, y, alpha);
}

/* ---- MaxPoolGrad, 2x2 stride 2, unpadded, windows covering the image, channels a multiple of 8 ---------------------
   pooling.c's window_grad per window in the same order (positions row by row; max from -inf by v > m; the first
   position equal to the max takes dy, the others 0), 8 channels per vector and a whole band of windows per loop. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__) && \
    !defined(__SANITIZE_ADDRESS__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

INLINE void st(float *p, v8i v) { memcpy(p, &v, sizeof v); }

int tn_maxpool_grad_2x2_covers(const tn_pool *g) {
  return g->ph == 2 && g->pw == 2 && g->sh == 2 && g->sw == 2 && g->pt == 0 && g->pl == 0 && g->c % 8 == 0 &&
         g->oh * 2 == g->h && g->ow * 2 == g->w && g->oh >= 1 && g->ow >= 1;
}

typedef struct {
  const tn_pool *g;
  const float *x, *dy;
  float *dx;
} mpg_job;

CLONES static int mpg_task(void *p, int t, int nt) {
  const mpg_job *j = p;
  const tn_pool *g = j->g;
  const int c = g->c, w = g->w;
  const size_t row = (size_t)w * c, img = (size_t)g->h * row;
  const int i0 = (int)((long)g->n * t / nt), i1 = (int)((long)g->n * (t + 1) / nt);
  for (int b = i0; b < i1; b++)
    for (int oy = 0; oy < g->oh; oy++) {
      const float *xb = j->x + b * img + (size_t)2 * oy * row;
      float *ob = j->dx + b * img + (size_t)2 * oy * row;
      const float *dyr = j->dy + ((size_t)b * g->oh + oy) * g->ow * c;
      for (int ox = 0; ox < g->ow; ox++) {
        const size_t q = (size_t)2 * ox * c;
        for (int k = 0; k < c; k += 8) {
          v8f a = ld(xb + q + k), bb = ld(xb + q + c + k), e = ld(xb + row + q + k), f = ld(xb + row + q + c + k);
          v8i hit[4];
          first_max4(a, bb, e, f, max4(a, bb, e, f), hit);
          v8i d = (v8i)ld(dyr + (size_t)ox * c + k);
          st(ob + q + k, d & hit[0]);
          st(ob + q + c + k, d & hit[1]);
          st(ob + row + q + k, d & hit[2]);
          st(ob + row + q + c + k, d & hit[3]);
        }
      }
    }
  return TN_OK;
}

int tn_maxpool_grad_2x2(const tn_pool *g, const float *x, const float *dy, float *dx) {
  mpg_job j = {g, x, dy, dx};
  return tn_parallel(mpg_task, &j, tn_threads());
}
