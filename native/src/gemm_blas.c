// Native kernels: optional OpenBLAS sgemm behind the same row-range interface as our kernels, loaded with dlopen.
// Used only when asked for (WORKBENCH_NATIVE_GEMM=openblas) or by the shape benchmark; never required.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include "tn.h"

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);

static sgemm_fn sgemm;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void) {
  static const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", NULL};
  for (int i = 0; names[i]; i++) {
    void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) continue;
    sgemm_fn f = (sgemm_fn)dlsym(h, "cblas_sgemm");
    set_threads_fn st = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
    if (!f) continue;
    /* Our parts are the threads: OpenBLAS must not split a part again by its own (load-dependent) scheduling. */
    if (st) st(1);
    sgemm = f;
    return;
  }
}

int tn_blas_available(void) {
  pthread_once(&loaded, load);
  return sgemm != NULL;
}

/* A(i,k) = A[i*rsA + k*csA]: one of the two strides must be 1 (row-major or transposed), as in every caller here. */
int tn_gemm_openblas(int m0, int m1, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB,
                     long csB, float *C, long ldc, int accumulate) {
  if (m1 <= m0 || N <= 0) return TN_OK;
  if (K <= 0 || !tn_blas_available() || (csA != 1 && rsA != 1) || (csB != 1 && rsB != 1))
    return tn_gemm_generic(m0, m1, N, K, A, rsA, csA, B, rsB, csB, C, ldc, accumulate);
  int ta = csA == 1 && !(rsA == 1 && K == 1) ? NoTrans : Trans;
  int tb = csB == 1 ? NoTrans : Trans;
  int lda = ta == NoTrans ? (int)(rsA > K ? rsA : K) : (int)(csA > (m1 - m0) ? csA : (m1 - m0));
  int ldb = tb == NoTrans ? (int)(rsB > N ? rsB : N) : (int)(csB > K ? csB : K);
  sgemm(RowMajor, ta, tb, m1 - m0, N, K, 1.0f, A + (long)m0 * rsA, lda, B, ldb, accumulate ? 1.0f : 0.0f,
        C + (long)m0 * ldc, (int)ldc);
  return TN_OK;
}
