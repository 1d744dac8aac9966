#include "config.h"

#include "compiler/load.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen.h"
#include "runtime/options.h"

/* ---- the model --------------------------------------------------------- */

typedef struct crowdc_stage {
  double duration, users, rate;
  int *classes;               /* concrete user indexes, or NULL: all */
  size_t nclasses;
} crowdc_stage;

typedef struct crowdc_stages {
  crowdc_stage *v;
  size_t n, cap;
} crowdc_stages;

typedef struct crowdc_arrival {
  int kind;                   /* a crowd_arrival_kind */
  double rate, start_rate;
  crowdc_stages stages;
  long max_users, pre_allocate;
  int poisson;
  crowdc_loc loc;
} crowdc_arrival;

typedef struct crowdc_option {
  const char *name;
  char *value;
  crowdc_loc loc;
} crowdc_option;

struct crowdc_load {
  crowdc_option *options;
  size_t noptions;
  const crowdc_node *shape;   /* the (shape NAME ...) form, or NULL */
  crowdc_stages stages;
  crowdc_arrival **arrival;   /* per user of m->users, NULL if none */
};

typedef struct crowdc_load_ctx {
  crowdc_arena *arena;
  crowdc_diag *diag;
  crowdc_model *model;
  struct crowdc_load *L;
} crowdc_load_ctx;

#define LOAD_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int load_streq(const crowdc_node *n, const char *s)
{
  return strlen(s) == n->u.name.len && memcmp(n->u.name.p, s, n->u.name.len) == 0;
}

static const crowdc_node *load_head(const crowdc_node *n)
{
  if (n->kind != CROWDC_N_LIST || n->u.seq.n == 0 || n->u.seq.items[0]->kind != CROWDC_N_SYMBOL)
    return NULL;
  return n->u.seq.items[0];
}

static char *load_strdup(crowdc_arena *a, const char *p, size_t len)
{
  char *s = crowdc_arena_alloc(a, len + 1);
  memcpy(s, p, len);
  s[len] = '\0';
  return s;
}

/* ---- :key value options of a form ------------------------------------- */

#define LOAD_MAX_OPTS 8

typedef struct load_opts {
  const char *const *names;
  size_t n;
  const crowdc_node *val[LOAD_MAX_OPTS];
  const crowdc_node *pos[4];  /* the items that are not options */
  size_t npos;
} load_opts;

/* Split form's items from start into options (names) and positional items;
 * errors for unknown, duplicate and valueless options, and extra items
 * beyond maxpos. */
static void load_options(crowdc_load_ctx *C, const crowdc_node *form, size_t start, const char *what,
                         load_opts *o, size_t maxpos)
{
  memset(o->val, 0, sizeof o->val);
  o->npos = 0;
  for (size_t i = start; i < form->u.seq.n; i++) {
    const crowdc_node *it = form->u.seq.items[i];
    if (it->kind != CROWDC_N_KEYWORD) {
      if (o->npos < maxpos && o->npos < LOAD_COUNT(o->pos))
        o->pos[o->npos++] = it;
      else
        crowdc_diag_error(C->diag, &it->loc, "unexpected %s in '%s'", crowdc_ast_kind_name(it->kind), what);
      continue;
    }
    size_t k = 0;
    while (k < o->n && !load_streq(it, o->names[k]))
      k++;
    if (k == o->n) {
      crowdc_diag_unknown_option(C->diag, &it->loc, it->u.name.p, it->u.name.len, o->names, o->n, what);
    } else if (i + 1 >= form->u.seq.n || form->u.seq.items[i + 1]->kind == CROWDC_N_KEYWORD) {
      crowdc_diag_error(C->diag, &it->loc, "missing value for ':%s'", o->names[k]);
      continue;
    } else if (o->val[k]) {
      crowdc_diag_error(C->diag, &it->loc, "duplicate option ':%s'", o->names[k]);
    } else {
      o->val[k] = form->u.seq.items[i + 1];
    }
    if (i + 1 < form->u.seq.n && form->u.seq.items[i + 1]->kind != CROWDC_N_KEYWORD)
      i++;
  }
}

/* A number >= min (> min when strict), or -1 with an error. */
static int load_number(crowdc_load_ctx *C, const crowdc_node *v, const char *opt, double min, int strict,
                       double *out)
{
  if (v->kind != CROWDC_N_INT && v->kind != CROWDC_N_DEC) {
    crowdc_diag_error(C->diag, &v->loc, "':%s' takes a number, got %s", opt, crowdc_ast_kind_name(v->kind));
    return -1;
  }
  double x = v->kind == CROWDC_N_INT ? (double)v->u.i : v->u.d;
  if (!isfinite(x) || (strict ? x <= min : x < min)) {
    crowdc_diag_error(C->diag, &v->loc, "':%s' must be %s %g", opt, strict ? "greater than" : "at least", min);
    return -1;
  }
  *out = x;
  return 0;
}

static int load_count(crowdc_load_ctx *C, const crowdc_node *v, const char *opt, long min, long *out)
{
  if (v->kind != CROWDC_N_INT || v->u.i < min || v->u.i > INT_MAX) {
    crowdc_diag_error(C->diag, &v->loc, "':%s' takes a whole number >= %ld", opt, min);
    return -1;
  }
  *out = (long)v->u.i;
  return 0;
}

/* A duration literal (30s, 1m30s) > 0, or -1 with an error. */
static int load_duration(crowdc_load_ctx *C, const crowdc_node *v, const char *what, double *out)
{
  if (v->kind != CROWDC_N_DURATION) {
    crowdc_diag_error(C->diag, &v->loc, "%s takes a duration such as 30s or 1m, got %s", what,
                      crowdc_ast_kind_name(v->kind));
    return -1;
  }
  if (!(v->u.d > 0)) {
    crowdc_diag_error(C->diag, &v->loc, "%s must be longer than 0s", what);
    return -1;
  }
  *out = v->u.d;
  return 0;
}

static int load_bool(crowdc_load_ctx *C, const crowdc_node *v, const char *opt, int *out)
{
  if (crowdc_ast_is(v, CROWDC_N_SYMBOL, "true") || crowdc_ast_is(v, CROWDC_N_SYMBOL, "false")) {
    *out = crowdc_ast_is(v, CROWDC_N_SYMBOL, "true");
    return 0;
  }
  crowdc_diag_error(C->diag, &v->loc, "':%s' takes true or false", opt);
  return -1;
}

/* ---- (options ...) ------------------------------------------------------ */

/* Options that make no sense inside a scenario. */
static const char *const load_not_in_scenario[] = { "help", "version", "config" };

/* A word of a list, as configargparse reads it: no separators inside. */
static int load_word(crowdc_load_ctx *C, const crowdc_node *v, const char **p, size_t *len)
{
  if (v->kind == CROWDC_N_SYMBOL) {
    *p = v->u.name.p;
    *len = v->u.name.len;
  } else if (crowdc_ast_plain_string(v)) {
    *p = v->u.str.n ? v->u.str.parts[0].p : "";
    *len = v->u.str.n ? v->u.str.parts[0].len : 0;
  } else {
    crowdc_diag_error(C->diag, &v->loc, "expected a name or a plain string, got %s", crowdc_ast_kind_name(v->kind));
    return -1;
  }
  for (size_t i = 0; i < *len; i++)
    if (strchr(", \t[]\"'", (*p)[i]) || (unsigned char)(*p)[i] < 0x20) {
      crowdc_diag_error(C->diag, &v->loc, "a list item cannot hold spaces, commas, brackets or quotes");
      return -1;
    }
  return 0;
}

/* The value of option `name` of type `type` as the runtime reads it from a
 * config file, or NULL after an error. */
static char *load_option_text(crowdc_load_ctx *C, const char *name, const char *type, const crowdc_node *v)
{
  char buf[64];
  const char *p = NULL;
  size_t len = 0;
  if (strcmp(type, "flag") == 0) {
    int b;
    if (load_bool(C, v, name, &b) != 0)
      return NULL;
    return load_strdup(C->arena, b ? "true" : "false", b ? 4 : 5);
  }
  if (strcmp(type, "count") == 0 || strcmp(type, "int") == 0) {
    if (v->kind != CROWDC_N_INT) {
      crowdc_diag_error(C->diag, &v->loc, "':%s' takes a whole number, got %s", name, crowdc_ast_kind_name(v->kind));
      return NULL;
    }
    snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
  } else if (strcmp(type, "rate") == 0) {
    if (v->kind != CROWDC_N_INT && v->kind != CROWDC_N_DEC) {
      crowdc_diag_error(C->diag, &v->loc, "':%s' takes a number, got %s", name, crowdc_ast_kind_name(v->kind));
      return NULL;
    }
    snprintf(buf, sizeof buf, "%.17g", v->kind == CROWDC_N_INT ? (double)v->u.i : v->u.d);
  } else if (strcmp(type, "span") == 0) {
    double secs = v->kind == CROWDC_N_DURATION ? v->u.d : v->kind == CROWDC_N_INT ? (double)v->u.i : -1;
    if (v->kind != CROWDC_N_DURATION && v->kind != CROWDC_N_INT) {
      crowdc_diag_error(C->diag, &v->loc, "':%s' takes a duration such as 30s or 5m, got %s", name,
                        crowdc_ast_kind_name(v->kind));
      return NULL;
    }
    if (secs < 0 || secs != floor(secs) || secs > (double)LONG_MAX / 2) {
      crowdc_diag_error(C->diag, &v->loc, "':%s' takes whole seconds", name);
      return NULL;
    }
    snprintf(buf, sizeof buf, "%.0f", secs);
  } else if (strcmp(type, "list") == 0 && v->kind == CROWDC_N_VECTOR) {
    size_t cap = 3;
    for (size_t i = 0; i < v->u.seq.n; i++)
      cap += (v->u.seq.items[i]->kind == CROWDC_N_SYMBOL ? v->u.seq.items[i]->u.name.len : 0) +
             (v->u.seq.items[i]->kind == CROWDC_N_STRING && v->u.seq.items[i]->u.str.n
                  ? v->u.seq.items[i]->u.str.parts[0].len : 0) + 2;
    char *s = crowdc_arena_alloc(C->arena, cap);
    size_t n = 0;
    s[n++] = '[';
    for (size_t i = 0; i < v->u.seq.n; i++) {
      if (load_word(C, v->u.seq.items[i], &p, &len) != 0)
        return NULL;
      if (i)
        s[n++] = ',', s[n++] = ' ';
      memcpy(s + n, p, len);
      n += len;
    }
    s[n++] = ']';
    s[n] = '\0';
    return s;
  } else if (strcmp(type, "list") == 0 || strcmp(type, "level") == 0) {
    if (load_word(C, v, &p, &len) != 0)
      return NULL;
    return load_strdup(C->arena, p, len);
  } else { /* string */
    if (!crowdc_ast_plain_string(v)) {
      crowdc_diag_error(C->diag, &v->loc, "':%s' takes a plain string (no {interpolation}), got %s", name,
                        crowdc_ast_kind_name(v->kind));
      return NULL;
    }
    p = v->u.str.n ? v->u.str.parts[0].p : "";
    len = v->u.str.n ? v->u.str.parts[0].len : 0;
    if (memchr(p, '\0', len)) {
      crowdc_diag_error(C->diag, &v->loc, "':%s' cannot hold a NUL byte", name);
      return NULL;
    }
    return load_strdup(C->arena, p, len);
  }
  return load_strdup(C->arena, buf, strlen(buf));
}

/* The runtime's own check of the value (one parser per value type); its
 * message becomes the diagnostic. */
static void load_option_runtime_check(crowdc_load_ctx *C, const char *name, const char *text,
                                      const crowdc_node *v)
{
  char *msg = NULL;
  size_t mlen = 0;
  FILE *err = open_memstream(&msg, &mlen);
  if (err == NULL)
    return;
  crowd_options scratch;
  crowd_opt_defaults(&scratch);
  int rc = crowd_opt_set(&scratch, name, text, "scenario", err);
  crowd_opt_free(&scratch);
  fclose(err);
  if (rc != 0 && msg) {
    const char *m = msg;
    const char *prefix = "crowd: error: scenario: ";
    if (strncmp(m, prefix, strlen(prefix)) == 0)
      m += strlen(prefix);
    size_t l = strcspn(m, "\n");
    crowdc_diag_error(C->diag, &v->loc, "%.*s", (int)l, m);
  }
  free(msg);
}

static void load_options_form(crowdc_load_ctx *C, const crowdc_node *form)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], name[64];
  struct crowdc_load *L = C->L;
  size_t n = form->u.seq.n;
  L->options = crowdc_arena_alloc(C->arena, (n / 2 + 1) * sizeof *L->options);
  for (size_t i = 1; i < n; i++) {
    const crowdc_node *k = form->u.seq.items[i];
    if (k->kind != CROWDC_N_KEYWORD) {
      crowdc_diag_error(C->diag, &k->loc, "expected an option such as :users, got %s",
                        crowdc_ast_kind_name(k->kind));
      continue;
    }
    const crowdc_node *v = i + 1 < n ? form->u.seq.items[i + 1] : NULL;
    if (v == NULL || v->kind == CROWDC_N_KEYWORD) {
      crowdc_diag_error(C->diag, &k->loc, "missing value for ':%s'",
                        crowdc_diag_quote(q, sizeof q, k->u.name.p, k->u.name.len));
      continue;
    }
    i++;
    const char *type = NULL;
    if (k->u.name.len > 1 && k->u.name.len < sizeof name) {
      memcpy(name, k->u.name.p, k->u.name.len);
      name[k->u.name.len] = '\0';
      type = crowd_opt_type(name);
    }
    if (type == NULL) {
      const char *s = k->u.name.len < sizeof name ? crowd_opt_suggest_name(name) : NULL;
      crowdc_diag_error(C->diag, &k->loc, "unknown option ':%s'%s%s%s",
                        crowdc_diag_quote(q, sizeof q, k->u.name.p, k->u.name.len),
                        s ? "; did you mean ':" : "", s ? s : "", s ? "'?" : "");
      continue;
    }
    int banned = 0;
    for (size_t b = 0; b < LOAD_COUNT(load_not_in_scenario); b++)
      banned |= strcmp(name, load_not_in_scenario[b]) == 0;
    if (banned) {
      crowdc_diag_error(C->diag, &k->loc, "':%s' cannot be set in a scenario", name);
      continue;
    }
    for (size_t j = 0; j < L->noptions; j++)
      if (strcmp(L->options[j].name, name) == 0) {
        crowdc_diag_error(C->diag, &k->loc, "duplicate option ':%s'", name);
        crowdc_diag_note(C->diag, &L->options[j].loc, "first given here");
        type = NULL;
      }
    char *text = type ? load_option_text(C, name, type, v) : NULL;
    if (text == NULL)
      continue;
    load_option_runtime_check(C, name, text, v);
    crowdc_option *o = &L->options[L->noptions++];
    o->name = load_strdup(C->arena, name, strlen(name));
    o->value = text;
    o->loc = k->loc;
  }
}

/* ---- user classes of a stage or a tick ------------------------------- */

int crowdc_load_classes(crowdc_arena *a, crowdc_diag *d, const crowdc_model *m, const crowdc_node *v,
                        int **out, size_t *nout)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[160];
  *out = NULL;
  *nout = 0;
  if (v->kind != CROWDC_N_VECTOR) {
    crowdc_diag_error(d, &v->loc, "user classes are a vector of user names, e.g. [Browser Buyer], got %s",
                      crowdc_ast_kind_name(v->kind));
    return -1;
  }
  if (v->u.seq.n == 0) {
    crowdc_diag_error(d, &v->loc, "the vector of user classes is empty: name one or more, e.g. [Browser]");
    return -1;
  }
  const char **names = crowdc_arena_alloc(a, (m->nusers + 1) * sizeof *names);
  size_t nnames = 0;
  for (size_t u = 0; u < m->nusers; u++)
    if (!m->users[u].abstract && !m->users[u].arrival)
      names[nnames++] = m->users[u].name->u.name.p;
  int *classes = crowdc_arena_alloc(a, (v->u.seq.n + 1) * sizeof *classes);
  int ok = 1;
  for (size_t i = 0; i < v->u.seq.n; i++) {
    const crowdc_node *c = v->u.seq.items[i];
    if (c->kind != CROWDC_N_SYMBOL) {
      crowdc_diag_error(d, &c->loc, "expected a user class name, got %s", crowdc_ast_kind_name(c->kind));
      ok = 0;
      continue;
    }
    int concrete = 0, found = -1;
    size_t u = 0;
    for (; u < m->nusers; u++) {
      if (m->users[u].name->u.name.len == c->u.name.len &&
          memcmp(m->users[u].name->u.name.p, c->u.name.p, c->u.name.len) == 0) {
        found = concrete;
        break;
      }
      concrete += !m->users[u].abstract;
    }
    const char *what = crowdc_diag_quote(q, sizeof q, c->u.name.p, c->u.name.len);
    if (found < 0) {
      crowdc_diag_error(d, &c->loc, "unknown user class '%s'%s", what,
                        crowdc_diag_hint(hint, sizeof hint, c->u.name.p, c->u.name.len, names, nnames));
      ok = 0;
    } else if (m->users[u].abstract) {
      crowdc_diag_error(d, &c->loc, "user class '%s' is abstract: it is never spawned", what);
      ok = 0;
    } else if (m->users[u].arrival) {
      crowdc_diag_error(d, &c->loc, "user class '%s' has :arrival: its users arrive at a rate, a shape does "
                        "not spawn them", what);
      ok = 0;
    } else {
      classes[(*nout)++] = found;
    }
  }
  if (!ok) {
    *nout = 0;
    return -1;
  }
  *out = classes;
  return 0;
}

/* ---- stages, step and spike ----------------------------------------- */

static crowdc_stage *load_stage_add(crowdc_load_ctx *C, crowdc_stages *s)
{
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    crowdc_stage *v = crowdc_arena_alloc(C->arena, cap * sizeof *v);
    if (s->n)
      memcpy(v, s->v, s->n * sizeof *v);
    s->v = v;
    s->cap = cap;
  }
  crowdc_stage *st = &s->v[s->n++];
  memset(st, 0, sizeof *st);
  return st;
}

/* (stage DURATION :users N :rate R :user-classes [A B]) in a shape, or
 * (stage DURATION :rate R) in a ramping arrival rate. */
static void load_stage(crowdc_load_ctx *C, const crowdc_node *form, crowdc_stages *s, int arrival)
{
  static const char *const shape_opts[] = { "users", "rate", "user-classes" };
  static const char *const arrival_opts[] = { "rate" };
  load_opts o = { .names = arrival ? arrival_opts : shape_opts, .n = arrival ? 1 : 3 };
  load_options(C, form, 1, "stage", &o, 1);
  crowdc_stage st = { .rate = 1 };
  int ok = 1;
  if (o.npos == 0) {
    crowdc_diag_error(C->diag, &form->loc, "expected the stage's duration, e.g. (stage 1m%s)",
                      arrival ? " :rate 50" : " :users 100 :rate 5");
    ok = 0;
  } else {
    ok &= load_duration(C, o.pos[0], "a stage", &st.duration) == 0;
  }
  if (arrival) {
    if (o.val[0] == NULL) {
      crowdc_diag_error(C->diag, &form->loc, "a stage of 'ramping-rate' needs :rate");
      ok = 0;
    } else {
      ok &= load_number(C, o.val[0], "rate", 0, 0, &st.rate) == 0;
    }
  } else {
    if (o.val[0] == NULL) {
      crowdc_diag_error(C->diag, &form->loc, "a stage needs :users, the user count it runs");
      ok = 0;
    } else {
      long users = 0;
      ok &= load_count(C, o.val[0], "users", 0, &users) == 0;
      st.users = (double)users;
    }
    if (o.val[1])
      ok &= load_number(C, o.val[1], "rate", 0, 1, &st.rate) == 0;
    if (o.val[2])
      ok &= crowdc_load_classes(C->arena, C->diag, C->model, o.val[2], &st.classes, &st.nclasses) == 0;
  }
  if (ok)
    *load_stage_add(C, s) = st;
}

/* (step :users N :every D :until M :rate R :hold D): N more users every D
 * up to M, then M for :hold more (default 0). */
static void load_step(crowdc_load_ctx *C, const crowdc_node *form, crowdc_stages *s)
{
  static const char *const names[] = { "users", "every", "until", "rate", "hold" };
  load_opts o = { .names = names, .n = 5 };
  load_options(C, form, 1, "step", &o, 0);
  long step = 0, until = 0;
  double every = 0, rate = 0, hold = 0;
  int ok = 1;
  for (size_t k = 0; k < 3; k++)
    if (o.val[k] == NULL) {
      crowdc_diag_error(C->diag, &form->loc, "'step' needs :%s (e.g. (step :users 10 :every 30s :until 100))",
                        names[k]);
      ok = 0;
    }
  if (!ok)
    return;
  ok &= load_count(C, o.val[0], "users", 1, &step) == 0;
  ok &= load_duration(C, o.val[1], "':every'", &every) == 0;
  ok &= load_count(C, o.val[2], "until", 1, &until) == 0;
  if (o.val[3])
    ok &= load_number(C, o.val[3], "rate", 0, 1, &rate) == 0;
  if (o.val[4])
    ok &= load_duration(C, o.val[4], "':hold'", &hold) == 0;
  if (!ok)
    return;
  if (until / step > 10000) {
    crowdc_diag_error(C->diag, &form->loc, "'step' makes more than 10000 stages");
    return;
  }
  for (long users = step;; users += step) {
    crowdc_stage *st = load_stage_add(C, s);
    st->users = (double)(users < until ? users : until);
    st->rate = o.val[3] ? rate : (double)step; /* default: each step within a second */
    st->duration = every;
    if (users >= until) {
      st->duration += hold;
      break;
    }
  }
}

/* (spike :base B :peak P :at T :hold D :after A :rate R): B users until T,
 * P for D, then B again for A. */
static void load_spike(crowdc_load_ctx *C, const crowdc_node *form, crowdc_stages *s)
{
  static const char *const names[] = { "peak", "hold", "base", "at", "after", "rate" };
  load_opts o = { .names = names, .n = 6 };
  load_options(C, form, 1, "spike", &o, 0);
  long base = 0, peak = 0;
  double hold = 0, at = 0, after = 0, rate = 0;
  int ok = 1;
  for (size_t k = 0; k < 2; k++)
    if (o.val[k] == NULL) {
      crowdc_diag_error(C->diag, &form->loc, "'spike' needs :%s (e.g. (spike :peak 200 :hold 10s))", names[k]);
      ok = 0;
    }
  if (!ok)
    return;
  ok &= load_count(C, o.val[0], "peak", 1, &peak) == 0;
  ok &= load_duration(C, o.val[1], "':hold'", &hold) == 0;
  if (o.val[2])
    ok &= load_count(C, o.val[2], "base", 0, &base) == 0;
  if (o.val[3])
    ok &= load_duration(C, o.val[3], "':at'", &at) == 0;
  if (o.val[4])
    ok &= load_duration(C, o.val[4], "':after'", &after) == 0;
  if (o.val[5])
    ok &= load_number(C, o.val[5], "rate", 0, 1, &rate) == 0;
  if (!ok)
    return;
  if (!o.val[5]) /* default: the jump within a second, either way */
    rate = (double)(peak > base ? peak - base : base - peak);
  if (rate <= 0)
    rate = 1;
  crowdc_stage *st;
  if (at > 0) {
    st = load_stage_add(C, s);
    st->duration = at, st->users = (double)base, st->rate = rate;
  }
  st = load_stage_add(C, s);
  st->duration = hold, st->users = (double)peak, st->rate = rate;
  if (after > 0) {
    st = load_stage_add(C, s);
    st->duration = after, st->users = (double)base, st->rate = rate;
  }
}

static void load_shape(crowdc_load_ctx *C, const crowdc_node *form)
{
  char hint[128];
  static const char *const parts[] = { "stage", "step", "spike", "tick" };
  struct crowdc_load *L = C->L;
  const crowdc_node *tick = NULL;
  if (L->shape) {
    crowdc_diag_error(C->diag, &form->loc, "only one 'shape' form is allowed");
    crowdc_diag_note(C->diag, &L->shape->loc, "the first one is here");
    return;
  }
  L->shape = form;
  if (form->u.seq.n < 2 || form->u.seq.items[1]->kind != CROWDC_N_SYMBOL) {
    const crowdc_node *at = form->u.seq.n < 2 ? form : form->u.seq.items[1];
    crowdc_diag_error(C->diag, &at->loc, "expected a shape name after 'shape'");
    return;
  }
  for (size_t i = 2; i < form->u.seq.n; i++) {
    const crowdc_node *f = form->u.seq.items[i], *h = load_head(f);
    if (h && load_streq(h, "stage"))
      load_stage(C, f, &L->stages, 0);
    else if (h && load_streq(h, "step"))
      load_step(C, f, &L->stages);
    else if (h && load_streq(h, "spike"))
      load_spike(C, f, &L->stages);
    else if (h && load_streq(h, "tick") && tick) { /* its statements: sema (crowdc_model.tick) */
      crowdc_diag_error(C->diag, &h->loc, "only one 'tick' is allowed in a shape");
      crowdc_diag_note(C->diag, &tick->loc, "the first one is here");
    } else if (h && load_streq(h, "tick"))
      tick = h;
    else if (h)
      crowdc_diag_error(C->diag, &h->loc, "unknown shape part '%.*s'%s", (int)h->u.name.len, h->u.name.p,
                        crowdc_diag_hint(hint, sizeof hint, h->u.name.p, h->u.name.len, parts, 4));
    else
      crowdc_diag_error(C->diag, &f->loc,
                        "expected (stage ...), (step ...), (spike ...) or (tick ...) in a shape, got %s",
                        crowdc_ast_kind_name(f->kind));
  }
  if (tick && L->stages.n) {
    crowdc_diag_error(C->diag, &tick->loc, "a shape has either stages or a 'tick', not both");
    return;
  }
  if (L->stages.n == 0 && !tick && form->u.seq.n > 2 && C->diag->nerrors == 0)
    crowdc_diag_error(C->diag, &form->loc, "the shape has no stage");
  if (form->u.seq.n == 2)
    crowdc_diag_error(C->diag, &form->loc,
                      "the shape has no stage: add (stage 1m :users 10 :rate 1), or a (tick ...)");
}

/* ---- :arrival --------------------------------------------------------- */

static crowdc_arrival *load_arrival(crowdc_load_ctx *C, const crowdc_node *v)
{
  char hint[128];
  static const char *const kinds[] = { "constant-rate", "ramping-rate" };
  static const char *const names[] = { "per", "max-users", "pre-allocate", "poisson", "start-rate" };
  const crowdc_node *h = load_head(v);
  int kind = h && load_streq(h, "constant-rate") ? 1 : h && load_streq(h, "ramping-rate") ? 2 : 0;
  if (kind == 0) {
    if (h)
      crowdc_diag_error(C->diag, &h->loc, "unknown arrival profile '%.*s'%s", (int)h->u.name.len, h->u.name.p,
                        crowdc_diag_hint(hint, sizeof hint, h->u.name.p, h->u.name.len, kinds, 2));
    else
      crowdc_diag_error(C->diag, &v->loc, "':arrival' takes (constant-rate R ...) or (ramping-rate (stage D :rate R) ...)");
    return NULL;
  }
  crowdc_arrival *a = crowdc_arena_alloc(C->arena, sizeof *a);
  memset(a, 0, sizeof *a);
  a->kind = kind;
  a->loc = v->loc;
  a->max_users = 100;
  load_opts o = { .names = names, .n = kind == 1 ? 4 : 5 };
  int ok = 1;
  double per = 1;
  if (kind == 1) {
    load_options(C, v, 1, "constant-rate", &o, 1);
    if (o.npos == 0) {
      crowdc_diag_error(C->diag, &v->loc, "'constant-rate' needs a rate, e.g. (constant-rate 50 :per 1s)");
      ok = 0;
    } else {
      ok &= load_number(C, o.pos[0], "rate", 0, 1, &a->rate) == 0;
    }
  } else {
    /* (stage ...) forms are positional: take them all */
    for (size_t i = 1; i < v->u.seq.n; i++) {
      const crowdc_node *f = v->u.seq.items[i], *fh = load_head(f);
      if (fh && load_streq(fh, "stage"))
        load_stage(C, f, &a->stages, 1);
      else if (f->kind != CROWDC_N_KEYWORD && (i == 1 || v->u.seq.items[i - 1]->kind != CROWDC_N_KEYWORD))
        crowdc_diag_error(C->diag, &f->loc, "expected (stage D :rate R) in 'ramping-rate', got %s",
                          crowdc_ast_kind_name(f->kind));
    }
    crowdc_node tmp = *v; /* the options, without the stages */
    crowdc_node **items = crowdc_arena_alloc(C->arena, (v->u.seq.n + 1) * sizeof *items);
    size_t n = 0;
    for (size_t i = 0; i < v->u.seq.n; i++)
      if (!load_head(v->u.seq.items[i]) || i == 0)
        items[n++] = v->u.seq.items[i];
    tmp.u.seq.items = items;
    tmp.u.seq.n = n;
    load_options(C, &tmp, 1, "ramping-rate", &o, 0);
    if (a->stages.n == 0) {
      crowdc_diag_error(C->diag, &v->loc, "'ramping-rate' needs at least one (stage D :rate R)");
      ok = 0;
    }
    if (o.val[4])
      ok &= load_number(C, o.val[4], "start-rate", 0, 0, &a->start_rate) == 0;
  }
  if (o.val[0])
    ok &= load_duration(C, o.val[0], "':per'", &per) == 0;
  if (o.val[1])
    ok &= load_count(C, o.val[1], "max-users", 1, &a->max_users) == 0;
  if (o.val[2])
    ok &= load_count(C, o.val[2], "pre-allocate", 0, &a->pre_allocate) == 0;
  if (o.val[3])
    ok &= load_bool(C, o.val[3], "poisson", &a->poisson) == 0;
  if (!ok)
    return NULL;
  /* rates per :per, stored per second */
  a->rate /= per;
  a->start_rate /= per;
  for (size_t i = 0; i < a->stages.n; i++)
    a->stages.v[i].rate /= per;
  if (!o.val[2]) /* default: the users a second of arrivals needs, at most the cap */
    a->pre_allocate = 1;
  if (a->pre_allocate > a->max_users) {
    crowdc_diag_error(C->diag, &o.val[2]->loc, "':pre-allocate' is more than ':max-users' (%ld)", a->max_users);
    return NULL;
  }
  return a;
}

/* ---- the pass ----------------------------------------------------------- */

void crowdc_load_check(crowdc_arena *a, crowdc_diag *d, crowdc_model *m, const crowdc_node *root)
{
  struct crowdc_load *L = crowdc_arena_alloc(a, sizeof *L);
  memset(L, 0, sizeof *L);
  m->load = L;
  crowdc_load_ctx C = { .arena = a, .diag = d, .model = m, .L = L };
  const crowdc_node *options = NULL;
  for (size_t i = 0; i < root->u.seq.n && !d->stopped; i++) {
    const crowdc_node *f = root->u.seq.items[i], *h = load_head(f);
    if (h && load_streq(h, "options")) {
      if (options) {
        crowdc_diag_error(d, &h->loc, "only one 'options' form is allowed");
        crowdc_diag_note(d, &options->loc, "the first one is here");
        continue;
      }
      options = h;
      load_options_form(&C, f);
    } else if (h && load_streq(h, "shape")) {
      load_shape(&C, f);
    }
  }
  L->arrival = crowdc_arena_alloc(a, (m->nusers + 1) * sizeof *L->arrival);
  for (size_t u = 0; u < m->nusers && !d->stopped; u++) {
    L->arrival[u] = NULL;
    if (m->users[u].arrival)
      L->arrival[u] = load_arrival(&C, m->users[u].arrival);
  }
}

/* ---- code ----------------------------------------------------------------- */

static void load_site(FILE *out, const crowdc_loc *loc)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, ":%d:%d", loc->line, loc->col);
  size_t flen = strlen(loc->file);
  char *site = malloc(flen + (size_t)n + 1);
  if (site == NULL) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  memcpy(site, loc->file, flen);
  memcpy(site + flen, buf, (size_t)n + 1);
  crowdc_codegen_cstr(out, site, flen + (size_t)n);
  free(site);
}

static void load_emit_stages(FILE *out, const char *name, const crowdc_stages *s)
{
  for (size_t i = 0; i < s->n; i++) {
    if (s->v[i].nclasses == 0)
      continue;
    fprintf(out, "static const int %s_classes_%zu[] = {", name, i);
    for (size_t k = 0; k < s->v[i].nclasses; k++)
      fprintf(out, "%s%d", k ? ", " : " ", s->v[i].classes[k]);
    fputs(" };\n", out);
  }
  fprintf(out, "static const crowd_stage_desc %s[] = {\n", name);
  for (size_t i = 0; i < s->n; i++) {
    const crowdc_stage *st = &s->v[i];
    fprintf(out, "  { .duration = %.17g, .users = %.17g, .rate = %.17g", st->duration, st->users, st->rate);
    if (st->nclasses)
      fprintf(out, ", .classes = %s_classes_%zu, .nclasses = %zu", name, i, st->nclasses);
    fputs(" },\n", out);
  }
  fputs("};\n", out);
}

void crowdc_load_emit(FILE *out, const crowdc_model *m)
{
  const struct crowdc_load *L = m->load;
  if (L == NULL)
    return;
  if (L->noptions) {
    fputs("\nstatic const crowd_option_desc crowd_options[] = {\n", out);
    for (size_t i = 0; i < L->noptions; i++) {
      fputs("  { .name = ", out);
      crowdc_codegen_cstr(out, L->options[i].name, strlen(L->options[i].name));
      fputs(", .value = ", out);
      crowdc_codegen_cstr(out, L->options[i].value, strlen(L->options[i].value));
      fputs(", .site = ", out);
      load_site(out, &L->options[i].loc);
      fputs(" },\n", out);
    }
    fputs("};\n", out);
  }
  if (L->shape && (L->stages.n || m->tick)) {
    fputc('\n', out);
    if (L->stages.n)
      load_emit_stages(out, "crowd_shape_stages", &L->stages);
    const crowdc_node *name = L->shape->u.seq.items[1];
    fputs("static const crowd_shape_desc crowd_shape = {\n  .name = ", out);
    crowdc_codegen_cstr(out, name->u.name.p, name->u.name.len);
    if (L->stages.n)
      fprintf(out, ",\n  .stages = crowd_shape_stages,\n  .nstages = %zu", L->stages.n);
    fputs(",\n  .site = ", out);
    load_site(out, m->tick ? &m->tick->form->loc : &L->shape->loc);
    if (m->tick) /* the function and its variables' names: codegen.c */
      fprintf(out, ",\n  .tick = crowd_shape_tick,\n  .tick_nvars = %zu,\n  .tick_var_names = crowd_shape_tick_vars",
              m->tick->u.nvars);
    fputs(",\n};\n", out);
  }
  for (size_t u = 0; u < m->nusers; u++) {
    const crowdc_arrival *a = L->arrival ? L->arrival[u] : NULL;
    if (a == NULL || m->users[u].abstract)
      continue;
    char name[64];
    snprintf(name, sizeof name, "crowd_arrival_%zu_stages", u);
    fputc('\n', out);
    if (a->stages.n)
      load_emit_stages(out, name, &a->stages);
    fprintf(out, "static const crowd_arrival_desc crowd_arrival_%zu = {\n", u);
    fprintf(out, "  .kind = %s,\n  .rate = %.17g,\n  .start_rate = %.17g,\n",
            a->kind == 1 ? "CROWD_ARRIVAL_CONSTANT" : "CROWD_ARRIVAL_RAMPING", a->rate, a->start_rate);
    if (a->stages.n)
      fprintf(out, "  .stages = %s,\n  .nstages = %zu,\n", name, a->stages.n);
    fprintf(out, "  .max_users = %ld,\n  .pre_allocate = %ld,\n  .poisson = %d,\n  .site = ",
            a->max_users, a->pre_allocate, a->poisson);
    load_site(out, &a->loc);
    fputs(",\n};\n", out);
  }
}

void crowdc_load_emit_user(FILE *out, const crowdc_model *m, size_t ui)
{
  if (m->load && m->load->arrival && m->load->arrival[ui])
    fprintf(out, "    .arrival = &crowd_arrival_%zu,\n", ui);
}

void crowdc_load_emit_scenario(FILE *out, const crowdc_model *m)
{
  const struct crowdc_load *L = m->load;
  if (L && L->noptions)
    fprintf(out, "  .options = crowd_options,\n  .noptions = %zu,\n", L->noptions);
  if (L && L->shape && (L->stages.n || m->tick))
    fputs("  .shape = &crowd_shape,\n", out);
}
