/* webui_int.h — between the web UI's server (webui.c), its endpoints
 * (webui_api.c) and its embedded page (webui_assets.c, generated from
 * runtime/webui/ at build time).
 *
 * Ownership: a web_reply owns its body (malloc'ed) unless body_static; the
 * server hands it to libmicrohttpd, which frees it.  The crowd_web struct
 * is owned by the runner (webui.h).
 */
#ifndef CROWD_WEBUI_INT_H
#define CROWD_WEBUI_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "webui.h"

struct crowd_runner;
struct MHD_Daemon;

/* /stats/requests is memoized this long (Locust: 2 s), unless the test
 * starts, stops or is reset. */
#define CROWD_WEB_CACHE_SECONDS 1.0
/* Largest /swarm body and user count it accepts. */
#define CROWD_WEB_MAX_BODY 65536
#define CROWD_WEB_MAX_USERS 10000000L

typedef struct web_reply {
  unsigned status;
  const char *ctype;
  char *body;
  size_t len;
  bool body_static;
  char filename[160];  /* non-empty: Content-Disposition: attachment */
  const char *location; /* a redirect's target */
  const char *csp;      /* a Content-Security-Policy for a generated page */
} web_reply;

/* The fields of a /swarm form (borrowed from the request's context). */
#define CROWD_WEB_MAX_CLASSES 256
typedef struct web_form {
  char *user_count, *spawn_rate, *host, *run_time;
  char *classes[CROWD_WEB_MAX_CLASSES];
  int nclasses;
  bool too_many;
} web_form;

struct web_host {        /* a host string given to /swarm (users borrow it) */
  struct web_host *next;
  char url[];
};

struct crowd_web {
  struct crowd_runner *r;
  struct MHD_Daemon *daemon;
  int listen_fd;
  ev_io io;               /* MHD's epoll descriptor */
  ev_timer timer;         /* MHD's timeout */
  char *auth_user, *auth_pass;
  char base[256];         /* --web-base-path without a trailing '/' */
  size_t baselen;
  char *tls_cert, *tls_key; /* PEM text */
  const char *default_host; /* -H or the scenario's :host, or NULL */
  struct web_host *hosts;
  bool *class_on;          /* the class picker's choice, per class */
  /* /stats/requests memoized */
  char *stats_cache;
  size_t stats_cache_len;
  double stats_cache_time;
  const void *stats_cache_of; /* the crowd_stats it was made from */
  double test_start;       /* wall clock of the last fresh /swarm: the charts start there */
};

/* The endpoints (webui_api.c).  query: the request's argument lookup. */
typedef const char *(*web_arg_fn)(void *ctx, const char *key);
bool crowd_web_route(crowd_web *w, const char *method, const char *path, const web_form *form,
                     web_arg_fn arg, void *arg_ctx, web_reply *out);

/* Reply helpers (webui_api.c). */
void crowd_web_reply_json(web_reply *out, unsigned status, char *json);
void crowd_web_reply_text(web_reply *out, unsigned status, const char *ctype, const char *text);
void crowd_web_reply_error(web_reply *out, unsigned status, const char *message, const char *host);

/* The embedded page (webui_assets.c). */
typedef struct crowd_web_asset {
  const char *path;     /* "/", "/assets/app.js" */
  const char *ctype;
  const unsigned char *data;
  size_t len;
} crowd_web_asset;
extern const crowd_web_asset crowd_web_assets[];
extern const size_t crowd_web_nassets;

#endif
