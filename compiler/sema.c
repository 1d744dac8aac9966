#include "config.h"

#include "compiler/sema.h"

#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <crowd/crowd.h>

#include "compiler/builtins.h"
#include "compiler/load.h"
#include "compiler/thresholds.h"
#include "compiler/upload.h"
#include "stdlib/jsonpath.h"

const char *const crowdc_sema_methods[CROWDC_NMETHODS] = {
  "get", "post", "put", "patch", "delete", "head", "options",
};

/* Every form of the language, for "did you mean" and misplaced forms. */
static const char *const crowdc_sema_top_forms[] = {
  "scenario", "user", "feeder", "threshold", "options", "shape", "on", "extension",
};
static const char *const crowdc_sema_user_forms[] = {
  "let", "task", "on-start", "on-stop", "taskset", "sequence",
};
static const char *const crowdc_sema_set_forms[] = { "task", "taskset", "sequence", "on-start", "on-stop" };
static const char *const crowdc_sema_task_forms[] = {
  "let", "get", "post", "put", "patch", "delete", "head", "options",
  "if", "when", "unless", "repeat", "loop-while", "sleep", "log",
  "interrupt", "reschedule", "reschedule-now",
};
static const char *const crowdc_sema_clients[] = { "http", "fast" }; /* crowdc_client order */
/* What a request's response block holds, and what its forms read. */
static const char *const crowdc_sema_resp_forms[] = { "expect", "save", "success", "failure" };
static const char *const crowdc_sema_checks[] = { "status", "header", "cookie", "body", "json", "time" };
static const char *const crowdc_sema_sources[] = { "json", "regex", "header", "cookie", "status", "body" };
static const char *const crowdc_sema_picks[] = { "first", "last", "random", "all" };
static const char *const crowdc_sema_waits[] = {
  "between", "constant", "constant-pacing", "constant-throughput",
};

#define CROWDC_COUNT(a) (sizeof(a) / sizeof((a)[0]))


typedef struct crowdc_sema_ctx {
  crowdc_arena *arena;
  crowdc_diag *diag;
  crowdc_model *model;
  crowdc_user *user;          /* the user class being checked */
  size_t varcap;
  /* The user's variables by name (slot + 1, 0 = empty; open addressing),
   * so that scenarios with thousands of variables stay linear. */
  int *htab;
  size_t hcap;
  unsigned char *visible;     /* per slot: defined before this point */
  int *scope;                 /* visible slots, in the order defined */
  size_t nscope, scopecap;
  /* Per slot of the user: 0 not yet set by a let, -1 a plain value, F + 1
   * a row of feeder F (set by (let v (next F))). */
  int *rowof;
  size_t rowcap;
  int in_resp;                /* checking a response block */
  /* task sets (crowdc_sema_taskset) */
  int where;                  /* CROWDC_IN_*: what the statements belong to */
  int set_depth;              /* task sets around them */
  const crowdc_node **tags;   /* the tags of those sets */
  size_t ntags;
  /* user forms by name (crowdc_sema_inherit): index + 1, open addressing */
  const crowdc_node **uforms;
  size_t nuforms;
  int *utab;
  size_t ucap;
  const crowdc_node *own_form; /* the user form as written (before inheriting) */
  const crowdc_handler *handler; /* the (on ...) form being checked, or NULL */
  int in_tick;                /* checking a shape's (tick ...) (crowdc_sema_tick) */
} crowdc_sema_ctx;

/* What statements are checked for: interrupt and reschedule end a task. */
enum { CROWDC_IN_BLOCK = 0, CROWDC_IN_TASK, CROWDC_IN_SET_START, CROWDC_IN_SET_STOP };

static int crowdc_sema_control(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                               crowdc_stmt *st);
/* event handlers (the section "events" below) */
static const char *crowdc_sema_event_an(int kind);
static int crowdc_sema_handler_refuses(crowdc_sema_ctx *S, const crowdc_node *h);
static int crowdc_sema_event_stmt(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                                  crowdc_stmt *st);
static void crowdc_sema_events(crowdc_sema_ctx *S, const crowdc_node *root);
/* a shape's tick (the section "a shape's tick" below) */
static int crowdc_sema_tick_result(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st);
static void crowdc_sema_tick(crowdc_sema_ctx *S, const crowdc_node *root);

/* ---- helpers ---------------------------------------------------------- */

#define Q(buf, p, len) crowdc_diag_quote(buf, sizeof buf, p, len)

static int crowdc_sema_streq(const char *p, size_t len, const char *s)
{
  return strlen(s) == len && memcmp(p, s, len) == 0;
}

static int crowdc_sema_in(const char *p, size_t len, const char *const *set, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (crowdc_sema_streq(p, len, set[i]))
      return 1;
  return 0;
}

/* The head symbol of a form, or NULL. */
static const crowdc_node *crowdc_sema_head(const crowdc_node *n)
{
  if (n->kind != CROWDC_N_LIST || n->u.seq.n == 0)
    return NULL;
  const crowdc_node *h = n->u.seq.items[0];
  return h->kind == CROWDC_N_SYMBOL ? h : NULL;
}

static int crowdc_sema_is_const(const crowdc_node *sym)
{
  return crowdc_ast_is(sym, CROWDC_N_SYMBOL, "true") ||
         crowdc_ast_is(sym, CROWDC_N_SYMBOL, "false") ||
         crowdc_ast_is(sym, CROWDC_N_SYMBOL, "nil");
}

static int crowdc_sema_is_number(const crowdc_node *n)
{
  return n->kind == CROWDC_N_INT || n->kind == CROWDC_N_DEC || n->kind == CROWDC_N_DURATION;
}

static double crowdc_sema_number(const crowdc_node *n)
{
  return n->kind == CROWDC_N_INT ? (double)n->u.i : n->u.d;
}

/* A form's name was not one of the forms allowed where it stands. */
static void crowdc_sema_unknown_form(crowdc_sema_ctx *S, const crowdc_node *form,
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

typedef struct crowdc_sema_opts {
  const char *const *names;
  size_t n;
  const crowdc_node *kw[16], *val[16];
  const crowdc_node **rest; /* the items that are not options */
  size_t nrest;
} crowdc_sema_opts;

/* Split the items of form from index start into options and the rest. */
static void crowdc_sema_options(crowdc_sema_ctx *S, const crowdc_node *form, size_t start,
                                const char *formname, crowdc_sema_opts *o)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], q2[CROWDC_DIAG_QUOTE_SIZE], hint[128];
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
      const char *s = crowdc_diag_suggest(it->u.name.p, it->u.name.len, o->names, o->n);
      if (s)
        snprintf(hint, sizeof hint, "; did you mean ':%s'?", s);
      else
        hint[0] = '\0';
      crowdc_diag_error(S->diag, &it->loc, "unknown option ':%s' for '%s'%s",
                        Q(q, it->u.name.p, it->u.name.len), Q(q2, formname, strlen(formname)),
                        hint);
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

/* ---- variables and expressions ----------------------------------------- */

static uint32_t crowdc_sema_hash(const char *p, size_t len)
{
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)p[i]) * 16777619u;
  return h;
}

/* A set of names (symbol nodes), to find duplicates in linear time. */
typedef struct crowdc_nameset {
  const crowdc_node **tab;
  size_t cap, n;
} crowdc_nameset;

static void crowdc_nameset_put(crowdc_nameset *set, const crowdc_node *sym)
{
  size_t mask = set->cap - 1;
  size_t i = crowdc_sema_hash(sym->u.name.p, sym->u.name.len) & mask;
  while (set->tab[i])
    i = (i + 1) & mask;
  set->tab[i] = sym;
}

/* The node already in the set with sym's name; else add sym, NULL. */
static const crowdc_node *crowdc_nameset_add(crowdc_arena *a, crowdc_nameset *set,
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
        crowdc_nameset_put(set, old[i]);
  }
  crowdc_nameset_put(set, sym);
  set->n++;
  return NULL;
}

static int crowdc_sema_find_slot(const crowdc_sema_ctx *S, const char *p, size_t len)
{
  if (!S->hcap)
    return -1;
  size_t mask = S->hcap - 1;
  for (size_t i = crowdc_sema_hash(p, len) & mask; S->htab[i]; i = (i + 1) & mask) {
    const crowdc_node *v = S->user->vars[S->htab[i] - 1];
    if (v->u.name.len == len && memcmp(v->u.name.p, p, len) == 0)
      return S->htab[i] - 1;
  }
  return -1;
}

static void crowdc_sema_hash_insert(crowdc_sema_ctx *S, int slot)
{
  const crowdc_node *v = S->user->vars[slot];
  size_t mask = S->hcap - 1;
  size_t i = crowdc_sema_hash(v->u.name.p, v->u.name.len) & mask;
  while (S->htab[i])
    i = (i + 1) & mask;
  S->htab[i] = slot + 1;
}

/* The slot of a visible variable, or -1. */
static int crowdc_sema_lookup(crowdc_sema_ctx *S, const char *p, size_t len)
{
  int slot = crowdc_sema_find_slot(S, p, len);
  return slot >= 0 && S->visible[slot] ? slot : -1;
}

static void crowdc_sema_undefined(crowdc_sema_ctx *S, const crowdc_loc *loc, const char *p,
                                  size_t len)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  /* Candidates: the most recently defined visible variables. */
  const char *cands[256];
  size_t n = 0;
  for (size_t i = S->nscope; i-- > 0 && n < 256;)
    cands[n++] = S->user->vars[S->scope[i]]->u.name.p;
  int slot = S->handler ? crowdc_sema_find_slot(S, p, len) : -1;
  if (slot >= 0 && slot < CROWD_EVV_COUNT) { /* predefined by other events */
    crowdc_diag_error(S->diag, loc, "'%s' is not predefined in %s handler: only %s handlers have it",
                      Q(q, p, len), crowdc_sema_event_an(S->handler->kind),
                      slot == CROWD_EVV_NAME || slot == CROWD_EVV_ERROR ? "request and user-error" : "request");
    return;
  }
  crowdc_diag_error(S->diag, loc, "undefined variable '%s'%s", Q(q, p, len),
                    crowdc_diag_hint(hint, sizeof hint, p, len, cands, n));
}

/* The slot for a variable of the current user class, made on first use. */
static int crowdc_sema_slot(crowdc_sema_ctx *S, const crowdc_node *sym)
{
  crowdc_user *u = S->user;
  int slot = crowdc_sema_find_slot(S, sym->u.name.p, sym->u.name.len);
  if (slot >= 0)
    return slot;
  size_t cap = S->varcap;
  u->vars = crowdc_arena_grow(S->arena, u->vars, u->nvars, &S->varcap, sizeof *u->vars);
  if (S->varcap != cap) {
    unsigned char *vis = crowdc_arena_alloc(S->arena, S->varcap);
    if (u->nvars)
      memcpy(vis, S->visible, u->nvars);
    S->visible = vis;
  }
  u->vars[u->nvars] = sym;
  S->visible[u->nvars] = 0;
  slot = (int)u->nvars++;
  if (u->nvars * 2 > S->hcap) {
    S->hcap = S->hcap ? S->hcap * 2 : 64;
    S->htab = crowdc_arena_alloc(S->arena, S->hcap * sizeof *S->htab);
    for (size_t i = 0; i < u->nvars; i++)
      crowdc_sema_hash_insert(S, (int)i);
  } else {
    crowdc_sema_hash_insert(S, slot);
  }
  return slot;
}

static void crowdc_sema_define(crowdc_sema_ctx *S, int slot)
{
  if (S->visible[slot])
    return;
  S->visible[slot] = 1;
  S->scope = crowdc_arena_grow(S->arena, S->scope, S->nscope, &S->scopecap, sizeof *S->scope);
  S->scope[S->nscope++] = slot;
}

/* Forget the variables defined since the scope had `mark` entries. */
static void crowdc_sema_scope_pop(crowdc_sema_ctx *S, size_t mark)
{
  while (S->nscope > mark)
    S->visible[S->scope[--S->nscope]] = 0;
}

static const char *crowdc_sema_type_name(char t)
{
  switch (t) {
  case 'i': return "an integer";
  case 'n': return "a number";
  case 's': return "a string";
  default: return "a value";
  }
}

static int crowdc_sema_type_ok(char want, char got)
{
  if (want == 'a' || got == 'a' || want == got)
    return 1;
  return want == 'n' && got == 'i';
}

static char crowdc_sema_expr(crowdc_sema_ctx *S, crowdc_node *e);

/* ---- feeder rows: (let row (next F)), row.field ------------------------- */

/* What slot holds: 0 not yet set by a let, -1 a plain value, F + 1 rows of
 * feeder F. */
static int crowdc_sema_rowof(const crowdc_sema_ctx *S, int slot)
{
  return slot >= 0 && (size_t)slot < S->rowcap ? S->rowof[slot] : 0;
}

static void crowdc_sema_set_rowof(crowdc_sema_ctx *S, int slot, int what)
{
  if ((size_t)slot >= S->rowcap) {
    size_t cap = S->rowcap ? S->rowcap : 16;
    while (cap <= (size_t)slot)
      cap *= 2;
    int *t = crowdc_arena_alloc(S->arena, cap * sizeof *t);
    memset(t, 0, cap * sizeof *t);
    if (S->rowcap)
      memcpy(t, S->rowof, S->rowcap * sizeof *t);
    S->rowof = t;
    S->rowcap = cap;
  }
  S->rowof[slot] = what;
}

/* The index of column (p, len) of feeder f, added on first use. */
static int crowdc_sema_column(crowdc_sema_ctx *S, crowdc_feeder *f, const char *p, size_t len)
{
  for (size_t i = 0; i < f->ncolumns; i++)
    if (f->columns[i].len == len && memcmp(f->columns[i].p, p, len) == 0)
      return (int)i;
  f->columns = crowdc_arena_grow(S->arena, f->columns, f->ncolumns, &f->colcap, sizeof *f->columns);
  f->columns[f->ncolumns].p = p;
  f->columns[f->ncolumns].len = len;
  return (int)f->ncolumns++;
}

/* ROW.FIELD at loc: its CROWDC_FIELD_REF, or -1 after an error. */
static int crowdc_sema_field(crowdc_sema_ctx *S, const crowdc_loc *loc, const char *p, size_t len)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], q2[CROWDC_DIAG_QUOTE_SIZE];
  const char *dot = memchr(p, '.', len);
  size_t vlen = (size_t)(dot - p), flen = len - vlen - 1;
  const char *f = dot + 1;
  if (memchr(f, '.', flen)) {
    crowdc_diag_error(S->diag, loc, "'%s': a field is read as ROW.FIELD, with one dot", Q(q, p, len));
    return -1;
  }
  int slot = crowdc_sema_lookup(S, p, vlen);
  if (slot < 0) {
    crowdc_sema_undefined(S, loc, p, vlen);
    return -1;
  }
  int fd = crowdc_sema_rowof(S, slot) - 1;
  if (fd < 0) {
    crowdc_diag_error(S->diag, loc, "'%s' is not a feeder row: fields are read from a variable set by "
                      "(let %s (next FEEDER))", Q(q, p, vlen), Q(q2, p, vlen));
    return -1;
  }
  if (S->in_resp) {
    crowdc_diag_error(S->diag, loc, "a feeder field cannot be read in a response block; copy it first, "
                      "as in (let x %s)", Q(q, p, len));
    return -1;
  }
  crowdc_model *m = S->model;
  int col = crowdc_sema_column(S, &m->feeders[fd], f, flen);
  for (size_t i = 0; i < m->nfields; i++)
    if (m->fields[i].slot == slot && m->fields[i].feeder == fd && m->fields[i].column == col)
      return CROWDC_FIELD_REF(i);
  m->fields = crowdc_arena_grow(S->arena, m->fields, m->nfields, &m->fieldcap, sizeof *m->fields);
  m->fields[m->nfields].slot = slot;
  m->fields[m->nfields].feeder = fd;
  m->fields[m->nfields].column = col;
  return CROWDC_FIELD_REF(m->nfields++);
}

/* A variable (or ROW.FIELD) used as a value, not a feeder row itself: its
 * slot, a CROWDC_FIELD_REF, or -1 after an error. */
static int crowdc_sema_value_var(crowdc_sema_ctx *S, const crowdc_loc *loc, const char *p, size_t len)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], q2[CROWDC_DIAG_QUOTE_SIZE];
  if (memchr(p, '.', len))
    return crowdc_sema_field(S, loc, p, len);
  int slot = crowdc_sema_lookup(S, p, len);
  if (slot < 0) {
    crowdc_sema_undefined(S, loc, p, len);
    return -1;
  }
  int fd = crowdc_sema_rowof(S, slot) - 1;
  if (fd >= 0) {
    const crowdc_node *fn = S->model->feeders[fd].name;
    crowdc_diag_error(S->diag, loc, "'%s' is a row of feeder '%s': use one of its fields, as in %s.name",
                      Q(q, p, len), Q(q2, fn->u.name.p, fn->u.name.len), Q(q, p, len));
    return -1;
  }
  return slot;
}

static void crowdc_sema_string(crowdc_sema_ctx *S, crowdc_node *e)
{
  for (size_t i = 0; i < e->u.str.n; i++) {
    crowdc_strpart *p = &e->u.str.parts[i];
    if (!p->is_var)
      continue;
    int slot = crowdc_sema_value_var(S, &p->loc, p->p, p->len);
    if (slot != -1)
      p->slot = slot;
  }
}

static char crowdc_sema_call(crowdc_sema_ctx *S, crowdc_node *e)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  const crowdc_node *h = crowdc_sema_head(e);
  if (!h) {
    const crowdc_node *what = e->u.seq.n ? e->u.seq.items[0] : e;
    crowdc_diag_error(S->diag, &what->loc, "expected a function name, got %s",
                      e->u.seq.n ? crowdc_ast_kind_name(what->kind) : "an empty list");
    return 0;
  }
  int bi = crowdc_builtin_find(h->u.name.p, h->u.name.len);
  if (bi < 0) {
    if (crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_task_forms,
                       CROWDC_COUNT(crowdc_sema_task_forms)) ||
        crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_user_forms,
                       CROWDC_COUNT(crowdc_sema_user_forms)) ||
        crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_top_forms,
                       CROWDC_COUNT(crowdc_sema_top_forms)) ||
        crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_resp_forms,
                       CROWDC_COUNT(crowdc_sema_resp_forms))) {
      crowdc_diag_error(S->diag, &h->loc, "'%s' does not give a value",
                        Q(q, h->u.name.p, h->u.name.len));
      return 0;
    }
    if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "next")) {
      crowdc_diag_error(S->diag, &h->loc, "'next' gives a feeder row: use it as (let row (next FEEDER))");
      return 0;
    }
    if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "file")) {
      crowdc_diag_error(S->diag, &h->loc, "'file' is a request body: use it as :body (file \"PATH\") "
                        "or as a value of :multipart");
      return 0;
    }
    crowdc_diag_error(S->diag, &h->loc, "unknown function '%s'%s",
                      Q(q, h->u.name.p, h->u.name.len),
                      crowdc_diag_hint(hint, sizeof hint, h->u.name.p, h->u.name.len,
                                       crowdc_builtin_names(), crowdc_nbuiltins));
    return 0;
  }
  const crowdc_builtin *b = &crowdc_builtins[bi];
  int nargs = (int)e->u.seq.n - 1;
  if (nargs < b->minargs || (b->maxargs >= 0 && nargs > b->maxargs)) {
    char want[64];
    if (b->minargs == b->maxargs)
      snprintf(want, sizeof want, "%d argument%s", b->minargs, b->minargs == 1 ? "" : "s");
    else if (b->maxargs < 0)
      snprintf(want, sizeof want, "at least %d argument%s", b->minargs,
               b->minargs == 1 ? "" : "s");
    else
      snprintf(want, sizeof want, "%d to %d arguments", b->minargs, b->maxargs);
    crowdc_diag_error(S->diag, &e->loc, "'%s' takes %s, got %d", b->name, want, nargs);
  }
  e->aux = bi;
  for (int i = 0; i < nargs; i++) {
    crowdc_node *arg = e->u.seq.items[i + 1];
    char got = crowdc_sema_expr(S, arg);
    char want = crowdc_builtin_argtype(b, i);
    if (got && !crowdc_sema_type_ok(want, got))
      crowdc_diag_error(S->diag, &arg->loc, "argument %d of '%s' must be %s, got %s", i + 1,
                        b->name, crowdc_sema_type_name(want),
                        arg->kind == CROWDC_N_LIST ? crowdc_sema_type_name(got)
                                                   : crowdc_ast_kind_name(arg->kind));
  }
  return b->rettype;
}

/* Check an expression; its type letter (i n s a), or 0 after an error. */
static char crowdc_sema_expr(crowdc_sema_ctx *S, crowdc_node *e)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  switch (e->kind) {
  case CROWDC_N_STRING:
    crowdc_sema_string(S, e);
    return 's';
  case CROWDC_N_INT:
    return 'i';
  case CROWDC_N_DEC:
  case CROWDC_N_DURATION:
    return 'n';
  case CROWDC_N_PERCENT:
    crowdc_diag_error(S->diag, &e->loc, "a percentage is not a value here");
    return 0;
  case CROWDC_N_KEYWORD:
    crowdc_diag_error(S->diag, &e->loc, "unexpected keyword ':%s' where a value is expected",
                      Q(q, e->u.name.p, e->u.name.len));
    return 0;
  case CROWDC_N_SYMBOL: {
    if (crowdc_ast_is(e, CROWDC_N_SYMBOL, "nil"))
      return 'a';
    if (crowdc_sema_is_const(e))
      return 'i';
    int slot = crowdc_sema_value_var(S, &e->loc, e->u.name.p, e->u.name.len);
    if (slot == -1)
      return 0;
    e->aux = slot;
    return slot >= 0 ? 'a' : 's';
  }
  case CROWDC_N_LIST:
    return crowdc_sema_call(S, e);
  case CROWDC_N_VECTOR:
  case CROWDC_N_MAP:
    crowdc_diag_error(S->diag, &e->loc, "%s is not a value here (only inside :json)",
                      crowdc_ast_kind_name(e->kind));
    return 0;
  }
  return 0;
}

/* Maps: an even number of items, keys strings or keywords. */
static int crowdc_sema_map_shape(crowdc_sema_ctx *S, const crowdc_node *m)
{
  int ok = 1;
  if (m->u.seq.n % 2) {
    crowdc_diag_error(S->diag, &m->u.seq.items[m->u.seq.n - 1]->loc,
                      "a map needs an even number of items (key value ...); this key has no value");
    ok = 0;
  }
  for (size_t i = 0; i + 1 < m->u.seq.n + 1 && i < m->u.seq.n; i += 2) {
    const crowdc_node *k = m->u.seq.items[i];
    if (k->kind != CROWDC_N_STRING && k->kind != CROWDC_N_KEYWORD) {
      crowdc_diag_error(S->diag, &k->loc, "a map key must be a string or a keyword, got %s",
                        crowdc_ast_kind_name(k->kind));
      ok = 0;
    }
  }
  return ok;
}

static void crowdc_sema_json(crowdc_sema_ctx *S, crowdc_node *v)
{
  if (v->kind == CROWDC_N_VECTOR) {
    for (size_t i = 0; i < v->u.seq.n; i++)
      crowdc_sema_json(S, v->u.seq.items[i]);
    return;
  }
  if (v->kind != CROWDC_N_MAP) {
    crowdc_sema_expr(S, v);
    return;
  }
  if (!crowdc_sema_map_shape(S, v))
    return;
  for (size_t i = 0; i + 1 < v->u.seq.n; i += 2) {
    crowdc_node *k = v->u.seq.items[i];
    if (k->kind == CROWDC_N_STRING && !crowdc_ast_plain_string(k))
      crowdc_diag_error(S->diag, &k->loc, "a JSON key must be a plain string or a keyword");
    crowdc_sema_json(S, v->u.seq.items[i + 1]);
  }
}

/* :headers, :query, :form: a map of string or keyword keys to values. */
/* A header name is an HTTP token: anything else would change the request's
 * meaning on the wire (a ':' splits name and value). */
static void crowdc_sema_header_name(crowdc_sema_ctx *S, const crowdc_node *k)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  if (k->u.str.n == 0) {
    crowdc_diag_error(S->diag, &k->loc, "a header name cannot be empty");
    return;
  }
  for (size_t i = 0; i < k->u.str.n; i++) {
    const crowdc_strpart *p = &k->u.str.parts[i];
    for (size_t j = 0; !p->is_var && j < p->len; j++) {
      unsigned char c = (unsigned char)p->p[j];
      if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c && strchr("!#$%&'*+-.^_`|~", c)))
        continue;
      crowdc_diag_error(S->diag, &k->loc,
                        "invalid character '%s' in a header name (letters, digits and "
                        "!#$%%&'*+-.^_`|~ only)", Q(q, p->p + j, 1));
      return;
    }
  }
}

static void crowdc_sema_pairs(crowdc_sema_ctx *S, const char *opt, crowdc_node *m, int strings)
{
  if (m->kind != CROWDC_N_MAP) {
    crowdc_diag_error(S->diag, &m->loc, "':%s' takes a map such as {\"key\" \"value\"}, got %s",
                      opt, crowdc_ast_kind_name(m->kind));
    return;
  }
  if (!crowdc_sema_map_shape(S, m))
    return;
  for (size_t i = 0; i + 1 < m->u.seq.n; i += 2) {
    crowdc_node *k = m->u.seq.items[i], *v = m->u.seq.items[i + 1];
    if (k->kind == CROWDC_N_STRING)
      crowdc_sema_string(S, k);
    if (k->kind == CROWDC_N_STRING && strings)
      crowdc_sema_header_name(S, k);
    char t = crowdc_sema_expr(S, v);
    if (t && strings && !crowdc_sema_type_ok('s', t))
      crowdc_diag_error(S->diag, &v->loc, "a header value must be a string, got %s",
                        v->kind == CROWDC_N_LIST ? crowdc_sema_type_name(t)
                                                 : crowdc_ast_kind_name(v->kind));
  }
}

/* ---- statements ------------------------------------------------------- */

/* (next F) as the value of a let: F's index; -1 when val is something
 * else; -2 after an error. */
static int crowdc_sema_next(crowdc_sema_ctx *S, const crowdc_node *val)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  const crowdc_node *h = crowdc_sema_head(val);
  if (!h || !crowdc_ast_is(h, CROWDC_N_SYMBOL, "next"))
    return -1;
  const crowdc_node *f = val->u.seq.n == 2 ? val->u.seq.items[1] : NULL;
  if (!f || f->kind != CROWDC_N_SYMBOL) {
    crowdc_diag_error(S->diag, &val->loc, "'next' takes a feeder's name: (let row (next accounts))");
    return -2;
  }
  const crowdc_model *m = S->model;
  const char *names[64];
  size_t nn = 0;
  for (size_t i = 0; i < m->nfeeders; i++) {
    const crowdc_node *n = m->feeders[i].name;
    if (n->u.name.len == f->u.name.len && memcmp(n->u.name.p, f->u.name.p, n->u.name.len) == 0)
      return (int)i;
    if (nn < 64)
      names[nn++] = n->u.name.p;
  }
  if (m->nfeeders == 0)
    crowdc_diag_error(S->diag, &f->loc, "unknown feeder '%s': declare it at the top level, as in "
                      "(feeder %s (csv \"data.csv\"))", Q(q, f->u.name.p, f->u.name.len),
                      Q(q, f->u.name.p, f->u.name.len));
  else
    crowdc_diag_error(S->diag, &f->loc, "unknown feeder '%s'%s", Q(q, f->u.name.p, f->u.name.len),
                      crowdc_diag_hint(hint, sizeof hint, f->u.name.p, f->u.name.len, names, nn));
  return -2;
}

/* A variable holds either rows of one feeder or plain values, always. */
static int crowdc_sema_let_kind(crowdc_sema_ctx *S, const crowdc_node *sym, int slot, int feeder)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], q2[CROWDC_DIAG_QUOTE_SIZE];
  int want = feeder >= 0 ? feeder + 1 : -1, was = crowdc_sema_rowof(S, slot);
  if (was == 0 || was == want) {
    crowdc_sema_set_rowof(S, slot, want);
    return 0;
  }
  const crowdc_node *fn = S->model->feeders[(was > 0 ? was : want) - 1].name;
  crowdc_diag_error(S->diag, &sym->loc, "'%s' %s rows of feeder '%s' and plain values: use another name",
                    Q(q, sym->u.name.p, sym->u.name.len), "cannot hold both",
                    Q(q2, fn->u.name.p, fn->u.name.len));
  return -1;
}

/* (let VAR EXPR): check, then define VAR for what follows. */
static int crowdc_sema_let(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st)
{
  if (form->u.seq.n != 3) {
    crowdc_diag_error(S->diag, &form->loc, "'let' takes a name and a value: (let name value)");
    return -1;
  }
  crowdc_node *sym = form->u.seq.items[1];
  if (sym->kind != CROWDC_N_SYMBOL) {
    crowdc_diag_error(S->diag, &sym->loc, "expected a variable name after 'let', got %s",
                      crowdc_ast_kind_name(sym->kind));
    return -1;
  }
  if (crowdc_sema_is_const(sym)) {
    crowdc_diag_error(S->diag, &sym->loc, "'%.*s' is a constant and cannot be redefined",
                      (int)sym->u.name.len, sym->u.name.p);
    return -1;
  }
  if (memchr(sym->u.name.p, '.', sym->u.name.len)) {
    crowdc_diag_error(S->diag, &sym->loc, "a variable name cannot contain '.' (ROW.FIELD reads a field)");
    return -1;
  }
  crowdc_node *val = form->u.seq.items[2];
  int feeder = crowdc_sema_next(S, val);
  if (feeder == -1)
    crowdc_sema_expr(S, val);
  int slot = crowdc_sema_slot(S, sym);
  if (feeder >= -1 && crowdc_sema_let_kind(S, sym, slot, feeder) != 0)
    return -1;
  crowdc_sema_define(S, slot);
  st->kind = CROWDC_S_LET;
  st->form = form;
  st->slot = slot;
  st->expr = val;
  st->feeder = feeder >= 0 ? feeder : -1;
  return 0;
}

/* ---- response blocks: expect, save, success, failure -------------------- */

/* A plain string argument (a header name, a JSON path, a pattern), or NULL
 * after an error. */
static const char *crowdc_sema_plain(crowdc_sema_ctx *S, const crowdc_node *n, const char *what,
                                     size_t *len)
{
  if (n->kind != CROWDC_N_STRING) {
    crowdc_diag_error(S->diag, &n->loc, "%s must be a string, got %s", what,
                      crowdc_ast_kind_name(n->kind));
    return NULL;
  }
  if (!crowdc_ast_plain_string(n)) {
    crowdc_diag_error(S->diag, &n->loc, "%s must be a plain string, without {var}", what);
    return NULL;
  }
  const char *p = n->u.str.n ? n->u.str.parts[0].p : "";
  *len = n->u.str.n ? n->u.str.parts[0].len : 0;
  if (memchr(p, '\0', *len)) {
    crowdc_diag_error(S->diag, &n->loc, "%s cannot contain a NUL byte", what);
    return NULL;
  }
  return p;
}

/* The place of byte i of a string literal's value, when the literal has
 * no escapes (else the literal itself). */
static crowdc_loc crowdc_sema_inner_loc(const crowdc_sema_ctx *S, const crowdc_node *n,
                                        const char *p, size_t len, size_t i)
{
  crowdc_loc loc = n->loc;
  const crowdc_source *src = S->diag->src;
  if (src && src->text && loc.len == len + 2 && loc.off + 1 + len <= src->len &&
      memcmp(src->text + loc.off + 1, p, len) == 0 && !memchr(p, '\n', len)) {
    loc.off += 1 + (uint32_t)i;
    loc.col += 1 + (int)i;
    loc.len = 1;
  }
  return loc;
}

static void crowdc_sema_json_path(crowdc_sema_ctx *S, const crowdc_node *n, int *wild)
{
  size_t len, at = 0;
  *wild = 0;
  const char *p = crowdc_sema_plain(S, n, "a JSON path", &len);
  if (!p)
    return;
  const char *err = crowd_jpath_check(p, len, &at, wild);
  if (err) {
    crowdc_loc loc = crowdc_sema_inner_loc(S, n, p, len, at < len ? at : len);
    crowdc_diag_error(S->diag, &loc, "bad JSON path: %s", err);
  }
}

/* The pattern must compile here as it will at run time (POSIX extended). */
static void crowdc_sema_regex(crowdc_sema_ctx *S, const crowdc_node *n)
{
  size_t len;
  const char *p = crowdc_sema_plain(S, n, "a regular expression", &len);
  if (!p)
    return;
  regex_t re;
  int rc = regcomp(&re, p, REG_EXTENDED);
  if (rc != 0) {
    char err[128];
    regerror(rc, &re, err, sizeof err);
    crowdc_diag_error(S->diag, &n->loc, "bad regular expression: %s", err);
    return;
  }
  regfree(&re);
}

/* What a check compares with: a literal or a variable. */
static int crowdc_sema_check_value(crowdc_sema_ctx *S, crowdc_node *v, int op)
{
  if (v->kind == CROWDC_N_LIST || v->kind == CROWDC_N_VECTOR || v->kind == CROWDC_N_MAP) {
    crowdc_diag_error(S->diag, &v->loc,
                      "a check compares with a literal or a variable; compute other values with 'let' first");
    return -1;
  }
  char t = crowdc_sema_expr(S, v);
  if (t == 's' && op >= CROWD_OP_LT && op <= CROWD_OP_GE) {
    crowdc_diag_error(S->diag, &v->loc, "'%s' compares numbers, got a string",
                      op == CROWD_OP_LT ? "<" : op == CROWD_OP_LE ? "<=" : op == CROWD_OP_GT ? ">" : ">=");
    return -1;
  }
  return t ? 0 : -1;
}

enum {
  CROWDC_OPS_ALL = (1 << CROWD_OP_EXISTS) | (1 << CROWD_OP_ABSENT) | (1 << CROWD_OP_CONTAINS) |
                   (1 << CROWD_OP_MATCHES) | (1 << CROWD_OP_EQ) | (1 << CROWD_OP_LT) |
                   (1 << CROWD_OP_LE) | (1 << CROWD_OP_GT) | (1 << CROWD_OP_GE),
  CROWDC_OPS_CMP = (1 << CROWD_OP_EQ) | (1 << CROWD_OP_LT) | (1 << CROWD_OP_LE) |
                   (1 << CROWD_OP_GT) | (1 << CROWD_OP_GE),
  CROWDC_OPS_ORDER = CROWDC_OPS_CMP & ~(1 << CROWD_OP_EQ),
  CROWDC_OPS_BODY = (1 << CROWD_OP_CONTAINS) | (1 << CROWD_OP_MATCHES) | (1 << CROWD_OP_EQ)
};

static const char *const crowdc_sema_pred_kw[] = { "exists", "absent", "contains", "matches" };
static const char *const crowdc_sema_pred_sym[] = { "=", "<", "<=", ">", ">=" };

/* The condition of a check from item k on: ':exists', ':absent',
 * ':contains V', ':matches RE' or 'OP V'.  Fills it; -1 after an error. */
static int crowdc_sema_pred(crowdc_sema_ctx *S, const crowdc_node *check, size_t k,
                            const char *subject, unsigned allowed, crowdc_resp_item *it)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  size_t n = check->u.seq.n;
  if (k >= n) {
    crowdc_diag_error(S->diag, &check->loc,
                      "'%s' needs a condition, such as %s", subject,
                      allowed & (1 << CROWD_OP_EXISTS) ? ":exists or = VALUE"
                      : allowed & (1 << CROWD_OP_CONTAINS) ? ":contains TEXT" : "< 500ms");
    return -1;
  }
  crowdc_node *c = check->u.seq.items[k];
  int op = -1, takes_value = 1;
  if (c->kind == CROWDC_N_KEYWORD) {
    for (size_t i = 0; i < CROWDC_COUNT(crowdc_sema_pred_kw); i++)
      if (crowdc_sema_streq(c->u.name.p, c->u.name.len, crowdc_sema_pred_kw[i]))
        op = CROWD_OP_EXISTS + (int)i;
    if (op < 0) {
      const char *sug = crowdc_diag_suggest(c->u.name.p, c->u.name.len, crowdc_sema_pred_kw,
                                            CROWDC_COUNT(crowdc_sema_pred_kw));
      if (sug)
        snprintf(hint, sizeof hint, "; did you mean ':%s'?", sug);
      else
        hint[0] = '\0';
      crowdc_diag_error(S->diag, &c->loc, "unknown condition ':%s'%s",
                        Q(q, c->u.name.p, c->u.name.len), hint);
      return -1;
    }
    takes_value = op == CROWD_OP_CONTAINS || op == CROWD_OP_MATCHES;
  } else if (c->kind == CROWDC_N_SYMBOL) {
    for (size_t i = 0; i < CROWDC_COUNT(crowdc_sema_pred_sym); i++)
      if (crowdc_sema_streq(c->u.name.p, c->u.name.len, crowdc_sema_pred_sym[i]))
        op = CROWD_OP_EQ + (int)i;
  }
  if (op < 0) {
    crowdc_diag_error(S->diag, &c->loc,
                      "expected a condition such as :exists, :contains, :matches or = < <= > >=, got %s",
                      crowdc_ast_kind_name(c->kind));
    return -1;
  }
  if (!(allowed & (1u << op))) {
    crowdc_diag_error(S->diag, &c->loc, "'%s%.*s' does not apply to '%s'",
                      c->kind == CROWDC_N_KEYWORD ? ":" : "", (int)c->u.name.len, c->u.name.p,
                      subject);
    return -1;
  }
  it->op = op;
  if (!takes_value) {
    if (k + 1 < n)
      crowdc_diag_error(S->diag, &check->u.seq.items[k + 1]->loc,
                        "extra argument after ':%s'", crowdc_sema_pred_kw[op - CROWD_OP_EXISTS]);
    return 0;
  }
  if (k + 1 >= n) {
    crowdc_diag_error(S->diag, &c->loc, "missing value after '%s%.*s'",
                      c->kind == CROWDC_N_KEYWORD ? ":" : "", (int)c->u.name.len, c->u.name.p);
    return -1;
  }
  crowdc_node *v = check->u.seq.items[k + 1];
  if (op == CROWD_OP_MATCHES) {
    crowdc_sema_regex(S, v);
    it->pattern = v;
  } else {
    it->value = v;
    if (crowdc_sema_check_value(S, v, op) != 0)
      return -1;
  }
  for (size_t i = k + 2; i < n; i++)
    crowdc_diag_error(S->diag, &check->u.seq.items[i]->loc, "extra argument to '%s'", subject);
  return 0;
}

/* (status 200 201) or (status OP N). */
static int crowdc_sema_status_check(crowdc_sema_ctx *S, const crowdc_node *check,
                                    crowdc_resp_item *it)
{
  size_t n = check->u.seq.n;
  if (n >= 2 && check->u.seq.items[1]->kind != CROWDC_N_INT)
    return crowdc_sema_pred(S, check, 1, "status", CROWDC_OPS_CMP, it);
  if (n < 2) {
    crowdc_diag_error(S->diag, &check->loc, "'status' needs one or more statuses, as in (status 200)");
    return -1;
  }
  int *set = crowdc_arena_alloc(S->arena, n * sizeof *set);
  size_t nset = 0;
  for (size_t i = 1; i < n; i++) {
    const crowdc_node *v = check->u.seq.items[i];
    if (v->kind != CROWDC_N_INT || v->u.i < 100 || v->u.i > 599) {
      crowdc_diag_error(S->diag, &v->loc, "expected an HTTP status between 100 and 599");
      return -1;
    }
    set[nset++] = (int)v->u.i;
  }
  it->op = CROWD_OP_IN;
  it->set = set;
  it->nset = nset;
  return 0;
}

/* A check's label for the Checks summary: its source text without the
 * outer parentheses, blanks folded, string quotes dropped:
 * (json "$.items" :exists) reads json $.items :exists. */
static void crowdc_sema_check_label(crowdc_sema_ctx *S, const crowdc_node *check, crowdc_resp_item *it)
{
  const crowdc_source *src = S->diag->src;
  uint32_t from = check->loc.off + 1, to = check->loc.off + check->loc.len - 1;
  if (src == NULL || src->text == NULL || check->loc.len < 2 || to > src->len)
    return;
  char *buf = crowdc_arena_alloc(S->arena, to - from + 1);
  size_t n = 0;
  int in_str = 0;
  for (uint32_t i = from; i < to; i++) {
    char c = src->text[i];
    if (c == '"' && (!in_str || src->text[i - 1] != '\\')) {
      in_str = !in_str;
      continue;
    }
    if (!in_str && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      if (n > 0 && buf[n - 1] != ' ')
        buf[n++] = ' ';
      continue;
    }
    buf[n++] = c;
  }
  while (n > 0 && buf[n - 1] == ' ')
    n--;
  buf[n] = '\0';
  it->label = buf;
  it->labellen = n;
}

/* One check of an (expect ...). */
static int crowdc_sema_check(crowdc_sema_ctx *S, crowdc_node *check, crowdc_resp_item *it)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  const crowdc_node *h = crowdc_sema_head(check);
  if (!h) {
    crowdc_diag_error(S->diag, &check->loc, "expected a check such as (status 200), got %s",
                      check->kind == CROWDC_N_LIST ? "a list without a name"
                                                   : crowdc_ast_kind_name(check->kind));
    return -1;
  }
  int k = -1;
  for (size_t i = 0; i < CROWDC_COUNT(crowdc_sema_checks); i++)
    if (crowdc_ast_is(h, CROWDC_N_SYMBOL, crowdc_sema_checks[i]))
      k = (int)i;
  if (k < 0) {
    crowdc_diag_error(S->diag, &h->loc, "unknown check '%s'%s", Q(q, h->u.name.p, h->u.name.len),
                      crowdc_diag_hint(hint, sizeof hint, h->u.name.p, h->u.name.len,
                                       crowdc_sema_checks, CROWDC_COUNT(crowdc_sema_checks)));
    return -1;
  }
  static const int srcs[] = { CROWD_SRC_STATUS, CROWD_SRC_HEADER, CROWD_SRC_COOKIE,
                              CROWD_SRC_BODY, CROWD_SRC_JSON, CROWD_SRC_TIME };
  const char *name = crowdc_sema_checks[k];
  it->src = srcs[k];
  it->form = check;
  crowdc_sema_check_label(S, check, it);
  size_t n = check->u.seq.n, len;
  int wild;
  switch (it->src) {
  case CROWD_SRC_STATUS:
    return crowdc_sema_status_check(S, check, it);
  case CROWD_SRC_HEADER:
  case CROWD_SRC_COOKIE:
  case CROWD_SRC_JSON:
    if (n < 2) {
      crowdc_diag_error(S->diag, &check->loc, "'%s' needs a %s first, as in (%s %s :exists)",
                        name, it->src == CROWD_SRC_JSON ? "JSON path" : "name", name,
                        it->src == CROWD_SRC_JSON ? "\"$.id\"" : "\"Location\"");
      return -1;
    }
    it->arg = check->u.seq.items[1];
    if (it->src == CROWD_SRC_JSON)
      crowdc_sema_json_path(S, it->arg, &wild);
    else
      crowdc_sema_plain(S, it->arg, it->src == CROWD_SRC_HEADER ? "a header name" : "a cookie name",
                        &len);
    return crowdc_sema_pred(S, check, 2, name, CROWDC_OPS_ALL, it);
  case CROWD_SRC_BODY:
    return crowdc_sema_pred(S, check, 1, name, CROWDC_OPS_BODY, it);
  default: /* time */
    if (crowdc_sema_pred(S, check, 1, name, CROWDC_OPS_ORDER, it) != 0)
      return -1;
    if (it->value && !crowdc_sema_is_number(it->value)) {
      crowdc_diag_error(S->diag, &it->value->loc, "'time' compares with a duration such as 500ms");
      return -1;
    }
    return 0;
  }
}

/* (save VAR SOURCE) */
static int crowdc_sema_save(crowdc_sema_ctx *S, crowdc_node *form, crowdc_resp_item *it)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  size_t len;
  if (form->u.seq.n != 3) {
    crowdc_diag_error(S->diag, &form->loc,
                      "'save' takes a variable and a source: (save token (json \"$.token\"))");
    return -1;
  }
  crowdc_node *sym = form->u.seq.items[1], *src = form->u.seq.items[2];
  if (sym->kind != CROWDC_N_SYMBOL) {
    crowdc_diag_error(S->diag, &sym->loc, "expected a variable name after 'save', got %s",
                      crowdc_ast_kind_name(sym->kind));
    return -1;
  }
  if (crowdc_sema_is_const(sym)) {
    crowdc_diag_error(S->diag, &sym->loc, "'%.*s' is a constant and cannot be redefined",
                      (int)sym->u.name.len, sym->u.name.p);
    return -1;
  }
  const crowdc_node *h = crowdc_sema_head(src);
  int k = -1;
  for (size_t i = 0; h && i < CROWDC_COUNT(crowdc_sema_sources); i++)
    if (crowdc_ast_is(h, CROWDC_N_SYMBOL, crowdc_sema_sources[i]))
      k = (int)i;
  if (!h) {
    crowdc_diag_error(S->diag, &src->loc,
                      "expected what to save, such as (json \"$.id\") or (header \"Location\"), got %s",
                      crowdc_ast_kind_name(src->kind));
    return -1;
  }
  if (k < 0) {
    crowdc_diag_error(S->diag, &h->loc, "unknown source '%s' for 'save'%s",
                      Q(q, h->u.name.p, h->u.name.len),
                      crowdc_diag_hint(hint, sizeof hint, h->u.name.p, h->u.name.len,
                                       crowdc_sema_sources, CROWDC_COUNT(crowdc_sema_sources)));
    return -1;
  }
  static const int srcs[] = { CROWD_SRC_JSON, CROWD_SRC_REGEX, CROWD_SRC_HEADER,
                              CROWD_SRC_COOKIE, CROWD_SRC_STATUS, CROWD_SRC_BODY };
  static const char *const usage[] = {
    "(json \"$.path\")", "(regex \"id=([0-9]+)\")", "(header \"Name\")", "(cookie \"name\")",
    "(status)", "(body)",
  };
  const char *name = crowdc_sema_sources[k];
  size_t want = k <= 3 ? 2 : 1, n = src->u.seq.n;
  it->op = CROWD_OP_SAVE;
  it->src = srcs[k];
  it->form = form;
  if (k == 0) { /* (json PATH :pick P) */
    if (n < 2) {
      crowdc_diag_error(S->diag, &src->loc, "'%s' takes %s", name, usage[k]);
      return -1;
    }
    it->arg = src->u.seq.items[1];
    int wild;
    crowdc_sema_json_path(S, it->arg, &wild);
    if (n > 2) {
      const crowdc_node *kw = src->u.seq.items[2];
      if (!crowdc_ast_is(kw, CROWDC_N_KEYWORD, "pick")) {
        crowdc_diag_error(S->diag, &kw->loc, "expected ':pick' after the JSON path");
        return -1;
      }
      const crowdc_node *v = n > 3 ? src->u.seq.items[3] : NULL;
      int pick = -1;
      for (size_t i = 0; v && i < CROWDC_COUNT(crowdc_sema_picks); i++)
        if (crowdc_ast_is(v, CROWDC_N_SYMBOL, crowdc_sema_picks[i]))
          pick = (int)i;
      if (pick < 0) {
        crowdc_diag_error(S->diag, v ? &v->loc : &kw->loc,
                          "':pick' takes first, last, random or all");
        return -1;
      }
      if (!wild)
        crowdc_diag_error(S->diag, &kw->loc, "':pick' needs a path with [*]");
      it->pick = pick;
      for (size_t i = 4; i < n; i++)
        crowdc_diag_error(S->diag, &src->u.seq.items[i]->loc, "extra argument to 'json'");
    }
  } else {
    if (n != want) {
      crowdc_diag_error(S->diag, &src->loc, "'%s' takes %s here: %s", name,
                        want == 1 ? "no argument" : "one argument", usage[k]);
      return -1;
    }
    if (k == 1) {
      it->pattern = src->u.seq.items[1];
      crowdc_sema_regex(S, it->pattern);
    } else if (want == 2) {
      it->arg = src->u.seq.items[1];
      crowdc_sema_plain(S, it->arg, k == 2 ? "a header name" : "a cookie name", &len);
    }
  }
  it->slot = crowdc_sema_slot(S, sym);
  crowdc_sema_define(S, it->slot);
  return 0;
}

static void crowdc_sema_cond(crowdc_sema_ctx *S, crowdc_node *c);
static void crowdc_sema_resp_form(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                                  crowdc_request *r, size_t *cap);

/* Conditions in a response block: (when C ...), (unless C ...), (if C THEN ELSE). */
static const char *const crowdc_sema_resp_conds[] = { "when", "if", "unless" };

static size_t crowdc_sema_resp_push(crowdc_sema_ctx *S, crowdc_request *r, size_t *cap,
                                    const crowdc_resp_item *it)
{
  r->resp = crowdc_arena_grow(S->arena, r->resp, r->nresp, cap, sizeof *r->resp);
  r->resp[r->nresp++] = *it;
  return r->nresp - 1;
}

/* The forms of a branch: checks, (success), (failure ...), conditions;
 * not (save ...): a variable set on one branch only would be undefined on
 * the other. */
static void crowdc_sema_resp_branch(crowdc_sema_ctx *S, crowdc_node **forms, size_t n,
                                    const char *name, crowdc_request *r, size_t *cap)
{
  for (size_t i = 0; i < n && !S->diag->stopped; i++) {
    crowdc_node *f = forms[i];
    const crowdc_node *h = crowdc_sema_head(f);
    if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "save")) {
      crowdc_diag_error(S->diag, &h->loc, "'save' cannot be under '%s': save first, then test the "
                        "variable, as in (save st (status)) (when (= st 404) (success))", name);
    } else if (h && (crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_resp_forms,
                                    CROWDC_COUNT(crowdc_sema_resp_forms)) ||
                     crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_resp_conds,
                                    CROWDC_COUNT(crowdc_sema_resp_conds)))) {
      crowdc_sema_resp_form(S, f, h, r, cap);
    } else {
      crowdc_diag_error(S->diag, &f->loc, "in a response block, '%s' holds (expect ...), (success), "
                        "(failure ...) and conditions", name);
    }
  }
}

/* A WHEN item whose skip covers its then-items; for an else, a SKIP item
 * (the end of the then-branch) and the else-items. */
static void crowdc_sema_resp_cond(crowdc_sema_ctx *S, crowdc_node *form, const char *name,
                                  crowdc_request *r, size_t *cap)
{
  size_t n = form->u.seq.n;
  int is_if = strcmp(name, "if") == 0;
  if (n < 3 || (is_if && n > 4)) {
    crowdc_diag_error(S->diag, &form->loc, is_if ? "'if' takes a condition, a form and an optional else "
                      "form: (if (= st 404) (success) (failure \"bad\"))"
                      : "'%s' takes a condition and forms, as in (%s (= st 404) (success))", name, name);
    return;
  }
  crowdc_resp_item it = { .op = CROWD_OP_WHEN, .form = form, .slot = -1,
                          .cond = form->u.seq.items[1], .negate = strcmp(name, "unless") == 0 };
  crowdc_sema_cond(S, form->u.seq.items[1]);
  size_t at = crowdc_sema_resp_push(S, r, cap, &it);
  crowdc_sema_resp_branch(S, form->u.seq.items + 2, is_if ? 1 : n - 2, name, r, cap);
  r->resp[at].skip = (int)(r->nresp - at - 1);
  if (is_if && n == 4) {
    /* a false condition skips the then-items and the SKIP: the else-items run */
    crowdc_resp_item sk = { .op = CROWD_OP_SKIP, .form = form->u.seq.items[3], .slot = -1 };
    size_t at2 = crowdc_sema_resp_push(S, r, cap, &sk);
    r->resp[at].skip = (int)(at2 - at);
    crowdc_sema_resp_branch(S, form->u.seq.items + 3, 1, name, r, cap);
    r->resp[at2].skip = (int)(r->nresp - at2 - 1);
  }
}

/* A response-block form, appended to r's items. */
static void crowdc_sema_resp_form(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                                  crowdc_request *r, size_t *cap)
{
  crowdc_resp_item tmp;
  for (size_t i = 0; i < CROWDC_COUNT(crowdc_sema_resp_conds); i++)
    if (crowdc_ast_is(h, CROWDC_N_SYMBOL, crowdc_sema_resp_conds[i])) {
      crowdc_sema_resp_cond(S, form, crowdc_sema_resp_conds[i], r, cap);
      return;
    }
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "expect")) {
    if (form->u.seq.n < 2)
      crowdc_diag_error(S->diag, &form->loc, "'expect' needs at least one check, as in (expect (status 200))");
    for (size_t i = 1; i < form->u.seq.n && !S->diag->stopped; i++) {
      memset(&tmp, 0, sizeof tmp);
      tmp.slot = -1;
      if (crowdc_sema_check(S, form->u.seq.items[i], &tmp) != 0)
        continue;
      r->resp = crowdc_arena_grow(S->arena, r->resp, r->nresp, cap, sizeof *r->resp);
      r->resp[r->nresp++] = tmp;
    }
    return;
  }
  memset(&tmp, 0, sizeof tmp);
  tmp.slot = -1;
  tmp.form = form;
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "save")) {
    if (crowdc_sema_save(S, form, &tmp) != 0)
      return;
  } else if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "success")) {
    if (form->u.seq.n != 1) {
      crowdc_diag_error(S->diag, &form->u.seq.items[1]->loc, "'success' takes no argument");
      return;
    }
    tmp.op = CROWD_OP_SUCCESS;
  } else { /* failure */
    if (form->u.seq.n != 2) {
      crowdc_diag_error(S->diag, &form->loc, "'failure' takes a message: (failure \"no items\")");
      return;
    }
    crowdc_node *m = form->u.seq.items[1];
    if (m->kind != CROWDC_N_STRING && m->kind != CROWDC_N_SYMBOL) {
      crowdc_diag_error(S->diag, &m->loc, "the message of 'failure' must be a string, got %s",
                        crowdc_ast_kind_name(m->kind));
      return;
    }
    crowdc_sema_expr(S, m);
    tmp.op = CROWD_OP_FAILURE;
    tmp.value = m;
  }
  r->resp = crowdc_arena_grow(S->arena, r->resp, r->nresp, cap, sizeof *r->resp);
  r->resp[r->nresp++] = tmp;
}

static const char *const crowdc_sema_req_opts[] = {
  "name", "headers", "query", "json", "form", "timeout",
  "auth", "redirects", "verify", "http2",
  "body", "multipart", /* crowdc_sema_body */
};

static void crowdc_sema_http_opts(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_request *r);

/* :multipart {NAME VALUE ...}: a text part per value, a file part per
 * (file ...) form (upload.h). */
static void crowdc_sema_multipart(crowdc_sema_ctx *S, crowdc_node *m)
{
  if (m->kind != CROWDC_N_MAP) {
    crowdc_diag_error(S->diag, &m->loc, "':multipart' takes a map such as {\"title\" \"x\" \"photo\" "
                      "(file \"photo.png\")}, got %s", crowdc_ast_kind_name(m->kind));
    return;
  }
  if (!crowdc_sema_map_shape(S, m))
    return;
  if (m->u.seq.n == 0)
    crowdc_diag_error(S->diag, &m->loc, "':multipart' needs at least one part");
  for (size_t i = 0; i + 1 < m->u.seq.n; i += 2) {
    crowdc_node *k = m->u.seq.items[i], *v = m->u.seq.items[i + 1];
    if (k->kind == CROWDC_N_STRING)
      crowdc_sema_string(S, k);
    if (crowdc_upload_is_file(v))
      crowdc_upload_file(S->arena, S->diag, S->model, v, 1);
    else if (v->kind == CROWDC_N_MAP || v->kind == CROWDC_N_VECTOR || v->kind == CROWDC_N_KEYWORD)
      crowdc_diag_error(S->diag, &v->loc, "a :multipart value is text or (file \"PATH\"), got %s",
                        crowdc_ast_kind_name(v->kind));
    else
      crowdc_sema_expr(S, v);
  }
}

/* :body STR or :body (file ...), :multipart; one body option at most. */
static void crowdc_sema_body(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_request *r)
{
  static const size_t bodies[] = { 3, 4, 10, 11 }; /* json, form, body, multipart */
  crowdc_node *v = (crowdc_node *)o->val[10];
  if (v && crowdc_upload_is_file(v)) {
    crowdc_upload_file(S->arena, S->diag, S->model, v, 0);
    r->body = v;
  } else if (v) {
    char t = v->kind == CROWDC_N_MAP || v->kind == CROWDC_N_VECTOR ? 0 : crowdc_sema_expr(S, v);
    if (!t || !crowdc_sema_type_ok('s', t))
      crowdc_diag_error(S->diag, &v->loc, "':body' takes a string or (file \"PATH\"), got %s",
                        t && v->kind == CROWDC_N_LIST ? crowdc_sema_type_name(t) : crowdc_ast_kind_name(v->kind));
    r->body = v;
  }
  if (o->val[11]) {
    crowdc_sema_multipart(S, (crowdc_node *)o->val[11]);
    r->multipart = o->val[11];
  }
  size_t first = SIZE_MAX; /* the first one written */
  for (size_t i = 0; i < CROWDC_COUNT(bodies); i++)
    if (o->val[bodies[i]] && (first == SIZE_MAX || o->kw[bodies[i]]->loc.off < o->kw[first]->loc.off))
      first = bodies[i];
  for (size_t i = 0; i < CROWDC_COUNT(bodies); i++) {
    size_t k = bodies[i];
    if (!o->val[k] || k == first)
      continue;
    crowdc_diag_error(S->diag, &o->kw[k]->loc, "':%s' and ':%s' cannot both be given", o->names[k],
                      o->names[first]);
    crowdc_diag_note(S->diag, &o->kw[first]->loc, "':%s' is here", o->names[first]);
  }
}

static int crowdc_sema_request(crowdc_sema_ctx *S, crowdc_node *form, int method,
                               crowdc_stmt *st)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  const char *mname = crowdc_sema_methods[method];
  crowdc_sema_opts o = { .names = crowdc_sema_req_opts, .n = CROWDC_COUNT(crowdc_sema_req_opts) };
  crowdc_sema_options(S, form, 1, mname, &o);
  memset(st, 0, sizeof *st);
  st->kind = CROWDC_S_REQUEST;
  st->form = form;
  crowdc_request *r = &st->req;
  r->method = method;
  if (o.nrest == 0) {
    crowdc_diag_error(S->diag, &form->loc, "'%s' needs a path, as in (%s \"/\")", mname, mname);
    return -1;
  }
  crowdc_node *path = (crowdc_node *)o.rest[0];
  char t = crowdc_sema_expr(S, path);
  if (t && !crowdc_sema_type_ok('s', t)) {
    crowdc_diag_error(S->diag, &path->loc, "the path must be a string, got %s",
                      crowdc_ast_kind_name(path->kind));
  } else if (path->kind == CROWDC_N_STRING) {
    const crowdc_strpart *p0 = path->u.str.n ? &path->u.str.parts[0] : NULL;
    if (!p0 || (!p0->is_var && p0->p[0] != '/' && strncmp(p0->p, "http://", 7) != 0 &&
                strncmp(p0->p, "https://", 8) != 0))
      crowdc_diag_error(S->diag, &path->loc,
                        "the path must start with '/' or be a full http:// or https:// URL");
  }
  r->path = path;
  /* :name */
  if (o.val[0]) {
    crowdc_node *v = (crowdc_node *)o.val[0];
    t = crowdc_sema_expr(S, v);
    if (t && !crowdc_sema_type_ok('s', t))
      crowdc_diag_error(S->diag, &v->loc, "':name' must be a string, got %s",
                        crowdc_ast_kind_name(v->kind));
    r->name = v;
  }
  if (o.val[1]) {
    crowdc_sema_pairs(S, "headers", (crowdc_node *)o.val[1], 1);
    r->headers = o.val[1];
  }
  if (o.val[2]) {
    crowdc_sema_pairs(S, "query", (crowdc_node *)o.val[2], 0);
    r->query = o.val[2];
  }
  if (o.val[3]) {
    crowdc_sema_json(S, (crowdc_node *)o.val[3]);
    r->json = o.val[3];
  }
  if (o.val[4]) {
    crowdc_sema_pairs(S, "form", (crowdc_node *)o.val[4], 0);
    r->form = o.val[4];
  }
  crowdc_sema_body(S, &o, r);
  if (o.val[5]) {
    const crowdc_node *v = o.val[5];
    if (!crowdc_sema_is_number(v) || crowdc_sema_number(v) <= 0)
      crowdc_diag_error(S->diag, &v->loc, "':timeout' must be a positive duration such as 5s");
    r->timeout = v;
  }
  crowdc_sema_http_opts(S, &o, r);
  /* The response block last: its saves define variables for what follows. */
  size_t cap = 0;
  for (size_t i = 1; i < o.nrest && !S->diag->stopped; i++) {
    crowdc_node *f = (crowdc_node *)o.rest[i];
    const crowdc_node *h = crowdc_sema_head(f);
    if (h && (crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_resp_forms,
                             CROWDC_COUNT(crowdc_sema_resp_forms)) ||
              crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_resp_conds,
                             CROWDC_COUNT(crowdc_sema_resp_conds)))) {
      S->in_resp = 1;
      crowdc_sema_resp_form(S, f, h, r, &cap);
      S->in_resp = 0;
    } else
      crowdc_diag_error(S->diag, &f->loc,
                        "extra argument to '%s': it takes one path, then options such as :name, "
                        "then (expect ...) and (save ...)",
                        mname);
  }
  (void)q;
  return 0;
}

/* ---- HTTP conveniences: :auth, :redirects, :verify, :http2; a user's defaults -- */

static inline void crowdc_sema_http_only(crowdc_sema_ctx *S, const crowdc_node *at, const char *what);

/* The value of option name, or NULL. */
static const crowdc_node *crowdc_sema_opt_get(const crowdc_sema_opts *o, const char *name, const crowdc_node **kw)
{
  for (size_t k = 0; k < o->n && k < 16; k++)
    if (strcmp(o->names[k], name) == 0) {
      if (kw)
        *kw = o->kw[k];
      return o->val[k];
    }
  return NULL;
}

/* :opt true|false: 0 and *out, or -1 after an error. */
static int crowdc_sema_bool(crowdc_sema_ctx *S, const crowdc_node *v, const char *opt, int *out)
{
  if (crowdc_ast_is(v, CROWDC_N_SYMBOL, "true") || crowdc_ast_is(v, CROWDC_N_SYMBOL, "false")) {
    *out = crowdc_ast_is(v, CROWDC_N_SYMBOL, "true");
    return 0;
  }
  crowdc_diag_error(S->diag, &v->loc, "':%s' takes true or false, got %s", opt, crowdc_ast_kind_name(v->kind));
  return -1;
}

/* (basic USER PASSWORD) or (bearer TOKEN): 0, or -1 after an error. */
static int crowdc_sema_auth_shape(crowdc_sema_ctx *S, const crowdc_node *v)
{
  static const char *const schemes[] = { "basic", "bearer" };
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  const crowdc_node *h = crowdc_sema_head(v);
  if (!h) {
    crowdc_diag_error(S->diag, &v->loc, "':auth' takes (basic USER PASSWORD) or (bearer TOKEN), got %s",
                      crowdc_ast_kind_name(v->kind));
    return -1;
  }
  int basic = crowdc_ast_is(h, CROWDC_N_SYMBOL, "basic");
  if (!basic && !crowdc_ast_is(h, CROWDC_N_SYMBOL, "bearer")) {
    crowdc_diag_error(S->diag, &h->loc, "unknown auth scheme '%s'%s", Q(q, h->u.name.p, h->u.name.len),
                      crowdc_diag_hint(hint, sizeof hint, h->u.name.p, h->u.name.len, schemes, 2));
    return -1;
  }
  if (v->u.seq.n != (basic ? 3u : 2u)) {
    crowdc_diag_error(S->diag, &v->loc, basic ? "'basic' takes a user and a password: (basic \"user\" \"secret\")"
                                              : "'bearer' takes a token: (bearer \"{token}\")");
    return -1;
  }
  for (size_t i = 1; i < v->u.seq.n; i++) {
    const crowdc_node *a = v->u.seq.items[i];
    if (a->kind == CROWDC_N_VECTOR || a->kind == CROWDC_N_MAP || a->kind == CROWDC_N_KEYWORD ||
        a->kind == CROWDC_N_PERCENT) {
      crowdc_diag_error(S->diag, &a->loc, "'%s' takes text, got %s", basic ? "basic" : "bearer",
                        crowdc_ast_kind_name(a->kind));
      return -1;
    }
  }
  return 0;
}

/* Every variable e reads is visible here (no diagnostics). */
static int crowdc_sema_ready(crowdc_sema_ctx *S, const crowdc_node *e)
{
  switch (e->kind) {
  case CROWDC_N_STRING:
    for (size_t i = 0; i < e->u.str.n; i++) {
      const crowdc_strpart *p = &e->u.str.parts[i];
      const char *dot = p->is_var ? memchr(p->p, '.', p->len) : NULL;
      if (p->is_var && crowdc_sema_lookup(S, p->p, dot ? (size_t)(dot - p->p) : p->len) < 0)
        return 0;
    }
    return 1;
  case CROWDC_N_SYMBOL: {
    if (crowdc_sema_is_const(e))
      return 1;
    const char *dot = memchr(e->u.name.p, '.', e->u.name.len);
    return crowdc_sema_lookup(S, e->u.name.p, dot ? (size_t)(dot - e->u.name.p) : e->u.name.len) >= 0;
  }
  case CROWDC_N_LIST:
    for (size_t i = 1; i < e->u.seq.n; i++)
      if (!crowdc_sema_ready(S, e->u.seq.items[i]))
        return 0;
    return 1;
  default:
    return 1;
  }
}

/* Report the variables e reads that the user never defines. */
static void crowdc_sema_defined_anywhere(crowdc_sema_ctx *S, const crowdc_node *e)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  if (e->kind == CROWDC_N_STRING) {
    for (size_t i = 0; i < e->u.str.n; i++) {
      const crowdc_strpart *p = &e->u.str.parts[i];
      const char *dot = p->is_var ? memchr(p->p, '.', p->len) : NULL;
      size_t len = dot ? (size_t)(dot - p->p) : p->len;
      if (p->is_var && crowdc_sema_find_slot(S, p->p, len) < 0)
        crowdc_diag_error(S->diag, &p->loc, "undefined variable '%s' (the user never defines it)",
                          Q(q, p->p, len));
    }
  } else if (e->kind == CROWDC_N_SYMBOL && !crowdc_sema_is_const(e)) {
    const char *dot = memchr(e->u.name.p, '.', e->u.name.len);
    size_t len = dot ? (size_t)(dot - e->u.name.p) : e->u.name.len;
    if (crowdc_sema_find_slot(S, e->u.name.p, len) < 0)
      crowdc_diag_error(S->diag, &e->loc, "undefined variable '%s' (the user never defines it)",
                        Q(q, e->u.name.p, len));
  } else if (e->kind == CROWDC_N_LIST || e->kind == CROWDC_N_MAP) {
    for (size_t i = e->kind == CROWDC_N_LIST ? 1 : 0; i < e->u.seq.n; i++)
      crowdc_sema_defined_anywhere(S, e->u.seq.items[i]);
  }
}

/* A header key's plain text (keyword or plain string), or NULL. */
static const char *crowdc_sema_key_text(const crowdc_node *k, size_t *len)
{
  if (k->kind == CROWDC_N_KEYWORD) {
    *len = k->u.name.len;
    return k->u.name.p;
  }
  if (crowdc_ast_plain_string(k)) {
    *len = k->u.str.n ? k->u.str.parts[0].len : 0;
    return k->u.str.n ? k->u.str.parts[0].p : "";
  }
  return NULL;
}

/* Does the header map m have a key named (p, len), in any case? */
static int crowdc_sema_has_header(const crowdc_node *m, const char *p, size_t len)
{
  if (m == NULL || m->kind != CROWDC_N_MAP) /* not a map: already reported */
    return 0;
  for (size_t i = 0; i + 1 < m->u.seq.n; i += 2) {
    size_t klen;
    const char *k = crowdc_sema_key_text(m->u.seq.items[i], &klen);
    if (k && klen == len && strncasecmp(k, p, len) == 0)
      return 1;
  }
  return 0;
}

static void crowdc_sema_auth_exprs(crowdc_sema_ctx *S, const crowdc_node *v)
{
  for (size_t i = 1; i < v->u.seq.n; i++)
    crowdc_sema_expr(S, v->u.seq.items[i]);
}

/* A request's :auth, :redirects, :verify, :http2, then what its user gives
 * by default: flags, :auth and :headers (the request's own win; a default
 * is sent where every variable it reads is defined). */
static void crowdc_sema_http_opts(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_request *r)
{
  static const struct { const char *opt; unsigned flag; int when; } bools[] = {
    { "redirects", CROWD_REQ_NO_REDIRECTS, 0 }, { "verify", CROWD_REQ_NO_VERIFY, 0 },
    { "http2", CROWD_REQ_HTTP2, 1 },
  };
  const crowdc_user *u = S->user;
  r->flags = u ? u->flags : 0;
  for (size_t i = 0; i < CROWDC_COUNT(bools); i++) {
    const crowdc_node *v = crowdc_sema_opt_get(o, bools[i].opt, NULL);
    int b;
    if (!v || crowdc_sema_bool(S, v, bools[i].opt, &b) != 0)
      continue;
    if (b == bools[i].when)
      r->flags |= bools[i].flag;
    else
      r->flags &= ~bools[i].flag;
    if (bools[i].flag == CROWD_REQ_HTTP2 && b)
      crowdc_sema_http_only(S, v, "':http2'");
  }
  const crowdc_node *auth = crowdc_sema_opt_get(o, "auth", NULL);
  if (auth && crowdc_sema_auth_shape(S, auth) == 0) {
    crowdc_sema_auth_exprs(S, auth);
    r->auth = auth;
  }
  if (!u)
    return;
  int own_auth = auth || crowdc_sema_has_header(r->headers, "Authorization", 13);
  if (!own_auth && u->auth && crowdc_sema_ready(S, u->auth)) {
    crowdc_sema_auth_exprs(S, u->auth);
    r->auth = u->auth;
  }
  const crowdc_node *m = u->headers;
  size_t cap = 0;
  for (size_t i = 0; m && m->kind == CROWDC_N_MAP && i + 1 < m->u.seq.n; i += 2) {
    crowdc_node *k = m->u.seq.items[i], *v = m->u.seq.items[i + 1];
    size_t klen;
    const char *kt = crowdc_sema_key_text(k, &klen);
    if (kt && (crowdc_sema_has_header(r->headers, kt, klen) ||
               (r->auth && klen == 13 && strncasecmp(kt, "Authorization", 13) == 0)))
      continue;
    if (!crowdc_sema_ready(S, k) || !crowdc_sema_ready(S, v))
      continue;
    if (k->kind == CROWDC_N_STRING)
      crowdc_sema_string(S, k);
    crowdc_sema_expr(S, v);
    r->dheaders = crowdc_arena_grow(S->arena, r->dheaders, r->ndheaders, &cap, sizeof *r->dheaders);
    r->dheaders[r->ndheaders++] = k;
    r->dheaders = crowdc_arena_grow(S->arena, r->dheaders, r->ndheaders, &cap, sizeof *r->dheaders);
    r->dheaders[r->ndheaders++] = v;
  }
}

/* A user's :headers, :auth, :cookies, :redirects, :verify, :http2. */
static void crowdc_sema_user_http(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_user *u)
{
  const crowdc_node *v = crowdc_sema_opt_get(o, "headers", NULL);
  int b;
  if (v) {
    if (v->kind != CROWDC_N_MAP)
      crowdc_diag_error(S->diag, &v->loc, "':headers' takes a map such as {\"key\" \"value\"}, got %s",
                        crowdc_ast_kind_name(v->kind));
    else if (crowdc_sema_map_shape(S, v)) {
      for (size_t i = 0; i + 1 < v->u.seq.n; i += 2) {
        const crowdc_node *k = v->u.seq.items[i], *val = v->u.seq.items[i + 1];
        if (k->kind == CROWDC_N_STRING)
          crowdc_sema_header_name(S, k);
        if (val->kind == CROWDC_N_VECTOR || val->kind == CROWDC_N_MAP || val->kind == CROWDC_N_KEYWORD)
          crowdc_diag_error(S->diag, &val->loc, "a header value must be a string, got %s",
                            crowdc_ast_kind_name(val->kind));
      }
      u->headers = v;
    }
  }
  v = crowdc_sema_opt_get(o, "auth", NULL);
  if (v && crowdc_sema_auth_shape(S, v) == 0)
    u->auth = v;
  if ((v = crowdc_sema_opt_get(o, "cookies", NULL)) && crowdc_sema_bool(S, v, "cookies", &b) == 0 && !b)
    u->flags |= CROWD_REQ_NO_COOKIES;
  if ((v = crowdc_sema_opt_get(o, "redirects", NULL)) && crowdc_sema_bool(S, v, "redirects", &b) == 0 && !b)
    u->flags |= CROWD_REQ_NO_REDIRECTS;
  if ((v = crowdc_sema_opt_get(o, "verify", NULL)) && crowdc_sema_bool(S, v, "verify", &b) == 0 && !b)
    u->flags |= CROWD_REQ_NO_VERIFY;
  if ((v = crowdc_sema_opt_get(o, "http2", NULL)) && crowdc_sema_bool(S, v, "http2", &b) == 0 && b) {
    u->flags |= CROWD_REQ_HTTP2;
    crowdc_sema_http_only(S, v, "':http2'");
  }
  const crowdc_node *ckw = NULL, *kkw = NULL;
  const crowdc_node *cert = crowdc_sema_opt_get(o, "client-cert", &ckw);
  const crowdc_node *key = crowdc_sema_opt_get(o, "client-key", &kkw);
  crowdc_upload_cert(S->diag, ckw, cert, kkw, key, &u->cert, &u->key);
}

/* After the user's forms: its defaults read only variables it defines. */
static void crowdc_sema_user_http_end(crowdc_sema_ctx *S, const crowdc_user *u)
{
  if (u->headers)
    crowdc_sema_defined_anywhere(S, u->headers);
  if (u->auth)
    crowdc_sema_defined_anywhere(S, u->auth);
}

/* ---- control flow: if, when, unless, repeat, loop-while, sleep, log ------- */

static void crowdc_sema_stmts(crowdc_sema_ctx *S, crowdc_node *const *items, size_t n,
                              crowdc_stmt *out, size_t *nout);

static const char *const crowdc_sema_levels[] = { "debug", "info", "warning", "error" };

/* Statements in their own scope: what they define stays inside. */
static void crowdc_sema_block(crowdc_sema_ctx *S, crowdc_node *const *items, size_t n, crowdc_stmt **out,
                              size_t *nout)
{
  size_t mark = S->nscope;
  *out = crowdc_arena_alloc(S->arena, (n + 1) * sizeof **out);
  *nout = 0;
  crowdc_sema_stmts(S, items, n, *out, nout);
  crowdc_sema_scope_pop(S, mark);
}

static void crowdc_sema_cond(crowdc_sema_ctx *S, crowdc_node *c)
{
  if (c->kind == CROWDC_N_STRING && crowdc_ast_plain_string(c)) {
    crowdc_diag_error(S->diag, &c->loc, "a condition such as (= code 200) is expected, got a string");
    return;
  }
  crowdc_sema_expr(S, c);
}

/* A slot for a loop's counter, named so that no variable can clash. */
static int crowdc_sema_hidden_slot(crowdc_sema_ctx *S, const crowdc_node *form, const char *what)
{
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%s@%d:%d", what, form->loc.line, form->loc.col);
  const char *p = crowdc_arena_strndup(S->arena, buf, (size_t)n);
  crowdc_node *sym = crowdc_ast_name(S->arena, CROWDC_N_SYMBOL, form->loc, p, (size_t)n);
  return crowdc_sema_slot(S, sym);
}

/* A count: a whole number >= 0, or an expression giving one. */
static void crowdc_sema_count(crowdc_sema_ctx *S, crowdc_node *c, const char *what)
{
  if (c->kind == CROWDC_N_INT && c->u.i >= 0)
    return;
  if (c->kind == CROWDC_N_INT || c->kind == CROWDC_N_DEC || c->kind == CROWDC_N_DURATION ||
      c->kind == CROWDC_N_STRING || c->kind == CROWDC_N_PERCENT) {
    crowdc_diag_error(S->diag, &c->loc, "%s must be a whole number >= 0, got %s", what,
                      c->kind == CROWDC_N_INT ? "a negative number" : crowdc_ast_kind_name(c->kind));
    return;
  }
  char t = crowdc_sema_expr(S, c);
  if (t == 's' || t == 'n')
    crowdc_diag_error(S->diag, &c->loc, "%s must be a whole number >= 0, got %s", what,
                      crowdc_sema_type_name(t));
}

static int crowdc_sema_if(crowdc_sema_ctx *S, crowdc_node *form, const char *name, crowdc_stmt *st)
{
  size_t n = form->u.seq.n;
  int is_if = strcmp(name, "if") == 0;
  st->kind = CROWDC_S_IF;
  st->negate = strcmp(name, "unless") == 0;
  if (n < 2) {
    crowdc_diag_error(S->diag, &form->loc, "'%s' needs a condition, as in (%s (= code 200) ...)", name, name);
    return -1;
  }
  if (is_if && (n < 3 || n > 4)) {
    crowdc_diag_error(S->diag, &form->loc, "'if' takes a condition, a statement and an optional else "
                      "statement: (if COND THEN ELSE); 'when' takes several statements");
    return -1;
  }
  st->cond = form->u.seq.items[1];
  crowdc_sema_cond(S, form->u.seq.items[1]);
  crowdc_sema_block(S, form->u.seq.items + 2, is_if ? 1 : n - 2, &st->body, &st->nbody);
  if (is_if && n == 4)
    crowdc_sema_block(S, form->u.seq.items + 3, 1, &st->alt, &st->nalt);
  return 0;
}

static int crowdc_sema_repeat(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st)
{
  st->kind = CROWDC_S_REPEAT;
  if (form->u.seq.n < 2) {
    crowdc_diag_error(S->diag, &form->loc, "'repeat' needs a count, as in (repeat 3 (get \"/\"))");
    return -1;
  }
  st->expr = form->u.seq.items[1];
  crowdc_sema_count(S, form->u.seq.items[1], "the count of 'repeat'");
  st->slot = crowdc_sema_hidden_slot(S, form, "repeat");
  crowdc_sema_block(S, form->u.seq.items + 2, form->u.seq.n - 2, &st->body, &st->nbody);
  return 0;
}

static int crowdc_sema_loop_while(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st)
{
  static const char *const names[] = { "max" };
  st->kind = CROWDC_S_WHILE;
  if (form->u.seq.n < 2 || form->u.seq.items[1]->kind == CROWDC_N_KEYWORD) {
    crowdc_diag_error(S->diag, &form->loc, "'loop-while' needs a condition and a bound, as in "
                      "(loop-while (< n 10) :max 100 ...)");
    return -1;
  }
  crowdc_sema_opts o = { .names = names, .n = 1 };
  crowdc_sema_options(S, form, 2, "loop-while", &o);
  st->cond = form->u.seq.items[1];
  crowdc_sema_cond(S, form->u.seq.items[1]);
  if (!o.val[0]) {
    crowdc_diag_error(S->diag, &form->loc, "'loop-while' needs a bound: add :max N (the most times it runs)");
    return -1;
  }
  if (o.val[0]->kind != CROWDC_N_INT || o.val[0]->u.i < 0) {
    crowdc_diag_error(S->diag, &o.val[0]->loc, "':max' must be a whole number >= 0");
    return -1;
  }
  st->expr = o.val[0];
  st->slot = crowdc_sema_hidden_slot(S, form, "loop-while");
  crowdc_sema_block(S, (crowdc_node *const *)o.rest, o.nrest, &st->body, &st->nbody);
  return 0;
}

static int crowdc_sema_sleep(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st)
{
  st->kind = CROWDC_S_SLEEP;
  if (form->u.seq.n != 2) {
    crowdc_diag_error(S->diag, &form->loc, "'sleep' takes a duration: (sleep 500ms)");
    return -1;
  }
  crowdc_node *d = form->u.seq.items[1];
  st->expr = d;
  if (crowdc_sema_is_number(d)) {
    if (crowdc_sema_number(d) < 0) {
      crowdc_diag_error(S->diag, &d->loc, "a sleep cannot be negative");
      return -1;
    }
    return 0;
  }
  char t = d->kind == CROWDC_N_STRING || d->kind == CROWDC_N_PERCENT ? 's' : crowdc_sema_expr(S, d);
  if (t == 's') {
    crowdc_diag_error(S->diag, &d->loc, "'sleep' takes a duration such as 500ms or 2s, got %s",
                      crowdc_ast_kind_name(d->kind));
    return -1;
  }
  return t ? 0 : -1;
}

/* v names one of names[0..n): its index, or -1 after an error ("unknown
 * WHAT 'x'; did you mean ..." for a symbol, otherwise the usage line). */
static int crowdc_sema_choice(crowdc_sema_ctx *S, const crowdc_node *v, const char *const *names, size_t n,
                              const char *what, const char *usage)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  for (size_t k = 0; v->kind == CROWDC_N_SYMBOL && k < n; k++)
    if (crowdc_ast_is(v, CROWDC_N_SYMBOL, names[k]))
      return (int)k;
  if (v->kind == CROWDC_N_SYMBOL)
    crowdc_diag_error(S->diag, &v->loc, "unknown %s '%s'%s", what, Q(q, v->u.name.p, v->u.name.len),
                      crowdc_diag_hint(hint, sizeof hint, v->u.name.p, v->u.name.len, names, n));
  else
    crowdc_diag_error(S->diag, &v->loc, "%s", usage);
  return -1;
}

static int crowdc_sema_log(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st)
{
  static const char *const names[] = { "level" };
  st->kind = CROWDC_S_LOG;
  st->level = 20;
  crowdc_sema_opts o = { .names = names, .n = 1 };
  crowdc_sema_options(S, form, 1, "log", &o);
  if (o.nrest != 1) {
    crowdc_diag_error(S->diag, &form->loc, "'log' takes one message: (log \"order {order} paid\" :level info)");
    return -1;
  }
  if (o.val[0]) {
    int k = crowdc_sema_choice(S, o.val[0], crowdc_sema_levels, CROWDC_COUNT(crowdc_sema_levels),
                               "log level", "':level' takes debug, info, warning or error");
    if (k < 0)
      return -1;
    st->level = 10 * (k + 1);
  }
  st->expr = o.rest[0];
  return crowdc_sema_expr(S, (crowdc_node *)o.rest[0]) ? 0 : -1;
}

/* A control-flow statement: 0 checked, -1 after an error, 1 not one. */
static int crowdc_sema_flow(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h, crowdc_stmt *st)
{
  memset(st, 0, sizeof *st);
  st->form = form;
  st->feeder = -1;
  st->slot = -1;
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "if"))
    return crowdc_sema_if(S, form, "if", st);
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "when"))
    return crowdc_sema_if(S, form, "when", st);
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "unless"))
    return crowdc_sema_if(S, form, "unless", st);
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "repeat"))
    return crowdc_sema_repeat(S, form, st);
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "loop-while"))
    return crowdc_sema_loop_while(S, form, st);
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "sleep"))
    return crowdc_sema_sleep(S, form, st);
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "log"))
    return crowdc_sema_log(S, form, st);
  return 1;
}

/* ---- feeders: (feeder NAME (csv "file") :strategy S) ----------------------- */

static const char *const crowdc_sema_strategies[] = { "cycle", "random", "shuffle", "unique" };

static void crowdc_sema_feeder(crowdc_sema_ctx *S, const crowdc_node *form, crowdc_nameset *names)
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
  const crowdc_node *prev = crowdc_nameset_add(S->arena, names, name);
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

/* ---- events: (on EVENT ...), (write-file ...), (call ...), (extension ...) ---- */

/* In crowd.h's crowd_event_kind order, and the variables of crowd_event_slot. */
static const char *const crowdc_sema_events_names[] = {
  "test-start", "test-stop", "spawning", "spawning-complete", "quitting", "user-error", "request",
};
static const char *const crowdc_sema_event_vars[CROWD_EVV_COUNT] = {
  "host", "users", "name", "method", "status", "error", "time",
};
static const char *const crowdc_sema_on_opts[] = { "name", "method", "failure", "min-time" };

static const char *crowdc_sema_event_an(int kind)
{
  static const char *const an[] = {
    "a 'test-start'", "a 'test-stop'", "a 'spawning'", "a 'spawning-complete'", "a 'quitting'",
    "a 'user-error'", "a 'request'",
  };
  return an[kind];
}

/* What a handler cannot do: send requests, sleep, end a task.  1 after the
 * error, else 0. */
static int crowdc_sema_handler_refuses(crowdc_sema_ctx *S, const crowdc_node *h)
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
static int crowdc_sema_event_stmt(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
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

/* Start checking u: its variables, scopes and tables start empty. */
static void crowdc_sema_scope_enter(crowdc_sema_ctx *S, crowdc_user *u)
{
  S->user = u;
  S->varcap = 0;
  S->nscope = 0;
  S->rowof = NULL;
  S->rowcap = 0;
  S->hcap = 0;
  S->htab = NULL;
  S->visible = NULL;
  S->where = CROWDC_IN_BLOCK;
  S->set_depth = 0;
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

static void crowdc_sema_events(crowdc_sema_ctx *S, const crowdc_node *root)
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
static int crowdc_sema_tick_result(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st)
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
static void crowdc_sema_tick(crowdc_sema_ctx *S, const crowdc_node *root)
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

/* ---- tasks and users -------------------------------------------------- */

/* The statements of a task, on-start or on-stop, appended to out. */
static void crowdc_sema_stmts(crowdc_sema_ctx *S, crowdc_node *const *items, size_t n,
                              crowdc_stmt *out, size_t *nout)
{
  for (size_t i = 0; i < n && !S->diag->stopped; i++) {
    crowdc_node *st = items[i];
    const crowdc_node *h = crowdc_sema_head(st);
    int m = -1;
    for (int k = 0; h && k < CROWDC_NMETHODS; k++)
      if (crowdc_ast_is(h, CROWDC_N_SYMBOL, crowdc_sema_methods[k]))
        m = k;
    int rc = -1;
    if ((S->handler || S->in_tick) && crowdc_sema_handler_refuses(S, h))
      continue;
    if (S->in_tick && st->kind != CROWDC_N_LIST)
      rc = crowdc_sema_tick_result(S, st, &out[*nout]); /* [USERS RATE CLASSES] or nil */
    else if (h && (crowdc_ast_is(h, CROWDC_N_SYMBOL, "write-file") || crowdc_ast_is(h, CROWDC_N_SYMBOL, "call")))
      rc = crowdc_sema_event_stmt(S, st, h, &out[*nout]);
    else if (m >= 0)
      rc = crowdc_sema_request(S, st, m, &out[*nout]);
    else if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "let"))
      rc = crowdc_sema_let(S, st, &out[*nout]);
    else if (h && (crowdc_ast_is(h, CROWDC_N_SYMBOL, "interrupt") ||
                   crowdc_ast_is(h, CROWDC_N_SYMBOL, "reschedule") ||
                   crowdc_ast_is(h, CROWDC_N_SYMBOL, "reschedule-now")))
      rc = crowdc_sema_control(S, st, h, &out[*nout]);
    else if (h && (rc = crowdc_sema_flow(S, st, h, &out[*nout])) != 1)
      ; /* if, when, unless, repeat, loop-while, sleep, log */
    else
      crowdc_sema_unknown_form(S, st, "(get \"/\")", crowdc_sema_task_forms,
                               CROWDC_COUNT(crowdc_sema_task_forms));
    if (rc == 0)
      (*nout)++;
  }
}

static const char *const crowdc_sema_task_opts[] = { "weight", "tags" };
static void crowdc_sema_tags(crowdc_sema_ctx *S, const crowdc_node *v, crowdc_task *t);

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
  if (o.val[0]) {
    const crowdc_node *w = o.val[0];
    if (w->kind != CROWDC_N_INT || w->u.i < 0 || w->u.i > INT_MAX)
      crowdc_diag_error(S->diag, &w->loc, "the weight of a task must be a whole number >= 0");
    else
      t->weight = (int)w->u.i;
  }
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
static int crowdc_sema_client(crowdc_sema_ctx *S, const crowdc_node *v, crowdc_client *client)
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

/* A feature only the `http` client (libcurl) has, used by the user being
 * checked: HTTP/2, proxies, digest auth... are refused on `fast` once every
 * user's client is known (crowdc_sema_check_clients).  Forms that need
 * libcurl call this with the node to point at. */
static inline void crowdc_sema_http_only(crowdc_sema_ctx *S, const crowdc_node *at, const char *what)
{
  if (S->user && S->user->http_only == NULL) {
    S->user->http_only = at;
    S->user->http_only_what = what;
  }
}


/* ---- task sets, tags, interrupt and reschedule (LOCUST-COMPAT.md §8) ---- */

/* (interrupt [:reschedule B]), (reschedule), (reschedule-now): the task
 * ends at once with a CROWD_TASK_* code. */
static int crowdc_sema_control(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                               crowdc_stmt *st)
{
  static const char *const names[] = { "reschedule" };
  memset(st, 0, sizeof *st);
  st->kind = CROWDC_S_CONTROL;
  st->form = form;
  st->slot = -1;
  st->feeder = -1;
  int errors = S->diag->nerrors;
  if (crowdc_ast_is(h, CROWDC_N_SYMBOL, "interrupt")) {
    if (S->where == CROWDC_IN_TASK && S->set_depth == 0)
      crowdc_diag_error(S->diag, &h->loc,
                        "'interrupt' is only allowed inside a task set: it returns to the set's "
                        "parent, and a user's own tasks have none");
    else if (S->where != CROWDC_IN_TASK && S->where != CROWDC_IN_SET_START)
      crowdc_diag_error(S->diag, &h->loc,
                        "'interrupt' is only allowed in a task of a task set, or in its on-start");
    crowdc_sema_opts o = { .names = names, .n = 1 };
    crowdc_sema_options(S, form, 1, "interrupt", &o);
    for (size_t i = 0; i < o.nrest; i++)
      crowdc_diag_error(S->diag, &o.rest[i]->loc, "extra argument to 'interrupt': it takes only "
                        ":reschedule true or false");
    int resched = 1;
    if (o.val[0]) {
      resched = crowdc_ast_is(o.val[0], CROWDC_N_SYMBOL, "true");
      if (!resched && !crowdc_ast_is(o.val[0], CROWDC_N_SYMBOL, "false"))
        crowdc_diag_error(S->diag, &o.val[0]->loc, "':reschedule' takes true or false, got %s",
                          crowdc_ast_kind_name(o.val[0]->kind));
    }
    st->control = resched ? CROWD_TASK_INTERRUPT : CROWD_TASK_INTERRUPT_WAIT;
  } else {
    int now = crowdc_ast_is(h, CROWDC_N_SYMBOL, "reschedule-now");
    if (S->where != CROWDC_IN_TASK)
      crowdc_diag_error(S->diag, &h->loc, "'%s' is only allowed inside a task",
                        now ? "reschedule-now" : "reschedule");
    if (form->u.seq.n > 1)
      crowdc_diag_error(S->diag, &form->u.seq.items[1]->loc, "'%s' takes no arguments",
                        now ? "reschedule-now" : "reschedule");
    st->control = now ? CROWD_TASK_RESCHEDULE_NOW : CROWD_TASK_RESCHEDULE;
  }
  return S->diag->nerrors == errors ? 0 : -1;
}

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
  crowdc_nameset names = { 0 };
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
    const crowdc_node *prev = crowdc_nameset_add(S->arena, &names, t->name);
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
  if (o.val[0]) {
    const crowdc_node *w = o.val[0];
    if (w->kind != CROWDC_N_INT || w->u.i < 0 || w->u.i > INT_MAX)
      crowdc_diag_error(S->diag, &w->loc, "the weight of a task set must be a whole number >= 0");
    else
      t->weight = (int)w->u.i;
  }
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

/* The value of option `name` of o (one of o->names), or NULL. */
static const crowdc_node *crowdc_sema_optval(const crowdc_sema_opts *o, const char *name)
{
  for (size_t k = 0; k < o->n; k++)
    if (strcmp(o->names[k], name) == 0)
      return o->val[k];
  return NULL;
}

/* :fixed-count N and :abstract true|false (:extends was resolved by
 * crowdc_sema_inherit). */
static void crowdc_sema_user_kind(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_user *u)
{
  const crowdc_node *a = crowdc_sema_optval(o, "abstract");
  const crowdc_node *f = crowdc_sema_optval(o, "fixed-count");
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

static void crowdc_sema_user(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *name,
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
  u->arrival = crowdc_sema_optval(&o, "arrival");
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

/* ---- users that extend others ---------------------------------------- */

/* The (user NAME ...) forms of the file by name, for :extends. */
static void crowdc_sema_index_users(crowdc_sema_ctx *S, const crowdc_node *root)
{
  size_t n = root->u.seq.n;
  S->uforms = crowdc_arena_alloc(S->arena, (n + 1) * sizeof *S->uforms);
  S->ucap = 16;
  while (S->ucap < 2 * n + 2)
    S->ucap *= 2;
  S->utab = crowdc_arena_alloc(S->arena, S->ucap * sizeof *S->utab);
  memset(S->utab, 0, S->ucap * sizeof *S->utab);
  for (size_t i = 0; i < n; i++) {
    const crowdc_node *f = root->u.seq.items[i], *h = crowdc_sema_head(f);
    if (!h || !crowdc_ast_is(h, CROWDC_N_SYMBOL, "user") || f->u.seq.n < 2 ||
        f->u.seq.items[1]->kind != CROWDC_N_SYMBOL)
      continue;
    const crowdc_node *nm = f->u.seq.items[1];
    size_t k = crowdc_sema_hash(nm->u.name.p, nm->u.name.len) & (S->ucap - 1);
    while (S->utab[k]) { /* the first definition wins, as for duplicates */
      const crowdc_node *o = S->uforms[S->utab[k] - 1]->u.seq.items[1];
      if (o->u.name.len == nm->u.name.len && memcmp(o->u.name.p, nm->u.name.p, o->u.name.len) == 0)
        break;
      k = (k + 1) & (S->ucap - 1);
    }
    if (S->utab[k])
      continue;
    S->uforms[S->nuforms] = f;
    S->utab[k] = (int)++S->nuforms;
  }
}

static const crowdc_node *crowdc_sema_find_user(const crowdc_sema_ctx *S, const char *p, size_t len)
{
  for (size_t k = crowdc_sema_hash(p, len) & (S->ucap - 1); S->utab[k]; k = (k + 1) & (S->ucap - 1)) {
    const crowdc_node *f = S->uforms[S->utab[k] - 1], *o = f->u.seq.items[1];
    if (o->u.name.len == len && memcmp(o->u.name.p, p, len) == 0)
      return f;
  }
  return NULL;
}

/* Option `name` of a user form (a keyword followed by its value), or NULL. */
static const crowdc_node *crowdc_sema_form_opt(const crowdc_node *f, const char *name, size_t *at)
{
  for (size_t i = 2; i + 1 < f->u.seq.n; i++) {
    const crowdc_node *k = f->u.seq.items[i];
    if (k->kind != CROWDC_N_KEYWORD)
      continue;
    if (f->u.seq.items[i + 1]->kind == CROWDC_N_KEYWORD)
      continue;
    if (crowdc_ast_is(k, CROWDC_N_KEYWORD, name)) {
      if (at)
        *at = i;
      return f->u.seq.items[i + 1];
    }
    i++;
  }
  return NULL;
}

/* Does any of forms[0..n) hold a (HEAD ...) form in its body? */
static int crowdc_sema_any_has(const crowdc_node *const *forms, size_t n, const char *head)
{
  for (size_t k = 0; k < n; k++)
    for (size_t i = 2; i < forms[k]->u.seq.n; i++) {
      const crowdc_node *h = crowdc_sema_head(forms[k]->u.seq.items[i]);
      if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, head))
        return 1;
    }
  return 0;
}

enum { CROWDC_EXTENDS_MAX = 64 };

/* The user form f as crowdc_sema_user checks it.  With :extends, a new
 * form: the bases' options and forms first (copies: each user checks and
 * numbers its own), then f's; an option, an on-start or an on-stop of a
 * more derived user replaces the base's, as a Python subclass's attribute
 * or method does; tasks add up.  :abstract is not inherited.  NULL after
 * an error in the chain (reported). */
static crowdc_node *crowdc_sema_inherit(crowdc_sema_ctx *S, const crowdc_node *root, crowdc_node *f)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  if (!crowdc_sema_form_opt(f, "extends", NULL))
    return f;
  if (S->uforms == NULL)
    crowdc_sema_index_users(S, root);
  const crowdc_node *chain[CROWDC_EXTENDS_MAX]; /* f, its base, the base's base... */
  size_t n = 0;
  chain[n++] = f;
  const crowdc_node *ext;
  while ((ext = crowdc_sema_form_opt(chain[n - 1], "extends", NULL)) != NULL) {
    if (ext->kind != CROWDC_N_SYMBOL) {
      crowdc_diag_error(S->diag, &ext->loc, "':extends' takes the name of a user, got %s",
                        crowdc_ast_kind_name(ext->kind));
      return NULL;
    }
    const crowdc_node *base = crowdc_sema_find_user(S, ext->u.name.p, ext->u.name.len);
    if (base == NULL) {
      const char **cands = crowdc_arena_alloc(S->arena, (S->nuforms + 1) * sizeof *cands);
      for (size_t i = 0; i < S->nuforms; i++)
        cands[i] = S->uforms[i]->u.seq.items[1]->u.name.p;
      crowdc_diag_error(S->diag, &ext->loc, "unknown base user '%s'%s",
                        Q(q, ext->u.name.p, ext->u.name.len),
                        crowdc_diag_hint(hint, sizeof hint, ext->u.name.p, ext->u.name.len, cands,
                                         S->nuforms));
      return NULL;
    }
    for (size_t k = 0; k < n; k++)
      if (chain[k] == base) { /* "A -> B -> A" */
        char path[512];
        size_t len = 0;
        for (size_t j = 0; j <= n && len < sizeof path - 1; j++) {
          const crowdc_node *nm = j < n ? chain[j]->u.seq.items[1] : base->u.seq.items[1];
          int w = snprintf(path + len, sizeof path - len, "%s%s", j ? " -> " : "",
                           Q(q, nm->u.name.p, nm->u.name.len));
          len = w < 0 ? len : len + (size_t)w < sizeof path ? len + (size_t)w : sizeof path - 1;
        }
        crowdc_diag_error(S->diag, &ext->loc, "cyclic ':extends': %s", path);
        return NULL;
      }
    if (n == CROWDC_EXTENDS_MAX) {
      crowdc_diag_error(S->diag, &ext->loc, "':extends' chain longer than %d users",
                        CROWDC_EXTENDS_MAX);
      return NULL;
    }
    chain[n++] = base;
  }

  /* options, the root base's first; a derived one replaces its value */
  size_t cap = 2;
  for (size_t k = 0; k < n; k++)
    cap += chain[k]->u.seq.n;
  crowdc_node **items = crowdc_arena_alloc(S->arena, (cap + 1) * sizeof *items);
  size_t ni = 0;
  items[ni++] = f->u.seq.items[0];
  items[ni++] = f->u.seq.items[1];
  for (size_t k = n; k-- > 0;) {
    const crowdc_node *c = chain[k];
    for (size_t i = 2; i < c->u.seq.n; i++) {
      crowdc_node *kw = c->u.seq.items[i];
      if (kw->kind != CROWDC_N_KEYWORD)
        continue;
      int has_val = i + 1 < c->u.seq.n && c->u.seq.items[i + 1]->kind != CROWDC_N_KEYWORD;
      if (crowdc_ast_is(kw, CROWDC_N_KEYWORD, "extends") ||
          (k > 0 && crowdc_ast_is(kw, CROWDC_N_KEYWORD, "abstract"))) {
        i += has_val;
        continue;
      }
      crowdc_node *val = has_val ? c->u.seq.items[i + 1] : NULL;
      if (k > 0) {
        kw = crowdc_ast_clone(S->arena, kw);
        val = val ? crowdc_ast_clone(S->arena, val) : NULL;
      }
      size_t j;
      for (j = 2; j < ni; j++)
        if (items[j]->kind == CROWDC_N_KEYWORD && items[j]->u.name.len == kw->u.name.len &&
            memcmp(items[j]->u.name.p, kw->u.name.p, kw->u.name.len) == 0 &&
            j + 1 < ni && items[j + 1]->kind != CROWDC_N_KEYWORD)
          break;
      if (j < ni && val) { /* replaced: the derived option's keyword and value */
        items[j] = kw;
        items[j + 1] = val;
      } else {
        items[ni++] = kw;
        if (val)
          items[ni++] = val;
      }
      i += has_val;
    }
  }
  /* forms, the root base's first */
  for (size_t k = n; k-- > 0;) {
    const crowdc_node *c = chain[k];
    for (size_t i = 2; i < c->u.seq.n; i++) {
      crowdc_node *b = c->u.seq.items[i];
      if (b->kind == CROWDC_N_KEYWORD) {
        i += i + 1 < c->u.seq.n && c->u.seq.items[i + 1]->kind != CROWDC_N_KEYWORD;
        continue;
      }
      const crowdc_node *h = crowdc_sema_head(b);
      if (k > 0 && h && (crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-start") ||
                         crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-stop")) &&
          crowdc_sema_any_has(chain, k, crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-start") ? "on-start"
                                                                                      : "on-stop"))
        continue;
      items[ni++] = k > 0 ? crowdc_ast_clone(S->arena, b) : b;
    }
  }
  crowdc_node *m = crowdc_ast_new(S->arena, CROWDC_N_LIST, f->loc);
  m->u.seq.items = items;
  m->u.seq.n = ni;
  return m;
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
  crowdc_nameset usernames = { 0 }, feedernames = { 0 };
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
      const crowdc_node *prev = crowdc_nameset_add(a, &usernames, name);
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
