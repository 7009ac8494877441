// Native kernels: packed single-precision GEMM (BLIS-style blocking, MR x NR register tile), compiled once per ISA.
// Built three times: portably as tn_gemm_generic, with -mavx2 -mfma as tn_gemm_avx2 (6x16 tile in 8-lane vectors) and
// with -mavx512f as tn_gemm_avx512 (TN_WIDE: 8x32 tile in 16-lane vectors; 8 rows measured a little faster on this
// Zen 4 than 6, 10, 12 or 14, see docs/GEMM.md).
// Every variant sums each element over k in the same order (k blocks of KC, k ascending inside a block, block sums
// added to C in order), so the fused-multiply-add variants (avx2, avx512) give the same bits.
#include <string.h>
#include "tn.h"

#ifdef TN_WIDE
#define VL 16
#ifndef TN_MR
#define TN_MR 8
#endif
#define MR TN_MR
#define NR 32
#else
#define VL 8
#define MR 6
#define NR 16
#endif
#define NV (NR / VL)
#define KC 256
#define MC (MR * 24)
#define NC 1024

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN CAT(tn_gemm_, TN_VARIANT)

typedef float vf __attribute__((vector_size(VL * 4)));

static inline vf ldv(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void stv(float *p, vf v) { memcpy(p, &v, sizeof v); }
#if VL == 16
#define splat(x) ((vf){(x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x)})
#else
#define splat(x) ((vf){(x), (x), (x), (x), (x), (x), (x), (x)})
#endif

/* c[0..mr, 0..nr] (+)= a-panel (kc x MR) times b-panel (kc x NR). The accumulators are an array indexed only by
   constants in fully unrolled loops, so they live in registers (one broadcast live at a time: no spills). */
static void micro(int kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc, int mr, int nr,
                  int overwrite) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = (vf){0};
  for (int k = 0; k < kc; k++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = ldv(b + v * VL);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      vf t = splat(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] += t * bv[v];
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float *ci = c + i * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) stv(ci + v * VL, overwrite ? acc[i][v] : ldv(ci + v * VL) + acc[i][v]);
    }
    return;
  }
  float tmp[MR][NR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) stv(tmp[i] + v * VL, acc[i][v]);
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
      for (int k = 0; k < kc; k++, out += MR)
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) out[i] = a[i * rs + k];
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
      /* Transposed B: each column is contiguous in k; read NR columns in step. */
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
