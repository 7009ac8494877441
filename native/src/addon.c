// Native kernels: Node-API bindings. Every kernel takes the wasm heap (an ArrayBuffer) and a Float64Array of
// byte offsets into it plus sizes, and works in place on the heap: no copies between wasm and native memory.
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "tn.h"

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, NULL, "tfjs native kernels: bad arguments");   \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

typedef struct {
  uint8_t *heap;
  size_t heapLen;
  const double *p;
  size_t n;
} call_args;

static int read_args(napi_env env, napi_callback_info info, call_args *a, size_t want) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return 0;
  void *heap;
  if (napi_get_arraybuffer_info(env, argv[0], &heap, &a->heapLen) != napi_ok) return 0;
  a->heap = heap;
  napi_typedarray_type type;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, argv[1], &type, &a->n, &data, &ab, &off) != napi_ok) return 0;
  if (type != napi_float64_array || a->n < want) return 0;
  a->p = data;
  return 1;
}

/* A float pointer into the heap for byte offset p[i] spanning `floats` floats, or NULL when out of range. */
static float *at(const call_args *a, size_t i, double floats) {
  double off = a->p[i];
  if (off < 0 || off + floats * 4 > (double)a->heapLen || ((size_t)off & 3)) return NULL;
  return (float *)(a->heap + (size_t)off);
}

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

/* Calls that ran to the end, per kernel: lets tests prove the native path ran, not only that numbers match. */
enum { K_CONV2D, K_CONV2D_FILTER_GRAD, K_CONV2D_INPUT_GRAD, K_MATMUL, K_MAXPOOL, K_MAXPOOL_GRAD, K_SUM_ROWS, K_ELTWISE,
       K_BATCH_NORM, K_BATCH_NORM_TRAIN, K_BATCH_NORM_GRAD, K_OPTIM, K_ACTIVATION, K_AVGPOOL, K_AVGPOOL_GRAD, K_MEAN,
       K_DROPOUT, K_DEPTHWISE, K_DEPTHWISE_INPUT_GRAD, K_DEPTHWISE_FILTER_GRAD, K_COPY_ROWS, K_BROADCAST, K_LAYER_NORM, K_LAYER_NORM_GRAD, K_BIAS_ACT_GRAD, K_NOISE, K_RELU_GRAD, K_PAD, K_MAX_MIDDLE, K_MAXPOOL_RELU_GRAD, K_MATMUL_OPTIM, K_COUNT };
static const char *const kernel_names[K_COUNT] = {"conv2d", "conv2dFilterGrad", "conv2dInputGrad", "matmul",
                                                  "maxPool", "maxPoolGrad", "sumRows", "eltwise",
                                                  "batchNorm", "batchNormTrain", "batchNormGrad", "optim", "activation",
                                                  "avgPool", "avgPoolGrad", "mean", "dropout", "depthwise",
                                                  "depthwiseInputGrad", "depthwiseFilterGrad", "copyRows", "broadcast",
                                                  "layerNorm", "layerNormGrad", "biasActGrad", "noise", "reluGrad",
                                                  "pad", "maxMiddle", "maxPoolReluGrad",
                                                  "matmulOptim"};
static unsigned long calls[K_COUNT];

/* A kernel's result: counted when done, else a JS exception (code TN_ENOMEM) instead of a crash. */
static napi_value finish(napi_env env, int kernel, int err) {
  if (err == TN_OK) {
    __atomic_fetch_add(&calls[kernel], 1, __ATOMIC_RELAXED);
    return NULL;
  }
  char msg[256];
  snprintf(msg, sizeof msg,
           "native kernel %s: out of memory for its scratch buffers; the output is incomplete. Free memory, or train "
           "without the native kernels (WORKBENCH_NATIVE=0)",
           kernel_names[kernel]);
  napi_throw_error(env, "TN_ENOMEM", msg);
  return NULL;
}

static int conv_geometry(const call_args *a, size_t i, tn_conv *g) {
  g->n = (int)a->p[i]; g->h = (int)a->p[i + 1]; g->w = (int)a->p[i + 2]; g->c = (int)a->p[i + 3];
  g->kh = (int)a->p[i + 4]; g->kw = (int)a->p[i + 5]; g->co = (int)a->p[i + 6];
  g->oh = (int)a->p[i + 7]; g->ow = (int)a->p[i + 8]; g->sh = (int)a->p[i + 9]; g->sw = (int)a->p[i + 10];
  g->pt = (int)a->p[i + 11]; g->pl = (int)a->p[i + 12];
  return g->n > 0 && g->h > 0 && g->w > 0 && g->c > 0 && g->kh > 0 && g->kw > 0 && g->co > 0 && g->oh > 0 &&
         g->ow > 0 && g->sh > 0 && g->sw > 0;
}

/* Dilations dh, dw at p[i], p[i + 1] when given (else 1, 1); 0 when they are not whole numbers from 1 to 4096. */
static int dilations(const call_args *a, size_t i, int *dh, int *dw) {
  if (a->n < i + 2) return 1;
  double h = a->p[i], w = a->p[i + 1];
  if (!(h >= 1 && h <= 4096 && w >= 1 && w <= 4096) || h != (int)h || w != (int)w) return 0;
  *dh = (int)h;
  *dw = (int)w;
  return 1;
}

/* conv2d(heap, [x, f, bias|-1, y, act, n,h,w,c,kh,kw,co,oh,ow,sh,sw,pt,pl, (dh, dw)]) */
static napi_value conv2d(napi_env env, napi_callback_info info) {
  call_args a;
  tn_conv g;
  if (!read_args(env, info, &a, 18) || !conv_geometry(&a, 5, &g)) return fail(env, "conv2d: bad arguments");
  float *x = at(&a, 0, (double)g.n * g.h * g.w * g.c), *f = at(&a, 1, (double)g.kh * g.kw * g.c * g.co);
  float *bias = a.p[2] < 0 ? NULL : at(&a, 2, g.co), *y = at(&a, 3, (double)g.n * g.oh * g.ow * g.co);
  if (!x || !f || !y || (a.p[2] >= 0 && !bias)) return fail(env, "conv2d: tensor outside the wasm heap");
  /* Optional dilations dh, dw after the geometry (conv_dilated.c): no bias or epilogue there. */
  int dh = 1, dw = 1;
  if (!dilations(&a, 18, &dh, &dw) || ((dh != 1 || dw != 1) && (bias || a.p[4] != 0))) return fail(env, "conv2d: bad dilations");
  if (dh != 1 || dw != 1) return finish(env, K_CONV2D, tn_conv2d_dilated(&g, dh, dw, x, f, y));
  return finish(env, K_CONV2D, tn_conv2d(&g, x, f, bias, (int)a.p[4], y));
}

/* conv2dFilterGrad(heap, [x, dy, df, geometry...]) */
static napi_value conv2d_filter_grad(napi_env env, napi_callback_info info) {
  call_args a;
  tn_conv g;
  if (!read_args(env, info, &a, 16) || !conv_geometry(&a, 3, &g)) return fail(env, "conv2dFilterGrad: bad arguments");
  float *x = at(&a, 0, (double)g.n * g.h * g.w * g.c), *dy = at(&a, 1, (double)g.n * g.oh * g.ow * g.co);
  float *df = at(&a, 2, (double)g.kh * g.kw * g.c * g.co);
  if (!x || !dy || !df) return fail(env, "conv2dFilterGrad: tensor outside the wasm heap");
  int dh = 1, dw = 1;
  if (!dilations(&a, 16, &dh, &dw)) return fail(env, "conv2dFilterGrad: bad dilations");
  if (dh != 1 || dw != 1) return finish(env, K_CONV2D_FILTER_GRAD, tn_conv2d_dilated_filter_grad(&g, dh, dw, x, dy, df));
  return finish(env, K_CONV2D_FILTER_GRAD, tn_conv2d_filter_grad(&g, x, dy, df));
}

/* conv2dInputGrad(heap, [dy, f, dx, geometry...]) */
static napi_value conv2d_input_grad(napi_env env, napi_callback_info info) {
  call_args a;
  tn_conv g;
  if (!read_args(env, info, &a, 16) || !conv_geometry(&a, 3, &g)) return fail(env, "conv2dInputGrad: bad arguments");
  float *dy = at(&a, 0, (double)g.n * g.oh * g.ow * g.co), *f = at(&a, 1, (double)g.kh * g.kw * g.c * g.co);
  float *dx = at(&a, 2, (double)g.n * g.h * g.w * g.c);
  if (!dy || !f || !dx) return fail(env, "conv2dInputGrad: tensor outside the wasm heap");
  int dh = 1, dw = 1;
  if (!dilations(&a, 16, &dh, &dw)) return fail(env, "conv2dInputGrad: bad dilations");
  if (dh != 1 || dw != 1) return finish(env, K_CONV2D_INPUT_GRAD, tn_conv2d_dilated_input_grad(&g, dh, dw, dy, f, dx));
  return finish(env, K_CONV2D_INPUT_GRAD, tn_conv2d_input_grad(&g, dy, f, dx));
}

/* matmul(heap, [a, b, c, bias|-1, act, batch, batchA, batchB, M, N, K, transA, transB]) */
static napi_value matmul(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 13)) return fail(env, "matmul: bad arguments");
  int batch = (int)a.p[5], batchA = (int)a.p[6], batchB = (int)a.p[7];
  int M = (int)a.p[8], N = (int)a.p[9], K = (int)a.p[10];
  if (batch < 1 || M < 1 || N < 1 || K < 0 || (batchA != 1 && batchA != batch) || (batchB != 1 && batchB != batch))
    return fail(env, "matmul: bad sizes");
  float *A = at(&a, 0, (double)batchA * M * K), *B = at(&a, 1, (double)batchB * K * N);
  float *C = at(&a, 2, (double)batch * M * N), *bias = a.p[3] < 0 ? NULL : at(&a, 3, N);
  if (!A || !B || !C || (a.p[3] >= 0 && !bias)) return fail(env, "matmul: tensor outside the wasm heap");
  return finish(env, K_MATMUL,
                tn_matmul(batch, M, N, K, A, batchA == 1 ? 0 : (long)M * K, (int)a.p[11], B,
                          batchB == 1 ? 0 : (long)K * N, (int)a.p[12], C, bias, (int)a.p[4]));
}

/* matmulFrom(heap, [a, b, c, bias|-1, act, batch, batchA, batchB, M, N, K, transA, transB], aData): matmul with A read
   from aData (a typed array outside the wasm heap, such as a JS batch of inputs; a is a byte offset into it), so
   inference needs no copy of its input onto the heap first. The same GEMM on the same values: the same bits. */
static napi_value matmul_from(napi_env env, napi_callback_info info) {
  call_args a;
  size_t argc = 3;
  napi_value argv[3];
  if (!read_args(env, info, &a, 13) || napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3)
    return fail(env, "matmulFrom: bad arguments");
  napi_typedarray_type type;
  size_t length, off;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[2], &type, &length, &data, &ab, &off) != napi_ok || type != napi_float32_array)
    return fail(env, "matmulFrom: A must be a Float32Array");
  int batch = (int)a.p[5], batchA = (int)a.p[6], batchB = (int)a.p[7];
  int M = (int)a.p[8], N = (int)a.p[9], K = (int)a.p[10];
  if (batch < 1 || M < 1 || N < 1 || K < 0 || (batchA != 1 && batchA != batch) || (batchB != 1 && batchB != batch))
    return fail(env, "matmulFrom: bad sizes");
  call_args src = {data, length * 4, a.p, a.n};
  float *A = at(&src, 0, (double)batchA * M * K), *B = at(&a, 1, (double)batchB * K * N);
  float *C = at(&a, 2, (double)batch * M * N), *bias = a.p[3] < 0 ? NULL : at(&a, 3, N);
  if (!A) return fail(env, "matmulFrom: A outside its array");
  if (!B || !C || (a.p[3] >= 0 && !bias)) return fail(env, "matmulFrom: tensor outside the wasm heap");
  return finish(env, K_MATMUL,
                tn_matmul(batch, M, N, K, A, batchA == 1 ? 0 : (long)M * K, (int)a.p[11], B,
                          batchB == 1 ? 0 : (long)K * N, (int)a.p[12], C, bias, (int)a.p[4]));
}

static int pool_geometry(const call_args *a, size_t i, tn_pool *g) {
  g->n = (int)a->p[i]; g->h = (int)a->p[i + 1]; g->w = (int)a->p[i + 2]; g->c = (int)a->p[i + 3];
  g->ph = (int)a->p[i + 4]; g->pw = (int)a->p[i + 5]; g->oh = (int)a->p[i + 6]; g->ow = (int)a->p[i + 7];
  g->sh = (int)a->p[i + 8]; g->sw = (int)a->p[i + 9]; g->pt = (int)a->p[i + 10]; g->pl = (int)a->p[i + 11];
  return g->n > 0 && g->h > 0 && g->w > 0 && g->c > 0 && g->ph > 0 && g->pw > 0 && g->oh > 0 && g->ow > 0 &&
         g->sh > 0 && g->sw > 0 && g->c <= 65536;
}

/* maxPool(heap, [x, y, n,h,w,c,ph,pw,oh,ow,sh,sw,pt,pl]) */
static napi_value maxpool(napi_env env, napi_callback_info info) {
  call_args a;
  tn_pool g;
  if (!read_args(env, info, &a, 14) || !pool_geometry(&a, 2, &g)) return fail(env, "maxPool: bad arguments");
  float *x = at(&a, 0, (double)g.n * g.h * g.w * g.c), *y = at(&a, 1, (double)g.n * g.oh * g.ow * g.c);
  if (!x || !y) return fail(env, "maxPool: tensor outside the wasm heap");
  /* An optional 15th argument 1: x is a relu6 layer's pre-activation, pooled as relu6(x) (relu6_pool.c). */
  if (a.n > 14 && a.p[14] == 1) return finish(env, K_MAXPOOL, tn_relu6_maxpool(&g, x, y));
  return finish(env, K_MAXPOOL, tn_maxpool(&g, x, y));
}

/* maxPoolGrad(heap, [x, dy, dx, n,h,w,c,ph,pw,oh,ow,sh,sw,pt,pl]) */
static napi_value maxpool_grad(napi_env env, napi_callback_info info) {
  call_args a;
  tn_pool g;
  if (!read_args(env, info, &a, 15) || !pool_geometry(&a, 3, &g)) return fail(env, "maxPoolGrad: bad arguments");
  float *x = at(&a, 0, (double)g.n * g.h * g.w * g.c), *dy = at(&a, 1, (double)g.n * g.oh * g.ow * g.c);
  float *dx = at(&a, 2, (double)g.n * g.h * g.w * g.c);
  if (!x || !dy || !dx) return fail(env, "maxPoolGrad: tensor outside the wasm heap");
  return finish(env, K_MAXPOOL_GRAD, tn_maxpool_grad(&g, x, dy, dx));
}

/* maxPoolReluGrad(heap, [y, dy, dz, db, n,h,w,c,ph,pw,oh,ow,sh,sw,pt,pl]): y the relu output pooled, dy the pool's
   output gradient; dz = MaxPoolGrad(y, dy) * step(y), db its column sums (pooling.c). */
static napi_value maxpool_relu_grad(napi_env env, napi_callback_info info) {
  call_args a;
  tn_pool g;
  if (!read_args(env, info, &a, 16) || !pool_geometry(&a, 4, &g)) return fail(env, "maxPoolReluGrad: bad arguments");
  float *y = at(&a, 0, (double)g.n * g.h * g.w * g.c), *dy = at(&a, 1, (double)g.n * g.oh * g.ow * g.c);
  float *dz = at(&a, 2, (double)g.n * g.h * g.w * g.c), *db = at(&a, 3, g.c);
  if (!y || !dy || !dz || !db) return fail(env, "maxPoolReluGrad: tensor outside the wasm heap");
  /* An optional 17th argument 1: y is a relu6 layer's pre-activation z, dz = relu6'(z) * MaxPoolGrad(relu6(z), dy). */
  if (a.n > 16 && a.p[16] == 1) return finish(env, K_MAXPOOL_RELU_GRAD, tn_maxpool_relu6_grad(&g, y, dy, dz, db));
  return finish(env, K_MAXPOOL_RELU_GRAD, tn_maxpool_relu_grad(&g, y, dy, dz, db));
}

/* sumRows(heap, [x, out, M, N]) */
static napi_value sum_rows(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 4)) return fail(env, "sumRows: bad arguments");
  double M = a.p[2], N = a.p[3];
  if (M < 0 || N < 1 || N > 1 << 24) return fail(env, "sumRows: bad sizes");
  float *x = at(&a, 0, M * N), *out = at(&a, 1, N);
  if (!x || !out) return fail(env, "sumRows: tensor outside the wasm heap");
  return finish(env, K_SUM_ROWS, tn_sum_rows((long)M, (int)N, x, out));
}

/* eltwise(heap, [op, a, b|-1, out, n, cols, alpha]): op 0 add, 1 add a row (b has `cols` floats), 2 mul, 3 relu, 4 step,
   5 add a row then relu. */
static napi_value eltwise(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 7)) return fail(env, "eltwise: bad arguments");
  int op = (int)a.p[0];
  double n = a.p[4], cols = a.p[5];
  const int row = op == 1 || op == 5;
  if (n < 0 || op < 0 || op > 5 || (row && (cols < 1 || (long)n % (long)cols))) return fail(env, "eltwise: bad sizes");
  float *x = at(&a, 1, n), *out = at(&a, 3, n);
  float *y = op <= 2 || op == 5 ? at(&a, 2, row ? cols : n) : NULL;
  if (!x || !out || ((op <= 2 || op == 5) && !y)) return fail(env, "eltwise: tensor outside the wasm heap");
  int err = TN_OK;
  switch (op) {
    case 0: err = tn_add((long)n, x, y, out); break;
    case 1: err = tn_add_row((long)(n / cols), (long)cols, x, y, out); break;
    case 2: err = tn_mul((long)n, x, y, out); break;
    case 3: err = tn_relu((long)n, x, out); break;
    case 4: err = tn_step((long)n, x, (float)a.p[6], out); break;
    case 5: err = tn_add_row_relu((long)(n / cols), (long)cols, x, y, out); break;
  }
  return finish(env, K_ELTWISE, err);
}

/* biasActGrad(heap, [fn, x|-1, y|-1, dy, dz, db|-1, M, N]): dz = the activation gradient (fn TN_ACT_*, or
   TN_ACT_RELU_MASK: dy * step(y)) over [M, N], db = its column sums (the bias gradient) in the same pass. */
static napi_value bias_act_grad(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 8)) return fail(env, "biasActGrad: bad arguments");
  int fn = (int)a.p[0];
  double M = a.p[6], N = a.p[7];
  if (fn < 0 || fn > TN_ACT_RELU_MASK || M < 0 || N < 1 || N > 1 << 24) return fail(env, "biasActGrad: bad sizes");
  int needs = tn_act_grad_needs(fn);
  float *x = needs == 1 ? at(&a, 1, M * N) : NULL, *y = needs == 2 ? at(&a, 2, M * N) : NULL;
  float *dy = at(&a, 3, M * N), *dz = at(&a, 4, M * N), *db = a.p[5] < 0 ? NULL : at(&a, 5, N);
  if (!dy || !dz || (needs == 1 && !x) || (needs == 2 && !y) || (a.p[5] >= 0 && !db))
    return fail(env, "biasActGrad: tensor outside the wasm heap");
  return finish(env, K_BIAS_ACT_GRAD, tn_bias_act_grad(fn, (long)M, (int)N, x, y, dy, dz, db));
}

/* M rows of C channels, both positive and C bounded (per-channel scratch). */
static int bn_sizes(const call_args *a, size_t i, double *M, int *C) {
  *M = a->p[i];
  double c = a->p[i + 1];
  if (!(*M >= 1 && *M < 9e15 && c >= 1 && c <= 1 << 24)) return 0;
  *C = (int)c;
  return 1;
}

/* batchNorm(heap, [x, mean, var, scale|-1, offset|-1, y, M, C, eps]) */
static napi_value batch_norm(napi_env env, napi_callback_info info) {
  call_args a;
  double M;
  int C;
  if (!read_args(env, info, &a, 9) || !bn_sizes(&a, 6, &M, &C)) return fail(env, "batchNorm: bad arguments");
  float *x = at(&a, 0, M * C), *mean = at(&a, 1, C), *var = at(&a, 2, C), *y = at(&a, 5, M * C);
  float *scale = a.p[3] < 0 ? NULL : at(&a, 3, C), *offset = a.p[4] < 0 ? NULL : at(&a, 4, C);
  if (!x || !mean || !var || !y || (a.p[3] >= 0 && !scale) || (a.p[4] >= 0 && !offset))
    return fail(env, "batchNorm: tensor outside the wasm heap");
  return finish(env, K_BATCH_NORM, tn_bn_infer((long)M, C, x, mean, var, scale, offset, a.p[8], y));
}

/* batchNormTrain(heap, [x, gamma, beta, movingMean, movingVar, y, mean, var, newMovingMean, newMovingVar, M, C, eps,
   momentum]) */
static napi_value batch_norm_train(napi_env env, napi_callback_info info) {
  call_args a;
  double M;
  int C;
  if (!read_args(env, info, &a, 14) || !bn_sizes(&a, 10, &M, &C)) return fail(env, "batchNormTrain: bad arguments");
  float *x = at(&a, 0, M * C), *y = at(&a, 5, M * C), *v[8];
  for (int i = 0; i < 8; i++) v[i] = at(&a, i < 4 ? 1 + i : 2 + i, C);
  for (int i = 0; i < 8; i++)
    if (!v[i]) x = NULL;
  if (!x || !y) return fail(env, "batchNormTrain: tensor outside the wasm heap");
  return finish(env, K_BATCH_NORM_TRAIN,
                tn_bn_train((long)M, C, x, v[0], v[1], a.p[12], a.p[13], v[2], v[3], y, v[4], v[5], v[6], v[7]));
}

/* batchNormGrad(heap, [x, dy, mean, var, gamma, dx, dgamma, dbeta, M, C, eps]) */
static napi_value batch_norm_grad(napi_env env, napi_callback_info info) {
  call_args a;
  double M;
  int C;
  if (!read_args(env, info, &a, 11) || !bn_sizes(&a, 8, &M, &C)) return fail(env, "batchNormGrad: bad arguments");
  float *x = at(&a, 0, M * C), *dy = at(&a, 1, M * C), *mean = at(&a, 2, C), *var = at(&a, 3, C);
  float *gamma = at(&a, 4, C), *dx = at(&a, 5, M * C), *dgamma = at(&a, 6, C), *dbeta = at(&a, 7, C);
  if (!x || !dy || !mean || !var || !gamma || !dx || !dgamma || !dbeta)
    return fail(env, "batchNormGrad: tensor outside the wasm heap");
  return finish(env, K_BATCH_NORM_GRAD, tn_bn_grad((long)M, C, x, dy, mean, var, gamma, a.p[10], dx, dgamma, dbeta));
}

/* layerNorm(heap, [x, gamma|-1, beta|-1, y, mean, rstd, M, C, eps]): over the last axis, per-row statistics out */
static napi_value layer_norm(napi_env env, napi_callback_info info) {
  call_args a;
  double M;
  int C;
  if (!read_args(env, info, &a, 9) || !bn_sizes(&a, 6, &M, &C)) return fail(env, "layerNorm: bad arguments");
  float *x = at(&a, 0, M * C), *y = at(&a, 3, M * C), *mean = at(&a, 4, M), *rstd = at(&a, 5, M);
  float *gamma = a.p[1] < 0 ? NULL : at(&a, 1, C), *beta = a.p[2] < 0 ? NULL : at(&a, 2, C);
  if (!x || !y || !mean || !rstd || (a.p[1] >= 0 && !gamma) || (a.p[2] >= 0 && !beta))
    return fail(env, "layerNorm: tensor outside the wasm heap");
  return finish(env, K_LAYER_NORM, tn_ln_forward((long)M, C, x, gamma, beta, a.p[8], y, mean, rstd));
}

/* layerNormGrad(heap, [x, dy, mean, rstd, gamma|-1, dx, dgamma|-1, dbeta|-1, M, C]) */
static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  call_args a;
  double M;
  int C;
  if (!read_args(env, info, &a, 10) || !bn_sizes(&a, 8, &M, &C)) return fail(env, "layerNormGrad: bad arguments");
  float *x = at(&a, 0, M * C), *dy = at(&a, 1, M * C), *mean = at(&a, 2, M), *rstd = at(&a, 3, M), *dx = at(&a, 5, M * C);
  float *gamma = a.p[4] < 0 ? NULL : at(&a, 4, C), *dgamma = a.p[6] < 0 ? NULL : at(&a, 6, C);
  float *dbeta = a.p[7] < 0 ? NULL : at(&a, 7, C);
  if (!x || !dy || !mean || !rstd || !dx || (a.p[4] >= 0 && !gamma) || (a.p[6] >= 0 && !dgamma) || (a.p[7] >= 0 && !dbeta))
    return fail(env, "layerNormGrad: tensor outside the wasm heap");
  return finish(env, K_LAYER_NORM_GRAD, tn_ln_grad((long)M, C, x, dy, mean, rstd, gamma, dx, dgamma, dbeta));
}

/* optim(heap, [kind, nvars, h0..h7, then per variable: w, g, s1|-1, s2|-1, wOut, s1Out|-1, s2Out|-1, n]):
   one fused optimizer step (tn_optim); kind 0 Adam, 1 momentum, 2 SGD, 3 RMSProp. State the kind needs must be given. */
static napi_value optim(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 10)) return fail(env, "optim: bad arguments");
  int kind = (int)a.p[0];
  double nv = a.p[1];
  if (kind < 0 || kind > 3 || nv < 0 || nv > 1e6 || a.n < 10 + 8 * (size_t)nv) return fail(env, "optim: bad arguments");
  int nvars = (int)nv, states = kind == TN_OPTIM_SGD ? 0 : kind == TN_OPTIM_MOMENTUM ? 1 : 2;
  float h[8];
  for (int k = 0; k < 8; k++) h[k] = (float)a.p[2 + k];
  tn_optim_var *vars = calloc(nvars ? (size_t)nvars : 1, sizeof *vars);
  if (!vars) return finish(env, K_OPTIM, TN_ENOMEM);
  for (int k = 0; k < nvars; k++) {
    size_t i = 10 + 8 * (size_t)k;
    double n = a.p[i + 7];
    tn_optim_var *v = &vars[k];
    v->n = (long)n;
    v->w = at(&a, i, n); v->g = at(&a, i + 1, n); v->w_out = at(&a, i + 4, n);
    if (states >= 1) { v->s1 = at(&a, i + 2, n); v->s1_out = at(&a, i + 5, n); }
    if (states >= 2) { v->s2 = at(&a, i + 3, n); v->s2_out = at(&a, i + 6, n); }
    if (n < 0 || !v->w || !v->g || !v->w_out || (states >= 1 && (!v->s1 || !v->s1_out)) ||
        (states >= 2 && (!v->s2 || !v->s2_out))) {
      free(vars);
      return fail(env, "optim: tensor outside the wasm heap");
    }
  }
  int err = tn_optim(kind, nvars, vars, h);
  free(vars);
  return finish(env, K_OPTIM, err);
}

/* matmulOptim(heap, [a, b, dw, M, N, K, transA, transB, kind, h0..h7, w, s1|-1, s2|-1, wOut, s1Out|-1, s2Out|-1]):
   dw = A B (a weight gradient, M x N), and the optimizer step (as optim) of the variable w from it, each GEMM part
   updating the block it computed (tn_matmul_optim). An optional third argument, a Float32Array, holds A instead of the
   heap (a the byte offset into it), as matmulFrom's: the first layer's weight gradient reads the caller's batch. */
static napi_value matmul_optim(napi_env env, napi_callback_info info) {
  call_args a;
  size_t argc = 3;
  napi_value argv[3];
  if (!read_args(env, info, &a, 23) || napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)
    return fail(env, "matmulOptim: bad arguments");
  call_args src = a;
  if (argc >= 3) {
    napi_valuetype t;
    if (napi_typeof(env, argv[2], &t) != napi_ok) return fail(env, "matmulOptim: bad arguments");
    if (t != napi_undefined) {
      napi_typedarray_type type;
      size_t length, off;
      void *data;
      napi_value ab;
      if (napi_get_typedarray_info(env, argv[2], &type, &length, &data, &ab, &off) != napi_ok || type != napi_float32_array)
        return fail(env, "matmulOptim: A must be a Float32Array");
      src.heap = data;
      src.heapLen = length * 4;
    }
  }
  int M = (int)a.p[3], N = (int)a.p[4], K = (int)a.p[5], kind = (int)a.p[8];
  if (M < 1 || N < 1 || K < 0 || a.p[3] > 1 << 28 || a.p[4] > 1 << 28 || a.p[5] > 1 << 28 || kind < 0 || kind > 3)
    return fail(env, "matmulOptim: bad sizes");
  int states = kind == TN_OPTIM_SGD ? 0 : kind == TN_OPTIM_MOMENTUM ? 1 : 2;
  double n = (double)M * N;
  float h[8];
  for (int k = 0; k < 8; k++) h[k] = (float)a.p[9 + k];
  const float *A = at(&src, 0, (double)M * K), *B = at(&a, 1, (double)K * N);
  tn_optim_var v = {(long)n, at(&a, 17, n), at(&a, 2, n), NULL, NULL, at(&a, 20, n), NULL, NULL};
  if (states >= 1) v.s1 = at(&a, 18, n), v.s1_out = at(&a, 21, n);
  if (states >= 2) v.s2 = at(&a, 19, n), v.s2_out = at(&a, 22, n);
  if (!A || !B || !v.g || !v.w || !v.w_out || (states >= 1 && (!v.s1 || !v.s1_out)) || (states >= 2 && (!v.s2 || !v.s2_out)))
    return fail(env, "matmulOptim: tensor outside the wasm heap");
  return finish(env, K_MATMUL_OPTIM, tn_matmul_optim(kind, h, &v, M, N, K, A, (int)a.p[6], B, (int)a.p[7]));
}

/* activation(heap, [fn, x|-1, y|-1, dy|-1, out, n, grad]): grad 0: out = f(x); grad 1: out = dx from dy and the
   saved x (or y, see tn_act_grad_needs). */
static napi_value activation(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 7)) return fail(env, "activation: bad arguments");
  int fn = (int)a.p[0], grad = (int)a.p[6];
  double n = a.p[5];
  if (n < 0 || fn < 0 || fn >= TN_ACT_COUNT || (grad != 0 && grad != 1)) return fail(env, "activation: bad sizes");
  int needs = grad ? tn_act_grad_needs(fn) : 1;
  float *x = needs == 1 ? at(&a, 1, n) : NULL, *y = needs == 2 ? at(&a, 2, n) : NULL;
  float *dy = grad ? at(&a, 3, n) : NULL, *out = at(&a, 4, n);
  if (!out || (needs == 1 && !x) || (needs == 2 && !y) || (grad && !dy)) return fail(env, "activation: tensor outside the wasm heap");
  return finish(env, K_ACTIVATION, grad ? tn_act_grad(fn, (long)n, x, y, dy, out) : tn_act(fn, (long)n, x, out));
}

/* avgPool(heap, [x, y, n,h,w,c,ph,pw,oh,ow,sh,sw,pt,pl]) */
static napi_value avgpool(napi_env env, napi_callback_info info) {
  call_args a;
  tn_pool g;
  if (!read_args(env, info, &a, 14) || !pool_geometry(&a, 2, &g)) return fail(env, "avgPool: bad arguments");
  float *x = at(&a, 0, (double)g.n * g.h * g.w * g.c), *y = at(&a, 1, (double)g.n * g.oh * g.ow * g.c);
  if (!x || !y) return fail(env, "avgPool: tensor outside the wasm heap");
  return finish(env, K_AVGPOOL, tn_avgpool(&g, x, y));
}

/* avgPoolGrad(heap, [dy, dx, n,h,w,c,ph,pw,oh,ow,sh,sw,pt,pl]) */
static napi_value avgpool_grad(napi_env env, napi_callback_info info) {
  call_args a;
  tn_pool g;
  if (!read_args(env, info, &a, 14) || !pool_geometry(&a, 2, &g)) return fail(env, "avgPoolGrad: bad arguments");
  float *dy = at(&a, 0, (double)g.n * g.oh * g.ow * g.c), *dx = at(&a, 1, (double)g.n * g.h * g.w * g.c);
  if (!dy || !dx) return fail(env, "avgPoolGrad: tensor outside the wasm heap");
  return finish(env, K_AVGPOOL_GRAD, tn_avgpool_grad(&g, dy, dx));
}

/* mean(heap, [x, y, outer, mid, inner]): y[o, k] = mean over m of x[o, m, k]. */
static napi_value mean(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 5)) return fail(env, "mean: bad arguments");
  double outer = a.p[2], mid = a.p[3], inner = a.p[4];
  if (outer < 1 || mid < 1 || inner < 1 || inner > 1 << 24) return fail(env, "mean: bad sizes");
  float *x = at(&a, 0, outer * mid * inner), *y = at(&a, 1, outer * inner);
  if (!x || !y) return fail(env, "mean: tensor outside the wasm heap");
  return finish(env, K_MEAN, tn_mean_mid((long)outer, (long)mid, (long)inner, x, y));
}

/* dropout(heap, [x, y, mask, n, c, s0, s1, s2, keep]) */
static napi_value dropout(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 9)) return fail(env, "dropout: bad arguments");
  double n = a.p[3], keep = a.p[8];
  if (n < 0 || !(keep > 0 && keep <= 1)) return fail(env, "dropout: bad sizes");
  float *x = at(&a, 0, n), *y = at(&a, 1, n), *mask = at(&a, 2, n);
  if (!x || !y || !mask) return fail(env, "dropout: tensor outside the wasm heap");
  return finish(env, K_DROPOUT, tn_dropout((long)n, x, a.p[4], a.p[5], a.p[6], a.p[7], (float)keep, y, mask));
}

static int dw_geometry(const call_args *a, size_t i, tn_dw *g) {
  int *v[15] = {&g->n, &g->h, &g->w, &g->c, &g->kh, &g->kw, &g->m, &g->oh, &g->ow, &g->sh, &g->sw, &g->pt, &g->pl,
                &g->dh, &g->dw};
  for (int k = 0; k < 15; k++) {
    double d = a->p[i + k];
    if (!(d >= (k == 11 || k == 12 ? -(1 << 20) : 1) && d <= 1 << 24)) return 0;
    *v[k] = (int)d;
  }
  return 1;
}

/* depthwise(heap, [x, f, y, n,h,w,c,kh,kw,m,oh,ow,sh,sw,pt,pl,dh,dw]) */
static napi_value depthwise(napi_env env, napi_callback_info info) {
  call_args a;
  tn_dw g;
  if (!read_args(env, info, &a, 18) || !dw_geometry(&a, 3, &g)) return fail(env, "depthwise: bad arguments");
  float *x = at(&a, 0, (double)g.n * g.h * g.w * g.c), *f = at(&a, 1, (double)g.kh * g.kw * g.c * g.m);
  float *y = at(&a, 2, (double)g.n * g.oh * g.ow * g.c * g.m);
  if (!x || !f || !y) return fail(env, "depthwise: tensor outside the wasm heap");
  return finish(env, K_DEPTHWISE, tn_depthwise(&g, x, f, y));
}

/* depthwiseInputGrad(heap, [dy, f, dx, geometry...]) */
static napi_value depthwise_input_grad(napi_env env, napi_callback_info info) {
  call_args a;
  tn_dw g;
  if (!read_args(env, info, &a, 18) || !dw_geometry(&a, 3, &g)) return fail(env, "depthwiseInputGrad: bad arguments");
  float *dy = at(&a, 0, (double)g.n * g.oh * g.ow * g.c * g.m), *f = at(&a, 1, (double)g.kh * g.kw * g.c * g.m);
  float *dx = at(&a, 2, (double)g.n * g.h * g.w * g.c);
  if (!dy || !f || !dx) return fail(env, "depthwiseInputGrad: tensor outside the wasm heap");
  return finish(env, K_DEPTHWISE_INPUT_GRAD, tn_depthwise_input_grad(&g, dy, f, dx));
}

/* depthwiseFilterGrad(heap, [x, dy, df, geometry...]) */
static napi_value depthwise_filter_grad(napi_env env, napi_callback_info info) {
  call_args a;
  tn_dw g;
  if (!read_args(env, info, &a, 18) || !dw_geometry(&a, 3, &g)) return fail(env, "depthwiseFilterGrad: bad arguments");
  float *x = at(&a, 0, (double)g.n * g.h * g.w * g.c), *dy = at(&a, 1, (double)g.n * g.oh * g.ow * g.c * g.m);
  float *df = at(&a, 2, (double)g.kh * g.kw * g.c * g.m);
  if (!x || !dy || !df) return fail(env, "depthwiseFilterGrad: tensor outside the wasm heap");
  return finish(env, K_DEPTHWISE_FILTER_GRAD, tn_depthwise_filter_grad(&g, x, dy, df));
}

/* copyRows(heap, [count, then per copy: src, dst, rows, srcStride, dstStride, width]) in 4-byte elements. */
static napi_value copy_rows(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 1)) return fail(env, "copyRows: bad arguments");
  double count = a.p[0];
  if (!(count >= 0 && count <= 1 << 16) || a.n < 1 + 6 * (size_t)count) return fail(env, "copyRows: bad arguments");
  int n = (int)count;
  tn_copy *copies = calloc(n ? (size_t)n : 1, sizeof *copies);
  if (!copies) return finish(env, K_COPY_ROWS, TN_ENOMEM);
  for (int k = 0; k < n; k++) {
    size_t i = 1 + 6 * (size_t)k;
    double rows = a.p[i + 2], ss = a.p[i + 3], ds = a.p[i + 4], width = a.p[i + 5];
    if (!(rows >= 0 && rows < 9e15 && width >= 0 && width < 9e15 && ss >= width && ds >= width)) {
      free(copies);
      return fail(env, "copyRows: bad sizes");
    }
    /* The last row ends at (rows - 1) * stride + width: check both ends against the heap. */
    double span_src = rows > 0 ? (rows - 1) * ss + width : 0, span_dst = rows > 0 ? (rows - 1) * ds + width : 0;
    copies[k] = (tn_copy){at(&a, i, span_src), at(&a, i + 1, span_dst), (long)rows, (long)ss, (long)ds, (long)width};
    if (!copies[k].src || !copies[k].dst) {
      free(copies);
      return fail(env, "copyRows: tensor outside the wasm heap");
    }
  }
  int err = tn_copy_rows(n, copies);
  free(copies);
  return finish(env, K_COPY_ROWS, err);
}

/* A byte pointer into the heap for offset p[i] spanning `bytes` bytes, or NULL when out of range. */
static unsigned char *at_bytes(const call_args *a, size_t i, double bytes) {
  double off = a->p[i];
  if (off < 0 || off + bytes > (double)a->heapLen) return NULL;
  return a->heap + (size_t)off;
}

/* broadcast(heap, [op, a, b|-1, c|-1, out, rank, shape[rank], sa[rank], sb[rank], scalar?]): see tn_broadcast. */
static napi_value broadcast(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 6)) return fail(env, "broadcast: bad arguments");
  int op = (int)a.p[0];
  double rk = a.p[5];
  if (op < 0 || op >= TN_BC_COUNT || !(rk >= 1 && rk <= TN_BC_MAX_RANK) || a.n < 6 + 3 * (size_t)rk)
    return fail(env, "broadcast: bad arguments");
  tn_bcast g = {.op = op, .rank = (int)rk};
  double total = 1, spanA = 1, spanB = 1;
  for (int d = 0; d < g.rank; d++) {
    double n = a.p[6 + d], sa = a.p[6 + g.rank + d], sb = a.p[6 + 2 * g.rank + d];
    if (!(n >= 1 && n < 9e15 && sa >= 0 && sa < 9e15 && sb >= 0 && sb < 9e15)) return fail(env, "broadcast: bad sizes");
    g.shape[d] = (long)n; g.sa[d] = (long)sa; g.sb[d] = (long)sb;
    total *= n;
    spanA += (n - 1) * sa;
    spanB += (n - 1) * sb;
  }
  if (op == TN_BC_SELECT && (g.sa[g.rank - 1] != 1 || spanA != total || spanB != total))
    return fail(env, "broadcast: select needs operands of the output's shape");
  g.a = at(&a, 1, spanA);
  if (op == TN_BC_LEAKY) {
    /* The factor follows the strides; a stands alone and fills the output in order. */
    if (a.n < 7 + 3 * (size_t)g.rank || g.sa[g.rank - 1] != 1 || spanA != total) return fail(env, "broadcast: bad arguments");
    g.scalar = a.p[6 + 3 * g.rank];
    g.b = g.a;
  } else {
    g.b = at(&a, 2, spanB);
  }
  g.c = op == TN_BC_SELECT ? at_bytes(&a, 3, total) : NULL;
  g.out = TN_BC_IS_BOOL(op) ? (void *)at_bytes(&a, 4, total) : (void *)at(&a, 4, total);
  if (!g.a || !g.b || !g.out || (op == TN_BC_SELECT && !g.c)) return fail(env, "broadcast: tensor outside the wasm heap");
  return finish(env, K_BROADCAST, tn_broadcast(&g));
}

/* noise(heap, [x|-1, out, n, c, s0, s1, s2, mean, std]): out = x + N(mean, std) as tfjs draws it (tn_gauss_noise). */
static napi_value noise(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 9)) return fail(env, "noise: bad arguments");
  double n = a.p[2];
  if (!(n >= 0 && n < 9e15)) return fail(env, "noise: bad sizes");
  float *x = a.p[0] < 0 ? NULL : at(&a, 0, n), *out = at(&a, 1, n);
  if (!out || (a.p[0] >= 0 && !x)) return fail(env, "noise: tensor outside the wasm heap");
  const double state[4] = {a.p[3], a.p[4], a.p[5], a.p[6]};
  return finish(env, K_NOISE, tn_gauss_noise(x, out, (long)n, state, a.p[7], a.p[8]));
}

/* reluGrad(heap, [op, x, dy, alpha|-1, dx, da|-1, n, period, scalar, group?]): ReLU's, LeakyReLU's, PReLU's or a
   global max's gradient (tn_relu_grad); for the max, alpha is y and dy has n / group · period elements. */
/* pad(heap, [x, y, rank, value, then per axis: size, before, after]): constant padding of a row-major tensor. */
static napi_value pad(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 4)) return fail(env, "pad: bad arguments");
  tn_pad_geom g = {0};
  double rank = a.p[2];
  if (!(rank >= 2 && rank <= TN_PAD_MAX_RANK) || a.n < 4 + 3 * (size_t)rank) return fail(env, "pad: bad arguments");
  g.rank = (int)rank;
  g.value = (float)a.p[3];
  double in = 1, out = 1;
  for (int d = 0; d < g.rank; d++) {
    double s = a.p[4 + 3 * d], b = a.p[5 + 3 * d], e = a.p[6 + 3 * d];
    if (!(s >= 0 && b >= 0 && e >= 0 && s < 9e15 && b < 9e15 && e < 9e15) || s != (long)s || b != (long)b || e != (long)e)
      return fail(env, "pad: bad sizes");
    g.shape[d] = (long)s;
    g.before[d] = (long)b;
    g.after[d] = (long)e;
    in *= s;
    out *= s + b + e;
  }
  if (!(out < 9e15)) return fail(env, "pad: bad sizes");
  float *x = at(&a, 0, in), *y = at(&a, 1, out);
  if (!x || !y) return fail(env, "pad: tensor outside the wasm heap");
  return finish(env, K_PAD, tn_pad(&g, x, y));
}

/* maxMiddle(heap, [x, y, outer, mid, inner]): y[o, k] = max over m of x[o, m, k], NaN winning. */
static napi_value max_middle(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 5)) return fail(env, "maxMiddle: bad arguments");
  double outer = a.p[2], mid = a.p[3], inner = a.p[4];
  if (!(outer >= 0 && mid >= 1 && inner >= 0 && outer * mid * inner < 9e15)) return fail(env, "maxMiddle: bad sizes");
  float *x = at(&a, 0, outer * mid * inner), *y = at(&a, 1, outer * inner);
  if (!x || !y) return fail(env, "maxMiddle: tensor outside the wasm heap");
  return finish(env, K_MAX_MIDDLE, tn_max_middle((long)outer, (long)mid, (long)inner, x, y));
}

static napi_value relu_grad(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 9)) return fail(env, "reluGrad: bad arguments");
  int op = (int)a.p[0];
  double n = a.p[6], period = a.p[7], group = a.n > 9 ? a.p[9] : 1;
  if (op < 0 || op >= TN_RELU_GRAD_COUNT || !(n >= 0 && n < 9e15)) return fail(env, "reluGrad: bad sizes");
  const int prelu = op == TN_RELU_GRAD_PRELU, maxmask = op == TN_RELU_GRAD_MAXMASK;
  if ((prelu || maxmask) && !(period >= 1 && period <= n && (long)n % (long)period == 0)) return fail(env, "reluGrad: bad sizes");
  if (maxmask && !(group >= period && (long)group % (long)period == 0 && (long)n % (long)group == 0)) return fail(env, "reluGrad: bad sizes");
  const double small = maxmask ? n / group * period : n; /* dy's and y's elements for the max */
  float *x = at(&a, 1, n), *dy = at(&a, 2, small), *dx = at(&a, 4, n);
  float *alpha = prelu ? at(&a, 3, period) : maxmask ? at(&a, 3, small) : NULL, *da = prelu ? at(&a, 5, n) : NULL;
  if (!x || !dy || !dx || ((prelu || maxmask) && !alpha) || (prelu && !da)) return fail(env, "reluGrad: tensor outside the wasm heap");
  return finish(env, K_RELU_GRAD, tn_relu_grad(op, (long)n, prelu || maxmask ? (long)period : 1, maxmask ? (long)group : 1, x, dy,
                                               alpha, (float)a.p[8], dx, da));
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) CHECK(napi_get_value_int32(env, argv[0], &n));
  tn_set_threads(n);
  napi_value out;
  CHECK(napi_create_int32(env, tn_threads(), &out));
  return out;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_int32(env, tn_threads(), &out));
  return out;
}

/* counts() -> { conv2d: n, ... }: completed calls per kernel since the addon loaded, over every thread. */
static napi_value counts(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, v;
  CHECK(napi_create_object(env, &out));
  for (int k = 0; k < K_COUNT; k++) {
    CHECK(napi_create_double(env, (double)__atomic_load_n(&calls[k], __ATOMIC_RELAXED), &v));
    CHECK(napi_set_named_property(env, out, kernel_names[k], v));
  }
  /* Not a kernel: which of dropout's two loops ran (dropout.c). */
  CHECK(napi_create_double(env, (double)tn_dropout_rounded_calls(), &v));
  CHECK(napi_set_named_property(env, out, "dropoutRounded", v));
  /* Of conv2d and conv2dInputGrad, the calls the Winograd path took (winograd.c). */
  CHECK(napi_create_double(env, (double)tn_winograd_calls(0), &v));
  CHECK(napi_set_named_property(env, out, "conv2dWinograd", v));
  CHECK(napi_create_double(env, (double)tn_winograd_calls(1), &v));
  CHECK(napi_set_named_property(env, out, "conv2dInputGradWinograd", v));
  CHECK(napi_create_double(env, (double)tn_winograd_calls(2), &v));
  CHECK(napi_set_named_property(env, out, "conv2dFilterGradWinograd", v));
  /* Of conv2dFilterGrad, the calls of one-channel 3x3 and 5x5 layers that took the direct kernel (conv.c). */
  CHECK(napi_create_double(env, (double)tn_conv1ch_dw_calls(), &v));
  CHECK(napi_set_named_property(env, out, "conv2dFilterGradDirect", v));
  /* Of dropout, the calls through the integer multiply-with-carry segments (dropout.c). */
  CHECK(napi_create_double(env, (double)tn_dropout_mwc_calls(), &v));
  CHECK(napi_set_named_property(env, out, "dropoutMwc", v));
  /* Of activation, activationGrad and biasActGrad, the calls through the AVX-512 build (activation.c). */
  CHECK(napi_create_double(env, (double)tn_act_avx512_calls(), &v));
  CHECK(napi_set_named_property(env, out, "activationAvx512", v));
  /* Of noise, the calls through the two-pass integer draw (noise.c). */
  CHECK(napi_create_double(env, (double)tn_gauss_noise_mwc_calls(), &v));
  CHECK(napi_set_named_property(env, out, "noiseMwc", v));
  /* Of conv2d, the one-channel 5x5 calls through the filter-in-registers forward (gemm_kernel.c). */
  CHECK(napi_create_double(env, (double)tn_conv1ch_regs_calls(), &v));
  CHECK(napi_set_named_property(env, out, "conv2dDirectRegs", v));
  /* Of maxPoolGrad, the overlapping-window calls through the register path (pooling.c). */
  CHECK(napi_create_double(env, (double)tn_maxpool_grad_regs_calls(), &v));
  CHECK(napi_set_named_property(env, out, "maxPoolGradRegs", v));
  /* Of layerNormGrad, the calls through the one-pass dx + parameter sums (layernorm.c). */
  CHECK(napi_create_double(env, (double)tn_ln_grad_fused_calls(), &v));
  CHECK(napi_set_named_property(env, out, "layerNormGradFused", v));
  /* Of copyRows, the calls through the interleaved row order (copy.c). */
  CHECK(napi_create_double(env, (double)tn_copy_interleaved_calls(), &v));
  CHECK(napi_set_named_property(env, out, "copyRowsInterleaved", v));
  /* Of noiseMwc, the calls whose value pass ran 8 pairs at a time (noise_vec.c). */
  CHECK(napi_create_double(env, (double)tn_gauss_noise_vec_calls(), &v));
  CHECK(napi_set_named_property(env, out, "noiseVec", v));
  /* Of noiseMwc, the calls whose accept and value passes overlapped (noise_pipe.h). */
  CHECK(napi_create_double(env, (double)tn_gauss_noise_pipe_calls(), &v));
  CHECK(napi_set_named_property(env, out, "noisePipe", v));
  /* Of conv2d, conv2dInputGrad and conv2dFilterGrad, the calls with dilations above 1 (conv_dilated.c). */
  CHECK(napi_create_double(env, (double)tn_conv_dilated_calls(0), &v));
  CHECK(napi_set_named_property(env, out, "conv2dDilated", v));
  CHECK(napi_create_double(env, (double)tn_conv_dilated_calls(1), &v));
  CHECK(napi_set_named_property(env, out, "conv2dInputGradDilated", v));
  CHECK(napi_create_double(env, (double)tn_conv_dilated_calls(2), &v));
  CHECK(napi_set_named_property(env, out, "conv2dFilterGradDilated", v));
  /* Of conv2dFilterGradDirect, the 8- or 16-channel 3x3 calls an AVX-512 process ran on the AVX2 kernel (conv.c). */
  CHECK(napi_create_double(env, (double)tn_conv1ch_dw_narrow_calls(), &v));
  CHECK(napi_set_named_property(env, out, "conv2dFilterGradDirectNarrow", v));
  /* Of conv2d and conv2dFilterGrad, the multi-channel calls read straight from the image, no im2col; of conv2dInputGrad,
     those with the filter transposed once per call (conv_implicit.c). */
  CHECK(napi_create_double(env, (double)tn_implicit_calls(0), &v));
  CHECK(napi_set_named_property(env, out, "conv2dImplicit", v));
  CHECK(napi_create_double(env, (double)tn_implicit_calls(1), &v));
  CHECK(napi_set_named_property(env, out, "conv2dFilterGradImplicit", v));
  CHECK(napi_create_double(env, (double)tn_implicit_calls(2), &v));
  CHECK(napi_set_named_property(env, out, "conv2dInputGradImplicit", v));
  /* Of conv2d, the one-channel 3x3 calls (any stride) through the filter-in-registers forward (gemm_kernel.c). */
  CHECK(napi_create_double(env, (double)tn_conv1ch_regs3_calls(), &v));
  CHECK(napi_set_named_property(env, out, "conv2dDirectRegs3", v));
  /* Of conv2d, the strided calls through the direct kernel without im2col (conv_direct.c). */
  CHECK(napi_create_double(env, (double)tn_conv_direct_calls(), &v));
  CHECK(napi_set_named_property(env, out, "conv2dDirect", v));
  /* Of maxPoolReluGrad, the 2x2 stride-2 calls through the window-in-registers pass (pool2_relu.c). */
  CHECK(napi_create_double(env, (double)tn_pool2_relu_grad_calls(), &v));
  CHECK(napi_set_named_property(env, out, "maxPoolReluGrad2x2", v));
  /* Of maxPool, the 2x2 stride-2 calls through the window-in-registers forward (pool2_relu.c). */
  CHECK(napi_create_double(env, (double)tn_pool2_max_calls(), &v));
  CHECK(napi_set_named_property(env, out, "maxPool2x2", v));
  /* Of the Winograd calls (forward, input and filter gradient), those whose tile transforms ran 16 channels at a time (winograd.c). */
  CHECK(napi_create_double(env, (double)tn_winograd_wide_calls(), &v));
  CHECK(napi_set_named_property(env, out, "conv2dWinogradWide", v));
  /* Of maxPool and maxPoolReluGrad, the calls pooling a relu6 layer from its pre-activation (relu6_pool.c). */
  CHECK(napi_create_double(env, (double)tn_relu6_pool_calls(), &v));
  CHECK(napi_set_named_property(env, out, "maxPoolRelu6", v));
  /* WORKBENCH_ELT_BW's passes (eltbw.c): of pad, the calls with unpadded axes merged; of broadcast, the rank-1 calls
     split by elements; of maxPoolGrad, the 2x2 stride-2 calls a band at a time. */
  CHECK(napi_create_double(env, (double)tn_elt_bw_calls(TN_ELT_BW_PAD), &v));
  CHECK(napi_set_named_property(env, out, "padMerged", v));
  CHECK(napi_create_double(env, (double)tn_elt_bw_calls(TN_ELT_BW_FLAT), &v));
  CHECK(napi_set_named_property(env, out, "broadcastFlat", v));
  CHECK(napi_create_double(env, (double)tn_elt_bw_calls(TN_ELT_BW_MAXPOOL_GRAD), &v));
  CHECK(napi_set_named_property(env, out, "maxPoolGrad2x2", v));
  /* Of copyRows, the calls with equal row counts copied block by block, not interleaved (a slice's images; copy.c). */
  CHECK(napi_create_double(env, (double)tn_elt_bw_calls(TN_ELT_BW_COPY), &v));
  CHECK(napi_set_named_property(env, out, "copyRowsBlocks", v));
  /* Of the depthwise calls (forward, input and filter gradient), those through the AVX-512 register kernels (depthwise_avx512.c). */
  CHECK(napi_create_double(env, (double)tn_dw_vec_calls(), &v));
  CHECK(napi_set_named_property(env, out, "depthwiseVec", v));
  /* Of the dilated convolution calls (forward, input and filter gradient), those through the direct kernels (conv_dilated_direct.c). */
  CHECK(napi_create_double(env, (double)tn_conv_dilated_direct_calls(), &v));
  CHECK(napi_set_named_property(env, out, "conv2dDilatedDirect", v));
  /* Of layerNorm and layerNormGrad, the calls whose row statistics ran 8 rows per AVX-512 register (layernorm.c). */
  CHECK(napi_create_double(env, (double)tn_ln_rows8_calls(0), &v));
  CHECK(napi_set_named_property(env, out, "layerNormRows8", v));
  CHECK(napi_create_double(env, (double)tn_ln_rows8_calls(1), &v));
  CHECK(napi_set_named_property(env, out, "layerNormGradRows8", v));
  /* Of conv2d, conv2dInputGrad and conv2dFilterGrad, the pointwise calls through the pointwise GEMM (conv.c). */
  CHECK(napi_create_double(env, (double)tn_conv1x1_calls(0), &v));
  CHECK(napi_set_named_property(env, out, "conv2d1x1", v));
  CHECK(napi_create_double(env, (double)tn_conv1x1_calls(1), &v));
  CHECK(napi_set_named_property(env, out, "conv2dInputGrad1x1", v));
  CHECK(napi_create_double(env, (double)tn_conv1x1_calls(2), &v));
  CHECK(napi_set_named_property(env, out, "conv2dFilterGrad1x1", v));
  /* Of maxPoolReluGrad2x2, the calls with the next band prefetched and 32-channel bias sums (pool2_relu.c). */
  CHECK(napi_create_double(env, (double)tn_pool2_grad_bw_calls(), &v));
  CHECK(napi_set_named_property(env, out, "maxPoolReluGrad2x2Bw", v));
  /* Of the GEMM calls through tn_sgemm / tn_matmul (matmul, the convolutions' GEMMs), those packing in row order (gemm.c). */
  CHECK(napi_create_double(env, (double)tn_gemm_pack_rows_calls(), &v));
  CHECK(napi_set_named_property(env, out, "gemmPackRows", v));
  return out;
}

/* _failNextAllocations(n): test hook, the next n scratch requests fail as if memory ran out. */
static napi_value fail_next_allocs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) CHECK(napi_get_value_int32(env, argv[0], &n));
  tn_fail_next_allocs(n);
  return NULL;
}

static napi_value isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, tn_isa(), NAPI_AUTO_LENGTH, &out));
  return out;
}

/* Bumped whenever a binding changes, so the engine can refuse a stale build instead of crashing. */
#define TN_API_VERSION 4

NAPI_MODULE_INIT() {
  napi_value version;
  if (napi_create_int32(env, TN_API_VERSION, &version) != napi_ok ||
      napi_set_named_property(env, exports, "apiVersion", version) != napi_ok)
    return NULL;
  napi_property_descriptor props[] = {
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dFilterGrad", NULL, conv2d_filter_grad, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dInputGrad", NULL, conv2d_input_grad, NULL, NULL, NULL, napi_default, NULL},
      {"matmul", NULL, matmul, NULL, NULL, NULL, napi_default, NULL},
      {"matmulFrom", NULL, matmul_from, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool", NULL, maxpool, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, maxpool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"sumRows", NULL, sum_rows, NULL, NULL, NULL, napi_default, NULL},
      {"eltwise", NULL, eltwise, NULL, NULL, NULL, napi_default, NULL},
      {"batchNorm", NULL, batch_norm, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormTrain", NULL, batch_norm_train, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormGrad", NULL, batch_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormGrad", NULL, layer_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"optim", NULL, optim, NULL, NULL, NULL, napi_default, NULL},
      {"activation", NULL, activation, NULL, NULL, NULL, napi_default, NULL},
      {"biasActGrad", NULL, bias_act_grad, NULL, NULL, NULL, napi_default, NULL},
      {"avgPool", NULL, avgpool, NULL, NULL, NULL, napi_default, NULL},
      {"avgPoolGrad", NULL, avgpool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"mean", NULL, mean, NULL, NULL, NULL, napi_default, NULL},
      {"dropout", NULL, dropout, NULL, NULL, NULL, napi_default, NULL},
      {"depthwise", NULL, depthwise, NULL, NULL, NULL, napi_default, NULL},
      {"depthwiseInputGrad", NULL, depthwise_input_grad, NULL, NULL, NULL, napi_default, NULL},
      {"depthwiseFilterGrad", NULL, depthwise_filter_grad, NULL, NULL, NULL, napi_default, NULL},
      {"copyRows", NULL, copy_rows, NULL, NULL, NULL, napi_default, NULL},
      {"broadcast", NULL, broadcast, NULL, NULL, NULL, napi_default, NULL},
      {"noise", NULL, noise, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"pad", NULL, pad, NULL, NULL, NULL, napi_default, NULL},
      {"maxMiddle", NULL, max_middle, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolReluGrad", NULL, maxpool_relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"matmulOptim", NULL, matmul_optim, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL},
      {"isa", NULL, isa, NULL, NULL, NULL, napi_default, NULL},
      {"counts", NULL, counts, NULL, NULL, NULL, napi_default, NULL},
      {"_failNextAllocations", NULL, fail_next_allocs, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
