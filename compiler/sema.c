#include "config.h"

#include "compiler/sema.h"

#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/builtins.h"
#include "stdlib/jsonpath.h"

const char *const crowdc_sema_methods[CROWDC_NMETHODS] = {
  "get", "post", "put", "patch", "delete", "head", "options",
};

/* Every form of the language, for "did you mean" and misplaced forms. */
static const char *const crowdc_sema_top_forms[] = { "scenario", "user" };
static const char *const crowdc_sema_user_forms[] = { "let", "task", "on-start", "on-stop" };
static const char *const crowdc_sema_task_forms[] = {
  "let", "get", "post", "put", "patch", "delete", "head", "options",
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
} crowdc_sema_ctx;

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
           crowdc_sema_streq(p, len, "on-stop"))
    placement = "is only allowed directly inside a user";
  else if (crowdc_sema_in(p, len, crowdc_sema_resp_forms, CROWDC_COUNT(crowdc_sema_resp_forms)))
    placement = "is only allowed inside a request, after its path and options";
  else if (crowdc_sema_in(p, len, crowdc_sema_methods, CROWDC_NMETHODS))
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
  const crowdc_node *kw[8], *val[8];
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
  for (size_t i = 0; i < 8; i++)
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

static void crowdc_sema_string(crowdc_sema_ctx *S, crowdc_node *e)
{
  for (size_t i = 0; i < e->u.str.n; i++) {
    crowdc_strpart *p = &e->u.str.parts[i];
    if (!p->is_var)
      continue;
    int slot = crowdc_sema_lookup(S, p->p, p->len);
    if (slot >= 0)
      p->slot = slot;
    else
      crowdc_sema_undefined(S, &p->loc, p->p, p->len);
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
    int slot = crowdc_sema_lookup(S, e->u.name.p, e->u.name.len);
    if (slot < 0) {
      crowdc_sema_undefined(S, &e->loc, e->u.name.p, e->u.name.len);
      return 0;
    }
    e->aux = slot;
    return 'a';
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
  crowdc_sema_expr(S, form->u.seq.items[2]);
  int slot = crowdc_sema_slot(S, sym);
  crowdc_sema_define(S, slot);
  st->kind = CROWDC_S_LET;
  st->form = form;
  st->slot = slot;
  st->expr = form->u.seq.items[2];
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

/* A response-block form, appended to r's items. */
static void crowdc_sema_resp_form(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
                                  crowdc_request *r, size_t *cap)
{
  crowdc_resp_item tmp;
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
};

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
  if (o.val[3] && o.val[4]) {
    crowdc_diag_error(S->diag, &o.kw[4]->loc, "':form' and ':json' cannot both be given");
    crowdc_diag_note(S->diag, &o.kw[3]->loc, "':json' is here");
  }
  if (o.val[5]) {
    const crowdc_node *v = o.val[5];
    if (!crowdc_sema_is_number(v) || crowdc_sema_number(v) <= 0)
      crowdc_diag_error(S->diag, &v->loc, "':timeout' must be a positive duration such as 5s");
    r->timeout = v;
  }
  /* The response block last: its saves define variables for what follows. */
  size_t cap = 0;
  for (size_t i = 1; i < o.nrest && !S->diag->stopped; i++) {
    crowdc_node *f = (crowdc_node *)o.rest[i];
    const crowdc_node *h = crowdc_sema_head(f);
    if (h && crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_resp_forms,
                            CROWDC_COUNT(crowdc_sema_resp_forms)))
      crowdc_sema_resp_form(S, f, h, r, &cap);
    else
      crowdc_diag_error(S->diag, &f->loc,
                        "extra argument to '%s': it takes one path, then options such as :name, "
                        "then (expect ...) and (save ...)",
                        mname);
  }
  (void)q;
  return 0;
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
    if (m >= 0)
      rc = crowdc_sema_request(S, st, m, &out[*nout]);
    else if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "let"))
      rc = crowdc_sema_let(S, st, &out[*nout]);
    else
      crowdc_sema_unknown_form(S, st, "(get \"/\")", crowdc_sema_task_forms,
                               CROWDC_COUNT(crowdc_sema_task_forms));
    if (rc == 0)
      (*nout)++;
  }
}

static const char *const crowdc_sema_task_opts[] = { "weight" };

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
  crowdc_sema_opts o = { .names = crowdc_sema_task_opts, .n = 1 };
  crowdc_sema_options(S, form, 2, "task", &o);
  if (o.val[0]) {
    const crowdc_node *w = o.val[0];
    if (w->kind != CROWDC_N_INT || w->u.i < 0 || w->u.i > INT_MAX)
      crowdc_diag_error(S->diag, &w->loc, "the weight of a task must be a whole number >= 0");
    else
      t->weight = (int)w->u.i;
  }
  size_t scope_mark = S->nscope;
  t->stmts = crowdc_arena_alloc(S->arena, (o.nrest + 1) * sizeof *t->stmts);
  crowdc_sema_stmts(S, (crowdc_node *const *)o.rest, o.nrest, t->stmts, &t->nstmts);
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

static const char *const crowdc_sema_user_opts[] = { "weight", "wait", "client" };

static void crowdc_sema_user(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *name,
                             crowdc_user *u)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  memset(u, 0, sizeof *u);
  u->name = name;
  u->weight = 1;
  S->user = u;
  S->varcap = 0;
  S->nscope = 0;
  S->hcap = 0;
  S->htab = NULL;
  S->visible = NULL;
  crowdc_sema_opts o = { .names = crowdc_sema_user_opts, .n = 3 };
  crowdc_sema_options(S, form, 2, "user", &o);
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
    } else if (!h || !crowdc_ast_is(h, CROWDC_N_SYMBOL, "task")) {
      crowdc_sema_unknown_form(S, b, "(task ...)", crowdc_sema_user_forms,
                               CROWDC_COUNT(crowdc_sema_user_forms));
    }
  }
  crowdc_nameset tasknames = { 0 };
  for (size_t i = 0; i < o.nrest && !S->diag->stopped; i++) {
    crowdc_node *b = (crowdc_node *)o.rest[i];
    const crowdc_node *h = crowdc_sema_head(b);
    if (!h || !crowdc_ast_is(h, CROWDC_N_SYMBOL, "task"))
      continue;
    crowdc_task *t = &u->tasks[u->ntasks];
    crowdc_sema_task(S, b, t);
    if (!t->name)
      continue;
    const crowdc_node *prev = crowdc_nameset_add(S->arena, &tasknames, t->name);
    if (prev) {
      char q2[CROWDC_DIAG_QUOTE_SIZE];
      crowdc_diag_error(S->diag, &t->name->loc, "duplicate task '%s' in user '%s'",
                        Q(q, t->name->u.name.p, t->name->u.name.len),
                        Q(q2, u->name->u.name.p, u->name->u.name.len));
      crowdc_diag_note(S->diag, &prev->loc, "previous definition is here");
    }
    u->ntasks++;
  }
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
  if (u->ntasks == 0)
    crowdc_diag_error(S->diag, &u->name->loc, "user '%s' has no tasks",
                      Q(q, u->name->u.name.p, u->name->u.name.len));
}

/* ---- the file --------------------------------------------------------- */

static void crowdc_sema_scenario(crowdc_sema_ctx *S, crowdc_node *form)
{
  static const char *const names[] = { "host", "client" };
  crowdc_model *m = S->model;
  if (form->u.seq.n < 2 || form->u.seq.items[1]->kind != CROWDC_N_SYMBOL) {
    const crowdc_node *at = form->u.seq.n < 2 ? form : form->u.seq.items[1];
    crowdc_diag_error(S->diag, &at->loc, "expected a scenario name after 'scenario'");
    return;
  }
  m->name = form->u.seq.items[1]->u.name.p;
  m->namelen = form->u.seq.items[1]->u.name.len;
  crowdc_sema_opts o = { .names = names, .n = 2 };
  crowdc_sema_options(S, form, 2, "scenario", &o);
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
  char q[CROWDC_DIAG_QUOTE_SIZE];
  crowdc_sema_ctx S = { .arena = a, .diag = d };
  crowdc_model *m = crowdc_arena_alloc(a, sizeof *m);
  S.model = m;
  m->source = src->name;
  crowdc_sema_default_name(m, src->name);
  size_t n = root->u.seq.n;
  m->users = crowdc_arena_alloc(a, (n + 1) * sizeof *m->users);
  const crowdc_node *scenario = NULL;
  crowdc_nameset usernames = { 0 };
  for (size_t i = 0; i < n && !d->stopped; i++) {
    crowdc_node *f = root->u.seq.items[i];
    const crowdc_node *h = crowdc_sema_head(f);
    if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, "scenario")) {
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
      crowdc_user *u = &m->users[m->nusers++];
      crowdc_sema_user(&S, f, name, u);
    } else {
      crowdc_sema_unknown_form(&S, f, "(user ...)", crowdc_sema_top_forms,
                               CROWDC_COUNT(crowdc_sema_top_forms));
    }
  }
  crowdc_sema_check_clients(&S);
  /* Not after other errors: a misspelt (user ...) already said it all. */
  if (m->nusers == 0 && d->nerrors == 0)
    crowdc_diag_error(d, NULL, "no user classes: a scenario needs at least one (user ...)");
  return m;
}
