#include "config.h"

/* Comparisons and logic (builtins.def), the conditions of if, when,
 * unless and loop-while: each gives the integer 1 or 0.  crowd_truthy is
 * what those forms test. */

#include <string.h>

#include <crowd/crowd.h>

#include "stdlib/bi.h"

int crowd_truthy(const crowd_val *v)
{
  switch (v->type) {
  case CROWD_INT:
    return v->u.i != 0;
  case CROWD_NUM:
    return v->u.n != 0;
  case CROWD_STR:
    return v->u.s.len != 0;
  case CROWD_NIL:
  default:
    return 0;
  }
}

/* -1, 0 or 1 as a compares with b; 2 when they cannot be compared (nil and
 * a value; a non-numeric text and a number).  order: for < <= > >=. */
static int compare(const crowd_val *a, const crowd_val *b, int order)
{
  double x, y;
  if (a->type == CROWD_NIL || b->type == CROWD_NIL)
    return a->type == b->type ? 0 : 2;
  if (a->type == CROWD_INT && b->type == CROWD_INT)
    return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
  /* ordering two numeric texts ("9" < "10") goes by value; = compares
   * texts byte for byte ("007" is not "7") */
  if (a->type == CROWD_STR && b->type == CROWD_STR &&
      !(order && crowd_bi_num(a, 1, &x) == 0 && crowd_bi_num(b, 1, &y) == 0)) {
    size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
    int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
    if (c == 0)
      c = a->u.s.len < b->u.s.len ? -1 : a->u.s.len > b->u.s.len;
    return c < 0 ? -1 : c > 0;
  }
  /* a number and a number or a numeric text */
  if (crowd_bi_num(a, 1, &x) != 0 || crowd_bi_num(b, 1, &y) != 0)
    return 2;
  return x < y ? -1 : x > y;
}

static int is_eq(int c) { return c == 0; }
static int is_ne(int c) { return c != 0; }
static int is_lt(int c) { return c == -1; }
static int is_le(int c) { return c == -1 || c == 0; }
static int is_gt(int c) { return c == 1; }
static int is_ge(int c) { return c == 1 || c == 0; }

static int cmp_fn(crowd_val *out, const crowd_val *args, int (*ok)(int))
{
  int order = ok != is_eq && ok != is_ne;
  crowd_val_int(out, ok(compare(&args[0], &args[1], order)));
  return 0;
}

#define CMP_BUILTIN(cname, pred)                                                               \
  int cname(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs) \
  {                                                                                            \
    (void)u;                                                                                   \
    (void)site;                                                                                \
    (void)nargs;                                                                               \
    return cmp_fn(out, args, pred);                                                            \
  }

CMP_BUILTIN(crowd_fn_eq, is_eq)
CMP_BUILTIN(crowd_fn_ne, is_ne)
CMP_BUILTIN(crowd_fn_lt, is_lt)
CMP_BUILTIN(crowd_fn_le, is_le)
CMP_BUILTIN(crowd_fn_gt, is_gt)
CMP_BUILTIN(crowd_fn_ge, is_ge)

int crowd_fn_and(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)u;
  (void)site;
  int r = 1;
  for (int i = 0; i < nargs && r; i++)
    r = crowd_truthy(&args[i]);
  crowd_val_int(out, r);
  return 0;
}

int crowd_fn_or(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)u;
  (void)site;
  int r = 0;
  for (int i = 0; i < nargs && !r; i++)
    r = crowd_truthy(&args[i]);
  crowd_val_int(out, r);
  return 0;
}

int crowd_fn_not(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)u;
  (void)site;
  (void)nargs;
  crowd_val_int(out, !crowd_truthy(&args[0]));
  return 0;
}
