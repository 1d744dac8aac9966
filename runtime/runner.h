/* runner.h — the local runner: spawns users as Locust's dispatcher does,
 * enforces --run-time, handles SIGINT/SIGTERM, prints the periodic and final
 * reports, and decides the exit code.
 *
 * Ownership: crowd_runner_run creates the runner on its stack and owns the
 * event loop's watchers, the stats, the client engines, the user classes and
 * every user; all are freed before it returns.  Users reach it through the
 * fields below (read-only, except crowd_runner_user_error and
 * crowd_runner_user_stopped).
 */
#ifndef CROWD_RUNNER_H
#define CROWD_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ev.h>

#include <crowd/crowd.h>

#include "client.h"
#include "dispatch.h"
#include "options.h"
#include "shape.h"
#include "stats.h"
#include "user.h"

typedef enum crowd_runner_phase {
  CROWD_RUNNER_SPAWNING = 0,
  CROWD_RUNNER_RUNNING,
  CROWD_RUNNER_STOPPING,
  CROWD_RUNNER_STOPPED,
  CROWD_RUNNER_READY          /* web UI: waiting for a test to start */
} crowd_runner_phase;

struct crowd_web;

typedef struct crowd_runner {
  struct ev_loop *loop;
  const crowd_scenario_desc *sc;
  const crowd_options *opt;
  const char *host;
  crowd_stats *stats;
  /* the HTTP clients by crowd_client_kind, and an engine for each kind that
   * a user class uses (NULL for the others) */
  const crowd_client_ops *clients[CROWD_CLIENT_COUNT];
  void *engines[CROWD_CLIENT_COUNT];

  crowd_user_class *classes;  /* sc->nusers */
  int *name_order;            /* class indexes sorted by name */
  crowd_user **users;
  size_t nusers, cap, target; /* spawned, allocated, wanted (-u) */
  size_t running;             /* users not stopped yet */
  uint64_t user_errors;
  crowd_runner_phase phase;
  int signals;
  bool in_stop;               /* inside the stop loop */
  bool stop_forced;           /* tasks were cut: only on-stop blocks remain */

  ev_timer spawn_timer, runtime_timer, stats_timer, stop_timer;
  ev_signal sigint_watcher, sigterm_watcher, winch_watcher;

  crowd_dispatch dispatch;    /* which class spawns next (dispatch.h) */
  crowd_tag_filter tags;      /* -T / -E */
  int single;                 /* --single-user: its class, else -1 */

  /* the test's rate and run time: the options', then the web UI's /swarm */
  double spawn_rate;
  long run_time;
  /* web UI mode (not --headless): a stopped test goes back to idle, and the
   * process ends on a signal or --autoquit (webui.h) */
  struct crowd_web *web;
  bool quitting;
  ev_timer quit_timer;
  const bool *class_on;       /* the web UI's class picker, per class; NULL: all */
  crowd_user **retired;       /* stopped by a ramp-down; freed at the next start */
  size_t nretired, retired_cap;

  /* load control: a (shape ...), the open-model classes, -n (shape.h,
   * arrival.h, doc/running.md) */
  crowd_shape shape;
  bool has_shape;
  struct crowd_arrival *arrival;  /* NULL: no class has :arrival */
  uint64_t iterations;            /* task iterations started (-n) */
  ev_timer iter_timer;            /* -n reached: stop once they finish */

  /* measurement (run_measure.c) */
  struct crowd_thresholds *thresholds;
  ev_timer measure_timer;     /* every second: abort-on-fail thresholds; the CPU */
  unsigned measure_ticks;
  double cpu_at, cpu_used;    /* the last CPU sample: monotonic s, CPU s used */

  struct crowd_reports *reports; /* --csv, --json, --html... (reports.h) */
} crowd_runner;

/* Run the test; returns the process exit code. */
int crowd_runner_run(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host);

/* The tag filter of -T/-E (borrowing from opt). */
void crowd_runner_tag_filter(const crowd_options *opt, crowd_tag_filter *f);
/* --single-user: one line on stdout for a request just recorded. */
void crowd_runner_print_request(crowd_user *u, const char *err);

void crowd_runner_user_error(crowd_runner *r);

/* The web UI's entry points (webui.h), set once by crowd_main before the
 * run: programs that link the runner without the web UI (unit tests) then
 * need no libmicrohttpd.  NULL: no web UI (--headless is required). */
typedef struct crowd_runner_web_ops {
  struct crowd_web *(*start)(crowd_runner *r, FILE *err);
  void (*free)(struct crowd_web *w);
  void (*changed)(struct crowd_web *w);
} crowd_runner_web_ops;
extern const crowd_runner_web_ops *crowd_runner_web;

/* The web UI's controls (webui.c).  crowd_runner_swarm starts a test when
 * none runs (the stats cleared first, as Locust's clear_all), or ramps a
 * running one to `users` at `rate`; host is borrowed until the runner ends;
 * run_time > 0 stops the test that many seconds later.  Returns 0, or -1
 * while the test is stopping or out of memory. */
int crowd_runner_swarm(crowd_runner *r, long users, double rate, const char *host, long run_time);
void crowd_runner_stop_test(crowd_runner *r); /* stop the users, then idle */
/* The web UI's /swarm when the scenario has a (shape ...): a new test that
 * the shape drives from t = 0 (Locust's start_shape), the arrival pools
 * started too.  0; 1 when a shape test is running already (Locust: editing
 * is disabled); -2 for a bad tick at 0 (logged: nothing started); -1 while
 * stopping or out of memory. */
int crowd_runner_start_shape(crowd_runner *r, const char *host, long run_time);
bool crowd_runner_shape_running(const crowd_runner *r);
/* shape.c: new users come from these classes only (dispatch.h). */
void crowd_runner_shape_classes(crowd_runner *r, const int *classes, int n);
/* Locust's state name: ready, spawning, running, stopping or stopped. */
const char *crowd_runner_state(const crowd_runner *r);
void crowd_runner_user_stopped(crowd_runner *r);
/* user.c: a task is about to start.  false once -n/--iterations tasks have
 * started: the user stops instead (the run ends when those finish). */
bool crowd_runner_task_begins(crowd_runner *r);

/* Measurement during and after the run (run_measure.c): _init starts the
 * per-second timer (abort-on-fail thresholds, CPU samples; 0 or -1);
 * _spawned runs when every user is spawned (--reset-stats); at the end,
 * _code evaluates the thresholds and returns the exit code (breached:
 * CROWD_EXIT_THRESHOLDS, else code); _percentiles prints the percentile
 * table (--percentiles); _report prints the end summary (corrected
 * latency, --timings, CPU, thresholds) and writes --junit. */
int crowd_runner_measure_init(crowd_runner *r);
void crowd_runner_measure_spawned(crowd_runner *r);
int crowd_runner_measure_code(crowd_runner *r, int code);
void crowd_runner_measure_percentiles(crowd_runner *r, FILE *out);
void crowd_runner_measure_report(crowd_runner *r, FILE *out);
void crowd_runner_measure_free(crowd_runner *r);

#endif
