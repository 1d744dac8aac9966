/* buf.c — growable byte buffer for the demo server's JSON bodies. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

void demo_buf_init(struct demo_buf *b)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->oom = 0;
}

void demo_buf_free(struct demo_buf *b)
{
  free(b->data);
  demo_buf_init(b);
}

/* Makes room for n more bytes plus a NUL; 0 on success. */
static int demo_buf_reserve(struct demo_buf *b, size_t n)
{
  if (b->oom)
    return -1;
  if (b->len + n + 1 <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + n + 1) {
    if (cap > SIZE_MAX / 2) {
      b->oom = 1;
      return -1;
    }
    cap *= 2;
  }
  char *p = realloc(b->data, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void demo_buf_add(struct demo_buf *b, const void *p, size_t n)
{
  if (demo_buf_reserve(b, n) != 0)
    return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void demo_buf_puts(struct demo_buf *b, const char *s)
{
  demo_buf_add(b, s, strlen(s));
}

void demo_buf_printf(struct demo_buf *b, const char *fmt, ...)
{
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->oom = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    demo_buf_add(b, small, (size_t)n);
    return;
  }
  if (demo_buf_reserve(b, (size_t)n) != 0)
    return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void demo_buf_json_str(struct demo_buf *b, const char *s, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  demo_buf_add(b, "\"", 1);
  size_t run = 0; /* start of the pending run of plain bytes */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    demo_buf_add(b, s + run, i - run);
    run = i + 1;
    switch (c) {
    case '"': demo_buf_add(b, "\\\"", 2); break;
    case '\\': demo_buf_add(b, "\\\\", 2); break;
    case '\n': demo_buf_add(b, "\\n", 2); break;
    case '\r': demo_buf_add(b, "\\r", 2); break;
    case '\t': demo_buf_add(b, "\\t", 2); break;
    default: {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      demo_buf_add(b, esc, sizeof esc);
    }
    }
  }
  demo_buf_add(b, s + run, n - run);
  demo_buf_add(b, "\"", 1);
}

char *demo_buf_take(struct demo_buf *b, size_t *len)
{
  if (b->oom || demo_buf_reserve(b, 0) != 0) {
    demo_buf_free(b);
    return NULL;
  }
  char *p = b->data;
  if (len)
    *len = b->len;
  demo_buf_init(b);
  return p;
}
