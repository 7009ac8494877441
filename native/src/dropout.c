// Native kernel: dropout's training-mode mask and product in one pass, drawing the same numbers as tfjs's
// tf.randomUniform(shape, 0, 1, 'float32', seed) (seedrandom's Alea, whose state the caller seeds in JS).
#include <math.h>
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

int tn_dropout(long n, const float *x, double c, double s0, double s1, double s2, float keep, float *y, float *mask) {
#if defined(__x86_64__) || defined(__i386__)
  /* WORKBENCH_NATIVE_DROPOUT=portable forces the int round trip (the tests compare both loops' bits). */
  const char *force = getenv("WORKBENCH_NATIVE_DROPOUT");
  if (__builtin_cpu_supports("sse4.1") && !(force && strcmp(force, "portable") == 0)) {
    __atomic_fetch_add(&rounded_calls, 1, __ATOMIC_RELAXED);
    alea_round(n, x, c, s0, s1, s2, keep, y, mask);
  } else {
    alea_int(n, x, c, s0, s1, s2, keep, y, mask);
  }
#else
  /* aarch64 and the rest: trunc is one instruction (frintz). */
  __atomic_fetch_add(&rounded_calls, 1, __ATOMIC_RELAXED);
  ALEA_LOOP(trunc)
#endif
  return TN_OK;
}
