/* report_json.c — the JSON reports: Locust's shape (--json, --json-file:
 * a list of StatsEntryDict, LOCUST-COMPAT.md §3 and §6.6) and crowd's full
 * schema (--report-json, doc/reports.md).  Indented as Python's
 * json.dumps(indent=4). */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "checks.h"
#include "measure.h"
#include "report_fmt.h"
#include "report_impl.h"

/* ---- a small indenting writer ---- */

struct jw {
    FILE *f;
    int depth;
    bool first; /* no member written yet at this depth */
};

static void jw_nl(struct jw *w)
{
    fputc('\n', w->f);
    for (int i = 0; i < w->depth * 4; i++)
        fputc(' ', w->f);
}

static void jw_open(struct jw *w, char c)
{
    fputc(c, w->f);
    w->depth++;
    w->first = true;
}

static void jw_close(struct jw *w, char c)
{
    w->depth--;
    if (!w->first)
        jw_nl(w);
    fputc(c, w->f);
    w->first = false;
}

/* Before an array item. */
static void jw_item(struct jw *w)
{
    if (!w->first)
        fputc(',', w->f);
    jw_nl(w);
    w->first = false;
}

static void jw_key(struct jw *w, const char *k)
{
    jw_item(w);
    crowd_fmt_json_string(w->f, k);
    fputs(": ", w->f);
}

static void jw_str(struct jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    crowd_fmt_json_string(w->f, v ? v : "");
}

static void jw_u64(struct jw *w, const char *k, uint64_t v)
{
    jw_key(w, k);
    fprintf(w->f, "%" PRIu64, v);
}

static void jw_float(struct jw *w, const char *k, double v)
{
    char buf[40];
    jw_key(w, k);
    fputs(isfinite(v) ? crowd_fmt_pyfloat(buf, v) : "null", w->f);
}

static void jw_null(struct jw *w, const char *k)
{
    jw_key(w, k);
    fputs("null", w->f);
}

/* ---- Locust's shape ---- */

/* Locust's bucket of a response time in ms (2 significant digits, Python's
 * round half to even). */
static long locust_bucket(double ms)
{
    if (ms < 100)
        return (long)rint(ms);
    if (ms < 1000)
        return (long)rint(ms / 10) * 10;
    if (ms < 10000)
        return (long)rint(ms / 100) * 100;
    return (long)rint(ms / 1000) * 1000;
}

/* response_times: crowd's buckets regrouped into Locust's, by midpoint. */
static void locust_response_times(struct jw *w, const crowd_hist *h)
{
    jw_key(w, "response_times");
    jw_open(w, '{');
    long key = -1;
    uint64_t sum = 0;
    for (size_t i = 0; i <= CROWD_HIST_BUCKETS; i++) {
        long k = -1;
        if (i < CROWD_HIST_BUCKETS) {
            if (h->counts[i] == 0)
                continue;
            uint64_t lo, hi;
            crowd_hist_bucket_range(i, &lo, &hi);
            k = locust_bucket(((double)lo + (double)hi) / 2000.0);
        }
        if (k != key && key >= 0) {
            char name[32];
            snprintf(name, sizeof name, "%ld", key);
            jw_u64(w, name, sum);
            sum = 0;
        }
        if (i < CROWD_HIST_BUCKETS) {
            key = k;
            sum += h->counts[i];
        }
    }
    jw_close(w, '}');
}

/* The key of a history point: the wall-clock second its span began (the
 * ticks fall just after whole seconds). */
static long point_second(const crowd_history_point *p)
{
    return (long)floor(p->start);
}

/* num_reqs_per_sec / num_fail_per_sec from the history (ticks fall on
 * wall-clock seconds); points of the same second are summed. */
static void per_sec(struct jw *w, const char *k, const crowd_history_point *pts, size_t n, bool fails)
{
    jw_key(w, k);
    jw_open(w, '{');
    long key = LONG_MIN;
    uint64_t sum = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && point_second(&pts[i]) <= key) {
            sum += fails ? pts[i].failures : pts[i].requests;
            continue;
        }
        if (key != LONG_MIN && sum > 0) {
            char name[32];
            snprintf(name, sizeof name, "%ld", key);
            jw_u64(w, name, sum);
        }
        if (i < n) {
            key = point_second(&pts[i]);
            sum = fails ? pts[i].failures : pts[i].requests;
        }
    }
    jw_close(w, '}');
}

static void locust_entry(const crowd_reports *rep, struct jw *w, const crowd_stats_entry *e, size_t idx)
{
    const crowd_hist *h = crowd_stats_entry_hist(e);
    double last = crowd_stats_entry_last_request_time(e);
    jw_item(w);
    jw_open(w, '{');
    jw_str(w, "name", crowd_stats_entry_name(e));
    jw_str(w, "method", crowd_stats_entry_method(e));
    if (last > 0)
        jw_float(w, "last_request_timestamp", last);
    else
        jw_null(w, "last_request_timestamp");
    jw_float(w, "start_time", crowd_stats_start_time(rep->st));
    jw_u64(w, "num_requests", crowd_stats_entry_num_requests(e));
    jw_u64(w, "num_none_requests", 0);
    jw_u64(w, "num_failures", crowd_stats_entry_num_failures(e));
    jw_float(w, "total_response_time", crowd_hist_sum(h) / 1000.0);
    jw_float(w, "max_response_time", (double)crowd_hist_max(h) / 1000.0);
    if (crowd_hist_count(h))
        jw_float(w, "min_response_time", (double)crowd_hist_min(h) / 1000.0);
    else
        jw_null(w, "min_response_time");
    jw_u64(w, "total_content_length", crowd_stats_entry_total_content_length(e));
    locust_response_times(w, h);
    size_t n;
    const crowd_history_point *pts = crowd_history_points(rep->hist, idx, &n);
    per_sec(w, "num_reqs_per_sec", pts, n, false);
    per_sec(w, "num_fail_per_sec", pts, n, true);
    jw_close(w, '}');
}

void crowd_report_json_locust(const crowd_reports *rep, FILE *f)
{
    struct jw w = { .f = f };
    jw_open(&w, '[');
    size_t n = crowd_stats_entry_count(rep->st);
    for (size_t i = 0; i < n; i++) {
        const crowd_stats_entry *e = crowd_stats_entry_at(rep->st, i);
        if (crowd_stats_entry_num_requests(e) || crowd_stats_entry_num_failures(e))
            locust_entry(rep, &w, e, i);
    }
    jw_close(&w, ']');
    fputc('\n', f);
}

/* ---- crowd's full schema (doc/reports.md) ---- */

static void ms_or_null(struct jw *w, const char *k, bool have, double us)
{
    if (have)
        jw_float(w, k, us / 1000.0);
    else
        jw_null(w, k);
}

static void full_history(struct jw *w, const crowd_history_point *pts, size_t n)
{
    jw_key(w, "history");
    jw_open(w, '[');
    for (size_t i = 0; i < n; i++) {
        const crowd_history_point *p = &pts[i];
        jw_item(w);
        jw_open(w, '{');
        jw_float(w, "start", p->start);
        jw_float(w, "time", p->time);
        jw_u64(w, "span", p->span);
        jw_u64(w, "users", p->users);
        jw_float(w, "rps", p->rps);
        jw_float(w, "fail_per_sec", p->fail_per_sec);
        ms_or_null(w, "p50_ms", p->p50_ms >= 0, p->p50_ms * 1000.0);
        ms_or_null(w, "p95_ms", p->p95_ms >= 0, p->p95_ms * 1000.0);
        jw_float(w, "avg_ms", p->avg_ms);
        jw_u64(w, "requests", p->requests);
        jw_u64(w, "failures", p->failures);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void full_histogram(struct jw *w, const crowd_hist *h)
{
    jw_key(w, "histogram_us");
    jw_open(w, '[');
    for (size_t i = 0; i < CROWD_HIST_BUCKETS; i++) {
        if (h->counts[i] == 0)
            continue;
        uint64_t lo, hi;
        crowd_hist_bucket_range(i, &lo, &hi);
        jw_item(w);
        fprintf(w->f, "[%" PRIu64 ", %" PRIu64 ", %" PRIu64 "]", lo, hi, h->counts[i]);
    }
    jw_close(w, ']');
}

/* The timing breakdown and the corrected latency (measure.h), null when
 * the entry has none. */
static void full_measure(struct jw *w, const crowd_stats_entry *e)
{
    const crowd_hist *ttfb = crowd_measure_ttfb_hist(e);
    jw_key(w, "timings_ms");
    if (crowd_measure_timed(e) == 0) {
        fputs("null", w->f);
    } else {
        jw_open(w, '{');
        jw_u64(w, "timed_requests", crowd_measure_timed(e));
        for (int p = 0; p < CROWD_PHASE_COUNT; p++) {
            jw_key(w, crowd_measure_phase_name((crowd_phase)p));
            jw_open(w, '{');
            jw_float(w, "avg", crowd_measure_phase_avg(e, (crowd_phase)p) / 1000.0);
            jw_float(w, "max", (double)crowd_measure_phase_max(e, (crowd_phase)p) / 1000.0);
            if (p == CROWD_PHASE_TTFB && ttfb) {
                jw_key(w, "percentiles");
                jw_open(w, '{');
                for (size_t i = 0; i < CROWD_REPORT_NPCT; i++)
                    jw_float(w, crowd_report_pct_label[i], crowd_hist_percentile(ttfb, crowd_report_pct[i]) / 1000.0);
                jw_close(w, '}');
            }
            jw_close(w, '}');
        }
        jw_close(w, '}');
    }
    const crowd_hist *c = crowd_measure_corrected_hist(e);
    jw_key(w, "corrected_response_time_ms");
    if (c == NULL) {
        fputs("null", w->f);
        return;
    }
    jw_open(w, '{');
    jw_u64(w, "count", crowd_hist_count(c));
    jw_float(w, "avg", crowd_hist_mean(c) / 1000.0);
    jw_float(w, "max", (double)crowd_hist_max(c) / 1000.0);
    jw_key(w, "percentiles");
    jw_open(w, '{');
    for (size_t i = 0; i < CROWD_REPORT_NPCT; i++)
        jw_float(w, crowd_report_pct_label[i], crowd_hist_percentile(c, crowd_report_pct[i]) / 1000.0);
    jw_close(w, '}');
    jw_close(w, '}');
}

static void full_entry(crowd_reports *rep, struct jw *w, const crowd_stats_entry *e, size_t idx)
{
    const crowd_hist *h = crowd_stats_entry_hist(e);
    uint64_t n = crowd_stats_entry_num_requests(e);
    bool have = crowd_hist_count(h) > 0;
    double now = rep->end_wall;
    jw_open(w, '{');
    jw_str(w, "method", crowd_stats_entry_method(e));
    jw_str(w, "name", crowd_stats_entry_name(e));
    jw_u64(w, "num_requests", n);
    jw_u64(w, "num_failures", crowd_stats_entry_num_failures(e));
    jw_float(w, "fail_ratio", crowd_stats_entry_fail_ratio(e));
    jw_u64(w, "total_content_length", crowd_stats_entry_total_content_length(e));
    jw_float(w, "avg_content_length",
             n ? (double)crowd_stats_entry_total_content_length(e) / (double)n : 0.0);
    jw_float(w, "total_rps", crowd_stats_entry_total_rps(rep->st, e));
    jw_float(w, "total_fail_per_sec", crowd_stats_entry_total_fail_per_sec(rep->st, e));
    jw_float(w, "current_rps", crowd_stats_entry_current_rps(rep->st, e, now));
    jw_float(w, "current_fail_per_sec", crowd_stats_entry_current_fail_per_sec(rep->st, e, now));
    double first = crowd_stats_entry_first_request_time(e), last = crowd_stats_entry_last_request_time(e);
    if (first > 0)
        jw_float(w, "first_request_time", first);
    else
        jw_null(w, "first_request_time");
    if (last > 0)
        jw_float(w, "last_request_time", last);
    else
        jw_null(w, "last_request_time");
    jw_key(w, "response_time_ms");
    jw_open(w, '{');
    ms_or_null(w, "min", have, (double)crowd_hist_min(h));
    ms_or_null(w, "max", have, (double)crowd_hist_max(h));
    ms_or_null(w, "avg", have, crowd_hist_mean(h));
    ms_or_null(w, "median", have, crowd_hist_percentile(h, 0.5));
    jw_key(w, "percentiles");
    jw_open(w, '{');
    for (size_t i = 0; i < CROWD_REPORT_NPCT; i++)
        ms_or_null(w, crowd_report_pct_label[i], have, crowd_hist_percentile(h, crowd_report_pct[i]));
    jw_close(w, '}');
    jw_close(w, '}');
    full_measure(w, e);
    full_histogram(w, h);
    size_t np;
    const crowd_history_point *pts = crowd_history_points(rep->hist, idx, &np);
    full_history(w, pts, np);
    jw_close(w, '}');
}

static void full_errors(struct jw *w, const char *key, const crowd_stats *st, bool exceptions)
{
    jw_key(w, key);
    jw_open(w, '[');
    size_t n = exceptions ? crowd_stats_exception_count(st) : crowd_stats_error_count(st);
    for (size_t i = 0; i < n; i++) {
        const crowd_stats_error *e = exceptions ? crowd_stats_exception_at(st, i) : crowd_stats_error_at(st, i);
        jw_item(w);
        jw_open(w, '{');
        if (exceptions) {
            jw_str(w, "message", crowd_stats_error_message(e));
            jw_str(w, "traceback", crowd_stats_error_name(e));
            jw_u64(w, "count", crowd_stats_error_occurrences(e));
        } else {
            jw_str(w, "method", crowd_stats_error_method(e));
            jw_str(w, "name", crowd_stats_error_name(e));
            jw_str(w, "error", crowd_stats_error_message(e));
            jw_u64(w, "occurrences", crowd_stats_error_occurrences(e));
        }
        jw_float(w, "first_seen", crowd_stats_error_first_seen(e));
        jw_float(w, "last_seen", crowd_stats_error_last_seen(e));
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void full_meta(crowd_reports *rep, struct jw *w)
{
    const crowd_options *o = rep->opt;
    jw_str(w, "crowd_version", PACKAGE_VERSION);
    jw_key(w, "scenario");
    jw_open(w, '{');
    jw_str(w, "name", rep->sc->name);
    jw_str(w, "source", rep->sc->source);
    jw_close(w, '}');
    jw_str(w, "host", rep->host);
    jw_key(w, "options");
    jw_open(w, '{');
    jw_u64(w, "users", (uint64_t)o->users);
    jw_float(w, "spawn_rate", o->spawn_rate);
    jw_u64(w, "run_time", (uint64_t)o->run_time);
    jw_close(w, '}');
    jw_float(w, "start_time", rep->start_wall);
    jw_float(w, "end_time", rep->end_wall);
    jw_float(w, "duration", rep->end_wall - rep->start_wall);
    jw_key(w, "exit_code");
    fprintf(w->f, "%d", rep->exit_code);
    /* the generator itself: behind its schedule, CPU (measure.h) */
    jw_key(w, "generator");
    jw_open(w, '{');
    jw_u64(w, "paced_task_starts", crowd_measure_paced_starts(rep->st));
    jw_u64(w, "late_task_starts", crowd_measure_late_starts(rep->st));
    jw_float(w, "max_schedule_lag_ms", (double)crowd_measure_max_lag_us(rep->st) / 1000.0);
    jw_u64(w, "cpu_samples", crowd_measure_cpu_samples(rep->st));
    jw_float(w, "cpu_max_percent", crowd_measure_cpu_max(rep->st));
    jw_key(w, "cpu_warning");
    fputs(crowd_measure_cpu_warning(rep->st) ? "true" : "false", w->f);
    uint64_t dropped = 0; /* the :arrival classes' (arrival.h), 0 without any */
    for (int i = 0; i < rep->narrivals; i++)
        dropped += rep->arrivals[i].dropped;
    jw_u64(w, "dropped_iterations", dropped);
    jw_close(w, '}');
}

static void full_thresholds(crowd_reports *rep, struct jw *w)
{
    jw_key(w, "thresholds");
    if (!rep->have_thresholds) {
        fputs("null", w->f);
        return;
    }
    jw_open(w, '[');
    for (size_t i = 0; i < rep->nthresholds; i++) {
        const struct report_threshold *t = &rep->thresholds[i];
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "threshold", t->expr);
        jw_str(w, "observed", t->observed);
        jw_str(w, "site", t->site);
        jw_key(w, "ok");
        fputs(t->ok ? "true" : "false", w->f);
        jw_key(w, "aborted_run");
        fputs(t->aborted ? "true" : "false", w->f);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

/* Every (expect ...) check with its counts (checks.h); [] without any. */
static void full_checks(struct jw *w)
{
    jw_key(w, "checks");
    jw_open(w, '[');
    for (size_t i = 0; i < crowd_checks_n(); i++) {
        const crowd_check_desc *d = crowd_checks_desc(i);
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "check", d->label);
        jw_str(w, "site", d->site);
        jw_u64(w, "passes", crowd_checks_passes(i));
        jw_u64(w, "fails", crowd_checks_fails(i));
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

/* A ramping-rate profile: where it starts and each stage's end. */
static void full_ramp(struct jw *w, const crowd_arrival_desc *d)
{
    jw_key(w, "ramp");
    if (d->kind != CROWD_ARRIVAL_RAMPING) {
        fputs("null", w->f);
        return;
    }
    jw_open(w, '{');
    jw_float(w, "start_rate", d->start_rate);
    jw_key(w, "stages");
    jw_open(w, '[');
    for (int i = 0; i < d->nstages; i++) {
        jw_item(w);
        jw_open(w, '{');
        jw_float(w, "duration", d->stages[i].duration);
        jw_float(w, "rate", d->stages[i].rate);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

/* The :arrival classes: the profile and the run's totals (summed over the
 * processes of a --processes run); [] without any. */
static void full_arrivals(crowd_reports *rep, struct jw *w)
{
    jw_key(w, "arrivals");
    jw_open(w, '[');
    for (int i = 0; i < rep->narrivals; i++) {
        const crowd_arrival_count *c = &rep->arrivals[i];
        if (c->cls < 0 || c->cls >= rep->sc->nusers || rep->sc->users[c->cls].arrival == NULL)
            continue;
        const crowd_arrival_desc *d = rep->sc->users[c->cls].arrival;
        bool constant = d->kind == CROWD_ARRIVAL_CONSTANT;
        jw_item(w);
        jw_open(w, '{');
        jw_str(w, "class", rep->sc->users[c->cls].name);
        jw_str(w, "profile", constant ? "constant-rate" : "ramping-rate");
        if (constant)
            jw_float(w, "target_rate", d->rate);
        else
            jw_null(w, "target_rate");
        full_ramp(w, d);
        jw_key(w, "poisson");
        fputs(d->poisson ? "true" : "false", w->f);
        jw_u64(w, "pre_allocate", (uint64_t)(d->pre_allocate > 0 ? d->pre_allocate : 0));
        jw_u64(w, "max_users", (uint64_t)(d->max_users > 0 ? d->max_users : 0));
        jw_u64(w, "started_iterations", c->started);
        jw_u64(w, "dropped_iterations", c->dropped);
        jw_u64(w, "pool_peak", c->pool);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

void crowd_report_json_full(crowd_reports *rep, FILE *f)
{
    struct jw w = { .f = f };
    jw_open(&w, '{');
    jw_u64(&w, "crowd_report", 1); /* the schema's version */
    full_meta(rep, &w);
    jw_key(&w, "entries");
    jw_open(&w, '[');
    size_t n = crowd_stats_entry_count(rep->st);
    for (size_t i = 0; i < n; i++) {
        jw_item(&w);
        full_entry(rep, &w, crowd_stats_entry_at(rep->st, i), i);
    }
    jw_close(&w, ']');
    jw_key(&w, "total");
    full_entry(rep, &w, crowd_stats_total(rep->st), CROWD_HISTORY_TOTAL);
    full_errors(&w, "errors", rep->st, false);
    full_errors(&w, "exceptions", rep->st, true);
    full_thresholds(rep, &w);
    full_checks(&w);
    full_arrivals(rep, &w);
    jw_close(&w, '}');
    fputc('\n', f);
}
