#include "config.h"

#include "request.h"

#include <inttypes.h>
#include <stdint.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client_cert.h"
#include "clock.h"
#include "log.h"
#include "events.h"
#include "runner.h"
#include "stats.h"
#include "upload.h"
#include "user.h"

/* ---- buffers ------------------------------------------------------------ */

/* Make room for extra more bytes plus the terminating NUL. */
static int buf_reserve(crowd_buf *b, size_t extra)
{
  if (extra > SIZE_MAX / 2 - b->len)
    return -1;
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap *= 2;
  char *p = realloc(b->p, cap);
  if (p == NULL)
    return -1;
  b->p = p;
  b->cap = cap;
  return 0;
}

void crowd_buf_reset(crowd_buf *b)
{
  b->len = 0;
  if (b->p)
    b->p[0] = '\0';
}

int crowd_buf_add(crowd_buf *b, const char *p, size_t len)
{
  if (buf_reserve(b, len) != 0)
    return -1;
  if (len)
    memcpy(b->p + b->len, p, len);
  b->len += len;
  b->p[b->len] = '\0';
  return 0;
}

int crowd_buf_addc(crowd_buf *b, char c)
{
  return crowd_buf_add(b, &c, 1);
}

int crowd_buf_printf(crowd_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char small[128];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return -1;
  if ((size_t)n < sizeof small)
    return crowd_buf_add(b, small, (size_t)n);
  if (buf_reserve(b, (size_t)n) != 0)
    return -1;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

/* The shortest %g form that reads back as the same double. */
static int format_num(char *out, size_t size, double d)
{
  if (isnan(d))
    return snprintf(out, size, "nan");
  if (isinf(d))
    return snprintf(out, size, d < 0 ? "-inf" : "inf");
  int n = 0;
  for (int prec = 15; prec <= 17; prec++) {
    n = snprintf(out, size, "%.*g", prec, d);
    if (strtod(out, NULL) == d)
      break;
  }
  return n;
}

/* The text of a value without copying strings: p and len point into v or tmp. */
static void val_text(const crowd_val *v, char *tmp, size_t size, const char **p, size_t *len)
{
  int n = 0;
  switch (v->type) {
  case CROWD_INT:
    n = snprintf(tmp, size, "%" PRId64, v->u.i);
    break;
  case CROWD_NUM:
    n = format_num(tmp, size, v->u.n);
    break;
  case CROWD_STR:
    *p = v->u.s.p ? v->u.s.p : "";
    *len = v->u.s.p ? v->u.s.len : 0;
    return;
  case CROWD_NIL:
  default:
    break;
  }
  *p = tmp;
  *len = n > 0 ? (size_t)n : 0;
}

int crowd_buf_add_val(crowd_buf *b, const crowd_val *v)
{
  char tmp[40];
  const char *p;
  size_t len;
  val_text(v, tmp, sizeof tmp, &p, &len);
  return crowd_buf_add(b, p, len);
}

int crowd_buf_add_urlenc(crowd_buf *b, const char *p, size_t len)
{
  static const char hex[] = "0123456789ABCDEF";
  if (buf_reserve(b, len) != 0)
    return -1;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)p[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '.' || c == '_' || c == '~') {
      if (crowd_buf_addc(b, (char)c) != 0)
        return -1;
    } else {
      char enc[3] = { '%', hex[c >> 4], hex[c & 15] };
      if (crowd_buf_add(b, enc, 3) != 0)
        return -1;
    }
  }
  return 0;
}

void crowd_buf_free(crowd_buf *b)
{
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* ---- methods ------------------------------------------------------------- */

const char *crowd_method_name(crowd_method m)
{
  static const char *const names[CROWD_METHOD_COUNT] = {
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"
  };
  return (unsigned)m < CROWD_METHOD_COUNT ? names[m] : "GET";
}

/* ---- building a request ----------------------------------------------------- */

/* Out of memory while building: report once per request; the request still
 * goes out, with whatever was built. */
static void req_oom(crowd_user *u)
{
  crowd_log(CROWD_LOG_ERROR, "crowd.user", "%s: out of memory while building the request",
            u->req.site ? u->req.site : "?");
}

void crowd_req_begin(crowd_user *u, const crowd_req_site *site)
{
  crowd_request *r = &u->req;
  if (u->resp_pending) { /* a response block that never ran: record as is */
    char buf[32];
    crowd_request_record(r, crowd_request_default_error(r, buf, sizeof buf));
  }
  u->resp = NULL;
  u->resp_pending = false;
  r->keep_response = 0;
  crowd_buf_reset(&r->resp_headers);
  crowd_buf_reset(&r->resp_body);
  r->nresp_headers = 0;
  r->resp_truncated = 0;
  r->method = site->method;
  r->site = site->site;
  crowd_buf_reset(&r->url);
  crowd_buf_reset(&r->name);
  crowd_buf_reset(&r->headers);
  if (r->body.cap > CROWD_BODY_KEEP) /* an upload: built again for each request */
    crowd_buf_free(&r->body);
  crowd_buf_reset(&r->body);
  crowd_buf_reset(&u->query);
  crowd_buf_reset(&u->json_stack);
  r->path_start = 0;
  r->has_query = 0;
  r->nheaders = 0;
  r->content_type = NULL;
  r->multipart = 0;
  r->cert = crowd_cert_for(u->desc);
  r->timeout = 0;
  r->flags = 0;
  r->status = 0;
  r->response_us = 0;
  r->content_length = 0;
  r->timing.valid = false;
  r->error[0] = '\0';
  r->user = u;
  u->name_set = false;
}

static bool is_absolute_url(const char *p, size_t len)
{
  return (len >= 7 && strncasecmp(p, "http://", 7) == 0) ||
         (len >= 8 && strncasecmp(p, "https://", 8) == 0);
}

/* Where the path of an absolute URL begins (its first '/' after "://"). */
static size_t url_path_start(const char *p, size_t len)
{
  const char *s = memmem(p, len, "://", 3);
  size_t i = s ? (size_t)(s - p) + 3 : 0;
  while (i < len && p[i] != '/' && p[i] != '?')
    i++;
  return i;
}

/* URL text: bytes that cannot appear in a URL (controls, space, non-ASCII,
 * and " < > \\ ^ ` { | }) are percent-encoded, as python-requests does;
 * everything else, '%' included, is kept as the scenario wrote it. */
/* " < > \\ ^ ` { | } as bits of two words (bytes 0x00-0x3f, 0x40-0x7f) */
#define URL_BIT(c) (UINT64_C(1) << ((c) & 63))
static const uint64_t url_unsafe_lo = URL_BIT('"') | URL_BIT('<') | URL_BIT('>');
static const uint64_t url_unsafe_hi = URL_BIT('\\') | URL_BIT('^') | URL_BIT('`') | URL_BIT('{') |
                                      URL_BIT('|') | URL_BIT('}');

static bool url_byte_unsafe(unsigned char c)
{
  if (c <= 0x20 || c >= 0x7f)
    return true;
  return ((c < 64 ? url_unsafe_lo : url_unsafe_hi) >> (c & 63)) & 1;
}

/* Runs of bytes kept as they are go in with one copy (this runs for every
 * request: host and path). */
static int add_url_text(crowd_buf *b, const char *p, size_t len)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t i = 0;
  while (i < len) {
    size_t run = i;
    while (run < len && !url_byte_unsafe((unsigned char)p[run]))
      run++;
    if (run > i && crowd_buf_add(b, p + i, run - i) != 0)
      return -1;
    if (run == len)
      break;
    unsigned char c = (unsigned char)p[run];
    char enc[3] = { '%', hex[c >> 4], hex[c & 15] };
    if (crowd_buf_add(b, enc, 3) != 0)
      return -1;
    i = run + 1;
  }
  return 0;
}

void crowd_req_path(crowd_user *u, const crowd_val *path)
{
  crowd_request *r = &u->req;
  char tmp[40];
  const char *p;
  size_t len;
  int rc = 0;
  val_text(path, tmp, sizeof tmp, &p, &len);
  crowd_buf_reset(&r->url);

  if (is_absolute_url(p, len) || u->host == NULL) {
    rc |= add_url_text(&r->url, p, len);
  } else {
    /* host + path, with exactly one '/' between them */
    size_t hlen = strlen(u->host);
    while (hlen > 0 && u->host[hlen - 1] == '/' && len > 0 && p[0] == '/')
      hlen--;
    rc |= add_url_text(&r->url, u->host, hlen);
    if (len > 0 && p[0] != '/' && p[0] != '?' && (hlen == 0 || u->host[hlen - 1] != '/'))
      rc |= crowd_buf_addc(&r->url, '/');
    rc |= add_url_text(&r->url, p, len);
  }
  r->path_start = r->url.p ? url_path_start(r->url.p, r->url.len) : 0;
  r->has_query = r->url.p && memchr(r->url.p, '?', r->url.len) != NULL;
  if (!u->name_set) {
    crowd_buf_reset(&r->name);
    rc |= crowd_buf_add(&r->name, p, len);
  }
  if (rc)
    req_oom(u);
}

void crowd_req_name(crowd_user *u, const crowd_val *name)
{
  crowd_buf_reset(&u->req.name);
  if (crowd_buf_add_val(&u->req.name, name) != 0)
    req_oom(u);
  u->name_set = true;
}

/* Header text without CR or LF, so a value cannot inject a header. */
static int add_header_text(crowd_buf *b, const crowd_val *v)
{
  char tmp[40];
  const char *p;
  size_t len;
  val_text(v, tmp, sizeof tmp, &p, &len);
  for (size_t i = 0; i < len; i++) {
    char c = p[i];
    if (c == '\r' || c == '\n' || c == '\0')
      c = ' ';
    if (crowd_buf_addc(b, c) != 0)
      return -1;
  }
  return 0;
}

/* A header name is an HTTP token: crowdc checks literal names; a byte of a
 * computed name that is not a token character becomes '_'. */
static int add_header_name(crowd_buf *b, const crowd_val *v)
{
  char tmp[40];
  const char *p;
  size_t len;
  val_text(v, tmp, sizeof tmp, &p, &len);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)p[i];
    int tchar = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                (c && strchr("!#$%&'*+-.^_`|~", c));
    if (crowd_buf_addc(b, tchar ? (char)c : '_') != 0)
      return -1;
  }
  return 0;
}

void crowd_req_header(crowd_user *u, const crowd_val *key, const crowd_val *value)
{
  crowd_buf *h = &u->req.headers;
  int rc = add_header_name(h, key);
  rc |= crowd_buf_add(h, ": ", 2);
  rc |= add_header_text(h, value);
  rc |= crowd_buf_addc(h, '\0'); /* the separator; len counts it */
  if (rc)
    req_oom(u);
  else
    u->req.nheaders++;
}

static int add_pair(crowd_buf *b, const crowd_val *key, const crowd_val *value)
{
  char tk[40], tv[40];
  const char *kp, *vp;
  size_t kl, vl;
  int rc = 0;
  val_text(key, tk, sizeof tk, &kp, &kl);
  val_text(value, tv, sizeof tv, &vp, &vl);
  if (b->len > 0)
    rc |= crowd_buf_addc(b, '&');
  rc |= crowd_buf_add_urlenc(b, kp, kl);
  rc |= crowd_buf_addc(b, '=');
  rc |= crowd_buf_add_urlenc(b, vp, vl);
  return rc;
}

void crowd_req_query(crowd_user *u, const crowd_val *key, const crowd_val *value)
{
  if (add_pair(&u->query, key, value) != 0)
    req_oom(u);
}

void crowd_req_form(crowd_user *u, const crowd_val *key, const crowd_val *value)
{
  u->req.content_type = "application/x-www-form-urlencoded";
  if (add_pair(&u->req.body, key, value) != 0)
    req_oom(u);
}

void crowd_req_timeout(crowd_user *u, double seconds)
{
  u->req.timeout = isfinite(seconds) && seconds > 0 ? seconds : 0;
}

void crowd_req_flags(crowd_user *u, unsigned flags)
{
  u->req.flags = flags;
}

/* "Authorization: <scheme> <credentials>" (header text rules apply). */
static void req_auth(crowd_user *u, const char *scheme, const char *cred, size_t len)
{
  static const crowd_val key = CROWD_VAL_LIT("Authorization");
  crowd_buf b = { 0 };
  int rc = crowd_buf_add(&b, scheme, strlen(scheme));
  rc |= crowd_buf_add(&b, cred, len);
  if (rc == 0) {
    crowd_val v = { .type = CROWD_STR, .u.s = { b.p, b.len } };
    crowd_req_header(u, &key, &v);
  } else {
    req_oom(u);
  }
  crowd_buf_free(&b);
}

void crowd_req_basic_auth(crowd_user *u, const crowd_val *user, const crowd_val *password)
{
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  crowd_buf plain = { 0 }, enc = { 0 };
  int rc = crowd_buf_add_val(&plain, user);
  rc |= crowd_buf_addc(&plain, ':');
  rc |= crowd_buf_add_val(&plain, password);
  const unsigned char *s = (const unsigned char *)plain.p;
  for (size_t i = 0; rc == 0 && i < plain.len; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < plain.len ? (uint32_t)s[i + 1] << 8 : 0) |
                 (i + 2 < plain.len ? s[i + 2] : 0);
    char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < plain.len ? b64[(v >> 6) & 63] : '=',
                  i + 2 < plain.len ? b64[v & 63] : '=' };
    rc |= crowd_buf_add(&enc, q, 4);
  }
  if (rc == 0)
    req_auth(u, "Basic ", enc.p ? enc.p : "", enc.len);
  else
    req_oom(u);
  crowd_buf_free(&plain);
  crowd_buf_free(&enc);
}

void crowd_req_bearer_auth(crowd_user *u, const crowd_val *token)
{
  char tmp[40];
  const char *p;
  size_t len;
  val_text(token, tmp, sizeof tmp, &p, &len);
  req_auth(u, "Bearer ", p, len);
}

void crowd_req_send(crowd_user *u)
{
  crowd_request *r = &u->req;
  int rc = 0;
  if (r->url.len == 0 && u->host) /* no path given: the host itself */
    rc |= crowd_buf_add(&r->url, u->host, strlen(u->host));
  if (u->query.len > 0) {
    rc |= crowd_buf_addc(&r->url, r->has_query ? '&' : '?');
    rc |= crowd_buf_add(&r->url, u->query.p, u->query.len);
    r->has_query = 1;
    crowd_buf_reset(&u->query);
  }
  if (r->multipart)
    rc |= crowd_upload_multipart_end(r);
  /* NUL-terminate even empty buffers; the client reads them as C strings */
  rc |= crowd_buf_add(&r->url, "", 0);
  rc |= crowd_buf_add(&r->name, "", 0);
  rc |= crowd_buf_add(&r->body, "", 0);
  if (rc)
    req_oom(u);
  crowd_user_send(u);
}

/* ---- JSON bodies --------------------------------------------------------------
 *
 * Strings are written as UTF-8 with the escapes JSON requires (quote,
 * backslash, control characters).  A byte that is not part of a valid UTF-8
 * sequence is written as \u00XX (the byte read as Latin-1), so the body is
 * always valid JSON and no byte is silently dropped.
 */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
  unsigned char c = p[0];
  size_t len;
  uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
  else return 0;
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

static int json_string(crowd_buf *b, const char *s, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  int rc = crowd_buf_addc(b, '"');
  for (size_t i = 0; i < len && rc == 0;) {
    unsigned char c = p[i];
    const char *esc = NULL;
    switch (c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    default: break;
    }
    if (esc) {
      rc |= crowd_buf_add(b, esc, 2);
      i++;
    } else if (c < 0x20) {
      char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
      rc |= crowd_buf_add(b, u, 6);
      i++;
    } else if (c < 0x80) {
      rc |= crowd_buf_addc(b, (char)c);
      i++;
    } else {
      size_t n = utf8_seq(p + i, len - i);
      if (n) {
        rc |= crowd_buf_add(b, s + i, n);
        i += n;
      } else {
        char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
        rc |= crowd_buf_add(b, u, 6);
        i++;
      }
    }
  }
  rc |= crowd_buf_addc(b, '"');
  return rc;
}

/* Before a value: a comma when it is not the first element of an array.
 * (In an object the key already wrote the comma.) */
static int json_before_value(crowd_user *u)
{
  crowd_buf *st = &u->json_stack;
  if (st->len == 0)
    return 0;
  char *top = &st->p[st->len - 1];
  if (*top == 'a') {
    *top = 'A';
    return 0;
  }
  if (*top == 'A')
    return crowd_buf_addc(&u->req.body, ',');
  return 0;
}

void crowd_json_begin(crowd_user *u)
{
  crowd_buf_reset(&u->req.body);
  crowd_buf_reset(&u->json_stack);
  u->req.content_type = "application/json";
}

static void json_open(crowd_user *u, char kind, char bracket)
{
  int rc = json_before_value(u);
  rc |= crowd_buf_addc(&u->json_stack, kind);
  rc |= crowd_buf_addc(&u->req.body, bracket);
  if (rc)
    req_oom(u);
}

static void json_close(crowd_user *u, char kind, char bracket)
{
  crowd_buf *st = &u->json_stack;
  /* pop only a matching container: unbalanced events do no harm */
  if (st->len > 0 && (st->p[st->len - 1] | 0x20) == kind) {
    st->len--;
    st->p[st->len] = '\0';
  }
  if (crowd_buf_addc(&u->req.body, bracket) != 0)
    req_oom(u);
}

void crowd_json_obj_open(crowd_user *u) { json_open(u, 'o', '{'); }
void crowd_json_obj_close(crowd_user *u) { json_close(u, 'o', '}'); }
void crowd_json_arr_open(crowd_user *u) { json_open(u, 'a', '['); }
void crowd_json_arr_close(crowd_user *u) { json_close(u, 'a', ']'); }

void crowd_json_key(crowd_user *u, const char *key, size_t len)
{
  crowd_buf *st = &u->json_stack;
  int rc = 0;
  if (st->len > 0) {
    char *top = &st->p[st->len - 1];
    if (*top == 'o')
      *top = 'O';
    else if (*top == 'O')
      rc |= crowd_buf_addc(&u->req.body, ',');
  }
  rc |= json_string(&u->req.body, key, len);
  rc |= crowd_buf_addc(&u->req.body, ':');
  if (rc)
    req_oom(u);
}

void crowd_json_val(crowd_user *u, const crowd_val *v)
{
  int rc = json_before_value(u);
  rc |= crowd_buf_add_json_val(&u->req.body, v);
  if (rc)
    req_oom(u);
}

int crowd_buf_add_json_val(crowd_buf *b, const crowd_val *v)
{
  int rc = 0;
  switch (v->type) {
  case CROWD_INT:
    rc |= crowd_buf_printf(b, "%" PRId64, v->u.i);
    break;
  case CROWD_NUM:
    if (isfinite(v->u.n)) {
      char tmp[40];
      int n = format_num(tmp, sizeof tmp, v->u.n);
      rc |= crowd_buf_add(b, tmp, n > 0 ? (size_t)n : 0);
    } else {
      rc |= crowd_buf_add(b, "null", 4); /* JSON has no inf or nan */
    }
    break;
  case CROWD_STR:
    rc |= json_string(b, v->u.s.p ? v->u.s.p : "", v->u.s.p ? v->u.s.len : 0);
    break;
  case CROWD_NIL:
  default:
    rc |= crowd_buf_add(b, "null", 4);
    break;
  }
  return rc;
}

void crowd_json_bool(crowd_user *u, int v)
{
  int rc = json_before_value(u);
  rc |= v ? crowd_buf_add(&u->req.body, "true", 4) : crowd_buf_add(&u->req.body, "false", 5);
  if (rc)
    req_oom(u);
}

void crowd_json_end(crowd_user *u)
{
  if (u->json_stack.len != 0)
    crowd_log(CROWD_LOG_WARNING, "crowd.user", "%s: unbalanced JSON body",
              u->req.site ? u->req.site : "?");
  crowd_buf_reset(&u->json_stack);
}

/* ---- interpolation --------------------------------------------------------- */

void crowd_str_begin(crowd_user *u)
{
  crowd_buf_reset(&u->scratch);
}

void crowd_str_lit(crowd_user *u, const char *p, size_t len)
{
  if (crowd_buf_add(&u->scratch, p, len) != 0)
    crowd_log(CROWD_LOG_ERROR, "crowd.user", "out of memory while building a string");
}

void crowd_str_val(crowd_user *u, const crowd_val *v)
{
  if (crowd_buf_add_val(&u->scratch, v) != 0)
    crowd_log(CROWD_LOG_ERROR, "crowd.user", "out of memory while building a string");
}

void crowd_str_end(crowd_user *u, crowd_val *out)
{
  crowd_val_str(out, u->scratch.p ? u->scratch.p : "", u->scratch.len);
  crowd_buf_reset(&u->scratch);
}

/* ---- the result ---------------------------------------------------------------- */

const char *crowd_request_default_error(const crowd_request *req, char *buf, size_t size)
{
  if (req->error[0] != '\0')
    return req->error; /* a transport error: the client's message */
  if (req->status >= 400) {
    snprintf(buf, size, "HTTP %ld", req->status);
    return buf; /* the code alone, so failures group by it */
  }
  return NULL;
}

void crowd_request_record(crowd_request *req, const char *err)
{
  crowd_user *u = req->user;
  if (u && u->runner && u->runner->stats) {
    crowd_sample smp = { .response_us = req->response_us, .content_length = req->content_length,
                         .error = err, .timing = req->timing };
    crowd_user_corrected(u, req->response_us, &smp.has_corrected, &smp.corrected_us);
    crowd_stats_record_sample(u->runner->stats, crowd_method_name(req->method),
                              req->name.p ? req->name.p : "", &smp, crowd_clock_wall());
  }
  if (u && u->runner && u->runner->opt->single_user)
    crowd_runner_print_request(u, err);
  if (__builtin_expect(crowd_events_on_request, 0) && u && u->runner) /* (on request ...) */
    crowd_events_request(u->desc->name, req->method, req->name.p, req->status, req->response_us, err,
                         (long)u->runner->nusers);
}

void crowd_request_done(crowd_request *req)
{
  crowd_user *u = req->user;
  if (u && u->resp) {
    u->resp_pending = true; /* crowd_resp_check records it */
  } else {
    char buf[32];
    crowd_request_record(req, crowd_request_default_error(req, buf, sizeof buf));
  }
  if (u)
    crowd_user_request_done(u);
}

void crowd_request_keep_body(crowd_request *req, const char *p, size_t n)
{
  size_t room = req->resp_body.len < CROWD_BODY_CAP ? CROWD_BODY_CAP - req->resp_body.len : 0;
  if (n > room) {
    n = room;
    req->resp_truncated = 1;
  }
  if (n > 0 && crowd_buf_add(&req->resp_body, p, n) != 0)
    req->resp_truncated = 1; /* out of memory: the checks see what was kept */
}
