/* run_measure.c — the runner's measurement duties (runner.h): a timer
 * every second that checks the :abort-on-fail thresholds and samples the
 * generator's CPU usage, --reset-stats once every user is spawned, and at
 * the end the thresholds, the exit code, the end summary and --junit. */
#include "config.h"

#include "runner.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "checks.h"
#include "clock.h"
#include "junit.h"
#include "log.h"
#include "measure.h"
#include "thresholds.h"

#define MEASURE_INTERVAL 1.0 /* seconds: thresholds are checked every second */
#define CPU_EVERY 5          /* ticks between CPU samples (Locust: 5 s in 2.x, 10 s now) */

/* User + system CPU seconds of the process so far, or -1. */
static double cpu_seconds(void)
{
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return -1;
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void sample_cpu(crowd_runner *r)
{
  double now = crowd_clock_mono(), used = cpu_seconds();
  if (used < 0) {
    crowd_log(CROWD_LOG_DEBUG, "crowd.runners", "getrusage: %s", strerror(errno));
    return;
  }
  if (r->cpu_at > 0 && now > r->cpu_at) {
    double pct = (used - r->cpu_used) / (now - r->cpu_at) * 100.0;
    if (crowd_stats_note_cpu(r->stats, pct))
      crowd_log(CROWD_LOG_WARNING, "crowd.runners",
                "The load generator's CPU usage is above %.0f%% (%.0f%%): it may be sending less load "
                "than asked, and the response times it measures include time requests spent waiting "
                "for it. Use fewer users per process, or more processes (doc/running.md)",
                CROWD_MEASURE_CPU_WARN, pct);
  }
  r->cpu_at = now;
  r->cpu_used = used;
}

static void measure_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_runner *r = w->data;
  if (++r->measure_ticks % CPU_EVERY == 0)
    sample_cpu(r);
  if (r->phase != CROWD_RUNNER_SPAWNING && r->phase != CROWD_RUNNER_RUNNING)
    return;
  if (!crowd_thr_any_abort(r->thresholds))
    return;
  double elapsed = crowd_clock_wall() - crowd_stats_start_time(r->stats);
  int i = crowd_thr_check_abort(r->thresholds, r->stats, elapsed);
  if (i < 0)
    return;
  const crowd_threshold_desc *d = crowd_thr_desc(r->thresholds, (size_t)i);
  double v = 0;
  char label[32], val[64];
  crowd_thr_observe(d, r->stats, &v);
  crowd_log(CROWD_LOG_WARNING, "crowd.runners",
            "Threshold %s crossed (%s=%s) and it has :abort-on-fail: stopping the test", d->text,
            crowd_thr_metric_label(d, label, sizeof label), crowd_thr_format_value(d, v, val, sizeof val));
  crowd_runner_stop_test(r);
}

int crowd_runner_measure_init(crowd_runner *r)
{
  r->thresholds = crowd_thr_new(r->sc->thresholds, r->sc->nthresholds);
  if (r->thresholds == NULL || crowd_checks_init(r->sc->checks, r->sc->nchecks) != 0)
    return -1;
  ev_timer_init(&r->measure_timer, measure_cb, MEASURE_INTERVAL, MEASURE_INTERVAL);
  r->measure_timer.data = r;
  ev_timer_start(r->loop, &r->measure_timer);
  sample_cpu(r); /* the baseline */
  return 0;
}

void crowd_runner_measure_spawned(crowd_runner *r)
{
  if (!r->opt->reset_stats)
    return;
  crowd_log(CROWD_LOG_INFO, "crowd.runners", "Resetting stats");
  crowd_stats_reset(r->stats, crowd_clock_wall());
  crowd_checks_reset();
}

int crowd_runner_measure_code(crowd_runner *r, int code)
{
  if (crowd_clock_mono() - r->cpu_at >= 1.0)
    sample_cpu(r); /* the last stretch, so that even a short run has a sample */
  crowd_thr_evaluate(r->thresholds, r->stats);
  size_t failed = crowd_thr_failed(r->thresholds);
  if (failed == 0)
    return code;
  crowd_log(CROWD_LOG_INFO, "crowd.main", "%zu of %zu thresholds breached", failed,
            crowd_thr_count(r->thresholds));
  return CROWD_EXIT_THRESHOLDS;
}

/* ✓ and ✗ only for a terminal that speaks UTF-8. */
static bool utf8_terminal(void)
{
  if (!isatty(2))
    return false;
  const char *cs = setlocale(LC_CTYPE, NULL);
  const char *env = getenv("LC_ALL");
  if (!env || !*env)
    env = getenv("LC_CTYPE");
  if (!env || !*env)
    env = getenv("LANG");
  return (cs && (strstr(cs, "UTF-8") || strstr(cs, "utf8"))) ||
         (env && (strstr(env, "UTF-8") || strstr(env, "utf8") || strstr(env, "utf-8")));
}

/* --percentiles, else Locust's list. */
static const double *percentiles(const crowd_options *o, size_t *n)
{
  *n = o->npercentiles ? (size_t)o->npercentiles : crowd_stats_n_default_percentiles;
  return o->npercentiles ? o->percentiles : crowd_stats_default_percentiles;
}

void crowd_runner_measure_percentiles(crowd_runner *r, FILE *out)
{
  size_t n;
  const double *pcts = percentiles(r->opt, &n);
  crowd_stats_print_percentiles_of(r->stats, out, "Response time percentiles (approximated)", pcts, n,
                                   crowd_stats_entry_hist);
}

void crowd_runner_measure_report(crowd_runner *r, FILE *out)
{
  const crowd_options *o = r->opt;
  size_t n;
  const double *pcts = percentiles(o, &n);
  crowd_measure_print_corrected(r->stats, out, pcts, n);
  if (o->timings)
    crowd_measure_print_timings(r->stats, out);
  crowd_measure_print_cpu(r->stats, out);
  crowd_thr_print_summary(r->thresholds, out, utf8_terminal());
  crowd_checks_print_summary(out, utf8_terminal());
  if (o->junit) {
    char err[512];
    double duration = crowd_clock_wall() - crowd_stats_start_time(r->stats);
    if (crowd_junit_write(o->junit, r->sc->name, duration, r->stats, r->thresholds, err, sizeof err) != 0)
      crowd_log(CROWD_LOG_ERROR, "crowd.main", "--junit: %s", err);
  }
}

void crowd_runner_measure_free(crowd_runner *r)
{
  ev_timer_stop(r->loop, &r->measure_timer);
  crowd_thr_free(r->thresholds);
  r->thresholds = NULL;
}
