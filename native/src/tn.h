// Native kernels for the workbench's wasm backend: shared declarations.
#ifndef TN_H
#define TN_H
#include <stddef.h>

/* Thread pool: fn(ctx, t, n) runs for t = 0..n-1, t = 0 on the caller. One job at a time;
   a caller that finds the pool busy (another worker thread of the process) runs alone. */
typedef void (*tn_task)(void *ctx, int t, int n);
void tn_parallel(tn_task fn, void *ctx);
void tn_set_threads(int n);
int tn_threads(void);

/* C[i*ldc + j] (+)= sum_k A(i,k) B(k,j), with A(i,k) = A[i*rsA + k*csA], B(k,j) = B[k*rsB + j*csB].
   accumulate = 0 overwrites C. Parallel over rows (or columns when rows are few). */
void tn_sgemm(int M, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB,
              float *C, long ldc, int accumulate);
/* Single-threaded, rows m0..m1 only (used inside parallel regions). */
void tn_sgemm_rows(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB,
                   long csB, float *C, long ldc, int accumulate);
const char *tn_isa(void);

typedef void (*tn_gemm_fn)(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B,
                           long rsB, long csB, float *C, long ldc, int accumulate);
void tn_gemm_avx2(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int);
void tn_gemm_generic(int, int, int, int, const float *, long, long, const float *, long, long, float *, long, int);

/* Convolution geometry, NHWC input [n,h,w,c], filter [kh,kw,c,co], output [n,oh,ow,co]. */
typedef struct {
  int n, h, w, c, kh, kw, co, oh, ow, sh, sw, pt, pl;
} tn_conv;

/* act: 0 linear, 1 relu; bias may be NULL. */
void tn_conv2d(const tn_conv *g, const float *x, const float *f, const float *bias, int act, float *y);
void tn_conv2d_filter_grad(const tn_conv *g, const float *x, const float *dy, float *df);
void tn_conv2d_input_grad(const tn_conv *g, const float *dy, const float *f, float *dx);

/* Pooling geometry, NHWC. */
typedef struct {
  int n, h, w, c, ph, pw, oh, ow, sh, sw, pt, pl;
} tn_pool;
void tn_maxpool(const tn_pool *g, const float *x, float *y);
void tn_maxpool_grad(const tn_pool *g, const float *x, const float *dy, float *dx);

/* Batched C[b] = op(A[b]) . op(B[b]) (+ bias[N], then act), row-major; a batch stride of 0 broadcasts. */
void tn_matmul(int batch, int M, int N, int K, const float *A, long strideA, int transA, const float *B, long strideB,
               int transB, float *C, const float *bias, int act);

/* out[k] = sum over rows of x[r*N + k]. */
void tn_sum_rows(long M, int N, const float *x, float *out);

/* Element-wise, parallel for large n. add_row adds one `cols`-long row to every row of a. */
void tn_add(long n, const float *a, const float *b, float *out);
void tn_add_row(long rows, long cols, const float *a, const float *row, float *out);
void tn_mul(long n, const float *a, const float *b, float *out);
void tn_relu(long n, const float *x, float *out);
void tn_step(long n, const float *x, float alpha, float *out);

/* Scratch memory that lives as long as the thread; grows, never shrinks. */
float *tn_scratch(int slot, size_t floats);
#endif
