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

#include <ev.h>

#include <crowd/crowd.h>

#include "client.h"
#include "dispatch.h"
#include "options.h"
#include "stats.h"
#include "user.h"

typedef enum crowd_runner_phase {
  CROWD_RUNNER_SPAWNING = 0,
  CROWD_RUNNER_RUNNING,
  CROWD_RUNNER_STOPPING,
  CROWD_RUNNER_STOPPED
} crowd_runner_phase;

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

  struct crowd_reports *reports; /* --csv, --json, --html... (reports.h) */
} crowd_runner;

/* Run the test; returns the process exit code. */
int crowd_runner_run(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host);

/* The tag filter of -T/-E (borrowing from opt). */
void crowd_runner_tag_filter(const crowd_options *opt, crowd_tag_filter *f);
/* --single-user: one line on stdout for a request just recorded. */
void crowd_runner_print_request(crowd_user *u, const char *err);

void crowd_runner_user_error(crowd_runner *r);
void crowd_runner_user_stopped(crowd_runner *r);

#endif
