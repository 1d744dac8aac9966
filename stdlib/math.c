#include "config.h"

/* Arithmetic (builtins.def): + - * / floor min max.  Integers stay
 * integers through + - * (a decimal argument, or an integer overflow, makes
 * the result a decimal); / always gives a decimal.  A numeric text counts
 * as its number, as in the comparisons; anything else is an error of the
 * task (or of the shape's tick). */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include <crowd/crowd.h>

#include "stdlib/bi.h"

typedef enum math_op { MATH_ADD, MATH_SUB, MATH_MUL, MATH_DIV } math_op;

static const char *const math_names[] = { "+", "-", "*", "/" };

/* Argument i as a double; -1 after reporting a value that is no number. */
static int math_arg(crowd_user *u, const char *site, const char *fn, const crowd_val *args, int i, double *d)
{
  if (crowd_bi_num(&args[i], 1, d) == 0)
    return 0;
  crowd_task_error(u, site, "%s: argument %d is not a number (%s)", fn, i + 1,
                   args[i].type == CROWD_NIL ? "nil" : "a text");
  return -1;
}

/* Integers only, without overflow: 0 and the result in *out; else -1. */
static int math_ints(math_op op, const crowd_val *args, int nargs, int64_t *out)
{
  for (int i = 0; i < nargs; i++)
    if (args[i].type != CROWD_INT)
      return -1;
  int64_t r = args[0].u.i;
  if (nargs == 1 && op == MATH_SUB)
    return __builtin_sub_overflow((int64_t)0, r, out) ? -1 : 0;
  for (int i = 1; i < nargs; i++) {
    int64_t b = args[i].u.i;
    bool ovf = op == MATH_ADD   ? __builtin_add_overflow(r, b, &r)
               : op == MATH_SUB ? __builtin_sub_overflow(r, b, &r)
                                : __builtin_mul_overflow(r, b, &r);
    if (ovf)
      return -1;
  }
  *out = r;
  return 0;
}

static int math_fold(math_op op, crowd_user *u, const char *site, crowd_val *out, const crowd_val *args,
                     int nargs)
{
  const char *fn = math_names[op];
  int64_t i;
  if (nargs < 1 || args == NULL) {
    crowd_task_error(u, site, "%s needs at least one number", fn);
    return -1;
  }
  if (op != MATH_DIV && math_ints(op, args, nargs, &i) == 0) {
    crowd_val_int(out, i);
    return 0;
  }
  double r;
  if (math_arg(u, site, fn, args, 0, &r) != 0)
    return -1;
  if (nargs == 1 && op == MATH_SUB)
    r = -r;
  for (int k = 1; k < nargs; k++) {
    double b;
    if (math_arg(u, site, fn, args, k, &b) != 0)
      return -1;
    if (op == MATH_DIV && b == 0) {
      crowd_task_error(u, site, "/: division by zero (argument %d)", k + 1);
      return -1;
    }
    r = op == MATH_ADD ? r + b : op == MATH_SUB ? r - b : op == MATH_MUL ? r * b : r / b;
  }
  if (!isfinite(r)) {
    crowd_task_error(u, site, "%s: the result is too large", fn);
    return -1;
  }
  crowd_val_num(out, r);
  return 0;
}

int crowd_fn_add(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  return math_fold(MATH_ADD, u, site, out, args, nargs);
}

int crowd_fn_sub(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  return math_fold(MATH_SUB, u, site, out, args, nargs);
}

int crowd_fn_mul(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  return math_fold(MATH_MUL, u, site, out, args, nargs);
}

int crowd_fn_div(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  return math_fold(MATH_DIV, u, site, out, args, nargs);
}

int crowd_fn_floor(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  double d;
  if (nargs != 1 || math_arg(u, site, "floor", args, 0, &d) != 0)
    return -1;
  if (args[0].type == CROWD_INT) {
    crowd_val_int(out, args[0].u.i);
    return 0;
  }
  d = floor(d);
  if (!(d >= -9.2e18 && d <= 9.2e18)) {
    crowd_task_error(u, site, "floor: %g is out of the integers' range", d);
    return -1;
  }
  crowd_val_int(out, (int64_t)d);
  return 0;
}

/* min (sign -1) or max (sign 1): the chosen argument, as it was given. */
static int math_pick(crowd_user *u, const char *site, const char *fn, int sign, crowd_val *out,
                     const crowd_val *args, int nargs)
{
  if (nargs < 1 || args == NULL) {
    crowd_task_error(u, site, "%s needs at least one number", fn);
    return -1;
  }
  int best = 0;
  double bd;
  if (math_arg(u, site, fn, args, 0, &bd) != 0)
    return -1;
  for (int k = 1; k < nargs; k++) {
    double d;
    if (math_arg(u, site, fn, args, k, &d) != 0)
      return -1;
    if (sign * (d - bd) > 0) {
      best = k;
      bd = d;
    }
  }
  if (args[best].type == CROWD_STR)
    crowd_val_num(out, bd); /* a numeric text gives its number */
  else
    crowd_val_copy(out, &args[best]);
  return 0;
}

int crowd_fn_min(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  return math_pick(u, site, "min", -1, out, args, nargs);
}

int crowd_fn_max(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  return math_pick(u, site, "max", 1, out, args, nargs);
}
