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
#include "log.h"
#include "reports.h"

#define STATS_INTERVAL 2.0 /* seconds between periodic tables, as Locust's */
/* How long users that were stopped in the middle of a task may take to run
 * their on-stop block before they are killed (doc/running.md). */
#define ON_STOP_GRACE 1.0

static void runner_all_stopped(crowd_runner *r);
static void runner_stop(crowd_runner *r);

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
  double rate = r->opt->spawn_rate;
  size_t batch = rate >= 2 ? (size_t)floor(rate) : 1;
  for (size_t k = 0; k < batch && r->nusers < r->target; k++) {
    int c = crowd_dispatch_add(&r->dispatch);
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
  if (r->nusers >= r->target) {
    ev_timer_stop(loop, w);
    r->phase = CROWD_RUNNER_RUNNING;
    log_all_spawned(r);
    if (r->running == 0 && r->nusers > 0)
      runner_all_stopped(r);
  }
}

/* ---- stopping ------------------------------------------------------------------ */

static void runner_finish(crowd_runner *r)
{
  r->phase = CROWD_RUNNER_STOPPED;
  ev_timer_stop(r->loop, &r->stop_timer);
  ev_timer_stop(r->loop, &r->stats_timer); /* no periodic table after the end */
  ev_break(r->loop, EVBREAK_ALL);
}

/* Stop every user; graceful lets users inside a task finish it (stop-timeout).
 * Users then run their on-stop block. */
static void runner_stop_users(crowd_runner *r, bool graceful)
{
  r->in_stop = true;
  for (size_t i = 0; i < r->nusers; i++)
    crowd_user_stop(r->users[i], graceful);
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
  r->in_stop = false;
}

/* Every user stopped on its own (a unique feeder ran out, on-start
 * failed...): nothing is left to run, the test ends. */
static void runner_all_stopped(crowd_runner *r)
{
  crowd_log(CROWD_LOG_INFO, "crowd.runners", "All users have stopped; the test ends");
  runner_stop(r);
}

static void runner_stop(crowd_runner *r)
{
  if (r->phase == CROWD_RUNNER_STOPPING || r->phase == CROWD_RUNNER_STOPPED)
    return;
  r->phase = CROWD_RUNNER_STOPPING;
  ev_timer_stop(r->loop, &r->spawn_timer);
  ev_timer_stop(r->loop, &r->runtime_timer);
  runner_stop_users(r, r->opt->stop_timeout > 0);
  if (r->running == 0) {
    runner_finish(r);
    return;
  }
  ev_timer_set(&r->stop_timer, r->stop_forced ? ON_STOP_GRACE : (double)r->opt->stop_timeout, 0.);
  ev_timer_start(r->loop, &r->stop_timer);
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
  else if (r->phase == CROWD_RUNNER_RUNNING && !r->in_stop && r->running == 0)
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
  crowd_log(CROWD_LOG_INFO, "crowd.main", "--run-time limit reached, shutting down");
  runner_stop(r);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
  crowd_runner *r = w->data;
  r->signals++;
  crowd_log(CROWD_LOG_INFO, "crowd.main", "Got %s signal", w->signum == SIGINT ? "SIGINT" : "SIGTERM");
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
    bool runs = r->classes[i].total > 0 && (r->single < 0 || r->single == i);
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
  for (size_t i = 0; i < r->nusers; i++)
    crowd_user_free(r->users[i]);
  free(r->users);
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
}

static void runner_watchers(crowd_runner *r)
{
  ev_timer_init(&r->spawn_timer, spawn_cb, 0., 1.);
  ev_timer_init(&r->runtime_timer, runtime_cb, (double)r->opt->run_time, 0.);
  ev_timer_init(&r->stats_timer, stats_cb, STATS_INTERVAL, STATS_INTERVAL);
  ev_timer_init(&r->stop_timer, stop_timeout_cb, 0., 0.);
  ev_signal_init(&r->sigint_watcher, signal_cb, SIGINT);
  ev_signal_init(&r->sigterm_watcher, signal_cb, SIGTERM);
  ev_signal_init(&r->winch_watcher, winch_cb, SIGWINCH);
  r->spawn_timer.data = r->runtime_timer.data = r->stats_timer.data = r->stop_timer.data = r;
  r->sigint_watcher.data = r->sigterm_watcher.data = r->winch_watcher.data = r;
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
  r.single = -1;
  for (int i = 0; opt->single_user && i < sc->nusers; i++)
    if (strcmp(sc->users[i].name, opt->single_user) == 0)
      r.single = i;
  if (r.single >= 0) { /* one user of that class, its requests on stdout */
    r.target = 1;
    printf("type\t%-50s\tresp_ms\tlength\tstatus\texception\tsaved\n", "name");
    fflush(stdout);
  }
  r.loop = ev_default_loop(EVFLAG_AUTO);
  if (r.loop == NULL) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "could not initialise the event loop");
    return 1;
  }
  runner_watchers(&r);
  if (runner_init(&r) != 0) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "could not start the runner (out of memory or HTTP client setup failed)");
    runner_free(&r);
    return 1;
  }

  /* the file reports: first CSV rows now, then every second (reports.h) */
  if ((r.reports = crowd_reports_new(opt, sc, host, r.stats)) == NULL) {
    crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "could not start the reports (out of memory)");
    runner_free(&r);
    ev_loop_destroy(r.loop);
    return 1;
  }
  crowd_reports_start(r.reports, r.loop, &r.running);

  ev_signal_start(r.loop, &r.sigint_watcher);
  ev_signal_start(r.loop, &r.sigterm_watcher);
  ev_signal_start(r.loop, &r.winch_watcher);
  if (!opt->only_summary && r.single < 0)
    ev_timer_start(r.loop, &r.stats_timer);
  if (opt->run_time > 0) {
    crowd_log(CROWD_LOG_INFO, "crowd.main", "Run time limit set to %ld seconds", opt->run_time);
    ev_timer_start(r.loop, &r.runtime_timer);
  }
  crowd_log(CROWD_LOG_INFO, "crowd.main", "Starting crowd %s", PACKAGE_VERSION);
  crowd_log(CROWD_LOG_INFO, "crowd.runners", "Ramping to %ld users at a rate of %.2f per second",
            opt->users, opt->spawn_rate);
  /* k users per step, a step every k/rate seconds, the first at once */
  double batch = opt->spawn_rate >= 2 ? floor(opt->spawn_rate) : 1;
  r.spawn_timer.repeat = batch / opt->spawn_rate;
  r.phase = CROWD_RUNNER_SPAWNING;
  ev_timer_start(r.loop, &r.spawn_timer);

  ev_run(r.loop, 0);

  int code = (crowd_stats_num_failures(r.stats) > 0 || r.user_errors > 0)
                 ? (int)opt->exit_code_on_error : 0;
  crowd_log(CROWD_LOG_INFO, "crowd.main", "Shutting down (exit code %d)", code);
  double now = crowd_clock_wall();
  crowd_stats_print_table(r.stats, stderr, false, now);
  crowd_stats_print_percentiles(r.stats, stderr);
  crowd_stats_print_errors(r.stats, stderr);
  /* every file report, complete, whatever stopped the run */
  crowd_reports_finish(r.reports, code);
  crowd_reports_free(r.reports);
  r.reports = NULL;
  runner_free(&r);
  ev_loop_destroy(r.loop);
  return code;
}
