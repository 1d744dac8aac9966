#include "config.h"

/* The `fast` client's cookie jar (see fast_cookie.h). */

#include "fast_cookie.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define COOKIE_PART_MAX 4096 /* name, value, path or domain */

struct crowd_fast_cookie {
  crowd_fast_cookie *next;
  time_t expires;     /* 0: until the end of the run */
  int host_only;      /* no Domain attribute: the host itself only */
  size_t nlen;        /* name is data[0..nlen) */
  char *value, *domain, *path; /* NUL-terminated, inside data */
  char data[];        /* name\0value\0domain\0path\0 */
};

static const char *skip_ws(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

static const char *trim_end(const char *start, const char *end)
{
  while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  return end;
}

/* The request path without its query: "/a/b?x" gives "/a/b". */
static size_t path_len(const char *path, size_t plen)
{
  const char *q = memchr(path, '?', plen);
  return q ? (size_t)(q - path) : plen;
}

/* RFC 6265 5.1.4: the directory of the request path, "/" at least. */
static size_t default_path(const char *path, size_t plen)
{
  if (plen == 0 || path[0] != '/')
    return 0;
  const char *slash = memrchr(path, '/', plen);
  return slash == path ? 0 : (size_t)(slash - path);
}

/* host equals domain, or ends with "." + domain (any case). */
static int domain_match(const char *host, size_t hlen, const char *dom, size_t dlen)
{
  if (hlen == dlen)
    return strncasecmp(host, dom, dlen) == 0;
  return hlen > dlen && host[hlen - dlen - 1] == '.' && strncasecmp(host + hlen - dlen, dom, dlen) == 0;
}

/* RFC 6265 5.1.4: the cookie's path is a prefix of the request's, at a '/'. */
static int path_match(const char *rpath, size_t rlen, const char *cpath)
{
  size_t clen = strlen(cpath);
  if (clen > rlen || memcmp(rpath, cpath, clen) != 0)
    return 0;
  return clen == rlen || cpath[clen - 1] == '/' || rpath[clen] == '/';
}

static void jar_remove(crowd_fast_jar *j, crowd_fast_cookie **link)
{
  crowd_fast_cookie *c = *link;
  *link = c->next;
  free(c);
  j->count--;
}

typedef struct cookie_attrs {
  const char *domain, *path;
  size_t dlen, plen;
  int has_max_age, expired;
  time_t expires;
} cookie_attrs;

/* Read "; Attr=value" pairs from p to end into a. */
static void read_attrs(const char *p, const char *end, time_t now, cookie_attrs *a)
{
  while (p < end) {
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *stop = semi ? semi : end;
    const char *k = skip_ws(p, stop);
    const char *eq = k < stop ? memchr(k, '=', (size_t)(stop - k)) : NULL;
    const char *kend = trim_end(k, eq ? eq : stop);
    const char *v = eq ? skip_ws(eq + 1, stop) : stop;
    const char *vend = trim_end(v, stop);
    size_t klen = (size_t)(kend - k), vlen = (size_t)(vend - v);
    if (klen == 7 && strncasecmp(k, "max-age", 7) == 0 && vlen > 0 && vlen < 20) {
      char num[24];
      memcpy(num, v, vlen);
      num[vlen] = '\0';
      char *e;
      long long s = strtoll(num, &e, 10);
      if (*e == '\0') {
        a->has_max_age = 1;
        a->expired = s <= 0;
        a->expires = s > 0 ? now + (time_t)s : 0;
      }
    } else if (klen == 7 && strncasecmp(k, "expires", 7) == 0 && !a->has_max_age && vlen > 0 && vlen < 64) {
      char date[64];
      memcpy(date, v, vlen);
      date[vlen] = '\0';
      time_t t = curl_getdate(date, NULL);
      if (t != (time_t)-1) {
        a->expired = t <= now;
        a->expires = t;
      }
    } else if (klen == 6 && strncasecmp(k, "domain", 6) == 0 && vlen > 0) {
      if (*v == '.') { /* ".example.com" is "example.com" */
        v++;
        vlen--;
      }
      a->domain = v;
      a->dlen = vlen;
    } else if (klen == 4 && strncasecmp(k, "path", 4) == 0 && vlen > 0 && *v == '/') {
      a->path = v;
      a->plen = vlen;
    }
    p = semi ? semi + 1 : end;
  }
}

int crowd_fast_jar_set(crowd_fast_jar *j, const char *v, size_t vlen, const char *host, size_t hlen,
                       const char *path, size_t plen, time_t now)
{
  const char *end = v + vlen;
  const char *semi = memchr(v, ';', vlen);
  const char *pair_end = semi ? semi : end;
  const char *name = skip_ws(v, pair_end);
  const char *eq = memchr(name, '=', (size_t)(pair_end - name));
  if (eq == NULL)
    return -1;
  const char *name_end = trim_end(name, eq);
  const char *val = skip_ws(eq + 1, pair_end);
  const char *val_end = trim_end(val, pair_end);
  size_t nlen = (size_t)(name_end - name), valen = (size_t)(val_end - val);
  if (nlen == 0 || nlen > COOKIE_PART_MAX || valen > COOKIE_PART_MAX)
    return -1;

  cookie_attrs a = { 0 };
  read_attrs(semi ? semi + 1 : end, end, now, &a);
  if (a.domain && (a.dlen > COOKIE_PART_MAX || !domain_match(host, hlen, a.domain, a.dlen)))
    return -1; /* a server may not set cookies for another site */
  const char *dom = a.domain ? a.domain : host;
  size_t dlen = a.domain ? a.dlen : hlen;
  size_t rlen = path_len(path, plen);
  const char *cpath = a.path ? a.path : path;
  size_t cplen = a.path ? a.plen : default_path(path, rlen);
  if (cplen > COOKIE_PART_MAX)
    return -1;

  /* the same name, domain and path: replaced (or removed when expired) */
  for (crowd_fast_cookie **l = &j->first; *l; l = &(*l)->next) {
    crowd_fast_cookie *c = *l;
    const char *cp = cplen ? cpath : "/";
    size_t cpl = cplen ? cplen : 1;
    if (c->nlen == nlen && memcmp(c->data, name, nlen) == 0 && strlen(c->domain) == dlen &&
        strncasecmp(c->domain, dom, dlen) == 0 && strlen(c->path) == cpl && memcmp(c->path, cp, cpl) == 0) {
      jar_remove(j, l);
      break;
    }
  }
  if (a.expired)
    return 0;
  if (j->count >= CROWD_FAST_JAR_MAX)
    jar_remove(j, &j->first);

  crowd_fast_cookie *c = malloc(sizeof *c + nlen + valen + dlen + (cplen ? cplen : 1) + 4);
  if (c == NULL)
    return -1;
  c->next = NULL;
  c->expires = a.expires;
  c->host_only = a.domain == NULL;
  c->nlen = nlen;
  char *p = c->data;
  memcpy(p, name, nlen);
  p[nlen] = '\0';
  c->value = p + nlen + 1;
  memcpy(c->value, val, valen);
  c->value[valen] = '\0';
  c->domain = c->value + valen + 1;
  memcpy(c->domain, dom, dlen);
  c->domain[dlen] = '\0';
  c->path = c->domain + dlen + 1;
  if (cplen)
    memcpy(c->path, cpath, cplen);
  else
    c->path[cplen++] = '/';
  c->path[cplen] = '\0';
  crowd_fast_cookie **l = &j->first;
  while (*l)
    l = &(*l)->next;
  *l = c;
  j->count++;
  return 0;
}

int crowd_fast_jar_header(crowd_fast_jar *j, crowd_buf *out, const char *host, size_t hlen,
                          const char *path, size_t plen, time_t now)
{
  int n = 0;
  size_t rlen = path_len(path, plen);
  crowd_fast_cookie **l = &j->first;
  while (*l) {
    crowd_fast_cookie *c = *l;
    if (c->expires && c->expires <= now) {
      jar_remove(j, l);
      continue;
    }
    size_t dlen = strlen(c->domain);
    int host_ok = c->host_only ? (dlen == hlen && strncasecmp(c->domain, host, hlen) == 0)
                               : domain_match(host, hlen, c->domain, dlen);
    if (host_ok && path_match(rlen ? path : "/", rlen ? rlen : 1, c->path)) {
      int rc = 0;
      if (n > 0)
        rc |= crowd_buf_add(out, "; ", 2);
      rc |= crowd_buf_add(out, c->data, c->nlen);
      rc |= crowd_buf_addc(out, '=');
      rc |= crowd_buf_add(out, c->value, strlen(c->value));
      if (rc)
        return -1;
      n++;
    }
    l = &c->next;
  }
  return n;
}

void crowd_fast_jar_free(crowd_fast_jar *j)
{
  while (j->first)
    jar_remove(j, &j->first);
}
