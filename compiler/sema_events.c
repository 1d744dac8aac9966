#include "config.h"

/* The checks of event handlers, extensions and a shape's tick (sema_int.h). */

#include <string.h>
#include <strings.h>

#include <crowd/crowd.h>

#include "compiler/load.h"
#include "compiler/sema_int.h"

/* ---- events: (on EVENT ...), (write-file ...), (call ...), (extension ...) ---- */

/* In crowd.h's crowd_event_kind order, and the variables of crowd_event_slot. */
static const char *const crowdc_sema_events_names[] = {
  "test-start", "test-stop", "spawning", "spawning-complete", "quitting", "user-error", "request",
};
static const char *const crowdc_sema_event_vars[CROWD_EVV_COUNT] = {
  "host", "users", "name", "method", "status", "error", "time",
};
static const char *const crowdc_sema_on_opts[] = { "name", "method", "failure", "min-time" };

const char *crowdc_sema_event_an(int kind)
{
  static const char *const an[] = {
    "a 'test-start'", "a 'test-stop'", "a 'spawning'", "a 'spawning-complete'", "a 'quitting'",
    "a 'user-error'", "a 'request'",
  };
  return an[kind];
}

/* What a handler cannot do: send requests, sleep, end a task.  1 after the
 * error, else 0. */
int crowdc_sema_handler_refuses(crowdc_sema_ctx *S, const crowdc_node *h)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  if (!h || h->kind != CROWDC_N_SYMBOL)
    return 0;
  int refused = crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_methods, CROWDC_NMETHODS) ||
                crowdc_ast_is(h, CROWDC_N_SYMBOL, "sleep") || crowdc_ast_is(h, CROWDC_N_SYMBOL, "interrupt") ||
                crowdc_ast_is(h, CROWDC_N_SYMBOL, "reschedule") ||
                crowdc_ast_is(h, CROWDC_N_SYMBOL, "reschedule-now");
  if (refused && S->in_tick)
    crowdc_diag_error(S->diag, &h->loc,
                      "'%s' cannot be used in a tick: a tick computes [USERS RATE] from run-time and user-count",
                      Q(q, h->u.name.p, h->u.name.len));
  else if (refused)
    crowdc_diag_error(S->diag, &h->loc,
                      "'%s' cannot be used in an event handler: handlers log, set variables, "
                      "write files and call C functions",
                      Q(q, h->u.name.p, h->u.name.len));
  return refused;
}

/* Is p[0..len) a C identifier? */
static int crowdc_sema_c_ident(const char *p, size_t len)
{
  if (len == 0 || (p[0] >= '0' && p[0] <= '9'))
    return 0;
  for (size_t i = 0; i < len; i++) {
    char c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return 0;
  }
  return 1;
}

/* A write-file path's index in the model's table (one entry per path). */
static int crowdc_sema_file(crowdc_sema_ctx *S, const crowdc_node *path)
{
  crowdc_model *m = S->model;
  const crowdc_strpart *p = &path->u.str.parts[0];
  for (size_t i = 0; i < m->nfiles; i++) {
    const crowdc_strpart *o = &m->files[i]->u.str.parts[0];
    if (o->len == p->len && memcmp(o->p, p->p, p->len) == 0)
      return (int)i;
  }
  m->files = crowdc_arena_grow(S->arena, m->files, m->nfiles, &m->filecap, sizeof *m->files);
  m->files[m->nfiles] = path;
  return (int)m->nfiles++;
}

/* (write-file "path" LINE) anywhere; (call NAME) in a handler. */
int crowdc_sema_event_stmt(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                           crowdc_stmt *st)
{
  memset(st, 0, sizeof *st);
  st->form = form;
  st->feeder = -1;
  st->slot = -1;
  size_t n = form->u.seq.n;
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "write-file")) {
    st->kind = CROWDC_S_WRITE;
    if (n != 3) {
      crowdc_diag_error(S->diag, &form->loc, "'write-file' takes a path and a line: "
                                             "(write-file \"events.log\" \"started {host}\")");
      return -1;
    }
    const crowdc_node *path = form->u.seq.items[1];
    if (!crowdc_ast_plain_string(path) || path->u.str.n == 0 || path->u.str.parts[0].len == 0 ||
        memchr(path->u.str.parts[0].p, '\0', path->u.str.parts[0].len)) {
      crowdc_diag_error(S->diag, &path->loc, "the path of 'write-file' must be a plain, non-empty string "
                                             "(the file is opened once, before the test)");
      return -1;
    }
    st->slot = crowdc_sema_file(S, path);
    st->expr = form->u.seq.items[2];
    return crowdc_sema_expr(S, form->u.seq.items[2]) ? 0 : -1;
  }
  st->kind = CROWDC_S_CALL;
  if (!S->handler) {
    crowdc_diag_error(S->diag, &h->loc, "'call' is only allowed in an event handler, (on EVENT ...)");
    return -1;
  }
  const crowdc_node *fn = n == 2 ? form->u.seq.items[1] : NULL;
  if (!fn || fn->kind != CROWDC_N_SYMBOL || !crowdc_sema_c_ident(fn->u.name.p, fn->u.name.len)) {
    crowdc_diag_error(S->diag, fn ? &fn->loc : &form->loc,
                      "'call' takes the name of a C function of an extension: (call on_failure)");
    return -1;
  }
  if (fn->u.name.len >= 6 && memcmp(fn->u.name.p, "crowd_", 6) == 0) {
    crowdc_diag_error(S->diag, &fn->loc, "names starting with 'crowd_' are crowd's own; name the function otherwise");
    return -1;
  }
  crowdc_model *m = S->model;
  m->calls = crowdc_arena_grow(S->arena, m->calls, m->ncalls, &m->callcap, sizeof *m->calls);
  m->calls[m->ncalls++] = fn;
  st->expr = fn;
  return 0;
}

/* The request filters of an (on request ...) form. */
static void crowdc_sema_on_filters(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_handler *hd)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  for (size_t k = 0; k < CROWDC_COUNT(crowdc_sema_on_opts); k++)
    if (o->kw[k] && hd->kind != CROWD_EV_REQUEST) {
      crowdc_diag_error(S->diag, &o->kw[k]->loc, "':%s' filters request events; %s event has no request",
                        crowdc_sema_on_opts[k], crowdc_sema_event_an(hd->kind));
      return;
    }
  const crowdc_node *v;
  if ((v = o->val[0])) {
    if (!crowdc_ast_plain_string(v))
      crowdc_diag_error(S->diag, &v->loc, "':name' takes a plain string, the request's name");
    else
      hd->name = v;
  }
  if ((v = o->val[1])) {
    /* get, GET or "GET": any case, a symbol or a plain string */
    const char *p = "";
    size_t len = 0;
    if (v->kind == CROWDC_N_SYMBOL) {
      p = v->u.name.p;
      len = v->u.name.len;
    } else if (crowdc_ast_plain_string(v) && v->u.str.n == 1) {
      p = v->u.str.parts[0].p;
      len = v->u.str.parts[0].len;
    }
    for (int k = 0; k < CROWDC_NMETHODS; k++)
      if (strlen(crowdc_sema_methods[k]) == len && strncasecmp(p, crowdc_sema_methods[k], len) == 0)
        hd->method = k;
    if (hd->method < 0 && len) {
      char low[16]; /* the hint compares lower case */
      size_t ll = len < sizeof low ? len : sizeof low;
      for (size_t k = 0; k < ll; k++)
        low[k] = (char)(p[k] >= 'A' && p[k] <= 'Z' ? p[k] - 'A' + 'a' : p[k]);
      crowdc_diag_error(S->diag, &v->loc, "unknown method '%s' for ':method': get, post, put, patch, delete, "
                        "head or options%s", Q(q, p, len),
                        crowdc_diag_hint(hint, sizeof hint, low, ll, crowdc_sema_methods, CROWDC_NMETHODS));
    } else if (hd->method < 0)
      crowdc_diag_error(S->diag, &v->loc, "':method' takes get, post, put, patch, delete, head or options");
  }
  if ((v = o->val[2]))
    crowdc_sema_bool(S, v, "failure", &hd->failure);
  if ((v = o->val[3])) {
    if (v->kind != CROWDC_N_DURATION || v->u.d < 0)
      crowdc_diag_error(S->diag, &v->loc, "':min-time' takes a duration such as 500ms");
    else
      hd->min_time = v->u.d;
  }
}

static void crowdc_sema_on(crowdc_sema_ctx *S, crowdc_node *form, crowdc_handler *hd)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[256];
  memset(hd, 0, sizeof *hd);
  hd->form = form;
  hd->method = -1;
  hd->failure = -1;
  hd->kind = -1;
  const crowdc_node *ev = form->u.seq.n >= 2 ? form->u.seq.items[1] : NULL;
  if (!ev || ev->kind != CROWDC_N_SYMBOL) {
    crowdc_diag_error(S->diag, ev ? &ev->loc : &form->loc,
                      "expected an event name after 'on': test-start, test-stop, spawning, "
                      "spawning-complete, quitting, user-error or request");
    return;
  }
  for (int k = 0; k < CROWD_EV_COUNT; k++)
    if (crowdc_ast_is(ev, CROWDC_N_SYMBOL, crowdc_sema_events_names[k]))
      hd->kind = k;
  if (hd->kind < 0) {
    crowdc_diag_error(S->diag, &ev->loc, "unknown event '%s'%s", Q(q, ev->u.name.p, ev->u.name.len),
                      crowdc_diag_hint(hint, sizeof hint, ev->u.name.p, ev->u.name.len, crowdc_sema_events_names,
                                       CROWDC_COUNT(crowdc_sema_events_names)));
    return;
  }
  /* a scope of its own, as a user's */
  crowdc_user *u = &hd->u;
  u->name = ev;
  crowdc_sema_scope_enter(S, u);
  S->handler = hd;
  for (int k = 0; k < CROWD_EVV_COUNT; k++) {
    const char *name = crowdc_sema_event_vars[k];
    int slot = crowdc_sema_slot(S, crowdc_ast_name(S->arena, CROWDC_N_SYMBOL, ev->loc, name, strlen(name)));
    int has = k <= CROWD_EVV_USERS || hd->kind == CROWD_EV_REQUEST ||
              (hd->kind == CROWD_EV_USER_ERROR && (k == CROWD_EVV_NAME || k == CROWD_EVV_ERROR));
    if (has) {
      crowdc_sema_define(S, slot);
      crowdc_sema_set_rowof(S, slot, -1);
    }
  }
  crowdc_sema_opts o = { .names = crowdc_sema_on_opts, .n = CROWDC_COUNT(crowdc_sema_on_opts) };
  crowdc_sema_options(S, form, 2, "on", &o);
  crowdc_sema_on_filters(S, &o, hd);
  u->init = crowdc_arena_alloc(S->arena, (o.nrest + 1) * sizeof *u->init);
  crowdc_sema_stmts(S, (crowdc_node *const *)o.rest, o.nrest, u->init, &u->ninit);
  S->handler = NULL;
}

/* (extension "hooks.c"): a C file compiled and linked in, read from the
 * scenario's directory. */
static void crowdc_sema_extension(crowdc_sema_ctx *S, const crowdc_node *form)
{
  const crowdc_node *p = form->u.seq.n == 2 ? form->u.seq.items[1] : NULL;
  if (!p || !crowdc_ast_plain_string(p) || p->u.str.n == 0 || p->u.str.parts[0].len == 0 ||
      memchr(p->u.str.parts[0].p, '\0', p->u.str.parts[0].len)) {
    crowdc_diag_error(S->diag, p ? &p->loc : &form->loc,
                      "'extension' takes the path of a C file: (extension \"hooks.c\")");
    return;
  }
  crowdc_model *m = S->model;
  m->extensions[m->nextensions++] = p;
}

void crowdc_sema_events(crowdc_sema_ctx *S, const crowdc_node *root)
{
  crowdc_model *m = S->model;
  size_t n = root->u.seq.n;
  m->handlers = crowdc_arena_alloc(S->arena, (n + 1) * sizeof *m->handlers);
  m->extensions = crowdc_arena_alloc(S->arena, (n + 1) * sizeof *m->extensions);
  for (size_t i = 0; i < n && !S->diag->stopped; i++) {
    crowdc_node *f = root->u.seq.items[i];
    const crowdc_node *h = crowdc_sema_head(f);
    if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "extension")) {
      crowdc_sema_extension(S, f);
    } else if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "on")) {
      crowdc_handler *hd = &m->handlers[m->nhandlers];
      crowdc_sema_on(S, f, hd);
      if (hd->kind >= 0)
        m->nhandlers++;
    }
  }
}

/* ---- a shape's tick: (shape NAME (tick STMT...)) ---------------------- */

/* A number in a tick's result: a literal is checked here, an expression
 * by its type (a text is refused; the rest at run time). */
static void crowdc_sema_tick_number(crowdc_sema_ctx *S, crowdc_node *e, const char *what, int rate)
{
  if (e->kind == CROWDC_N_INT || e->kind == CROWDC_N_DEC || e->kind == CROWDC_N_DURATION) {
    double v = e->kind == CROWDC_N_INT ? (double)e->u.i : e->u.d;
    if (rate && !(v > 0))
      crowdc_diag_error(S->diag, &e->loc, "the tick's %s must be above 0", what);
    else if (!rate && (v < 0 || e->kind != CROWDC_N_INT))
      crowdc_diag_error(S->diag, &e->loc, "the tick's %s must be a whole number >= 0", what);
    return;
  }
  char t = crowdc_sema_expr(S, e);
  if (t == 's')
    crowdc_diag_error(S->diag, &e->loc, "the tick's %s must be a number, got a string", what);
}

/* [USERS RATE] or [USERS RATE [CLASS...]]: the tick's value, which ends it;
 * nil ends it with no value (the test stops). */
int crowdc_sema_tick_result(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st)
{
  memset(st, 0, sizeof *st);
  st->kind = CROWDC_S_RESULT;
  st->form = form;
  st->slot = -1;
  st->feeder = -1;
  if (crowdc_ast_is(form, CROWDC_N_SYMBOL, "nil"))
    return 0;
  if (form->kind != CROWDC_N_VECTOR) {
    crowdc_diag_error(S->diag, &form->loc, "a tick gives [USERS RATE], [USERS RATE [CLASS ...]] or nil, got %s",
                      crowdc_ast_kind_name(form->kind));
    return -1;
  }
  size_t n = form->u.seq.n;
  if (n < 2 || n > 3) {
    crowdc_diag_error(S->diag, &form->loc,
                      "a tick gives [USERS RATE] or [USERS RATE [CLASS ...]], got a vector of %zu item%s", n,
                      n == 1 ? "" : "s");
    return -1;
  }
  st->expr = form->u.seq.items[0];
  st->rate = form->u.seq.items[1];
  crowdc_sema_tick_number(S, form->u.seq.items[0], "user count", 0);
  crowdc_sema_tick_number(S, form->u.seq.items[1], "spawn rate", 1);
  if (n == 3 && crowdc_load_classes(S->arena, S->diag, S->model, form->u.seq.items[2], &st->classes,
                                    &st->nclasses) != 0)
    return -1;
  return 0;
}

static const char *const crowdc_sema_tick_vars[CROWD_TICK_COUNT] = { "run-time", "user-count" };

/* The first (tick ...) of the first (shape ...): its statements in a scope
 * of their own, as a handler's, with run-time and user-count defined.
 * load.c checks the shape's structure (one tick, no stages with it). */
void crowdc_sema_tick(crowdc_sema_ctx *S, const crowdc_node *root)
{
  const crowdc_node *shape = NULL, *tick = NULL;
  for (size_t i = 0; i < root->u.seq.n && !shape; i++) {
    const crowdc_node *h = crowdc_sema_head(root->u.seq.items[i]);
    if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "shape"))
      shape = root->u.seq.items[i];
  }
  for (size_t i = 2; shape && i < shape->u.seq.n && !tick; i++) {
    const crowdc_node *h = crowdc_sema_head(shape->u.seq.items[i]);
    if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "tick"))
      tick = shape->u.seq.items[i];
  }
  if (!tick || S->diag->stopped)
    return;
  crowdc_tick *t = crowdc_arena_alloc(S->arena, sizeof *t);
  memset(t, 0, sizeof *t);
  t->form = tick;
  t->u.name = tick->u.seq.items[0];
  crowdc_sema_scope_enter(S, &t->u);
  S->in_tick = 1;
  for (int k = 0; k < CROWD_TICK_COUNT; k++) {
    const char *name = crowdc_sema_tick_vars[k];
    int slot = crowdc_sema_slot(S, crowdc_ast_name(S->arena, CROWDC_N_SYMBOL, tick->loc, name, strlen(name)));
    crowdc_sema_define(S, slot);
    crowdc_sema_set_rowof(S, slot, -1);
  }
  size_t n = tick->u.seq.n - 1;
  t->u.init = crowdc_arena_alloc(S->arena, (n + 1) * sizeof *t->u.init);
  crowdc_sema_stmts(S, tick->u.seq.items + 1, n, t->u.init, &t->u.ninit);
  S->in_tick = 0;
  S->model->tick = t;
}
