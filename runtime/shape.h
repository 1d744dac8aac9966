/* shape.h — a (shape ...) drives the user count over time, as Locust's
 * LoadTestShape with stages (doc/language.md, "Load shapes").
 *
 * Each stage runs for its own duration (stages follow one another; the
 * first starts with the test): at its start the runner ramps to the
 * stage's user count at its rate (up, or down with the most recently
 * started users stopped first, honouring --stop-timeout), through the same
 * path as the web UI's /swarm.  After the last stage the test stops.  A
 * stage boundary is an ev_timer set from the test's start, so the stages
 * do not drift.  The shape replaces -u and -r (logged once).
 *
 * Each change is logged at INFO, with the run time in seconds:
 *   Shape ramp: stage 2/3 at 10.00 s: 20 users at 10.00/s for 10 s
 *   Shape ramp: 20 users at 11.02 s
 * (the second when the ramp reaches the stage's count).
 *
 * Ownership: the runner owns the crowd_shape (inside crowd_runner) and the
 * descriptor is the scenario's static table.
 */
#ifndef CROWD_SHAPE_H
#define CROWD_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include <crowd/crowd.h>

struct crowd_runner;

typedef struct crowd_shape {
  const crowd_shape_desc *desc;
  struct crowd_runner *runner;
  int stage;                /* the current stage; -1 before the start */
  double t0;                /* monotonic seconds at the start */
  double next_end;          /* seconds from t0 at which the stage ends */
  bool reached;             /* the current stage's count was reached */
  ev_timer timer;
} crowd_shape;

/* Start stage 0 now.  Returns 0, or -1 (logged) when the runner refuses. */
int crowd_shape_start(crowd_shape *s, struct crowd_runner *r, const crowd_shape_desc *d);
void crowd_shape_stop(crowd_shape *s);
/* The runner's ramp reached its target: users now run. */
void crowd_shape_reached(crowd_shape *s, size_t users);
/* Seconds since the shape started. */
double crowd_shape_time(const crowd_shape *s);

#endif
