// Native kernels: strided row copies of 4-byte elements, the data movement of Concat and SplitV along any axis (one
// call copies every input of a concatenation, or fills every output of a split). Copies change no value.
#include <string.h>
#include "tn.h"

typedef struct {
  int count;
  const tn_copy *copies;
} copy_job;

static int copy_task(void *p, int t, int nt) {
  copy_job *j = p;
  for (int i = 0; i < j->count; i++) {
    const tn_copy *c = &j->copies[i];
    long r0 = c->rows * t / nt, r1 = c->rows * (t + 1) / nt;
    const size_t bytes = (size_t)c->width * sizeof(float);
    for (long r = r0; r < r1; r++) memcpy(c->dst + r * c->dst_stride, c->src + r * c->src_stride, bytes);
  }
  return TN_OK;
}

int tn_copy_rows(int count, const tn_copy *copies) {
  double total = 0;
  for (int i = 0; i < count; i++) total += (double)copies[i].rows * copies[i].width;
  copy_job j = {count, copies};
  /* Below ~256 KB the pool's hand-off costs more than the copy. */
  return tn_parallel(copy_task, &j, total >= 65536 ? tn_threads() : 1);
}
