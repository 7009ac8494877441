// Native kernels: GaussianNoise's training pass, x + N(mean, std) drawn exactly as tfjs's tf.randomNormal draws it
// (seedrandom's Alea generator, Marsaglia's polar method in double, each value rounded once to float), so a seeded
// layer gives the bits it gave through tfjs's JavaScript generator, in one pass and without its 100,000 JS calls.
// Compiled with -ffp-contract=off: every product and sum must round where JavaScript's doubles round.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tn.h"

/* fdlibm's __ieee754_log, the algorithm V8's Math.log runs (src/base/ieee754.cc), so log(s) has JavaScript's bits
   (libm's log may differ in the last place). Only finite s in (0, 1) reach it here; the special cases stay anyway. */
static const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
                    two54 = 1.80143985094819840000e+16, Lg1 = 6.666666666666735130e-01,
                    Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                    Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;

static inline int32_t hi_word(double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  return (int32_t)(u >> 32);
}
static inline uint32_t lo_word(double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  return (uint32_t)u;
}
static inline double with_hi(double x, int32_t hi) {
  uint64_t u;
  memcpy(&u, &x, 8);
  u = ((uint64_t)(uint32_t)hi << 32) | (u & 0xffffffffu);
  memcpy(&x, &u, 8);
  return x;
}

double tn_js_log(double x) {
  double hfsq, f, s, z, R, w, t1, t2, dk;
  int32_t k = 0, hx = hi_word(x), i, j;
  uint32_t lx = lo_word(x);
  if (hx < 0x00100000) { /* x < 2^-1022 */
    if (((hx & 0x7fffffff) | lx) == 0) return -two54 / 0.0; /* log(+-0) = -inf */
    if (hx < 0) return (x - x) / 0.0;                     /* log(-#) = NaN */
    k -= 54;
    x *= two54; /* subnormal: scale up */
    hx = hi_word(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  i = (hx + 0x95f64) & 0x100000;
  x = with_hi(x, hx | (i ^ 0x3ff00000)); /* normalise x or x/2 */
  k += (i >> 20);
  f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) { /* -2^-20 <= f < 2^-20 */
    if (f == 0.0) {
      if (k == 0) return 0.0;
      dk = (double)k;
      return dk * ln2_hi + dk * ln2_lo;
    }
    R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    dk = (double)k;
    return dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  s = f / (2.0 + f);
  dk = (double)k;
  z = s * s;
  i = hx - 0x6147a;
  w = z * z;
  j = 0x6b851 - hx;
  t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  R = t2 + t1;
  if (i > 0) {
    hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

/* seedrandom's Alea step: t = 2091639·s0 + c·2^-32, c = t | 0, the new s2 = t − c. t | 0 for t in [0, 2091640) is
   trunc(t); x86-64's baseline has only the int round trip for it (cvttsd2si + cvtsi2sd, about twice the latency of
   the chain), SSE4.1 has roundsd: the loop is built both ways and the CPU picks (as dropout.c does). Same bits. */
typedef struct {
  double c, s0, s1, s2;
} alea;

#define INT_TRUNC(t) ((double)(int32_t)(t))

/* out[i] = x[i] + (float)(mean + std·v·m), the values in tfjs's MPRandGauss order (x of a pair, then its y), or
   out[i] = the value alone when x is NULL; v1, v2 drawn until the polar method accepts s = v1² + v2². One thread:
   the generator is one sequence whose dependency chain costs about as much as the logarithms (a two-pass parallel
   version measured no faster on two cores). */
#define GAUSS_LOOP(TRUNC)                                                          \
  for (long i = 0; i < n; i += 2) {                                                \
    double v1, v2, s;                                                              \
    do {                                                                           \
      double t = 2091639.0 * g.s0 + g.c * 2.3283064365386963e-10;                  \
      g.s0 = g.s1;                                                                 \
      g.s1 = g.s2;                                                                 \
      g.c = TRUNC(t);                                                              \
      g.s2 = t - g.c;                                                              \
      v1 = 2 * g.s2 - 1;                                                           \
      t = 2091639.0 * g.s0 + g.c * 2.3283064365386963e-10;                         \
      g.s0 = g.s1;                                                                 \
      g.s1 = g.s2;                                                                 \
      g.c = TRUNC(t);                                                              \
      g.s2 = t - g.c;                                                              \
      v2 = 2 * g.s2 - 1;                                                           \
      s = v1 * v1 + v2 * v2;                                                       \
    } while (s >= 1 || s == 0);                                                    \
    const double m = __builtin_sqrt(-2.0 * tn_js_log(s) / s);                      \
    const float a = (float)(mean + std * v1 * m);                                  \
    out[i] = x ? x[i] + a : a;                                                     \
    if (i + 1 < n) {                                                               \
      const float b = (float)(mean + std * v2 * m);                                \
      out[i + 1] = x ? x[i + 1] + b : b;                                           \
    }                                                                              \
  }

#if defined(__x86_64__) || defined(__i386__)
static void gauss_int(const float *x, float *out, long n, alea g, double mean, double std) { GAUSS_LOOP(INT_TRUNC) }
__attribute__((target("sse4.1"))) static void gauss_round(const float *x, float *out, long n, alea g, double mean,
                                                          double std) {
  GAUSS_LOOP(__builtin_trunc)
}
#endif

/* ---- The same draw in two passes, for states that are exact multiply-with-carry states (dropout.c explains why
   seedrandom's always are): one thread runs the generator as integers (its chain through the carry is an add and a
   shift) and keeps the draws of the accepted pairs, in order; then both threads turn the pairs into values (the
   logarithm, square root and products: most of the time), each pair on its own, so the split changes no bit. */
#define ALEA_A 2091639ULL
#define TWO_M32 2.3283064365386963e-10

static unsigned long mwc_calls;
unsigned long tn_gauss_noise_mwc_calls(void) { return __atomic_load_n(&mwc_calls, __ATOMIC_RELAXED); }

/* The raw draws of the first `pairs` accepted pairs into buf (2 per pair). v = 2 (X 2^-32) - 1 is JavaScript's
   2 * s2 - 1 exactly (s2 = X 2^-32), and s = v1² + v2² rounds as it does there (-ffp-contract=off). The pair is
   always written and kept only when accepted, so the loop has no branch to mispredict. With `published` (noise_pipe.h)
   the count of final pairs is published every PIPE_CHUNK accepted pairs (release: the pairs before are written). */
#define PIPE_CHUNK 512 /* pairs per publication, and per chunk noise_pipe.h's value parts claim */
static void gauss_accept(const uint32_t st[4], long pairs, uint32_t *buf, long *published) {
  uint64_t x0 = st[0], x1 = st[1], x2 = st[2], c = st[3];
  long k = 0;
  while (k < pairs) {
    const long end = k + PIPE_CHUNK < pairs ? k + PIPE_CHUNK : pairs;
    while (k < end) {
      uint64_t t = ALEA_A * x0 + c;
      x0 = x1, x1 = x2, x2 = (uint32_t)t, c = t >> 32;
      const uint32_t r1 = (uint32_t)t;
      t = ALEA_A * x0 + c;
      x0 = x1, x1 = x2, x2 = (uint32_t)t, c = t >> 32;
      const uint32_t r2 = (uint32_t)t;
      const double v1 = 2 * ((double)r1 * TWO_M32) - 1, v2 = 2 * ((double)r2 * TWO_M32) - 1;
      const double s = v1 * v1 + v2 * v2;
      buf[2 * k] = r1;
      buf[2 * k + 1] = r2;
      k += s < 1 && s != 0;
    }
    if (published) __atomic_store_n(published, k, __ATOMIC_RELEASE);
  }
}

typedef struct {
  const float *x;
  float *out;
  long n;
  const uint32_t *pairs;
  double mean, std;
  int vec; /* noise_vec.c's pass for the full pairs */
} gauss_job;

#if defined(__x86_64__)
/* noise_vec.c: the same values 8 pairs at a time (AVX-512F/DQ), the same bits. */
long tn_gauss_values_avx512(const uint32_t *pairs, long p0, long p1, const float *x, float *out, double mean, double std);
static unsigned long vec_calls;
unsigned long tn_gauss_noise_vec_calls(void) { return __atomic_load_n(&vec_calls, __ATOMIC_RELAXED); }
/* On unless WORKBENCH_NATIVE_NOISE_VEC=0 (read per call, for the bit-identity tests), where the CPU has AVX-512F/DQ. */
static int gauss_vec_wanted(void) {
  const char *v = getenv("WORKBENCH_NATIVE_NOISE_VEC");
  if (v && (strcmp(v, "0") == 0 || strcmp(v, "off") == 0)) return 0;
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}
#else
unsigned long tn_gauss_noise_vec_calls(void) { return 0; }
#endif

/* Pairs [p0, p1) of the job's accepted pairs to their values: each pair on its own, so any split gives the same bits. */
static void gauss_range(const gauss_job *j, long p0, long p1) {
  long k = p0;
#if defined(__x86_64__)
  if (j->vec) k = tn_gauss_values_avx512(j->pairs, p0, p1 < j->n / 2 ? p1 : j->n / 2, j->x, j->out, j->mean, j->std);
#endif
  for (; k < p1; k++) {
    const double v1 = 2 * ((double)j->pairs[2 * k] * TWO_M32) - 1, v2 = 2 * ((double)j->pairs[2 * k + 1] * TWO_M32) - 1;
    const double s = v1 * v1 + v2 * v2;
    const double m = __builtin_sqrt(-2.0 * tn_js_log(s) / s);
    const long i = 2 * k;
    const float a = (float)(j->mean + j->std * v1 * m);
    j->out[i] = j->x ? j->x[i] + a : a;
    if (i + 1 < j->n) {
      const float b = (float)(j->mean + j->std * v2 * m);
      j->out[i + 1] = j->x ? j->x[i + 1] + b : b;
    }
  }
}

static int gauss_task(void *p, int t, int nt) {
  const gauss_job *j = p;
  const long pairs = (j->n + 1) / 2;
  gauss_range(j, pairs * t / nt, pairs * (t + 1) / nt);
  return TN_OK;
}

#include "noise_pipe.h"

static int gauss_mwc(const float *x, float *out, long n, const uint32_t st[4], double mean, double std) {
  const long pairs = (n + 1) / 2;
  /* The calling thread's scratch: no other kernel runs inside this call. */
  uint32_t *buf = (uint32_t *)tn_scratch(2, (size_t)pairs * 2);
  if (!buf) return TN_ENOMEM;
  gauss_job j = {x, out, n, buf, mean, std, 0};
#if defined(__x86_64__)
  j.vec = gauss_vec_wanted();
#endif
  const int parts = n >= 16384 ? tn_threads() : 1;
  int err;
  if (parts > 1 && gauss_pipe_wanted()) {
    err = gauss_pipe(&j, st, pairs, parts); /* the accept pass overlapped with the values (noise_pipe.h) */
  } else {
    gauss_accept(st, pairs, buf, NULL);
    err = tn_parallel(gauss_task, &j, parts);
  }
  if (!err) __atomic_fetch_add(&mwc_calls, 1, __ATOMIC_RELAXED);
#if defined(__x86_64__)
  if (!err && j.vec) __atomic_fetch_add(&vec_calls, 1, __ATOMIC_RELAXED);
#endif
  return err;
}

int tn_gauss_noise(const float *x, float *out, long n, const double state[4], double mean, double std) {
  alea g = {state[0], state[1], state[2], state[3]};
  /* WORKBENCH_NATIVE_NOISE=serial forces the one-pass double loop with roundsd, =portable the one with the int round
     trip (the tests compare every loop's bits); otherwise the two-pass integer draw runs when the state allows it. */
  const char *force = getenv("WORKBENCH_NATIVE_NOISE");
  uint32_t st[4];
  if (!force && tn_alea_mwc_state(g.c, g.s0, g.s1, g.s2, st)) return gauss_mwc(x, out, n, st, mean, std);
#if defined(__x86_64__) || defined(__i386__)
  if (__builtin_cpu_supports("sse4.1") && !(force && strcmp(force, "portable") == 0)) gauss_round(x, out, n, g, mean, std);
  else gauss_int(x, out, n, g, mean, std);
#else
  GAUSS_LOOP(__builtin_trunc)
#endif
  return TN_OK;
}

/* The gradients of ReLU, LeakyReLU and PReLU in one pass, each element as tfjs's op graph computes it:
   relu: dx = dy·step(x), step(x) = x > 0 ? 1 : 0, NaN for NaN (its mul(dy, cast(step(x), 'float32')));
   maxmask (a max over the positions of each image and channel, global max pooling): dx = dy·(x == y ? 1 : 0) with y
   and dy per image and channel (tfjs's mul(dy, cast(equal(x, y), 'float32')));
   leaky: dx = x > 0 ? dy : dy·(float)alpha (its where(greater(x, 0), dy, mul(dy, alpha)));
   prelu: dx = x > 0 ? dy : dy·a[i mod period], and da_terms = x > 0 ? 0 : dy·x (summed by the caller, as tfjs sums
   its where(mask, zerosLike(dy), mul(dy, x))). Split over threads by element ranges: nothing is summed here. */
typedef struct {
  int op;
  long n, period, group;
  const float *x, *dy, *alpha;
  float *dx, *da;
  float scalar;
} relu_grad_job;

/* One run of PReLU's gradient against alpha[0..len). */
static void prelu_run(long len, const float *restrict x, const float *restrict dy, const float *restrict a,
                      float *restrict dx, float *restrict da) {
  /* The selects as bit masks (the same bits as ?:; +0 where x > 0), which the compiler vectorises. */
  for (long k = 0; k < len; k++) {
    const float g = dy[k], v = x[k], scaled = g * a[k], term = g * v;
    uint32_t gb, sb, tb, m = -(uint32_t)(v > 0);
    memcpy(&gb, &g, 4);
    memcpy(&sb, &scaled, 4);
    memcpy(&tb, &term, 4);
    gb = (gb & m) | (sb & ~m);
    tb &= ~m;
    memcpy(&dx[k], &gb, 4);
    memcpy(&da[k], &tb, 4);
  }
}

/* One run of the max-pool gradient within one image: dx = dy·(x == y ? 1 : 0) against y, dy at channels k0.. */
static void maxmask_run(long len, const float *restrict x, const float *restrict dy, const float *restrict y,
                        float *restrict dx) {
  for (long k = 0; k < len; k++) {
    const float m = x[k] == y[k] ? 1.0f : 0.0f;
    dx[k] = dy[k] * m;
  }
}

static int relu_grad_task(void *p, int t, int nt) {
  const relu_grad_job *j = p;
  long i0 = j->n * t / nt, i1 = j->n * (t + 1) / nt;
  const float *x = j->x, *dy = j->dy;
  float *dx = j->dx;
  if (j->op == TN_RELU_GRAD_MAXMASK) {
    /* x is [images, group] with group = positions·c; y and dy are [images, c]. */
    for (long i = i0; i < i1;) {
      const long img = i / j->group, k0 = (i % j->group) % j->period;
      const long len = j->period - k0 < i1 - i ? j->period - k0 : i1 - i;
      maxmask_run(len, x + i, dy + img * j->period + k0, j->alpha + img * j->period + k0, dx + i);
      i += len;
    }
    return TN_OK;
  }
  if (j->op == TN_RELU_GRAD_RELU) {
    for (long i = i0; i < i1; i++) {
      const float v = x[i], step = v > 0 ? 1.0f : (v != v ? v : 0.0f);
      dx[i] = dy[i] * step;
    }
    return TN_OK;
  }
  if (j->op == TN_RELU_GRAD_LEAKY) {
    const float a = j->scalar;
    for (long i = i0; i < i1; i++) {
      const float g = dy[i], scaled = g * a;
      dx[i] = x[i] > 0 ? g : scaled;
    }
    return TN_OK;
  }
  const long period = j->period;
  float *da = j->da;
  /* Runs of alpha's period (the first and last may be partial), each a loop the compiler vectorises. */
  for (long i = i0; i < i1;) {
    const long k0 = i % period, len = period - k0 < i1 - i ? period - k0 : i1 - i;
    prelu_run(len, x + i, dy + i, j->alpha + k0, dx + i, da + i);
    i += len;
  }
  return TN_OK;
}

int tn_relu_grad(int op, long n, long period, long group, const float *x, const float *dy, const float *alpha,
                 float scalar, float *dx, float *da) {
  relu_grad_job j = {op, n, period, group, x, dy, alpha, dx, da, scalar};
  return tn_parallel(relu_grad_task, &j, n >= 32768 ? tn_threads() : 1);
}
