// Native kernels (included by layernorm.c only): LayerNormalization's per-row statistics for 8 rows per AVX-512
// register. The row sums are serial chains of double adds (forward: Σx, then Σ(x − mean)²; gradient: Σg, Σg·x̂), so one
// row at a time they wait on the add latency. Here 8 rows' floats are transposed in 8 x 8 blocks so that lane b holds
// row b, converted to double and added in the SAME k order per lane: every row keeps exactly its own chain (the same
// IEEE operations in the same order: the same bits), but 8 chains advance per instruction, and 4 such groups of 8 rows
// run side by side to hide the latency. The per-element passes (forward y, gradient dx and the dgamma/dbeta column
// sums, rows still added in ascending order) run 16 floats / 8 doubles wide with the scalar code's operations, in its
// order (layernorm.c is built with -ffp-contract=off: no multiply-add is fused here either).
// x86-64 with AVX-512F/VL only (chosen per call); WORKBENCH_LN_ROWS8=0 keeps the scalar code (=forward: for the
// gradient only; its gain is memory-bound and smaller, see docs/GEMM.md). Elsewhere it compiles to
// "no rows taken".

static unsigned long rows8_calls[2];
/* Calls of the forward (0) and of the gradient (1) whose statistics ran 8 rows per register. */
unsigned long tn_ln_rows8_calls(int which) {
  return which >= 0 && which < 2 ? __atomic_load_n(&rows8_calls[which], __ATOMIC_RELAXED) : 0;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define R8_AVX512 __attribute__((target("avx512f,avx512vl")))
#define R8_INLINE static inline __attribute__((always_inline)) R8_AVX512
/* Groups of 8 rows side by side: 4 independent chains cover the add latency. */
#define R8_GROUPS 4
/* Lines of the next block prefetched per 8 x 8 step. */
#ifndef R8_PF_AHEAD
#define R8_PF_AHEAD 2
#endif
#ifndef R8_PF_LINES
#define R8_PF_LINES 4
#endif

/* WORKBENCH_LN_ROWS8=0 (off, false): neither; =forward: the forward only, the gradient on the scalar code. */
static int ln_rows8_wanted(long M, int grad) {
  if (M < 8) return 0;
  const char *e = getenv("WORKBENCH_LN_ROWS8");
  if (e && (!strcmp(e, "0") || !strcmp(e, "off") || !strcmp(e, "false"))) return 0;
  if (grad && e && !strcmp(e, "forward")) return 0;
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}

/* a + b and a * b with a as the instruction's first source (of two NaNs, an x86 operation returns the first source's):
   the compiler is free to swap the operands of the intrinsics, so the operations whose NaN payload could differ are
   pinned to the operand order the scalar code compiles to (layernorm.c's avx2 clone: accumulator first in the row
   chains, h·g, the product or dy first into the column sums, (g − a − h·b)·rstd; the forward in source order). */
#define R8_OP(name, ins, T) \
  R8_INLINE T name(T a, T b) { \
    T r; \
    __asm__(ins " %2, %1, %0" : "=v"(r) : "v"(a), "v"(b)); \
    return r; \
  }
R8_OP(r8_addd, "vaddpd", __m512d)
R8_OP(r8_muld, "vmulpd", __m512d)
R8_OP(r8_mulf, "vmulps", __m256)
R8_OP(r8_mul16, "vmulps", __m512)
R8_OP(r8_add16, "vaddps", __m512)

/* r[b] = 8 floats of row b  ->  r[i] = column i of the 8 rows (lane b = row b). */
R8_INLINE void r8_transpose(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* Columns k0 .. k0 + 7 of 8 rows from p (row stride C), transposed; columns at or past n read as 0. */
R8_INLINE void r8_load(__m256 v[8], const float *p, long C, int n) {
  if (n >= 8)
    for (int b = 0; b < 8; b++) v[b] = _mm256_loadu_ps(p + b * C);
  else
    for (int b = 0; b < 8; b++) v[b] = _mm256_maskz_loadu_ps((__mmask8)((1u << n) - 1), p + b * C);
  r8_transpose(v);
}

/* Forward statistics of the G groups of 8 rows from r (buf: 8·G·ceil8(C) floats, the rows transposed). */
R8_INLINE void r8_forward_stats(const ln_job *j, long r, int G, float *buf) {
  const int C = j->C, C8 = (C + 7) & ~7;
  const float *x = j->x + r * C;
  __m512d s[R8_GROUPS], q[R8_GROUPS], mu[R8_GROUPS];
  for (int g = 0; g < G; g++) s[g] = q[g] = _mm512_setzero_pd();
  /* s += x[k], k ascending, per lane; the transposed rows kept for the second pass. */
  const char *px = (const char *)(x + (long)8 * R8_GROUPS * R8_PF_AHEAD * C); /* as in r8_grad_stats */
  const long pf_end = (long)8 * R8_GROUPS * C * 4;
  long pf = 0;
  int k0 = 0;
  for (; k0 + 8 <= C; k0 += 8)
    for (int g = 0; g < G; g++) {
      __m256 v[8];
      for (int i = 0; i < R8_PF_LINES && pf < pf_end; i++, pf += 64) __builtin_prefetch(px + pf);
      r8_load(v, x + (long)8 * g * C + k0, C, 8);
      float *t = buf + ((size_t)g * C8 + k0) * 8;
      for (int i = 0; i < 8; i++) {
        _mm256_store_ps(t + 8 * i, v[i]);
        s[g] = r8_addd(s[g], _mm512_cvtps_pd(v[i]));
      }
    }
  if (k0 < C)
    for (int g = 0; g < G; g++) {
      __m256 v[8];
      r8_load(v, x + (long)8 * g * C + k0, C, C - k0);
      float *t = buf + ((size_t)g * C8 + k0) * 8;
      for (int i = 0; i < 8; i++) _mm256_store_ps(t + 8 * i, v[i]);
      for (int k = k0; k < C; k++) s[g] = r8_addd(s[g], _mm512_cvtps_pd(_mm256_load_ps(buf + ((size_t)g * C8 + k) * 8)));
    }
  const __m512d Cd = _mm512_set1_pd((double)C);
  for (int g = 0; g < G; g++) mu[g] = _mm512_div_pd(s[g], Cd);
  /* q += (x[k] − mean)², k ascending, per lane. */
  for (int k = 0; k < C; k++)
    for (int g = 0; g < G; g++) {
      const __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_load_ps(buf + ((size_t)g * C8 + k) * 8)), mu[g]);
      q[g] = r8_addd(q[g], _mm512_mul_pd(d, d));
    }
  const __m512d eps = _mm512_set1_pd(j->eps), one = _mm512_set1_pd(1.0);
  for (int g = 0; g < G; g++) {
    _mm256_storeu_ps(j->mean + r + 8 * g, _mm512_cvtpd_ps(mu[g]));
    const __m512d var = r8_addd(_mm512_div_pd(q[g], Cd), eps);
    _mm256_storeu_ps(j->rstd + r + 8 * g, _mm512_cvtpd_ps(_mm512_div_pd(one, _mm512_sqrt_pd(var))));
  }
}

/* Load / store 16 floats, or (w < 0xFFFF: the row's tail) the lanes of w, the others read as 0 (masked stores are slow
   on some CPUs: whole vectors go without). */
R8_INLINE __m512 r8_ld(const float *p, __mmask16 w) { return w == 0xFFFF ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(w, p); }
R8_INLINE void r8_st(float *p, __mmask16 w, __m512 v) {
  if (w == 0xFFFF) _mm512_storeu_ps(p, v);
  else _mm512_mask_storeu_ps(p, w, v);
}
R8_INLINE __m512d r8_ldd(const double *p, __mmask8 w) { return w == 0xFF ? _mm512_loadu_pd(p) : _mm512_maskz_loadu_pd(w, p); }
R8_INLINE void r8_std(double *p, __mmask8 w, __m512d v) {
  if (w == 0xFF) _mm512_storeu_pd(p, v);
  else _mm512_mask_storeu_pd(p, w, v);
}

/* y[k .. k + 15] (lanes w) of one row: (gamma ? h·gamma : h) + (beta ? beta : 0) with h = (x − mean)·rstd, in float. */
R8_INLINE void r8_forward_cols(const float *x, const float *gamma, const float *beta, float *y, __m512 m, __m512 rs, __mmask16 w) {
  const __m512 h = r8_mul16(_mm512_sub_ps(r8_ld(x, w), m), rs);
  const __m512 hg = gamma ? r8_mul16(h, r8_ld(gamma, w)) : h;
  r8_st(y, w, r8_add16(hg, beta ? r8_ld(beta, w) : _mm512_setzero_ps()));
}

R8_INLINE void r8_forward_row(const ln_job *j, long r) {
  const int C = j->C;
  const float *x = j->x + r * C, *gamma = j->gamma, *beta = j->beta;
  float *y = j->y + r * C;
  const __m512 m = _mm512_set1_ps(j->mean[r]), rs = _mm512_set1_ps(j->rstd[r]);
  int k = 0;
  for (; k + 16 <= C; k += 16) r8_forward_cols(x + k, gamma ? gamma + k : NULL, beta ? beta + k : NULL, y + k, m, rs, 0xFFFF);
  if (k < C)
    r8_forward_cols(x + k, gamma ? gamma + k : NULL, beta ? beta + k : NULL, y + k, m, rs, (__mmask16)((1u << (C - k)) - 1));
}

/* Rows r0 .. of [r0, r1) in whole groups of 8 (the rest is the caller's); returns the first row not done. */
static __attribute__((noinline)) R8_AVX512 long ln_forward_rows8(const ln_job *j, long r0, long r1) {
  const int C8 = (j->C + 7) & ~7;
  float *buf = tn_scratch(2, (size_t)R8_GROUPS * 8 * C8);
  if (!buf) return r0; /* the scalar code needs no memory */
  long r = r0;
  for (; r + 8 * R8_GROUPS <= r1; r += 8 * R8_GROUPS) {
    r8_forward_stats(j, r, R8_GROUPS, buf);
    for (long i = r; i < r + 8 * R8_GROUPS; i++) r8_forward_row(j, i);
  }
  for (; r + 8 <= r1; r += 8) {
    r8_forward_stats(j, r, 1, buf);
    for (long i = r; i < r + 8; i++) r8_forward_row(j, i);
  }
  return r;
}

/* Gradient row sums of G groups of 8 rows from r: rg = Σ g, rgx = Σ g·x̂ (g = dy·gamma, x̂ = (x − mean)·rstd, both
   float, then double), k ascending per lane; a = rg / C and b = rgx / C as float into a[], b[]. */
R8_INLINE void r8_grad_cols(const ln_job *j, const __m256 *mv, const __m256 *rv, const __m256 *xt,
                            const __m256 *dt, int k0, int n, __m512d *rg, __m512d *rgx, int g) {
  for (int i = 0; i < n; i++) {
    const __m256 h = r8_mulf(_mm256_sub_ps(xt[i], mv[g]), rv[g]);
    const __m256 gg = j->gamma ? r8_mulf(dt[i], _mm256_set1_ps(j->gamma[k0 + i])) : dt[i];
    const __m512d gd = _mm512_cvtps_pd(gg);
    rg[g] = r8_addd(rg[g], gd);
    rgx[g] = r8_addd(rgx[g], r8_muld(_mm512_cvtps_pd(h), gd));
  }
}

R8_INLINE void r8_grad_stats(const ln_job *j, long r, int G, float *a, float *b) {
  const int C = j->C;
  const float *x = j->x + r * C, *dy = j->dy + r * C;
  __m256 mv[R8_GROUPS], rv[R8_GROUPS];
  __m512d rg[R8_GROUPS], rgx[R8_GROUPS];
  for (int g = 0; g < G; g++) {
    mv[g] = _mm256_loadu_ps(j->mean + r + 8 * g);
    rv[g] = _mm256_loadu_ps(j->rstd + r + 8 * g);
    rg[g] = rgx[g] = _mm512_setzero_pd();
  }
  /* The rows are read across (8 columns of 8 rows at a time), which the hardware prefetcher does not follow: the next
     block's bytes are prefetched along the way, a few lines per step. */
  const char *px = (const char *)(x + (long)8 * R8_GROUPS * R8_PF_AHEAD * C), *pd = (const char *)(dy + (long)8 * R8_GROUPS * R8_PF_AHEAD * C);
  const long pf_end = (long)8 * R8_GROUPS * C * 4;
  long pf = 0;
  int k0 = 0;
  for (; k0 + 8 <= C; k0 += 8)
    for (int g = 0; g < G; g++) {
      __m256 xt[8], dt[8];
      for (int i = 0; i < R8_PF_LINES && pf < pf_end; i++, pf += 64) {
        __builtin_prefetch(px + pf);
        __builtin_prefetch(pd + pf);
      }
      r8_load(xt, x + (long)8 * g * C + k0, C, 8);
      r8_load(dt, dy + (long)8 * g * C + k0, C, 8);
      r8_grad_cols(j, mv, rv, xt, dt, k0, 8, rg, rgx, g);
    }
  if (k0 < C)
    for (int g = 0; g < G; g++) {
      __m256 xt[8], dt[8];
      r8_load(xt, x + (long)8 * g * C + k0, C, C - k0);
      r8_load(dt, dy + (long)8 * g * C + k0, C, C - k0);
      r8_grad_cols(j, mv, rv, xt, dt, k0, C - k0, rg, rgx, g);
    }
  const __m512d Cd = _mm512_set1_pd((double)C);
  for (int g = 0; g < G; g++) {
    _mm256_storeu_ps(a + 8 * g, _mm512_cvtpd_ps(_mm512_div_pd(rg[g], Cd)));
    _mm256_storeu_ps(b + 8 * g, _mm512_cvtpd_ps(_mm512_div_pd(rgx[g], Cd)));
  }
}

/* dx of rows r .. r + n − 1 (their a, b in a[], b[]), and with sg their column sums. Column chunks outside, rows inside:
   each chunk's sums stay in registers over the rows, added in ascending row order as before. */
R8_INLINE void r8_grad_chunk(const ln_job *j, long r, int n, const float *a, const float *b, double *sg, double *sb,
                             int k, __mmask16 w) {
  const int C = j->C;
  const float *gamma = j->gamma ? j->gamma + k : NULL;
  const __mmask8 lo = (__mmask8)w, hi = (__mmask8)(w >> 8);
  __m512d g0 = _mm512_setzero_pd(), g1 = g0, b0 = g0, b1 = g0;
  if (sg) {
    g0 = r8_ldd(sg + k, lo), b0 = r8_ldd(sb + k, lo);
    if (hi) g1 = r8_ldd(sg + k + 8, hi), b1 = r8_ldd(sb + k + 8, hi);
  }
  const __m512 gm = gamma ? r8_ld(gamma, w) : _mm512_setzero_ps();
  for (long i = r; i < r + n; i++) {
    const __m512 m = _mm512_set1_ps(j->mean[i]), rs = _mm512_set1_ps(j->rstd[i]);
    const __m512 d = r8_ld(j->dy + i * C + k, w);
    const __m512 h = r8_mul16(_mm512_sub_ps(r8_ld(j->x + i * C + k, w), m), rs);
    const __m512 gg = gamma ? r8_mul16(d, gm) : d;
    const __m512 av = _mm512_set1_ps(a[i - r]), bv = _mm512_set1_ps(b[i - r]);
    r8_st(j->y + i * C + k, w, r8_mul16(_mm512_sub_ps(_mm512_sub_ps(gg, av), r8_mul16(h, bv)), rs));
    if (sg) {
      const __m512d dlo = _mm512_cvtps_pd(_mm512_castps512_ps256(d));
      const __m512d hlo = _mm512_cvtps_pd(_mm512_castps512_ps256(h));
      g0 = r8_addd(r8_muld(hlo, dlo), g0);
      b0 = r8_addd(dlo, b0);
      if (hi) {
        const __m512d dhi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(d), 1)));
        const __m512d hhi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(h), 1)));
        g1 = r8_addd(r8_muld(hhi, dhi), g1);
        b1 = r8_addd(dhi, b1);
      }
    }
  }
  if (sg) {
    r8_std(sg + k, lo, g0), r8_std(sb + k, lo, b0);
    if (hi) r8_std(sg + k + 8, hi, g1), r8_std(sb + k + 8, hi, b1);
  }
}

R8_INLINE void r8_grad_rows(const ln_job *j, long r, int n, const float *a, const float *b, double *sg, double *sb) {
  const int C = j->C;
  int k = 0;
  for (; k + 16 <= C; k += 16) r8_grad_chunk(j, r, n, a, b, sg, sb, k, 0xFFFF);
  if (k < C) r8_grad_chunk(j, r, n, a, b, sg, sb, k, (__mmask16)((1u << (C - k)) - 1));
}

/* dx of rows r0 .. of [r0, r1) in whole groups of 8 (the rest is the caller's), and with sg, sb their column sums,
   rows in ascending order; returns the first row not done. */
static __attribute__((noinline)) R8_AVX512 long ln_grad_rows8(const ln_job *j, long r0, long r1, double *sg, double *sb) {
  float a[8 * R8_GROUPS], b[8 * R8_GROUPS];
  long r = r0;
  for (; r + 8 * R8_GROUPS <= r1; r += 8 * R8_GROUPS) {
    r8_grad_stats(j, r, R8_GROUPS, a, b);
    r8_grad_rows(j, r, 8 * R8_GROUPS, a, b, sg, sb);
  }
  for (; r + 8 <= r1; r += 8) {
    r8_grad_stats(j, r, 1, a, b);
    r8_grad_rows(j, r, 8, a, b, sg, sb);
  }
  return r;
}

#else
static int ln_rows8_wanted(long M, int grad) {
  (void)M, (void)grad;
  return 0;
}
static long ln_forward_rows8(const ln_job *j, long r0, long r1) {
  (void)j, (void)r1;
  return r0;
}
static long ln_grad_rows8(const ln_job *j, long r0, long r1, double *sg, double *sb) {
  (void)j, (void)r1, (void)sg, (void)sb;
  return r0;
}
#endif
