#include "config.h"

#include "stdlib/jsonpath.h"

#include <string.h>

enum { JPATH_MAX_INDEX = 999999999 };

static crowd_jpath_kind jpath_error(crowd_jpath_step *st, const char *msg)
{
  st->kind = CROWD_JPATH_ERROR;
  st->error = msg;
  return CROWD_JPATH_ERROR;
}

/* [...] after the '[' at *pos. */
static crowd_jpath_kind jpath_bracket(const char *p, size_t len, size_t *pos,
                                      crowd_jpath_step *st)
{
  size_t i = *pos + 1;
  if (i < len && p[i] == '*') {
    if (i + 1 >= len || p[i + 1] != ']') {
      *pos = i + 1;
      return jpath_error(st, "expected ']' after '[*'");
    }
    *pos = i + 2;
    st->kind = CROWD_JPATH_ALL;
    return st->kind;
  }
  if (i < len && (p[i] == '"' || p[i] == '\'')) {
    char q = p[i];
    const char *end = memchr(p + i + 1, q, len - i - 1);
    if (end == NULL) {
      *pos = i;
      return jpath_error(st, "unterminated quoted key");
    }
    size_t e = (size_t)(end - p);
    if (e + 1 >= len || p[e + 1] != ']') {
      *pos = e + 1;
      return jpath_error(st, "expected ']' after a quoted key");
    }
    st->kind = CROWD_JPATH_KEY;
    st->key = p + i + 1;
    st->keylen = e - i - 1;
    *pos = e + 2;
    return st->kind;
  }
  int neg = i < len && p[i] == '-';
  if (neg)
    i++;
  long n = 0;
  size_t start = i;
  while (i < len && p[i] >= '0' && p[i] <= '9') {
    if (n > JPATH_MAX_INDEX / 10) {
      *pos = start;
      return jpath_error(st, "array index too large");
    }
    n = n * 10 + (p[i] - '0');
    i++;
  }
  if (i == start) {
    *pos = i;
    return jpath_error(st, "expected an index, '*' or a quoted key after '['");
  }
  if (i >= len || p[i] != ']') {
    *pos = i;
    return jpath_error(st, "expected ']' after the index");
  }
  st->kind = CROWD_JPATH_INDEX;
  st->index = neg ? -n : n;
  *pos = i + 1;
  return st->kind;
}

crowd_jpath_kind crowd_jpath_next(const char *p, size_t len, size_t *pos, crowd_jpath_step *st)
{
  memset(st, 0, sizeof *st);
  if (*pos == 0) {
    if (len == 0 || p[0] != '$')
      return jpath_error(st, "a JSON path starts with '$'");
    *pos = 1;
  }
  size_t i = *pos;
  if (i >= len) {
    st->kind = CROWD_JPATH_END;
    return st->kind;
  }
  if (p[i] == '[')
    return jpath_bracket(p, len, pos, st);
  if (p[i] != '.')
    return jpath_error(st, "expected '.key' or '[...]'");
  size_t start = ++i;
  while (i < len && p[i] != '.' && p[i] != '[' && p[i] != ']')
    i++;
  if (i == start) {
    *pos = start;
    return jpath_error(st, "expected a key after '.'");
  }
  st->kind = CROWD_JPATH_KEY;
  st->key = p + start;
  st->keylen = i - start;
  *pos = i;
  return st->kind;
}

const char *crowd_jpath_check(const char *path, size_t len, size_t *errpos, int *wild)
{
  size_t pos = 0;
  crowd_jpath_step st;
  *wild = 0;
  for (;;) {
    switch (crowd_jpath_next(path, len, &pos, &st)) {
    case CROWD_JPATH_END:
      return NULL;
    case CROWD_JPATH_ERROR:
      *errpos = pos;
      return st.error;
    case CROWD_JPATH_ALL:
      *wild = 1;
      break;
    default:
      break;
    }
  }
}
