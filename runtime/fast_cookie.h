/* fast_cookie.h — the `fast` client's cookie jar: one per user (per
 * connection object), as Locust's FastHttpUser keeps a CookieJar per user.
 *
 * Simple by design (RFC 6265 in its common subset): Set-Cookie's name=value,
 * Path (default: the request path's directory), Domain (the host and its
 * subdomains; without it, the host only), Max-Age and Expires (a cookie
 * whose time has passed is dropped, Max-Age wins).  Secure and HttpOnly are
 * accepted and not enforced (as Locust's FastHttpUser: a load test often
 * talks plain HTTP to a test server).  At most CROWD_FAST_JAR_MAX cookies
 * per jar: a new one beyond that replaces the oldest.
 *
 * Ownership: the jar owns its cookies (one allocation each), freed by
 * crowd_fast_jar_free.  Callers pass host and path as (pointer, length).
 */
#ifndef CROWD_FAST_COOKIE_H
#define CROWD_FAST_COOKIE_H

#include <stddef.h>
#include <time.h>

#include "request.h"

#define CROWD_FAST_JAR_MAX 64

typedef struct crowd_fast_cookie crowd_fast_cookie;

typedef struct crowd_fast_jar {
  crowd_fast_cookie *first; /* oldest first */
  int count;
} crowd_fast_jar;

/* Store the cookie of one Set-Cookie value received from host for a request
 * to path (its query, if any, is ignored).  0, or -1 when it was refused
 * (malformed, a Domain that does not cover host, out of memory). */
int crowd_fast_jar_set(crowd_fast_jar *j, const char *v, size_t vlen, const char *host, size_t hlen,
                       const char *path, size_t plen, time_t now);
/* Append "name=value; name2=value2" for a request to host and path to out;
 * returns how many cookies were added (0: out unchanged), -1 out of memory. */
int crowd_fast_jar_header(crowd_fast_jar *j, crowd_buf *out, const char *host, size_t hlen,
                          const char *path, size_t plen, time_t now);
void crowd_fast_jar_free(crowd_fast_jar *j);

#endif
