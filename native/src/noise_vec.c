// Native kernels: GaussianNoise's value pass (noise.c's gauss_task: the polar method's logarithm, square root and
// products for pairs the accept pass kept) eight doubles at a time, with the bits of the scalar pass. Built once with
// -DTN_NOISE_AVX512 -mavx512f -mavx512dq and -ffp-contract=off (noise.c picks it when the CPU has AVX-512); the
// generic build of this file is empty. WORKBENCH_NATIVE_NOISE_VEC=0 (read per call) keeps the scalar pass.
//
// Why the bits are the scalar pass's: every lane runs the same IEEE double operations in the same order (fdlibm's
// __ieee754_log as tn_js_log, then sqrt, division, products, one rounding to float, the float add), each operation
// exact-rounded as its scalar form is and none contracted. fdlibm's branches are taken as selects between results
// computed both ways: which result a lane keeps depends only on its own input, as the branch does. Its inputs s are
// in [2^-62, 1) (v1, v2 are multiples of 2^-31, s > 0), so its zero, negative, subnormal and non-finite cases cannot
// occur; the one other case (|f| < 2^-20, s within 2^-20 of 1) is redone lane by lane with tn_js_log itself.
#include <stdint.h>
#include <string.h>
#include "tn.h"

#if defined(TN_NOISE_AVX512)
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef uint32_t v16u __attribute__((vector_size(64)));

#define TWO_M32 2.3283064365386963e-10

/* clang and GCC ≥ 12 have __builtin_shufflevector; older GCC builds the vectors lane by lane (the same values). */
#if defined(__clang__) || __GNUC__ >= 12
#define EVENS(v) __builtin_shufflevector(v, v, 0, 2, 4, 6, 8, 10, 12, 14)
#define ODDS(v) __builtin_shufflevector(v, v, 1, 3, 5, 7, 9, 11, 13, 15)
#define ZIP_AB(a, b) __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15)
#else
#define EVENS(v) ((v8u){v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14]})
#define ODDS(v) ((v8u){v[1], v[3], v[5], v[7], v[9], v[11], v[13], v[15]})
#define ZIP_AB(a, b) ((v16f){a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7]})
#endif

static inline v8d sel(v8l m, v8d a, v8d b) { return (v8d)((m & (v8l)a) | (~m & (v8l)b)); }
static inline v8d splat(double v) { return (v8d){v, v, v, v, v, v, v, v}; }

/* tn_js_log's arithmetic on 8 lanes for s in [2^-62, 1); *rare gets the lanes of its |f| < 2^-20 branch. */
static inline v8d js_log8(v8d x, v8l *rare) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10, Lg1 = 6.666666666666735130e-01,
               Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
               Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;
  const v8l bits = (v8l)x;
  v8l hx = bits >> 32; /* the high word (positive here) */
  v8l k = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const v8l i0 = (hx + 0x95f64) & 0x100000;
  const v8l hi = hx | (i0 ^ 0x3ff00000);
  x = (v8d)((hi << 32) | (bits & 0xffffffffLL));
  k += i0 >> 20;
  const v8d f = x - 1.0;
  *rare = ((0x000fffff & (2 + hx)) < 3);
  const v8d s = f / (2.0 + f);
  const v8d dk = __builtin_convertvector(k, v8d);
  const v8d z = s * s;
  v8l i = hx - 0x6147a;
  const v8d w = z * z;
  const v8l j = 0x6b851 - hx;
  const v8d t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const v8d t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const v8d R = t2 + t1;
  const v8d hfsq = 0.5 * f * f;
  const v8d big0 = f - (hfsq - s * (hfsq + R));
  const v8d big = dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  const v8d small0 = f - s * (f - R);
  const v8d small = dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
  const v8l k0 = k == 0;
  return sel(i > 0, sel(k0, big0, big), sel(k0, small0, small));
}

/* Pairs [p0, p1) of `pairs` (2 draws each) to out[2p], out[2p + 1] (+ x when x is set), as gauss_task computes them;
   the caller keeps p1 ≤ n / 2 (a last lone value is its own). Returns the first pair not done (a tail under 8). */
long tn_gauss_values_avx512(const uint32_t *pairs, long p0, long p1, const float *x, float *out, double mean, double std) {
  long k = p0;
  for (; k + 8 <= p1; k += 8) {
    v16u raw;
    memcpy(&raw, pairs + 2 * k, sizeof raw);
    const v8u r1 = EVENS(raw), r2 = ODDS(raw);
    /* uint32 → double is exact; then 2 · (r · 2^-32) − 1 as the scalar pass rounds it. */
    const v8d v1 = 2 * (__builtin_convertvector(r1, v8d) * TWO_M32) - 1;
    const v8d v2 = 2 * (__builtin_convertvector(r2, v8d) * TWO_M32) - 1;
    const v8d s = v1 * v1 + v2 * v2;
    v8l rare;
    v8d lg = js_log8(s, &rare);
    for (int l = 0; l < 8; l++)
      if (rare[l]) lg[l] = tn_js_log(s[l]);
    const v8d q = -2.0 * lg / s;
    v8d m;
    for (int l = 0; l < 8; l++) m[l] = __builtin_sqrt(q[l]);
    const v8f a = __builtin_convertvector(splat(mean) + splat(std) * v1 * m, v8f);
    const v8f b = __builtin_convertvector(splat(mean) + splat(std) * v2 * m, v8f);
    v16f ab = ZIP_AB(a, b);
    if (x) {
      v16f xi;
      memcpy(&xi, x + 2 * k, sizeof xi);
      ab = xi + ab; /* float adds, lane by lane, as x[i] + a */
    }
    memcpy(out + 2 * k, &ab, sizeof ab);
  }
  return k;
}
#endif
