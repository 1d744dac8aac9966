#include "config.h"

/* The checks of variables and expressions, and of feeder rows (sema_int.h). */

#include <stdio.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/builtins.h"
#include "compiler/sema_int.h"

/* ---- variables and expressions ----------------------------------------- */

int crowdc_sema_find_slot(const crowdc_sema_ctx *S, const char *p, size_t len)
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
int crowdc_sema_lookup(crowdc_sema_ctx *S, const char *p, size_t len)
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
int crowdc_sema_slot(crowdc_sema_ctx *S, const crowdc_node *sym)
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

void crowdc_sema_define(crowdc_sema_ctx *S, int slot)
{
  if (S->visible[slot])
    return;
  S->visible[slot] = 1;
  S->scope = crowdc_arena_grow(S->arena, S->scope, S->nscope, &S->scopecap, sizeof *S->scope);
  S->scope[S->nscope++] = slot;
}

/* Forget the variables defined since the scope had `mark` entries. */
void crowdc_sema_scope_pop(crowdc_sema_ctx *S, size_t mark)
{
  while (S->nscope > mark)
    S->visible[S->scope[--S->nscope]] = 0;
}

/* The variable that (FORM VAR ...) sets: a symbol, not a constant; 0, or
 * -1 after an error. */
int crowdc_sema_var_name(crowdc_sema_ctx *S, const crowdc_node *sym, const char *form)
{
  if (sym->kind != CROWDC_N_SYMBOL) {
    crowdc_diag_error(S->diag, &sym->loc, "expected a variable name after '%s', got %s", form,
                      crowdc_ast_kind_name(sym->kind));
    return -1;
  }
  if (crowdc_sema_is_const(sym)) {
    crowdc_diag_error(S->diag, &sym->loc, "'%.*s' is a constant and cannot be redefined",
                      (int)sym->u.name.len, sym->u.name.p);
    return -1;
  }
  return 0;
}

/* Start checking u: its variables, scopes and tables start empty. */
void crowdc_sema_scope_enter(crowdc_sema_ctx *S, crowdc_user *u)
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

const char *crowdc_sema_type_name(char t)
{
  switch (t) {
  case 'i': return "an integer";
  case 'n': return "a number";
  case 's': return "a string";
  default: return "a value";
  }
}

int crowdc_sema_type_ok(char want, char got)
{
  if (want == 'a' || got == 'a' || want == got)
    return 1;
  return want == 'n' && got == 'i';
}

/* ---- feeder rows: (let row (next F)), row.field ------------------------- */

/* What slot holds: 0 not yet set by a let, -1 a plain value, F + 1 rows of
 * feeder F. */
int crowdc_sema_rowof(const crowdc_sema_ctx *S, int slot)
{
  return slot >= 0 && (size_t)slot < S->rowcap ? S->rowof[slot] : 0;
}

void crowdc_sema_set_rowof(crowdc_sema_ctx *S, int slot, int what)
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

void crowdc_sema_string(crowdc_sema_ctx *S, crowdc_node *e)
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
char crowdc_sema_expr(crowdc_sema_ctx *S, crowdc_node *e)
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
int crowdc_sema_map_shape(crowdc_sema_ctx *S, const crowdc_node *m)
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

void crowdc_sema_json(crowdc_sema_ctx *S, crowdc_node *v)
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
void crowdc_sema_header_name(crowdc_sema_ctx *S, const crowdc_node *k)
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

void crowdc_sema_pairs(crowdc_sema_ctx *S, const char *opt, crowdc_node *m, int strings)
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
