// Native kernel: dropout's training-mode mask and product in one pass, drawing the same numbers as tfjs's
// tf.randomUniform(shape, 0, 1, 'float32', seed) (seedrandom's Alea, whose state the caller seeds in JS).
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tn.h"

/* Alea works in doubles only; every step here is the same IEEE operation as in seedrandom's JavaScript, so the
   sequence is bit-identical. The draw cannot be split (each number depends on the last): one thread, in order, and
   the loop's speed is the latency of that chain. `t | 0` for t in [0, 2091640) is trunc(t), exactly; x86-64's
   baseline has only the int round trip for it (cvttsd2si + cvtsi2sd, ~2× the chain's latency), SSE4.1 has roundsd,
   so the loop is built twice and picked by the CPU at run time. Same bits either way (tests/native). */
#define ALEA_LOOP(TRUNC)                                                              \
  for (long i = 0; i < n; i++) {                                                      \
    double t = 2091639.0 * s0 + c * 2.3283064365386963e-10;                           \
    s0 = s1;                                                                          \
    s1 = s2;                                                                          \
    c = TRUNC(t);                                                                     \
    s2 = t - c;                                                                       \
    /* tf.dropout: multiplier = floor(u + keep) / keep, then x * multiplier, each rounded to float as tfjs does. */ \
    float u = (float)s2;                                                              \
    float m = floorf(u + keep) / keep;                                                \
    mask[i] = m;                                                                      \
    y[i] = x[i] * m;                                                                  \
  }

#define INT_TRUNC(t) ((double)(int)(t))

#if defined(__x86_64__) || defined(__i386__)
static void alea_int(long n, const float *x, double c, double s0, double s1, double s2, float keep, float *y, float *mask) {
  ALEA_LOOP(INT_TRUNC)
}
__attribute__((target("sse4.1"))) static void alea_round(long n, const float *x, double c, double s0, double s1, double s2,
                                                         float keep, float *y, float *mask) {
  ALEA_LOOP(trunc)
}
#endif

/* Calls that took the rounding-instruction loop: the tests prove with it which loop ran. */
static unsigned long rounded_calls;
unsigned long tn_dropout_rounded_calls(void) { return __atomic_load_n(&rounded_calls, __ATOMIC_RELAXED); }

/* Calls through the integer segments: the tests prove with it which loop ran. */
static unsigned long mwc_calls;
unsigned long tn_dropout_mwc_calls(void) { return __atomic_load_n(&mwc_calls, __ATOMIC_RELAXED); }

/* ---- The same stream as exact integer arithmetic, split into independent segments. ----
   Every Alea state the JS side can hand us has s0, s1, s2 multiples of 2^-32 (Mash returns (n >>> 0) * 2^-32, and
   seedrandom's `s -= mash(seed); if (s < 0) s += 1` keeps that) and c a small integer. Then 2091639 * s0 + c * 2^-32
   is (a X0 + c) 2^-32 with X0 = s0 2^32 and a X0 + c < 2^53: exact in double, and t | 0 = floor. So Alea is the
   lag-3 multiply-with-carry generator T = a X[i-3] + c, X[i] = T mod 2^32, c = T div 2^32, bit for bit, and its
   chain through c is an add and a shift (not a double multiply, add and round: ~5x shorter).
   A lag-3 MWC state (X0, X1, X2, c) is z = a (X0 + X1 b + X2 b^2) + c with b = 2^32, and one step maps z to
   z b^-1 mod m, m = a b^3 - 1 (b z' = z + (a b^3 - 1)(z mod b)). So the state k steps on is z (b^-1)^k mod m,
   b^-1 = a b^2 mod m: each segment of the output starts from its own state, the segments run on both threads and
   every number is still the one the sequential draw gives, whatever the split. */
#ifdef __SIZEOF_INT128__ /* 64-bit targets; elsewhere only the double loops */
#define TN_DROPOUT_MWC 1
#define ALEA_A 2091639ULL
typedef unsigned __int128 u128;
static const u128 MWC_M = ((u128)ALEA_A << 96) - 1; /* < 2^117 */

/* x y mod m for x, y < m < 2^117, bit by bit (every intermediate < 2^119). Off the hot path: once per segment. */
static u128 mulmod(u128 x, u128 y) {
  u128 r = 0;
  for (int bit = 117; bit >= 0; bit--) {
    r <<= 1;
    if (r >= MWC_M) r -= MWC_M;
    if ((y >> bit) & 1) {
      r += x;
      if (r >= MWC_M) r -= MWC_M;
    }
  }
  return r;
}

static u128 powmod(u128 x, unsigned long k) {
  u128 r = 1;
  for (; k; k >>= 1) {
    if (k & 1) r = mulmod(r, x);
    x = mulmod(x, x);
  }
  return r;
}

/* Elements per segment, and b^-SEG mod m (computed once). */
#define SEG 16384L
static u128 seg_jump;
static pthread_once_t seg_once = PTHREAD_ONCE_INIT;
static void seg_init(void) { seg_jump = powmod((u128)ALEA_A << 64, SEG); }

typedef struct { uint32_t x0, x1, x2, c; } mwc_state;

static u128 mwc_pack(mwc_state s) {
  return (u128)ALEA_A * ((u128)s.x0 | ((u128)s.x1 << 32) | ((u128)s.x2 << 64)) + s.c;
}
static mwc_state mwc_unpack(u128 z) {
  mwc_state s;
  s.c = (uint32_t)(z % ALEA_A);
  u128 q = z / ALEA_A;
  s.x0 = (uint32_t)q;
  s.x1 = (uint32_t)(q >> 32);
  s.x2 = (uint32_t)(q >> 64);
  return s;
}

typedef struct {
  long n, segs;
  const float *x;
  float *y, *mask;
  float keep, inv; /* inv = 1 / keep, rounded */
  const mwc_state *start;
} mwc_job;

/* Block of the apply pass: a block's draws go to the stack, then become the multiplier and the product. */
#define APPLY_BLOCK 2048

typedef struct { uint64_t x0, x1, x2, c; } mwc_reg;

static inline uint32_t mwc_next(mwc_reg *r) {
  uint64_t tt = ALEA_A * r->x0 + r->c;
  r->x0 = r->x1;
  r->x1 = r->x2;
  r->x2 = (uint32_t)tt;
  r->c = tt >> 32;
  return (uint32_t)tt;
}

static void mwc_apply(const uint32_t *restrict raw, long len, const float *restrict x, float *restrict y,
                      float *restrict mask, float keep, float inv) {
  for (long i = 0; i < len; i++) {
    /* u = (float)(X 2^-32) as tf.randomUniform stores s2: X rounded to float once (its two 16-bit halves are exact
       floats, their sum rounds once), then scaled by 2^-32 exactly. */
    float u = ((float)(raw[i] >> 16) * 65536.0f + (float)(raw[i] & 0xffff)) * 2.3283064365386963e-10f;
    /* floor(u + keep) with u + keep in [0, 2] (u may round up to 1): 0, 1 or 2, counted as integers so the loop
       vectorises without float selects; then / keep is f * (1 / keep), exact since f is 0 or a power of two. */
    float s = u + keep;
    float m = (float)((s >= 1.0f) + (s >= 2.0f)) * inv;
    mask[i] = m;
    y[i] = x[i] * m;
  }
}

static int mwc_task(void *p, int t, int nt) {
  mwc_job *j = p;
  long g0 = j->segs * t / nt, g1 = j->segs * (t + 1) / nt;
  uint32_t ra[APPLY_BLOCK];
  for (long g = g0; g < g1; g++) {
    long i0 = g * SEG, i1 = i0 + SEG < j->n ? i0 + SEG : j->n;
    mwc_reg a = {j->start[g].x0, j->start[g].x1, j->start[g].x2, j->start[g].c};
    for (long b0 = i0; b0 < i1; b0 += APPLY_BLOCK) {
      long len = i1 - b0 < APPLY_BLOCK ? i1 - b0 : APPLY_BLOCK;
      for (long i = 0; i < len; i++) ra[i] = mwc_next(&a);
      mwc_apply(ra, len, j->x + b0, j->y + b0, j->mask + b0, j->keep, j->inv);
    }
  }
  return TN_OK;
}


/* The state as MWC integers, or 0 when it is not one (then the double loops run, as tfjs would). */
static int mwc_from_doubles(double c, double s0, double s1, double s2, mwc_state *out) {
  const double B = 4294967296.0;
  double v[3] = {s0 * B, s1 * B, s2 * B};
  for (int k = 0; k < 3; k++)
    if (!(v[k] >= 0 && v[k] < B && v[k] == floor(v[k]))) return 0;
  if (!(c >= 0 && c < (double)ALEA_A && c == floor(c))) return 0;
  out->x0 = (uint32_t)v[0];
  out->x1 = (uint32_t)v[1];
  out->x2 = (uint32_t)v[2];
  out->c = (uint32_t)c;
  /* z = m (every X 2^32 - 1, c = a - 1) is the generator's fixed point, outside the residues mod m. */
  return mwc_pack(*out) != MWC_M;
}

int tn_alea_mwc_state(double c, double s0, double s1, double s2, uint32_t out[4]) {
  mwc_state st;
  if (!mwc_from_doubles(c, s0, s1, s2, &st)) return 0;
  out[0] = st.x0;
  out[1] = st.x1;
  out[2] = st.x2;
  out[3] = st.c;
  return 1;
}

static int tn_dropout_mwc(long n, const float *x, mwc_state s, float keep, float *y, float *mask) {
  long segs = (n + SEG - 1) / SEG;
  mwc_state one[1], *start = segs > 1 ? malloc(sizeof(mwc_state) * (size_t)segs) : one;
  if (!start) return TN_ENOMEM;
  start[0] = s;
  if (segs > 1) {
    pthread_once(&seg_once, seg_init);
    u128 z = mwc_pack(s);
    for (long g = 1; g < segs; g++) {
      z = mulmod(z, seg_jump);
      start[g] = mwc_unpack(z);
    }
  }
  mwc_job j = {n, segs, x, y, mask, keep, 1.0f / keep, start};
  /* Each segment's numbers are fixed by its start state: the split over threads cannot change a bit. */
  int err = tn_parallel(mwc_task, &j, segs >= 2 ? tn_threads() : 1);
  if (start != one) free(start);
  if (!err) __atomic_fetch_add(&mwc_calls, 1, __ATOMIC_RELAXED);
  return err;
}
#endif

int tn_dropout(long n, const float *x, double c, double s0, double s1, double s2, float keep, float *y, float *mask) {
#if defined(__x86_64__) || defined(__i386__)
  /* WORKBENCH_NATIVE_DROPOUT=portable forces the int round trip, =serial the rounding loop (the tests compare every
     loop's bits); otherwise the integer segments run. */
  const char *force = getenv("WORKBENCH_NATIVE_DROPOUT");
#ifdef TN_DROPOUT_MWC
  mwc_state st;
  if (!force && 1.0f / keep < INFINITY && mwc_from_doubles(c, s0, s1, s2, &st)) return tn_dropout_mwc(n, x, st, keep, y, mask);
#endif
  if (__builtin_cpu_supports("sse4.1") && !(force && strcmp(force, "portable") == 0)) {
    __atomic_fetch_add(&rounded_calls, 1, __ATOMIC_RELAXED);
    alea_round(n, x, c, s0, s1, s2, keep, y, mask);
  } else {
    alea_int(n, x, c, s0, s1, s2, keep, y, mask);
  }
#else
  const char *force = getenv("WORKBENCH_NATIVE_DROPOUT");
  (void)force;
#ifdef TN_DROPOUT_MWC
  mwc_state st;
  if (!force && 1.0f / keep < INFINITY && mwc_from_doubles(c, s0, s1, s2, &st)) return tn_dropout_mwc(n, x, st, keep, y, mask);
#endif
  /* aarch64 and the rest: trunc is one instruction (frintz). */
  __atomic_fetch_add(&rounded_calls, 1, __ATOMIC_RELAXED);
  ALEA_LOOP(trunc)
#endif
  return TN_OK;
}

#ifndef TN_DROPOUT_MWC
int tn_alea_mwc_state(double c, double s0, double s1, double s2, uint32_t out[4]) {
  (void)c, (void)s0, (void)s1, (void)s2, (void)out;
  return 0;
}
#endif
