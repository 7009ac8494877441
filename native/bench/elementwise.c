// Bench tool: the element-wise kernels at the bench models' sizes (k5-gap, strided-elu), CPU time of the calling thread
// (steady on a shared machine), each path against the one it replaced, picked in-process by the env switches.
// Built and run by elementwise.mjs; argument: the thread count (CPU time is the calling thread's only, so use 1).
// Dropout's paths give the same bits, the activations' too (but softplus's forward, whose float path is new).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../src/tn.h"

static double cpu_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static float *fill(long n, unsigned seed, float scale) {
  float *p = malloc(n * sizeof(float));
  for (long i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = ((float)(seed >> 8) / 16777216.0f - 0.5f) * scale;
  }
  return p;
}

#define BEST(EXPR)                                                \
  ({                                                              \
    double best_ = 1e30;                                          \
    for (int r_ = 0; r_ < 9; r_++) {                              \
      double t0_ = cpu_ms();                                      \
      EXPR;                                                       \
      double d_ = cpu_ms() - t0_;                                 \
      if (d_ < best_) best_ = d_;                                 \
    }                                                             \
    best_;                                                        \
  })

static void ab(const char *what, const char *env, const char *off, double (*run)(void *), void *ctx) {
  setenv(env, off, 1);
  double before = run(ctx);
  unsetenv(env);
  double after = run(ctx);
  printf("%-50s %8.3f -> %8.3f ms  (%.2fx)\n", what, before, after, before / after);
}

typedef struct { int fn, grad; long n, N; float *x, *y, *dy, *out; } act_ctx;
static double act_run(void *p) {
  act_ctx *c = p;
  float db[1024];
  if (c->grad) return BEST(tn_bias_act_grad(c->fn, c->n / c->N, (int)c->N, c->x, c->y, c->dy, c->out, db));
  return BEST(tn_act(c->fn, c->n, c->x, c->out));
}

typedef struct { long n; float *x, *y, *mask; } drop_ctx;
static double drop_run(void *p) {
  drop_ctx *c = p;
  /* An Alea state as seedrandom leaves one (multiples of 2^-32), c = 1. */
  return BEST(tn_dropout(c->n, c->x, 1, 0.5 + 3.0 / 4294967296.0, 0.25, 0.125, 0.9f, c->y, c->mask));
}

int main(int argc, char **argv) {
  tn_set_threads(argc > 1 ? atoi(argv[1]) : 1);
  printf("threads %d; CPU ms of the calling thread, best of 9; before -> after\n", tn_threads());
  static const struct { const char *name; int fn; long n, N; } acts[] = {
    {"k5-gap selu [128,14,14,48]", TN_ACT_SELU, 128L * 14 * 14 * 48, 48},
    {"k5-gap swish [128,5,5,64]", TN_ACT_SWISH, 128L * 5 * 5 * 64, 64},
    {"k5-gap gelu [128,5,5,96]", TN_ACT_GELU, 128L * 5 * 5 * 96, 96},
    {"k5-gap tanh [128,5,5,96]", TN_ACT_TANH, 128L * 5 * 5 * 96, 96},
    {"strided-elu elu [1000,14,14,32] (inference)", TN_ACT_ELU, 1000L * 14 * 14 * 32, 32},
    {"strided-elu sigmoid [1000,7,7,64] (inference)", TN_ACT_SIGMOID, 1000L * 7 * 7 * 64, 64},
    {"mlp-bn softplus [128,256]", TN_ACT_SOFTPLUS, 128L * 256, 256},
  };
  long most = 1000L * 14 * 14 * 32;
  float *x = fill(most, 1, 8), *y = fill(most, 2, 2), *dy = fill(most, 3, 1), *out = malloc(most * sizeof(float));
  for (size_t k = 0; k < sizeof acts / sizeof *acts; k++) {
    char label[96];
    act_ctx c = {acts[k].fn, 0, acts[k].n, acts[k].N, x, y, dy, out};
    int sp = acts[k].fn == TN_ACT_SOFTPLUS;
    snprintf(label, sizeof label, "%s fwd", acts[k].name);
    ab(label, sp ? "WORKBENCH_NATIVE_SOFTPLUS" : "WORKBENCH_NATIVE_ACT", sp ? "double" : "avx2", act_run, &c);
    if (strstr(acts[k].name, "inference")) continue;
    c.grad = 1;
    snprintf(label, sizeof label, "%s grad+bias", acts[k].name);
    ab(label, "WORKBENCH_NATIVE_ACT", "avx2", act_run, &c);
  }
  drop_ctx d = {128L * 14 * 14 * 32, x, y, out};
  ab("k5-gap dropout [128,14,14,32]", "WORKBENCH_NATIVE_DROPOUT", "serial", drop_run, &d);
  d.n = 128L * 256;
  ab("mlp-bn dropout [128,256]", "WORKBENCH_NATIVE_DROPOUT", "serial", drop_run, &d);
  return 0;
}
