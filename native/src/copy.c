// Native kernels: strided row copies of 4-byte elements, the data movement of Concat and SplitV along any axis (one
// call copies every input of a concatenation, or fills every output of a split). Copies change no value.
#include <stdlib.h>
#include <string.h>
#include "tn.h"

typedef struct {
  int count;
  const tn_copy *copies;
  int interleave; /* every copy has the same rows: row r of every copy before row r + 1 */
} copy_job;

static inline void copy_row(float *restrict d, const float *restrict s, long w) {
  switch (w) {
    case 16: memcpy(d, s, 64); return;
    case 32: memcpy(d, s, 128); return;
    case 64: memcpy(d, s, 256); return;
    default: memcpy(d, s, (size_t)w * sizeof(float));
  }
}

static int copy_task(void *p, int t, int nt) {
  copy_job *j = p;
  if (j->interleave) {
    /* A concatenation's (or split's) rows in memory order: the wide side is written (or read) front to back. */
    const long rows = j->copies[0].rows, r0 = rows * t / nt, r1 = rows * (t + 1) / nt;
    for (long r = r0; r < r1; r++)
      for (int i = 0; i < j->count; i++) {
        const tn_copy *c = &j->copies[i];
        copy_row(c->dst + r * c->dst_stride, c->src + r * c->src_stride, c->width);
      }
    return TN_OK;
  }
  for (int i = 0; i < j->count; i++) {
    const tn_copy *c = &j->copies[i];
    long r0 = c->rows * t / nt, r1 = c->rows * (t + 1) / nt;
    const size_t bytes = (size_t)c->width * sizeof(float);
    for (long r = r0; r < r1; r++) memcpy(c->dst + r * c->dst_stride, c->src + r * c->src_stride, bytes);
  }
  return TN_OK;
}

static unsigned long interleaved_calls;
unsigned long tn_copy_interleaved_calls(void) { return __atomic_load_n(&interleaved_calls, __ATOMIC_RELAXED); }

/* WORKBENCH_NATIVE_COPY=plain: each copy's rows in turn (as before the interleaved order; the same bytes either way). */
int tn_copy_rows(int count, const tn_copy *copies) {
  double total = 0;
  for (int i = 0; i < count; i++) total += (double)copies[i].rows * copies[i].width;
  const char *e = getenv("WORKBENCH_NATIVE_COPY");
  int interleave = count > 1 && !(e && strcmp(e, "plain") == 0);
  for (int i = 1; i < count && interleave; i++) interleave = copies[i].rows == copies[0].rows;
  if (interleave && tn_elt_bw_on()) {
    /* Row by row across the copies only where they share the rows of one wide tensor (a concatenation's output, a
       split's input: every copy's start within copy 0's first row); disjoint blocks (a slice's images) go each in
       turn, front to back, which the prefetchers follow. */
    int shared_dst = 1, shared_src = 1;
    for (int i = 1; i < count; i++) {
      const tn_copy *c = &copies[i], *c0 = &copies[0];
      shared_dst = shared_dst && c->dst_stride == c0->dst_stride && labs((long)(c->dst - c0->dst)) < c0->dst_stride;
      shared_src = shared_src && c->src_stride == c0->src_stride && labs((long)(c->src - c0->src)) < c0->src_stride;
    }
    interleave = shared_dst || shared_src;
    if (!interleave) tn_elt_bw_count(TN_ELT_BW_COPY);
  }
  if (interleave) __atomic_add_fetch(&interleaved_calls, 1, __ATOMIC_RELAXED);
  copy_job j = {count, copies, interleave};
  /* Below ~256 KB the pool's hand-off costs more than the copy. */
  return tn_parallel(copy_task, &j, total >= 65536 ? tn_threads() : 1);
}
