#include "config.h"

/* The "fast" client: Locust's FastHttpUser done in C.  HTTP/1.1 with
 * keep-alive on plain non-blocking sockets driven by libev, one connection
 * per user, responses parsed by libhttp-parser (fast_parse.c), TLS through
 * OpenSSL, a cookie jar per user (fast_cookie.c) and redirects followed as
 * browsers do (up to MAX_REDIRECTS; 303, and 301/302 after a POST, become a
 * GET).  No HTTP/2, proxies or auth schemes: those are the `http` client's
 * (libcurl), and crowdc refuses them on `fast`.
 *
 * A connection is a small state machine (CLOSED, CONNECTING, HANDSHAKE,
 * WRITING, READING, IDLE) with one ev_io and one ev_timer.  A connected
 * socket is always watched for reading (so a server closing an idle
 * connection is noticed), and for writing only while a write would block:
 * in the steady state a request costs one send() and one or two recv(), and
 * no epoll_ctl.  Reads go to one buffer per engine: the parser keeps its own
 * state between reads, so nothing needs to stay in a per-connection buffer.
 *
 * Response time: from conn_start, i.e. from the moment the request is
 * written on a kept-alive connection, or from the start of connect (and the
 * TLS handshake) on a new one, as Locust's FastHttpUser counts it; to the
 * end of the body; redirects followed are part of it, as with libcurl.
 *
 * Ownership: the engine owns the read buffer, the DNS cache and the SSL_CTX;
 * a connection owns its socket, SSL, watchers and buffers (freed by
 * conn_free), and borrows the user's crowd_request while it is in flight.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "client.h"
#include "client_cert.h"
#include "clock.h"
#include "fast_cookie.h"
#include "fast_parse.h"
#include "log.h"
#include "request.h"

#define DEFAULT_TIMEOUT_MS 60000L
#define READ_BUF_SIZE 65536
#define MAX_REDIRECTS 30 /* as the http client (libcurl) and python-requests */

static const char ua_line[] = "User-Agent: crowd/" PACKAGE_VERSION "\r\n";

/* One resolved host:port.  Looked up once per engine with getaddrinfo, which
 * blocks the loop at the first use of each host (a load test has a handful,
 * and numeric hosts do not block). */
typedef struct fast_host {
  struct fast_host *next;
  unsigned port;
  struct addrinfo *ai; /* NULL when the lookup failed */
  int gai_err;
  int is_ip;           /* a literal address: no SNI, the certificate names the IP */
  char name[];
} fast_host;

typedef struct fast_engine {
  struct ev_loop *loop;
  SSL_CTX *ssl_ctx;    /* made at the first https connection */
  fast_host *hosts;
  char rbuf[READ_BUF_SIZE];
} fast_engine;

typedef enum fast_state {
  FC_CLOSED = 0, FC_CONNECTING, FC_HANDSHAKE, FC_WRITING, FC_READING, FC_IDLE
} fast_state;

typedef struct fast_conn {
  fast_engine *e;
  crowd_request *req;       /* the request in flight, or NULL */
  fast_state state;
  int fd;
  int events;               /* what io watches; 0 when stopped */
  ev_io io;
  ev_timer timer;
  SSL *ssl;
  fast_host *host;          /* of the open connection */
  const struct addrinfo *ai; /* the address being tried */
  crowd_buf origin;         /* "http://host:port" of the open connection */
  crowd_buf host_line;      /* "Host: host:port\r\n" for it */
  crowd_buf out;            /* the request's bytes */
  size_t out_off;           /* how many are written */
  crowd_fast_resp resp;
  uint64_t t0;              /* monotonic us at conn_start */
  /* the request's phases (measure.h): the lookup's duration, then
   * monotonic us at the start of connect, its end, the end of the TLS
   * handshake and the first response byte (0: not in this request) */
  uint64_t dns_us, t_connect, t_connected, t_tls, t_first;
  long timeout_ms;
  unsigned served;          /* responses read on this socket */
  crowd_fast_jar jar;       /* the user's cookies */
  /* The hop being sent: the request's own URL and method, or a redirect's.
   * hop_url holds a redirect's absolute URL (hop_tmp: scratch to build the
   * next one), cur_* point at the URL of the hop in flight. */
  crowd_buf hop_url, hop_tmp, scratch;
  const char *cur_url;
  size_t cur_len, cur_path_start;
  crowd_method hop_method;
  unsigned hops;            /* redirects followed for this request */
  unsigned hop_nobody : 1;  /* the hop drops the request's body (turned into a GET) */
  unsigned hop_cross : 1;   /* the hop left the request's origin: no Authorization */
  unsigned tls : 1;
  unsigned retried : 1;     /* the request was resent once on a new socket */
  unsigned close_after : 1; /* the request asked for Connection: close */
} fast_conn;

static void conn_connect(fast_conn *c);
static void conn_write(fast_conn *c);
static int conn_follow(fast_conn *c);

/* ---- URLs --------------------------------------------------------------------- */

typedef struct fast_url {
  int tls;
  const char *host, *auth; /* host without brackets; authority without userinfo */
  size_t hostlen, authlen;
  unsigned port;
} fast_url;

/* The origin part of url (up to path_start); 0, or -1 with err set. */
static int url_parse(const char *url, size_t len, size_t path_start, fast_url *u, char *err, size_t errsize)
{
  const char *p = url ? url : "";
  const char *end = p + (path_start <= len ? path_start : len);
  const char *s;
  if ((size_t)(end - p) >= 7 && strncasecmp(p, "http://", 7) == 0) {
    u->tls = 0;
    s = p + 7;
  } else if ((size_t)(end - p) >= 8 && strncasecmp(p, "https://", 8) == 0) {
    u->tls = 1;
    s = p + 8;
  } else {
    snprintf(err, errsize, "unsupported URL scheme (the fast client speaks http and https)");
    return -1;
  }
  const char *at = memrchr(s, '@', (size_t)(end - s));
  if (at)
    s = at + 1;
  u->auth = s;
  u->authlen = (size_t)(end - s);
  const char *q;
  if (s < end && *s == '[') {
    const char *close = memchr(s, ']', (size_t)(end - s));
    if (close == NULL)
      goto bad;
    u->host = s + 1;
    u->hostlen = (size_t)(close - s - 1);
    q = close + 1;
  } else {
    const char *colon = memchr(s, ':', (size_t)(end - s));
    q = colon ? colon : end;
    u->host = s;
    u->hostlen = (size_t)(q - s);
  }
  u->port = u->tls ? 443 : 80;
  if (q < end) {
    if (*q != ':')
      goto bad;
    unsigned port = 0;
    for (q++; q < end; q++) {
      if (*q < '0' || *q > '9' || port > 65535)
        goto bad;
      port = port * 10 + (unsigned)(*q - '0');
    }
    if (port > 65535)
      goto bad;
    if (port != 0)
      u->port = port;
  }
  if (u->hostlen == 0 || u->hostlen > 253)
    goto bad;
  return 0;
bad:
  snprintf(err, errsize, "bad URL: cannot read its host and port");
  return -1;
}

/* ---- the engine ------------------------------------------------------------------ */

static fast_host *engine_lookup(fast_engine *e, const fast_url *u)
{
  for (fast_host *h = e->hosts; h; h = h->next)
    if (h->port == u->port && strlen(h->name) == u->hostlen &&
        memcmp(h->name, u->host, u->hostlen) == 0)
      return h;
  fast_host *h = calloc(1, sizeof *h + u->hostlen + 1);
  if (h == NULL)
    return NULL;
  memcpy(h->name, u->host, u->hostlen);
  h->port = u->port;
  unsigned char addr[sizeof(struct in6_addr)];
  h->is_ip = inet_pton(AF_INET, h->name, addr) == 1 || inet_pton(AF_INET6, h->name, addr) == 1;
  char port[8];
  snprintf(port, sizeof port, "%u", u->port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (h->is_ip ? AI_NUMERICHOST : 0);
  h->gai_err = getaddrinfo(h->name, port, &hints, &h->ai);
  if (h->gai_err != 0)
    h->ai = NULL; /* kept, so a bad name is not looked up again and again */
  h->next = e->hosts;
  e->hosts = h;
  return h;
}

static SSL_CTX *engine_ssl_ctx(fast_engine *e)
{
  if (e->ssl_ctx)
    return e->ssl_ctx;
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL)
    return NULL;
  /* verify peers against the system's CA store (SSL_CERT_FILE/SSL_CERT_DIR
   * override it, as for every OpenSSL program) */
  if (SSL_CTX_set_default_verify_paths(ctx) != 1)
    crowd_log(CROWD_LOG_WARNING, "crowd.fast", "could not load the system's CA certificates");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  /* partial writes from a buffer that may move as it grows; idle connections
   * give their buffers back */
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  e->ssl_ctx = ctx;
  return ctx;
}

static void *engine_new(struct ev_loop *loop)
{
  fast_engine *e = calloc(1, sizeof *e);
  if (e == NULL)
    return NULL;
  e->loop = loop;
  /* OpenSSL writes with write(): a peer's reset must not kill the process */
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
      signal(SIGPIPE, SIG_IGN) == SIG_ERR)
    crowd_log(CROWD_LOG_WARNING, "crowd.fast", "could not ignore SIGPIPE: %s", strerror(errno));
  return e;
}

static void engine_free(void *engine)
{
  fast_engine *e = engine;
  if (e == NULL)
    return;
  while (e->hosts) {
    fast_host *h = e->hosts;
    e->hosts = h->next;
    if (h->ai)
      freeaddrinfo(h->ai);
    free(h);
  }
  SSL_CTX_free(e->ssl_ctx);
  free(e);
}

/* ---- socket plumbing --------------------------------------------------------------- */

static void conn_watch(fast_conn *c, int events)
{
  if (c->events == events)
    return;
  ev_io_stop(c->e->loop, &c->io);
  if (events) {
    ev_io_set(&c->io, c->fd, events);
    ev_io_start(c->e->loop, &c->io);
  }
  c->events = events;
}

static void conn_close(fast_conn *c)
{
  conn_watch(c, 0);
  if (c->ssl) {
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  if (c->fd >= 0 && close(c->fd) != 0)
    crowd_log(CROWD_LOG_DEBUG, "crowd.fast", "close: %s", strerror(errno));
  c->fd = -1;
  c->state = FC_CLOSED;
  c->served = 0;
}

/* The end of the request in flight: ok keeps the connection when the
 * response allows it.  Nothing may touch c's request after this: the user
 * may start its next request on c from inside crowd_request_done. */
/* The phases the connection saw, as durations (measure.h). */
static void conn_timing(const fast_conn *c, crowd_timing *t)
{
  t->valid = c->t_first != 0;
  t->us[CROWD_PHASE_DNS] = c->dns_us;
  t->us[CROWD_PHASE_CONNECT] = c->t_connected > c->t_connect ? c->t_connected - c->t_connect : 0;
  t->us[CROWD_PHASE_TLS] = c->t_tls > c->t_connected && c->t_connected ? c->t_tls - c->t_connected : 0;
  t->us[CROWD_PHASE_TTFB] = c->t_first > c->t0 ? c->t_first - c->t0 : 0;
}

/* The socket after a complete response: kept idle when it may be reused. */
static void conn_release(fast_conn *c)
{
  if (c->resp.keep_alive && !c->close_after && c->out_off == c->out.len) {
    c->served++;
    c->state = FC_IDLE;
    conn_watch(c, EV_READ);
  } else {
    conn_close(c);
  }
}

static void conn_complete(fast_conn *c, int ok)
{
  if (ok && c->resp.track && conn_follow(c))
    return; /* a redirect is on its way, or the request has failed */
  crowd_request *req = c->req;
  uint64_t now = crowd_clock_us();
  ev_timer_stop(c->e->loop, &c->timer);
  c->req = NULL;
  c->retried = 0;
  req->response_us = now > c->t0 ? now - c->t0 : 0;
  if (ok)
    conn_timing(c, &req->timing);
  if (!ok)
    req->status = 0;
  if (ok)
    conn_release(c);
  else
    conn_close(c);
  crowd_request_done(req);
}

static void conn_fail(fast_conn *c, const char *msg)
{
  if (msg)
    snprintf(c->req->error, sizeof c->req->error, "%s", msg);
  conn_complete(c, 0);
}

static void conn_fail_errno(fast_conn *c, int err)
{
  conn_fail(c, strerror(err));
}

/* A kept-alive socket the server had closed before it saw the request: send
 * it again, once, on a new socket (as browsers and curl do). */
static int conn_retry(fast_conn *c)
{
  if (c->served == 0 || c->retried || c->resp.received > 0)
    return 0;
  conn_close(c);
  c->retried = 1;
  c->out_off = 0;
  c->req->error[0] = '\0';
  int track = c->resp.track;
  crowd_fast_resp_begin(&c->resp, c->req, c->hop_method == CROWD_HEAD);
  c->resp.track = track;
  conn_connect(c);
  return 1;
}

/* Why a TLS operation failed, in words that group well. */
static void tls_error(fast_conn *c, int sslerr, int err)
{
  char msg[200];
  long v = c->ssl && SSL_get_verify_mode(c->ssl) != SSL_VERIFY_NONE ? SSL_get_verify_result(c->ssl) : X509_V_OK;
  unsigned long e = ERR_peek_last_error();
  if (v != X509_V_OK) {
    snprintf(msg, sizeof msg, "SSL certificate problem: %s", X509_verify_cert_error_string(v));
  } else if (e != 0) {
    const char *why = ERR_reason_error_string(e);
    snprintf(msg, sizeof msg, "TLS error: %s", why ? why : "unknown");
  } else if (sslerr == SSL_ERROR_SYSCALL && err != 0) {
    snprintf(msg, sizeof msg, "%s", strerror(err));
  } else if (sslerr == SSL_ERROR_ZERO_RETURN || sslerr == SSL_ERROR_SYSCALL) {
    snprintf(msg, sizeof msg, "Server closed the connection");
  } else {
    snprintf(msg, sizeof msg, "TLS error %d", sslerr);
  }
  ERR_clear_error();
  conn_fail(c, msg);
}

/* ---- connecting ------------------------------------------------------------------------ */

static void conn_handshake(fast_conn *c)
{
  ERR_clear_error();
  int rc = SSL_connect(c->ssl);
  if (rc == 1) {
    c->t_tls = crowd_clock_us();
    c->state = FC_WRITING;
    conn_watch(c, EV_READ);
    conn_write(c);
    return;
  }
  int err = errno;
  int se = SSL_get_error(c->ssl, rc);
  if (se == SSL_ERROR_WANT_READ)
    conn_watch(c, EV_READ);
  else if (se == SSL_ERROR_WANT_WRITE)
    conn_watch(c, EV_WRITE);
  else
    tls_error(c, se, err);
}

static void conn_start_tls(fast_conn *c)
{
  SSL_CTX *ctx = engine_ssl_ctx(c->e);
  c->ssl = ctx ? SSL_new(ctx) : NULL;
  if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
    ERR_clear_error();
    conn_fail(c, "TLS error: cannot set up the connection");
    return;
  }
  const char *name = c->host->name;
  int ok;
  if (c->host->is_ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name) == 1;
  } else {
    ok = SSL_set_tlsext_host_name(c->ssl, name) == 1 && SSL_set1_host(c->ssl, name) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    conn_fail(c, "TLS error: cannot set the server's name");
    return;
  }
  if (c->req && (c->req->flags & CROWD_REQ_NO_VERIFY)) /* :verify false */
    SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
  if (c->req && c->req->cert && crowd_cert_use(c->req->cert, c->ssl) != 0) { /* :client-cert */
    ERR_clear_error();
    conn_fail(c, "TLS error: cannot use the client certificate");
    return;
  }
  c->state = FC_HANDSHAKE;
  conn_handshake(c);
}

static void conn_connected(fast_conn *c)
{
  c->t_connected = crowd_clock_us();
  if (c->tls) {
    conn_start_tls(c);
    return;
  }
  c->state = FC_WRITING;
  conn_watch(c, EV_READ);
  conn_write(c);
}

/* Try c->ai and the addresses after it until one connects or is in progress. */
static void conn_connect_ai(fast_conn *c)
{
  int err = ECONNREFUSED;
  for (; c->ai; c->ai = c->ai->ai_next) {
    const struct addrinfo *ai = c->ai;
    c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
      crowd_log(CROWD_LOG_DEBUG, "crowd.fast", "TCP_NODELAY: %s", strerror(errno));
    if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      conn_connected(c);
      return;
    }
    if (errno == EINPROGRESS) {
      c->state = FC_CONNECTING;
      conn_watch(c, EV_WRITE);
      return;
    }
    err = errno;
    conn_close(c);
  }
  conn_fail_errno(c, err);
}

/* A new socket to the request's origin (c->host, set by conn_start). */
static void conn_connect(fast_conn *c)
{
  if (c->host->ai == NULL) {
    snprintf(c->req->error, sizeof c->req->error, "Could not resolve host: %.200s", c->host->name);
    conn_fail(c, NULL);
    return;
  }
  c->ai = c->host->ai;
  c->t_connect = crowd_clock_us();
  conn_connect_ai(c);
}

static void conn_connect_done(fast_conn *c)
{
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err == 0) {
    conn_connected(c);
    return;
  }
  conn_close(c);
  if (c->ai && c->ai->ai_next) { /* e.g. localhost: ::1 refused, 127.0.0.1 next */
    c->ai = c->ai->ai_next;
    conn_connect_ai(c);
    return;
  }
  conn_fail_errno(c, err);
}

/* ---- writing and reading -------------------------------------------------------------- */

static void conn_write(fast_conn *c)
{
  while (c->out_off < c->out.len) {
    const char *p = c->out.p + c->out_off;
    size_t len = c->out.len - c->out_off;
    ssize_t n;
    if (c->ssl) {
      ERR_clear_error();
      int rc = SSL_write(c->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);
      if (rc <= 0) {
        int err = errno;
        int se = SSL_get_error(c->ssl, rc);
        if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
          conn_watch(c, EV_READ | (se == SSL_ERROR_WANT_WRITE ? EV_WRITE : 0));
          return;
        }
        if (!conn_retry(c))
          tls_error(c, se, err);
        return;
      }
      n = rc;
    } else {
      n = send(c->fd, p, len, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          conn_watch(c, EV_READ | EV_WRITE);
          return;
        }
        int err = errno;
        if (!conn_retry(c))
          conn_fail_errno(c, err);
        return;
      }
    }
    c->out_off += (size_t)n;
  }
  c->state = FC_READING;
  conn_watch(c, EV_READ);
}

/* One read: > 0 bytes, 0 end of stream, -1 nothing now, -2 error (*err an
 * errno, or -1 after a TLS error, whose queue is left for tls_error). */
static ssize_t conn_recv(fast_conn *c, char *buf, size_t size, int *err, int *sslerr)
{
  *err = 0;
  *sslerr = 0;
  if (c->ssl) {
    ERR_clear_error();
    int rc = SSL_read(c->ssl, buf, (int)size);
    if (rc > 0)
      return rc;
    int e = errno;
    int se = SSL_get_error(c->ssl, rc);
    if (se == SSL_ERROR_WANT_READ)
      return -1;
    if (se == SSL_ERROR_WANT_WRITE) {
      conn_watch(c, EV_READ | EV_WRITE);
      return -1;
    }
    if (se == SSL_ERROR_ZERO_RETURN || (se == SSL_ERROR_SYSCALL && e == 0 && ERR_peek_error() == 0))
      return 0; /* close_notify, or a close without it */
    *sslerr = se;
    *err = se == SSL_ERROR_SYSCALL ? e : -1;
    return -2;
  }
  for (;;) {
    ssize_t n = recv(c->fd, buf, size, 0);
    if (n >= 0)
      return n;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return -1;
    *err = errno;
    return -2;
  }
}

static void conn_read(fast_conn *c)
{
  char *buf = c->e->rbuf;
  for (;;) {
    int err, sslerr;
    ssize_t n = conn_recv(c, buf, READ_BUF_SIZE, &err, &sslerr);
    if (n == -1)
      return;
    crowd_fast_result r;
    if (n > 0) {
      size_t used;
      if (c->t_first == 0)
        c->t_first = crowd_clock_us();
      r = crowd_fast_resp_feed(&c->resp, buf, (size_t)n, &used);
      if (r == CROWD_FAST_MORE) {
        if (c->ssl || (size_t)n == READ_BUF_SIZE)
          continue; /* TLS may hold decrypted bytes that epoll cannot see */
        return;
      }
      if (r == CROWD_FAST_DONE && used < (size_t)n)
        c->resp.keep_alive = 0; /* more than one response per request: out of step */
    } else if (n == 0) {
      r = crowd_fast_resp_eof(&c->resp);
      if (r == CROWD_FAST_ERROR && conn_retry(c))
        return;
    } else {
      if (c->resp.received == 0 && conn_retry(c))
        return;
      if (err == -1 || c->ssl)
        tls_error(c, sslerr, err);
      else
        conn_fail_errno(c, err);
      return;
    }
    conn_complete(c, r == CROWD_FAST_DONE);
    return;
  }
}

/* Readable while no request is in flight: the server closed the connection
 * (or sent what nobody asked for); either way it is done. */
static void conn_idle_read(fast_conn *c)
{
  int err, sslerr;
  ssize_t n = conn_recv(c, c->e->rbuf, READ_BUF_SIZE, &err, &sslerr);
  if (n == -1)
    return;
  ERR_clear_error();
  conn_close(c);
}

static void conn_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  fast_conn *c = w->data;
  switch (c->state) {
  case FC_CONNECTING:
    conn_connect_done(c);
    break;
  case FC_HANDSHAKE:
    conn_handshake(c);
    break;
  case FC_WRITING:
    /* a write that would block, or an early answer (e.g. 413 and a close) */
    if ((revents & EV_WRITE) || c->ssl)
      conn_write(c);
    else
      conn_read(c);
    break;
  case FC_READING:
    conn_read(c);
    break;
  case FC_IDLE:
    conn_idle_read(c);
    break;
  case FC_CLOSED:
  default:
    conn_watch(c, 0);
    break;
  }
}

static void conn_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  fast_conn *c = w->data;
  if (c->req == NULL)
    return;
  char msg[80];
  snprintf(msg, sizeof msg, "Operation timed out after %ld milliseconds", c->timeout_ms);
  conn_fail(c, msg);
}

/* ---- requests ------------------------------------------------------------------------- */

enum { UH_HOST = 1, UH_UA = 2, UH_CTYPE = 4, UH_CLEN = 8, UH_CLOSE = 16, UH_AUTH = 32, UH_COOKIE = 64 };

/* Which of the headers the client writes itself the scenario set. */
static int header_flags(const char *h, size_t len)
{
#define IS(name) (len >= sizeof name && strncasecmp(h, name, sizeof name - 1) == 0 && \
                  h[sizeof name - 1] == ':')
  switch (h[0] | 0x20) {
  case 'h':
    return IS("Host") ? UH_HOST : 0;
  case 'u':
    return IS("User-Agent") ? UH_UA : 0;
  case 'a':
    return IS("Authorization") ? UH_AUTH : 0;
  case 'c':
    if (IS("Cookie"))
      return UH_COOKIE;
    if (IS("Content-Type"))
      return UH_CTYPE;
    if (IS("Content-Length"))
      return UH_CLEN;
    if (IS("Connection") && strcasestr(h, "close") != NULL)
      return UH_CLOSE;
    return 0;
  default:
    return 0;
  }
#undef IS
}

static int add_uint(crowd_buf *b, uint64_t v)
{
  char tmp[24];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return crowd_buf_add(b, tmp + i, sizeof tmp - i);
}

/* The user's cookies for this hop, "a=1; b=2", into c->scratch: how many. */
static int hop_cookies(fast_conn *c, const char *path, size_t plen)
{
  crowd_buf_reset(&c->scratch);
  if (c->jar.first == NULL || (c->req->flags & CROWD_REQ_NO_COOKIES))
    return 0;
  const char *host = c->host->name;
  int n = crowd_fast_jar_header(&c->jar, &c->scratch, host, strlen(host), path, plen, time(NULL));
  return n > 0 ? n : 0;
}

/* The hop's bytes into c->out (its capacity stays from request to
 * request, but for a big upload's).  0, or -1 when out of memory. */
static int build_request(fast_conn *c, const crowd_request *req)
{
  crowd_buf *b = &c->out;
  const char *method = crowd_method_name(c->hop_method);
  const char *path = c->cur_url + c->cur_path_start;
  size_t plen = c->cur_len > c->cur_path_start ? c->cur_len - c->cur_path_start : 0;
  const char *hash = memchr(path, '#', plen);
  if (hash)
    plen = (size_t)(hash - path);
  int rc = 0;
  if (b->cap > CROWD_BODY_KEEP && req->body.len < CROWD_BODY_KEEP / 2)
    crowd_buf_free(b);
  crowd_buf_reset(b);
  c->out_off = 0;
  rc |= crowd_buf_add(b, method, strlen(method));
  rc |= crowd_buf_addc(b, ' ');
  if (plen == 0 || path[0] != '/')
    rc |= crowd_buf_addc(b, '/');
  rc |= crowd_buf_add(b, path, plen);
  rc |= crowd_buf_add(b, " HTTP/1.1\r\n", 11);
  int ncookies = hop_cookies(c, path, plen);

  int flags = 0;
  const char *h = req->headers.p;
  for (int i = 0; i < req->nheaders && h; i++) {
    size_t len = strlen(h);
    flags |= header_flags(h, len);
    h += len + 1;
  }
  if (!(flags & UH_HOST) || c->hop_cross)
    rc |= crowd_buf_add(b, c->host_line.p, c->host_line.len);
  if (!(flags & UH_UA))
    rc |= crowd_buf_add(b, ua_line, sizeof ua_line - 1);
  h = req->headers.p;
  for (int i = 0; i < req->nheaders && h; i++) {
    size_t len = strlen(h);
    int hf = header_flags(h, len);
    /* the length is the client's to say; another site gets neither the
     * credentials nor the Host header meant for the first */
    if (!(hf & UH_CLEN) && !(c->hop_cross && (hf & (UH_AUTH | UH_HOST)))) {
      rc |= crowd_buf_add(b, h, len);
      if ((hf & UH_COOKIE) && ncookies > 0) { /* the jar's join the scenario's */
        rc |= crowd_buf_add(b, "; ", 2);
        rc |= crowd_buf_add(b, c->scratch.p, c->scratch.len);
        ncookies = 0;
      }
      rc |= crowd_buf_add(b, "\r\n", 2);
    }
    h += len + 1;
  }
  if (ncookies > 0) {
    rc |= crowd_buf_add(b, "Cookie: ", 8);
    rc |= crowd_buf_add(b, c->scratch.p, c->scratch.len);
    rc |= crowd_buf_add(b, "\r\n", 2);
  }
  crowd_method m = c->hop_method;
  int with_body = !c->hop_nobody &&
                  (req->body.len > 0 || m == CROWD_POST || m == CROWD_PUT || m == CROWD_PATCH);
  if (with_body) {
    if (!(flags & UH_CTYPE) && req->content_type) {
      rc |= crowd_buf_add(b, "Content-Type: ", 14);
      rc |= crowd_buf_add(b, req->content_type, strlen(req->content_type));
      rc |= crowd_buf_add(b, "\r\n", 2);
    }
    rc |= crowd_buf_add(b, "Content-Length: ", 16);
    rc |= add_uint(b, req->body.len);
    rc |= crowd_buf_add(b, "\r\n", 2);
  }
  rc |= crowd_buf_add(b, "\r\n", 2);
  if (with_body && req->body.len)
    rc |= crowd_buf_add(b, req->body.p, req->body.len);
  c->close_after = (flags & UH_CLOSE) ? 1 : 0;
  return rc ? -1 : 0;
}

/* Point c at the hop's origin: the open socket when it is the same. */
static int conn_origin(fast_conn *c, const fast_url *u)
{
  size_t olen = c->cur_path_start;
  if (c->state != FC_CLOSED && c->origin.len == olen && memcmp(c->origin.p, c->cur_url, olen) == 0)
    return 0;
  conn_close(c);
  uint64_t t = crowd_clock_us(); /* a lookup blocks; a cached one is free */
  fast_host *host = engine_lookup(c->e, u);
  c->dns_us = crowd_clock_us() - t;
  if (host == NULL)
    return -1;
  c->host = host;
  c->tls = u->tls ? 1 : 0;
  int rc = 0;
  crowd_buf_reset(&c->origin);
  rc |= crowd_buf_add(&c->origin, c->cur_url, olen);
  crowd_buf_reset(&c->host_line);
  rc |= crowd_buf_add(&c->host_line, "Host: ", 6);
  rc |= crowd_buf_add(&c->host_line, u->auth, u->authlen);
  rc |= crowd_buf_add(&c->host_line, "\r\n", 2);
  return rc ? -1 : 0;
}

/* Send the hop c->cur_url: 0, or -1 after failing the request. */
static int conn_send(fast_conn *c)
{
  crowd_request *req = c->req;
  fast_url u;
  char err[96];
  if (url_parse(c->cur_url, c->cur_len, c->cur_path_start, &u, err, sizeof err) != 0) {
    conn_fail(c, err);
    return -1;
  }
  if (conn_origin(c, &u) != 0 || build_request(c, req) != 0) {
    conn_fail(c, "out of memory building the request");
    return -1;
  }
  crowd_fast_resp_begin(&c->resp, req, c->hop_method == CROWD_HEAD);
  c->resp.track = (req->flags & (CROWD_REQ_NO_COOKIES | CROWD_REQ_NO_REDIRECTS)) !=
                  (CROWD_REQ_NO_COOKIES | CROWD_REQ_NO_REDIRECTS);
  c->t_first = 0;
  if (c->state == FC_IDLE) {
    c->state = FC_WRITING;
    conn_write(c);
  } else {
    conn_connect(c);
  }
  return 0;
}

/* Where the path starts in an absolute URL: after "scheme://authority". */
static size_t url_path_start(const char *url, size_t len)
{
  const char *s = memmem(url, len, "://", 3);
  if (s == NULL)
    return len;
  s += 3;
  return (size_t)(s - url) + strcspn(s, "/?#");
}

/* The absolute URL of Location loc, relative to the hop's URL, into
 * c->hop_tmp.  0, or -1 when out of memory. */
static int resolve_location(fast_conn *c, const char *loc, size_t llen)
{
  crowd_buf *b = &c->hop_tmp;
  const char *cur = c->cur_url;
  size_t ps = c->cur_path_start;
  const char *hash = memchr(loc, '#', llen);
  if (hash)
    llen = (size_t)(hash - loc);
  crowd_buf_reset(b);
  int rc = 0;
  const char *colon = memchr(loc, ':', llen);
  if (colon && colon > loc && (size_t)(colon - loc) < llen - 2 && colon[1] == '/' && colon[2] == '/' &&
      memchr(loc, '/', (size_t)(colon - loc)) == NULL) {
    rc |= crowd_buf_add(b, loc, llen); /* absolute */
  } else if (llen >= 2 && loc[0] == '/' && loc[1] == '/') {
    const char *sep = memmem(cur, ps, "//", 2); /* the hop's scheme, then loc */
    rc |= crowd_buf_add(b, cur, sep ? (size_t)(sep - cur) : 0);
    rc |= crowd_buf_add(b, loc, llen);
  } else {
    rc |= crowd_buf_add(b, cur, ps);
    const char *path = cur + ps;
    size_t plen = c->cur_len - ps;
    plen = strcspn(path, "?#") < plen ? strcspn(path, "?#") : plen;
    if (llen > 0 && loc[0] == '/') {
      /* from the root */
    } else if (llen == 0 || loc[0] == '?') {
      rc |= crowd_buf_add(b, plen ? path : "/", plen ? plen : 1);
    } else { /* beside the hop's path */
      const char *slash = plen ? memrchr(path, '/', plen) : NULL;
      if (slash)
        rc |= crowd_buf_add(b, path, (size_t)(slash - path) + 1);
      else
        rc |= crowd_buf_addc(b, '/');
    }
    rc |= crowd_buf_add(b, loc, llen);
  }
  rc |= crowd_buf_addc(b, '\0');
  if (rc)
    return -1;
  b->len--; /* the NUL is not part of the URL */
  return 0;
}

/* After a complete response: keep its cookies, and follow it when it is a
 * redirect.  1 when the request goes on (or has failed), 0 when it is done. */
static int conn_follow(fast_conn *c)
{
  crowd_request *req = c->req;
  crowd_fast_resp *r = &c->resp;
  if (r->ncookies > 0 && !(req->flags & CROWD_REQ_NO_COOKIES)) {
    const char *host = c->host->name;
    const char *path = c->cur_url + c->cur_path_start;
    size_t plen = c->cur_len - c->cur_path_start;
    time_t now = time(NULL);
    const char *v = r->cookies.p;
    for (int i = 0; i < r->ncookies; i++) {
      size_t vlen = strlen(v);
      crowd_fast_jar_set(&c->jar, v, vlen, host, strlen(host), path, plen, now); /* a bad one is ignored */
      v += vlen + 1;
    }
  }
  long st = req->status;
  if ((req->flags & CROWD_REQ_NO_REDIRECTS) || r->location.len == 0 ||
      !(st == 301 || st == 302 || st == 303 || st == 307 || st == 308))
    return 0;
  if (c->hops >= MAX_REDIRECTS) {
    char msg[64];
    snprintf(msg, sizeof msg, "Maximum (%d) redirects followed", MAX_REDIRECTS);
    conn_fail(c, msg);
    return 1;
  }
  if (resolve_location(c, r->location.p, r->location.len) != 0) {
    conn_fail(c, "out of memory following a redirect");
    return 1;
  }
  conn_release(c);
  /* browsers' rules: 303 asks for a GET; 301 and 302 after a POST too */
  if (c->hop_method != CROWD_HEAD &&
      (st == 303 || ((st == 301 || st == 302) && c->hop_method == CROWD_POST))) {
    c->hop_method = CROWD_GET;
    c->hop_nobody = 1;
  }
  crowd_buf t = c->hop_url; /* the new URL becomes the hop's */
  c->hop_url = c->hop_tmp;
  c->hop_tmp = t;
  c->cur_url = c->hop_url.p;
  c->cur_len = c->hop_url.len;
  c->cur_path_start = url_path_start(c->cur_url, c->cur_len);
  c->hop_cross = c->cur_path_start != req->path_start ||
                 strncasecmp(c->cur_url, req->url.p, req->path_start) != 0;
  c->hops++;
  conn_send(c);
  return 1;
}

static void conn_cancel(void *conn)
{
  fast_conn *c = conn;
  if (c == NULL || c->req == NULL)
    return;
  ev_timer_stop(c->e->loop, &c->timer);
  c->req = NULL;
  c->retried = 0;
  conn_close(c); /* its response may still come */
}

static int conn_start(void *conn, crowd_request *req)
{
  fast_conn *c = conn;
  if (c->req)
    conn_cancel(c);
  c->t0 = crowd_clock_us();
  c->dns_us = c->t_connect = c->t_connected = c->t_tls = c->t_first = 0;
  c->req = req;
  c->retried = 0;
  req->status = 0;
  req->content_length = 0;
  req->response_us = 0;
  req->timing.valid = false;
  req->error[0] = '\0';
  c->timeout_ms = req->timeout > 0 ? (long)(req->timeout * 1000.0 + 0.5) : DEFAULT_TIMEOUT_MS;
  if (c->timeout_ms <= 0)
    c->timeout_ms = 1;

  c->cur_url = req->url.p ? req->url.p : "";
  c->cur_len = req->url.len;
  c->cur_path_start = req->path_start;
  c->hop_method = req->method;
  c->hops = 0;
  c->hop_nobody = c->hop_cross = 0;
  /* the timeout covers the redirects too, as libcurl's */
  ev_timer_set(&c->timer, (double)c->timeout_ms / 1000.0, 0.);
  ev_timer_start(c->e->loop, &c->timer);
  return conn_send(c);
}

static void *conn_new(void *engine)
{
  fast_conn *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->e = engine;
  c->fd = -1;
  ev_init(&c->io, conn_io_cb);
  c->io.data = c;
  ev_init(&c->timer, conn_timer_cb);
  c->timer.data = c;
  return c;
}

static void conn_free(void *conn)
{
  fast_conn *c = conn;
  if (c == NULL)
    return;
  conn_cancel(c);
  conn_close(c);
  crowd_fast_resp_free(&c->resp);
  crowd_buf_free(&c->origin);
  crowd_buf_free(&c->host_line);
  crowd_buf_free(&c->out);
  crowd_buf_free(&c->hop_url);
  crowd_buf_free(&c->hop_tmp);
  crowd_buf_free(&c->scratch);
  crowd_fast_jar_free(&c->jar);
  free(c);
}

const crowd_client_ops crowd_client_fast = {
  .name = "fast",
  .engine_new = engine_new,
  .engine_free = engine_free,
  .conn_new = conn_new,
  .conn_free = conn_free,
  .start = conn_start,
  .cancel = conn_cancel,
};
