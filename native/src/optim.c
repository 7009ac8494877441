// Native kernels: one fused optimizer update for every variable of a model (Adam, momentum SGD, plain SGD,
// RMSProp), element for element the float32 operations tfjs's own optimizers run, in the same order.
// Built with -ffp-contract=off: a fused multiply-add would round once where tfjs rounds twice.
#include <math.h>
#include "tn.h"

typedef struct {
  int kind;
  int nvars;
  const tn_optim_var *vars;
  float h[8];
  long total;
} optim_job;

/* Wider vectors give the same bits (IEEE division and square root are exact in any width; no FMA, see above).
   x86-64 Linux builds an AVX2 clone chosen at load time; elsewhere the compiler's baseline vectors. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
/* (Not under the sanitizers, whose runtimes cannot run ifunc resolvers: native/test/stress.mjs builds this file so.) */
#define TN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TN_CLONES
#endif

/* Elements lo..hi-1 of one variable. Each element depends on itself only, so no split can change a bit. An output
   is either its input (in place) or a disjoint buffer, never a shifted overlap: hence ivdep, which lets the loops
   vectorise although the compiler cannot prove the pointers apart. */
TN_CLONES static void update(const optim_job *j, const tn_optim_var *v, long lo, long hi) {
  const float *restrict g = v->g;
  const float *w = v->w, *s1 = v->s1, *s2 = v->s2;
  float *wo = v->w_out, *s1o = v->s1_out, *s2o = v->s2_out;
  switch (j->kind) {
    case TN_OPTIM_ADAM: {
      /* tfjs: m = m*b1 + g*(1-b1); v = v*b2 + g^2*(1-b2); w = ((m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)) * -lr + w */
      const float b1 = j->h[0], c1 = j->h[1], b2 = j->h[2], c2 = j->h[3], d1 = j->h[4], d2 = j->h[5], eps = j->h[6],
                  nlr = j->h[7];
#pragma GCC ivdep
      for (long i = lo; i < hi; i++) {
        float gi = g[i];
        float m = s1[i] * b1 + gi * c1;
        float q = s2[i] * b2 + (gi * gi) * c2;
        float mh = m / d1, qh = q / d2;
        s1o[i] = m;
        s2o[i] = q;
        wo[i] = (mh / (sqrtf(qh) + eps)) * nlr + w[i];
      }
      break;
    }
    case TN_OPTIM_MOMENTUM: {
      /* tfjs: a = mom*a + g; w = -lr*a + w */
      const float mom = j->h[0], nlr = j->h[1];
#pragma GCC ivdep
      for (long i = lo; i < hi; i++) {
        float a = mom * s1[i] + g[i];
        s1o[i] = a;
        wo[i] = nlr * a + w[i];
      }
      break;
    }
    case TN_OPTIM_SGD: {
      const float nlr = j->h[1];
#pragma GCC ivdep
      for (long i = lo; i < hi; i++) wo[i] = nlr * g[i] + w[i];
      break;
    }
    case TN_OPTIM_RMSPROP: {
      /* tfjs (not centered): ms = ms*rho + g^2*(1-rho); mo = mo*mom + (g*lr)/sqrt(ms + eps); w = w - mo */
      const float rho = j->h[0], c = j->h[1], mom = j->h[2], lr = j->h[3], eps = j->h[4];
#pragma GCC ivdep
      for (long i = lo; i < hi; i++) {
        float gi = g[i];
        float ms = s1[i] * rho + (gi * gi) * c;
        float mo = s2[i] * mom + (gi * lr) / sqrtf(ms + eps);
        s1o[i] = ms;
        s2o[i] = mo;
        wo[i] = w[i] - mo;
      }
      break;
    }
  }
}

/* Part t takes elements [total*t/nt, total*(t+1)/nt) of all variables laid end to end. */
static int optim_task(void *p, int t, int nt) {
  const optim_job *j = p;
  long a = j->total * t / nt, b = j->total * (t + 1) / nt, base = 0;
  for (int k = 0; k < j->nvars && base < b; k++) {
    long n = j->vars[k].n, lo = a > base ? a - base : 0, hi = b - base < n ? b - base : n;
    if (lo < hi) update(j, &j->vars[k], lo, hi);
    base += n;
  }
  return TN_OK;
}

int tn_optim(int kind, int nvars, const tn_optim_var *vars, const float *h) {
  optim_job j = {kind, nvars, vars, {0}, 0};
  for (int k = 0; k < 8; k++) j.h[k] = h[k];
  for (int k = 0; k < nvars; k++) j.total += vars[k].n;
  return tn_parallel(optim_task, &j, j.total >= 65536 ? tn_threads() : 1);
}

typedef struct {
  const optim_job *job;
  const tn_optim_var *v;
  int N;
} post_ctx;

/* A GEMM part's finished block of dW: the update of exactly those elements (row by row unless whole rows). */
static void update_block(void *p, int r0, int r1, int c0, int c1) {
  const post_ctx *c = p;
  if (c0 == 0 && c1 == c->N) {
    update(c->job, c->v, (long)r0 * c->N, (long)r1 * c->N);
    return;
  }
  for (long r = r0; r < r1; r++) update(c->job, c->v, r * c->N + c0, r * c->N + c1);
}

int tn_matmul_optim(int kind, const float *h, const tn_optim_var *v, int M, int N, int K, const float *A, int transA,
                    const float *B, int transB) {
  optim_job j = {kind, 1, v, {0}, (long)M * N};
  for (int k = 0; k < 8; k++) j.h[k] = h[k];
  post_ctx c = {&j, v, N};
  tn_gemm_post post = {update_block, &c};
  return tn_matmul_post(M, N, K, A, transA, B, transB, (float *)v->g, &post);
}
