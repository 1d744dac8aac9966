/* report_impl.h — internal to the file reports (reports.c, report_csv.c,
 * report_json.c, report_html.c): the state they share and the writers.
 * Ownership as in reports.h: struct crowd_reports owns the paths, the
 * history file and the history; everything else is borrowed.
 */
#ifndef CROWD_REPORT_IMPL_H
#define CROWD_REPORT_IMPL_H

#include <stdio.h>

#include "histogram.h"
#include "reports.h"

/* A threshold's result, copied from thresholds.h's getters. */
struct report_threshold {
    char *expr;     /* as written, e.g. (p95 "products") < 200ms */
    char *observed; /* "212.30 ms", "3.52%", "no requests" */
    char *site;     /* file:line:col */
    bool ok;
    bool aborted;   /* it stopped the run (:abort-on-fail) */
};

/* Locust's PERCENTILES_TO_REPORT, with their CSV labels. */
#define CROWD_REPORT_NPCT 11
extern const double crowd_report_pct[CROWD_REPORT_NPCT];
extern const char *const crowd_report_pct_label[CROWD_REPORT_NPCT];

struct crowd_reports {
    const crowd_options *opt;
    const crowd_scenario_desc *sc;
    const char *host;
    crowd_stats *st;
    crowd_history *hist;
    const size_t *users;
    size_t no_users;

    double start_wall, end_wall;
    int exit_code;
    bool finished;
    const char *live_state; /* crowd_reports_write_html before the end */
    bool dark;              /* the HTML report's dark theme */

    /* --csv PREFIX: the four files; history stays open for appending */
    char *csv_stats, *csv_history, *csv_failures, *csv_exceptions;
    FILE *history_f;
    bool csv_failed; /* a CSV write failed: logged once */
    char *html;      /* --html with {u} {r} {t} replaced */
    char *json_file; /* --json-file NAME -> NAME.json */
    char *report_json;

    struct report_threshold *thresholds;
    size_t nthresholds;
    bool have_thresholds;

    crowd_arrival_count *arrivals; /* the :arrival classes' totals, scenario order */
    int narrivals;

    struct ev_loop *loop;
    ev_periodic tick;
};

size_t crowd_report_users(const crowd_reports *rep);

/* Milliseconds for reports: a percentile of h (its bucket midpoint). */
double crowd_report_pct_ms(const crowd_hist *h, double p);

/* report_csv.c */
void crowd_report_csv_stats(const crowd_reports *rep, FILE *f);
void crowd_report_csv_history_header(FILE *f);
void crowd_report_csv_history_rows(crowd_reports *rep, FILE *f, double now);
void crowd_report_csv_failures(const crowd_reports *rep, FILE *f);
void crowd_report_csv_exceptions(const crowd_reports *rep, FILE *f);

/* report_json.c */
void crowd_report_json_locust(const crowd_reports *rep, FILE *f);
void crowd_report_json_full(crowd_reports *rep, FILE *f);

/* report_html.c */
void crowd_report_html(crowd_reports *rep, FILE *f);

#endif
