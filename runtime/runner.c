#include "config.h"

#include "runner.h"

#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "arrival.h"
#include "events.h"
#include "log.h"
#include "procs.h"
#include "reports.h"
#include "thresholds.h"

#define STATS_INTERVAL 2.0 /* seconds between periodic tables, as Locust's */
/* How long users that were stopped in the middle of a task may take to run
 * their on-stop block before they are killed (doc/running.md). */
#define ON_STOP_GRACE 1.0

static void runner_all_stopped(crowd_runner *r);
static void runner_stop(crowd_runner *r);
static void runner_retire_last(crowd_runner *r);

const crowd_runner_web_ops *crowd_runner_web = NULL;

/* ---- spawning ------------------------------------------------------------------ */

static int cmp_name_order_sc(const crowd_scenario_desc *sc, int a, int b)
{
  return strcmp(sc->users[a].name, sc->users[b].name);
}

/* Class indexes sorted by name (insertion sort: a handful of classes). */
static void sort_by_name(crowd_runner *r)
{
  int n = r->sc->nusers;
  for (int i = 0; i < n; i++)
    r->name_order[i] = i;
  for (int i = 1; i < n; i++) {
    int v = r->name_order[i], j = i - 1;
    while (j >= 0 && cmp_name_order_sc(r->sc, r->name_order[j], v) > 0) {
      r->name_order[j + 1] = r->name_order[j];
      j--;
    }
    r->name_order[j + 1] = v;
  }
}

static void log_all_spawned(const crowd_runner *r)
{
  char buf[1024];
  size_t len = 0;
  buf[0] = '\0';
  for (int k = 0; k < r->sc->nusers && len < sizeof buf; k++) {
    int i = r->name_order[k];
    int n = snprintf(buf + len, sizeof buf - len, "%s\"%s\": %ld", len ? ", " : "",
                     r->sc->users[i].name, r->classes[i].count);
    if (n < 0)
      break;
    len += (size_t)n;
  }
  crowd_log(CROWD_LOG_INFO, "crowd.runners", "All users spawned: {%s} (%zu total users)", buf, r->nusers);
}

/* Room for one more user: the array grows as users spawn, so a large -u
 * costs nothing up front. */
static int users_grow(crowd_runner *r)
{
  if (r->nusers < r->cap)
    return 0;
  size_t cap = r->cap ? r->cap * 2 : 64;
  if (cap > r->target)
    cap = r->target;
  if (cap <= r->nusers || cap > SIZE_MAX / sizeof *r->users)
    return -1;
  crowd_user **users = realloc(r->users, cap * sizeof *users);
  if (users == NULL)
    return -1;
  r->users = users;
  r->cap = cap;
  return 0;
}

static void spawn_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_runner *r = w->data;
  double rate = r->spawn_rate;
  size_t batch = rate >= 2 ? (size_t)floor(rate) : 1;
  for (size_t k = 0; k < batch && r->nusers > r->target; k++)
    runner_retire_last(r); /* a ramp-down (web UI) */
  for (size_t k = 0; k < batch && r->nusers < r->target; k++) {
    int c = crowd_procs_next_class(&r->dispatch); /* --processes: this process's share */
    if (c < 0) { /* only fixed counts, all reached */
      crowd_log(CROWD_LOG_INFO, "crowd.runners", "No user class left to spawn: %zu users", r->nusers);
      r->target = r->nusers;
      break;
    }
    crowd_user *u = users_grow(r) == 0 ? crowd_user_new(r, &r->classes[c], r->host) : NULL;
    if (u == NULL) {
      crowd_log(CROWD_LOG_ERROR, "crowd.runners", "out of memory: spawning stops at %zu users", r->nusers);
      r->target = r->nusers;
      break;
    }
    r->users[r->nusers++] = u;
    r->classes[c].count++;
    r->running++;
    crowd_user_start(u);
    if (r->phase != CROWD_RUNNER_SPAWNING)
      return; /* stopped meanwhile */
  }
  if (r->nusers == r->target) {
    ev_timer_stop(loop, w);
    r->phase = CROWD_RUNNER_RUNNING;
    log_all_spawned(r);
    crowd_events_fire(CROWD_EV_SPAWNING_COMPLETE, (long)r->nusers);
    if (r->has_shape)
      crowd_shape_reached(&r->shape, r->nusers);
    crowd_runner_measure_spawned(r);
    crowd_procs_ramped(r); /* --processes: a child tells the parent at once */
    if (r->running == 0 && r->nusers > 0)
      runner_all_stopped(r);
  }
}

/* ---- stopping ------------------------------------------------------------------ */

static void runner_finish(crowd_runner *r)
{
  r->phase = CROWD_RUNNER_STOPPED;
  crowd_events_fire(CROWD_EV_TEST_STOP, (long)r->nusers);
  ev_timer_stop(r->loop, &r->stop_timer);
  ev_timer_stop(r->loop, &r->stats_timer); /* no periodic table after the end */
  if (r->web && !r->quitting) { /* the web UI stays up */
    crowd_log(CROWD_LOG_INFO, "crowd.runners", "Test stopped");
    crowd_runner_web->changed(r->web);
    if (r->opt->autostart && r->opt->autoquit >= 0 && !ev_is_active(&r->quit_timer)) {
      ev_timer_set(&r->quit_timer, (double)r->opt->autoquit, 0.);
      ev_timer_start(r->loop, &r->quit_timer);
    }
    return;
  }
  ev_break(r->loop, EVBREAK_ALL);
}

/* Stop every user; graceful lets users inside a task finish it (stop-timeout).
 * Users then run their on-stop block. */
static void runner_stop_users(crowd_runner *r, bool graceful)
{
  r->in_stop = true;
  for (size_t i = 0; i < r->nusers; i++)
    crowd_user_stop(r->users[i], graceful);
  for (size_t i = 0; i < r->nretired; i++)
    crowd_user_stop(r->retired[i], graceful);
  crowd_arrival_stop(r->arrival, graceful);
  r->in_stop = false;
  if (!graceful)
    r->stop_forced = true;
}

/* Stop every user now, on-stop blocks included. */
static void runner_kill_users(crowd_runner *r)
{
  r->in_stop = true;
  for (size_t i = 0; i < r->nusers; i++)
    crowd_user_kill(r->users[i]);
  for (size_t i = 0; i < r->nretired; i++)
    crowd_user_kill(r->retired[i]);
  crowd_arrival_kill(r->arrival);
  r->in_stop = false;
}

/* Every user stopped on its own (a unique feeder ran out, on-start
 * failed...): nothing is left to run, the test ends. */
static void runner_all_stopped(crowd_runner *r)
{
  crowd_log(CROWD_LOG_INFO, "crowd.runners", "All users have stopped; the test ends");
  runner_stop(r);
}

/* finish_tasks (-n): users in a task finish it whatever --stop-timeout
 * says, bounded by it only when it is given. */
static void runner_stop_as(crowd_runner *r, bool finish_tasks)
{
  if (r->phase == CROWD_RUNNER_STOPPING || r->phase == CROWD_RUNNER_STOPPED)
    return;
  r->phase = CROWD_RUNNER_STOPPING;
  ev_timer_stop(r->loop, &r->spawn_timer);
  ev_timer_stop(r->loop, &r->runtime_timer);
  ev_timer_stop(r->loop, &r->iter_timer);
  if (r->has_shape)
    crowd_shape_stop(&r->shape);
  if (crowd_procs_stop(r)) /* --processes parent: the children stop; the run ends with them */
    return;
  runner_stop_users(r, finish_tasks || r->opt->stop_timeout > 0);
  if (r->running == 0) {
    runner_finish(r);
    return;
  }
  if (finish_tasks && r->opt->stop_timeout <= 0)
    return; /* no bound: the tasks finish (a second signal kills them) */
  ev_timer_set(&r->stop_timer, r->stop_forced ? ON_STOP_GRACE : (double)r->opt->stop_timeout, 0.);
  ev_timer_start(r->loop, &r->stop_timer);
}

static void runner_stop(crowd_runner *r)
{
  runner_stop_as(r, false);
}

/* -n/--iterations: the last task has started; stop once the started ones
 * have finished (the users stopped themselves before any new one). */
static void iterations_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_runner *r = w->data;
  crowd_log(CROWD_LOG_INFO, "crowd.main",
            "-n/--iterations limit reached (%ld task iterations started), stopping once they finish",
            r->opt->iterations);
  runner_stop_as(r, true);
}

bool crowd_runner_task_begins(crowd_runner *r)
{
  long n = r->opt->iterations;
  if (n <= 0)
    return true;
  if (r->iterations >= (uint64_t)n)
    return false;
  if (++r->iterations == (uint64_t)n) /* after this call returns: users may be mid-drive */
    ev_timer_start(r->loop, &r->iter_timer);
  return true;
}

/* At --stop-timeout, users still in a task are stopped and run their
 * on-stop block, within ON_STOP_GRACE; after that, everyone is killed. */
static void stop_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_runner *r = w->data;
  if (!r->stop_forced) {
    crowd_log(CROWD_LOG_INFO, "crowd.runners",
              "Not all users finished their tasks & terminated in %ld seconds. Stopping them...",
              r->opt->stop_timeout);
    runner_stop_users(r, false);
    if (r->running > 0) {
      ev_timer_set(&r->stop_timer, ON_STOP_GRACE, 0.);
      ev_timer_start(r->loop, &r->stop_timer);
      return;
    }
  } else {
    crowd_log(CROWD_LOG_INFO, "crowd.runners", "%zu users still in on-stop after %.0f s; stopping them",
              r->running, ON_STOP_GRACE);
    runner_kill_users(r);
  }
  runner_finish(r);
}

void crowd_runner_user_stopped(crowd_runner *r)
{
  if (r->running > 0)
    r->running--;
  if (r->phase == CROWD_RUNNER_STOPPING && !r->in_stop && r->running == 0)
    runner_finish(r);
  else if (r->phase == CROWD_RUNNER_RUNNING && !r->in_stop && r->running == 0 && r->nusers > 0)
    runner_all_stopped(r);
}

/* Locust's run_single_user prints each request (locust/debug.py's
 * PrintListener): type, name, response time in ms, length, the error; crowd
 * adds the status and what the request's response block saved. */
void crowd_runner_print_request(crowd_user *u, const char *err)
{
  const crowd_request *q = &u->req;
  crowd_buf saved = { 0 };
  const crowd_resp_desc *d = u->saved_from;
  for (int i = 0; d && i < d->nitems; i++) {
    const crowd_resp_item *it = &d->items[i];
    if (it->op != CROWD_OP_SAVE || it->slot < 0 || it->slot >= u->desc->nvars)
      continue;
    crowd_buf val = { 0 };
    crowd_buf_add_val(&val, &u->vars[it->slot]);
    int len = val.len > 60 ? 60 : (int)val.len;
    crowd_buf_printf(&saved, "%s%s=%.*s%s", saved.len ? " " : "",
                     u->desc->var_names ? u->desc->var_names[it->slot] : "?", len,
                     val.p ? val.p : "", val.len > 60 ? "..." : "");
    crowd_buf_free(&val);
  }
  printf("%s\t%-50s\t%-7.0f\t%" PRIu64 "\t%ld\t%-9s\t%s\n", crowd_method_name(q->method),
         q->name.p ? q->name.p : "", (double)q->response_us / 1000.0, q->content_length, q->status,
         err ? err : "", saved.p ? saved.p : "");
  fflush(stdout);
  crowd_buf_free(&saved);
}

void crowd_runner_user_error(crowd_runner *r)
{
  r->user_errors++;
}

static void runtime_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_runner *r = w->data;
  crowd_log(CROWD_LOG_INFO, "crowd.main", r->web ? "--run-time limit reached, stopping test"
                                                 : "--run-time limit reached, shutting down");
  runner_stop(r);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
  crowd_runner *r = w->data;
  r->signals++;
  crowd_log(CROWD_LOG_INFO, "crowd.main", "Got %s signal", w->signum == SIGINT ? "SIGINT" : "SIGTERM");
  r->quitting = true;
  if (r->phase == CROWD_RUNNER_READY || r->phase == CROWD_RUNNER_STOPPED) {
    ev_break(loop, EVBREAK_ALL); /* web UI, no test running */
    return;
  }
  if (r->phase == CROWD_RUNNER_STOPPING) { /* a second signal: stop at once */
    runner_kill_users(r);
    runner_finish(r);
    return;
  }
  runner_stop(r);
}

/* Locust sizes the name column from the terminal (stdout) and again on
 * SIGWINCH. */
static void winch_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
  crowd_runner *r = w->data;
  crowd_stats_set_name_width(r->stats, crowd_stats_term_name_width(1));
}

static void stats_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_runner *r = w->data;
  crowd_stats_print_table(r->stats, stderr, true, crowd_clock_wall());
}

/* ---- the web UI's controls ------------------------------------------------------------ */

/* Stop the most recently spawned user (Locust ramps down LIFO); it is
 * freed at the next start, as it may still be running its on-stop. */
static void runner_retire_last(crowd_runner *r)
{
  int c = crowd_procs_remove_class(&r->dispatch); /* --processes: this process's last */
  if (r->nretired == r->retired_cap) {
    size_t cap = r->retired_cap ? r->retired_cap * 2 : 64;
    crowd_user **p = realloc(r->retired, cap * sizeof *p);
    if (p == NULL) { /* keep the user running: the ramp-down ends here */
      crowd_log(CROWD_LOG_ERROR, "crowd.runners", "out of memory: ramp-down stops at %zu users", r->nusers);
      r->target = r->nusers;
      return;
    }
    r->retired = p;
    r->retired_cap = cap;
  }
  crowd_user *u = r->users[--r->nusers];
  r->retired[r->nretired++] = u;
  if (c >= 0 && r->classes[c].count > 0)
    r->classes[c].count--;
  crowd_user_stop(u, r->opt->stop_timeout > 0);
}

static void runner_free_users(crowd_runner *r)
{
  for (size_t i = 0; i < r->nusers; i++)
    crowd_user_free(r->users[i]);
  for (size_t i = 0; i < r->nretired; i++)
    crowd_user_free(r->retired[i]);
  r->nusers = r->nretired = 0;
  r->running = 0;
}

static void quit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_runner *r = w->data;
  crowd_log(CROWD_LOG_INFO, "crowd.main", "--autoquit time reached, shutting down");
  r->quitting = true;
  ev_break(loop, EVBREAK_ALL);
}

static int runner_classes(crowd_runner *r);

/* A new test from ready or stopped: fresh users, class tables and
 * dispatcher, the stats zeroed. */
static int runner_restart(crowd_runner *r)
{
  runner_free_users(r);
  crowd_arrival_free(r->arrival); /* the last test's pools: they point into the classes */
  r->arrival = NULL;
  if (r->has_shape)
    crowd_shape_stop(&r->shape);
  r->has_shape = false;
  for (int i = 0; i < r->sc->nusers; i++) {
    crowd_user_class_free(&r->classes[i]);
    memset(&r->classes[i], 0, sizeof r->classes[i]);
  }
  crowd_dispatch_free(&r->dispatch);
  memset(&r->dispatch, 0, sizeof r->dispatch);
  if (runner_classes(r) != 0)
    return -1;
  /* Reset rather than replaced: reporters borrow the stats.  (Locust's
   * clear_all drops the rows too; here they stay, at zero.) */
  crowd_stats_reset(r->stats, crowd_clock_wall());
  r->user_errors = 0;
  r->stop_forced = false;
  return 0;
}

/* Spawn (or stop) users towards r->target: k users per step, a step every
 * k/rate seconds, the first at once. */
static void runner_ramp(crowd_runner *r)
{
  if (crowd_procs_ramp(r)) /* --processes parent: each child ramps to its share */
    return;
  double batch = r->spawn_rate >= 2 ? floor(r->spawn_rate) : 1;
  ev_timer_stop(r->loop, &r->spawn_timer);
  ev_timer_set(&r->spawn_timer, 0., batch / r->spawn_rate);
  r->phase = CROWD_RUNNER_SPAWNING;
  ev_timer_start(r->loop, &r->spawn_timer);
}

/* Web UI: the open-model classes' pools of a new test (as headless runs
 * start them in runner_start_load). */
static void runner_start_arrivals(crowd_runner *r)
{
  bool failed;
  r->arrival = crowd_arrival_new(r, &failed);
  if (failed)
    crowd_log(CROWD_LOG_ERROR, "crowd.main", "out of memory: the :arrival classes do not run");
  crowd_arrival_start(r->arrival);
}

/* A new test from ready or stopped starts afresh (runner_restart). */
static int runner_begin(crowd_runner *r, bool fresh, const char *host)
{
  if (fresh && runner_restart(r) != 0) {
    r->phase = CROWD_RUNNER_STOPPED;
    return -1;
  }
  r->host = host;
  ev_timer_stop(r->loop, &r->quit_timer);
  return 0;
}

/* The web UI's run time for the test it starts (0: none): the timer set
 * anew from now. */
static void runner_arm_run_time(crowd_runner *r, long run_time)
{
  ev_timer_stop(r->loop, &r->runtime_timer);
  r->run_time = run_time;
  if (run_time > 0) {
    crowd_log(CROWD_LOG_INFO, "crowd.main", "Run time limit set to %ld seconds", run_time);
    ev_timer_set(&r->runtime_timer, (double)run_time, 0.);
    ev_timer_start(r->loop, &r->runtime_timer);
  }
}

int crowd_runner_swarm(crowd_runner *r, long users, double rate, const char *host, long run_time)
{
  if (r->phase == CROWD_RUNNER_STOPPING || users < 0 || !(rate > 0))
    return -1;
  bool fresh = r->phase == CROWD_RUNNER_READY || r->phase == CROWD_RUNNER_STOPPED;
  r->target = (size_t)users;
  if (runner_begin(r, fresh, host) != 0)
    return -1;
  r->spawn_rate = rate;
  if (run_time > 0 || fresh) /* an edit without a run time keeps the running one */
    runner_arm_run_time(r, run_time);
  crowd_log(CROWD_LOG_INFO, "crowd.runners", "Ramping to %ld users at a rate of %.2f per second", users, rate);
  if (fresh)
    crowd_events_fire(CROWD_EV_TEST_START, 0);
  crowd_events_fire(CROWD_EV_SPAWNING, (long)r->nusers);
  runner_ramp(r);
  if (fresh && r->web)
    runner_start_arrivals(r);
  return 0;
}

int crowd_runner_start_shape(crowd_runner *r, const char *host, long run_time)
{
  if (r->phase == CROWD_RUNNER_STOPPING || r->sc->shape == NULL)
    return -1;
  bool fresh = r->phase == CROWD_RUNNER_READY || r->phase == CROWD_RUNNER_STOPPED;
  if (!fresh) /* Locust: "There is an ongoing shape test running. Editing is disabled" */
    return 1;
  if (runner_begin(r, fresh, host) != 0)
    return -1;
  if (crowd_shape_prepare(&r->shape, r, r->sc->shape) != 0) /* a bad tick: no test */
    return -2;
  runner_arm_run_time(r, run_time);
  crowd_log(CROWD_LOG_INFO, "crowd.runners",
            "Shape test starting. User count and spawn rate are ignored for this type of load test");
  crowd_events_fire(CROWD_EV_TEST_START, 0);
  r->target = 0;
  r->phase = CROWD_RUNNER_SPAWNING; /* the shape's ramps change a running test */
  r->has_shape = crowd_shape_start(&r->shape, r, r->sc->shape) == 0;
  runner_start_arrivals(r);
  return 0;
}

bool crowd_runner_shape_running(const crowd_runner *r)
{
  return r->has_shape && (r->phase == CROWD_RUNNER_SPAWNING || r->phase == CROWD_RUNNER_RUNNING);
}

void crowd_runner_shape_classes(crowd_runner *r, const int *classes, int n)
{
  if (crowd_dispatch_set_classes(&r->dispatch, classes, n) != 0)
    crowd_log(CROWD_LOG_ERROR, "crowd.runners", "out of memory: the shape's user classes are not applied");
}

void crowd_runner_stop_test(crowd_runner *r)
{
  if (r->phase == CROWD_RUNNER_SPAWNING || r->phase == CROWD_RUNNER_RUNNING)
    runner_stop(r);
}

const char *crowd_runner_state(const crowd_runner *r)
{
  switch (r->phase) {
  case CROWD_RUNNER_SPAWNING: return "spawning";
  case CROWD_RUNNER_RUNNING: return "running";
  case CROWD_RUNNER_STOPPING: return "stopping";
  case CROWD_RUNNER_STOPPED: return "stopped";
  case CROWD_RUNNER_READY: return "ready";
  }
  return "missing";
}

/* ---- the run ---------------------------------------------------------------------- */

void crowd_runner_tag_filter(const crowd_options *opt, crowd_tag_filter *f)
{
  f->tags = opt->tags;
  f->ntags = opt->ntags;
  f->exclude = opt->exclude_tags;
  f->nexclude = opt->nexclude_tags;
}

/* The classes' task tables, filtered by -T/-E, and the dispatcher over
 * those that can run (main.c has already refused a filter that leaves
 * nothing; --single-user keeps one class). */
static int runner_classes(crowd_runner *r)
{
  const crowd_scenario_desc *sc = r->sc;
  int n = sc->nusers;
  const char **names = calloc((size_t)n, sizeof *names);
  double *weights = calloc((size_t)n, sizeof *weights);
  long *fixed = calloc((size_t)n, sizeof *fixed);
  int rc = names && weights && fixed ? 0 : -1;
  long fixed_sum = 0;
  crowd_runner_tag_filter(r->opt, &r->tags);
  for (int i = 0; i < n && rc == 0; i++) {
    const crowd_user_desc *d = &sc->users[i];
    if (crowd_user_class_init_tags(&r->classes[i], d, &r->tags) != 0) {
      rc = -1;
      break;
    }
    names[i] = d->name;
    bool runs = r->classes[i].total > 0 && (r->single < 0 || r->single == i) &&
                (r->class_on == NULL || r->class_on[i]);
    runs = runs && d->arrival == NULL; /* open-model classes arrive (arrival.h) */
    weights[i] = runs ? (r->single >= 0 ? 1.0 : d->weight) : 0;
    fixed[i] = runs && r->single < 0 && d->fixed_count > 0 ? d->fixed_count : 0;
    fixed_sum += fixed[i];
    if (r->classes[i].total == 0 && (r->single < 0 || r->single == i))
      crowd_log(CROWD_LOG_WARNING, "crowd.runners",
                "user class %s has no task it can run%s; it is not spawned", d->name,
                r->tags.ntags || r->tags.nexclude ? " after the tag filter" : "");
  }
  if (rc == 0 && fixed_sum > (long)r->target)
    crowd_log(CROWD_LOG_WARNING, "crowd.runners",
              "-u %zu is less than the sum of the fixed counts (%ld): not every fixed-count user will be spawned",
              r->target, fixed_sum);
  if (rc == 0)
    rc = crowd_dispatch_init(&r->dispatch, n, (const char *const *)names, weights, fixed);
  free(names);
  free(weights);
  free(fixed);
  return rc;
}

static int runner_init(crowd_runner *r)
{
  const crowd_scenario_desc *sc = r->sc;
  r->classes = calloc((size_t)sc->nusers, sizeof *r->classes);
  r->name_order = calloc((size_t)sc->nusers, sizeof *r->name_order);
  if (r->classes == NULL || r->name_order == NULL)
    return -1;
  if (runner_classes(r) != 0)
    return -1;
  sort_by_name(r);
  r->stats = crowd_stats_new(crowd_clock_wall());
  if (r->stats == NULL)
    return -1;
  crowd_stats_set_name_width(r->stats, crowd_stats_term_name_width(1));
  for (int i = 0; i < sc->nusers; i++) { /* the engines the classes use */
    unsigned k = (unsigned)sc->users[i].client;
    if (k >= CROWD_CLIENT_COUNT) {
      crowd_log(CROWD_LOG_CRITICAL, "crowd.runners", "user class %s: unknown HTTP client %u",
                sc->users[i].name, k);
      return -1;
    }
    if (r->engines[k] == NULL && (r->engines[k] = r->clients[k]->engine_new(r->loop)) == NULL)
      return -1;
  }
  return 0;
}

static void runner_free(crowd_runner *r)
{
  ev_timer_stop(r->loop, &r->spawn_timer);
  ev_timer_stop(r->loop, &r->runtime_timer);
  ev_timer_stop(r->loop, &r->stats_timer);
  ev_timer_stop(r->loop, &r->stop_timer);
  ev_signal_stop(r->loop, &r->sigint_watcher);
  ev_signal_stop(r->loop, &r->sigterm_watcher);
  ev_signal_stop(r->loop, &r->winch_watcher);
  ev_timer_stop(r->loop, &r->quit_timer);
  crowd_runner_measure_free(r);
  if (r->web)
    crowd_runner_web->free(r->web);
  r->web = NULL;
  runner_free_users(r);
  free(r->users);
  free(r->retired);
  /* the arrival pools' users too, before the engines their connections use */
  crowd_arrival_free(r->arrival);
  r->arrival = NULL;
  for (int k = 0; k < CROWD_CLIENT_COUNT; k++)
    if (r->engines[k])
      r->clients[k]->engine_free(r->engines[k]);
  if (r->stats)
    crowd_stats_free(r->stats);
  if (r->classes)
    for (int i = 0; i < r->sc->nusers; i++)
      crowd_user_class_free(&r->classes[i]);
  free(r->classes);
  free(r->name_order);
  crowd_dispatch_free(&r->dispatch);
  ev_timer_stop(r->loop, &r->iter_timer);
  crowd_shape_free(&r->shape);
}

static void runner_watchers(crowd_runner *r)
{
  ev_timer_init(&r->iter_timer, iterations_cb, 0., 0.);
  r->iter_timer.data = r;
  ev_timer_init(&r->spawn_timer, spawn_cb, 0., 1.);
  ev_timer_init(&r->runtime_timer, runtime_cb, (double)r->opt->run_time, 0.);
  ev_timer_init(&r->stats_timer, stats_cb, STATS_INTERVAL, STATS_INTERVAL);
  ev_timer_init(&r->stop_timer, stop_timeout_cb, 0., 0.);
  ev_timer_init(&r->quit_timer, quit_cb, 0., 0.);
  r->quit_timer.data = r;
  ev_signal_init(&r->sigint_watcher, signal_cb, SIGINT);
  ev_signal_init(&r->sigterm_watcher, signal_cb, SIGTERM);
  ev_signal_init(&r->winch_watcher, winch_cb, SIGWINCH);
  r->spawn_timer.data = r->runtime_timer.data = r->stats_timer.data = r->stop_timer.data = r;
  r->sigint_watcher.data = r->sigterm_watcher.data = r->winch_watcher.data = r;
}

/* The thresholds' results, for the JSON and HTML reports. */
static void runner_report_thresholds(crowd_runner *r)
{
  size_t n = r->thresholds ? crowd_thr_count(r->thresholds) : 0;
  crowd_report_threshold *t = n ? calloc(n, sizeof *t) : NULL;
  char (*obs)[64] = n ? calloc(n, sizeof *obs) : NULL;
  if (n && (t == NULL || obs == NULL)) {
    free(t);
    free(obs);
    return;
  }
  int aborted = n ? crowd_thr_aborted_by(r->thresholds) : -1;
  for (size_t i = 0; i < n; i++) {
    const crowd_threshold_desc *d = crowd_thr_desc(r->thresholds, i);
    t[i] = (crowd_report_threshold){ .expr = d->text, .site = d->site,
                                     .observed = crowd_thr_format(r->thresholds, i, obs[i], sizeof obs[i]),
                                     .ok = crowd_thr_passed(r->thresholds, i),
                                     .aborted = aborted >= 0 && (size_t)aborted == i };
  }
  if (r->thresholds)
    crowd_reports_set_thresholds(r->reports, t, n);
  free(t);
  free(obs);
}

/* The :arrival classes' totals for the JSON and HTML reports: this
 * process's, or the children's summed (--processes parent). */
static void runner_report_arrivals(crowd_runner *r)
{
  int max = r->sc->nusers;
  crowd_arrival_count *c = max > 0 ? calloc((size_t)max, sizeof *c) : NULL;
  if (c == NULL)
    return;
  int n = crowd_procs_arrival_counts(r, c, max);
  if (n < 0)
    n = crowd_arrival_counts(r->arrival, c, max);
  crowd_reports_set_arrivals(r->reports, c, n);
  free(c);
}

/* Headless: the shape's first stage, or -u at -r; and the open-model
 * classes' arrivals. */
static void runner_start_load(crowd_runner *r)
{
  bool failed;
  crowd_events_fire(CROWD_EV_TEST_START, 0);
  crowd_events_fire(CROWD_EV_SPAWNING, 0);
  r->arrival = crowd_arrival_new(r, &failed);
  if (failed)
    crowd_log(CROWD_LOG_ERROR, "crowd.main", "out of memory: the :arrival classes do not run");
  bool closed = false; /* a class that loops (no :arrival) can run */
  for (int i = 0; i < r->sc->nusers; i++)
    closed |= r->sc->users[i].arrival == NULL && r->classes[i].total > 0 && (r->single < 0 || r->single == i);
  if (!closed && r->arrival) {
    r->target = 0;
    r->phase = CROWD_RUNNER_RUNNING;
  } else if (r->sc->shape && r->single < 0) {
    r->has_shape = crowd_shape_start(&r->shape, r, r->sc->shape) == 0; /* prepared before */
  } else {
    crowd_log(CROWD_LOG_INFO, "crowd.runners", "Ramping to %zu users at a rate of %.2f per second",
              r->target, r->spawn_rate);
    runner_ramp(r);
  }
  crowd_arrival_start(r->arrival);
}

int crowd_runner_run(const crowd_scenario_desc *sc, const crowd_options *opt, const char *host)
{
  crowd_runner r;
  memset(&r, 0, sizeof r);
  r.sc = sc;
  r.opt = opt;
  r.host = host;
  r.clients[CROWD_CLIENT_HTTP] = &crowd_client_curl;
  r.clients[CROWD_CLIENT_FAST] = &crowd_client_fast;
  r.target = (size_t)opt->users;
  r.spawn_rate = opt->spawn_rate;
  r.run_time = opt->run_time;
  r.single = -1;
  for (int i = 0; opt->single_user && i < sc->nusers; i++)
    if (strcmp(sc->users[i].name, opt->single_user) == 0)
      r.single = i;
  if (r.single >= 0) { /* one user of that class, its requests on stdout */
    r.target = 1;
    printf("type\t%-50s\tresp_ms\tlength\tstatus\texception\tsaved\n", "name");
    fflush(stdout);
  }
  if (crowd_events_init(sc, host) != 0) { /* write-file targets: before any load */
    crowd_events_free();
    return CROWD_EXIT_NO_START;
  }
  r.loop = ev_default_loop(EVFLAG_AUTO);
  if (r.loop == NULL) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "could not initialise the event loop");
    return 1;
  }
  runner_watchers(&r);
  if (runner_init(&r) != 0 || crowd_runner_measure_init(&r) != 0) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "could not start the runner (out of memory or HTTP client setup failed)");
    runner_free(&r);
    return CROWD_EXIT_NO_START;
  }

  bool web = !opt->headless && r.single < 0; /* the web UI drives the test */
  if (!web && sc->shape && r.single < 0 && crowd_shape_prepare(&r.shape, &r, sc->shape) != 0) {
    /* the shape's tick at 0 is bad: nothing is sent */
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "could not start: shape %s gives no valid target", sc->shape->name);
    runner_free(&r);
    ev_loop_destroy(r.loop);
    crowd_events_free();
    return CROWD_EXIT_NO_START;
  }
  if (web && crowd_runner_web == NULL)
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "this program has no web UI: give --headless");
  if (web && (crowd_runner_web == NULL || (r.web = crowd_runner_web->start(&r, stderr)) == NULL)) {
    runner_free(&r);
    ev_loop_destroy(r.loop);
    return 1;
  }

  /* the file reports: first CSV rows now, then every second (reports.h) */
  if ((r.reports = crowd_reports_new(opt, sc, host, r.stats)) == NULL) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "could not start the reports (out of memory)");
    runner_free(&r);
    ev_loop_destroy(r.loop);
    return 1;
  }
  /* --processes: the parent sends no load, it merges the children's stats */
  crowd_procs_role role = crowd_procs_attach(&r);
  bool parent = role == CROWD_PROCS_PARENT;
  crowd_reports_start(r.reports, r.loop, parent ? crowd_procs_users() : &r.running);

  if (!parent) {
    ev_signal_start(r.loop, &r.sigint_watcher);
    ev_signal_start(r.loop, &r.sigterm_watcher);
  }
  ev_signal_start(r.loop, &r.winch_watcher);
  if (!opt->only_summary && r.single < 0 && (!web || opt->print_stats)) /* as Locust's */
    ev_timer_start(r.loop, &r.stats_timer);
  if (web) {
    crowd_log(CROWD_LOG_INFO, "crowd.main", "Starting crowd %s", PACKAGE_VERSION);
    r.phase = CROWD_RUNNER_READY;
    if (opt->autostart && sc->shape && crowd_runner_start_shape(&r, host, opt->run_time) != 0)
      crowd_log(CROWD_LOG_ERROR, "crowd.main", "--autostart: could not start the shape");
    else if (opt->autostart && !sc->shape &&
             crowd_runner_swarm(&r, opt->users, opt->spawn_rate, host, opt->run_time) != 0)
      crowd_log(CROWD_LOG_ERROR, "crowd.main", "--autostart: could not start the test (out of memory)");
  } else if (opt->run_time > 0 && !parent) {
    crowd_log(CROWD_LOG_INFO, "crowd.main", "Run time limit set to %ld seconds", opt->run_time);
    ev_timer_start(r.loop, &r.runtime_timer);
  }
  if (!web && !parent) {
    crowd_log(CROWD_LOG_INFO, "crowd.main", "Starting crowd %s", PACKAGE_VERSION);
    runner_start_load(&r);
  } else if (parent) { /* the test's events fire once, here (procs.h) */
    crowd_events_fire(CROWD_EV_TEST_START, 0);
    crowd_events_fire(CROWD_EV_SPAWNING, 0);
    if (sc->shape) /* its ramps are the children's (procs.h) */
      r.has_shape = crowd_shape_start(&r.shape, &r, sc->shape) == 0;
  }

  ev_run(r.loop, 0);
  if (parent)
    crowd_events_fire(CROWD_EV_TEST_STOP, (long)*crowd_procs_users());
  crowd_events_fire(CROWD_EV_QUITTING, (long)r.nusers);

  /* --processes: a child ships its last stats; the parent waits for them */
  int procs_code = crowd_procs_detach(&r, 0);
  int code = (crowd_stats_num_failures(r.stats) > 0 || r.user_errors > 0)
                 ? (int)opt->exit_code_on_error : 0;
  code = crowd_runner_measure_code(&r, code); /* thresholds breached: their code */
  code = procs_code > code ? procs_code : code;
  if (r.signals > 0 && opt->exit_code_on_interrupt >= 0) /* Locust: as if it had ended */
    code = (int)opt->exit_code_on_interrupt;
  crowd_log(CROWD_LOG_INFO, "crowd.main", "Shutting down (exit code %d)", code);
  double now = crowd_clock_wall();
  if (role != CROWD_PROCS_CHILD) { /* a child's tables are the parent's */
    crowd_stats_print_table(r.stats, stderr, false, now);
    crowd_runner_measure_percentiles(&r, stderr);
    crowd_stats_print_errors(r.stats, stderr);
    crowd_arrival_print_summary(r.arrival, stderr);
    crowd_procs_print_arrivals(&r, stderr); /* --processes: the children's, summed */
    crowd_runner_measure_report(&r, stderr);
  }
  /* every file report, complete, whatever stopped the run */
  runner_report_thresholds(&r);
  runner_report_arrivals(&r);
  crowd_reports_finish(r.reports, code);
  crowd_reports_free(r.reports);
  r.reports = NULL;
  runner_free(&r);
  ev_loop_destroy(r.loop);
  crowd_events_free();
  return code;
}
