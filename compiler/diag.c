#include "config.h"

#include "compiler/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void crowdc_diag_init(crowdc_diag *d, FILE *out, const crowdc_source *src)
{
  d->out = out;
  d->src = src;
  d->nerrors = 0;
  d->stopped = 0;
  d->nseen = 0;
  d->muted = 0;
}

/* Has this error been reported already?  If not, remember it. */
static int crowdc_diag_repeat(crowdc_diag *d, const crowdc_loc *loc, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static int crowdc_diag_repeat(crowdc_diag *d, const crowdc_loc *loc, const char *fmt, va_list ap)
{
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  unsigned long long h = 1469598103934665603ull; /* FNV-1a */
  for (const char *p = msg; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  if (loc)
    h = (h ^ loc->off ^ ((unsigned long long)loc->len << 32)) * 1099511628211ull;
  for (int i = 0; i < d->nseen; i++)
    if (d->seen[i] == h)
      return 1;
  if (d->nseen < CROWDC_DIAG_MAX)
    d->seen[d->nseen++] = h;
  return 0;
}

/* How much of a long line the snippet shows around the caret. */
enum { CROWDC_DIAG_BEFORE = 60, CROWDC_DIAG_WIDTH = 160 };

static int crowdc_diag_digits(int n)
{
  int w = 1;
  while (n >= 10) {
    n /= 10;
    w++;
  }
  return w;
}

/* Bytes in the character at p: a whole valid UTF-8 sequence, else 1. */
static size_t crowdc_diag_utf8(const char *p, size_t avail)
{
  unsigned char c = (unsigned char)p[0];
  size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
  if (c < 0xc2 || c >= 0xf5 || n > avail)
    return 1;
  for (size_t i = 1; i < n; i++)
    if (((unsigned char)p[i] & 0xc0) != 0x80)
      return 1;
  return n;
}

/* The source line under loc and a caret line pointing at loc. */
static void crowdc_diag_snippet(crowdc_diag *d, const crowdc_loc *loc)
{
  const crowdc_source *src = d->src;
  if (!src || !src->text || loc->off > src->len)
    return;
  size_t start = loc->off, end = loc->off;
  while (start > 0 && src->text[start - 1] != '\n')
    start--;
  while (end < src->len && src->text[end] != '\n')
    end++;
  if (end > start && src->text[end - 1] == '\r')
    end--;
  /* Long lines: show a window around the caret. */
  size_t col = loc->off - start;
  size_t from = start;
  if (end - start > CROWDC_DIAG_WIDTH && col > CROWDC_DIAG_BEFORE)
    from = loc->off - CROWDC_DIAG_BEFORE;
  size_t to = end - from > CROWDC_DIAG_WIDTH ? from + CROWDC_DIAG_WIDTH : end;

  int w = crowdc_diag_digits(loc->line);
  if (w < 5)
    w = 5;
  fprintf(d->out, "%*d | ", w, loc->line);
  for (size_t i = from; i < to;) {
    size_t n = crowdc_diag_utf8(src->text + i, to - i);
    unsigned char c = (unsigned char)src->text[i];
    /* One column per character so that the caret lines up; control bytes
     * and broken UTF-8 show as '?'. */
    if (n > 1)
      fwrite(src->text + i, 1, n, d->out);
    else
      fputc(c == '\t' ? ' ' : (c < 0x20 || c >= 0x7f) ? '?' : c, d->out);
    i += n;
  }
  fputc('\n', d->out);

  fprintf(d->out, "%*s | ", w, "");
  for (size_t i = from; i < loc->off && i < to;) {
    fputc(' ', d->out);
    i += crowdc_diag_utf8(src->text + i, to - i);
  }
  fputc('^', d->out);
  size_t stop = loc->off + loc->len < to ? loc->off + loc->len : to;
  if (loc->off < stop) {
    size_t i = loc->off + crowdc_diag_utf8(src->text + loc->off, to - loc->off);
    while (i < stop) {
      fputc('~', d->out);
      i += crowdc_diag_utf8(src->text + i, to - i);
    }
  }
  fputc('\n', d->out);
}

static void crowdc_diag_emit(crowdc_diag *d, const char *kind, const crowdc_loc *loc,
                             const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
static void crowdc_diag_emit(crowdc_diag *d, const char *kind, const crowdc_loc *loc,
                             const char *fmt, va_list ap)
{
  const char *name = d->src && d->src->name ? d->src->name : "<input>";
  if (loc)
    fprintf(d->out, "%s:%d:%d: %s: ", name, loc->line, loc->col, kind);
  else
    fprintf(d->out, "%s: %s: ", name, kind);
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  if (loc)
    crowdc_diag_snippet(d, loc);
}

void crowdc_diag_error(crowdc_diag *d, const crowdc_loc *loc, const char *fmt, ...)
{
  if (d->stopped)
    return;
  va_list ap;
  va_start(ap, fmt);
  d->muted = crowdc_diag_repeat(d, loc, fmt, ap);
  va_end(ap);
  if (d->muted)
    return;
  va_start(ap, fmt);
  crowdc_diag_emit(d, "error", loc, fmt, ap);
  va_end(ap);
  if (++d->nerrors >= CROWDC_DIAG_MAX) {
    fputs("crowdc: too many errors emitted, stopping now\n", d->out);
    d->stopped = 1;
  }
}

void crowdc_diag_note(crowdc_diag *d, const crowdc_loc *loc, const char *fmt, ...)
{
  if (d->stopped || d->muted)
    return;
  va_list ap;
  va_start(ap, fmt);
  crowdc_diag_emit(d, "note", loc, fmt, ap);
  va_end(ap);
}

void crowdc_diag_finish(crowdc_diag *d)
{
  if (d->nerrors)
    fprintf(d->out, "%d error%s generated.\n", d->nerrors, d->nerrors == 1 ? "" : "s");
}

size_t crowdc_diag_distance(const char *a, size_t alen, const char *b, size_t blen)
{
  /* Names longer than this are never typos of a short keyword. */
  if (alen > 256 || blen > 256)
    return alen > blen ? alen : blen;
  size_t row[257];
  for (size_t j = 0; j <= blen; j++)
    row[j] = j;
  for (size_t i = 1; i <= alen; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= blen; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[blen];
}

const char *crowdc_diag_suggest(const char *name, size_t len, const char *const *cands,
                                size_t ncands)
{
  const char *best = NULL;
  size_t bestd = (size_t)-1;
  for (size_t i = 0; i < ncands; i++) {
    size_t clen = strlen(cands[i]);
    size_t dist = crowdc_diag_distance(name, len, cands[i], clen);
    if (dist < bestd) {
      bestd = dist;
      best = cands[i];
    }
  }
  if (!best)
    return NULL;
  /* Close enough: at most a third of the name's length, and at most 3 edits. */
  size_t blen = strlen(best);
  size_t longer = len > blen ? len : blen;
  size_t limit = (longer + 2) / 3;
  if (limit > 3)
    limit = 3;
  return bestd > 0 && bestd <= limit ? best : NULL;
}

const char *crowdc_diag_hint(char *buf, size_t size, const char *name, size_t len,
                             const char *const *cands, size_t ncands)
{
  const char *s = crowdc_diag_suggest(name, len, cands, ncands);
  if (s)
    snprintf(buf, size, "; did you mean '%s'?", s);
  else if (size)
    buf[0] = '\0';
  return buf;
}

char *crowdc_diag_quote(char *buf, size_t size, const char *p, size_t len)
{
  size_t o = 0;
  size_t n = len > CROWDC_DIAG_NAME_MAX ? CROWDC_DIAG_NAME_MAX : len;
  for (size_t i = 0; i < n && o + 5 < size; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      buf[o++] = (char)c;
    } else {
      snprintf(buf + o, size - o, "\\x%02x", c);
      o += 4;
    }
  }
  if (len > n && o + 4 < size) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o < size ? o : size - 1] = '\0';
  return buf;
}

void crowdc_diag_unknown_option(crowdc_diag *d, const crowdc_loc *loc, const char *name, size_t len,
                                const char *const *names, size_t n, const char *what)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128] = "";
  const char *s = crowdc_diag_suggest(name, len, names, n);
  if (s)
    snprintf(hint, sizeof hint, "; did you mean ':%s'?", s);
  crowdc_diag_error(d, loc, "unknown option ':%s' for '%s'%s", crowdc_diag_quote(q, sizeof q, name, len), what,
                    hint);
}
