// Native kernels: packed single-precision GEMM (BLIS-style blocking, 6x16 register tile), compiled once per ISA.
// Built twice: with -mavx2 -mfma as tn_gemm_avx2 and portably as tn_gemm_generic (TN_VARIANT names it).
#include <string.h>
#include "tn.h"

#define MR 6
#define NR 16
#define KC 256
#define MC 144
#define NC 1024

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN CAT(tn_gemm_, TN_VARIANT)

typedef float v8 __attribute__((vector_size(32)));
#define SPLAT(x) ((v8){(x), (x), (x), (x), (x), (x), (x), (x)})

static inline v8 ld8(const float *p) {
  v8 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st8(float *p, v8 v) { memcpy(p, &v, sizeof v); }

/* c[0..mr, 0..nr] (+)= a-panel (kc x MR) times b-panel (kc x NR). */
static void micro(int kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, int mr, int nr,
                  int overwrite) {
  v8 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
  v8 c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
  for (int k = 0; k < kc; k++) {
    v8 b0 = ld8(b), b1 = ld8(b + 8), t;
    /* One broadcast live at a time: 12 accumulators + 2 b + 1 a fit AVX2's 16 registers without spills. */
    t = SPLAT(a[0]); c00 += t * b0; c01 += t * b1;
    t = SPLAT(a[1]); c10 += t * b0; c11 += t * b1;
    t = SPLAT(a[2]); c20 += t * b0; c21 += t * b1;
    t = SPLAT(a[3]); c30 += t * b0; c31 += t * b1;
    t = SPLAT(a[4]); c40 += t * b0; c41 += t * b1;
    t = SPLAT(a[5]); c50 += t * b0; c51 += t * b1;
    a += MR;
    b += NR;
  }
  v8 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; i++) {
      float *ci = c + i * ldc;
      if (overwrite) {
        st8(ci, acc[i][0]);
        st8(ci + 8, acc[i][1]);
      } else {
        st8(ci, ld8(ci) + acc[i][0]);
        st8(ci + 8, ld8(ci + 8) + acc[i][1]);
      }
    }
    return;
  }
  float tmp[MR][NR];
  for (int i = 0; i < MR; i++) {
    st8(tmp[i], acc[i][0]);
    st8(tmp[i] + 8, acc[i][1]);
  }
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
      const float *r0 = a, *r1 = a + rs, *r2 = a + 2 * rs, *r3 = a + 3 * rs, *r4 = a + 4 * rs, *r5 = a + 5 * rs;
      for (int k = 0; k < kc; k++, out += MR) {
        out[0] = r0[k]; out[1] = r1[k]; out[2] = r2[k];
        out[3] = r3[k]; out[4] = r4[k]; out[5] = r5[k];
      }
    } else {
      for (int k = 0; k < kc; k++, out += MR)
        for (int i = 0; i < MR; i++) out[i] = i < mr ? a[i * rs + k * cs] : 0.0f;
    }
  }
}

static void pack_b(int kc, int nc, const float *B, long rs, long cs, float *restrict out) {
  for (int jr = 0; jr < nc; jr += NR) {
    int nr = nc - jr < NR ? nc - jr : NR;
    const float *b = B + jr * cs;
    if (nr == NR && cs == 1) {
      for (int k = 0; k < kc; k++, out += NR) memcpy(out, b + k * rs, NR * sizeof(float));
    } else if (nr == NR && rs == 1) {
      /* Transposed B: each column is contiguous in k; read 16 columns in step. */
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
