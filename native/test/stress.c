// Native kernels: stress harness. Two threads (as two training runs' JS threads) call the kernels at once with
// different shapes; every result must equal, bit for bit, the same call made earlier with no other thread running.
// Built and run by native/test/stress.mjs (optionally under ThreadSanitizer or AddressSanitizer).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/tn.h"

enum { SUM, FGRAD, IGRAD, CONV, POOLGRAD, MATMUL, BNTRAIN, BNGRAD, POOLRELU, DROPOUT, ACTGRAD, MATMUL_OPTIM, LNGRAD, POOLFWD, POOLRELU6, POOLRELU6F, ELTLEAKY, ELTPAD, DW, LNFWD, CONV1X1, MATMUL_TB, KINDS };
static const char *kind_name[KINDS] = {"column sums", "filter gradients", "input gradients", "convolutions",
                                       "max-pool gradients", "matrix products", "batch-norm forward",
                                       "batch-norm gradients", "max-pool relu grads", "dropout", "activation + bias grads",
                                       "gradient + Adam", "layer-norm gradients", "max pools", "max-pool relu6 grads",
                                       "relu6 max pools", "leaky relu (flat split)", "paddings (merged axes)",
                                       "depthwise (3 passes)", "layer-norm forwards", "1x1 convolutions",
                                       "matrix products, B transposed"};

typedef struct {
  int kind, every;
  long m, n;     /* SUM, BN*, ACTGRAD: rows, columns; MATMUL: m, n (k in conv.c); DROPOUT: n elements */
  tn_conv conv;  /* FGRAD, IGRAD, CONV; MATMUL uses conv.c as k */
  tn_pool pool;  /* POOLGRAD, POOLRELU, POOLRELU6, POOLRELU6F */
  float *a, *b, *out, *want;
  size_t outLen;
  int dil;       /* FGRAD, IGRAD, CONV: dilation on both axes through conv_dilated.c (0: conv.c) */
  tn_dw dw;      /* DW: a = x; b = filter, then dy; out = y, dx, df (depthwise.c: forward, input and filter gradient) */
} job;

typedef struct {
  job jobs[48];
  int njobs, rounds;
  long calls[KINDS], wrong[KINDS];
  pthread_barrier_t *ready, *go;
} worker;

static float *randoms(size_t n, unsigned seed) {
  float *p = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
  return p;
}

static tn_conv conv(int n, int h, int c, int k, int co) {
  tn_conv g = {n, h, h, c, k, k, co, h - k + 1, h - k + 1, 1, 1, 0, 0};
  return g;
}

static void add_job(worker *w, job j, unsigned seed) {
  size_t la = 0, lb = 0;
  tn_conv *g = &j.conv;
  size_t x = (size_t)g->n * g->h * g->w * g->c, f = (size_t)g->kh * g->kw * g->c * g->co,
         y = (size_t)g->n * g->oh * g->ow * g->co;
  switch (j.kind) {
    case SUM: la = j.m * j.n; j.outLen = j.n; break;
    case FGRAD: la = x; lb = y; j.outLen = f; break;
    case IGRAD: la = y; lb = f; j.outLen = x; break;
    case CONV: la = x; lb = f; j.outLen = y; break;
    /* b = f, then the bias. */
    case CONV1X1: la = x; lb = f + g->co; j.outLen = y; break;
    case POOLGRAD:
    case POOLFWD:
    case POOLRELU:
    case POOLRELU6: {
      tn_pool *p = &j.pool;
      la = (size_t)p->n * p->h * p->w * p->c;
      lb = (size_t)p->n * p->oh * p->ow * p->c;
      j.outLen = la + (j.kind == POOLRELU || j.kind == POOLRELU6 ? (size_t)p->c : 0); /* POOLRELU, POOLRELU6: dz, then db */
      if (j.kind == POOLFWD) j.outLen = lb, lb = 0; /* the pooled output */
      break;
    }
    /* a = z; out = MaxPool(relu6(z)). */
    case POOLRELU6F: la = (size_t)j.pool.n * j.pool.h * j.pool.w * j.pool.c; j.outLen = (size_t)j.pool.n * j.pool.oh * j.pool.ow * j.pool.c; break;
    case DW: {
      const tn_dw *d = &j.dw;
      const size_t dx = (size_t)d->n * d->h * d->w * d->c, df = (size_t)d->kh * d->kw * d->c * d->m,
                   dy = (size_t)d->n * d->oh * d->ow * d->c * d->m;
      la = dx, lb = df + dy, j.outLen = dy + dx + df;
      break;
    }
    case MATMUL: la = j.m * g->c; lb = (size_t)g->c * j.n; j.outLen = j.m * j.n; break;
    /* a = A [m, k]; b = B [n, k] (read transposed: gemm_kernel.c's column-by-column packing); out = A . B^T. */
    case MATMUL_TB: la = j.m * g->c; lb = (size_t)g->c * j.n; j.outLen = j.m * j.n; break;
    /* a = x; b = gamma, beta, moving mean, moving variance; out = y, mean, variance, new moving mean and variance. */
    case BNTRAIN: la = j.m * j.n; lb = 4 * j.n; j.outLen = j.m * j.n + 4 * j.n; break;
    /* a = x; b = dy, mean, variance, gamma; out = dx, dgamma, dbeta. */
    case BNGRAD: la = j.m * j.n; lb = j.m * j.n + 3 * j.n; j.outLen = j.m * j.n + 2 * j.n; break;
    /* a = x; out = y, mask. */
    case DROPOUT: la = j.n; j.outLen = 2 * j.n; break;
    /* a = x (gelu's input); b = dy; out = forward, dz, db. */
    case ACTGRAD: la = j.m * j.n; lb = j.m * j.n; j.outLen = 2 * j.m * j.n + j.n; break;
    /* a = Aᵀ (k x m); b = B (k x n), then w, Adam's m and v to start from; out = dW, then w, m, v updated in place. */
    case MATMUL_OPTIM: la = (size_t)g->c * j.m; lb = (size_t)g->c * j.n + 3 * j.m * j.n; j.outLen = 4 * j.m * j.n; break;
    /* a = x [m, n]; b = dy [m, n], mean [m], rstd [m], gamma [n]; out = dx, dgamma, dbeta (one pass, layernorm.c). */
    case LNGRAD: la = j.m * j.n; lb = j.m * j.n + 2 * j.m + j.n; j.outLen = j.m * j.n + 2 * j.n; break;
    /* a = x [n]; out = LeakyReLU(x) through tn_broadcast's rank-1 split (eltbw.c). */
    case ELTLEAKY: la = j.n; j.outLen = j.n; break;
    /* a = x [m, 13, 11, n]; out = x padded by 1, 2 rows and 2, 1 columns (pad.c, trailing axis merged). */
    case ELTPAD: la = j.m * 13 * 11 * j.n; j.outLen = j.m * 16 * 14 * j.n; break;
    /* a = x [m, n]; b = gamma, beta [n]; out = y, mean [m], rstd [m] (layernorm.c, 8 rows per register on AVX-512). */
    case LNFWD: la = j.m * j.n; lb = 2 * j.n; j.outLen = j.m * j.n + 2 * j.m; break;
  }
  j.a = randoms(la, seed);
  j.b = lb ? randoms(lb, seed + 1) : NULL;
  if (j.kind == POOLRELU6 || j.kind == POOLRELU6F) /* pre-activations over (-8, 8): relu6's clamp and its ties at 6 */
    for (size_t k = 0; k < la; k++) j.a[k] *= 8.0f;
  if (j.kind == SUM)
    /* +1e30 first in the first half, -1e30 first in the second: the small terms that survive depend on where the
       rows are cut, so a sum cut differently shows in float, not only in the double accumulators' last bits. */
    for (long k = 0; k < j.n; k += 3) {
      j.a[k] = 1e30f;
      j.a[(j.m / 2) * j.n + k] = -1e30f;
    }
  if (j.kind == BNTRAIN || j.kind == BNGRAD) {
    float *v = j.b + (j.kind == BNTRAIN ? 3 * j.n : j.m * j.n + j.n); /* variances must be positive */
    for (long k = 0; k < j.n; k++) v[k] = v[k] * v[k] + 0.5f;
  }
  if (j.kind == LNGRAD) {
    float *rstd = j.b + j.m * j.n + j.m; /* 1/sqrt(var + eps) is positive */
    for (long k = 0; k < j.m; k++) rstd[k] = rstd[k] * rstd[k] + 0.5f;
  }
  if (j.kind == MATMUL_OPTIM) {
    float *v = j.b + (size_t)j.conv.c * j.n + 2 * j.m * j.n; /* Adam's second moment is not negative */
    for (long k = 0; k < j.m * j.n; k++) v[k] *= v[k];
  }
  j.out = malloc(j.outLen * sizeof(float));
  j.want = malloc(j.outLen * sizeof(float));
  if (w->njobs >= (int)(sizeof w->jobs / sizeof w->jobs[0])) {
    fprintf(stderr, "stress: more jobs than a worker holds (%d); enlarge worker.jobs\n", w->njobs);
    exit(2);
  }
  w->jobs[w->njobs++] = j;
}

static int run(job *j) {
  memset(j->out, 0xff, j->outLen * sizeof(float)); /* NaN: a value the kernel did not write shows */
  switch (j->kind) {
    case SUM: return tn_sum_rows(j->m, (int)j->n, j->a, j->out);
    case FGRAD:
      if (j->dil) return tn_conv2d_dilated_filter_grad(&j->conv, j->dil, j->dil, j->a, j->b, j->out);
      return tn_conv2d_filter_grad(&j->conv, j->a, j->b, j->out);
    case IGRAD:
      if (j->dil) return tn_conv2d_dilated_input_grad(&j->conv, j->dil, j->dil, j->a, j->b, j->out);
      return tn_conv2d_input_grad(&j->conv, j->a, j->b, j->out);
    case CONV:
      if (j->dil) return tn_conv2d_dilated(&j->conv, j->dil, j->dil, j->a, j->b, j->out);
      return tn_conv2d(&j->conv, j->a, j->b, NULL, 1, j->out);
    case POOLGRAD: return tn_maxpool_grad(&j->pool, j->a, j->b, j->out);
    case POOLFWD: return tn_maxpool(&j->pool, j->a, j->out);
    case POOLRELU: {
      const tn_pool *p = &j->pool;
      return tn_maxpool_relu_grad(p, j->a, j->b, j->out, j->out + (size_t)p->n * p->h * p->w * p->c);
    }
    case POOLRELU6: {
      const tn_pool *p = &j->pool;
      return tn_maxpool_relu6_grad(p, j->a, j->b, j->out, j->out + (size_t)p->n * p->h * p->w * p->c);
    }
    case POOLRELU6F: return tn_relu6_maxpool(&j->pool, j->a, j->out);
    case DW: {
      const tn_dw *d = &j->dw;
      const size_t dx = (size_t)d->n * d->h * d->w * d->c, df = (size_t)d->kh * d->kw * d->c * d->m,
                   dy = (size_t)d->n * d->oh * d->ow * d->c * d->m;
      int err = tn_depthwise(d, j->a, j->b, j->out);
      if (!err) err = tn_depthwise_input_grad(d, j->b + df, j->b, j->out + dy);
      return err ? err : tn_depthwise_filter_grad(d, j->a, j->b + df, j->out + dy + dx);
    }
    case CONV1X1: /* pointwise (conv.c's use_pw): bias and tfjs's relu in the GEMM's store */
      return tn_conv2d(&j->conv, j->a, j->b, j->b + (size_t)j->conv.c * j->conv.co, 2, j->out);
    case MATMUL: return tn_matmul(1, (int)j->m, (int)j->n, j->conv.c, j->a, 0, 0, j->b, 0, 0, j->out, NULL, 0);
    case MATMUL_TB: return tn_matmul(1, (int)j->m, (int)j->n, j->conv.c, j->a, 0, 0, j->b, 0, 1, j->out, NULL, 0);
    case BNTRAIN: {
      const long mn = j->m * j->n, n = j->n;
      return tn_bn_train(j->m, (int)n, j->a, j->b, j->b + n, 1e-3, 0.99, j->b + 2 * n, j->b + 3 * n, j->out, j->out + mn,
                         j->out + mn + n, j->out + mn + 2 * n, j->out + mn + 3 * n);
    }
    case BNGRAD: {
      const long mn = j->m * j->n, n = j->n;
      return tn_bn_grad(j->m, (int)n, j->a, j->b, j->b + mn, j->b + mn + n, j->b + mn + 2 * n, 1e-3, j->out,
                        j->out + mn, j->out + mn + n);
    }
    case DROPOUT: /* an Alea state as seedrandom leaves it (multiples of 2^-32): the integer segments run */
      return tn_dropout(j->n, j->a, 1, 0.5 + 3.0 / 4294967296.0, 0.25, 0.125, 0.75f, j->out, j->out + j->n);
    case ACTGRAD: {
      const long mn = j->m * j->n;
      int err = tn_act(TN_ACT_GELU, mn, j->a, j->out);
      return err ? err : tn_bias_act_grad(TN_ACT_GELU, j->m, (int)j->n, j->a, j->out, j->b, j->out + mn, j->out + 2 * mn);
    }
    case LNGRAD: {
      const long mn = j->m * j->n;
      return tn_ln_grad(j->m, (int)j->n, j->a, j->b, j->b + mn, j->b + mn + j->m, j->b + mn + 2 * j->m, j->out,
                        j->out + mn, j->out + mn + j->n);
    }
    case LNFWD: {
      const long mn = j->m * j->n;
      return tn_ln_forward(j->m, (int)j->n, j->a, j->b, j->b + j->n, 1e-3, j->out, j->out + mn, j->out + mn + j->m);
    }
    case MATMUL_OPTIM: {
      const long mn = j->m * j->n;
      memcpy(j->out + mn, j->b + (size_t)j->conv.c * j->n, 3 * mn * sizeof(float));
      const float h[8] = {0.9f, 0.1f, 0.999f, 0.001f, 0.271f, 0.002997f, 1e-7f, -1e-3f};
      tn_optim_var v = {mn, j->out + mn, j->out, j->out + 2 * mn, j->out + 3 * mn, j->out + mn, j->out + 2 * mn, j->out + 3 * mn};
      return tn_matmul_optim(TN_OPTIM_ADAM, h, &v, (int)j->m, (int)j->n, j->conv.c, j->a, 1, j->b, 0);
    }
    case ELTLEAKY: {
      tn_bcast g = {.op = TN_BC_LEAKY, .rank = 1, .shape = {j->n}, .sa = {1}, .sb = {0}, .a = j->a, .b = NULL, .out = j->out, .scalar = 0.1};
      return tn_broadcast(&g);
    }
    case ELTPAD: {
      tn_pad_geom g = {.rank = 4, .shape = {j->m, 13, 11, j->n}, .before = {0, 1, 2, 0}, .after = {0, 2, 1, 0}, .value = 0};
      return tn_pad(&g, j->a, j->out);
    }
  }
  return -1;
}

static void *thread_main(void *p) {
  worker *w = p;
  tn_set_threads(2);
  pthread_barrier_wait(w->ready); /* the main thread makes the references one thread at a time */
  pthread_barrier_wait(w->go);
  for (int r = 0; r < w->rounds; r++)
    for (int i = 0; i < w->njobs; i++) {
      job *j = &w->jobs[i];
      if (r % j->every) continue;
      if (run(j) != TN_OK) {
        fprintf(stderr, "kernel failed (out of memory)\n");
        exit(2);
      }
      w->calls[j->kind]++;
      if (memcmp(j->out, j->want, j->outLen * sizeof(float))) w->wrong[j->kind]++;
    }
  return NULL;
}

/* Kinds whose output depends on its own inputs alone, whatever the thread count: checked 1 thread against 2.
   Convolutions and input gradients too: an image's output depends on that image alone. */
static int thread_exact(int kind) {
  return kind == DROPOUT || kind == ACTGRAD || kind == LNGRAD || kind == CONV || kind == IGRAD || kind == POOLRELU6F
      || kind == ELTLEAKY || kind == ELTPAD || kind == DW || kind == LNFWD || kind == CONV1X1;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 2000;
  pthread_barrier_t ready, go;
  pthread_barrier_init(&ready, NULL, 3);
  pthread_barrier_init(&go, NULL, 3);
  static worker w[2];
  for (int t = 0; t < 2; t++) w[t] = (worker){.rounds = rounds, .ready = &ready, .go = &go};
  /* Thread 0: wide short sums and a 3x3 16->32 filter gradient; thread 1: other widths and 3x3 64->128. */
  add_job(&w[0], (job){.kind = SUM, .every = 1, .m = 24, .n = 6000}, 1);
  add_job(&w[0], (job){.kind = SUM, .every = 1, .m = 4096, .n = 64}, 2);
  add_job(&w[0], (job){.kind = FGRAD, .every = 8, .conv = conv(8, 13, 16, 3, 32)}, 3);
  add_job(&w[0], (job){.kind = IGRAD, .every = 32, .conv = conv(8, 13, 16, 3, 32)}, 4);
  add_job(&w[0], (job){.kind = CONV, .every = 32, .conv = conv(8, 13, 16, 3, 32)}, 5);
  add_job(&w[0], (job){.kind = POOLGRAD, .every = 16, .pool = {16, 26, 26, 32, 2, 2, 13, 13, 2, 2, 0, 0}}, 6);
  add_job(&w[0], (job){.kind = MATMUL, .every = 16, .m = 96, .n = 128, .conv = {.c = 300}}, 7);
  add_job(&w[0], (job){.kind = BNTRAIN, .every = 2, .m = 2704, .n = 32}, 8);
  add_job(&w[0], (job){.kind = BNGRAD, .every = 2, .m = 4096, .n = 16}, 9);
  add_job(&w[0], (job){.kind = POOLRELU, .every = 16, .pool = {15, 26, 26, 32, 2, 2, 13, 13, 2, 2, 0, 0}}, 10);
  add_job(&w[0], (job){.kind = DROPOUT, .every = 4, .n = 5 * 16384 + 77}, 23);
  add_job(&w[0], (job){.kind = ACTGRAD, .every = 4, .m = 2048, .n = 24}, 24);
  add_job(&w[0], (job){.kind = MATMUL_OPTIM, .every = 16, .m = 300, .n = 128, .conv = {.c = 128}}, 27);
  /* One-channel 5x5 'same' (k5-gap's first layer): the direct filter gradient and the filter-in-registers forward. */
  add_job(&w[0], (job){.kind = FGRAD, .every = 8, .conv = {7, 28, 28, 1, 5, 5, 32, 28, 28, 1, 1, 2, 2}}, 29);
  add_job(&w[0], (job){.kind = CONV, .every = 8, .conv = {5, 13, 11, 1, 5, 5, 48, 7, 6, 2, 2, 2, 2}}, 30);
  add_job(&w[0], (job){.kind = LNGRAD, .every = 4, .m = 3000, .n = 112}, 32);
  /* Multi-channel strided convolutions through conv_implicit.c (on the avx512 GEMM): k5-gap's
     5x5/2 valid 48 -> 64, and a padded 3x3/2 'same' with a 16-wide last panel. */
  add_job(&w[0], (job){.kind = CONV, .every = 8, .conv = {6, 14, 14, 48, 5, 5, 64, 5, 5, 2, 2, 0, 0}}, 40);
  add_job(&w[0], (job){.kind = FGRAD, .every = 8, .conv = {13, 14, 14, 48, 5, 5, 64, 5, 5, 2, 2, 0, 0}}, 41);
  add_job(&w[0], (job){.kind = IGRAD, .every = 8, .conv = {9, 14, 14, 48, 5, 5, 64, 5, 5, 2, 2, 0, 0}}, 42);
  /* strided-elu's layers: the one-channel 3x3 stride-2 register forward and the direct strided kernel (conv_direct.c). */
  add_job(&w[0], (job){.kind = CONV, .every = 8, .conv = {6, 28, 28, 1, 3, 3, 32, 14, 14, 2, 2, 0, 0}}, 46);
  add_job(&w[1], (job){.kind = SUM, .every = 1, .m = 40, .n = 3000}, 11);
  add_job(&w[1], (job){.kind = SUM, .every = 1, .m = 1352, .n = 257}, 12);
  add_job(&w[1], (job){.kind = FGRAD, .every = 16, .conv = conv(8, 10, 64, 3, 128)}, 13);
  add_job(&w[1], (job){.kind = IGRAD, .every = 64, .conv = conv(6, 9, 32, 3, 48)}, 14);
  add_job(&w[1], (job){.kind = CONV, .every = 64, .conv = conv(6, 9, 32, 3, 48)}, 15);
  add_job(&w[1], (job){.kind = POOLGRAD, .every = 16, .pool = {8, 22, 22, 48, 3, 3, 7, 7, 3, 3, 0, 0}}, 16);
  add_job(&w[1], (job){.kind = MATMUL, .every = 16, .m = 130, .n = 70, .conv = {.c = 200}}, 17);
  add_job(&w[1], (job){.kind = BNTRAIN, .every = 2, .m = 1352, .n = 64}, 18);
  add_job(&w[1], (job){.kind = BNGRAD, .every = 2, .m = 600, .n = 128}, 19);
  add_job(&w[1], (job){.kind = FGRAD, .every = 8, .conv = conv(9, 28, 1, 3, 32)}, 21); /* the one-channel direct path */
  add_job(&w[1], (job){.kind = POOLRELU, .every = 16, .pool = {7, 15, 15, 36, 3, 3, 7, 7, 2, 2, 0, 0}}, 20);
  add_job(&w[1], (job){.kind = DROPOUT, .every = 4, .n = 3 * 16384}, 25);
  add_job(&w[1], (job){.kind = ACTGRAD, .every = 4, .m = 900, .n = 40}, 26);
  add_job(&w[1], (job){.kind = MATMUL_OPTIM, .every = 16, .m = 96, .n = 256, .conv = {.c = 128}}, 28);
  /* Overlapping 3x3/2 'same' windows (k5-gap's pool): the register path, 32 + 8 channel blocks and a tail. */
  add_job(&w[1], (job){.kind = POOLGRAD, .every = 16, .pool = {6, 28, 28, 44, 3, 3, 14, 14, 2, 2, 0, 0}}, 31);
  add_job(&w[1], (job){.kind = LNGRAD, .every = 4, .m = 700, .n = 96}, 33);
  add_job(&w[1], (job){.kind = CONV, .every = 8, .conv = {5, 13, 13, 32, 3, 3, 48, 7, 7, 2, 2, 1, 1}}, 43);
  add_job(&w[1], (job){.kind = FGRAD, .every = 8, .conv = {11, 13, 13, 32, 3, 3, 48, 7, 7, 2, 2, 1, 1}}, 44);
  add_job(&w[1], (job){.kind = IGRAD, .every = 8, .conv = {7, 13, 13, 32, 3, 3, 48, 7, 7, 2, 2, 1, 1}}, 45);
  /* Dilated 3x3 at rate 2 'same' (residual-sep's b_3x3; dense K 400 spans two k blocks) and 40 channels at rate 3. */
  add_job(&w[0], (job){.kind = FGRAD, .every = 32, .dil = 2, .conv = {6, 14, 14, 16, 3, 3, 16, 14, 14, 1, 1, 2, 2}}, 34);
  add_job(&w[1], (job){.kind = CONV, .every = 8, .dil = 2, .conv = {6, 14, 14, 16, 3, 3, 16, 14, 14, 1, 1, 2, 2}}, 35);
  add_job(&w[0], (job){.kind = IGRAD, .every = 8, .dil = 3, .conv = {4, 12, 12, 40, 3, 3, 24, 6, 6, 1, 1, 0, 0}}, 36);
  /* One-channel 3x3 'same' to 16 channels (residual-sep's stem): the AVX2 direct filter gradient in an AVX-512 process. */
  add_job(&w[1], (job){.kind = FGRAD, .every = 32, .conv = {9, 28, 28, 1, 3, 3, 16, 28, 28, 1, 1, 1, 1}}, 37);
  add_job(&w[1], (job){.kind = CONV, .every = 16, .conv = {5, 14, 14, 32, 3, 3, 64, 7, 7, 2, 2, 0, 0}}, 47);
  add_job(&w[1], (job){.kind = CONV, .every = 16, .conv = {3, 13, 11, 16, 3, 3, 48, 7, 6, 2, 2, 1, 1}}, 48);
  /* The 2x2 stride-2 relu + pool gradient (pool2_relu.c) on odd sizes: a row and a column in no window, parts cut mid-band. */
  add_job(&w[1], (job){.kind = POOLRELU, .every = 8, .pool = {9, 11, 13, 64, 2, 2, 5, 6, 2, 2, 0, 0}}, 71);
  add_job(&w[0], (job){.kind = POOLFWD, .every = 8, .pool = {9, 26, 26, 32, 2, 2, 13, 13, 2, 2, 0, 0}}, 72);
  /* relu6 pre-activation pooled (relu6_pool.c): k5-gap's overlapping 3x3/2 'same' with a channel tail, a tiled 2x2. */
  add_job(&w[0], (job){.kind = POOLRELU6, .every = 16, .pool = {7, 28, 28, 36, 3, 3, 14, 14, 2, 2, 0, 0}}, 74);
  add_job(&w[1], (job){.kind = POOLRELU6F, .every = 8, .pool = {9, 28, 28, 36, 3, 3, 14, 14, 2, 2, 0, 0}}, 75);
  add_job(&w[1], (job){.kind = POOLRELU6, .every = 16, .pool = {5, 13, 13, 20, 2, 2, 6, 6, 2, 2, 0, 0}}, 76);
  /* eltbw.c: max pooling's 2x2 gradient a band at a time, LeakyReLU split by elements, padding with merged axes. */
  add_job(&w[0], (job){.kind = POOLGRAD, .every = 8, .pool = {7, 22, 18, 24, 2, 2, 11, 9, 2, 2, 0, 0}}, 86);
  add_job(&w[1], (job){.kind = ELTLEAKY, .every = 4, .n = 5 * 16384 + 77}, 87);
  add_job(&w[0], (job){.kind = ELTPAD, .every = 4, .m = 9, .n = 24}, 88);
  /* The direct dilated input gradient (16 channels: conv_dilated_direct.c) and the depthwise register kernels
     (depthwise_avx512.c): residual-sep's 30x30x16 valid and 14x14x48 stride 2, 6x6x64 dilation 2 'same'. */
  add_job(&w[0], (job){.kind = IGRAD, .every = 8, .dil = 2, .conv = {5, 14, 14, 16, 3, 3, 16, 14, 14, 1, 1, 2, 2}}, 83);
  add_job(&w[1], (job){.kind = DW, .every = 8, .dw = {6, 30, 30, 16, 3, 3, 1, 28, 28, 1, 1, 0, 0, 1, 1}}, 84);
  add_job(&w[0], (job){.kind = DW, .every = 8, .dw = {7, 14, 14, 48, 3, 3, 1, 6, 6, 2, 2, 0, 0, 1, 1}}, 85);
  add_job(&w[1], (job){.kind = DW, .every = 8, .dw = {9, 6, 6, 64, 3, 3, 1, 6, 6, 1, 1, 2, 2, 2, 2}}, 85);
  /* Layer norm with the row statistics 8 rows per register (AVX-512): rows and channels not multiples of 8 or 32. */
  add_job(&w[0], (job){.kind = LNFWD, .every = 4, .m = 3001, .n = 112}, 77);
  add_job(&w[1], (job){.kind = LNFWD, .every = 4, .m = 1803, .n = 37}, 78);
  add_job(&w[1], (job){.kind = LNGRAD, .every = 4, .m = 1031, .n = 67}, 79);
  /* Pointwise convolutions (conv.c's use_pw, gemm_kernel.c's FND): residual-sep's 112->48 forward with bias and relu,
     its filter gradient (B read unpacked) and an odd input gradient (a partial row panel, 37 columns). */
  add_job(&w[0], (job){.kind = CONV1X1, .every = 8, .conv = conv(6, 14, 112, 1, 48)}, 80);
  add_job(&w[1], (job){.kind = FGRAD, .every = 8, .conv = conv(9, 14, 112, 1, 48)}, 81);
  add_job(&w[0], (job){.kind = IGRAD, .every = 8, .conv = conv(5, 15, 19, 1, 37)}, 82);
  /* pool2_relu.c with the next band prefetched and 32-channel bias sums (WORKBENCH_POOL2_GRAD_BW): the seed CNN's
     26x26x32 and 11x11x64 (a row and a column in no window), parts cut mid-band. */
  add_job(&w[0], (job){.kind = POOLRELU, .every = 8, .pool = {11, 26, 26, 32, 2, 2, 13, 13, 2, 2, 0, 0}}, 89);
  add_job(&w[1], (job){.kind = POOLRELU, .every = 8, .pool = {13, 11, 11, 64, 2, 2, 5, 5, 2, 2, 0, 0}}, 90);
  /* The Dense layer's dx = dy . W^T with B packed column by column (WORKBENCH_GEMM_PACK_ROWS): a column split, a
     partial last tile (N = 1000 = 31 x 32 + 8). */
  add_job(&w[0], (job){.kind = MATMUL_TB, .every = 16, .m = 64, .n = 1000, .conv = {.c = 128}}, 91);
  pthread_t th[2];
  for (int t = 0; t < 2; t++) pthread_create(&th[t], NULL, thread_main, &w[t]);
  pthread_barrier_wait(&ready);
  /* References: the same calls from this thread, configured alike, with the workers parked at the barrier. The
     element-wise kernels must also give these bits on one thread. */
  long one_thread_wrong = 0;
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < w[t].njobs; i++) {
      job *j = &w[t].jobs[i];
      if (thread_exact(j->kind)) {
        tn_set_threads(1);
        if (run(j) != TN_OK) return 2;
        memcpy(j->want, j->out, j->outLen * sizeof(float));
      }
      tn_set_threads(2);
      if (run(j) != TN_OK) return 2;
      if (thread_exact(j->kind) && memcmp(j->want, j->out, j->outLen * sizeof(float))) {
        printf("%s: 1 and 2 threads differ\n", kind_name[j->kind]);
        one_thread_wrong++;
      }
      memcpy(j->want, j->out, j->outLen * sizeof(float));
    }
  pthread_barrier_wait(&go);
  for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
  long bad = one_thread_wrong;
  for (int k = 0; k < KINDS; k++) {
    long calls = w[0].calls[k] + w[1].calls[k], wrong = w[0].wrong[k] + w[1].wrong[k];
    printf("%-20s %6ld calls %6ld wrong\n", kind_name[k], calls, wrong);
    bad += wrong;
  }
  printf("layer norm 8 rows per register: %lu forward, %lu gradient calls\n", tn_ln_rows8_calls(0), tn_ln_rows8_calls(1));
  printf("implicit convolutions: %lu forward, %lu filter-gradient, %lu input-gradient calls\n", tn_implicit_calls(0),
         tn_implicit_calls(1), tn_implicit_calls(2));
  printf("pointwise convolutions: %lu forward, %lu filter-gradient, %lu input-gradient calls\n", tn_conv1x1_calls(0),
         tn_conv1x1_calls(2), tn_conv1x1_calls(1));
  printf("%s\n", bad ? "FAIL: results differ from the same calls alone" : "ok: every result bit-identical to alone");
  return bad ? 1 : 0;
}
