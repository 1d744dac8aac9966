#include "config.h"

/* The runtime side of the built-in functions (builtins.def).  Each writes
 * its result to *out and returns 0, or reports through crowd_task_error and
 * returns -1; none keeps state except the process's generator (rng.h). */

#include <inttypes.h>

#include <crowd/crowd.h>

#include "runtime/rng.h"

/* An integer argument; decimals with an integral value are accepted. */
static int int_arg(const crowd_val *v, int64_t *out)
{
  if (v->type == CROWD_INT) {
    *out = v->u.i;
    return 0;
  }
  if (v->type == CROWD_NUM && v->u.n >= -9.2e18 && v->u.n <= 9.2e18 && (double)(int64_t)v->u.n == v->u.n) {
    *out = (int64_t)v->u.n;
    return 0;
  }
  return -1;
}

int crowd_fn_random_int(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  int64_t lo, hi;
  if (nargs != 2) {
    crowd_task_error(u, site, "random-int takes 2 arguments, got %d", nargs);
    return -1;
  }
  if (int_arg(&args[0], &lo) != 0 || int_arg(&args[1], &hi) != 0) {
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

int crowd_fn_pick(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  if (nargs < 1 || args == NULL) {
    crowd_task_error(u, site, "pick needs at least one argument");
    return -1;
  }
  crowd_val_copy(out, &args[crowd_rng_below((uint64_t)nargs)]);
  return 0;
}
