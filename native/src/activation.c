// Native kernels: the smooth and clipped activations in one pass each way (forward from x, gradient from the saved x or
// y), replacing tfjs's chains of Greater/Select/Exp/Minimum/Mul. Each step rounds to float where tfjs's cpu backend
// rounds (its transcendental functions run in double and round once), so the numbers match it to float rounding.
// Compiled three times on x86 (like gemm_kernel.c): plain (SSE2), with -DTN_ACT_AVX2 -mavx2 -ffp-contract=off (the same
// IEEE operations eight lanes wide) and with -DTN_ACT_AVX512 -mavx512f/dq/vl/bw -mprefer-vector-width=512
// -ffp-contract=off (sixteen lanes); without contraction into FMAs all give the same bits, so the CPU changes only the
// speed.
#include <math.h>
#include "tn.h"

#if defined(TN_ACT_AVX512)
#define VARIANT(name) name##_avx512
#elif defined(TN_ACT_AVX2)
#define VARIANT(name) name##_avx2
#else
#define VARIANT(name) name##_generic
#endif

#define SELU_SCALE 1.0507009873554804934193349852946
#define SELU_SCALEALPHA 1.7580993408473768599402175208123
/* tfjs's erf (Abramowitz & Stegun 7.1.26), not libm's: gelu must equal tfjs's, approximation included. */
#define ERF_P 0.3275911
#define ERF_A1 0.254829592
#define ERF_A2 (-0.284496736)
#define ERF_A3 1.421413741
#define ERF_A4 (-1.453152027)
#define ERF_A5 1.061405429

/* exp in float, branch-free so the element loops vectorise (Cephes' polynomial, about 1 ulp): tfjs's cpu backend
   takes Math.exp in double and rounds once, so results agree to an ulp or two. Overflow gives inf, underflow 0 or a
   subnormal, NaN stays NaN. */
static inline float exp_f(float x) {
  x = x > 89.0f ? 89.0f : x;
  x = x < -104.0f ? -104.0f : x;
  /* Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick (no SSE4.1 rounding needed). */
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  /* 2^n in two halves, each a normal float, so subnormal results and 2^128 (-> inf) come out right. */
  int ni = (int)n, n1 = ni / 2, n2 = ni - n1;
  union { int i; float f; } a = {(n1 + 127) << 23}, b = {(n2 + 127) << 23};
  return p * a.f * b.f;
}

/* exp(x) - 1 without the cancellation near 0 (tfjs computes it in double): a series below |x| = 0.5. */
static inline float expm1_f(float x) {
  float e = exp_f(x) - 1.0f;
  float q = 1.0f / 40320.0f;
  q = q * x + 1.0f / 5040.0f;
  q = q * x + 1.0f / 720.0f;
  q = q * x + 1.0f / 120.0f;
  q = q * x + 1.0f / 24.0f;
  q = q * x + 1.0f / 6.0f;
  q = q * x + 0.5f;
  q = q * (x * x) + x;
  return (x < 0.5f && x > -0.5f) ? q : e;
}

/* The division in double: near 1, 1 + e in float would lose e, and the gradient's 1 - y needs y as tfjs rounds it. */
static inline float sigmoidf_(float x) { return (float)(1.0 / (1.0 + (double)exp_f(-x))); }

/* tanh with the sign taken out: (1 - e) / (1 + e), e = exp(-2|x|), exact subtraction there; a series below 0.25. */
static inline float tanh_f(float x) {
  float ax = x < 0 ? -x : x;
  float e = exp_f(-2.0f * ax);
  float big = (float)((1.0 - (double)e) / (1.0 + (double)e));
  float x2 = x * x;
  float s = 62.0f / 2835.0f;
  s = s * x2 - 17.0f / 315.0f;
  s = s * x2 + 2.0f / 15.0f;
  s = s * x2 - 1.0f / 3.0f;
  float small = x + x * x2 * s;
  float t = x < 0 ? -big : big;
  return ax < 0.25f ? small : (x != x ? x : t);
}

/* The polynomial and 1 - p e in double, rounded once as tfjs does: gelu's 1 + erf keeps erf's last bits near -1. */
static inline float erf_tfjs(float x) {
  float v = x < 0 ? -x : x;
  double t = 1.0 / (1.0 + ERF_P * v);
  double poly = (((((ERF_A5 * t + ERF_A4) * t) + ERF_A3) * t + ERF_A2) * t + ERF_A1) * t;
  /* tfjs squares v in double: exp(-v^2) = exp(-hi) (1 - lo) with v^2 = hi + lo, hi a float. */
  double vv = (double)v * v;
  float hi = (float)vv;
  double lo = vv - hi;
  lo = lo == lo ? lo : 0.0; /* v = inf */
  float r = (float)(1.0 - poly * ((double)exp_f(-hi) * (1.0 - lo)));
  return x < 0 ? -r : (x > 0 ? r : x * 0.0f);
}

/* log in float, branch-free (Cephes' logf: the mantissa in [sqrt(1/2), sqrt(2)) and a polynomial, about 1 ulp), for
   x > 0 finite. */
static inline float log_f(float x) {
  union { float f; int i; } u = {x};
  int e = ((u.i >> 23) & 0xff) - 126;
  u.i = (u.i & 0x807fffff) | 0x3f000000; /* x = m 2^e, m in [1/2, 1) */
  float m = u.f;
  int low = m < 0.707106781186547524f;
  e -= low;
  m = low ? m + m - 1.0f : m - 1.0f;
  float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  float fe = (float)e;
  y = y + -2.12194440e-4f * fe;
  y = y + -0.5f * z;
  return (m + y) + 0.693359375f * fe;
}

/* tfjs's cut-offs (x < T: exp(x); x > -T: x) as float comparisons: the nearest floats on the inner side of T and -T,
   which no float lies between. */
#define SOFTPLUS_LO (-13.942384719848633f)
#define SOFTPLUS_HI 13.942384719848633f

/* tfjs takes log(1 + exp(x)) in double; here log1p(e) = log(u) e / (u - 1) with u = 1 + e rounded (Goldberg's
   correction: exact to a few float ulps even where u keeps few of e's bits), all in float so the loop vectorises.
   Between the cut-offs e >= 8.8e-7, so u > 1. */
static inline float softplusf_(float x) {
  float e = exp_f(x);
  float u = 1.0f + e;
  float mid = log_f(u) * (e / (u - 1.0f));
  return x < SOFTPLUS_LO ? e : (x > SOFTPLUS_HI ? x : mid);
}

/* The earlier softplus: libm's exp and log in double, one element at a time (WORKBENCH_NATIVE_SOFTPLUS=double). */
#define TN_ACT_SOFTPLUS_DOUBLE (TN_ACT_RELU_MASK + 1)
static inline float softplus_double(float x) {
  double d = x, e = exp(d);
  if (x < SOFTPLUS_LO) return (float)e;
  if (x > SOFTPLUS_HI) return x;
  return (float)log(1.0 + e);
}

static const float SQRT2F = 1.41421356237309504880f;

static inline float forward(int fn, float x) {
  switch (fn) {
    case TN_ACT_ELU: return x >= 0 ? x : expm1_f(x);
    case TN_ACT_SELU: return x >= 0 ? (float)SELU_SCALE * x : (float)SELU_SCALEALPHA * expm1_f(x);
    case TN_ACT_RELU6: {
      /* tfjs: minimum(6, relu(x)); NaN stays NaN. */
      float r = x < 0 ? 0.0f : x;
      return r != r ? r : (r < 6.0f ? r : 6.0f);
    }
    case TN_ACT_SIGMOID: return sigmoidf_(x);
    case TN_ACT_TANH: return tanh_f(x);
    case TN_ACT_SOFTPLUS: return softplusf_(x);
    case TN_ACT_SOFTPLUS_DOUBLE: return softplus_double(x);
    case TN_ACT_SWISH: return sigmoidf_(x) * x;
    case TN_ACT_GELU: {
      float cdf = 0.5f * (1.0f + erf_tfjs(x / SQRT2F));
      return x * cdf;
    }
  }
  return x;
}

/* The gradient tfjs's autodiff builds for each activation, in its order of float operations. */
static inline float backward(int fn, float x, float y, float dy) {
  switch (fn) {
    case TN_ACT_ELU: return y >= 0 ? dy : dy * (y + 1.0f);
    case TN_ACT_SELU: {
      if (x > 0) return dy * (float)SELU_SCALE;
      return (dy * (float)SELU_SCALEALPHA) * exp_f(x);
    }
    case TN_ACT_RELU6: {
      float r = x < 0 ? 0.0f : x;
      float t = dy * (6.0f > r ? 1.0f : 0.0f);
      return t * (x > 0 ? 1.0f : (x != x ? x : 0.0f));
    }
    case TN_ACT_SIGMOID: return dy * (y * (1.0f - y));
    case TN_ACT_TANH: return (1.0f - y * y) * dy;
    case TN_ACT_SOFTPLUS: return dy * sigmoidf_(x);
    case TN_ACT_SWISH: {
      float s = sigmoidf_(x);
      float viaS = (dy * x) * (s * (1.0f - s));
      return dy * s + viaS;
    }
    case TN_ACT_GELU: {
      float u = x / SQRT2F;
      float cdf = 0.5f * (1.0f + erf_tfjs(u));
      float dAdd = (dy * x) * 0.5f;
      float a = exp_f(-(u * u)) * (float)1.1283791670955126; /* 2/sqrt(pi) */
      float du = dAdd * a;
      return dy * cdf + du / SQRT2F;
    }
  }
  return dy;
}

typedef struct {
  int fn;
  long n;
  const float *x, *y, *dy;
  float *out;
} act_job;

int VARIANT(tn_act_task)(void *p, int t, int nt);
int VARIANT(tn_act_task)(void *p, int t, int nt) {
  act_job *j = p;
  long i0 = j->n * t / nt, i1 = j->n * (t + 1) / nt;
  const float *restrict x = j->x;
  float *restrict o = j->out;
  /* One loop per function so that the switch is hoisted out of the element loop. */
  switch (j->fn) {
#define FWD(F) case F: for (long i = i0; i < i1; i++) o[i] = forward(F, x[i]); break;
    FWD(TN_ACT_ELU) FWD(TN_ACT_SELU) FWD(TN_ACT_RELU6) FWD(TN_ACT_SIGMOID) FWD(TN_ACT_TANH) FWD(TN_ACT_SOFTPLUS)
    FWD(TN_ACT_SWISH) FWD(TN_ACT_GELU) FWD(TN_ACT_SOFTPLUS_DOUBLE)
#undef FWD
  }
  return TN_OK;
}

int VARIANT(tn_act_grad_task)(void *p, int t, int nt);
int VARIANT(tn_act_grad_task)(void *p, int t, int nt) {
  act_job *j = p;
  long i0 = j->n * t / nt, i1 = j->n * (t + 1) / nt;
  /* The tensor a function does not read is stood in for by dy, so the loops have no per-element tests. */
  const float *restrict dy = j->dy, *restrict x = j->x ? j->x : dy, *restrict y = j->y ? j->y : dy;
  float *restrict o = j->out;
  switch (j->fn) {
#define BWD(F) case F: for (long i = i0; i < i1; i++) o[i] = backward(F, x[i], y[i], dy[i]); break;
    BWD(TN_ACT_ELU) BWD(TN_ACT_SELU) BWD(TN_ACT_RELU6) BWD(TN_ACT_SIGMOID) BWD(TN_ACT_TANH) BWD(TN_ACT_SOFTPLUS)
    BWD(TN_ACT_SWISH) BWD(TN_ACT_GELU)
#undef BWD
  }
  return TN_OK;
}

typedef struct {
  int fn;
  long M;
  int N;
  const float *x, *y, *dy;
  float *dz;
  double *parts; /* parts x N column sums (the caller's memory), or NULL: no bias */
} bias_act_job;

/* Rows per block: dz is summed while it is still in L1/L2. */
#define BIAS_BLOCK 4096

/* acc[k] += o[r N + k] for r = 0..rows-1, each column's adds in row order (the bits of the plain row loop), with the
   accumulators of 32 (then 8, then 1) columns held in registers over all the rows instead of stored and reloaded
   after every row (whose store-to-load latency bounded the plain loop). */
static inline void col_sums(const float *restrict o, long rows, long N, double *restrict acc) {
  long k = 0;
#define COLS(W)                                                   \
  for (; k + W <= N; k += W) {                                    \
    double a[W];                                                  \
    for (int q = 0; q < W; q++) a[q] = acc[k + q];                \
    for (long r = 0; r < rows; r++) {                             \
      const float *restrict row = o + r * N + k;                  \
      for (int q = 0; q < W; q++) a[q] += row[q];                 \
    }                                                             \
    for (int q = 0; q < W; q++) acc[k + q] = a[q];                \
  }
  COLS(32)
  COLS(8)
  COLS(1)
#undef COLS
}

/* Rows r0..r1 of part t: dz element by element (as tn_act_grad_task, or dy * step(y) for relu), then each block's
   rows added into the part's double sums in row order, as reduce.c's sum_task adds them. */
int VARIANT(tn_bias_act_grad_task)(void *p, int t, int nt);
int VARIANT(tn_bias_act_grad_task)(void *p, int t, int nt) {
  bias_act_job *j = p;
  const long N = j->N;
  long r0 = j->M * t / nt, r1 = j->M * (t + 1) / nt;
  long rb = BIAS_BLOCK / N < 1 ? 1 : BIAS_BLOCK / N;
  double *acc = j->parts ? j->parts + (size_t)t * N : NULL;
  if (acc)
    for (long k = 0; k < N; k++) acc[k] = 0;
  const float *restrict dy = j->dy, *restrict x = j->x ? j->x : dy, *restrict y = j->y ? j->y : dy;
  float *restrict o = j->dz;
  for (long b0 = r0; b0 < r1; b0 += rb) {
    long b1 = b0 + rb < r1 ? b0 + rb : r1, i0 = b0 * N, i1 = b1 * N;
    switch (j->fn) {
      case TN_ACT_RELU_MASK:
        /* tfjs: mul(dy, step(y)) with step = y > 0 ? 1 : (NaN ? NaN : 0). */
        for (long i = i0; i < i1; i++) o[i] = dy[i] * (y[i] > 0.0f ? 1.0f : (y[i] != y[i] ? y[i] : 0.0f));
        break;
#define BWD(F) case F: for (long i = i0; i < i1; i++) o[i] = backward(F, x[i], y[i], dy[i]); break;
      BWD(TN_ACT_ELU) BWD(TN_ACT_SELU) BWD(TN_ACT_RELU6) BWD(TN_ACT_SIGMOID) BWD(TN_ACT_TANH) BWD(TN_ACT_SOFTPLUS)
      BWD(TN_ACT_SWISH) BWD(TN_ACT_GELU)
#undef BWD
    }
    if (acc) col_sums(o + b0 * N, b1 - b0, N, acc);
  }
  return TN_OK;
}

#if !defined(TN_ACT_AVX2) && !defined(TN_ACT_AVX512)
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
int tn_act_task_avx2(void *p, int t, int nt);
int tn_act_grad_task_avx2(void *p, int t, int nt);
int tn_bias_act_grad_task_avx2(void *p, int t, int nt);
int tn_act_task_avx512(void *p, int t, int nt);
int tn_act_grad_task_avx512(void *p, int t, int nt);
int tn_bias_act_grad_task_avx512(void *p, int t, int nt);
/* 2 AVX-512 (F, DQ, VL, BW), 1 AVX2, 0 plain; WORKBENCH_NATIVE_ACT=avx2 or =generic caps it (same bits either way). */
static int act_isa(void) {
  const char *cap = getenv("WORKBENCH_NATIVE_ACT");
  int max = cap && strcmp(cap, "generic") == 0 ? 0 : cap && strcmp(cap, "avx2") == 0 ? 1 : 2;
  if (max >= 2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
    return 2;
  return max >= 1 && __builtin_cpu_supports("avx2") ? 1 : 0;
}
#else
#define tn_act_task_avx2 tn_act_task_generic
#define tn_act_grad_task_avx2 tn_act_grad_task_generic
#define tn_bias_act_grad_task_avx2 tn_bias_act_grad_task_generic
#define tn_act_task_avx512 tn_act_task_generic
#define tn_act_grad_task_avx512 tn_act_grad_task_generic
#define tn_bias_act_grad_task_avx512 tn_bias_act_grad_task_generic
static int act_isa(void) { return 0; }
#endif

/* Calls (forward, gradient, fused bias gradient) that ran the AVX-512 build: the tests prove with it which one ran. */
static unsigned long avx512_calls;
unsigned long tn_act_avx512_calls(void) { return __atomic_load_n(&avx512_calls, __ATOMIC_RELAXED); }

/* The 512-bit build pays where the loop computes (exp, the double divisions); relu6 and the gradients from y are
   memory-bound, and there the 256-bit loop measured a little faster. Same bits either way. */
static int heavy(int fn, int grad) {
  if (fn == TN_ACT_RELU6 || fn == TN_ACT_RELU_MASK) return 0;
  return !grad || tn_act_grad_needs(fn) == 1;
}

static tn_task pick(int fn, int grad, tn_task generic, tn_task avx2, tn_task avx512) {
  int isa = act_isa();
  if (isa == 2 && !heavy(fn, grad)) isa = 1;
  if (isa == 2) __atomic_fetch_add(&avx512_calls, 1, __ATOMIC_RELAXED);
  return isa == 2 ? avx512 : isa == 1 ? avx2 : generic;
}

/* Every element on its own: the split cannot change a number. */
static int parts(long n) { return n >= 16384 ? tn_threads() : 1; }

int tn_act(int fn, long n, const float *x, float *y) {
  if (fn == TN_ACT_SOFTPLUS) {
    const char *sp = getenv("WORKBENCH_NATIVE_SOFTPLUS");
    if (sp && strcmp(sp, "double") == 0) fn = TN_ACT_SOFTPLUS_DOUBLE;
  }
  act_job j = {fn, n, x, NULL, NULL, y};
  return tn_parallel(pick(fn, 0, tn_act_task_generic, tn_act_task_avx2, tn_act_task_avx512), &j, parts(n));
}

int tn_act_grad(int fn, long n, const float *x, const float *y, const float *dy, float *dx) {
  act_job j = {fn, n, x, y, dy, dx};
  return tn_parallel(pick(fn, 1, tn_act_grad_task_generic, tn_act_grad_task_avx2, tn_act_grad_task_avx512), &j, parts(n));
}

/* Which saved tensor the gradient reads: 1 x, 2 y. */
int tn_act_grad_needs(int fn) {
  return fn == TN_ACT_ELU || fn == TN_ACT_SIGMOID || fn == TN_ACT_TANH || fn == TN_ACT_RELU_MASK ? 2 : 1;
}

/* The parts are tn_sum_rows's (by size and the caller's thread count only) and combined as it combines them, so db
   has the bits of Sum(dz) over every axis but the last, and dz those of the separate gradient kernels. */
int tn_bias_act_grad(int fn, long M, int N, const float *x, const float *y, const float *dy, float *dz, float *db) {
  int parts = tn_sum_rows_parts(M, N);
  double *acc = NULL;
  if (db) {
    /* The calling thread's scratch (slot 4, as tn_sum_rows): it stays in this call until the sums are combined. */
    acc = (double *)tn_scratch(4, (size_t)parts * N * 2);
    if (!acc) return TN_ENOMEM;
  }
  bias_act_job j = {fn, M, N, x, y, dy, dz, acc};
  int err = tn_parallel(pick(fn, 1, tn_bias_act_grad_task_generic, tn_bias_act_grad_task_avx2, tn_bias_act_grad_task_avx512), &j, parts);
  if (err) return err;
  if (db) tn_sum_rows_combine(parts, N, acc, db);
  return TN_OK;
}
#endif
