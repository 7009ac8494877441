// Native kernels (included by noise.c only): GaussianNoise's two passes overlapped. One part runs the serial accept
// pass and publishes the accepted pairs as it goes; the other parts turn published pairs into values meanwhile, in
// chunks claimed from a counter; the producer joins them when the accept pass ends. Each pair's value is computed by
// gauss_range on its own, as in the two-phase path, so who computes which chunk changes no bit.
// WORKBENCH_NATIVE_NOISE_PIPE=0 (read per call) keeps the two phases.
#include <sched.h>

typedef struct {
  gauss_job j;
  const uint32_t *st;
  long pairs;
  int producer; /* claimed (1) by the first part to start: whichever runs first, so parts run one after another work too */
  long published; /* accepted pairs final in j.pairs */
  long next; /* next chunk to claim */
} gauss_pipe_job;

static unsigned long pipe_calls;
unsigned long tn_gauss_noise_pipe_calls(void) { return __atomic_load_n(&pipe_calls, __ATOMIC_RELAXED); }

static int gauss_pipe_wanted(void) {
  const char *v = getenv("WORKBENCH_NATIVE_NOISE_PIPE");
  return !(v && (strcmp(v, "0") == 0 || strcmp(v, "off") == 0));
}

static int gauss_pipe_task(void *p, int t, int nt) {
  (void)t, (void)nt;
  gauss_pipe_job *q = p;
  if (__atomic_exchange_n(&q->producer, 1, __ATOMIC_ACQ_REL) == 0)
    gauss_accept(q->st, q->pairs, (uint32_t *)q->j.pairs, &q->published);
  const long chunks = (q->pairs + PIPE_CHUNK - 1) / PIPE_CHUNK;
  for (;;) {
    const long c = __atomic_fetch_add(&q->next, 1, __ATOMIC_RELAXED);
    if (c >= chunks) break;
    const long p0 = c * PIPE_CHUNK, p1 = p0 + PIPE_CHUNK < q->pairs ? p0 + PIPE_CHUNK : q->pairs;
    /* The producer is running (it claimed the role before any chunk could be waited for): it will publish p1. */
    for (int i = 0; __atomic_load_n(&q->published, __ATOMIC_ACQUIRE) < p1; i++) {
      if (i >= 64) sched_yield();
#if defined(__x86_64__) || defined(__i386__)
      else __builtin_ia32_pause();
#endif
    }
    gauss_range(&q->j, p0, p1);
  }
  return TN_OK;
}

static int gauss_pipe(const gauss_job *j, const uint32_t st[4], long pairs, int parts) {
  gauss_pipe_job q = {*j, st, pairs, 0, 0, 0};
  const int err = tn_parallel(gauss_pipe_task, &q, parts);
  if (!err) __atomic_fetch_add(&pipe_calls, 1, __ATOMIC_RELAXED);
  return err;
}
