/* events.c — (on EVENT ...) handlers, (write-file ...) and (call ...). */
#include "config.h"

#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crowd/extension.h>

#include "log.h"
#include "procs.h"
#include "request.h"
#include "user.h"

bool crowd_events_on_request;

struct crowd_event {
  crowd_event_kind kind;
  const char *method, *name, *error, *user_class;
  long status;
  double time_ms;
  const crowd_handler_desc *handler;
  crowd_val *vars;
  crowd_buf text;               /* crowd_event_var's answer */
};

/* A handler as it runs: its slots, and the pseudo-user its statements see
 * (no runner: an error inside a handler is logged, never an event). */
typedef struct events_handler {
  const crowd_handler_desc *desc;
  crowd_user_desc udesc;
  crowd_user *user;
  bool busy;                    /* guards against a handler re-entering itself */
} events_handler;

static struct {
  const crowd_scenario_desc *sc;
  const char *host;
  events_handler *handlers;
  int nhandlers;
  FILE **files;
  int nfiles;
  bool *file_failed;            /* a write failed: said once */
  const crowd_event *current;   /* the event being handled, for (call ...) */
} ev_state;

static const char *const events_names[CROWD_EV_COUNT] = {
  "test-start", "test-stop", "spawning", "spawning-complete", "quitting", "user-error", "request",
};

static int events_open_files(const crowd_scenario_desc *sc)
{
  if (sc->nfiles <= 0)
    return 0;
  ev_state.files = calloc((size_t)sc->nfiles, sizeof *ev_state.files);
  ev_state.file_failed = calloc((size_t)sc->nfiles, sizeof *ev_state.file_failed);
  if (!ev_state.files || !ev_state.file_failed) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.events", "out of memory");
    return -1;
  }
  ev_state.nfiles = sc->nfiles;
  for (int i = 0; i < sc->nfiles; i++) {
    const crowd_file_desc *f = &sc->files[i];
    ev_state.files[i] = fopen(f->path, "a");
    if (ev_state.files[i] == NULL) {
      crowd_log(CROWD_LOG_CRITICAL, "crowd.events", "%s: cannot open '%s' for write-file: %s", f->site,
                f->path, strerror(errno));
      return -1;
    }
    /* lines reach the file as they are written, whatever ends the run */
    if (setvbuf(ev_state.files[i], NULL, _IOLBF, 0) != 0)
      crowd_log(CROWD_LOG_WARNING, "crowd.events", "'%s': cannot set line buffering", f->path);
  }
  return 0;
}

int crowd_events_init(const crowd_scenario_desc *sc, const char *host)
{
  ev_state.sc = sc;
  ev_state.host = host;
  if (events_open_files(sc) != 0)
    return -1;
  if (sc->nhandlers <= 0)
    return 0;
  ev_state.handlers = calloc((size_t)sc->nhandlers, sizeof *ev_state.handlers);
  if (!ev_state.handlers) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.events", "out of memory");
    return -1;
  }
  ev_state.nhandlers = sc->nhandlers;
  for (int i = 0; i < sc->nhandlers; i++) {
    events_handler *h = &ev_state.handlers[i];
    h->desc = &sc->handlers[i];
    h->udesc.name = events_names[h->desc->kind];
    h->udesc.nvars = h->desc->nvars;
    h->udesc.var_names = h->desc->var_names;
    h->user = calloc(1, sizeof *h->user);
    crowd_val *vars = calloc((size_t)(h->desc->nvars > 0 ? h->desc->nvars : 1), sizeof *vars);
    if (!h->user || !vars) {
      free(vars);
      crowd_log(CROWD_LOG_CRITICAL, "crowd.events", "out of memory");
      return -1;
    }
    h->user->desc = &h->udesc;
    h->user->vars = vars;
    h->user->host = host;
    if (h->desc->kind == CROWD_EV_REQUEST)
      crowd_events_on_request = true;
  }
  return 0;
}

void crowd_events_free(void)
{
  for (int i = 0; i < ev_state.nhandlers; i++) {
    crowd_user *u = ev_state.handlers[i].user;
    if (!u)
      continue;
    for (int k = 0; k < ev_state.handlers[i].desc->nvars; k++)
      crowd_val_clear(&u->vars[k]);
    free(u->vars);
    crowd_buf_free(&u->scratch);
    free(u);
  }
  free(ev_state.handlers);
  for (int i = 0; i < ev_state.nfiles; i++)
    if (ev_state.files[i] && fclose(ev_state.files[i]) != 0)
      crowd_log(CROWD_LOG_ERROR, "crowd.events", "'%s': %s", ev_state.sc->files[i].path, strerror(errno));
  free(ev_state.files);
  free(ev_state.file_failed);
  memset(&ev_state, 0, sizeof ev_state);
  crowd_events_on_request = false;
}

/* The predefined variables an event sets (sema defines the same ones). */
static void events_predefine(crowd_val *vars, int nvars, const crowd_event *ev, long users)
{
  if (nvars < CROWD_EVV_COUNT)
    return;
  if (ev_state.host)
    crowd_val_str(&vars[CROWD_EVV_HOST], ev_state.host, strlen(ev_state.host));
  crowd_val_int(&vars[CROWD_EVV_USERS], users);
  if (ev->kind == CROWD_EV_REQUEST || ev->kind == CROWD_EV_USER_ERROR) {
    const char *n = ev->kind == CROWD_EV_REQUEST ? ev->name : ev->user_class;
    crowd_val_str(&vars[CROWD_EVV_NAME], n ? n : "", n ? strlen(n) : 0);
    if (ev->error)
      crowd_val_str(&vars[CROWD_EVV_ERROR], ev->error, strlen(ev->error));
    else
      crowd_val_str(&vars[CROWD_EVV_ERROR], "", 0);
  }
  if (ev->kind == CROWD_EV_REQUEST) {
    crowd_val_str(&vars[CROWD_EVV_METHOD], ev->method, strlen(ev->method));
    crowd_val_int(&vars[CROWD_EVV_STATUS], ev->status);
    crowd_val_num(&vars[CROWD_EVV_TIME], ev->time_ms);
  }
}

static bool events_match(const crowd_handler_desc *d, crowd_event *ev, crowd_method m)
{
  if (d->kind != ev->kind)
    return false;
  if (d->kind != CROWD_EV_REQUEST)
    return true;
  if (d->failure >= 0 && (ev->error != NULL) != (d->failure == 1))
    return false;
  if (d->method >= 0 && d->method != (int)m)
    return false;
  if (d->min_time > 0 && ev->time_ms < d->min_time * 1000.0)
    return false;
  return d->name == NULL || strcmp(d->name, ev->name ? ev->name : "") == 0;
}

static void events_dispatch(crowd_event *ev, crowd_method m, long users)
{
  for (int i = 0; i < ev_state.nhandlers; i++) {
    events_handler *h = &ev_state.handlers[i];
    if (h->busy || !events_match(h->desc, ev, m))
      continue;
    h->busy = true;
    ev->handler = h->desc;
    ev->vars = h->user->vars;
    events_predefine(h->user->vars, h->desc->nvars, ev, users);
    const crowd_event *outer = ev_state.current;
    ev_state.current = ev;
    int step = 0;
    (void)h->desc->fn(h->user, &step, h->user->vars); /* errors were logged */
    ev_state.current = outer;
    h->busy = false;
  }
  crowd_buf_free(&ev->text);
}

void crowd_events_fire(crowd_event_kind kind, long users)
{
  if (ev_state.nhandlers == 0 || crowd_procs_is_child())
    return;
  crowd_event ev = { .kind = kind, .method = "", .name = "", .time_ms = -1 };
  events_dispatch(&ev, CROWD_GET, users);
}

void crowd_events_user_error(const char *cls, const char *msg, long users)
{
  if (ev_state.nhandlers == 0)
    return;
  crowd_event ev = { .kind = CROWD_EV_USER_ERROR, .method = "", .name = "", .time_ms = -1,
                     .error = msg, .user_class = cls };
  events_dispatch(&ev, CROWD_GET, users);
}

void crowd_events_request(const char *cls, crowd_method method, const char *name, long status,
                          uint64_t response_us, const char *err, long users)
{
  crowd_event ev = { .kind = CROWD_EV_REQUEST, .method = crowd_method_name(method),
                     .name = name ? name : "", .status = status,
                     .time_ms = (double)response_us / 1000.0, .error = err, .user_class = cls };
  events_dispatch(&ev, method, users);
}

/* ---- statements ------------------------------------------------------------------ */

void crowd_write_file(crowd_user *u, const char *site, int file, const crowd_val *line)
{
  (void)u;
  if (file < 0 || file >= ev_state.nfiles || ev_state.files[file] == NULL)
    return;
  crowd_buf b = { 0 };
  int rc = crowd_buf_add_val(&b, line);
  rc |= crowd_buf_addc(&b, '\n');
  FILE *f = ev_state.files[file];
  if (rc != 0 || fwrite(b.p, 1, b.len, f) != b.len || fflush(f) != 0) {
    if (!ev_state.file_failed[file])
      crowd_log(CROWD_LOG_ERROR, "crowd.events", "%s: cannot write to '%s': %s", site ? site : "?",
                ev_state.sc->files[file].path, rc != 0 ? "out of memory" : strerror(errno));
    ev_state.file_failed[file] = true;
  }
  crowd_buf_free(&b);
}

void crowd_ext_call(crowd_user *u, const char *site, crowd_ext_fn fn)
{
  (void)u;
  if (ev_state.current == NULL) {
    crowd_log(CROWD_LOG_ERROR, "crowd.events", "%s: (call ...) outside an event handler", site ? site : "?");
    return;
  }
  fn(ev_state.current);
}

/* ---- the extension API (crowd/extension.h) ---------------------------------- */

crowd_event_kind crowd_event_type(const crowd_event *ev) { return ev->kind; }
const char *crowd_event_type_name(const crowd_event *ev) { return events_names[ev->kind]; }
const char *crowd_event_method(const crowd_event *ev) { return ev->method ? ev->method : ""; }
const char *crowd_event_name(const crowd_event *ev) { return ev->name ? ev->name : ""; }
long crowd_event_status(const crowd_event *ev) { return ev->status; }
double crowd_event_time_ms(const crowd_event *ev) { return ev->time_ms; }
const char *crowd_event_error(const crowd_event *ev) { return ev->error; }
const char *crowd_event_user_class(const crowd_event *ev) { return ev->user_class; }

const char *crowd_event_var(const crowd_event *ev, const char *name)
{
  const crowd_handler_desc *d = ev->handler;
  if (!d || !name || !d->var_names)
    return NULL;
  for (int i = 0; i < d->nvars; i++) {
    if (d->var_names[i] == NULL || strcmp(d->var_names[i], name) != 0)
      continue;
    if (ev->vars[i].type == CROWD_NIL)
      return NULL;
    crowd_buf *b = &((crowd_event *)ev)->text; /* the event's scratch, not its data */
    crowd_buf_reset(b);
    if (crowd_buf_add_val(b, &ev->vars[i]) != 0 || crowd_buf_addc(b, '\0') != 0)
      return NULL;
    return b->p;
  }
  return NULL;
}

void crowd_event_log(const crowd_event *ev, int level, const char *fmt, ...)
{
  crowd_log_level l = level <= CROWD_LOG_DEBUG ? CROWD_LOG_DEBUG
                      : level <= CROWD_LOG_INFO ? CROWD_LOG_INFO
                      : level <= CROWD_LOG_WARNING ? CROWD_LOG_WARNING : CROWD_LOG_ERROR;
  if (!crowd_log_enabled(l))
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  crowd_log(l, "crowd.extension", "%s: %s", events_names[ev->kind], msg);
}
