/* reports.h — the file reports of a run: --csv (Locust's four files),
 * --json / --json-file (Locust's shape), --report-json (crowd's full
 * schema) and --html (one self-contained page with SVG charts).
 *
 * Life cycle, driven by the runner:
 *   crowd_reports_check   at start-up, before any load: flags that need
 *                         each other, every path writable (exit 2 if not);
 *   crowd_reports_new     once the stats exist;
 *   crowd_reports_start   the first CSV rows, then a tick every wall-clock
 *                         second (history sample, CSV rewrite/append);
 *   crowd_reports_finish  after the loop has stopped, whatever stopped it:
 *                         a last sample, then every file, complete;
 *   crowd_reports_free.
 *
 * Ownership: the reports borrow the options, scenario, host string, stats
 * and user counter given to them (they must outlive the reports) and own
 * their history, file handles and timer.  Single-threaded, on the loop.
 */
#ifndef CROWD_REPORTS_H
#define CROWD_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <ev.h>

#include <crowd/crowd.h>

#include "arrival.h"
#include "history.h"
#include "options.h"
#include "stats.h"

typedef struct crowd_reports crowd_reports;

/* 0, or CROWD_OPT_USAGE after printing "usage: ..." and an error naming the
 * flag and the path on err. */
int crowd_reports_check(const crowd_options *opt, const char *prog, FILE *err);

crowd_reports *crowd_reports_new(const crowd_options *opt, const crowd_scenario_desc *sc,
                                 const char *host, crowd_stats *st);
/* users: the runner's count of live users, read at each tick. */
void crowd_reports_start(crowd_reports *rep, struct ev_loop *loop, const size_t *users);
/* Returns 0, or -1 if some report could not be written (logged). */
int crowd_reports_finish(crowd_reports *rep, int exit_code);
void crowd_reports_free(crowd_reports *rep);

/* The history the reports keep (for other reporters, e.g. a web UI). */
crowd_history *crowd_reports_history(crowd_reports *rep);

/* The reports as they are now, for the web UI's downloads: the same
 * writers as --csv and --html, to any stream.  Each returns 0, or -1 when
 * f reports an error.  The CSV files are --csv's _stats.csv,
 * _failures.csv and _exceptions.csv. */
int crowd_reports_write_stats_csv(const crowd_reports *rep, FILE *f);
int crowd_reports_write_failures_csv(const crowd_reports *rep, FILE *f);
int crowd_reports_write_exceptions_csv(const crowd_reports *rep, FILE *f);
/* --csv-full-history's _stats_history.csv as written so far (flushed
 * first); -1 with errno ENOENT when there is none (no --csv-full-history). */
int crowd_reports_write_full_history_csv(crowd_reports *rep, FILE *f);
/* The HTML report of the test so far (from the stats' start: a web UI
 * test restarted or reset begins a new report), state (Locust's state
 * name, e.g. "running") shown in place of the exit code; dark: a dark
 * theme (Locust's ?theme=dark).  After crowd_reports_finish: the final
 * report, state ignored. */
int crowd_reports_write_html(crowd_reports *rep, FILE *f, const char *state, bool dark);

/* Thresholds (issue 6 part 10): the runner hands over the evaluated
 * results before crowd_reports_finish (thresholds.h's getters give every
 * field); --report-json and --html show them.  Copied, strings included. */
typedef struct crowd_report_threshold {
    const char *expr;     /* as written, e.g. (p95 "products") < 200ms */
    const char *observed; /* "212.30 ms", "3.52%", "no requests" */
    const char *site;     /* file:line:col in the scenario */
    bool ok;
    bool aborted;         /* it stopped the run (:abort-on-fail) */
} crowd_report_threshold;
void crowd_reports_set_thresholds(crowd_reports *rep, const crowd_report_threshold *t, size_t n);

/* The :arrival classes' totals (arrival.h: iterations started and
 * dropped, the pool's size; --processes: summed over the children), handed
 * over by the runner before crowd_reports_finish; --report-json and --html
 * show them.  Copied. */
void crowd_reports_set_arrivals(crowd_reports *rep, const crowd_arrival_count *c, int n);

#endif
