/* shared.h — counters every process of a --processes run shares: the
 * stdlib's global-counter and each unique feeder's cursor (feeder.c), so
 * that a number or a row is handed out once across all the processes.
 *
 * crowd_shared_init maps one anonymous MAP_SHARED page range before the
 * children are forked (procs.c); every process then updates the same
 * C11 atomic counters.  Without it (one process) each counter is the
 * caller's own plain variable.
 *
 * Ownership: the mapping belongs to the module, lives until the process
 * exits (it is never unmapped: children inherit it) and is only created
 * once, before the fork.
 */
#ifndef CROWD_SHARED_H
#define CROWD_SHARED_H

#include <stddef.h>
#include <stdint.h>

/* The slots: the global counter, then one per feeder of the scenario. */
#define CROWD_SHARED_GLOBAL_COUNTER 0
#define CROWD_SHARED_FEEDER(i) (1 + (size_t)(i))

/* Map room for nslots counters, all 0.  0, or -1 (errno set). */
int crowd_shared_init(size_t nslots);

/* The slot's value before adding 1: the shared counter's when mapped,
 * else *local's (which is then incremented). */
uint64_t crowd_shared_take(size_t slot, uint64_t *local);

/* The slot's value (the shared counter's when mapped, else local). */
uint64_t crowd_shared_get(size_t slot, uint64_t local);

#endif
