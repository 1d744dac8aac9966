/* stats.h — request statistics, as Locust keeps them, with exact percentiles.
 *
 * One crowd_stats per process holds an entry per (method, name) plus the
 * Aggregated total, and the errors keyed by (method, name, message).  Every
 * entry owns a log-linear histogram (histogram.h) of response times in
 * microseconds.  Single-threaded: owned and used by the event loop only.
 */
#ifndef CROWD_STATS_H
#define CROWD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct crowd_stats crowd_stats;

/* now: wall-clock seconds (epoch, fractional), used for per-second rates. */
crowd_stats *crowd_stats_new(double now);
void crowd_stats_free(crowd_stats *st);

/* Record one finished request.  method is "GET", ...; name is the entry
 * name; response_us the measured time; error NULL on success, otherwise the
 * failure text (e.g. "HTTP 500", "Connection refused"). */
void crowd_stats_record(crowd_stats *st, const char *method, const char *name,
                        uint64_t response_us, uint64_t content_length,
                        const char *error, double now);

uint64_t crowd_stats_num_requests(const crowd_stats *st);
uint64_t crowd_stats_num_failures(const crowd_stats *st);

/* The console reports, in Locust's layouts (LOCUST-COMPAT.md §2).
 * current: req/s is the windowed current rate (periodic table) rather than
 * the whole-run average (final table). */
void crowd_stats_print_table(const crowd_stats *st, FILE *out, bool current, double now);
void crowd_stats_print_percentiles(const crowd_stats *st, FILE *out);
void crowd_stats_print_errors(const crowd_stats *st, FILE *out);

/* ---- Additions (extensions of the contract above) ---- */

/* Locust's "reset_all" (/stats/reset, --reset-stats): zero every entry and
 * the total, keep the rows, drop the errors; the run clock restarts at now. */
void crowd_stats_reset(crowd_stats *st, double now);

/* Name column width W of the console tables (default 80).  Locust uses
 * max(min(cols-80, 80), 0) when its output is a terminal, else 80, and
 * recomputes it on SIGWINCH: call
 *   crowd_stats_set_name_width(st, crowd_stats_term_name_width(fd))
 * at start-up and from a SIGWINCH watcher.  Locust asks os.get_terminal_size(),
 * i.e. stdout (fd 1), though it prints the tables to stderr. */
int crowd_stats_term_name_width(int fd);
void crowd_stats_set_name_width(crowd_stats *st, int width);
int crowd_stats_name_width(const crowd_stats *st);

/* Read-only views for reporters (console, CSV, JSON, web).  Pointers stay
 * valid until crowd_stats_reset (errors) or crowd_stats_free (all). */
typedef struct crowd_stats_entry crowd_stats_entry;
typedef struct crowd_stats_error crowd_stats_error;
struct crowd_hist;

double crowd_stats_start_time(const crowd_stats *st);
double crowd_stats_last_request_time(const crowd_stats *st); /* 0: none */
size_t crowd_stats_entry_count(const crowd_stats *st);
const crowd_stats_entry *crowd_stats_entry_at(const crowd_stats *st, size_t i); /* first-seen order */
const crowd_stats_entry *crowd_stats_total(const crowd_stats *st); /* "Aggregated", method "" */
/* A malloc'ed array of the entries sorted by (name, method), as Locust
 * lists them; the caller frees the array (not the entries).  NULL if
 * empty or out of memory (*n is set to 0 then). */
const crowd_stats_entry **crowd_stats_sorted_entries(const crowd_stats *st, size_t *n);

const char *crowd_stats_entry_method(const crowd_stats_entry *e);
const char *crowd_stats_entry_name(const crowd_stats_entry *e);
uint64_t crowd_stats_entry_num_requests(const crowd_stats_entry *e);
uint64_t crowd_stats_entry_num_failures(const crowd_stats_entry *e);
uint64_t crowd_stats_entry_total_content_length(const crowd_stats_entry *e);
double crowd_stats_entry_first_request_time(const crowd_stats_entry *e); /* 0: none */
double crowd_stats_entry_last_request_time(const crowd_stats_entry *e);  /* 0: none */
/* Response times in microseconds: exact min/max/avg (0 when empty) and the
 * histogram for percentiles (crowd_hist_percentile; median = p50). */
const struct crowd_hist *crowd_stats_entry_hist(const crowd_stats_entry *e);
double crowd_stats_entry_fail_ratio(const crowd_stats_entry *e);
/* Whole-run rates, as Locust: count / (last request of the run - start). */
double crowd_stats_entry_total_rps(const crowd_stats *st, const crowd_stats_entry *e);
double crowd_stats_entry_total_fail_per_sec(const crowd_stats *st, const crowd_stats_entry *e);
/* Current rates: the mean per-second count over the last 10 whole seconds
 * (counted from the start time) that ended before now; fewer while the run
 * is younger than 10 s (at least 1).  Falls to 0 once requests stop. */
double crowd_stats_entry_current_rps(const crowd_stats *st, const crowd_stats_entry *e, double now);
double crowd_stats_entry_current_fail_per_sec(const crowd_stats *st, const crowd_stats_entry *e,
                                              double now);

/* Errors in first-seen order (Locust prints them in that order). */
size_t crowd_stats_error_count(const crowd_stats *st);
const crowd_stats_error *crowd_stats_error_at(const crowd_stats *st, size_t i);
const char *crowd_stats_error_method(const crowd_stats_error *e);
const char *crowd_stats_error_name(const crowd_stats_error *e);
const char *crowd_stats_error_message(const crowd_stats_error *e);
uint64_t crowd_stats_error_occurrences(const crowd_stats_error *e);
double crowd_stats_error_first_seen(const crowd_stats_error *e);
double crowd_stats_error_last_seen(const crowd_stats_error *e);

/* Task errors the runtime survived (Locust's "exceptions"), keyed by
 * (message, traceback) with occurrences, in first-seen order; cleared by
 * crowd_stats_reset.  Read them with the crowd_stats_error_ accessors:
 * message is the error text, name the traceback (where it happened),
 * method "". */
void crowd_stats_record_exception(crowd_stats *st, const char *message, const char *traceback,
                                  double now);
size_t crowd_stats_exception_count(const crowd_stats *st);
const crowd_stats_error *crowd_stats_exception_at(const crowd_stats *st, size_t i);

/* --processes (stats_wire.c): merge what another process recorded.  The
 * entry (method, name; method NULL: the Aggregated total) gains the counts
 * and the histogram, merged bucket-wise (crowd_hist_merge); its first and
 * last request times widen; the per-second rate ring counts the requests
 * and failures in the second of `at` (when they were shipped). */
typedef struct crowd_stats_delta {
    uint64_t num_requests, num_failures, total_content_length;
    double first_request, last_request; /* 0: none */
    const struct crowd_hist *hist;
    double at;
    const struct crowd_measure_delta *measure; /* the timing breakdown's gain (measure.h); NULL: none */
} crowd_stats_delta;
/* 0, or -1 when out of memory. */
int crowd_stats_merge_entry(crowd_stats *st, const char *method, const char *name,
                            const crowd_stats_delta *d);
/* An error (method, name, message) or an exception (message, traceback)
 * seen `occurrences` more times between first and last. */
int crowd_stats_merge_error(crowd_stats *st, const char *method, const char *name,
                            const char *message, uint64_t occurrences, double first, double last);
int crowd_stats_merge_exception(crowd_stats *st, const char *message, const char *traceback,
                                uint64_t occurrences, double first, double last);

#endif
