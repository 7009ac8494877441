// Native kernels for the workbench's wasm backend: shared declarations.
#ifndef TN_H
#define TN_H
#include <stddef.h>
#include <stdint.h>

/* Errors every kernel returns (0: done). */
#define TN_OK 0
#define TN_ENOMEM 1

/* Thread pool: fn(ctx, t, parts) runs once for every part t = 0..parts-1 and returns TN_OK or an error.
   The parts are the same whatever the pool is doing: they run on the pool (one job at a time; another caller
   waits for it) or, with no pool, one after another on the caller. A part may use its executing thread's scratch
   only until it returns; anything the caller reads afterwards must live in memory the caller owns. A part must not
   call tn_parallel itself. */
typedef int (*tn_task)(void *ctx, int t, int parts);
int tn_parallel(tn_task fn, void *ctx, int parts);
/* Sets the calling thread's count (it decides that thread's splits) and grows the pool to match. */
void tn_set_threads(int n);
/* The calling thread's configured count (1 until it sets one). */
int tn_threads(void);

/* C[i*ldc + j] (+)= sum_k A(i,k) B(k,j), with A(i,k) = A[i*rsA + k*csA], B(k,j) = B[k*rsB + j*csB].
   accumulate = 0 overwrites C. Parallel over rows (or columns when rows are few); every element is summed in
   the same order however the rows are split. */
int tn_sgemm(int M, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB,
              float *C, long ldc, int accumulate);
/* Single-threaded, rows m0..m1 only (used inside parallel regions). */
int tn_sgemm_rows(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB,
                   long csB, float *C, long ldc, int accumulate);
const char *tn_isa(void);

typedef int (*tn_gemm_fn)(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B,
                           long rsB, long csB, float *C, long ldc, int accumulate);
int tn_gemm_avx2(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int);
int tn_gemm_generic(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int);
int tn_gemm_avx512(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int);
/* OpenBLAS's cblas_sgemm through dlopen, single-threaded inside our parts (gemm_blas.c); only on request. */
int tn_gemm_openblas(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int);
int tn_blas_available(void);
/* The pointwise convolution's GEMM (gemm_kernel.c's FND): tn_sgemm_rows's bits with fewer packing copies, then C +=
   bias (NULL: none) and act (0 none, 1 relu, 2 tfjs's Relu) as tn_conv_post_op, in the store. */
int tn_sgemm_rows_pw(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB,
                     long csB, float *C, long ldc, int accumulate, const float *bias, int act);
int tn_gemm_direct_generic(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int,
                           const float *, int);
int tn_gemm_direct_avx2(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int,
                        const float *, int);
int tn_gemm_direct_avx512(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int,
                          const float *, int);
/* Of conv2d, conv2dInputGrad and conv2dFilterGrad, the pointwise calls through tn_sgemm_rows_pw (conv.c). */
unsigned long tn_conv1x1_calls(int kind);

/* Convolution geometry, NHWC input [n,h,w,c], filter [kh,kw,c,co], output [n,oh,ow,co]. */
typedef struct {
  int n, h, w, c, kh, kw, co, oh, ow, sh, sw, pt, pl;
} tn_conv;

/* One input channel, images i0..i1, per GEMM variant (gemm_kernel.c); tn_conv_one_channel picks the chosen one.
   1 done, 0 not covered. */
int tn_conv_one_channel(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y, int i0,
                        int i1);
int tn_conv1ch_generic(const tn_conv *, const float *, const float *, const float *, int, float *, int, int);
int tn_conv1ch_avx2(const tn_conv *, const float *, const float *, const float *, int, float *, int, int);
int tn_conv1ch_avx512(const tn_conv *, const float *, const float *, const float *, int, float *, int, int);
/* The one-channel 3x3 (5x5 on AVX-512) filter gradient of one chunk (images i0..i1), dw (+)= col^T . dy with the GEMM's bits, per variant
   (gemm_kernel.c); conv.c picks the chosen one. 1 done, 0 not covered. */
int tn_conv1ch_dw_generic(const tn_conv *, const float *, const float *, float *, int, int, int);
int tn_conv1ch_dw_avx2(const tn_conv *, const float *, const float *, float *, int, int, int);
int tn_conv1ch_dw_avx512(const tn_conv *, const float *, const float *, float *, int, int, int);
/* Calls of tn_conv2d_filter_grad that took that direct path (conv.c). */
unsigned long tn_conv1ch_dw_calls(void);

/* act: 0 linear, 1 relu (x > 0 ? x : 0), 2 relu as tfjs's Relu kernel (x < 0 ? 0 : x: NaN, -0 kept); bias may be NULL. */
int tn_conv2d(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y);
int tn_conv2d_filter_grad(const tn_conv *g, const float *x, const float *dy, float *df);
int tn_conv2d_input_grad(const tn_conv *g, const float *dy, const float *f, float *dx);
/* Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (winograd.c): whether it takes a shape (also off with
   WORKBENCH_WINOGRAD=0), the forward and input gradient, and its completed calls (0 forward, 1 input gradient). */
int tn_winograd_covers_forward(const tn_conv *g);
int tn_winograd_covers_input_grad(const tn_conv *g);
int tn_winograd_conv2d(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y);
int tn_winograd_input_grad(const tn_conv *g, const float *dy, const float *f, float *dx);
/* The filter gradient (its sums in an order fixed by the shape alone); its calls are tn_winograd_calls(2). */
int tn_winograd_covers_filter_grad(const tn_conv *g);
int tn_winograd_filter_grad(const tn_conv *g, const float *x, const float *dy, float *df);
unsigned long tn_winograd_calls(int which);

/* Pooling geometry, NHWC. */
typedef struct {
  int n, h, w, c, ph, pw, oh, ow, sh, sw, pt, pl;
} tn_pool;
int tn_maxpool(const tn_pool *g, const float *x, float *y);
int tn_maxpool_grad(const tn_pool *g, const float *x, const float *dy, float *dx);
/* MaxPoolGrad(y, dy) * step(y) and its column sums db (a relu layer followed by max pooling), the bits of
   tn_maxpool_grad then tn_bias_act_grad(TN_ACT_RELU_MASK) in one pass (pooling.c). */
int tn_maxpool_relu_grad(const tn_pool *g, const float *y, const float *dy, float *dz, float *db);
/* Its 2x2, stride-2, unpadded case over a multiple of 8 channels (pool2_relu.c; off with WORKBENCH_POOL2_RELU_GRAD=0),
   the same bits; calls that took it. */
int tn_pool2_relu_grad_covers(const tn_pool *g);
int tn_pool2_relu_grad(const tn_pool *g, const float *y, const float *dy, float *dz, float *db);
unsigned long tn_pool2_relu_grad_calls(void);
unsigned long tn_pool2_grad_bw_calls(void);
/* tn_maxpool's same case (pool2_relu.c; off with WORKBENCH_POOL2_MAX=0), the same bits; calls that took it. */
int tn_pool2_max_covers(const tn_pool *g);
int tn_pool2_max(const tn_pool *g, const float *x, float *y);
unsigned long tn_pool2_max_calls(void);
/* Winograd calls whose tile transforms ran 16 channels at a time (winograd.c; off with WORKBENCH_WINOGRAD_WIDE=0). */
unsigned long tn_winograd_wide_calls(void);
/* One image of tn_maxpool / tn_maxpool_grad on the calling thread (pooling.c). */
void tn_maxpool_image(const tn_pool *g, const float *xi, float *yi);
void tn_maxpool_grad_image(const tn_pool *g, const float *xi, const float *dyi, float *di);
/* A relu6 layer's pre-activation z pooled (relu6_pool.c): y = MaxPool(relu6(z)); dz = relu6'(z) * MaxPoolGrad(relu6(z),
   dy) and db its column sums, the bits of tn_act(TN_ACT_RELU6) + tn_maxpool and of tn_maxpool_grad +
   tn_bias_act_grad(TN_ACT_RELU6), without relu6(z) or the pool's dx in memory. Calls of either: */
int tn_relu6_maxpool(const tn_pool *g, const float *z, float *y);
int tn_maxpool_relu6_grad(const tn_pool *g, const float *z, const float *dy, float *dz, float *db);
unsigned long tn_relu6_pool_calls(void);

/* Batched C[b] = op(A[b]) . op(B[b]) (+ bias[N], then act), row-major; a batch stride of 0 broadcasts. */
int tn_matmul(int batch, int M, int N, int K, const float *A, long strideA, int transA, const float *B, long strideB,
               int transB, float *C, const float *bias, int act);

/* out[k] = sum over rows of x[r*N + k]. */
int tn_sum_rows(long M, int N, const float *x, float *out);

/* Element-wise, parallel for large n. add_row adds one `cols`-long row to every row of a. */
int tn_add(long n, const float *a, const float *b, float *out);
int tn_add_row(long rows, long cols, const float *a, const float *row, float *out);
/* relu(a + row) per element, relu as tfjs's (z < 0 ? 0 : z): a bias add and its Relu in one pass. */
int tn_add_row_relu(long rows, long cols, const float *a, const float *row, float *out);
int tn_mul(long n, const float *a, const float *b, float *out);
int tn_relu(long n, const float *x, float *out);
int tn_step(long n, const float *x, float alpha, float *out);

/* Batch normalisation over a row-major [M, C] matrix (channel last), per-channel parameters. Training: batch mean and
   (biased) variance, y, and the moving statistics updated as tfjs-layers does; gradient: dx, dgamma, dbeta in one call.
   The statistics and gradient sums are cut into parts by M·C and the thread count only, added in part order. */
int tn_bn_infer(long M, int C, const float *x, const float *mean, const float *var, const float *scale,
                const float *offset, double eps, float *y);
int tn_bn_train(long M, int C, const float *x, const float *gamma, const float *beta, double eps, double momentum,
                const float *moving_mean, const float *moving_var, float *y, float *mean, float *var,
                float *new_mean, float *new_var);
int tn_bn_grad(long M, int C, const float *x, const float *dy, const float *mean, const float *var,
               const float *gamma, double eps, float *dx, float *dgamma, float *dbeta);
/* Layer normalisation over the last axis of [M, C]: y = (x − mean)·rstd·gamma + beta per row (gamma, beta may be NULL),
   writing each row's mean and rstd = 1/sqrt(var + eps); the gradient gives dx and (when not NULL) dgamma, dbeta. */
int tn_ln_forward(long M, int C, const float *x, const float *gamma, const float *beta, double eps, float *y,
                  float *mean, float *rstd);
int tn_ln_grad(long M, int C, const float *x, const float *dy, const float *mean, const float *rstd, const float *gamma,
               float *dx, float *dgamma, float *dbeta);
/* Fused optimizer update over several variables (native/src/optim.c). s1/s2: the optimizer's state (Adam m, v;
   momentum's accumulator in s1; RMSProp mean square, moment); outputs may be the inputs (in place).
   h: Adam [b1, 1-b1, b2, 1-b2, 1-b1^t, 1-b2^t, eps, -lr]; momentum/SGD [momentum, -lr];
   RMSProp [rho, 1-rho, momentum, lr, eps]. */
enum { TN_OPTIM_ADAM, TN_OPTIM_MOMENTUM, TN_OPTIM_SGD, TN_OPTIM_RMSPROP };
typedef struct {
  long n;
  const float *w, *g, *s1, *s2;
  float *w_out, *s1_out, *s2_out;
} tn_optim_var;
int tn_optim(int kind, int nvars, const tn_optim_var *vars, const float *h);
/* Set once per process (gemm.c, WORKBENCH_GEMM_NARROW=0): the GEMM computes narrow last column tiles full width. */
extern int tn_gemm_wide_only;
/* 0 under WORKBENCH_GEMM_PACK_ROWS=0 (refreshed per tn_sgemm / tn_matmul call): gemm_kernel.c packs in the plain order. */
extern int tn_gemm_pack_rows;
unsigned long tn_gemm_pack_rows_calls(void);
/* A finished block of a GEMM's C (rows r0..r1, columns c0..c1), handed over by the part that computed it. */
typedef struct {
  void (*fn)(void *ctx, int r0, int r1, int c0, int c1);
  void *ctx;
} tn_gemm_post;
/* C[M, N] = A[M, K] B[K, N] (A, B transposed as asked), each part then calling post on its own block (gemm.c). */
int tn_matmul_post(int M, int N, int K, const float *A, int transA, const float *B, int transB, float *C,
                   const tn_gemm_post *post);
/* The weight gradient dW = A B and the optimizer's update of that variable from it in one call: each part of the GEMM
   updates the elements it just computed (v->g must be C, v->n = M * N). The same bits as tn_matmul, then tn_optim
   (optim.c). */
int tn_matmul_optim(int kind, const float *h, const tn_optim_var *v, int M, int N, int K, const float *A, int transA,
                    const float *B, int transB);
/* Activations (activation.c): forward y = f(x), gradient dx from dy and the saved x (or y: elu, sigmoid, tanh). */
enum { TN_ACT_ELU, TN_ACT_SELU, TN_ACT_RELU6, TN_ACT_SIGMOID, TN_ACT_TANH, TN_ACT_SOFTPLUS, TN_ACT_SWISH, TN_ACT_GELU,
       TN_ACT_COUNT };
int tn_act(int fn, long n, const float *x, float *y);
int tn_act_grad(int fn, long n, const float *x, const float *y, const float *dy, float *dx);
/* 1: the gradient reads x, 2: it reads y. */
int tn_act_grad_needs(int fn);
/* Activation calls that ran the AVX-512 build (activation.c). */
unsigned long tn_act_avx512_calls(void);
/* A layer's activation gradient and its bias gradient in one pass over [M, N] (channel last): dz = the activation's
   gradient from dy and the saved x or y (fn a TN_ACT_*, or TN_ACT_RELU_MASK: dz = dy * step(y) as tfjs's relu
   gradient), and, when db is not NULL, db = column sums of dz summed exactly as tn_sum_rows sums them. */
#define TN_ACT_RELU_MASK TN_ACT_COUNT
int tn_bias_act_grad(int fn, long M, int N, const float *x, const float *y, const float *dy, float *dz, float *db);
/* tn_sum_rows's parts and their combination, shared with tn_bias_act_grad so both give the same bits. */
int tn_sum_rows_parts(long M, int N);
void tn_sum_rows_combine(int parts, int N, const double *acc, float *out);

/* Average pooling (avgpool.c), NHWC, as tfjs: the forward divides by the window's in-bounds count, the gradient by
   the full window size. mean_hw: y[n,c] = mean over H,W of x[n,h,w,c]; its gradient spreads dy[n,c] / (h*w). */
int tn_avgpool(const tn_pool *g, const float *x, float *y);
int tn_avgpool_grad(const tn_pool *g, const float *dy, float *dx);
int tn_mean_mid(long outer, long mid, long inner, const float *x, float *y);

/* Dropout (dropout.c): mask[i] = floor(u_i + keep) / keep with u_i the Alea stream from state (c, s0, s1, s2) rounded
   to float, y = x * mask. */
int tn_dropout(long n, const float *x, double c, double s0, double s1, double s2, float keep, float *y, float *mask);
unsigned long tn_dropout_rounded_calls(void);
/* Calls that took the integer multiply-with-carry segments (dropout.c). */
unsigned long tn_dropout_mwc_calls(void);

/* Depthwise convolution (depthwise.c), NHWC input [n,h,w,c], filter [kh,kw,c,m], output [n,oh,ow,c*m]; strides
   sh, sw, padding before pt, pl, dilations dh, dw. The filter gradient is summed in parts fixed by the shape alone
   (tn_depthwise_filter_grad_parts), added in part order: the same bits on any thread count. */
typedef struct {
  int n, h, w, c, kh, kw, m, oh, ow, sh, sw, pt, pl, dh, dw;
} tn_dw;
int tn_depthwise(const tn_dw *g, const float *x, const float *f, float *y);
int tn_depthwise_input_grad(const tn_dw *g, const float *dy, const float *f, float *dx);
int tn_depthwise_filter_grad(const tn_dw *g, const float *x, const float *dy, float *df);
int tn_depthwise_filter_grad_parts(const tn_dw *g);
/* Depth multiplier 1 with the sums in AVX-512 registers (depthwise_avx512.c; the same bits; x86 with AVX-512F only). */
int tn_dw512_covers(const tn_dw *g);
int tn_dw512_covers_input_grad(const tn_dw *g);
int tn_dw512_forward_rows(const tn_dw *g, const float *x, const float *f, float *y, long u0, long u1);
int tn_dw512_input_grad_rows(const tn_dw *g, const float *dy, const float *f, float *dx, long u0, long u1);
int tn_dw512_filter_grad_rows(const tn_dw *g, const float *x, const float *dy, float *p, long u0, long u1);
/* Depthwise calls (forward, input and filter gradient) that took depthwise_avx512.c. */
unsigned long tn_dw_vec_calls(void);

/* Row copies (copy.c): rows x width 4-byte elements from src (row stride src_stride) to dst (dst_stride). */
typedef struct {
  const float *src;
  float *dst;
  long rows, src_stride, dst_stride, width;
} tn_copy;
int tn_copy_rows(int count, const tn_copy *copies);

/* Constant padding (pad.c): x of `shape` (row-major, ranks 2..TN_PAD_MAX_RANK) into y with before/after elements of
   `value` on each axis. Max over a block of middle axes: x [outer, mid, inner] -> y [outer, inner], NaN wins. */
#define TN_PAD_MAX_RANK 8
typedef struct {
  int rank;
  long shape[TN_PAD_MAX_RANK], before[TN_PAD_MAX_RANK], after[TN_PAD_MAX_RANK];
  float value;
} tn_pad_geom;
int tn_pad(const tn_pad_geom *g, const float *x, float *y);
int tn_max_middle(long outer, long mid, long inner, const float *x, float *y);

/* Broadcast binary ops (broadcast.c) over float32 a, b: out[i] = a[.] op b[.] with per-dimension element strides sa, sb
   (0 where an operand is broadcast); out is contiguous, float32 for arithmetic, bytes (0/1) for comparisons.
   TN_BC_SELECT: out = c[i] ? a[i] : b[i] with c bytes, all three contiguous and of out's shape.
   TN_BC_PRELU: a < 0 ? b * a : a. TN_BC_LEAKY: a < 0 ? (float)(scalar * a) : a, in double as tfjs's cpu (b unused). */
#define TN_BC_MAX_RANK 6
enum { TN_BC_ADD, TN_BC_SUB, TN_BC_MUL, TN_BC_DIV, TN_BC_SELECT, TN_BC_EQUAL, TN_BC_GREATER, TN_BC_GREATER_EQUAL,
       TN_BC_LESS, TN_BC_LESS_EQUAL, TN_BC_PRELU, TN_BC_LEAKY, TN_BC_COUNT };
#define TN_BC_IS_BOOL(op) ((op) >= TN_BC_EQUAL && (op) <= TN_BC_LESS_EQUAL)
typedef struct {
  int op, rank;
  long shape[TN_BC_MAX_RANK], sa[TN_BC_MAX_RANK], sb[TN_BC_MAX_RANK];
  const float *a, *b;
  const void *c;
  void *out;
  double scalar;
} tn_bcast;
int tn_broadcast(const tn_bcast *g);

/* GaussianNoise's draw as tfjs's tf.randomNormal makes it (noise.c): out = x + noise, or the noise alone (x NULL);
   state = seedrandom Alea's {c, s0, s1, s2} after seeding. */
int tn_gauss_noise(const float *x, float *out, long n, const double state[4], double mean, double std);
/* Calls of tn_gauss_noise that took the two-pass integer draw. */
unsigned long tn_gauss_noise_mwc_calls(void);
/* Of those, the calls whose value pass ran in noise_vec.c (AVX-512). */
unsigned long tn_gauss_noise_vec_calls(void);
/* Of noiseMwc, the calls whose accept and value passes overlapped (noise_pipe.h). */
unsigned long tn_gauss_noise_pipe_calls(void);
/* Of layerNormGrad, the calls through the one-pass dx + dgamma/dbeta loop (layernorm.c). */
unsigned long tn_ln_grad_fused_calls(void);
/* Calls of the LayerNormalization forward (0) / gradient (1) whose row statistics ran 8 rows per AVX-512 register. */
unsigned long tn_ln_rows8_calls(int which);
/* Of copyRows, the calls that copied row by row across the copies (same row counts: Concat, SplitV; copy.c). */
unsigned long tn_copy_interleaved_calls(void);
/* seedrandom Alea's double state {c, s0, s1, s2} as the multiply-with-carry integers {X0, X1, X2, c} (dropout.c),
   or 0 when it is not one (then only the double loops reproduce it). */
int tn_alea_mwc_state(double c, double s0, double s1, double s2, uint32_t out[4]);
/* fdlibm's log, the bits of V8's Math.log. */
double tn_js_log(double x);
/* ReLU's, LeakyReLU's and PReLU's gradients in one pass (noise.c): see there. */
enum { TN_RELU_GRAD_LEAKY, TN_RELU_GRAD_PRELU, TN_RELU_GRAD_RELU, TN_RELU_GRAD_MAXMASK, TN_RELU_GRAD_COUNT };
int tn_relu_grad(int op, long n, long period, long group, const float *x, const float *dy, const float *alpha,
                 float scalar, float *dx, float *da);

/* Scratch memory of the calling thread: grows, never shrinks, freed when the thread ends; NULL when out of memory.
   Slots: 0, 1 GEMM packing; 2 im2col (Winograd: its V and M tiles); 3 filter-gradient partials (Winograd: the transformed filter) and 4 column-sum partials (the caller's, owned by
   the call); 5 pooling window state; 6 batch-norm partials and per-channel constants (the caller's); 7 layer-norm gamma/beta gradient partials (the
   caller's). */
float *tn_scratch(int slot, size_t floats);
/* Test hook: the next n scratch requests fail, as if memory ran out. */
void tn_fail_next_allocs(int n);
/* conv.c -> tn_conv_one_channel: act | this keeps the one-channel forward off its 5x5 register path
   (WORKBENCH_CONV1_REGS=0); that path returns 2 instead of 1. Calls of tn_conv2d that took it: */
#define TN_CONV1_NO_REGS 0x100
unsigned long tn_conv1ch_regs_calls(void);
/* act | this keeps it off the 3x3 register path (WORKBENCH_CONV1_REGS3=0), which returns 3. Calls that took it: */
#define TN_CONV1_NO_REGS3 0x200
unsigned long tn_conv1ch_regs3_calls(void);
/* Direct strided forward convolution, AVX-512 (conv_direct.c): 1 done (images i0..i1), 0 not covered; the GEMM's bits. */
int tn_conv_direct_covers(const tn_conv *g);
int tn_conv_direct(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y, int i0, int i1);
/* Calls of tn_conv2d that took it (WORKBENCH_CONV_DIRECT=0 turns it off): */
unsigned long tn_conv_direct_calls(void);
/* Calls of tn_maxpool_grad with overlapping windows that took the register path (pooling.c; WORKBENCH_POOL_GRAD_REGS=0
   turns it off, same bits). */
unsigned long tn_maxpool_grad_regs_calls(void);
/* Dilated convolution (conv_dilated.c): g's kh, kw are the kernel's own taps, oh/ow/pt/pl those of the dilated
   window; the same bits as conv.c on the kernel with its holes written out, for finite inputs. Calls per pass
   (0 forward, 1 input gradient, 2 filter gradient). */
/* conv.c's im2col / col2im at a dilation (1 for a plain conv) for images i0..i1 (col rows from i0; dx the whole
   batch's), */
void tn_conv_im2col(const tn_conv *g, int dh, int dw, const float *x, int i0, int i1, float *col);
void tn_conv_col2im(const tn_conv *g, int dh, int dw, const float *col, int i0, int i1, float *dx);
/* Bias, then relu (act 1: NaN and -0 give +0; act 2: tfjs's Relu, NaN and -0 kept) over rows x co outputs. */
void tn_conv_post_op(float *y, long rows, int co, const float *bias, int act);
/* conv.c's im2col gradients at a dilation, none of its other paths (filter grad: images chunked by chunk_k's K). */
int tn_conv2d_input_grad_at(const tn_conv *g, int dh, int dw, const float *dy, const float *f, float *dx);
int tn_conv2d_filter_grad_at(const tn_conv *g, int dh, int dw, long chunk_k, const float *x, const float *dy, float *df);
int tn_conv2d_dilated(const tn_conv *g, int dh, int dw, const float *x, const float *f, float *y);
int tn_conv2d_dilated_input_grad(const tn_conv *g, int dh, int dw, const float *dy, const float *f, float *dx);
int tn_conv2d_dilated_filter_grad(const tn_conv *g, int dh, int dw, const float *x, const float *dy, float *df);
unsigned long tn_conv_dilated_calls(int which);
/* Direct dilated passes without im2col, AVX-512 (conv_dilated_direct.c; the avx512 GEMM's bits): covers (which 0
   forward, 1 input gradient, 2 filter gradient), forward images i0..i1 over the k blocks cuts[0..ncuts], the
   transposed filter for the input gradient, images i0..i1 of dx, one filter-gradient image chunk. */
int tn_dil_direct_covers(const tn_conv *g, int which);
int tn_dil_direct_forward(const tn_conv *g, int dh, int dw, const float *x, const float *f, const int *cuts, int ncuts,
                          float *y, int i0, int i1);
void tn_dil_direct_transpose(const tn_conv *g, const float *f, float *ft);
void tn_dil_direct_input_grad(const tn_conv *g, int dh, int dw, const float *dy, const float *ft, float *dx, int i0,
                              int i1);
int tn_dil_direct_filter_grad(const tn_conv *g, int dh, int dw, const float *x, const float *dy, float *dwt, int i0,
                              int i1, int accumulate);
/* conv.c: tn_conv2d_filter_grad_at with each image chunk through tn_dil_direct_filter_grad. */
int tn_conv2d_filter_grad_at_direct(const tn_conv *g, int dh, int dw, long chunk_k, const float *x, const float *dy,
                                    float *df);
/* Calls of the three dilated passes through conv_dilated_direct.c. */
unsigned long tn_conv_dilated_direct_calls(void);
/* Of the direct one-channel filter gradient's calls, the 3x3 ones with 8 or 16 channels an AVX-512 process runs on the
   AVX2 kernel (conv.c; WORKBENCH_CONV1_DW_NARROW=0 keeps im2col there, same bits). */
unsigned long tn_conv1ch_dw_narrow_calls(void);
/* Multi-channel convolutions without im2col on the avx512 GEMM (conv_implicit.c; WORKBENCH_IMPLICIT_CONV=0 turns them
   off, same bits). The forward returns -1 where it does not apply; the filter gradient gives conv.c a chunk function
   (its dw_fn: 1 done) or NULL. The input gradient: conv.c's GEMM + col2im from a transposed copy of the filter (-1: not covered). Calls that took
   them: which 0 forward, 1 filter gradient, 2 input gradient. Scratch slot 2. */
typedef int (*tn_conv_dw_fn)(const tn_conv *, const float *, const float *, float *, int, int, int);
int tn_implicit_conv2d(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y);
tn_conv_dw_fn tn_implicit_dw_pick(const tn_conv *g);
int tn_implicit_input_grad(const tn_conv *g, const float *dy, const float *f, float *dx);
unsigned long tn_implicit_calls(int which);
/* Faster passes of memory-bound kernels, the same bits (eltbw.c; off with WORKBENCH_ELT_BW=0, read per call): PadV2
   with unpadded trailing axes merged into rows (pad.c), rank-1 LeakyReLU/Select/element-wise broadcasts split over the
   threads and LeakyReLU vectorised (broadcast.c), max pooling's 2x2 stride-2 gradient a band at a time (pooling.c),
   copies of disjoint row blocks (Slice) each in turn instead of interleaved (copy.c). */
enum { TN_ELT_BW_PAD, TN_ELT_BW_FLAT, TN_ELT_BW_MAXPOOL_GRAD, TN_ELT_BW_COPY, TN_ELT_BW_COUNT };
int tn_elt_bw_on(void);
void tn_elt_bw_count(int which);
unsigned long tn_elt_bw_calls(int which);
void tn_leaky_range(long n, const float *x, float *y, double alpha);
int tn_maxpool_grad_2x2_covers(const tn_pool *g);
int tn_maxpool_grad_2x2(const tn_pool *g, const float *x, const float *dy, float *dx);
#endif
