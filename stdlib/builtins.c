#include "config.h"

/* The runtime side of the built-in functions of builtins.def: random
 * values, time, the environment and counters here, with the helpers every
 * stdlib file shares (bi.h); strings and encodings in strings.c, hashes in
 * crypto.c, comparisons and logic in logic.c.  Each built-in writes its
 * result to *out and returns 0, or reports through crowd_task_error and
 * returns -1.  State: the process's generator (rng.h), the global counter,
 * and each user's own counter (user.h). */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <crowd/crowd.h>

#include "runtime/rng.h"
#include "runtime/shared.h"
#include "runtime/user.h"
#include "stdlib/bi.h"

/* ---- shared helpers ------------------------------------------------------ */

int crowd_bi_int(const crowd_val *v, int text, int64_t *out)
{
  if (v->type == CROWD_INT) {
    *out = v->u.i;
    return 0;
  }
  if (v->type == CROWD_NUM && v->u.n >= -9.2e18 && v->u.n <= 9.2e18 && (double)(int64_t)v->u.n == v->u.n) {
    *out = (int64_t)v->u.n;
    return 0;
  }
  if (text && v->type == CROWD_STR && v->u.s.p && strlen(v->u.s.p) == v->u.s.len) {
    const char *p = v->u.s.p;
    char *end;
    while (*p == ' ' || *p == '\t')
      p++;
    if (!(*p == '-' || *p == '+' || (*p >= '0' && *p <= '9')))
      return -1;
    errno = 0;
    long long n = strtoll(p, &end, 10);
    while (*end == ' ' || *end == '\t')
      end++;
    if (errno != 0 || end == p || *end != '\0')
      return -1;
    *out = (int64_t)n;
    return 0;
  }
  return -1;
}

int crowd_bi_num(const crowd_val *v, int text, double *out)
{
  if (v->type == CROWD_INT) {
    *out = (double)v->u.i;
    return 0;
  }
  if (v->type == CROWD_NUM) {
    *out = v->u.n;
    return 0;
  }
  if (text && v->type == CROWD_STR && v->u.s.p && v->u.s.len > 0 && v->u.s.len < 64 &&
      strlen(v->u.s.p) == v->u.s.len) {
    const char *p = v->u.s.p;
    char *end;
    /* decimal only: no hex, inf or nan, no blanks */
    for (size_t i = 0; i < v->u.s.len; i++)
      if (!strchr("0123456789+-.eE", p[i]))
        return -1;
    errno = 0;
    double d = strtod(p, &end);
    if (errno != 0 || end == p || *end != '\0' || !isfinite(d))
      return -1;
    *out = d;
    return 0;
  }
  return -1;
}

void crowd_bi_text(const crowd_val *v, char *tmp, size_t size, const char **p, size_t *len)
{
  if (v->type == CROWD_STR) {
    *p = v->u.s.p ? v->u.s.p : "";
    *len = v->u.s.p ? v->u.s.len : 0;
    return;
  }
  crowd_buf b = { 0 };
  *p = tmp;
  *len = 0;
  tmp[0] = '\0';
  if (crowd_buf_add_val(&b, v) == 0 && b.len < size) {
    memcpy(tmp, b.p, b.len + 1);
    *len = b.len;
  }
  crowd_buf_free(&b);
}

int crowd_bi_take(crowd_user *u, const char *site, const char *fn, crowd_buf *b, crowd_val *out)
{
  if (b->p == NULL && crowd_buf_add(b, "", 0) != 0) {
    crowd_task_error(u, site, "%s: out of memory", fn);
    return -1;
  }
  crowd_val_clear(out);
  out->type = CROWD_STR;
  out->u.s.p = b->p;
  out->u.s.len = b->len;
  b->p = NULL;
  b->len = b->cap = 0;
  return 0;
}

void crowd_bi_hex(const unsigned char *p, size_t n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[p[i] >> 4];
    out[2 * i + 1] = hex[p[i] & 15];
  }
  out[2 * n] = '\0';
}

/* ---- random values ------------------------------------------------------- */

int crowd_fn_random_int(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  int64_t lo, hi;
  if (nargs != 2) {
    crowd_task_error(u, site, "random-int takes 2 arguments, got %d", nargs);
    return -1;
  }
  if (crowd_bi_int(&args[0], 0, &lo) != 0 || crowd_bi_int(&args[1], 0, &hi) != 0) {
    crowd_task_error(u, site, "random-int: the bounds must be integers");
    return -1;
  }
  if (lo > hi) {
    crowd_task_error(u, site, "random-int: the lower bound %" PRId64 " is greater than the upper bound %" PRId64,
                     lo, hi);
    return -1;
  }
  /* span - 1 fits in uint64; the full range wraps to 0, which rng_below
   * reads as "any 64-bit value" */
  uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
  crowd_val_int(out, (int64_t)((uint64_t)lo + crowd_rng_below(span)));
  return 0;
}

int crowd_fn_random_float(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  double lo, hi;
  if (nargs != 2 || crowd_bi_num(&args[0], 0, &lo) != 0 || crowd_bi_num(&args[1], 0, &hi) != 0 ||
      !isfinite(lo) || !isfinite(hi)) {
    crowd_task_error(u, site, "random-float takes two numbers");
    return -1;
  }
  if (lo > hi) {
    crowd_task_error(u, site, "random-float: the lower bound %g is greater than the upper bound %g", lo, hi);
    return -1;
  }
  double r = lo + crowd_rng_double() * (hi - lo);
  crowd_val_num(out, r < hi || lo == hi ? r : lo); /* rounding never gives hi */
  return 0;
}

int crowd_fn_pick(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  if (nargs < 1 || args == NULL) {
    crowd_task_error(u, site, "pick needs at least one argument");
    return -1;
  }
  crowd_val_copy(out, &args[crowd_rng_below((uint64_t)nargs)]);
  return 0;
}

int crowd_fn_weighted_pick(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  if (nargs < 2 || nargs % 2 != 0 || args == NULL) {
    crowd_task_error(u, site, "weighted-pick takes value-weight pairs, got %d arguments", nargs);
    return -1;
  }
  double total = 0;
  for (int i = 1; i < nargs; i += 2) {
    double w;
    if (crowd_bi_num(&args[i], 0, &w) != 0 || !(w >= 0) || !isfinite(w)) {
      crowd_task_error(u, site, "weighted-pick: weight %d must be a number >= 0", i / 2 + 1);
      return -1;
    }
    total += w;
  }
  if (!(total > 0)) {
    crowd_task_error(u, site, "weighted-pick: every weight is 0");
    return -1;
  }
  double r = crowd_rng_double() * total;
  int chosen = -1;
  for (int i = 1; i < nargs; i += 2) {
    double w = 0;
    (void)crowd_bi_num(&args[i], 0, &w);
    if (w > 0)
      chosen = i - 1; /* the last positive weight takes rounding leftovers */
    if (r < w)
      break;
    r -= w;
  }
  crowd_val_copy(out, &args[chosen]);
  return 0;
}

int crowd_fn_uuid(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)u;
  (void)site;
  (void)args;
  (void)nargs;
  unsigned char b[16];
  uint64_t r0 = crowd_rng_next(), r1 = crowd_rng_next();
  for (int i = 0; i < 8; i++) {
    b[i] = (unsigned char)(r0 >> (8 * i));
    b[8 + i] = (unsigned char)(r1 >> (8 * i));
  }
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
  char hex[33], s[37];
  crowd_bi_hex(b, 16, hex);
  snprintf(s, sizeof s, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
  crowd_val_str(out, s, 36);
  return 0;
}

/* ---- time, environment, counters ------------------------------------------- */

int crowd_fn_now(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)args;
  (void)nargs;
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
    crowd_task_error(u, site, "now: clock_gettime: %s", strerror(errno));
    return -1;
  }
  crowd_val_num(out, (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6);
  return 0;
}

int crowd_fn_now_ms(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)args;
  (void)nargs;
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
    crowd_task_error(u, site, "now-ms: clock_gettime: %s", strerror(errno));
    return -1;
  }
  crowd_val_int(out, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
  return 0;
}

int crowd_fn_env(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  if (nargs < 1 || nargs > 2 || args[0].type != CROWD_STR || args[0].u.s.p == NULL ||
      strlen(args[0].u.s.p) != args[0].u.s.len) {
    crowd_task_error(u, site, "env takes a variable name and an optional default");
    return -1;
  }
  const char *v = getenv(args[0].u.s.p);
  if (v) {
    crowd_val_str(out, v, strlen(v));
    return 0;
  }
  if (nargs == 2) {
    crowd_val_copy(out, &args[1]);
    return 0;
  }
  crowd_task_error(u, site, "env: the environment variable %s is not set (give a default: (env \"%s\" \"...\"))",
                   args[0].u.s.p, args[0].u.s.p);
  return -1;
}

int crowd_fn_counter(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)args;
  (void)nargs;
  if (u == NULL) {
    crowd_task_error(u, site, "counter: no user");
    return -1;
  }
  crowd_val_int(out, ++u->counter);
  return 0;
}

/* Only the event loop's thread runs users: a plain counter is enough in
 * one process; with --processes the count is shared by all (shared.h). */
static uint64_t crowd_bi_global_count;

int crowd_fn_global_counter(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)u;
  (void)site;
  (void)args;
  (void)nargs;
  crowd_val_int(out, (int64_t)crowd_shared_take(CROWD_SHARED_GLOBAL_COUNTER, &crowd_bi_global_count) + 1);
  return 0;
}
