#include "config.h"

/* The checks of users, their tasks and task sets (sema_int.h). */

#include <limits.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/sema_int.h"

/* ---- tasks and users -------------------------------------------------- */

static const char *const crowdc_sema_set_forms[] = { "task", "taskset", "sequence", "on-start", "on-stop" };
static const char *const crowdc_sema_clients[] = { "http", "fast" }; /* crowdc_client order */
static const char *const crowdc_sema_waits[] = {
  "between", "constant", "constant-pacing", "constant-throughput",
};

static const char *const crowdc_sema_task_opts[] = { "weight", "tags" };
static void crowdc_sema_tags(crowdc_sema_ctx *S, const crowdc_node *v, crowdc_task *t);

/* :weight N of a task or a task set (w may be NULL). */
static void crowdc_sema_weight(crowdc_sema_ctx *S, const crowdc_node *w, const char *what, crowdc_task *t)
{
  if (w == NULL)
    return;
  if (w->kind != CROWDC_N_INT || w->u.i < 0 || w->u.i > INT_MAX)
    crowdc_diag_error(S->diag, &w->loc, "the weight of a %s must be a whole number >= 0", what);
  else
    t->weight = (int)w->u.i;
}

static void crowdc_sema_task(crowdc_sema_ctx *S, crowdc_node *form, crowdc_task *t)
{
  memset(t, 0, sizeof *t);
  t->weight = 1;
  if (form->u.seq.n < 2 || form->u.seq.items[1]->kind != CROWDC_N_SYMBOL) {
    const crowdc_node *at = form->u.seq.n < 2 ? form : form->u.seq.items[1];
    crowdc_diag_error(S->diag, &at->loc, "expected a task name after 'task'");
    return;
  }
  t->name = form->u.seq.items[1];
  crowdc_sema_opts o = { .names = crowdc_sema_task_opts, .n = 2 };
  crowdc_sema_options(S, form, 2, "task", &o);
  crowdc_sema_tags(S, o.val[1], t);
  crowdc_sema_weight(S, o.val[0], "task", t);
  size_t scope_mark = S->nscope;
  t->stmts = crowdc_arena_alloc(S->arena, (o.nrest + 1) * sizeof *t->stmts);
  int where = S->where;
  S->where = CROWDC_IN_TASK;
  crowdc_sema_stmts(S, (crowdc_node *const *)o.rest, o.nrest, t->stmts, &t->nstmts);
  S->where = where;
  crowdc_sema_scope_pop(S, scope_mark);
}

/* :wait (between A B) and friends. */
static void crowdc_sema_wait(crowdc_sema_ctx *S, const crowdc_node *w, crowdc_user *u)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  const crowdc_node *h = crowdc_sema_head(w);
  if (!h) {
    crowdc_diag_error(S->diag, &w->loc,
                      "':wait' takes a wait function such as (between 1s 3s), got %s",
                      crowdc_ast_kind_name(w->kind));
    return;
  }
  int kind = -1;
  for (size_t k = 0; k < CROWDC_COUNT(crowdc_sema_waits); k++)
    if (crowdc_ast_is(h, CROWDC_N_SYMBOL, crowdc_sema_waits[k]))
      kind = (int)k;
  if (kind < 0) {
    crowdc_diag_error(S->diag, &h->loc, "unknown wait function '%s'%s",
                      Q(q, h->u.name.p, h->u.name.len),
                      crowdc_diag_hint(hint, sizeof hint, h->u.name.p, h->u.name.len,
                                       crowdc_sema_waits, CROWDC_COUNT(crowdc_sema_waits)));
    return;
  }
  static const crowdc_wait kinds[] = {
    CROWDC_WAIT_BETWEEN, CROWDC_WAIT_CONSTANT, CROWDC_WAIT_PACING, CROWDC_WAIT_THROUGHPUT,
  };
  const char *name = crowdc_sema_waits[kind];
  size_t want = kind == 0 ? 2 : 1;
  size_t nargs = w->u.seq.n - 1;
  if (nargs != want) {
    crowdc_diag_error(S->diag, &w->loc, "'%s' takes %zu argument%s, got %zu", name, want,
                      want == 1 ? "" : "s", nargs);
    return;
  }
  double v[2] = { 0, 0 };
  for (size_t i = 0; i < nargs; i++) {
    const crowdc_node *a = w->u.seq.items[i + 1];
    if (kinds[kind] == CROWDC_WAIT_THROUGHPUT) {
      if ((a->kind != CROWDC_N_INT && a->kind != CROWDC_N_DEC) || crowdc_sema_number(a) <= 0) {
        crowdc_diag_error(S->diag, &a->loc,
                          "'constant-throughput' takes a positive number of tasks per second");
        return;
      }
    } else if (!crowdc_sema_is_number(a)) {
      crowdc_diag_error(S->diag, &a->loc,
                        "'%s' takes durations such as 500ms or 2s (or seconds), got %s", name,
                        crowdc_ast_kind_name(a->kind));
      return;
    } else if (crowdc_sema_number(a) < 0) {
      crowdc_diag_error(S->diag, &a->loc, "a wait time cannot be negative");
      return;
    }
    v[i] = crowdc_sema_number(a);
  }
  if (kinds[kind] == CROWDC_WAIT_BETWEEN && v[0] > v[1]) {
    crowdc_diag_error(S->diag, &w->loc,
                      "the first bound of 'between' must not be greater than the second");
    return;
  }
  u->wait = kinds[kind];
  u->wait_a = v[0];
  u->wait_b = kinds[kind] == CROWDC_WAIT_BETWEEN ? v[1] : 0;
}

/* :client http|fast; 0 and *client set, or -1 after an error. */
int crowdc_sema_client(crowdc_sema_ctx *S, const crowdc_node *v, crowdc_client *client)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  if (v->kind != CROWDC_N_SYMBOL) {
    crowdc_diag_error(S->diag, &v->loc, "':client' takes a client name, http or fast, got %s",
                      crowdc_ast_kind_name(v->kind));
    return -1;
  }
  for (size_t k = 0; k < CROWDC_COUNT(crowdc_sema_clients); k++)
    if (crowdc_ast_is(v, CROWDC_N_SYMBOL, crowdc_sema_clients[k])) {
      *client = (crowdc_client)k;
      return 0;
    }
  crowdc_diag_hint(hint, sizeof hint, v->u.name.p, v->u.name.len, crowdc_sema_clients,
                   CROWDC_COUNT(crowdc_sema_clients));
  crowdc_diag_error(S->diag, &v->loc, "unknown HTTP client '%s'%s",
                    Q(q, v->u.name.p, v->u.name.len), hint[0] ? hint : " (use http or fast)");
  return -1;
}

/* ---- task sets and tags (LOCUST-COMPAT.md §8) -------------------------- */

/* A tag's text: a symbol's name or a plain string's bytes. */
static const char *crowdc_sema_tag_text(const crowdc_node *n, size_t *len)
{
  if (n->kind == CROWDC_N_SYMBOL) {
    *len = n->u.name.len;
    return n->u.name.p;
  }
  *len = n->u.str.n ? n->u.str.parts[0].len : 0;
  return n->u.str.n ? n->u.str.parts[0].p : "";
}

/* :tags [a b] (v may be NULL): t->tags is the enclosing sets' tags and
 * these, each once (Locust's @tag on a TaskSet tags all its tasks). */
static void crowdc_sema_tags(crowdc_sema_ctx *S, const crowdc_node *v, crowdc_task *t)
{
  t->tags = S->tags;
  t->ntags = S->ntags;
  if (v == NULL)
    return;
  if (v->kind != CROWDC_N_VECTOR) {
    crowdc_diag_error(S->diag, &v->loc,
                      "':tags' takes a vector of tag names such as [checkout slow], got %s",
                      crowdc_ast_kind_name(v->kind));
    return;
  }
  const crowdc_node **tags = crowdc_arena_alloc(S->arena, (S->ntags + v->u.seq.n + 1) * sizeof *tags);
  size_t n = S->ntags;
  if (n)
    memcpy(tags, S->tags, n * sizeof *tags);
  for (size_t i = 0; i < v->u.seq.n; i++) {
    const crowdc_node *g = v->u.seq.items[i];
    size_t len, glen;
    if ((g->kind != CROWDC_N_SYMBOL && !crowdc_ast_plain_string(g)) ||
        (crowdc_sema_tag_text(g, &len), len == 0)) {
      crowdc_diag_error(S->diag, &g->loc, "a tag is a name such as checkout or \"slow\", got %s",
                        g->kind == CROWDC_N_STRING && crowdc_ast_plain_string(g)
                            ? "an empty string" : crowdc_ast_kind_name(g->kind));
      continue;
    }
    const char *p = crowdc_sema_tag_text(g, &len);
    size_t k;
    for (k = 0; k < n; k++) {
      const char *q = crowdc_sema_tag_text(tags[k], &glen);
      if (glen == len && memcmp(p, q, len) == 0)
        break;
    }
    if (k == n)
      tags[n++] = g;
  }
  t->tags = tags;
  t->ntags = n;
}

static void crowdc_sema_taskset(crowdc_sema_ctx *S, crowdc_node *form, crowdc_task *t);

/* The tasks and task sets among items, in order, appended to out; their
 * names are unique among them (Locust's method names in one class). */
static void crowdc_sema_entries(crowdc_sema_ctx *S, crowdc_node *const *items, size_t n,
                                crowdc_task *out, size_t *nout, const char *owner_kind,
                                const crowdc_node *owner)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], q2[CROWDC_DIAG_QUOTE_SIZE];
  crowdc_sema_nameset names = { 0 };
  for (size_t i = 0; i < n && !S->diag->stopped; i++) {
    crowdc_node *b = items[i];
    const crowdc_node *h = crowdc_sema_head(b);
    crowdc_task *t = &out[*nout];
    if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "task"))
      crowdc_sema_task(S, b, t);
    else if (h && (crowdc_ast_is(h, CROWDC_N_SYMBOL, "taskset") ||
                   crowdc_ast_is(h, CROWDC_N_SYMBOL, "sequence")))
      crowdc_sema_taskset(S, b, t);
    else
      continue;
    if (!t->name)
      continue;
    const crowdc_node *prev = crowdc_sema_nameset_add(S->arena, &names, t->name);
    if (prev) {
      crowdc_diag_error(S->diag, &t->name->loc, "duplicate task '%s' in %s '%s'",
                        Q(q, t->name->u.name.p, t->name->u.name.len), owner_kind,
                        Q(q2, owner->u.name.p, owner->u.name.len));
      crowdc_diag_note(S->diag, &prev->loc, "previous definition is here");
    }
    (*nout)++;
  }
}

static const char *const crowdc_sema_set_opts[] = { "weight", "wait", "tags" };

/* (taskset NAME :weight N :wait W :tags [...] (on-start ...) (on-stop ...)
 * (task ...) (taskset ...) ...) and (sequence NAME ...). */
static void crowdc_sema_taskset(crowdc_sema_ctx *S, crowdc_node *form, crowdc_task *t)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  memset(t, 0, sizeof *t);
  t->weight = 1;
  int seq = crowdc_ast_is(form->u.seq.items[0], CROWDC_N_SYMBOL, "sequence");
  const char *kind = seq ? "sequence" : "taskset";
  if (form->u.seq.n < 2 || form->u.seq.items[1]->kind != CROWDC_N_SYMBOL) {
    const crowdc_node *at = form->u.seq.n < 2 ? form : form->u.seq.items[1];
    crowdc_diag_error(S->diag, &at->loc, "expected a task set name after '%s'", kind);
    return;
  }
  if (S->set_depth + 2 > CROWD_TASKSET_DEPTH) {
    crowdc_diag_error(S->diag, &form->u.seq.items[0]->loc,
                      "task sets nest too deeply (at most %d inside one another)",
                      CROWD_TASKSET_DEPTH - 1);
    return;
  }
  t->name = form->u.seq.items[1];
  crowdc_taskset *ts = crowdc_arena_alloc(S->arena, sizeof *ts);
  memset(ts, 0, sizeof *ts);
  ts->sequential = seq;
  t->set = ts;
  crowdc_sema_opts o = { .names = crowdc_sema_set_opts, .n = 3 };
  crowdc_sema_options(S, form, 2, kind, &o);
  crowdc_sema_weight(S, o.val[0], "task set", t);
  if (o.val[1]) { /* the user's wait checks, into the set */
    crowdc_user tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.wait = CROWDC_WAIT_NONE;
    int errors = S->diag->nerrors;
    crowdc_sema_wait(S, o.val[1], &tmp);
    ts->has_wait = S->diag->nerrors == errors;
    ts->wait = tmp.wait;
    ts->wait_a = tmp.wait_a;
    ts->wait_b = tmp.wait_b;
  }
  crowdc_sema_tags(S, o.val[2], t);

  /* on-start, on-stop: at most one each; anything else is out of place */
  const crowdc_node *start = NULL, *stop = NULL;
  for (size_t i = 0; i < o.nrest; i++) {
    crowdc_node *b = (crowdc_node *)o.rest[i];
    const crowdc_node *h = crowdc_sema_head(b);
    int is_start = h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-start");
    if (is_start || (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-stop"))) {
      const crowdc_node **seen = is_start ? &start : &stop;
      if (*seen) {
        crowdc_diag_error(S->diag, &h->loc, "duplicate '%s' in task set '%s'",
                          is_start ? "on-start" : "on-stop",
                          Q(q, t->name->u.name.p, t->name->u.name.len));
        crowdc_diag_note(S->diag, &(*seen)->u.seq.items[0]->loc, "the first one is here");
        continue;
      }
      *seen = b;
    } else if (!h || !crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_set_forms,
                                     CROWDC_COUNT(crowdc_sema_set_forms))) {
      crowdc_sema_unknown_form(S, b, "(task ...)", crowdc_sema_set_forms,
                               CROWDC_COUNT(crowdc_sema_set_forms));
    }
  }
  /* on-start runs before the set's tasks: what it defines, they see; its
   * on-stop sees it too.  Nothing of it outside the set. */
  size_t mark = S->nscope;
  int where = S->where;
  const crowdc_node **tags = S->tags;
  size_t ntags = S->ntags;
  S->set_depth++;
  S->tags = t->tags;
  S->ntags = t->ntags;
  if (start) {
    ts->has_start = 1;
    ts->start = crowdc_arena_alloc(S->arena, start->u.seq.n * sizeof *ts->start);
    S->where = CROWDC_IN_SET_START;
    crowdc_sema_stmts(S, start->u.seq.items + 1, start->u.seq.n - 1, ts->start, &ts->nstart);
  }
  ts->tasks = crowdc_arena_alloc(S->arena, (o.nrest + 1) * sizeof *ts->tasks);
  S->where = CROWDC_IN_BLOCK;
  crowdc_sema_entries(S, (crowdc_node *const *)o.rest, o.nrest, ts->tasks, &ts->ntasks,
                      "task set", t->name);
  if (stop && !S->diag->stopped) {
    ts->has_stop = 1;
    ts->stop = crowdc_arena_alloc(S->arena, stop->u.seq.n * sizeof *ts->stop);
    S->where = CROWDC_IN_SET_STOP;
    crowdc_sema_stmts(S, stop->u.seq.items + 1, stop->u.seq.n - 1, ts->stop, &ts->nstop);
  }
  S->where = where;
  S->set_depth--;
  S->tags = tags;
  S->ntags = ntags;
  crowdc_sema_scope_pop(S, mark);
  size_t forms = 0; /* a task that failed its checks is not "no tasks" */
  for (size_t i = 0; i < o.nrest; i++) {
    const crowdc_node *h = crowdc_sema_head(o.rest[i]);
    forms += h && crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_set_forms, 3);
  }
  if (forms == 0)
    crowdc_diag_error(S->diag, &t->name->loc, "task set '%s' has no tasks",
                      Q(q, t->name->u.name.p, t->name->u.name.len));
}

static const char *const crowdc_sema_user_opts[] = {
  "weight", "wait", "client", "fixed-count", "abstract", "extends",
  "headers", "auth", "cookies", "redirects", "verify", "http2", /* crowdc_sema_user_http */
  "arrival", /* checked by load.c */
  "client-cert", "client-key", /* crowdc_sema_user_http */
};

/* :fixed-count N and :abstract true|false (:extends was resolved by
 * crowdc_sema_inherit). */
static void crowdc_sema_user_kind(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_user *u)
{
  const crowdc_node *a = crowdc_sema_opt_get(o, "abstract", NULL);
  const crowdc_node *f = crowdc_sema_opt_get(o, "fixed-count", NULL);
  if (a) {
    u->abstract = crowdc_ast_is(a, CROWDC_N_SYMBOL, "true");
    if (!u->abstract && !crowdc_ast_is(a, CROWDC_N_SYMBOL, "false"))
      crowdc_diag_error(S->diag, &a->loc, "':abstract' takes true or false, got %s",
                        crowdc_ast_kind_name(a->kind));
  }
  if (f) {
    if (f->kind != CROWDC_N_INT || f->u.i < 0 || f->u.i > INT_MAX)
      crowdc_diag_error(S->diag, &f->loc, "':fixed-count' takes a whole number >= 0");
    else
      u->fixed_count = (int)f->u.i;
  }
  /* An abstract user's own :fixed-count would never spawn anyone; one it
   * inherits is its base's business. */
  const crowdc_node *fkw = NULL;
  for (size_t k = 0; k < o->n; k++)
    if (f && o->val[k] == f)
      fkw = o->kw[k];
  for (size_t i = 0; fkw && u->abstract && S->own_form && i < S->own_form->u.seq.n; i++)
    if (S->own_form->u.seq.items[i] == fkw) {
      crowdc_diag_error(S->diag, &fkw->loc,
                        "':fixed-count' on an abstract user: abstract users are never spawned");
      crowdc_diag_note(S->diag, &a->loc, "made abstract here");
    }
}

void crowdc_sema_user(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *name,
                      crowdc_user *u)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  memset(u, 0, sizeof *u);
  u->name = name;
  u->weight = 1;
  crowdc_sema_scope_enter(S, u);
  S->tags = NULL;
  S->ntags = 0;
  crowdc_sema_opts o = { .names = crowdc_sema_user_opts, .n = CROWDC_COUNT(crowdc_sema_user_opts) };
  crowdc_sema_options(S, form, 2, "user", &o);
  crowdc_sema_user_kind(S, &o, u);
  u->arrival = crowdc_sema_opt_get(&o, "arrival", NULL);
  crowdc_sema_user_http(S, &o, u);
  if (o.val[0]) {
    const crowdc_node *w = o.val[0];
    if ((w->kind != CROWDC_N_INT && w->kind != CROWDC_N_DEC) || crowdc_sema_number(w) <= 0)
      crowdc_diag_error(S->diag, &w->loc, "the weight of a user must be a positive number");
    else
      u->weight = crowdc_sema_number(w);
  }
  if (o.val[1])
    crowdc_sema_wait(S, o.val[1], u);
  if (o.val[2] && crowdc_sema_client(S, o.val[2], &u->client) == 0)
    u->client_at = o.val[2];

  /* User-level lets and on-start first, in source order: on_start runs
   * them before any task, so what they define is defined in every task. */
  size_t ninit = 0;
  for (size_t i = 0; i < o.nrest; i++) {
    const crowdc_node *b = o.rest[i], *h = crowdc_sema_head(b);
    ninit += h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-start") ? b->u.seq.n : 1;
  }
  u->init = crowdc_arena_alloc(S->arena, (ninit + 1) * sizeof *u->init);
  u->tasks = crowdc_arena_alloc(S->arena, (o.nrest + 1) * sizeof *u->tasks);
  const crowdc_node *on_start = NULL, *on_stop = NULL;
  for (size_t i = 0; i < o.nrest; i++) {
    crowdc_node *b = (crowdc_node *)o.rest[i];
    const crowdc_node *h = crowdc_sema_head(b);
    if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "let")) {
      if (crowdc_sema_let(S, b, &u->init[u->ninit]) == 0)
        u->ninit++;
    } else if (h && (crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-start") ||
                     crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-stop"))) {
      int start = crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-start");
      const crowdc_node **seen = start ? &on_start : &on_stop;
      if (*seen) {
        crowdc_diag_error(S->diag, &h->loc, "duplicate '%s' in user '%s'", start ? "on-start" : "on-stop",
                          Q(q, u->name->u.name.p, u->name->u.name.len));
        crowdc_diag_note(S->diag, &(*seen)->loc, "the first one is here");
        continue;
      }
      *seen = h;
      if (start)
        crowdc_sema_stmts(S, b->u.seq.items + 1, b->u.seq.n - 1, u->init, &u->ninit);
    } else if (!h || !(crowdc_ast_is(h, CROWDC_N_SYMBOL, "task") ||
                       crowdc_ast_is(h, CROWDC_N_SYMBOL, "taskset") ||
                       crowdc_ast_is(h, CROWDC_N_SYMBOL, "sequence"))) {
      crowdc_sema_unknown_form(S, b, "(task ...)", crowdc_sema_user_forms,
                               CROWDC_COUNT(crowdc_sema_user_forms));
    }
  }
  crowdc_sema_entries(S, (crowdc_node *const *)o.rest, o.nrest, u->tasks, &u->ntasks, "user",
                      u->name);
  /* on-stop sees what on-start defined; its own lets stay its own. */
  const crowdc_node *stop_form = NULL;
  for (size_t i = 0; on_stop && i < o.nrest; i++)
    if (o.rest[i]->u.seq.n && o.rest[i]->u.seq.items[0] == on_stop)
      stop_form = o.rest[i];
  if (stop_form && !S->diag->stopped) {
    const crowdc_node *on_stop_form = stop_form;
    size_t mark = S->nscope;
    u->has_stop = 1;
    u->stop = crowdc_arena_alloc(S->arena, on_stop_form->u.seq.n * sizeof *u->stop);
    crowdc_sema_stmts(S, on_stop_form->u.seq.items + 1, on_stop_form->u.seq.n - 1, u->stop,
                      &u->nstop);
    crowdc_sema_scope_pop(S, mark);
  }
  crowdc_sema_user_http_end(S, u);
  if (u->ntasks == 0 && !u->abstract)
    crowdc_diag_error(S->diag, &u->name->loc, "user '%s' has no tasks",
                      Q(q, u->name->u.name.p, u->name->u.name.len));
}
