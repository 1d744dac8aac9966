#include "config.h"

/* Built-ins on text (builtins.def): conversions, concat, format, case,
 * length and substrings, base64, URL and JSON encoding.  Texts are bytes:
 * lengths and offsets count bytes. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <crowd/crowd.h>

#include "runtime/request.h"
#include "stdlib/bi.h"

#define TEXT(v, p, len)                          \
  char tmp_##p[48];                              \
  const char *p;                                 \
  size_t len;                                    \
  crowd_bi_text(v, tmp_##p, sizeof tmp_##p, &p, &len)

int crowd_fn_str(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)u;
  (void)site;
  (void)nargs;
  TEXT(&args[0], p, len);
  crowd_val_str(out, p, len);
  return 0;
}

int crowd_fn_int(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  int64_t n;
  if (args[0].type == CROWD_NUM && args[0].u.n > -9.2e18 && args[0].u.n < 9.2e18) {
    crowd_val_int(out, (int64_t)args[0].u.n);
    return 0;
  }
  if (crowd_bi_int(&args[0], 1, &n) != 0) {
    TEXT(&args[0], p, len);
    crowd_task_error(u, site, "int: '%.*s' is not an integer", (int)(len > 64 ? 64 : len), p);
    return -1;
  }
  crowd_val_int(out, n);
  return 0;
}

int crowd_fn_concat(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  crowd_buf b = { 0 };
  int rc = 0;
  for (int i = 0; i < nargs; i++)
    rc |= crowd_buf_add_val(&b, &args[i]);
  if (rc) {
    crowd_buf_free(&b);
    crowd_task_error(u, site, "concat: out of memory");
    return -1;
  }
  return crowd_bi_take(u, site, "concat", &b, out);
}

/* One conversion of format: %[0][width][.prec](s|d|f|x); spec is what
 * stands between '%' and the conversion letter. */
static int format_one(crowd_buf *b, const char *spec, size_t speclen, char conv, const crowd_val *v,
                      const char **err)
{
  int zero = speclen > 0 && spec[0] == '0', width = 0, prec = -1;
  size_t i = 0;
  int64_t n;
  double d;
  while (i < speclen && spec[i] >= '0' && spec[i] <= '9')
    width = width * 10 + (spec[i++] - '0');
  if (i < speclen && spec[i] == '.') {
    prec = 0;
    for (i++; i < speclen; i++)
      prec = prec * 10 + (spec[i] - '0');
  }
  if (conv == 's') {
    TEXT(v, p, len);
    int rc = 0;
    for (size_t k = len; k < (size_t)width; k++)
      rc |= crowd_buf_addc(b, zero ? '0' : ' ');
    return rc | crowd_buf_add(b, p, len);
  }
  if (conv == 'd' || conv == 'x') {
    if (crowd_bi_int(v, 1, &n) != 0) {
      *err = "an integer";
      return -1;
    }
    if (conv == 'd')
      return zero ? crowd_buf_printf(b, "%0*" PRId64, width, n) : crowd_buf_printf(b, "%*" PRId64, width, n);
    return zero ? crowd_buf_printf(b, "%0*" PRIx64, width, (uint64_t)n)
                : crowd_buf_printf(b, "%*" PRIx64, width, (uint64_t)n);
  }
  if (crowd_bi_num(v, 1, &d) != 0) {
    *err = "a number";
    return -1;
  }
  if (prec < 0)
    prec = 6;
  return zero ? crowd_buf_printf(b, "%0*.*f", width, prec, d) : crowd_buf_printf(b, "%*.*f", width, prec, d);
}

int crowd_fn_format(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  TEXT(&args[0], f, flen);
  crowd_buf b = { 0 };
  int next = 1, rc = 0;
  for (size_t i = 0; i < flen && rc == 0; i++) {
    if (f[i] != '%') {
      rc |= crowd_buf_addc(&b, f[i]);
      continue;
    }
    size_t s = ++i;
    if (i < flen && f[i] == '%') {
      rc |= crowd_buf_addc(&b, '%');
      continue;
    }
    /* flags, width, precision: at most 3 digits each */
    size_t digits = 0;
    while (i < flen && f[i] >= '0' && f[i] <= '9' && digits < 4)
      i++, digits++;
    if (i < flen && f[i] == '.') {
      i++;
      digits = 0;
      while (i < flen && f[i] >= '0' && f[i] <= '9' && digits < 3)
        i++, digits++;
    }
    char conv = i < flen ? f[i] : '\0';
    if (conv != 's' && conv != 'd' && conv != 'f' && conv != 'x') {
      crowd_buf_free(&b);
      crowd_task_error(u, site, "format: bad conversion at byte %zu of the format (use %%s %%d %%f %%x or %%%%)",
                       s);
      return -1;
    }
    if (next >= nargs) {
      crowd_buf_free(&b);
      crowd_task_error(u, site, "format: the format needs more than the %d argument%s given", nargs - 1,
                       nargs == 2 ? "" : "s");
      return -1;
    }
    const char *want = NULL;
    if (format_one(&b, f + s, i - s, conv, &args[next], &want) != 0) {
      crowd_buf_free(&b);
      if (want)
        crowd_task_error(u, site, "format: argument %d for %%%c must be %s", next, conv, want);
      else
        crowd_task_error(u, site, "format: out of memory");
      return -1;
    }
    next++;
  }
  if (rc) {
    crowd_buf_free(&b);
    crowd_task_error(u, site, "format: out of memory");
    return -1;
  }
  if (next < nargs) {
    crowd_buf_free(&b);
    crowd_task_error(u, site, "format: %d argument%s left over", nargs - next, nargs - next == 1 ? "" : "s");
    return -1;
  }
  return crowd_bi_take(u, site, "format", &b, out);
}

static int change_case(crowd_user *u, const char *site, crowd_val *out, const crowd_val *v, int upper)
{
  TEXT(v, p, len);
  crowd_buf b = { 0 };
  if (crowd_buf_add(&b, p, len) != 0) {
    crowd_task_error(u, site, "%s: out of memory", upper ? "upper" : "lower");
    return -1;
  }
  for (size_t i = 0; i < b.len; i++) {
    char c = b.p[i];
    if (upper && c >= 'a' && c <= 'z')
      b.p[i] = (char)(c - 32);
    else if (!upper && c >= 'A' && c <= 'Z')
      b.p[i] = (char)(c + 32);
  }
  return crowd_bi_take(u, site, upper ? "upper" : "lower", &b, out);
}

int crowd_fn_upper(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  return change_case(u, site, out, &args[0], 1);
}

int crowd_fn_lower(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  return change_case(u, site, out, &args[0], 0);
}

int crowd_fn_length(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)u;
  (void)site;
  (void)nargs;
  TEXT(&args[0], p, len);
  (void)p;
  crowd_val_int(out, (int64_t)len);
  return 0;
}

int crowd_fn_substr(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  int64_t start, count = INT64_MAX;
  if (crowd_bi_int(&args[1], 0, &start) != 0 || start < 0 ||
      (nargs > 2 && (crowd_bi_int(&args[2], 0, &count) != 0 || count < 0))) {
    crowd_task_error(u, site, "substr: START and LENGTH must be integers >= 0");
    return -1;
  }
  TEXT(&args[0], p, len);
  size_t s = (uint64_t)start < len ? (size_t)start : len;
  size_t n = len - s;
  if ((uint64_t)count < n)
    n = (size_t)count;
  crowd_val_str(out, p + s, n);
  return 0;
}

/* ---- encodings ---------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int crowd_fn_base64(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  TEXT(&args[0], p, len);
  const unsigned char *s = (const unsigned char *)p;
  crowd_buf b = { 0 };
  int rc = 0;
  for (size_t i = 0; i < len && rc == 0; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16;
    if (i + 1 < len)
      v |= (uint32_t)s[i + 1] << 8;
    if (i + 2 < len)
      v |= s[i + 2];
    char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < len ? b64[(v >> 6) & 63] : '=',
                  i + 2 < len ? b64[v & 63] : '=' };
    rc = crowd_buf_add(&b, q, 4);
  }
  if (rc) {
    crowd_buf_free(&b);
    crowd_task_error(u, site, "base64: out of memory");
    return -1;
  }
  return crowd_bi_take(u, site, "base64", &b, out);
}

static int b64_value(unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-')
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

int crowd_fn_base64_decode(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  TEXT(&args[0], p, len);
  while (len > 0 && p[len - 1] == '=')
    len--;
  crowd_buf b = { 0 };
  uint32_t acc = 0;
  int bits = 0, rc = 0;
  for (size_t i = 0; i < len && rc == 0; i++) {
    int v = b64_value((unsigned char)p[i]);
    if (v < 0) {
      crowd_buf_free(&b);
      crowd_task_error(u, site, "base64-decode: byte %zu is not base64", i);
      return -1;
    }
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      rc = crowd_buf_addc(&b, (char)((acc >> bits) & 0xff));
    }
  }
  if (len % 4 == 1) {
    crowd_buf_free(&b);
    crowd_task_error(u, site, "base64-decode: the text is not base64 (a lone last character)");
    return -1;
  }
  if (rc) {
    crowd_buf_free(&b);
    crowd_task_error(u, site, "base64-decode: out of memory");
    return -1;
  }
  return crowd_bi_take(u, site, "base64-decode", &b, out);
}

int crowd_fn_url_encode(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  TEXT(&args[0], p, len);
  crowd_buf b = { 0 };
  if (crowd_buf_add_urlenc(&b, p, len) != 0) {
    crowd_buf_free(&b);
    crowd_task_error(u, site, "url-encode: out of memory");
    return -1;
  }
  return crowd_bi_take(u, site, "url-encode", &b, out);
}

int crowd_fn_json_encode(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  crowd_buf b = { 0 };
  if (crowd_buf_add_json_val(&b, &args[0]) != 0) {
    crowd_buf_free(&b);
    crowd_task_error(u, site, "json-encode: out of memory");
    return -1;
  }
  return crowd_bi_take(u, site, "json-encode", &b, out);
}
