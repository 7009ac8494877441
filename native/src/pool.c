// Native kernels: a tiny persistent thread pool (workers block on a condition variable between jobs).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include "tn.h"

#define MAX_THREADS 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static int nthreads = 1;   /* including the caller */
static int spawned = 0;    /* workers alive */
static unsigned long generation = 0;
static int pending = 0;
static tn_task job_fn;
static void *job_ctx;
static int job_n;

static void *worker(void *arg) {
  int t = (int)(long)arg;
  unsigned long seen = 0;
  for (;;) {
    pthread_mutex_lock(&mu);
    while (generation == seen) pthread_cond_wait(&start_cv, &mu);
    seen = generation;
    tn_task fn = job_fn;
    void *ctx = job_ctx;
    int n = job_n;
    pthread_mutex_unlock(&mu);
    if (t < n) fn(ctx, t, n);
    pthread_mutex_lock(&mu);
    if (--pending == 0) pthread_cond_signal(&done_cv);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

void tn_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_lock(&busy);
  pthread_mutex_lock(&mu);
  while (spawned < n - 1) {
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, worker, (void *)(long)(spawned + 1)) != 0) {
      pthread_attr_destroy(&attr);
      break;
    }
    pthread_attr_destroy(&attr);
    spawned++;
  }
  nthreads = n <= spawned + 1 ? n : spawned + 1;
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&busy);
}

int tn_threads(void) { return nthreads; }

void tn_parallel(tn_task fn, void *ctx) {
  if (nthreads <= 1 || pthread_mutex_trylock(&busy) != 0) {
    fn(ctx, 0, 1);
    return;
  }
  int n = nthreads;
  pthread_mutex_lock(&mu);
  job_fn = fn;
  job_ctx = ctx;
  job_n = n;
  pending = spawned; /* every worker wakes and checks in, even if t >= n */
  generation++;
  pthread_cond_broadcast(&start_cv);
  pthread_mutex_unlock(&mu);
  fn(ctx, 0, n);
  pthread_mutex_lock(&mu);
  while (pending > 0) pthread_cond_wait(&done_cv, &mu);
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&busy);
}

float *tn_scratch(int slot, size_t floats) {
  static __thread float *buf[8];
  static __thread size_t cap[8];
  if (cap[slot] < floats) {
    free(buf[slot]);
    size_t bytes = ((floats * sizeof(float)) + 63) & ~(size_t)63;
    buf[slot] = aligned_alloc(64, bytes);
    cap[slot] = buf[slot] ? floats : 0;
  }
  return buf[slot];
}
