/* procs.h — --processes N: one event loop per core.
 *
 * The parent forks N children before any load; each runs the runner with
 * its share of the users (the global Locust dispatch, user k to child
 * k mod N), of the spawn rate and of -n, of each :arrival class's rate
 * (rate/N) and pool (:max-users/N, at least 1), and ships its stats
 * deltas every second, and at once when it completes a ramp, over a pipe
 * (stats_wire.h).  The parent sends no load: its runner merges the deltas
 * into its own stats, prints the tables, writes every report, evaluates
 * the thresholds and decides the exit code.  SIGINT and SIGTERM to the
 * parent are forwarded to the children.
 *
 * The parent gives orders on a second pipe per child: a (shape ...) runs
 * in the parent (shape.c computes the targets), and each of its ramps
 * reaches the runner's runner_ramp, which sends every child its share of
 * the target and of the rate (with the stage's user classes); stopping
 * the test (the shape's end, an :abort-on-fail threshold) orders every
 * child to stop; --reset-stats orders a reset once every child has
 * completed the ramp, and the parent drops each child's deltas until the
 * one that says it has reset.  The stdlib's global-counter and the unique
 * feeders' cursors are shared by all the processes (shared.h).
 *
 * Ownership: the module's state is static and per process (a child gets
 * its own copy at fork); the runner reaches it through the hooks below.
 */
#ifndef CROWD_PROCS_H
#define CROWD_PROCS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>

#include <crowd/crowd.h>

#include "arrival.h"
#include "dispatch.h"
#include "options.h"

struct crowd_runner;

typedef enum crowd_procs_role {
  CROWD_PROCS_NONE = 0, /* one process */
  CROWD_PROCS_PARENT,
  CROWD_PROCS_CHILD
} crowd_procs_role;

/* The number of processes to run (-1: every core), or 0 after printing a
 * usage error on err (what --processes cannot be combined with yet). */
int crowd_procs_count(const crowd_scenario_desc *sc, const crowd_options *opt, const char *prog,
                      FILE *err);

/* Fork the children and run the test; returns this process's exit code
 * (a child's own, or the parent's for the whole run). */
int crowd_procs_run(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host,
                    int nprocs);

/* True in a --processes child: the test's lifecycle events (test-start,
 * spawning, test-stop, quitting...) fire once, in the parent. */
bool crowd_procs_is_child(void);

/* ---- the runner's hooks (runner.c) ---- */

/* After the runner's setup: the parent starts reading the children, a
 * child starts shipping its deltas.  Returns this process's role. */
crowd_procs_role crowd_procs_attach(struct crowd_runner *r);
/* The parent's count of live users (the children's sum), for the reports. */
const size_t *crowd_procs_users(void);
/* spawn_cb: the class of this process's next user (crowd_dispatch_add
 * outside --processes). */
int crowd_procs_next_class(crowd_dispatch *d);
/* A ramp-down: the class of this process's last user, which stops
 * (crowd_dispatch_remove outside --processes). */
int crowd_procs_remove_class(crowd_dispatch *d);
/* spawn_cb, when a ramp reached its target: a child tells the parent at
 * once.  Nothing elsewhere. */
void crowd_procs_ramped(struct crowd_runner *r);
/* runner_ramp: the parent orders every child its share of r->target at
 * its share of r->spawn_rate and returns true; false elsewhere (the runner
 * ramps itself). */
bool crowd_procs_ramp(struct crowd_runner *r);
/* Stopping the test: the parent orders every child to stop and returns
 * true (the run ends when they have); false elsewhere. */
bool crowd_procs_stop(struct crowd_runner *r);
/* The users running: the children's sum in the parent, r->nusers
 * elsewhere (a tick's user-count). */
size_t crowd_procs_user_count(const struct crowd_runner *r);
/* The parent's :arrival totals, summed over the children into
 * sum[0..max) (scenario order); returns how many, or -1 elsewhere
 * (crowd_arrival_counts there). */
int crowd_procs_arrival_counts(const struct crowd_runner *r, crowd_arrival_count *sum, int max);
/* The parent's end summary of the :arrival classes, summed over the
 * children (nothing elsewhere: crowd_arrival_print_summary). */
void crowd_procs_print_arrivals(const struct crowd_runner *r, FILE *out);
/* After the loop, with the runner's exit code: a child ships its last
 * delta; the parent stops and waits for the children (bounded) and
 * returns the max of its code and theirs. */
int crowd_procs_detach(struct crowd_runner *r, int code);

#endif
