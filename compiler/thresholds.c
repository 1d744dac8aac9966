#include "config.h"

#include "compiler/thresholds.h"

#include <stdlib.h>
#include <string.h>

#include <crowd/crowd.h>

#include "compiler/codegen.h"

#define CROWDC_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define Q(buf, p, len) crowdc_diag_quote(buf, sizeof buf, p, len)

/* The metrics by name, in crowd_thr_metric order (the percentiles, pNN,
 * are read apart); what their values are compared with. */
static const char *const crowdc_thr_metrics[] = {
  "", "avg", "min", "max", "med", "fail-ratio", "rps", "count", "fails",
};
/* For "did you mean": the names, and the usual percentiles. */
static const char *const crowdc_thr_suggest[] = {
  "avg", "min", "max", "med", "fail-ratio", "rps", "count", "fails",
  "p50", "p75", "p90", "p95", "p99", "p99.9",
};
enum { CROWDC_THR_TIME, CROWDC_THR_RATIO, CROWDC_THR_NUMBER };
static const char *const crowdc_thr_ops[] = { "<", "<=", ">", ">=" }; /* crowd_thr_op order */
static const char *const crowdc_thr_opts[] = { "abort-on-fail", "grace" };

static int crowdc_thr_kind(int metric)
{
  if (metric == CROWD_THR_FAIL_RATIO)
    return CROWDC_THR_RATIO;
  if (metric == CROWD_THR_RPS || metric == CROWD_THR_COUNT || metric == CROWD_THR_FAILS)
    return CROWDC_THR_NUMBER;
  return CROWDC_THR_TIME;
}

/* pNN or pNN.N: 1 with the percentile in *pct, else 0. */
static int crowdc_thr_percentile(const char *p, size_t len, double *pct)
{
  if (len < 2 || p[0] != 'p')
    return 0;
  size_t i = 1, digits = 0, frac = 0;
  while (i < len && p[i] >= '0' && p[i] <= '9')
    i++, digits++;
  if (i < len && p[i] == '.') {
    i++;
    while (i < len && p[i] >= '0' && p[i] <= '9')
      i++, frac++;
    if (frac == 0)
      return 0;
  }
  if (i != len || digits == 0 || digits > 3 || frac > 6)
    return 0;
  char buf[16];
  memcpy(buf, p + 1, len - 1);
  buf[len - 1] = '\0';
  *pct = strtod(buf, NULL);
  return 1;
}

/* ---- the static request names ------------------------------------------ */

typedef struct crowdc_thr_names {
  const char **p;
  size_t *len;
  size_t n, cap, lencap;
  int dynamic;              /* some request's name is only known at run time */
} crowdc_thr_names;

static void crowdc_thr_name_add(crowdc_arena *a, crowdc_thr_names *ns, const char *p, size_t len)
{
  for (size_t i = 0; i < ns->n; i++)
    if (ns->len[i] == len && memcmp(ns->p[i], p, len) == 0)
      return;
  ns->p = crowdc_arena_grow(a, ns->p, ns->n, &ns->cap, sizeof *ns->p);
  ns->len = crowdc_arena_grow(a, ns->len, ns->n, &ns->lencap, sizeof *ns->len);
  /* NUL-terminated copies: the "did you mean" hint reads C strings */
  char *copy = crowdc_arena_alloc(a, len + 1);
  memcpy(copy, p, len);
  copy[len] = '\0';
  ns->p[ns->n] = copy;
  ns->len[ns->n] = len;
  ns->n++;
}

/* A request's entry name, as the runtime gives it: its :name, else its
 * path as written; dynamic when either holds {var} or is an expression. */
static void crowdc_thr_request(crowdc_arena *a, crowdc_thr_names *ns, const crowdc_request *r)
{
  const crowdc_node *n = r->name ? r->name : r->path;
  if (n == NULL || !crowdc_ast_plain_string(n)) {
    ns->dynamic = 1;
    return;
  }
  crowdc_thr_name_add(a, ns, n->u.str.n ? n->u.str.parts[0].p : "", n->u.str.n ? n->u.str.parts[0].len : 0);
}

static void crowdc_thr_stmts(crowdc_arena *a, crowdc_thr_names *ns, const crowdc_stmt *st, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (st[i].kind == CROWDC_S_REQUEST)
      crowdc_thr_request(a, ns, &st[i].req);
    crowdc_thr_stmts(a, ns, st[i].body, st[i].nbody);
    crowdc_thr_stmts(a, ns, st[i].alt, st[i].nalt);
  }
}

static void crowdc_thr_tasks(crowdc_arena *a, crowdc_thr_names *ns, const crowdc_task *t, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    crowdc_thr_stmts(a, ns, t[i].stmts, t[i].nstmts);
    if (t[i].set) {
      crowdc_thr_stmts(a, ns, t[i].set->start, t[i].set->nstart);
      crowdc_thr_stmts(a, ns, t[i].set->stop, t[i].set->nstop);
      crowdc_thr_tasks(a, ns, t[i].set->tasks, t[i].set->ntasks);
    }
  }
}

static void crowdc_thr_collect(crowdc_arena *a, const crowdc_model *m, crowdc_thr_names *ns)
{
  for (size_t i = 0; i < m->nusers; i++) {
    const crowdc_user *u = &m->users[i];
    crowdc_thr_stmts(a, ns, u->init, u->ninit);
    crowdc_thr_stmts(a, ns, u->stop, u->nstop);
    crowdc_thr_tasks(a, ns, u->tasks, u->ntasks);
  }
}

/* ---- one form ---------------------------------------------------------- */

/* The metric: a symbol (Aggregated) or (METRIC) / (METRIC "name").  0 or -1. */
static int crowdc_thr_metric(crowdc_diag *d, const crowdc_node *n, crowdc_threshold *t,
                             const crowdc_node **name_node)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  const crowdc_node *sym = n;
  *name_node = NULL;
  if (n->kind == CROWDC_N_LIST) {
    if (n->u.seq.n == 0 || n->u.seq.n > 2) {
      crowdc_diag_error(d, &n->loc, "expected a metric such as p95 or (p95 \"name\"), got %s",
                        n->u.seq.n == 0 ? "an empty list" : "a list of more than two items");
      return -1;
    }
    sym = n->u.seq.items[0];
    if (n->u.seq.n == 2) {
      const crowdc_node *nm = n->u.seq.items[1];
      if (nm->kind != CROWDC_N_STRING || !crowdc_ast_plain_string(nm)) {
        crowdc_diag_error(d, &nm->loc, "the entry name must be a plain string, as in (p95 \"products\")");
        return -1;
      }
      *name_node = nm;
      t->name = nm->u.str.n ? nm->u.str.parts[0].p : "";
      t->namelen = nm->u.str.n ? nm->u.str.parts[0].len : 0;
      if (memchr(t->name, '\0', t->namelen)) {
        crowdc_diag_error(d, &nm->loc, "the entry name cannot contain a NUL byte");
        return -1;
      }
    }
  }
  if (sym->kind != CROWDC_N_SYMBOL) {
    crowdc_diag_error(d, &sym->loc, "expected a metric such as p95, avg or fail-ratio, got %s",
                      crowdc_ast_kind_name(sym->kind));
    return -1;
  }
  const char *p = sym->u.name.p;
  size_t len = sym->u.name.len;
  if (crowdc_thr_percentile(p, len, &t->pct)) {
    if (!(t->pct > 0) || t->pct > 100) {
      crowdc_diag_error(d, &sym->loc, "percentile '%s' out of range: it must be above p0 and at most p100",
                        Q(q, p, len));
      return -1;
    }
    t->metric = CROWD_THR_PERCENTILE;
    return 0;
  }
  for (size_t i = 1; i < CROWDC_COUNT(crowdc_thr_metrics); i++)
    if (strlen(crowdc_thr_metrics[i]) == len && memcmp(crowdc_thr_metrics[i], p, len) == 0) {
      t->metric = (int)i;
      return 0;
    }
  crowdc_diag_error(d, &sym->loc, "unknown threshold metric '%s'%s", Q(q, p, len),
                    crowdc_diag_hint(hint, sizeof hint, p, len, crowdc_thr_suggest,
                                     CROWDC_COUNT(crowdc_thr_suggest)));
  return -1;
}

/* The value, in the unit the metric asks for. */
static void crowdc_thr_value(crowdc_diag *d, const crowdc_node *v, crowdc_threshold *t)
{
  char m[32];
  int kind = crowdc_thr_kind(t->metric);
  if (t->metric == CROWD_THR_PERCENTILE)
    snprintf(m, sizeof m, "p%g", t->pct);
  else
    snprintf(m, sizeof m, "%s", crowdc_thr_metrics[t->metric]);
  if (kind == CROWDC_THR_TIME) {
    if (v->kind != CROWDC_N_DURATION) {
      crowdc_diag_error(d, &v->loc, "'%s' is a time: compare it with a duration such as 200ms or 1s, got %s",
                        m, crowdc_ast_kind_name(v->kind));
      return;
    }
    t->value = v->u.d;
  } else if (kind == CROWDC_THR_RATIO) {
    if (v->kind != CROWDC_N_PERCENT) {
      crowdc_diag_error(d, &v->loc, "'%s' is a ratio: compare it with a percentage such as 1%%, got %s",
                        m, crowdc_ast_kind_name(v->kind));
      return;
    }
    if (v->u.d > 100) {
      crowdc_diag_error(d, &v->loc, "a ratio cannot be above 100%%");
      return;
    }
    t->value = v->u.d / 100.0;
  } else {
    if (v->kind != CROWDC_N_INT && v->kind != CROWDC_N_DEC) {
      crowdc_diag_error(d, &v->loc, "'%s' is compared with a plain number, as in %s, got %s", m,
                        t->metric == CROWD_THR_RPS ? "(threshold rps > 500)" : "(threshold (count \"x\") > 10)",
                        crowdc_ast_kind_name(v->kind));
      return;
    }
    t->value = v->kind == CROWDC_N_INT ? (double)v->u.i : v->u.d;
  }
  if (t->value < 0)
    crowdc_diag_error(d, &v->loc, "a threshold value cannot be negative");
}

/* :abort-on-fail true|false and :grace D. */
static void crowdc_thr_options(crowdc_diag *d, const crowdc_node *form, crowdc_threshold *t)
{
  char q[CROWDC_DIAG_QUOTE_SIZE];
  const crowdc_node *seen[2] = { NULL, NULL };
  for (size_t i = 4; i < form->u.seq.n; i++) {
    const crowdc_node *k = form->u.seq.items[i];
    if (k->kind != CROWDC_N_KEYWORD) {
      crowdc_diag_error(d, &k->loc, "extra argument to 'threshold': after the value come only "
                        ":abort-on-fail and :grace");
      continue;
    }
    size_t o;
    for (o = 0; o < CROWDC_COUNT(crowdc_thr_opts); o++)
      if (strlen(crowdc_thr_opts[o]) == k->u.name.len && memcmp(crowdc_thr_opts[o], k->u.name.p, k->u.name.len) == 0)
        break;
    const crowdc_node *v = i + 1 < form->u.seq.n ? form->u.seq.items[i + 1] : NULL;
    if (v && v->kind == CROWDC_N_KEYWORD)
      v = NULL;
    i += v != NULL;
    if (o == CROWDC_COUNT(crowdc_thr_opts)) {
      const char *s = crowdc_diag_suggest(k->u.name.p, k->u.name.len, crowdc_thr_opts, CROWDC_COUNT(crowdc_thr_opts));
      char hint[96] = "";
      if (s)
        snprintf(hint, sizeof hint, "; did you mean ':%s'?", s);
      crowdc_diag_error(d, &k->loc, "unknown option ':%s' for 'threshold'%s", Q(q, k->u.name.p, k->u.name.len), hint);
      continue;
    }
    if (v == NULL) {
      crowdc_diag_error(d, &k->loc, "missing value for ':%s'", crowdc_thr_opts[o]);
      continue;
    }
    if (seen[o]) {
      crowdc_diag_error(d, &k->loc, "duplicate option ':%s'", crowdc_thr_opts[o]);
      crowdc_diag_note(d, &seen[o]->loc, "first given here");
      continue;
    }
    seen[o] = k;
    if (o == 0) {
      if (crowdc_ast_is(v, CROWDC_N_SYMBOL, "true"))
        t->abort_on_fail = 1;
      else if (!crowdc_ast_is(v, CROWDC_N_SYMBOL, "false"))
        crowdc_diag_error(d, &v->loc, "':abort-on-fail' must be true or false");
    } else if (v->kind != CROWDC_N_DURATION || v->u.d < 0) {
      crowdc_diag_error(d, &v->loc, "':grace' must be a duration such as 30s");
    } else {
      t->grace = v->u.d;
    }
  }
}

/* The criterion's text as written (metric to value), blanks folded. */
static void crowdc_thr_text(crowdc_arena *a, const crowdc_source *src, const crowdc_node *form,
                            crowdc_threshold *t)
{
  const crowdc_node *first = form->u.seq.items[1], *last = form->u.seq.items[3];
  size_t from = first->loc.off, to = (size_t)last->loc.off + last->loc.len;
  if (src == NULL || src->text == NULL || to > src->len || from > to)
    return;
  char *buf = crowdc_arena_alloc(a, to - from + 1);
  size_t n = 0;
  for (size_t i = from; i < to; i++) {
    char c = src->text[i];
    int blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (blank && (n == 0 || buf[n - 1] == ' '))
      continue;
    buf[n++] = blank ? ' ' : c;
  }
  buf[n] = '\0';
  t->text = buf;
  t->textlen = n;
}

static void crowdc_thr_form(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src,
                            crowdc_model *m, const crowdc_node *form, const crowdc_thr_names *ns)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[160];
  if (form->u.seq.n < 4) {
    crowdc_diag_error(d, &form->loc, "'threshold' takes a metric, a comparison and a value, "
                      "as in (threshold (p95 \"products\") < 200ms)");
    return;
  }
  crowdc_threshold t;
  memset(&t, 0, sizeof t);
  t.form = form;
  const crowdc_node *name_node;
  int bad = crowdc_thr_metric(d, form->u.seq.items[1], &t, &name_node) != 0;
  const crowdc_node *op = form->u.seq.items[2];
  size_t k = CROWDC_COUNT(crowdc_thr_ops);
  if (op->kind == CROWDC_N_SYMBOL)
    for (k = 0; k < CROWDC_COUNT(crowdc_thr_ops); k++)
      if (strlen(crowdc_thr_ops[k]) == op->u.name.len && memcmp(crowdc_thr_ops[k], op->u.name.p, op->u.name.len) == 0)
        break;
  if (k == CROWDC_COUNT(crowdc_thr_ops)) {
    crowdc_diag_error(d, &op->loc, "expected a comparison: <, <=, > or >=");
    bad = 1;
  }
  t.op = (int)k;
  if (!bad)
    crowdc_thr_value(d, form->u.seq.items[3], &t);
  crowdc_thr_options(d, form, &t);
  if (name_node && !ns->dynamic) {
    size_t i;
    for (i = 0; i < ns->n; i++)
      if (ns->len[i] == t.namelen && memcmp(ns->p[i], t.name, t.namelen) == 0)
        break;
    if (i == ns->n) {
      crowdc_diag_error(d, &name_node->loc, "no request is named '%s'%s", Q(q, t.name, t.namelen),
                        crowdc_diag_hint(hint, sizeof hint, t.name, t.namelen, ns->p, ns->n));
      crowdc_diag_note(d, NULL, "a request's name is its :name, else its path as written");
      bad = 1;
    }
  }
  if (bad)
    return;
  crowdc_thr_text(a, src, form, &t);
  m->thresholds[m->nthresholds++] = t;
}

void crowdc_thr_check(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src, crowdc_model *m,
                      const crowdc_node *root)
{
  size_t n = root->u.seq.n, count = 0;
  for (size_t i = 0; i < n; i++) {
    const crowdc_node *f = root->u.seq.items[i];
    count += f->kind == CROWDC_N_LIST && f->u.seq.n > 0 &&
             crowdc_ast_is(f->u.seq.items[0], CROWDC_N_SYMBOL, "threshold");
  }
  if (count == 0)
    return;
  crowdc_thr_names ns;
  memset(&ns, 0, sizeof ns);
  crowdc_thr_collect(a, m, &ns);
  m->thresholds = crowdc_arena_alloc(a, count * sizeof *m->thresholds);
  for (size_t i = 0; i < n && !d->stopped; i++) {
    const crowdc_node *f = root->u.seq.items[i];
    if (f->kind == CROWDC_N_LIST && f->u.seq.n > 0 &&
        crowdc_ast_is(f->u.seq.items[0], CROWDC_N_SYMBOL, "threshold"))
      crowdc_thr_form(a, d, src, m, f, &ns);
  }
}

/* ---- codegen ------------------------------------------------------------- */

static const char *const crowdc_thr_metric_enum[] = {
  "CROWD_THR_PERCENTILE", "CROWD_THR_AVG", "CROWD_THR_MIN", "CROWD_THR_MAX", "CROWD_THR_MED",
  "CROWD_THR_FAIL_RATIO", "CROWD_THR_RPS", "CROWD_THR_COUNT", "CROWD_THR_FAILS",
};
static const char *const crowdc_thr_op_enum[] = { "CROWD_THR_LT", "CROWD_THR_LE", "CROWD_THR_GT", "CROWD_THR_GE" };


void crowdc_thr_emit(FILE *out, const crowdc_model *m)
{
  if (m->nthresholds == 0)
    return;
  fputs("\nstatic const crowd_threshold_desc crowd_thresholds[] = {\n", out);
  for (size_t i = 0; i < m->nthresholds; i++) {
    const crowdc_threshold *t = &m->thresholds[i];
    char site[64];
    fputs("  {\n    .text = ", out);
    crowdc_codegen_cstr(out, t->text ? t->text : "", t->text ? t->textlen : 0);
    fprintf(out, ",\n    .metric = %s,\n    .pct = ", crowdc_thr_metric_enum[t->metric]);
    crowdc_codegen_double(out, t->pct);
    fputs(",\n    .name = ", out);
    if (t->name)
      crowdc_codegen_cstr(out, t->name, t->namelen);
    else
      fputs("NULL", out);
    fprintf(out, ",\n    .op = %s,\n    .value = ", crowdc_thr_op_enum[t->op]);
    crowdc_codegen_double(out, t->value);
    fprintf(out, ",\n    .abort_on_fail = %d,\n    .grace = ", t->abort_on_fail);
    crowdc_codegen_double(out, t->grace);
    fputs(",\n    .site = ", out);
    const crowdc_loc *loc = &t->form->loc;
    snprintf(site, sizeof site, ":%d:%d", loc->line, loc->col);
    size_t flen = strlen(loc->file), slen = strlen(site);
    char *s = malloc(flen + slen + 1);
    if (s == NULL) {
      fputs("crowdc: error: out of memory\n", stderr);
      exit(2);
    }
    memcpy(s, loc->file, flen);
    memcpy(s + flen, site, slen + 1);
    crowdc_codegen_cstr(out, s, flen + slen);
    free(s);
    fputs(",\n  },\n", out);
  }
  fputs("};\n", out);
}
