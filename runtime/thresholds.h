/* thresholds.h — the scenario's (threshold ...) criteria, evaluated on the
 * exact statistics: every second for those with :abort-on-fail (after
 * their :grace), and once at the end of the run for all of them.
 *
 * Ownership: crowd_thr_new copies nothing: the descriptors belong to the
 * scenario (static tables); the crowd_thresholds object owns the results
 * and is freed by crowd_thr_free.  The runner creates it; reporters (the
 * console's end summary, JUnit, JSON, HTML) read it through the getters,
 * after crowd_thr_evaluate.  Single-threaded.
 *
 * Units of observed values and of crowd_threshold_desc.value: seconds for
 * times (pNN, avg, min, max, med), a fraction for fail-ratio (0.01 = 1%),
 * requests per second for rps, a count for count and fails.
 */
#ifndef CROWD_THRESHOLDS_H
#define CROWD_THRESHOLDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <crowd/crowd.h>

#include "stats.h"

/* The exit code of a run whose thresholds were breached: it takes
 * precedence over --exit-code-on-error (doc/running.md). */
#define CROWD_EXIT_THRESHOLDS 3

typedef struct crowd_thresholds crowd_thresholds;

/* NULL when out of memory; n may be 0. */
crowd_thresholds *crowd_thr_new(const crowd_threshold_desc *descs, int n);
void crowd_thr_free(crowd_thresholds *t);

/* The metric of d observed in st (in d's unit, see above).  false when it
 * has no value: no request of that name (or none at all) for a time metric
 * or fail-ratio.  count, fails and rps are 0 then, and have a value. */
bool crowd_thr_observe(const crowd_threshold_desc *d, const crowd_stats *st, double *value);
/* Does value meet d's criterion? */
bool crowd_thr_holds(const crowd_threshold_desc *d, double value);

/* Any threshold with :abort-on-fail? (the runner then checks every second) */
bool crowd_thr_any_abort(const crowd_thresholds *t);
/* The abort-on-fail thresholds whose grace has passed (elapsed: seconds
 * since the run started), on the statistics so far: the index of the first
 * one breached (also remembered as the one that aborted the run), or -1.
 * A threshold without a value yet does not abort. */
int crowd_thr_check_abort(crowd_thresholds *t, const crowd_stats *st, double elapsed);
/* Evaluate every threshold on the final statistics. */
void crowd_thr_evaluate(crowd_thresholds *t, const crowd_stats *st);

/* ---- results, after crowd_thr_evaluate ---- */
size_t crowd_thr_count(const crowd_thresholds *t);
const crowd_threshold_desc *crowd_thr_desc(const crowd_thresholds *t, size_t i);
bool crowd_thr_passed(const crowd_thresholds *t, size_t i);
bool crowd_thr_has_value(const crowd_thresholds *t, size_t i); /* false: "no requests" */
double crowd_thr_value(const crowd_thresholds *t, size_t i);   /* observed, in d's unit */
size_t crowd_thr_failed(const crowd_thresholds *t);
/* The threshold that stopped the run (:abort-on-fail), or -1. */
int crowd_thr_aborted_by(const crowd_thresholds *t);
/* The observed value as text: "212.30 ms", "3.52%", "512.4/s", "340", or
 * "no requests". */
const char *crowd_thr_format(const crowd_thresholds *t, size_t i, char *buf, size_t size);
/* The same for a value of d's metric. */
const char *crowd_thr_format_value(const crowd_threshold_desc *d, double value, char *buf, size_t size);
/* The metric's short label: "p95", "p99.9", "avg", "fail-ratio", ... */
const char *crowd_thr_metric_label(const crowd_threshold_desc *d, char *buf, size_t size);

/* The k6-style end-summary block (nothing without thresholds).  utf8:
 * mark lines with ✓ and ✗, else with PASS and FAIL (for logs and grep). */
void crowd_thr_print_summary(const crowd_thresholds *t, FILE *out, bool utf8);

#endif
