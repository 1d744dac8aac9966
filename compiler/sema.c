/* sema.c — the checks' entry point: the file's top-level forms, feeders,
 * and the helpers and option splitter the other sema files share.  The
 * checks themselves: sema_expr.c (variables, expressions, feeder rows),
 * sema_flow.c (statements, control flow), sema_request.c and sema_resp.c
 * (requests, their response blocks), sema_users.c (users, tasks, task
 * sets), sema_extends.c (:extends), sema_events.c (handlers, a tick). */
#include "config.h"

#include "compiler/sema.h"

#include <stdio.h>
#include <string.h>

#include "compiler/load.h"
#include "compiler/sema_int.h"
#include "compiler/thresholds.h"
#include "compiler/upload.h"

const char *const crowdc_sema_methods[CROWDC_NMETHODS] = {
  "get", "post", "put", "patch", "delete", "head", "options",
};

/* Every form of the language, for "did you mean" and misplaced forms. */
const char *const crowdc_sema_top_forms[CROWDC_SEMA_NTOP_FORMS] = {
  "scenario", "user", "feeder", "threshold", "options", "shape", "on", "extension",
};
const char *const crowdc_sema_user_forms[CROWDC_SEMA_NUSER_FORMS] = {
  "let", "task", "on-start", "on-stop", "taskset", "sequence",
};
const char *const crowdc_sema_task_forms[CROWDC_SEMA_NTASK_FORMS] = {
  "let", "get", "post", "put", "patch", "delete", "head", "options",
  "if", "when", "unless", "repeat", "loop-while", "sleep", "log",
  "interrupt", "reschedule", "reschedule-now",
};
/* What a request's response block holds. */
const char *const crowdc_sema_resp_forms[CROWDC_SEMA_NRESP_FORMS] = { "expect", "save", "success", "failure" };

/* ---- helpers ---------------------------------------------------------- */

int crowdc_sema_streq(const char *p, size_t len, const char *s)
{
  return strlen(s) == len && memcmp(p, s, len) == 0;
}

int crowdc_sema_in(const char *p, size_t len, const char *const *set, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (crowdc_sema_streq(p, len, set[i]))
      return 1;
  return 0;
}

/* The head symbol of a form, or NULL. */
const crowdc_node *crowdc_sema_head(const crowdc_node *n)
{
  if (n->kind != CROWDC_N_LIST || n->u.seq.n == 0)
    return NULL;
  const crowdc_node *h = n->u.seq.items[0];
  return h->kind == CROWDC_N_SYMBOL ? h : NULL;
}

int crowdc_sema_is_const(const crowdc_node *sym)
{
  return crowdc_ast_is(sym, CROWDC_N_SYMBOL, "true") ||
         crowdc_ast_is(sym, CROWDC_N_SYMBOL, "false") ||
         crowdc_ast_is(sym, CROWDC_N_SYMBOL, "nil");
}

int crowdc_sema_is_number(const crowdc_node *n)
{
  return n->kind == CROWDC_N_INT || n->kind == CROWDC_N_DEC || n->kind == CROWDC_N_DURATION;
}

double crowdc_sema_number(const crowdc_node *n)
{
  return n->kind == CROWDC_N_INT ? (double)n->u.i : n->u.d;
}

/* A form's name was not one of the forms allowed where it stands. */
void crowdc_sema_unknown_form(crowdc_sema_ctx *S, const crowdc_node *form,
                              const char *where, const char *const *cands, size_t n)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  const crowdc_node *h = crowdc_sema_head(form);
  if (!h) {
    const crowdc_node *what = form->kind == CROWDC_N_LIST && form->u.seq.n ? form->u.seq.items[0] : form;
    crowdc_diag_error(S->diag, &what->loc, "expected a form such as %s, got %s", where,
                      form->kind == CROWDC_N_LIST && form->u.seq.n == 0
                          ? "an empty list"
                          : crowdc_ast_kind_name(what->kind));
    return;
  }
  const char *p = h->u.name.p;
  size_t len = h->u.name.len;
  const char *placement = NULL;
  if (crowdc_sema_in(p, len, crowdc_sema_top_forms, CROWDC_COUNT(crowdc_sema_top_forms)))
    placement = "is only allowed at the top level";
  else if (crowdc_sema_streq(p, len, "task") || crowdc_sema_streq(p, len, "on-start") ||
           crowdc_sema_streq(p, len, "on-stop") || crowdc_sema_streq(p, len, "taskset") ||
           crowdc_sema_streq(p, len, "sequence"))
    placement = "is only allowed directly inside a user or a task set";
  else if (crowdc_sema_in(p, len, crowdc_sema_resp_forms, CROWDC_COUNT(crowdc_sema_resp_forms)))
    placement = "is only allowed inside a request, after its path and options";
  else if (crowdc_sema_in(p, len, crowdc_sema_methods, CROWDC_NMETHODS) ||
           crowdc_sema_in(p, len, crowdc_sema_task_forms + 8, CROWDC_COUNT(crowdc_sema_task_forms) - 8))
    placement = "is only allowed inside a task";
  else if (crowdc_sema_streq(p, len, "let"))
    placement = "is only allowed inside a user or a task";
  if (placement) {
    crowdc_diag_error(S->diag, &h->loc, "'%s' %s", Q(q, p, len), placement);
    return;
  }
  crowdc_diag_error(S->diag, &h->loc, "unknown form '%s'%s", Q(q, p, len),
                    crowdc_diag_hint(hint, sizeof hint, p, len, cands, n));
}

/* ---- options (:key value pairs) ---------------------------------------- */

/* Split the items of form from index start into options and the rest. */
void crowdc_sema_options(crowdc_sema_ctx *S, const crowdc_node *form, size_t start,
                         const char *formname, crowdc_sema_opts *o)
{
  char q2[CROWDC_DIAG_QUOTE_SIZE];
  size_t n = form->u.seq.n;
  o->rest = crowdc_arena_alloc(S->arena, (n + 1) * sizeof *o->rest);
  o->nrest = 0;
  for (size_t i = 0; i < 16; i++)
    o->kw[i] = o->val[i] = NULL;
  for (size_t i = start; i < n; i++) {
    const crowdc_node *it = form->u.seq.items[i];
    if (it->kind != CROWDC_N_KEYWORD) {
      o->rest[o->nrest++] = it;
      continue;
    }
    size_t k;
    for (k = 0; k < o->n; k++)
      if (crowdc_sema_streq(it->u.name.p, it->u.name.len, o->names[k]))
        break;
    if (k == o->n) {
      crowdc_diag_unknown_option(S->diag, &it->loc, it->u.name.p, it->u.name.len, o->names, o->n,
                                 Q(q2, formname, strlen(formname)));
      if (i + 1 < n && form->u.seq.items[i + 1]->kind != CROWDC_N_KEYWORD)
        i++;
      continue;
    }
    if (i + 1 >= n || form->u.seq.items[i + 1]->kind == CROWDC_N_KEYWORD) {
      crowdc_diag_error(S->diag, &it->loc, "missing value for ':%s'", o->names[k]);
      continue;
    }
    if (o->kw[k]) {
      crowdc_diag_error(S->diag, &it->loc, "duplicate option ':%s'", o->names[k]);
      crowdc_diag_note(S->diag, &o->kw[k]->loc, "first given here");
    } else {
      o->kw[k] = it;
      o->val[k] = form->u.seq.items[i + 1];
    }
    i++;
  }
}

/* The value of option name, or NULL. */
const crowdc_node *crowdc_sema_opt_get(const crowdc_sema_opts *o, const char *name, const crowdc_node **kw)
{
  for (size_t k = 0; k < o->n && k < 16; k++)
    if (strcmp(o->names[k], name) == 0) {
      if (kw)
        *kw = o->kw[k];
      return o->val[k];
    }
  return NULL;
}

/* ---- name sets: duplicates in linear time ------------------------------ */

uint32_t crowdc_sema_hash(const char *p, size_t len)
{
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)p[i]) * 16777619u;
  return h;
}

static void crowdc_sema_nameset_put(crowdc_sema_nameset *set, const crowdc_node *sym)
{
  size_t mask = set->cap - 1;
  size_t i = crowdc_sema_hash(sym->u.name.p, sym->u.name.len) & mask;
  while (set->tab[i])
    i = (i + 1) & mask;
  set->tab[i] = sym;
}

/* The node already in the set with sym's name; else add sym, NULL. */
const crowdc_node *crowdc_sema_nameset_add(crowdc_arena *a, crowdc_sema_nameset *set,
                                           const crowdc_node *sym)
{
  if (set->cap) {
    size_t mask = set->cap - 1;
    for (size_t i = crowdc_sema_hash(sym->u.name.p, sym->u.name.len) & mask; set->tab[i];
         i = (i + 1) & mask) {
      const crowdc_node *o = set->tab[i];
      if (o->u.name.len == sym->u.name.len && memcmp(o->u.name.p, sym->u.name.p, o->u.name.len) == 0)
        return o;
    }
  }
  if ((set->n + 1) * 2 > set->cap) {
    const crowdc_node **old = set->tab;
    size_t oldcap = set->cap;
    set->cap = set->cap ? set->cap * 2 : 16;
    set->tab = crowdc_arena_alloc(a, set->cap * sizeof *set->tab);
    for (size_t i = 0; i < oldcap; i++)
      if (old[i])
        crowdc_sema_nameset_put(set, old[i]);
  }
  crowdc_sema_nameset_put(set, sym);
  set->n++;
  return NULL;
}

/* ---- feeders: (feeder NAME (csv "file") :strategy S) ----------------------- */

static const char *const crowdc_sema_strategies[] = { "cycle", "random", "shuffle", "unique" };

static void crowdc_sema_feeder(crowdc_sema_ctx *S, const crowdc_node *form, crowdc_sema_nameset *names)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  static const char *const opts[] = { "strategy" };
  crowdc_model *m = S->model;
  size_t n = form->u.seq.n;
  if (n < 2 || form->u.seq.items[1]->kind != CROWDC_N_SYMBOL) {
    crowdc_diag_error(S->diag, &(n < 2 ? form : form->u.seq.items[1])->loc,
                      "expected a feeder name after 'feeder': (feeder accounts (csv \"accounts.csv\"))");
    return;
  }
  const crowdc_node *name = form->u.seq.items[1];
  if (memchr(name->u.name.p, '.', name->u.name.len)) {
    crowdc_diag_error(S->diag, &name->loc, "a feeder name cannot contain '.'");
    return;
  }
  crowdc_sema_opts o = { .names = opts, .n = 1 };
  crowdc_sema_options(S, form, 2, "feeder", &o);
  const crowdc_node *src = o.nrest ? o.rest[0] : NULL;
  const crowdc_node *h = src ? crowdc_sema_head(src) : NULL;
  if (!h || !crowdc_ast_is(h, CROWDC_N_SYMBOL, "csv")) {
    crowdc_diag_error(S->diag, &(src ? src : form)->loc, "a feeder reads (csv \"file.csv\")%s",
                      src ? "" : ": it is missing");
    return;
  }
  size_t len;
  if (src->u.seq.n != 2) {
    crowdc_diag_error(S->diag, &src->loc, "'csv' takes one file name: (csv \"accounts.csv\")");
    return;
  }
  const char *path = crowdc_sema_plain(S, src->u.seq.items[1], "a CSV file name", &len);
  if (!path)
    return;
  if (len == 0) {
    crowdc_diag_error(S->diag, &src->u.seq.items[1]->loc, "the CSV file name is empty");
    return;
  }
  for (size_t i = 1; i < o.nrest; i++)
    crowdc_diag_error(S->diag, &o.rest[i]->loc, "extra argument to 'feeder': it takes a name, (csv \"file\") "
                      "and :strategy");
  int strategy = 0;
  if (o.val[0]) {
    strategy = crowdc_sema_choice(S, o.val[0], crowdc_sema_strategies, CROWDC_COUNT(crowdc_sema_strategies),
                                  "feeder strategy", "':strategy' takes cycle, random, shuffle or unique");
    if (strategy < 0)
      return;
  }
  const crowdc_node *prev = crowdc_sema_nameset_add(S->arena, names, name);
  if (prev) {
    crowdc_diag_error(S->diag, &name->loc, "duplicate feeder '%s'", Q(q, name->u.name.p, name->u.name.len));
    crowdc_diag_note(S->diag, &prev->loc, "previous definition is here");
    return;
  }
  crowdc_feeder *f = &m->feeders[m->nfeeders++];
  memset(f, 0, sizeof *f);
  f->name = name;
  f->path = src->u.seq.items[1];
  f->form = form;
  f->strategy = strategy;
}

/* ---- the file --------------------------------------------------------- */

static void crowdc_sema_scenario(crowdc_sema_ctx *S, crowdc_node *form)
{
  static const char *const names[] = { "host", "client", "client-cert", "client-key" };
  crowdc_model *m = S->model;
  if (form->u.seq.n < 2 || form->u.seq.items[1]->kind != CROWDC_N_SYMBOL) {
    const crowdc_node *at = form->u.seq.n < 2 ? form : form->u.seq.items[1];
    crowdc_diag_error(S->diag, &at->loc, "expected a scenario name after 'scenario'");
    return;
  }
  m->name = form->u.seq.items[1]->u.name.p;
  m->namelen = form->u.seq.items[1]->u.name.len;
  crowdc_sema_opts o = { .names = names, .n = 4 };
  crowdc_sema_options(S, form, 2, "scenario", &o);
  crowdc_upload_cert(S->diag, o.kw[2], o.val[2], o.kw[3], o.val[3], &m->cert, &m->key);
  if (o.val[1] && crowdc_sema_client(S, o.val[1], &m->client) == 0)
    m->client_at = o.val[1];
  for (size_t i = 0; i < o.nrest; i++)
    crowdc_diag_error(S->diag, &o.rest[i]->loc,
                      "extra argument to 'scenario': it takes a name, then options such as :host");
  if (o.val[0]) {
    const crowdc_node *h = o.val[0];
    const char *p = crowdc_ast_plain_string(h) && h->u.str.n ? h->u.str.parts[0].p : NULL;
    size_t len = p ? h->u.str.parts[0].len : 0, bad = 0;
    while (bad < len && (unsigned char)p[bad] > 0x20 && p[bad] != 0x7f)
      bad++;
    if (!p || (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0))
      crowdc_diag_error(S->diag, &h->loc,
                        "':host' must be a URL such as \"http://127.0.0.1:8080\"");
    else if (bad < len) /* also: the runtime reads the host as a C string */
      crowdc_diag_error(S->diag, &h->loc, "':host' cannot hold spaces or control characters");
    else
      m->host = h;
  }
}

/* Each user runs on its own :client, else the scenario's; a user on `fast`
 * must not use what only `http` can do. */
static void crowdc_sema_check_clients(crowdc_sema_ctx *S)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  crowdc_model *m = S->model;
  for (size_t i = 0; i < m->nusers; i++) {
    crowdc_user *u = &m->users[i];
    if (u->client_at == NULL) {
      u->client = m->client;
      u->client_at = m->client_at;
    }
    if (u->cert == NULL) { /* the scenario's client certificate */
      u->cert = m->cert;
      u->key = m->key;
    }
    if (u->client != CROWDC_CLIENT_FAST || u->http_only == NULL)
      continue;
    crowdc_diag_error(S->diag, &u->http_only->loc,
                      "%s needs the 'http' client, but user '%s' runs on 'fast'",
                      u->http_only_what, Q(q, u->name->u.name.p, u->name->u.name.len));
    crowdc_diag_note(S->diag, &u->client_at->loc, "'fast' is chosen here; use ':client http'");
  }
}

/* The scenario's default name: the file's base name without .crowd. */
static void crowdc_sema_default_name(crowdc_model *m, const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  if (len > 6 && strcmp(base + len - 6, ".crowd") == 0)
    len -= 6;
  m->name = base;
  m->namelen = len;
}

crowdc_model *crowdc_sema(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src,
                          const crowdc_node *root)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], q2[CROWDC_DIAG_QUOTE_SIZE];
  crowdc_sema_ctx S = { .arena = a, .diag = d };
  crowdc_model *m = crowdc_arena_alloc(a, sizeof *m);
  S.model = m;
  m->source = src->name;
  crowdc_sema_default_name(m, src->name);
  size_t n = root->u.seq.n;
  m->users = crowdc_arena_alloc(a, (n + 1) * sizeof *m->users);
  const crowdc_node *scenario = NULL;
  crowdc_sema_nameset usernames = { 0 }, feedernames = { 0 };
  /* Feeders first: users may read any of them, wherever it stands. */
  m->feeders = crowdc_arena_alloc(a, (n + 1) * sizeof *m->feeders);
  for (size_t i = 0; i < n && !d->stopped; i++) {
    const crowdc_node *f = root->u.seq.items[i], *h = crowdc_sema_head(f);
    if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "feeder"))
      crowdc_sema_feeder(&S, f, &feedernames);
  }
  for (size_t i = 0; i < n && !d->stopped; i++) {
    crowdc_node *f = root->u.seq.items[i];
    const crowdc_node *h = crowdc_sema_head(f);
    if (h && (crowdc_ast_is(h, CROWDC_N_SYMBOL, "feeder") ||
              crowdc_ast_is(h, CROWDC_N_SYMBOL, "threshold") ||
              crowdc_ast_is(h, CROWDC_N_SYMBOL, "options") ||
              crowdc_ast_is(h, CROWDC_N_SYMBOL, "shape"))) {
      continue; /* feeders are checked above; thresholds, options and shapes below */
    } else if (h && (crowdc_ast_is(h, CROWDC_N_SYMBOL, "on") ||
                     crowdc_ast_is(h, CROWDC_N_SYMBOL, "extension"))) {
      continue; /* after the users (crowdc_sema_events) */
    } else if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "scenario")) {
      if (scenario) {
        crowdc_diag_error(d, &h->loc, "only one 'scenario' form is allowed");
        crowdc_diag_note(d, &scenario->loc, "the first one is here");
        continue;
      }
      scenario = h;
      crowdc_sema_scenario(&S, f);
    } else if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "user")) {
      if (f->u.seq.n < 2 || f->u.seq.items[1]->kind != CROWDC_N_SYMBOL) {
        const crowdc_node *at = f->u.seq.n < 2 ? f : f->u.seq.items[1];
        crowdc_diag_error(d, &at->loc, "expected a user class name after 'user'");
        continue;
      }
      const crowdc_node *name = f->u.seq.items[1];
      const crowdc_node *prev = crowdc_sema_nameset_add(a, &usernames, name);
      if (prev) {
        crowdc_diag_error(d, &name->loc, "duplicate user '%s'",
                          Q(q, name->u.name.p, name->u.name.len));
        crowdc_diag_note(d, &prev->loc, "previous definition is here");
      }
      crowdc_node *uf = crowdc_sema_inherit(&S, root, f);
      if (uf == NULL)
        continue;
      crowdc_user *u = &m->users[m->nusers++];
      S.own_form = f;
      int errors = d->nerrors;
      crowdc_sema_user(&S, uf, name, u);
      S.own_form = NULL;
      size_t at = 0;
      const crowdc_node *base = crowdc_sema_form_opt(f, "extends", &at);
      if (uf != f && d->nerrors > errors) /* the errors may be in inherited forms */
        crowdc_diag_note(d, &base->loc, "in user '%s', which extends '%s'",
                         Q(q, name->u.name.p, name->u.name.len),
                         Q(q2, base->u.name.p, base->u.name.len));
    } else {
      crowdc_sema_unknown_form(&S, f, "(user ...)", crowdc_sema_top_forms,
                               CROWDC_COUNT(crowdc_sema_top_forms));
    }
  }
  crowdc_sema_events(&S, root);
  crowdc_sema_tick(&S, root);
  crowdc_sema_check_clients(&S);
  crowdc_thr_check(a, d, src, m, root); /* names: every request is known now */
  crowdc_load_check(a, d, m, root);      /* options, shape, :arrival (load.h) */
  /* Not after other errors: a misspelt (user ...) already said it all. */
  if (m->nusers == 0 && d->nerrors == 0)
    crowdc_diag_error(d, NULL, "no user classes: a scenario needs at least one (user ...)");
  size_t concrete = 0;
  for (size_t i = 0; i < m->nusers; i++)
    concrete += !m->users[i].abstract;
  if (m->nusers > 0 && concrete == 0 && d->nerrors == 0)
    crowdc_diag_error(d, NULL, "every user is abstract: a scenario needs one to spawn");
  return m;
}
