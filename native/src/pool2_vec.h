// Shared by pool2_relu.c and eltbw.c: 8 floats per vector (GCC vector extensions, no ISA intrinsics, so each file's
// target clones compile them for their own ISA), an unaligned load, and a 2x2 window's maximum and first maximum
// exactly as pooling.c's general pass takes them (the same compares in the same order: the same bits).
#ifndef TN_POOL2_VEC_H
#define TN_POOL2_VEC_H
#include <string.h>

typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
#define INLINE static inline __attribute__((always_inline))

INLINE v8f ld(const float *p) {
  v8f v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* The window's maximum: from -inf, each of a, b (top row), e, f (bottom row) in turn taken where v > m (never NaN). */
INLINE v8f max4(v8f a, v8f b, v8f e, v8f f) {
  const float ni = -__builtin_inff();
  v8f m = {ni, ni, ni, ni, ni, ni, ni, ni};
  v8i gi;
  gi = a > m, m = (v8f)(((v8i)a & gi) | ((v8i)m & ~gi));
  gi = b > m, m = (v8f)(((v8i)b & gi) | ((v8i)m & ~gi));
  gi = e > m, m = (v8f)(((v8i)e & gi) | ((v8i)m & ~gi));
  gi = f > m, m = (v8f)(((v8i)f & gi) | ((v8i)m & ~gi));
  return m;
}

/* Which position takes the window's gradient: the first of a, b, e, f equal to its maximum m (all-ones lanes). */
INLINE void first_max4(v8f a, v8f b, v8f e, v8f f, v8f m, v8i hit[4]) {
  v8i done = hit[0] = a == m;
  hit[1] = (b == m) & ~done;
  done |= hit[1];
  hit[2] = (e == m) & ~done;
  done |= hit[2];
  hit[3] = (f == m) & ~done;
}
#endif
