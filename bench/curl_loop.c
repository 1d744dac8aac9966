#include "config.h"

/* curl_loop — the ceiling of the `http` client's library on this machine:
 * a bare libcurl multi-socket loop on libev, tuned as the `http` client is
 * (no signals, SIGPIPE ignored, no proxy lookups), C easy handles in a
 * closed loop (each re-added as soon as its answer is in), no user model,
 * no stats.  bench/run.sh runs it beside crowd's `http` client so that the
 * share of libcurl's own cost is seen in the same run.
 *
 *   bench/curl_loop URL CONNECTIONS SECONDS
 *
 * Prints "requests N failed F seconds S rps R" on stdout; exit 1 on a setup
 * error.  Ownership: everything is static and lives until exit.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <ev.h>

static struct ev_loop *loop;
static CURLM *multi;
static ev_timer curl_timer, stop_timer;
static long done, failed;
static int stopping;

typedef struct loop_sock {
  ev_io io;
  curl_socket_t fd;
} loop_sock;

static size_t loop_discard(char *p, size_t size, size_t n, void *ud)
{
  (void)p;
  (void)ud;
  return size * n;
}

/* Count the finished transfers and send each handle's next request. */
static void loop_collect(void)
{
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(multi, &left)) != NULL) {
    if (m->msg != CURLMSG_DONE)
      continue;
    CURL *e = m->easy_handle;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    done++;
    if (m->data.result != CURLE_OK || status != 200)
      failed++;
    curl_multi_remove_handle(multi, e);
    if (!stopping)
      curl_multi_add_handle(multi, e);
  }
}

static void loop_io_cb(struct ev_loop *l, ev_io *w, int revents)
{
  (void)l;
  loop_sock *s = (loop_sock *)w;
  int what = ((revents & EV_READ) ? CURL_CSELECT_IN : 0) | ((revents & EV_WRITE) ? CURL_CSELECT_OUT : 0);
  int running;
  curl_multi_socket_action(multi, s->fd, what, &running);
  loop_collect();
}

static void loop_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l;
  (void)w;
  (void)revents;
  int running;
  curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
  loop_collect();
}

static void loop_stop_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)w;
  (void)revents;
  stopping = 1;
  ev_break(l, EVBREAK_ALL);
}

static int loop_socket_cb(CURL *e, curl_socket_t fd, int what, void *ud, void *sockp)
{
  (void)e;
  (void)ud;
  loop_sock *s = sockp;
  if (what == CURL_POLL_REMOVE) {
    if (s != NULL) {
      ev_io_stop(loop, &s->io);
      curl_multi_assign(multi, fd, NULL);
      free(s);
    }
    return 0;
  }
  if (s == NULL) {
    if ((s = calloc(1, sizeof *s)) == NULL)
      return -1;
    s->fd = fd;
    ev_init(&s->io, loop_io_cb);
    curl_multi_assign(multi, fd, s);
  }
  ev_io_stop(loop, &s->io);
  ev_io_set(&s->io, fd, ((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0));
  ev_io_start(loop, &s->io);
  return 0;
}

static int loop_curl_timer_cb(CURLM *m, long ms, void *ud)
{
  (void)m;
  (void)ud;
  ev_timer_stop(loop, &curl_timer);
  if (ms >= 0) {
    ev_timer_set(&curl_timer, (double)ms / 1000.0, 0.);
    ev_timer_start(loop, &curl_timer);
  }
  return 0;
}

static CURL *loop_handle(const char *url)
{
  CURL *e = curl_easy_init();
  if (e == NULL)
    return NULL;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, loop_discard);
  return e;
}

int main(int argc, char **argv)
{
  if (argc != 4 || atoi(argv[2]) < 1 || atof(argv[3]) <= 0) {
    fprintf(stderr, "usage: curl_loop URL CONNECTIONS SECONDS\n");
    return 1;
  }
  const char *url = argv[1];
  int conns = atoi(argv[2]);
  double seconds = atof(argv[3]);
  signal(SIGPIPE, SIG_IGN);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (multi = curl_multi_init()) == NULL) {
    fprintf(stderr, "curl_loop: cannot initialise libcurl\n");
    return 1;
  }
  loop = EV_DEFAULT;
  ev_timer_init(&curl_timer, loop_timer_cb, 0., 0.);
  ev_timer_init(&stop_timer, loop_stop_cb, seconds, 0.);
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, loop_socket_cb);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, loop_curl_timer_cb);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)conns);
  for (int i = 0; i < conns; i++) {
    CURL *e = loop_handle(url);
    if (e == NULL || curl_multi_add_handle(multi, e) != CURLM_OK) {
      fprintf(stderr, "curl_loop: cannot make handle %d\n", i);
      return 1;
    }
  }
  double t0 = ev_time();
  ev_timer_start(loop, &stop_timer);
  ev_run(loop, 0);
  double elapsed = ev_time() - t0;
  printf("requests %ld failed %ld seconds %.3f rps %.2f\n", done, failed, elapsed, (double)done / elapsed);
  return 0;
}
