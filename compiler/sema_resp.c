#include "config.h"

/* The checks of a request's response block (sema_int.h). */

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/sema_int.h"
#include "stdlib/jsonpath.h"

/* ---- response blocks: expect, save, success, failure -------------------- */

/* What a response block's checks and saves read. */
static const char *const crowdc_sema_checks[] = { "status", "header", "cookie", "body", "json", "time" };
static const char *const crowdc_sema_sources[] = { "json", "regex", "header", "cookie", "status", "body" };
static const char *const crowdc_sema_picks[] = { "first", "last", "random", "all" };

/* A plain string argument (a header name, a JSON path, a pattern), or NULL
 * after an error. */
const char *crowdc_sema_plain(crowdc_sema_ctx *S, const crowdc_node *n, const char *what,
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
  if (crowdc_sema_var_name(S, sym, "save") != 0)
    return -1;
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

/* Conditions in a response block: (when C ...), (unless C ...), (if C THEN ELSE). */
static const char *const crowdc_sema_resp_conds[] = { "when", "if", "unless" };

/* Does the head symbol h start a response-block form or condition? */
int crowdc_sema_resp_head(const crowdc_node *h)
{
  return crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_resp_forms,
                        CROWDC_COUNT(crowdc_sema_resp_forms)) ||
         crowdc_sema_in(h->u.name.p, h->u.name.len, crowdc_sema_resp_conds,
                        CROWDC_COUNT(crowdc_sema_resp_conds));
}

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
    } else if (h && crowdc_sema_resp_head(h)) {
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
void crowdc_sema_resp_form(crowdc_sema_ctx *S, crowdc_node *form, const crowdc_node *h,
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
