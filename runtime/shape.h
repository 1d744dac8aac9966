/* shape.h — a (shape ...) drives the user count over time, as Locust's
 * LoadTestShape (doc/language.md, "Load shapes").
 *
 * Stages: each runs for its own duration (stages follow one another; the
 * first starts with the test): at its start the runner ramps to the
 * stage's user count at its rate (up, or down with the most recently
 * started users stopped first, honouring --stop-timeout), through the same
 * path as the web UI's /swarm.  After the last stage the test stops.  A
 * stage boundary is an ev_timer set from the test's start, so the stages
 * do not drift.
 *
 * A tick, (shape NAME (tick ...)): Locust's LoadTestShape.tick().  The
 * runtime runs it at the start and then once a second (Locust's shape loop
 * interval), at whole seconds from the start (no drift), with run-time and
 * user-count set; a result that differs from the last one ramps to it (as
 * Locust's shape_worker, which only calls start() on a changed tick); nil
 * stops the test.  A bad result (a negative or non-numeric user count, a
 * rate not above 0) is an error naming the tick's place: at the start the
 * run does not start (crowd_shape_prepare fails before any load), later
 * the test stops and the run's exit code is 1.
 *
 * User classes (:user-classes in a stage, the third item of a tick's
 * result) follow Locust's UsersDispatcher.new_dispatch: new users come from
 * the listed classes only (weights and fixed counts among them); users of
 * other classes already running keep running; a ramp-down still stops the
 * most recently started users, whatever their class; a stage without a
 * list keeps the previous stage's list (Locust passes None).
 *
 * The shape replaces -u and -r (logged once).  Each change is logged at
 * INFO, with the run time in seconds:
 *   Shape ramp: stage 2/3 at 10.00 s: 20 users at 10.00/s for 10 s
 *   Shape ramp: tick at 10.00 s: 20 users at 5.00/s
 *   Shape ramp: 20 users at 11.02 s
 * (the last when the ramp reaches the target).
 *
 * --processes (procs.c): the shape runs in the parent, timers and logs
 * as in one process; its ramps (shape_apply -> crowd_runner_swarm) reach
 * runner_ramp, which there orders every child its share of the target,
 * the rate and s->last's classes (procs.h), and a tick's user-count is the
 * children's sum (crowd_procs_user_count, the one change in shape.c for
 * it).  crowd_shape_target_at(s, t, users, &target) also computes the
 * targets without applying them (stages: a pure function of the
 * descriptor and t; a tick: runs the tick function on the shape's own
 * pseudo-user, no runner state but r->host is read).
 *
 * Ownership: the runner owns the crowd_shape (inside crowd_runner); the
 * descriptor is the scenario's static table; the tick's pseudo-user and
 * slots are the shape's, freed by crowd_shape_free.
 */
#ifndef CROWD_SHAPE_H
#define CROWD_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include <crowd/crowd.h>

struct crowd_runner;
struct crowd_user;

/* What a shape wants at one moment. */
typedef struct crowd_shape_target {
  long users;
  double rate;
  const int *classes;       /* indexes into the scenario's users; NULL: keep the classes */
  int nclasses;
  int stage;                /* stages: the stage's index; a tick: -1 */
} crowd_shape_target;

typedef struct crowd_shape {
  const crowd_shape_desc *desc;
  struct crowd_runner *runner;
  int stage;                /* the current stage; -1 before the start */
  double t0;                /* monotonic seconds at the start */
  double next_end;          /* seconds from t0 at which the stage ends */
  bool reached;             /* the current target was reached */
  bool prepared;            /* crowd_shape_prepare ran since the last start */
  ev_timer timer;
  /* a tick */
  struct crowd_user *tick_user; /* the pseudo-user the tick runs as */
  crowd_user_desc tick_desc;  /* its descriptor: the shape's name, the tick's slots */
  crowd_shape_target last;  /* the last target applied */
  bool has_last;
  crowd_shape_target first; /* the tick at 0, computed by crowd_shape_prepare */
  int first_rc;
  bool first_pending;       /* the timer's first run applies `first` */
  long ticks;               /* ticks run since the start */
} crowd_shape;

/* Ready s to start: a tick is run once, at run time 0 with 0 users, and
 * its result kept for crowd_shape_start.  0, or -1 after logging why (a
 * bad tick: the run must not start). */
int crowd_shape_prepare(crowd_shape *s, struct crowd_runner *r, const crowd_shape_desc *d);
/* --processes: the parent's check before it forks (procs.c): a tick run
 * once at run time 0 with 0 users, as crowd_shape_prepare does, on a
 * pseudo-user of its own (no runner).  0, or -1 after logging why (a bad
 * tick; an empty shape). */
int crowd_shape_check(const crowd_shape_desc *d, const char *host);
/* Start now (preparing first unless crowd_shape_prepare just ran).
 * Returns 0, or -1 (logged) for a bad tick or an empty shape. */
int crowd_shape_start(crowd_shape *s, struct crowd_runner *r, const crowd_shape_desc *d);
void crowd_shape_stop(crowd_shape *s);
/* Stop and free the tick's pseudo-user (a zeroed shape is fine). */
void crowd_shape_free(crowd_shape *s);
/* The runner's ramp reached its target: users now run. */
void crowd_shape_reached(crowd_shape *s, size_t users);
/* Seconds since the shape started. */
double crowd_shape_time(const crowd_shape *s);
/* The targets at t seconds from the start with `users` running: 1 and
 * *out, 0 when the test ends there (after the last stage; a nil tick), -1
 * for a bad tick (logged with its place). */
int crowd_shape_target_at(crowd_shape *s, double t, size_t users, crowd_shape_target *out);

#endif
