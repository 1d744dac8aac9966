#include "config.h"

#include "webui.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"
#include "runner.h"
#include "webui_int.h"

/* One request being received: the /swarm form's fields as they arrive. */
struct web_conn {
  struct MHD_PostProcessor *pp;
  web_form form;
  size_t bytes;
  bool too_big;
  char **last;   /* the field the previous chunk went to */
};

/* ---- the libev side: MHD's epoll descriptor and timeout ---------------------------- */

static void web_schedule(crowd_web *w)
{
  struct ev_loop *loop = w->r->loop;
  MHD_UNSIGNED_LONG_LONG ms = 0;
  ev_timer_stop(loop, &w->timer);
  if (MHD_get_timeout(w->daemon, &ms) == MHD_YES) {
    ev_timer_set(&w->timer, (double)ms / 1000.0, 0.);
    ev_timer_start(loop, &w->timer);
  }
}

static void web_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
  crowd_web *w = io->data;
  MHD_run(w->daemon);
  web_schedule(w);
}

static void web_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
  crowd_web *w = t->data;
  MHD_run(w->daemon);
  web_schedule(w);
}

/* ---- requests --------------------------------------------------------------------- */

/* Append a chunk of a form value (MHD may split a value into chunks). */
static int form_append(char **field, const char *data, size_t size, uint64_t off)
{
  size_t have = *field && off > 0 ? strlen(*field) : 0;
  if (off == 0) {
    free(*field);
    *field = NULL;
  }
  char *p = realloc(*field, have + size + 1);
  if (p == NULL)
    return -1;
  memcpy(p + have, data, size);
  p[have + size] = '\0';
  *field = p;
  return 0;
}

static enum MHD_Result web_post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *ctype,
                                     const char *encoding, const char *data, uint64_t off,
                                     size_t size)
{
  struct web_conn *wc = cls;
  web_form *f = &wc->form;
  char **field = NULL;
  if (strcmp(key, "user_count") == 0)
    field = &f->user_count;
  else if (strcmp(key, "spawn_rate") == 0)
    field = &f->spawn_rate;
  else if (strcmp(key, "host") == 0)
    field = &f->host;
  else if (strcmp(key, "run_time") == 0)
    field = &f->run_time;
  else if (strcmp(key, "user_classes") == 0) {
    if (off > 0 && wc->last && f->nclasses > 0 && wc->last == &f->classes[f->nclasses - 1]) {
      field = wc->last;
    } else if (f->nclasses < CROWD_WEB_MAX_CLASSES) {
      field = &f->classes[f->nclasses++];
    } else {
      f->too_many = true;
      return MHD_YES;
    }
  } else {
    return MHD_YES; /* other fields are ignored, as unknown options */
  }
  wc->last = field;
  return form_append(field, data ? data : "", size, off) == 0 ? MHD_YES : MHD_NO;
}

static void web_conn_free(struct web_conn *wc)
{
  if (wc->pp)
    MHD_destroy_post_processor(wc->pp);
  free(wc->form.user_count);
  free(wc->form.spawn_rate);
  free(wc->form.host);
  free(wc->form.run_time);
  for (int i = 0; i < wc->form.nclasses; i++)
    free(wc->form.classes[i]);
  free(wc);
}

static void web_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
  if (*con_cls)
    web_conn_free(*con_cls);
  *con_cls = NULL;
}

/* Constant-time comparison: the password's length aside, the time taken
 * does not say where a guess goes wrong. */
static bool same_secret(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  unsigned char diff = (unsigned char)(la != lb);
  for (size_t i = 0; i < lb; i++)
    diff |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
  return diff == 0;
}

static bool web_auth_ok(crowd_web *w, struct MHD_Connection *c)
{
  if (w->auth_user == NULL)
    return true;
  char *pass = NULL;
  char *user = MHD_basic_auth_get_username_password(c, &pass);
  bool ok = user && pass && same_secret(user, w->auth_user) && same_secret(pass, w->auth_pass);
  if (user)
    MHD_free(user);
  if (pass)
    MHD_free(pass);
  return ok;
}

static enum MHD_Result web_queue(crowd_web *w, struct MHD_Connection *c, web_reply *rep, bool deny)
{
  struct MHD_Response *resp;
  if (rep->body_static)
    resp = MHD_create_response_from_buffer(rep->len, rep->body, MHD_RESPMEM_PERSISTENT);
  else
    resp = MHD_create_response_from_buffer(rep->len, rep->body ? rep->body : (char *)"",
                                           rep->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (resp == NULL) {
    if (!rep->body_static)
      free(rep->body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->ctype ? rep->ctype : "text/plain; charset=utf-8");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (rep->ctype && strncmp(rep->ctype, "text/html", 9) == 0 && rep->body_static)
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                            "base-uri 'none'; form-action 'self'");
  if (rep->csp)
    MHD_add_response_header(resp, "Content-Security-Policy", rep->csp);
  if (rep->filename[0]) {
    char cd[200];
    snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", rep->filename);
    MHD_add_response_header(resp, "Content-Disposition", cd);
  }
  if (rep->location)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, rep->location);
  enum MHD_Result ret;
  if (deny)
    ret = MHD_queue_basic_auth_fail_response(c, "crowd", resp);
  else
    ret = MHD_queue_response(c, rep->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* A request that changes the test (a form POST, /stop, /stats/reset) sent
 * by a page of another origin is refused: browsers send Origin with them,
 * scripts and curl do not. */
static bool web_same_origin(crowd_web *w, struct MHD_Connection *c)
{
  const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
  if (origin == NULL)
    return true;
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  const char *scheme = w->tls_cert ? "https://" : "http://";
  size_t n = strlen(scheme);
  return host && strncmp(origin, scheme, n) == 0 && strcmp(origin + n, host) == 0;
}

static const char *web_arg(void *ctx, const char *key)
{
  return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static bool changes_test(const char *method, const char *path)
{
  return strcmp(method, "POST") == 0 || strcmp(path, "/stop") == 0 || strcmp(path, "/stats/reset") == 0;
}

static enum MHD_Result web_request(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload,
                                   size_t *upload_size, void **con_cls)
{
  crowd_web *w = cls;
  struct web_conn *wc = *con_cls;
  web_reply rep;
  memset(&rep, 0, sizeof rep);
  if (wc == NULL) {
    wc = calloc(1, sizeof *wc);
    if (wc == NULL)
      return MHD_NO;
    *con_cls = wc;
    if (!web_auth_ok(w, c)) {
      crowd_web_reply_error(&rep, 401, "Authentication required", NULL);
      return web_queue(w, c, &rep, true);
    }
    if (strcmp(method, "POST") == 0) {
      wc->pp = MHD_create_post_processor(c, 4096, web_post_iter, wc);
      return MHD_YES; /* the body follows */
    }
  } else if (*upload_size > 0) {
    wc->bytes += *upload_size;
    if (wc->bytes > CROWD_WEB_MAX_BODY)
      wc->too_big = true;
    else if (wc->pp && MHD_post_process(wc->pp, upload, *upload_size) != MHD_YES)
      wc->too_big = true;
    *upload_size = 0;
    return MHD_YES;
  }

  /* --web-base-path: everything lives under it; the bare prefix redirects
   * to prefix/ so that the page's relative URLs resolve under it. */
  const char *path = url;
  if (w->baselen > 0) {
    if (strncmp(url, w->base, w->baselen) != 0 || (url[w->baselen] != '/' && url[w->baselen] != '\0')) {
      crowd_web_reply_error(&rep, 404, "Not found", NULL);
      return web_queue(w, c, &rep, false);
    }
    if (url[w->baselen] == '\0') {
      char *loc = malloc(w->baselen + 2);
      if (loc == NULL)
        return MHD_NO;
      memcpy(loc, w->base, w->baselen);
      memcpy(loc + w->baselen, "/", 2);
      crowd_web_reply_text(&rep, 302, "text/plain; charset=utf-8", "");
      rep.location = loc;
      enum MHD_Result ret = web_queue(w, c, &rep, false);
      free(loc);
      return ret;
    }
    path = url + w->baselen;
  }
  if (wc->too_big || wc->form.too_many)
    crowd_web_reply_error(&rep, 413, "The form is too large", NULL);
  else if (changes_test(method, path) && !web_same_origin(w, c))
    crowd_web_reply_error(&rep, 403, "Refused: a request from another site", NULL);
  else
    crowd_web_route(w, method, path, &wc->form, web_arg, c, &rep);
  return web_queue(w, c, &rep, false);
}

/* libmicrohttpd's messages go to crowd's log, at DEBUG (a client that
 * hangs up is not the user's concern). */
__attribute__((format(printf, 2, 0)))
static void web_mhd_log(void *cls, const char *fmt, va_list ap)
{
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  size_t n = strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  crowd_log(CROWD_LOG_DEBUG, "crowd.web", "%s", buf);
}

/* ---- start-up ----------------------------------------------------------------------- */

/* A socket listening on host:port.  "" and "*" mean every interface (IPv6
 * and IPv4 where the system allows).  Returns the descriptor or -1 after
 * printing why. */
static int web_listen(const char *host, long port, FILE *err)
{
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  bool any = host[0] == '\0' || strcmp(host, "*") == 0;
  char portstr[16];
  snprintf(portstr, sizeof portstr, "%ld", port);
  int rc = getaddrinfo(any ? NULL : host, portstr, &hints, &res);
  if (rc != 0) {
    fprintf(err, "crowd: error: --web-host '%s': %s\n", host, gai_strerror(rc));
    return -1;
  }
  int fd = -1, saved = 0;
  /* every interface: try IPv6 (dual stack) first */
  for (int pass = 0; pass < 2 && fd < 0; pass++) {
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
      if (any && (pass == 0) != (ai->ai_family == AF_INET6))
        continue;
      if (!any && pass == 1)
        continue;
      fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
      if (fd < 0) {
        saved = errno;
        continue;
      }
      int one = 1, zero = 0;
      if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
          (ai->ai_family == AF_INET6 && any && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) != 0) ||
          bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
        saved = errno;
        close(fd);
        fd = -1;
      }
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    const char *shown = any ? "*" : host;
    if (saved == EADDRINUSE)
      fprintf(err, "crowd: error: the web UI cannot listen on %s port %ld: the port is already in use "
              "(stop what uses it, or give another with --web-port)\n", shown, port);
    else
      fprintf(err, "crowd: error: the web UI cannot listen on %s port %ld: %s\n", shown, port,
              strerror(saved));
  }
  return fd;
}

/* A whole (small) file, NUL-terminated, for the TLS certificate and key. */
static char *web_read_file(const char *path, const char *flag, FILE *err)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(err, "crowd: error: %s '%s': %s\n", flag, path, strerror(errno));
    return NULL;
  }
  char *buf = malloc(1 << 20);
  size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  bool bad = buf == NULL || ferror(f) || n == 0 || !feof(f);
  fclose(f);
  if (bad) {
    fprintf(err, "crowd: error: %s '%s': cannot read it (empty, unreadable or over 1 MB)\n", flag, path);
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

static int web_options(crowd_web *w, const crowd_options *opt, FILE *err)
{
  if (opt->web_port < 1 || opt->web_port > 65535) {
    fprintf(err, "crowd: error: argument -P/--web-port: invalid port %ld (1 to 65535)\n", opt->web_port);
    return -1;
  }
  if (opt->web_auth) {
    const char *colon = strchr(opt->web_auth, ':');
    if (colon == NULL || colon == opt->web_auth || colon[1] == '\0') {
      fprintf(err, "crowd: error: argument --web-auth: expected USER:PASSWORD\n");
      return -1;
    }
    w->auth_user = strndup(opt->web_auth, (size_t)(colon - opt->web_auth));
    w->auth_pass = strdup(colon + 1);
    if (w->auth_user == NULL || w->auth_pass == NULL)
      return -1;
  }
  const char *b = opt->web_base_path ? opt->web_base_path : "";
  size_t bl = strlen(b);
  while (bl > 0 && b[bl - 1] == '/')
    bl--;
  if ((b[0] && b[0] != '/') || bl >= sizeof w->base || strpbrk(b, "?#\"'<> \t\r\n\\")) {
    fprintf(err, "crowd: error: argument --web-base-path: '%s' must start with '/' and be a plain path\n", b);
    return -1;
  }
  memcpy(w->base, b, bl);
  w->base[bl] = '\0';
  w->baselen = bl;
  if ((opt->tls_cert == NULL) != (opt->tls_key == NULL)) {
    fprintf(err, "crowd: error: --tls-cert and --tls-key go together\n");
    return -1;
  }
  if (opt->tls_cert) {
    if ((w->tls_cert = web_read_file(opt->tls_cert, "--tls-cert", err)) == NULL ||
        (w->tls_key = web_read_file(opt->tls_key, "--tls-key", err)) == NULL)
      return -1;
  }
  return 0;
}

crowd_web *crowd_web_start(crowd_runner *r, FILE *err)
{
  const crowd_options *opt = r->opt;
  crowd_web *w = calloc(1, sizeof *w);
  if (w == NULL)
    return NULL;
  w->r = r;
  w->listen_fd = -1;
  w->default_host = r->host;
  w->class_on = calloc((size_t)(r->sc->nusers > 0 ? r->sc->nusers : 1), sizeof *w->class_on);
  if (w->class_on == NULL || web_options(w, opt, err) != 0) {
    crowd_web_free(w);
    return NULL;
  }
  for (int i = 0; i < r->sc->nusers; i++)
    w->class_on[i] = true;
  r->class_on = w->class_on;
  const char *host = opt->web_host ? opt->web_host : "127.0.0.1";
  if ((w->listen_fd = web_listen(host, opt->web_port, err)) < 0) {
    crowd_web_free(w);
    return NULL;
  }
  struct MHD_OptionItem ops[] = {
    { MHD_OPTION_LISTEN_SOCKET, w->listen_fd, NULL },
    { MHD_OPTION_CONNECTION_LIMIT, 256, NULL },
    { MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL },
    { MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL },
    { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)web_completed, w },
    { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)web_mhd_log, w },
    { w->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, w->tls_cert },
    { w->tls_key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, w->tls_key },
    { MHD_OPTION_END, 0, NULL },
  };
  unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (w->tls_cert ? MHD_USE_TLS : 0);
  w->daemon = MHD_start_daemon(flags, 0, NULL, NULL, web_request, w, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
  if (w->daemon == NULL) {
    fprintf(err, "crowd: error: the web UI could not start%s\n",
            w->tls_cert ? " (is the TLS certificate and key a valid PEM pair?)" : "");
    crowd_web_free(w);
    return NULL;
  }
  w->listen_fd = -1; /* the daemon owns it now */
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(w->daemon, MHD_DAEMON_INFO_EPOLL_FD);
  if (info == NULL) {
    fprintf(err, "crowd: error: the web UI could not start (no epoll descriptor)\n");
    crowd_web_free(w);
    return NULL;
  }
  ev_io_init(&w->io, web_io_cb, info->epoll_fd, EV_READ);
  ev_timer_init(&w->timer, web_timer_cb, 0., 0.);
  w->io.data = w->timer.data = w;
  ev_io_start(r->loop, &w->io);
  web_schedule(w);
  const char *shown = host[0] == '\0' || strcmp(host, "*") == 0 ? "0.0.0.0" : host;
  bool v6 = strchr(shown, ':') != NULL;
  crowd_log(CROWD_LOG_INFO, "crowd.main", "Starting web interface at %s://%s%s%s:%ld%s/%s",
            w->tls_cert ? "https" : "http", v6 ? "[" : "", shown, v6 ? "]" : "", opt->web_port, w->base,
            w->auth_user ? " (HTTP Basic authentication required)" : "");
  return w;
}

void crowd_web_free(crowd_web *w)
{
  if (w == NULL)
    return;
  if (w->daemon) {
    ev_io_stop(w->r->loop, &w->io);
    ev_timer_stop(w->r->loop, &w->timer);
    MHD_stop_daemon(w->daemon);
  }
  if (w->listen_fd >= 0)
    close(w->listen_fd);
  free(w->auth_user);
  if (w->auth_pass) {
    explicit_bzero(w->auth_pass, strlen(w->auth_pass));
    free(w->auth_pass);
  }
  free(w->tls_cert);
  if (w->tls_key) {
    explicit_bzero(w->tls_key, strlen(w->tls_key));
    free(w->tls_key);
  }
  while (w->hosts) {
    struct web_host *h = w->hosts;
    w->hosts = h->next;
    free(h);
  }
  if (w->r->class_on == w->class_on)
    w->r->class_on = NULL;
  free(w->class_on);
  free(w->stats_cache);
  free(w);
}

void crowd_web_changed(crowd_web *w)
{
  free(w->stats_cache);
  w->stats_cache = NULL;
}

const crowd_runner_web_ops crowd_web_ops = { crowd_web_start, crowd_web_free, crowd_web_changed };
