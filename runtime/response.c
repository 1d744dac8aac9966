#include "config.h"

/* Response blocks: (expect ...), (save ...), (success), (failure ...).
 *
 * The items of a block run in order over the response the client kept.
 * The request fails with the first failure's message: a status >= 400
 * (unless the block checks the status itself), a failed expectation, a
 * (failure ...), a failed save; (success) forgets the failures before it.
 * (when/if/unless ...) are WHEN items whose generated condition decides
 * whether the branch's items run (SKIP jumps over an else-branch).  Each
 * check's outcome is counted (checks.h).
 * A save that finds nothing leaves its variable nil and, once the block
 * has run, stops the task.  Messages are short and stable ("expected status
 * 200, got 404") so that the error report groups them; values quoted in
 * them are cut to a few dozen bytes. */

#include "response.h"

#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "checks.h"
#include "log.h"
#include "rng.h"
#include "stdlib/jsonpath.h"
#include "user.h"

enum { QUOTE_MAX = 40 }; /* bytes of a value quoted in a message */

typedef struct resp_ctx {
  crowd_user *u;
  crowd_request *r;
  cJSON *json;      /* the parsed body, once a JSON item needs it */
  int json_state;   /* 0 not parsed yet, 1 parsed, -1 not JSON */
  char *msg;
  size_t size;
  int failed;
  int item_failed;  /* the current item failed (counted per check, checks.h) */
  int save_failed;
} resp_ctx;

/* ---- messages -------------------------------------------------------------- */

static void fail(resp_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first failure of the block is the request's. */
static void fail(resp_ctx *c, const char *fmt, ...)
{
  c->item_failed = 1;
  if (c->failed)
    return;
  c->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->msg, c->size, fmt, ap);
  va_end(ap);
}

/* Text for a message: printable ASCII kept, other bytes '?', cut after max
 * bytes with "...". */
static const char *clip(char *buf, size_t size, const char *p, size_t len, size_t max)
{
  size_t n = 0;
  for (size_t i = 0; i < len && i < max && n + 4 < size; i++) {
    unsigned char ch = (unsigned char)p[i];
    buf[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
  }
  if (len > max && n + 4 < size) {
    memcpy(buf + n, "...", 3);
    n += 3;
  }
  buf[n] = '\0';
  return buf;
}

/* A value for a message: strings in quotes, cut; numbers as they read. */
static const char *show(char *buf, size_t size, const crowd_val *v)
{
  char tmp[QUOTE_MAX + 8];
  switch (v->type) {
  case CROWD_STR:
    snprintf(buf, size, "\"%s\"", clip(tmp, sizeof tmp, v->u.s.p ? v->u.s.p : "", v->u.s.len, QUOTE_MAX));
    break;
  case CROWD_INT:
    snprintf(buf, size, "%" PRId64, v->u.i);
    break;
  case CROWD_NUM:
    snprintf(buf, size, "%.15g", v->u.n);
    break;
  case CROWD_NIL:
  default:
    snprintf(buf, size, "null");
    break;
  }
  return buf;
}

/* What an item expects, for a message: its value, or its pattern. */
static const char *show_want(char *buf, size_t size, const crowd_resp_item *it,
                             const crowd_val *want)
{
  if (it->op == CROWD_OP_MATCHES && it->re) {
    crowd_val p = { .type = CROWD_STR };
    p.u.s.p = (char *)it->re->pattern;
    p.u.s.len = strlen(it->re->pattern);
    return show(buf, size, &p);
  }
  return show(buf, size, want);
}

static const char *op_text(crowd_op op)
{
  switch (op) {
  case CROWD_OP_CONTAINS: return "to contain";
  case CROWD_OP_MATCHES: return "to match";
  case CROWD_OP_EQ: return "=";
  case CROWD_OP_LT: return "<";
  case CROWD_OP_LE: return "<=";
  case CROWD_OP_GT: return ">";
  case CROWD_OP_GE: return ">=";
  default: return "?";
  }
}

/* ---- values ----------------------------------------------------------------- */

/* A value that borrows bytes: never cleared. */
static crowd_val borrowed(const char *p, size_t len)
{
  crowd_val v = { .type = CROWD_STR };
  v.u.s.p = (char *)p;
  v.u.s.len = len;
  return v;
}

/* The text of v in b (reset first); NUL-terminated. */
static const char *val_text(crowd_buf *b, const crowd_val *v, size_t *len)
{
  crowd_buf_reset(b);
  if (v->type == CROWD_STR) {
    if (crowd_buf_add(b, v->u.s.p ? v->u.s.p : "", v->u.s.len) != 0)
      return NULL;
  } else if (v->type != CROWD_NIL && crowd_buf_add_val(b, v) != 0) {
    return NULL;
  } else if (crowd_buf_add(b, "", 0) != 0) {
    return NULL;
  }
  *len = b->len;
  return b->p;
}

/* v as a number: an integer, a decimal, or a string that is one entirely. */
static int val_number(const crowd_val *v, double *d)
{
  switch (v->type) {
  case CROWD_INT:
    *d = (double)v->u.i;
    return 1;
  case CROWD_NUM:
    *d = v->u.n;
    return 1;
  case CROWD_STR: {
    if (v->u.s.p == NULL || v->u.s.len == 0 || v->u.s.len > 64)
      return 0;
    char tmp[72], *end;
    memcpy(tmp, v->u.s.p, v->u.s.len);
    tmp[v->u.s.len] = '\0';
    *d = strtod(tmp, &end);
    return *end == '\0' && end != tmp;
  }
  default:
    return 0;
  }
}

/* The expected value of an item: a constant, a variable or an interpolated
 * string (then *owned, and the caller clears it). */
static crowd_val want_value(resp_ctx *c, const crowd_resp_item *it, int *owned)
{
  *owned = 0;
  if (it->value)
    return *it->value;
  if (it->value_slot >= 0)
    return c->u->vars[it->value_slot];
  crowd_val v = CROWD_VAL_NIL;
  if (it->tpl) {
    crowd_buf b = { 0 };
    int rc = 0;
    for (int i = 0; i < it->ntpl; i++) {
      const crowd_tpl_part *p = &it->tpl[i];
      rc |= p->p ? crowd_buf_add(&b, p->p, p->len) : crowd_buf_add_val(&b, &c->u->vars[p->slot]);
    }
    rc |= crowd_buf_add(&b, "", 0);
    if (rc == 0) {
      crowd_val_str(&v, b.p, b.len);
      *owned = 1;
    }
    crowd_buf_free(&b);
  }
  return v;
}

/* ---- regular expressions ------------------------------------------------- */

static regex_t *regex_get(crowd_regex *re, const char *site)
{
  if (re->state == 0) {
    regex_t *rx = malloc(sizeof *rx);
    int rc = rx ? regcomp(rx, re->pattern, REG_EXTENDED) : REG_ESPACE;
    if (rc != 0) {
      char err[128] = "out of memory";
      if (rx)
        regerror(rc, rx, err, sizeof err);
      crowd_log(CROWD_LOG_ERROR, "crowd.user", "%s: regular expression \"%s\": %s",
                site ? site : "?", re->pattern, err);
      free(rx);
      re->state = -1;
      return NULL;
    }
    re->compiled = rx;
    re->state = 1;
  }
  return re->state == 1 ? re->compiled : NULL;
}

/* Match re in p[0..len) (NUL-terminated at len): 1 and the match (group 1
 * when the pattern has one) in *so, *eo; 0 for no match, -1 for a bad
 * pattern. */
static int regex_find(crowd_regex *re, const char *site, const char *p, size_t len, size_t *so,
                      size_t *eo)
{
  regex_t *rx = regex_get(re, site);
  if (rx == NULL)
    return -1;
  regmatch_t m[2];
  int flags = 0;
#ifdef REG_STARTEND
  m[0].rm_so = 0; /* the whole body, NUL bytes included */
  m[0].rm_eo = (regoff_t)len;
  flags = REG_STARTEND;
#else
  (void)len;
#endif
  if (regexec(rx, p, 2, m, flags) != 0)
    return 0;
  int g = rx->re_nsub >= 1 && m[1].rm_so >= 0 ? 1 : 0;
  *so = (size_t)m[g].rm_so;
  *eo = (size_t)m[g].rm_eo;
  return 1;
}

/* ---- headers and cookies ------------------------------------------------- */

int crowd_resp_header(const crowd_request *req, const char *name, const char **p, size_t *len)
{
  size_t n = strlen(name);
  const char *h = req->resp_headers.p, *end = h ? h + req->resp_headers.len : NULL;
  for (int i = 0; i < req->nresp_headers && h && h < end; i++) {
    size_t hl = strlen(h);
    if (hl >= n + 2 && h[n] == ':' && strncasecmp(h, name, n) == 0) {
      *p = h + n + 2;
      *len = hl - n - 2;
      return 0;
    }
    h += hl + 1;
  }
  return -1;
}

int crowd_resp_cookie(const crowd_request *req, const char *name, const char **p, size_t *len)
{
  size_t n = strlen(name);
  const char *h = req->resp_headers.p, *end = h ? h + req->resp_headers.len : NULL;
  for (int i = 0; i < req->nresp_headers && h && h < end; i++) {
    size_t hl = strlen(h);
    /* "Set-Cookie: NAME=VALUE; attributes" */
    if (hl > 12 && strncasecmp(h, "Set-Cookie: ", 12) == 0) {
      const char *c = h + 12;
      while (*c == ' ')
        c++;
      if (strncmp(c, name, n) == 0 && c[n] == '=') {
        const char *v = c + n + 1, *e = strchr(v, ';');
        size_t vl = e ? (size_t)(e - v) : strlen(v);
        while (vl > 0 && v[vl - 1] == ' ')
          vl--;
        *p = v;
        *len = vl;
        return 0;
      }
    }
    h += hl + 1;
  }
  return -1;
}

/* ---- JSON ------------------------------------------------------------------ */

static cJSON *body_json(resp_ctx *c)
{
  if (c->json_state == 0) {
    const crowd_buf *b = &c->r->resp_body;
    const char *end = NULL;
    c->json = b->len ? cJSON_ParseWithLengthOpts(b->p, b->len, &end, 0) : NULL;
    /* one JSON document, nothing but spaces after it */
    while (c->json && end < b->p + b->len && strchr(" \t\r\n", *end) && *end)
      end++;
    if (c->json && end != b->p + b->len) {
      cJSON_Delete(c->json);
      c->json = NULL;
    }
    c->json_state = c->json ? 1 : -1;
  }
  return c->json;
}

/* A JSON value as a crowd value: numbers (integers when whole), strings,
 * true/false as 1/0, null as nil, arrays and objects as their JSON text. */
static void json_to_val(const cJSON *j, crowd_val *out)
{
  crowd_val_clear(out);
  if (cJSON_IsString(j)) {
    crowd_val_str(out, j->valuestring, strlen(j->valuestring));
  } else if (cJSON_IsNumber(j)) {
    double d = j->valuedouble;
    if (isfinite(d) && d == floor(d) && fabs(d) < 9.0e18)
      crowd_val_int(out, (int64_t)d);
    else
      crowd_val_num(out, d);
  } else if (cJSON_IsBool(j)) {
    crowd_val_int(out, cJSON_IsTrue(j) ? 1 : 0);
  } else if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
    char *s = cJSON_PrintUnformatted(j);
    if (s) {
      crowd_val_str(out, s, strlen(s));
      cJSON_free(s);
    }
  }
}

typedef int (*jpath_visit)(const cJSON *j, void *arg); /* 1 stops the walk */

/* Visit what path (from *pos) selects under j, in document order. */
static int jpath_walk(const cJSON *j, const char *path, size_t len, size_t pos, jpath_visit fn,
                      void *arg)
{
  crowd_jpath_step st;
  switch (crowd_jpath_next(path, len, &pos, &st)) {
  case CROWD_JPATH_END:
    return fn(j, arg);
  case CROWD_JPATH_KEY:
    if (!cJSON_IsObject(j))
      return 0;
    for (const cJSON *m = j->child; m; m = m->next)
      if (m->string && strlen(m->string) == st.keylen && memcmp(m->string, st.key, st.keylen) == 0)
        return jpath_walk(m, path, len, pos, fn, arg);
    return 0;
  case CROWD_JPATH_INDEX: {
    if (!cJSON_IsArray(j))
      return 0;
    long n = cJSON_GetArraySize(j);
    long i = st.index < 0 ? n + st.index : st.index;
    if (i < 0 || i >= n)
      return 0;
    return jpath_walk(cJSON_GetArrayItem(j, (int)i), path, len, pos, fn, arg);
  }
  case CROWD_JPATH_ALL:
    if (!cJSON_IsArray(j) && !cJSON_IsObject(j))
      return 0;
    for (const cJSON *m = j->child; m; m = m->next)
      if (jpath_walk(m, path, len, pos, fn, arg))
        return 1;
    return 0;
  default:
    return 0;
  }
}

/* A save's walk: which match it keeps. */
typedef struct pick_state {
  crowd_pick pick;
  long seen;
  const cJSON *kept;
  crowd_buf all;
  int oom;
} pick_state;

static int pick_visit(const cJSON *j, void *arg)
{
  pick_state *ps = arg;
  ps->seen++;
  switch (ps->pick) {
  case CROWD_PICK_FIRST:
    ps->kept = j;
    return 1;
  case CROWD_PICK_LAST:
    ps->kept = j;
    return 0;
  case CROWD_PICK_RANDOM: /* reservoir sampling: uniform without a list */
    if (crowd_rng_below((uint64_t)ps->seen) == 0)
      ps->kept = j;
    return 0;
  case CROWD_PICK_ALL: {
    char *s = cJSON_PrintUnformatted(j);
    if (s == NULL || crowd_buf_add(&ps->all, ps->seen > 1 ? "," : "[", 1) != 0 ||
        crowd_buf_add(&ps->all, s, strlen(s)) != 0)
      ps->oom = 1;
    cJSON_free(s);
    return 0;
  }
  }
  return 1;
}

/* A check's walk: does some match satisfy the item? */
typedef struct check_state {
  resp_ctx *c;
  const crowd_resp_item *it;
  const crowd_val *want;
  long seen;
  crowd_val first; /* the first match, for the message */
  int ok;
} check_state;

static int test_value(resp_ctx *c, const crowd_resp_item *it, const crowd_val *got,
                      const crowd_val *want);

static int check_visit(const cJSON *j, void *arg)
{
  check_state *cs = arg;
  crowd_val v = CROWD_VAL_NIL;
  json_to_val(j, &v);
  cs->seen++;
  if (cs->seen == 1)
    crowd_val_copy(&cs->first, &v);
  if (cs->it->op == CROWD_OP_EXISTS || test_value(cs->c, cs->it, &v, cs->want))
    cs->ok = 1;
  crowd_val_clear(&v);
  return cs->ok;
}

/* ---- predicates ------------------------------------------------------------- */

/* CONTAINS, MATCHES, EQ..GE on one value. */
static int test_value(resp_ctx *c, const crowd_resp_item *it, const crowd_val *got,
                      const crowd_val *want)
{
  crowd_buf gb = { 0 }, wb = { 0 };
  size_t gl = 0, wl = 0;
  const char *g, *w;
  double gd, wd;
  int ok = 0;
  switch (it->op) {
  case CROWD_OP_CONTAINS:
    g = val_text(&gb, got, &gl);
    w = val_text(&wb, want, &wl);
    ok = g && w && (wl == 0 || memmem(g, gl, w, wl) != NULL);
    break;
  case CROWD_OP_MATCHES: {
    size_t so, eo;
    g = val_text(&gb, got, &gl);
    ok = g && it->re && regex_find(it->re, it->site, g, gl, &so, &eo) == 1;
    break;
  }
  case CROWD_OP_EQ:
    if (want->type == CROWD_INT || want->type == CROWD_NUM) {
      ok = val_number(got, &gd) && val_number(want, &wd) && gd == wd;
    } else if (want->type == CROWD_NIL) {
      ok = got->type == CROWD_NIL;
    } else {
      g = val_text(&gb, got, &gl);
      w = val_text(&wb, want, &wl);
      ok = g && w && gl == wl && memcmp(g, w, gl) == 0;
    }
    break;
  case CROWD_OP_LT:
  case CROWD_OP_LE:
  case CROWD_OP_GT:
  case CROWD_OP_GE:
    if (val_number(got, &gd) && val_number(want, &wd))
      ok = it->op == CROWD_OP_LT ? gd < wd
         : it->op == CROWD_OP_LE ? gd <= wd
         : it->op == CROWD_OP_GT ? gd > wd
                                 : gd >= wd;
    break;
  default:
    break;
  }
  crowd_buf_free(&gb);
  crowd_buf_free(&wb);
  (void)c;
  return ok;
}

/* ---- items -------------------------------------------------------------------- */

static void check_status(resp_ctx *c, const crowd_resp_item *it, const crowd_val *want)
{
  long st = c->r->status;
  char w[64];
  if (it->op == CROWD_OP_IN) {
    for (int i = 0; i < it->nset; i++)
      if (it->set[i] == st)
        return;
    char list[128];
    size_t n = 0;
    list[0] = '\0';
    for (int i = 0; i < it->nset && n < sizeof list - 16; i++)
      n += (size_t)snprintf(list + n, sizeof list - n, "%s%d",
                            i == 0 ? "" : i + 1 == it->nset ? " or " : ", ", it->set[i]);
    fail(c, "expected status %s, got %ld", list, st);
    return;
  }
  crowd_val got = { .type = CROWD_INT, .u.i = st };
  if (!test_value(c, it, &got, want))
    fail(c, "expected status %s %s, got %ld", op_text(it->op), show_want(w, sizeof w, it, want), st);
}

/* HEADER, COOKIE: a value found by name. */
static void check_named(resp_ctx *c, const crowd_resp_item *it, const crowd_val *want)
{
  const char *what = it->src == CROWD_SRC_HEADER ? "header" : "cookie";
  const char *p = NULL;
  size_t len = 0;
  int found = (it->src == CROWD_SRC_HEADER ? crowd_resp_header(c->r, it->arg, &p, &len)
                                           : crowd_resp_cookie(c->r, it->arg, &p, &len)) == 0;
  char name[QUOTE_MAX + 8], w[64], g[64];
  clip(name, sizeof name, it->arg, strlen(it->arg), QUOTE_MAX);
  if (it->op == CROWD_OP_EXISTS) {
    if (!found)
      fail(c, "expected %s %s", what, name);
    return;
  }
  if (it->op == CROWD_OP_ABSENT) {
    if (found)
      fail(c, "expected no %s %s", what, name);
    return;
  }
  if (!found) {
    fail(c, "expected %s %s %s %s, got none", what, name, op_text(it->op), show_want(w, sizeof w, it, want));
    return;
  }
  crowd_val got = CROWD_VAL_NIL;
  crowd_val_str(&got, p, len); /* a copy: NUL-terminated for the regex */
  if (!test_value(c, it, &got, want))
    fail(c, "expected %s %s %s %s, got %s", what, name, op_text(it->op),
         show_want(w, sizeof w, it, want), show(g, sizeof g, &got));
  crowd_val_clear(&got);
}

static void check_body(resp_ctx *c, const crowd_resp_item *it, const crowd_val *want)
{
  const crowd_buf *b = &c->r->resp_body;
  crowd_val got = borrowed(b->p ? b->p : "", b->len);
  char w[64];
  if (!test_value(c, it, &got, want))
    fail(c, "expected body %s %s", op_text(it->op), show_want(w, sizeof w, it, want));
}

static void check_json(resp_ctx *c, const crowd_resp_item *it, const crowd_val *want)
{
  char path[QUOTE_MAX + 8], w[64], g[64];
  clip(path, sizeof path, it->arg, strlen(it->arg), QUOTE_MAX);
  const cJSON *root = body_json(c);
  if (root == NULL) {
    fail(c, "expected a JSON body for %s", path);
    return;
  }
  check_state cs = { .c = c, .it = it, .want = want, .first = CROWD_VAL_NIL };
  jpath_walk(root, it->arg, strlen(it->arg), 0, check_visit, &cs);
  if (it->op == CROWD_OP_ABSENT) {
    if (cs.seen > 0)
      fail(c, "expected %s to be absent", path);
  } else if (it->op == CROWD_OP_EXISTS) {
    if (cs.seen == 0)
      fail(c, "expected %s to exist", path);
  } else if (!cs.ok) {
    if (cs.seen == 0)
      fail(c, "expected %s %s %s, not found", path, op_text(it->op), show_want(w, sizeof w, it, want));
    else if (strstr(it->arg, "[*]"))
      fail(c, "expected some %s %s %s", path, op_text(it->op), show_want(w, sizeof w, it, want));
    else
      fail(c, "expected %s %s %s, got %s", path, op_text(it->op), show_want(w, sizeof w, it, want),
           show(g, sizeof g, &cs.first));
  }
  crowd_val_clear(&cs.first);
}

static void check_time(resp_ctx *c, const crowd_resp_item *it, const crowd_val *want)
{
  crowd_val got = { .type = CROWD_NUM, .u.n = (double)c->r->response_us / 1e6 };
  double wd = 0;
  if (!test_value(c, it, &got, want)) {
    val_number(want, &wd);
    fail(c, "expected time %s %.15g ms", op_text(it->op), wd * 1000.0);
  }
}

/* The name of a save's variable, for messages. */
static const char *var_name(const resp_ctx *c, int slot)
{
  const crowd_user_desc *d = c->u->desc;
  return d->var_names && slot >= 0 && slot < d->nvars ? d->var_names[slot] : "?";
}

static void save_failed(resp_ctx *c, const crowd_resp_item *it, const char *why, const char *arg)
{
  char a[QUOTE_MAX + 8];
  c->save_failed = 1;
  if (arg)
    fail(c, "cannot save %s: %s %s", var_name(c, it->slot), why, clip(a, sizeof a, arg, strlen(arg), QUOTE_MAX));
  else
    fail(c, "cannot save %s: %s", var_name(c, it->slot), why);
}

static void save_json(resp_ctx *c, const crowd_resp_item *it, crowd_val *dst)
{
  const cJSON *root = body_json(c);
  if (root == NULL) {
    save_failed(c, it, "the body is not JSON", NULL);
    return;
  }
  pick_state ps = { .pick = it->pick };
  jpath_walk(root, it->arg, strlen(it->arg), 0, pick_visit, &ps);
  if (ps.seen == 0) {
    save_failed(c, it, "nothing at", it->arg);
  } else if (ps.pick == CROWD_PICK_ALL) {
    if (ps.oom || crowd_buf_add(&ps.all, "]", 1) != 0)
      save_failed(c, it, "out of memory", NULL);
    else
      crowd_val_str(dst, ps.all.p, ps.all.len);
  } else {
    json_to_val(ps.kept, dst);
  }
  crowd_buf_free(&ps.all);
}

static void run_save(resp_ctx *c, const crowd_resp_item *it)
{
  crowd_val *dst = &c->u->vars[it->slot];
  const crowd_buf *b = &c->r->resp_body;
  const char *p;
  size_t len, so, eo;
  crowd_val_clear(dst);
  switch (it->src) {
  case CROWD_SRC_STATUS:
    crowd_val_int(dst, c->r->status);
    break;
  case CROWD_SRC_BODY:
    crowd_val_str(dst, b->p ? b->p : "", b->len);
    break;
  case CROWD_SRC_HEADER:
    if (crowd_resp_header(c->r, it->arg, &p, &len) == 0)
      crowd_val_str(dst, p, len);
    else
      save_failed(c, it, "no header", it->arg);
    break;
  case CROWD_SRC_COOKIE:
    if (crowd_resp_cookie(c->r, it->arg, &p, &len) == 0)
      crowd_val_str(dst, p, len);
    else
      save_failed(c, it, "no cookie", it->arg);
    break;
  case CROWD_SRC_REGEX:
    if (it->re && regex_find(it->re, it->site, b->p ? b->p : "", b->len, &so, &eo) == 1)
      crowd_val_str(dst, (b->p ? b->p : "") + so, eo - so);
    else
      save_failed(c, it, "no match for", it->re ? it->re->pattern : "?");
    break;
  case CROWD_SRC_JSON:
    save_json(c, it, dst);
    break;
  default:
    save_failed(c, it, "nothing to save", NULL);
    break;
  }
}

static void run_item(resp_ctx *c, const crowd_resp_item *it)
{
  if (it->op == CROWD_OP_SAVE) {
    run_save(c, it);
    return;
  }
  if (it->op == CROWD_OP_SUCCESS) {
    c->failed = 0; /* (success) forgets what failed before it */
    c->msg[0] = '\0';
    return;
  }
  int owned;
  c->item_failed = 0;
  crowd_val want = want_value(c, it, &owned);
  switch (it->op == CROWD_OP_FAILURE ? CROWD_SRC_NONE : it->src) {
  case CROWD_SRC_NONE: {
    char tmp[CROWD_RESP_MSG_MAX];
    size_t len = 0;
    crowd_buf b = { 0 };
    const char *m = val_text(&b, &want, &len);
    fail(c, "%s", m ? clip(tmp, sizeof tmp, m, len, sizeof tmp - 8) : "failure");
    crowd_buf_free(&b);
    break;
  }
  case CROWD_SRC_STATUS: check_status(c, it, &want); break;
  case CROWD_SRC_HEADER:
  case CROWD_SRC_COOKIE: check_named(c, it, &want); break;
  case CROWD_SRC_BODY: check_body(c, it, &want); break;
  case CROWD_SRC_JSON: check_json(c, it, &want); break;
  case CROWD_SRC_TIME: check_time(c, it, &want); break;
  default: break;
  }
  if (owned)
    crowd_val_clear(&want);
  crowd_checks_count(it->check, !c->item_failed);
}

/* The index of the last item of the branch that the WHEN at i opens: its
 * then-items, and its else-items after a SKIP. */
static int branch_end(const crowd_resp_desc *d, int i)
{
  int end = i + d->items[i].skip;
  if (end < d->nitems && end > i && d->items[end].op == CROWD_OP_SKIP)
    end += d->items[end].skip;
  return end < d->nitems ? end : d->nitems - 1;
}

/* Run the items in order; a WHEN whose condition is false jumps over its
 * then-items, a SKIP (reached at the end of a then-branch) over the
 * else-items.  A condition that failed (a built-in reported an error)
 * counts as false and stops the task afterwards. */
static void run_items(resp_ctx *c, const crowd_resp_desc *d)
{
  for (int i = 0; i < d->nitems; i++) {
    const crowd_resp_item *it = &d->items[i];
    if (it->op == CROWD_OP_WHEN) {
      int rc = it->cond ? it->cond(c->u, c->u->vars) : 0;
      if (rc == CROWD_TASK_FAIL)
        c->save_failed = 1;
      if (rc != 1)
        i += it->skip;
    } else if (it->op == CROWD_OP_SKIP) {
      i += it->skip;
    } else {
      run_item(c, it);
    }
  }
}

/* ---- the block ---------------------------------------------------------------- */

int crowd_resp_eval(crowd_user *u, const crowd_resp_desc *d, char *msg, size_t size)
{
  resp_ctx c = { .u = u, .r = &u->req, .msg = msg, .size = size };
  msg[0] = '\0';
  char def[32];
  const char *err = crowd_request_default_error(c.r, def, sizeof def);
  if (c.r->error[0] != '\0') {
    /* no response at all: nothing to check, nothing to save */
    fail(&c, "%s", err);
    for (int i = 0; i < d->nitems; i++) {
      if (d->items[i].op == CROWD_OP_WHEN) { /* conditional checks did not run */
        i = branch_end(d, i);
      } else if (d->items[i].op == CROWD_OP_SAVE) {
        crowd_val_clear(&u->vars[d->items[i].slot]);
        c.save_failed = 1;
      } else {
        crowd_checks_count(d->items[i].check, false);
      }
    }
    return c.save_failed ? -1 : 0;
  }
  if (err && !d->has_status)
    fail(&c, "%s", err);
  run_items(&c, d);
  if (c.json)
    cJSON_Delete(c.json);
  return c.save_failed ? -1 : 0;
}

void crowd_req_response(crowd_user *u, const crowd_resp_desc *resp)
{
  u->resp = resp;
  u->req.keep_response = resp->keep;
}

int crowd_resp_check(crowd_user *u)
{
  const crowd_resp_desc *d = u->resp;
  if (d == NULL || !u->resp_pending)
    return 0;
  u->resp = NULL;
  u->resp_pending = false;
  char msg[CROWD_RESP_MSG_MAX];
  int rc = crowd_resp_eval(u, d, msg, sizeof msg);
  u->saved_from = d; /* --single-user shows the saves */
  crowd_request_record(&u->req, msg[0] ? msg : NULL);
  u->saved_from = NULL;
  return rc;
}
