/* delay.c — answers /delay/{ms} without blocking a server thread.
 *
 * The handler suspends the connection and queues it here; one timer thread
 * keeps a min-heap of deadlines (CLOCK_MONOTONIC) and resumes each
 * connection when its time comes, after which MHD calls the handler again
 * to send the answer.  The heap is guarded by one mutex. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo.h"

struct demo_delay_entry {
  uint64_t due_ns;
  uint64_t seq; /* ties resume in arrival order */
  struct MHD_Connection *conn;
};

static pthread_mutex_t demo_delay_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t demo_delay_cond;
static pthread_t demo_delay_thread;
static struct demo_delay_entry *demo_delay_heap;
static size_t demo_delay_n, demo_delay_cap;
static uint64_t demo_delay_seq;
static int demo_delay_stopping;

static uint64_t demo_delay_now(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int demo_delay_before(const struct demo_delay_entry *a,
                             const struct demo_delay_entry *b)
{
  return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void demo_delay_swap(size_t i, size_t j)
{
  struct demo_delay_entry t = demo_delay_heap[i];
  demo_delay_heap[i] = demo_delay_heap[j];
  demo_delay_heap[j] = t;
}

static void demo_delay_sift_up(size_t i)
{
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!demo_delay_before(&demo_delay_heap[i], &demo_delay_heap[parent]))
      break;
    demo_delay_swap(i, parent);
    i = parent;
  }
}

static void demo_delay_sift_down(size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < demo_delay_n && demo_delay_before(&demo_delay_heap[l],
                                              &demo_delay_heap[m]))
      m = l;
    if (r < demo_delay_n && demo_delay_before(&demo_delay_heap[r],
                                              &demo_delay_heap[m]))
      m = r;
    if (m == i)
      return;
    demo_delay_swap(i, m);
    i = m;
  }
}

static struct MHD_Connection *demo_delay_pop(void)
{
  struct MHD_Connection *conn = demo_delay_heap[0].conn;
  demo_delay_heap[0] = demo_delay_heap[--demo_delay_n];
  demo_delay_sift_down(0);
  return conn;
}

static void *demo_delay_main(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&demo_delay_lock);
  while (!demo_delay_stopping) {
    if (demo_delay_n == 0) {
      pthread_cond_wait(&demo_delay_cond, &demo_delay_lock);
      continue;
    }
    uint64_t now = demo_delay_now();
    if (demo_delay_heap[0].due_ns <= now) {
      struct MHD_Connection *conn = demo_delay_pop();
      /* Resuming takes MHD's own locks: not under ours. */
      pthread_mutex_unlock(&demo_delay_lock);
      MHD_resume_connection(conn);
      pthread_mutex_lock(&demo_delay_lock);
      continue;
    }
    uint64_t due = demo_delay_heap[0].due_ns;
    struct timespec ts = {.tv_sec = (time_t)(due / 1000000000u),
                          .tv_nsec = (long)(due % 1000000000u)};
    int rc = pthread_cond_timedwait(&demo_delay_cond, &demo_delay_lock, &ts);
    if (rc != 0 && rc != ETIMEDOUT && rc != EINTR)
      fprintf(stderr, "crowd-demo-server: timer wait: %s\n", strerror(rc));
  }
  pthread_mutex_unlock(&demo_delay_lock);
  return NULL;
}

int demo_delay_start(void)
{
  pthread_condattr_t attr;
  int rc = pthread_condattr_init(&attr);
  if (rc == 0)
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  if (rc == 0)
    rc = pthread_cond_init(&demo_delay_cond, &attr);
  pthread_condattr_destroy(&attr);
  if (rc == 0)
    rc = pthread_create(&demo_delay_thread, NULL, demo_delay_main, NULL);
  if (rc != 0) {
    fprintf(stderr, "crowd-demo-server: cannot start the timer thread: %s\n",
            strerror(rc));
    return -1;
  }
  return 0;
}

int demo_delay_add(struct MHD_Connection *conn, unsigned ms)
{
  int rc = 0;
  pthread_mutex_lock(&demo_delay_lock);
  if (demo_delay_stopping) {
    rc = -1;
    goto out;
  }
  if (demo_delay_n == demo_delay_cap) {
    size_t cap = demo_delay_cap ? demo_delay_cap * 2 : 256;
    struct demo_delay_entry *heap =
        realloc(demo_delay_heap, cap * sizeof *heap);
    if (!heap) {
      rc = -1;
      goto out;
    }
    demo_delay_heap = heap;
    demo_delay_cap = cap;
  }
  struct demo_delay_entry *e = &demo_delay_heap[demo_delay_n];
  e->due_ns = demo_delay_now() + (uint64_t)ms * 1000000u;
  e->seq = demo_delay_seq++;
  e->conn = conn;
  demo_delay_sift_up(demo_delay_n++);
  /* Wake the thread only when the earliest deadline changed. */
  if (demo_delay_heap[0].conn == conn)
    pthread_cond_signal(&demo_delay_cond);
out:
  pthread_mutex_unlock(&demo_delay_lock);
  return rc;
}

void demo_delay_stop(void)
{
  pthread_mutex_lock(&demo_delay_lock);
  demo_delay_stopping = 1;
  pthread_cond_signal(&demo_delay_cond);
  pthread_mutex_unlock(&demo_delay_lock);
  int rc = pthread_join(demo_delay_thread, NULL);
  if (rc != 0)
    fprintf(stderr, "crowd-demo-server: timer thread: %s\n", strerror(rc));
  /* MHD must not be stopped with suspended connections. */
  while (demo_delay_n > 0)
    MHD_resume_connection(demo_delay_pop());
  free(demo_delay_heap);
  demo_delay_heap = NULL;
  demo_delay_cap = 0;
  pthread_cond_destroy(&demo_delay_cond);
}
