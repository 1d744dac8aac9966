#include "config.h"

/* The checks of statements: let, control flow (if, when, unless, repeat,
 * loop-while, sleep, log), interrupt and reschedule, and the dispatch of a
 * task's statements to every kind's check (sema_int.h). */

#include <stdio.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/sema_int.h"

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
int crowdc_sema_let(crowdc_sema_ctx *S, crowdc_node *form, crowdc_stmt *st)
{
  if (form->u.seq.n != 3) {
    crowdc_diag_error(S->diag, &form->loc, "'let' takes a name and a value: (let name value)");
    return -1;
  }
  crowdc_node *sym = form->u.seq.items[1];
  if (crowdc_sema_var_name(S, sym, "let") != 0)
    return -1;
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

/* ---- control flow: if, when, unless, repeat, loop-while, sleep, log ------- */

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

void crowdc_sema_cond(crowdc_sema_ctx *S, crowdc_node *c)
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
int crowdc_sema_choice(crowdc_sema_ctx *S, const crowdc_node *v, const char *const *names, size_t n,
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

/* ---- interrupt and reschedule (LOCUST-COMPAT.md §8) --------------------- */

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

/* ---- a task's statements -------------------------------------------- */

/* The statements of a task, on-start or on-stop, appended to out. */
void crowdc_sema_stmts(crowdc_sema_ctx *S, crowdc_node *const *items, size_t n,
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
