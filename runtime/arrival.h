/* arrival.h — the open model: user classes with :arrival start iterations
 * at a target rate instead of looping (doc/language.md, "Arrival rates";
 * k6's constant- and ramping-arrival-rate, Gatling's injection profiles).
 *
 * An arrival runs ONE task iteration (a task chosen by weight, as a looping
 * user would choose it; no :wait after it) on an idle user of the class's
 * pool.  The pool starts with :pre-allocate users (each runs its on-start
 * once, when created) and grows up to :max-users; an arrival that finds
 * every user busy and the pool full is dropped: counted, logged (once per
 * class, then in the final summary), never queued, so the generator does
 * not silently fall behind.
 *
 * Arrival times come from the test's start: the k-th arrival is due when
 * the integral of the rate reaches k (with :poisson, exponential steps of
 * mean 1 instead of 1), so a late timer never shifts the ones after it.  A
 * request's corrected latency (measure.h) counts from its iteration's
 * intended start.
 *
 * Ownership: the runner owns the crowd_arrival (crowd_arrival_new /
 * crowd_arrival_free) and, through it, the pool users; it counts them in
 * runner->running like its own users.
 */
#ifndef CROWD_ARRIVAL_H
#define CROWD_ARRIVAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <crowd/crowd.h>

struct crowd_runner;
typedef struct crowd_user crowd_user;
typedef struct crowd_arrival crowd_arrival;

/* The open-model classes of the runner's scenario, or NULL when there are
 * none (*failed set to true when out of memory). */
crowd_arrival *crowd_arrival_new(struct crowd_runner *r, bool *failed);
/* Pre-allocate the pools and schedule the first arrivals (now). */
void crowd_arrival_start(crowd_arrival *a);
/* No more arrivals; stop the pool users (graceful: one in a task finishes
 * it), or kill them. */
void crowd_arrival_stop(crowd_arrival *a, bool graceful);
void crowd_arrival_kill(crowd_arrival *a);
void crowd_arrival_free(crowd_arrival *a);

/* user.c: u finished its iteration (or its on-start): back to the pool. */
void crowd_arrival_idle(crowd_user *u);

/* Iterations dropped so far, in all classes. */
uint64_t crowd_arrival_dropped(const crowd_arrival *a);
/* The end-of-run lines: per class, the iterations started and dropped and
 * the pool's size. */
void crowd_arrival_print_summary(const crowd_arrival *a, FILE *out);

/* --processes: each child runs rate/N with its share of the pool; the
 * parent sums the counts the children ship (stats_wire.h).  cls indexes
 * the scenario's users. */
typedef struct crowd_arrival_count {
  int cls;
  uint64_t started, dropped, pool;
} crowd_arrival_count;
/* a's classes' counts so far into out[0..max); returns how many. */
int crowd_arrival_counts(const crowd_arrival *a, crowd_arrival_count *out, int max);
/* The end-of-run lines of crowd_arrival_print_summary from counts. */
void crowd_arrival_print_counts(const crowd_scenario_desc *sc, const crowd_arrival_count *c, int n, FILE *out);

#endif
