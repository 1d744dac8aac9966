#include "config.h"

/* The "http" client: libcurl's multi socket interface driven by libev, in
 * the manner of curl's docs/examples/evhiperfifo.c — an ev_io per socket
 * curl asks us to watch (CURLMOPT_SOCKETFUNCTION), one ev_timer for curl's
 * timeout (CURLMOPT_TIMERFUNCTION), and the finished transfers collected after
 * every curl_multi_socket_action.
 *
 * Ownership: the engine owns the multi handle, the timer, the socket
 * watchers and the idle easy handles of its pool; a connection (one per
 * user) owns its share (its own connection cache, cookies and TLS sessions)
 * and borrows, for the request in flight only, an easy handle of the pool
 * (curl_hnd: with its header list, URL handle (CURLU) and error buffer) and
 * the user's crowd_request.  A waiting user holds no easy handle: that is
 * most of an idle user's memory in libcurl 7.88 (doc/performance.md).
 * The share keeps the connection, the cookies and the TLS sessions per
 * user: without it all easy handles of the multi handle draw from one pool,
 * and a user's request may go out on another user's idle connection.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <ev.h>

#include "client.h"
#include "client_cert.h"
#include "clock.h"
#include "log.h"
#include "request.h"

#define DEFAULT_TIMEOUT_MS 60000L
#define CROWD_CURL_AGENT "crowd/" PACKAGE_VERSION

typedef struct curl_engine curl_engine;
typedef struct curl_hnd curl_hnd;

/* The pool keeps as many easy handles as were in flight at most over the
 * last one to two seconds, plus a few: more are freed as they come back,
 * so that memory follows the requests in flight, while a closed loop whose
 * requests finish in batches does not free and make handles anew. */
#define POOL_SPARE 4
#define POOL_WINDOW_S 1.0

typedef struct curl_sock {
  curl_engine *engine;
  curl_socket_t fd;
  ev_io io;
  struct curl_sock *prev, *next; /* the engine's list, freed at the end */
} curl_sock;

struct curl_engine {
  struct ev_loop *loop;
  CURLM *multi;
  ev_timer timer;
  /* curl's "timeout 0" (a transfer was just added) is served from an
   * ev_prepare, at the end of the loop iteration that asked for it: the
   * requests that users start while responses are handled go out together,
   * and a socket that curl stops and restarts watching in between costs no
   * epoll_ctl and no extra epoll_wait. */
  ev_prepare kick;
  int kick_pending;
  long nconns;   /* connections (users) alive: curl's cache must keep them all */
  /* the pool's idle easy handles, last returned first: [1] for users whose
   * share keeps TLS sessions, [0] for the others (hnd_new says why) */
  curl_hnd *idle[2];
  int nidle[2];
  int nlent;              /* handles lent (requests in flight) */
  int peak, peak_prev;    /* most lent in this window, in the previous one */
  ev_tstamp window_end;   /* when this window ends (ev_now) */
  curl_sock *socks;
  int running;
};

/* What a user's share holds besides its connection cache: cookies from
 * its first request that keeps them, TLS sessions from its first https
 * URL (a user that never needs them pays for neither). */
enum { SHARES_COOKIES = 1, SHARES_SESSIONS = 2 };

typedef struct curl_conn {
  curl_engine *engine;
  CURLSH *share;       /* CURL_LOCK_DATA_CONNECT, and what shares says */
  unsigned shares;     /* SHARES_* */
  curl_hnd *hnd;       /* the easy handle lent for the request in flight, or NULL */
} curl_conn;

/* An easy handle of the pool.  Every option a request depends on is set on
 * each loan unless the handle already has it (the set_* fields), so a
 * handle carries nothing from one user to the next: its share (and with it
 * the connection, the cookies and the TLS sessions) is the borrower's. */
struct curl_hnd {
  curl_engine *engine;
  CURL *easy;
  curl_conn *user;     /* the borrower, or NULL when idle */
  crowd_request *req;  /* the request in flight, or NULL */
  curl_hnd *next;      /* the engine's idle list */
  int sessions;        /* lent only to users whose share keeps TLS sessions */
  CURLU *curlu;        /* the URL, parsed once per change (CURLOPT_CURLU) */
  int curlu_on;        /* the handle has CURLOPT_CURLU (else CURLOPT_URL) */
  struct curl_slist *headers;
  /* What the easy handle was last given, so that a repeated request costs
   * no setopt, no copy of the URL and no rebuilt header list. */
  crowd_buf set_url;        /* the URL in curlu (or CURLOPT_URL) */
  crowd_buf set_hdrs;       /* the crowd_request header block behind headers */
  const char *set_ctype;    /* ... its content_type */
  int set_method;           /* crowd_method + with_body * 16; -1: none yet */
  unsigned set_flags;       /* CROWD_REQ_* flags the handle has (apply_flags) */
  int cookies_on;           /* CURLOPT_COOKIEFILE "": the engine reads the share's jar */
  int set_decoding;         /* CURLOPT_HTTP_CONTENT_DECODING (1 when the body is kept) */
  const crowd_cert *set_cert; /* the client certificate the handle has (apply_cert) */
  uint64_t t0;         /* monotonic us when the transfer was added */
  long timeout_ms;
  char errbuf[CURL_ERROR_SIZE];
};

static void check_multi_info(curl_engine *e);

/* ---- loop glue ------------------------------------------------------------------ */

static void sock_cb_io(struct ev_loop *loop, ev_io *w, int revents)
{
  curl_sock *s = w->data;
  curl_engine *e = s->engine;
  int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
  CURLMcode rc = curl_multi_socket_action(e->multi, s->fd, action, &e->running);
  if (rc != CURLM_OK)
    crowd_log(CROWD_LOG_ERROR, "crowd.http", "curl_multi_socket_action: %s", curl_multi_strerror(rc));
  /* s may be freed by now: use only e.  The timer is left to curl's
   * TIMERFUNCTION: a finished transfer may have started the next one. */
  check_multi_info(e);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  curl_engine *e = w->data;
  CURLMcode rc = curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &e->running);
  if (rc != CURLM_OK)
    crowd_log(CROWD_LOG_ERROR, "crowd.http", "curl_multi_socket_action: %s", curl_multi_strerror(rc));
  check_multi_info(e);
}

/* Before the loop blocks: run what curl asked to run "now". */
static void kick_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
  curl_engine *e = w->data;
  if (!e->kick_pending)
    return;
  e->kick_pending = 0;
  /* the zero timer only kept the poll from blocking; this call is it */
  ev_timer_stop(loop, &e->timer);
  timer_cb(loop, &e->timer, 0);
}

static void sock_free(curl_engine *e, curl_sock *s)
{
  ev_io_stop(e->loop, &s->io);
  if (s->prev)
    s->prev->next = s->next;
  else
    e->socks = s->next;
  if (s->next)
    s->next->prev = s->prev;
  free(s);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl asks, or stop watching. */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
  curl_engine *e = userp;
  curl_sock *s = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (s) {
      curl_multi_assign(e->multi, fd, NULL);
      sock_free(e, s);
    }
    return 0;
  }
  if (s == NULL) {
    s = calloc(1, sizeof *s);
    if (s == NULL) {
      crowd_log(CROWD_LOG_ERROR, "crowd.http", "out of memory for a socket watcher");
      return -1; /* curl fails the transfer */
    }
    s->engine = e;
    s->fd = fd;
    s->io.data = s;
    ev_init(&s->io, sock_cb_io);
    s->next = e->socks;
    if (e->socks)
      e->socks->prev = s;
    e->socks = s;
    curl_multi_assign(e->multi, fd, s);
  }
  int events = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
  ev_io_stop(e->loop, &s->io);
  ev_io_set(&s->io, fd, events);
  ev_io_start(e->loop, &s->io);
  return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer for the whole multi handle. */
static int multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
  curl_engine *e = userp;
  ev_timer_stop(e->loop, &e->timer);
  e->kick_pending = timeout_ms == 0;
  if (timeout_ms >= 0) {
    /* 0 means "now": let the loop call us back rather than recursing */
    ev_timer_set(&e->timer, (double)timeout_ms / 1000.0, 0.);
    ev_timer_start(e->loop, &e->timer);
  }
  return 0;
}

/* ---- results ---------------------------------------------------------------------- */

/* A message that names the failure and groups well: curl's own texts carry
 * elapsed times ("after 3 ms") that would split one error into many. */
static void transfer_error(curl_hnd *c, CURLcode code, char *out, size_t size)
{
  long oserr = 0;
  switch (code) {
  case CURLE_COULDNT_CONNECT:
    if (curl_easy_getinfo(c->easy, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr != 0) {
      snprintf(out, size, "%s", strerror((int)oserr));
      return;
    }
    break;
  case CURLE_OPERATION_TIMEDOUT:
    snprintf(out, size, "Operation timed out after %ld milliseconds", c->timeout_ms);
    return;
  case CURLE_PARTIAL_FILE: /* "transfer closed with N bytes remaining" */
    snprintf(out, size, "%s", curl_easy_strerror(code));
    return;
  default:
    break;
  }
  snprintf(out, size, "%s", c->errbuf[0] ? c->errbuf : curl_easy_strerror(code));
}

/* The phases of a finished transfer from curl's microsecond timers, which
 * count from the start of the transfer: name lookup, connect and TLS end,
 * first byte.  A reused connection reports its lookup and connect as 0. */
static void transfer_timing(CURL *easy, crowd_timing *t)
{
  curl_off_t dns = 0, conn = 0, app = 0, first = 0;
  t->valid = curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &dns) == CURLE_OK &&
             curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &conn) == CURLE_OK &&
             curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &app) == CURLE_OK &&
             curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &first) == CURLE_OK;
  if (!t->valid)
    return;
  t->us[CROWD_PHASE_DNS] = dns > 0 ? (uint64_t)dns : 0;
  t->us[CROWD_PHASE_CONNECT] = conn > dns ? (uint64_t)(conn - dns) : 0;
  t->us[CROWD_PHASE_TLS] = app > conn ? (uint64_t)(app - conn) : 0;
  t->us[CROWD_PHASE_TTFB] = first > 0 ? (uint64_t)first : 0;
}

static void hnd_return(curl_hnd *h);

static void transfer_done(curl_engine *e, CURL *easy, CURLcode code)
{
  curl_hnd *c = NULL;
  if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&c) != CURLE_OK || c == NULL)
    return;
  crowd_request *req = c->req;
  uint64_t now = crowd_clock_us();
  if (req) {
    req->response_us = now > c->t0 ? now - c->t0 : 0;
    req->status = 0;
    if (code == CURLE_OK) {
      long status = 0;
      if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
        req->status = status;
      req->error[0] = '\0';
      transfer_timing(easy, &req->timing);
      curl_off_t got = 0; /* a decoded body: count the bytes as they came */
      if (c->set_decoding && curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &got) == CURLE_OK)
        req->content_length = (uint64_t)got;
    } else {
      transfer_error(c, code, req->error, sizeof req->error);
    }
  }
  /* back to the pool before telling the user: its next request may take
   * this handle again */
  curl_multi_remove_handle(e->multi, easy);
  hnd_return(c);
  if (req)
    crowd_request_done(req);
}

static void check_multi_info(curl_engine *e)
{
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(e->multi, &left)) != NULL) {
    if (msg->msg == CURLMSG_DONE)
      transfer_done(e, msg->easy_handle, msg->data.result);
  }
}

/* ---- engine ------------------------------------------------------------------------ */

static void *engine_new(struct ev_loop *loop)
{
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return NULL;
  curl_engine *e = calloc(1, sizeof *e);
  if (e == NULL) {
    curl_global_cleanup();
    return NULL;
  }
  e->loop = loop;
  e->multi = curl_multi_init();
  if (e->multi == NULL) {
    free(e);
    curl_global_cleanup();
    return NULL;
  }
  ev_timer_init(&e->timer, timer_cb, 0., 0.);
  e->timer.data = e;
  ev_prepare_init(&e->kick, kick_cb);
  e->kick.data = e;
  ev_prepare_start(loop, &e->kick);
  ev_unref(loop); /* the kick alone does not keep the loop running */
  curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
  curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
  curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
  return e;
}

static void hnd_free(curl_hnd *h);

static void engine_free(void *engine)
{
  curl_engine *e = engine;
  if (e == NULL)
    return;
  for (int i = 0; i < 2; i++) {
    while (e->idle[i]) {
      curl_hnd *h = e->idle[i];
      e->idle[i] = h->next;
      hnd_free(h);
    }
  }
  ev_ref(e->loop);
  ev_prepare_stop(e->loop, &e->kick);
  ev_timer_stop(e->loop, &e->timer);
  curl_multi_cleanup(e->multi);
  while (e->socks)
    sock_free(e, e->socks);
  free(e);
  curl_global_cleanup();
}

/* ---- connections -------------------------------------------------------------------- */

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  curl_hnd *c = userdata;
  size_t n = size * nmemb;
  if (c->req) {
    c->req->content_length += n; /* counted, then discarded... */
    if (c->req->keep_response)   /* ...unless a check or a save reads it */
      crowd_request_keep_body(c->req, ptr, n);
  }
  return n;
}

/* CURLOPT_HEADERFUNCTION: keep "Name: value" lines for a response block.
 * A status line starts a new response (a redirect, a 100 Continue): only
 * the last response's headers and body are kept. */
static size_t header_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
  curl_hnd *c = userdata;
  size_t n = size * nitems;
  crowd_request *req = c->req;
  if (req == NULL || !req->keep_response)
    return n;
  size_t len = n;
  while (len > 0 && (buf[len - 1] == '\r' || buf[len - 1] == '\n'))
    len--;
  if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
    crowd_buf_reset(&req->resp_headers);
    crowd_buf_reset(&req->resp_body);
    req->nresp_headers = 0;
    req->resp_truncated = 0;
    return n;
  }
  const char *colon = memchr(buf, ':', len);
  if (colon == NULL || colon == buf)
    return n; /* the blank line that ends the headers, or junk */
  const char *v = colon + 1, *end = buf + len;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  crowd_buf *h = &req->resp_headers;
  size_t mark = h->len;
  int rc = crowd_buf_add(h, buf, (size_t)(colon - buf));
  rc |= crowd_buf_add(h, ": ", 2);
  rc |= crowd_buf_add(h, v, (size_t)(end - v));
  rc |= crowd_buf_addc(h, '\0');
  if (rc == 0) {
    req->nresp_headers++;
  } else if (h->p) { /* out of memory: drop the partial line */
    h->len = mark;
    h->p[mark] = '\0';
  }
  return n;
}

/* ---- the pool of easy handles ------------------------------------------------------------ */

static curl_hnd *hnd_new(curl_engine *e, int sessions)
{
  curl_hnd *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->engine = e;
  c->set_method = -1;
  c->sessions = sessions;
  c->easy = curl_easy_init();
  c->curlu = curl_url();
  if (c->easy == NULL || c->curlu == NULL) {
    curl_easy_cleanup(c->easy);
    curl_url_cleanup(c->curlu);
    free(c);
    return NULL;
  }
  CURL *h = c->easy;
  curl_easy_setopt(h, CURLOPT_PRIVATE, (char *)c);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  /* no proxy, and no *_proxy / no_proxy environment lookups per transfer */
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
  /* TLS sessions only from a share: libcurl 7.88 gives a handle its own
   * cache at its first transfer without one and loses it (a leak) when a
   * share with sessions replaces it, so a handle serves users of one kind
   * only, and one without sessions resumes none (its own cache would hand
   * one user's session to the next borrower). */
  if (!sessions)
    curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  /* the cookie engine: apply_cookies; the header callback and the
   * decoders: apply_keep; the User-Agent: build_headers */
  /* Locust's HttpUser (python-requests) follows redirects, up to 30 */
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 30L);
  /* HTTP/1.1 unless :http2 (apply_flags): libcurl would otherwise take
   * HTTP/2 by ALPN on https, which python-requests never does */
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  return c;
}

static void hnd_free(curl_hnd *c)
{
  curl_easy_cleanup(c->easy);
  curl_slist_free_all(c->headers);
  curl_url_cleanup(c->curlu); /* after the easy handle that pointed to it */
  crowd_buf_free(&c->set_url);
  crowd_buf_free(&c->set_hdrs);
  free(c);
}

/* The cookie engine on with the share's jar, or off: a handle that served
 * a user with cookies reads no jar for one without (the jar it used is the
 * share's, detached on return; with a file list, libcurl 7.88 would start
 * a jar of the handle's own, which the next borrower would read). */
static void apply_cookies(curl_hnd *c, unsigned shares)
{
  int cookies = (shares & SHARES_COOKIES) != 0;
  if (cookies != c->cookies_on) {
    curl_easy_setopt(c->easy, CURLOPT_COOKIEFILE, cookies ? "" : (char *)NULL);
    c->cookies_on = cookies;
  }
}

/* An easy handle for u's next request, with u's share; NULL when out of
 * memory. */
static curl_hnd *hnd_borrow(curl_conn *u)
{
  curl_engine *e = u->engine;
  int kind = (u->shares & SHARES_SESSIONS) != 0;
  curl_hnd *c = e->idle[kind];
  if (c) {
    e->idle[kind] = c->next;
    e->nidle[kind]--;
  } else if ((c = hnd_new(e, kind)) == NULL) {
    return NULL;
  }
  c->next = NULL;
  apply_cookies(c, u->shares); /* before the share: no jar is touched */
  if (curl_easy_setopt(c->easy, CURLOPT_SHARE, u->share) != CURLE_OK) {
    hnd_free(c);
    return NULL;
  }
  c->user = u;
  u->hnd = c;
  if (++e->nlent > e->peak)
    e->peak = e->nlent;
  return c;
}

/* Detach the handle from its user's share and keep it, or free it when the
 * pool has enough idle ones. */
static void hnd_return(curl_hnd *c)
{
  curl_engine *e = c->engine;
  curl_easy_setopt(c->easy, CURLOPT_SHARE, (CURLSH *)NULL);
  if (c->user)
    c->user->hnd = NULL;
  c->user = NULL;
  c->req = NULL;
  e->nlent--;
  ev_tstamp now = ev_now(e->loop);
  if (now >= e->window_end) {
    e->peak_prev = e->peak;
    e->peak = e->nlent;
    e->window_end = now + POOL_WINDOW_S;
  }
  int keep = (e->peak > e->peak_prev ? e->peak : e->peak_prev) + POOL_SPARE;
  if (e->nlent + e->nidle[0] + e->nidle[1] >= keep) {
    hnd_free(c);
    return;
  }
  c->next = e->idle[c->sessions];
  e->idle[c->sessions] = c;
  e->nidle[c->sessions]++;
}

/* ---- connections (users) ------------------------------------------------------------------- */

static void *conn_new(void *engine)
{
  curl_conn *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->engine = engine;
  c->share = curl_share_init();
  /* The user's own connection cache: no lock functions, one thread. */
  if (c->share == NULL || curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
    curl_share_cleanup(c->share);
    free(c);
    return NULL;
  }
  /* curl's limit on a connection cache is 4 connections per handle *added*
   * to the multi handle: users that wait between tasks are not added, so
   * without this it could close their idle keep-alive connections. */
  c->engine->nconns++;
  curl_multi_setopt(c->engine->multi, CURLMOPT_MAXCONNECTS, c->engine->nconns);
  return c;
}

static void conn_cancel(void *conn)
{
  curl_conn *c = conn;
  if (c == NULL || c->hnd == NULL)
    return;
  curl_multi_remove_handle(c->engine->multi, c->hnd->easy);
  hnd_return(c->hnd);
}

static void conn_free(void *conn)
{
  curl_conn *c = conn;
  if (c == NULL)
    return;
  conn_cancel(c);
  c->engine->nconns--;
  /* after the handle's return: a share in use refuses to go (CURLSHE_IN_USE) */
  if (curl_share_cleanup(c->share) != CURLSHE_OK)
    crowd_log(CROWD_LOG_WARNING, "crowd.http", "a connection cache could not be freed");
  free(c);
}

/* What u's share must hold for req, added before a handle is attached (a
 * share in use takes no new data); -1 when curl refuses (out of memory). */
static int share_for(curl_conn *u, const crowd_request *req)
{
  if (!(req->flags & CROWD_REQ_NO_COOKIES) && !(u->shares & SHARES_COOKIES)) {
    if (curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) != CURLSHE_OK)
      return -1;
    u->shares |= SHARES_COOKIES;
  }
  const char *url = req->url.p ? req->url.p : "";
  if (!(u->shares & SHARES_SESSIONS) && strncasecmp(url, "https:", 6) == 0) {
    if (curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
      return -1;
    u->shares |= SHARES_SESSIONS;
  }
  return 0;
}

/* Append to c->headers; -1 when out of memory. */
static int add_header(curl_hnd *c, const char *h)
{
  struct curl_slist *l = curl_slist_append(c->headers, h);
  if (l == NULL)
    return -1;
  c->headers = l;
  return 0;
}

static int has_header(const crowd_request *req, const char *name)
{
  size_t n = strlen(name);
  const char *p = req->headers.p;
  for (int i = 0; i < req->nheaders && p; i++) {
    if (strncasecmp(p, name, n) == 0 && p[n] == ':')
      return 1;
    p += strlen(p) + 1;
  }
  return 0;
}

/* The request's headers, plus Content-Type and the removal of curl's
 * defaults a load test does not want. */
static int build_headers(curl_hnd *c, const crowd_request *req, int with_body)
{
  char line[512];
  crowd_buf_reset(&c->set_hdrs); /* unknown until the list is complete */
  c->set_method = -1;
  curl_slist_free_all(c->headers);
  c->headers = NULL;
  const char *p = req->headers.p;
  for (int i = 0; i < req->nheaders && p; i++) {
    const char *colon = strchr(p, ':');
    if (colon && colon[1] == ' ' && colon[2] == '\0') {
      /* "Key: " with an empty value: curl sends it only as "Key;" */
      snprintf(line, sizeof line, "%.*s;", (int)(colon - p), p);
      if (add_header(c, line) != 0)
        return -1;
    } else if (add_header(c, p) != 0) {
      return -1;
    }
    p += strlen(p) + 1;
  }
  if (with_body && !has_header(req, "Content-Type")) {
    if (req->content_type) {
      snprintf(line, sizeof line, "Content-Type: %s", req->content_type);
      if (add_header(c, line) != 0)
        return -1;
    } else if (add_header(c, "Content-Type:") != 0) { /* no default form type */
      return -1;
    }
  }
  if (with_body && !has_header(req, "Expect") && add_header(c, "Expect:") != 0)
    return -1;
  if (!has_header(req, "Accept-Encoding") && add_header(c, "Accept-Encoding:") != 0)
    return -1;
  /* a header of the list rather than CURLOPT_USERAGENT, which curl formats
   * anew for every transfer */
  if (!has_header(req, "User-Agent") && add_header(c, "User-Agent: " CROWD_CURL_AGENT) != 0)
    return -1;
  return 0;
}

/* The header list built last time serves this request too. */
static int same_headers(const curl_hnd *c, const crowd_request *req, int with_body)
{
  if (c->set_method < 0 || (c->set_method >= 16) != (with_body != 0) ||
      c->set_ctype != req->content_type || c->set_hdrs.len != req->headers.len)
    return 0;
  return req->headers.len == 0 || memcmp(c->set_hdrs.p, req->headers.p, req->headers.len) == 0;
}

/* The URL, only when it changed.  libcurl 7.88 parses a CURLOPT_URL string
 * anew for every transfer (and formats it back); a CURLU handle it only
 * copies, which saves about a sixth of its work per request.  The parse
 * uses the flags curl gives a CURLOPT_URL; a URL it rejects goes to curl as
 * a string, so the request fails with curl's own error. */
static void set_url(curl_hnd *c, const char *url)
{
  size_t len = strlen(url);
  if (c->set_url.p && c->set_url.len == len && memcmp(c->set_url.p, url, len) == 0)
    return;
  CURLUcode uc = curl_url_set(c->curlu, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME);
  if (uc == CURLUE_OK) {
    if (!c->curlu_on)
      curl_easy_setopt(c->easy, CURLOPT_CURLU, c->curlu);
    c->curlu_on = 1;
    /* curl keeps its text of the URL (retries, redirects) from the last
     * CURLOPT_URL: none, so that it takes it from the new CURLU */
    curl_easy_setopt(c->easy, CURLOPT_URL, (char *)NULL);
  } else {
    if (c->curlu_on)
      curl_easy_setopt(c->easy, CURLOPT_CURLU, (CURLU *)NULL);
    c->curlu_on = 0;
    curl_easy_setopt(c->easy, CURLOPT_URL, url);
  }
  crowd_buf_reset(&c->set_url);
  if (crowd_buf_add(&c->set_url, url, len) != 0)
    crowd_buf_reset(&c->set_url); /* out of memory: set it again next time */
}

static void fail_now(curl_conn *u, crowd_request *req, const char *msg)
{
  req->status = 0;
  req->response_us = 0;
  snprintf(req->error, sizeof req->error, "%s", msg);
  if (u->hnd)
    hnd_return(u->hnd);
  crowd_request_done(req);
}

/* :redirects, :verify and :http2, only when they change (:cookies:
 * share_for, apply_cookies). */
static void apply_flags(curl_hnd *c, unsigned flags)
{
  CURL *h = c->easy;
  unsigned changed = flags ^ c->set_flags;
  if (changed & CROWD_REQ_NO_REDIRECTS)
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, (flags & CROWD_REQ_NO_REDIRECTS) ? 0L : 1L);
  if (changed & CROWD_REQ_NO_VERIFY) {
    long on = (flags & CROWD_REQ_NO_VERIFY) ? 0L : 1L;
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, on);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, on ? 2L : 0L);
  }
  if (changed & CROWD_REQ_HTTP2)
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                     (flags & CROWD_REQ_HTTP2) ? (long)CURL_HTTP_VERSION_2_0 : (long)CURL_HTTP_VERSION_1_1);
  c->set_flags = flags;
}

/* The user's client certificate and key (client_cert.h), from the bytes
 * read at start: curl reads no file. */
static void apply_cert(curl_hnd *c, const crowd_cert *cert)
{
  struct curl_blob cb = { 0 }, kb = { 0 };
  if (cert) {
    cb = (struct curl_blob){ .data = cert->cert_pem, .len = cert->cert_len, .flags = CURL_BLOB_NOCOPY };
    kb = (struct curl_blob){ .data = cert->key_pem, .len = cert->key_len, .flags = CURL_BLOB_NOCOPY };
  }
  curl_easy_setopt(c->easy, CURLOPT_SSLCERT_BLOB, cert ? &cb : NULL);
  curl_easy_setopt(c->easy, CURLOPT_SSLKEY_BLOB, cert ? &kb : NULL);
  c->set_cert = cert;
}

/* A request whose response is kept (a check or a save reads it) gets its
 * headers (header_cb) and its body decoded, in every encoding curl knows
 * (CURLOPT_ACCEPT_ENCODING ""; build_headers removes the Accept-Encoding
 * this would send, so nothing is advertised unless the scenario says so).
 * Any other has no header callback and no decoder at all. */
static void apply_keep(curl_hnd *c, int keep)
{
  CURL *h = c->easy;
  c->set_decoding = keep;
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, keep ? "" : (char *)NULL);
  curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, (long)keep);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, keep ? header_cb : NULL);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, keep ? (void *)c : NULL);
}

static int conn_start(void *conn, crowd_request *req)
{
  curl_conn *u = conn;
  if (u->hnd)
    conn_cancel(u); /* never two transfers for one user */

  int with_body = req->body.len > 0 || req->method == CROWD_POST || req->method == CROWD_PUT ||
                  req->method == CROWD_PATCH;
  req->status = 0;
  req->content_length = 0;
  req->timing.valid = false;
  req->error[0] = '\0';
  if (share_for(u, req) != 0) {
    fail_now(u, req, "out of memory for the user's share");
    return -1;
  }
  curl_hnd *c = hnd_borrow(u);
  if (c == NULL) {
    fail_now(u, req, "out of memory for an easy handle");
    return -1;
  }
  CURL *h = c->easy;
  c->errbuf[0] = '\0';
  if (!same_headers(c, req, with_body)) {
    if (build_headers(c, req, with_body) != 0 ||
        crowd_buf_add(&c->set_hdrs, req->headers.p ? req->headers.p : "", req->headers.len) != 0) {
      crowd_buf_reset(&c->set_hdrs);
      fail_now(u, req, "out of memory building the headers");
      return -1;
    }
    c->set_ctype = req->content_type;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
  }
  set_url(c, req->url.p ? req->url.p : "");
  apply_flags(c, req->flags);
  if (req->cert != c->set_cert)
    apply_cert(c, req->cert);
  if (c->set_decoding != (req->keep_response != 0))
    apply_keep(c, req->keep_response != 0);

  int method = (int)req->method + with_body * 16;
  if (method != c->set_method) {
    /* reset the method left by the previous request, then set this one */
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, (char *)NULL);
    if (req->method == CROWD_HEAD)
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (req->method != CROWD_GET && req->method != CROWD_POST)
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, crowd_method_name(req->method));
    c->set_method = method;
  }
  if (with_body && req->method != CROWD_HEAD) {
    /* the body may have moved or changed: always (two cheap setopts) */
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body.p ? req->body.p : "");
  }
  long timeout_ms = req->timeout > 0 ? (long)(req->timeout * 1000.0 + 0.5) : DEFAULT_TIMEOUT_MS;
  if (timeout_ms <= 0)
    timeout_ms = 1;
  if (timeout_ms != c->timeout_ms) {
    c->timeout_ms = timeout_ms;
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  }

  c->req = req;
  c->t0 = crowd_clock_us();
  CURLMcode rc = curl_multi_add_handle(c->engine->multi, h);
  if (rc != CURLM_OK) {
    fail_now(u, req, curl_multi_strerror(rc));
    return -1;
  }
  return 0;
}

const crowd_client_ops crowd_client_curl = {
  .name = "http",
  .engine_new = engine_new,
  .engine_free = engine_free,
  .conn_new = conn_new,
  .conn_free = conn_free,
  .start = conn_start,
  .cancel = conn_cancel,
};
