#include "config.h"

/* The checks of requests and their HTTP options, and a user's HTTP
 * defaults (sema_int.h). */

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <crowd/crowd.h>

#include "compiler/sema_int.h"
#include "compiler/upload.h"

/* ---- requests: (get PATH :options... response block) -------------------- */

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

int crowdc_sema_request(crowdc_sema_ctx *S, crowdc_node *form, int method,
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
    if (h && crowdc_sema_resp_head(h)) {
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

/* :opt true|false: 0 and *out, or -1 after an error. */
int crowdc_sema_bool(crowdc_sema_ctx *S, const crowdc_node *v, const char *opt, int *out)
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
void crowdc_sema_user_http(crowdc_sema_ctx *S, const crowdc_sema_opts *o, crowdc_user *u)
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
void crowdc_sema_user_http_end(crowdc_sema_ctx *S, const crowdc_user *u)
{
  if (u->headers)
    crowdc_sema_defined_anywhere(S, u->headers);
  if (u->auth)
    crowdc_sema_defined_anywhere(S, u->auth);
}
