// Native kernels: a small persistent thread pool and per-thread scratch memory.
// A job is always cut into the same parts (the calling thread's configured thread count, or fewer by shape), whether
// the parts then run on the pool or one after another on the caller, so no result depends on what other threads do.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include "tn.h"

#define MAX_THREADS 64
#define SLOTS 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
/* Held by the caller whose job the workers run, from publishing it until every worker has checked in. */
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static int spawned = 0; /* workers alive; grows only under busy + mu */
static unsigned long generation = 0;
static unsigned long start_gen[MAX_THREADS]; /* the generation a worker was born at: it must not replay that job */
static int pending = 0;
static tn_task job_fn;
static void *job_ctx;
static int job_parts, job_exec, job_err;

/* Each JS thread (one training run) configures its own count: it fixes that run's splits. */
static __thread int my_threads = 1;

/* Executor e of n runs parts e, e + n, e + 2n, ... */
static int run_parts(tn_task fn, void *ctx, int e, int n, int parts) {
  for (int t = e; t < parts; t += n) {
    int err = fn(ctx, t, parts);
    if (err) return err;
  }
  return 0;
}

/* Waking a sleeping thread costs tens of microseconds here (a futex round trip in a VM), as much as a whole small GEMM:
   a worker spins this many pauses (tens of microseconds) for the next job before it sleeps, and so does a caller for its workers. */
#define SPIN_PAUSES 400
/* WORKBENCH_POOL_SPIN=0 turns the spinning off (read when threads are set), for A/B runs and for machines shared with more
   busy threads than cores. */
static int spin_pauses = SPIN_PAUSES;
/* The first pauses spin; then each round yields the core, so that when more threads want the cores than there are (two
   processes training at once), the spinning thread gives way instead of taking a busy thread's time slice. */
static inline void cpu_pause_at(int i) {
  if (i >= 64) {
    sched_yield();
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void *worker(void *arg) {
  const int e = (int)(long)arg;
  pthread_mutex_lock(&mu);
  unsigned long seen = start_gen[e];
  for (;;) {
    if (generation == seen) {
      pthread_mutex_unlock(&mu);
      for (int i = 0; i < __atomic_load_n(&spin_pauses, __ATOMIC_RELAXED) && __atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen; i++) cpu_pause_at(i);
      pthread_mutex_lock(&mu);
    }
    while (generation == seen) pthread_cond_wait(&start_cv, &mu);
    seen = generation;
    tn_task fn = job_fn;
    void *ctx = job_ctx;
    int parts = job_parts, n = job_exec;
    if (e >= n) continue; /* not needed for this job: not counted in pending */
    pthread_mutex_unlock(&mu);
    int err = run_parts(fn, ctx, e, n, parts);
    pthread_mutex_lock(&mu);
    if (err) job_err = err;
    if (__atomic_sub_fetch(&pending, 1, __ATOMIC_RELEASE) == 0) pthread_cond_signal(&done_cv);
  }
  return NULL;
}

void tn_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  my_threads = n;
  const char *spin = getenv("WORKBENCH_POOL_SPIN");
  __atomic_store_n(&spin_pauses, spin && spin[0] == '0' && spin[1] == 0 ? 0 : SPIN_PAUSES, __ATOMIC_RELAXED);
  pthread_mutex_lock(&busy); /* no job in flight while workers join */
  pthread_mutex_lock(&mu);
  while (spawned < n - 1) {
    int e = spawned + 1;
    start_gen[e] = generation;
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, worker, (void *)(long)e);
    pthread_attr_destroy(&attr);
    if (rc != 0) break; /* fewer executors; the parts stay the same */
    spawned++;
  }
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&busy);
}

int tn_threads(void) { return my_threads; }

int tn_parallel(tn_task fn, void *ctx, int parts) {
  if (parts < 1) parts = 1;
  if (parts == 1) return fn(ctx, 0, 1);
#ifdef TN_BUSY_RUNS_ALONE
  if (pthread_mutex_trylock(&busy) != 0) return run_parts(fn, ctx, 0, 1, parts);
#else
  /* Another caller's job is running: wait for it rather than run the parts here. Two seed-cnn runs at once on
     2 cores trained at 562-861 samples/s each this way against 547-684 running the parts alone (native/README.md). */
  pthread_mutex_lock(&busy);
#endif
  int n = parts < spawned + 1 ? parts : spawned + 1;
  if (n <= 1) {
    pthread_mutex_unlock(&busy);
    return run_parts(fn, ctx, 0, 1, parts);
  }
  pthread_mutex_lock(&mu);
  job_fn = fn;
  job_ctx = ctx;
  job_parts = parts;
  job_exec = n;
  job_err = 0;
  __atomic_store_n(&pending, n - 1, __ATOMIC_RELAXED);
  __atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&start_cv);
  pthread_mutex_unlock(&mu);
  int err = run_parts(fn, ctx, 0, n, parts);
  for (int i = 0; i < __atomic_load_n(&spin_pauses, __ATOMIC_RELAXED) && __atomic_load_n(&pending, __ATOMIC_ACQUIRE) > 0; i++) cpu_pause_at(i);
  pthread_mutex_lock(&mu);
  while (pending > 0) pthread_cond_wait(&done_cv, &mu);
  if (!err) err = job_err;
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&busy);
  return err;
}

/* Scratch: per thread, freed when the thread ends (a JS worker per training run would otherwise leak its buffers). */
typedef struct {
  float *buf[SLOTS];
  size_t cap[SLOTS];
} scratch_set;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static __thread scratch_set *mine;
static int fail_allocs; /* test hook: this many scratch requests fail */

static void free_set(void *p) {
  scratch_set *s = p;
  for (int i = 0; i < SLOTS; i++) free(s->buf[i]);
  free(s);
  mine = NULL;
}

static void make_key(void) { pthread_key_create(&scratch_key, free_set); }

void tn_fail_next_allocs(int n) { __atomic_store_n(&fail_allocs, n < 0 ? 0 : n, __ATOMIC_SEQ_CST); }

static int forced_failure(void) {
  int left = __atomic_load_n(&fail_allocs, __ATOMIC_SEQ_CST);
  while (left > 0 && !__atomic_compare_exchange_n(&fail_allocs, &left, left - 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
  }
  return left > 0;
}

float *tn_scratch(int slot, size_t floats) {
  if (slot < 0 || slot >= SLOTS || forced_failure()) return NULL;
  scratch_set *s = mine;
  if (!s) {
    pthread_once(&scratch_once, make_key);
    s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (pthread_setspecific(scratch_key, s) != 0) {
      free(s);
      return NULL;
    }
    mine = s;
  }
  if (floats == 0) floats = 1;
  if (s->cap[slot] < floats) {
    free(s->buf[slot]);
    s->buf[slot] = NULL;
    s->cap[slot] = 0;
    if (floats > (SIZE_MAX - 64) / sizeof(float)) return NULL;
    size_t bytes = ((floats * sizeof(float)) + 63) & ~(size_t)63;
    s->buf[slot] = aligned_alloc(64, bytes);
    if (!s->buf[slot]) return NULL;
    s->cap[slot] = floats;
  }
  return s->buf[slot];
}
