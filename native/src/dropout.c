// Native kernel: dropout's training-mode mask and product in one pass, drawing the same numbers as tfjs's
// tf.randomUniform(shape, 0, 1, 'float32', seed) (seedrandom's Alea, whose state the caller seeds in JS).
#include <math.h>
#include "tn.h"

/* Alea works in doubles only; every step here is the same IEEE operation as in seedrandom's JavaScript, so the
   sequence is bit-identical. The draw cannot be split (each number depends on the last): one thread, in order. */
int tn_dropout(long n, const float *x, double c, double s0, double s1, double s2, float keep, float *y, float *mask) {
  for (long i = 0; i < n; i++) {
    double t = 2091639.0 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = (double)(int)t; /* t | 0: t is in [0, 2091640) */
    s2 = t - c;
    /* tf.dropout: multiplier = floor(u + keep) / keep, then x * multiplier, each rounded to float as tfjs does. */
    float u = (float)s2;
    float m = floorf(u + keep) / keep;
    mask[i] = m;
    y[i] = x[i] * m;
  }
  return TN_OK;
}
