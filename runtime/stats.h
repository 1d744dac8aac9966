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

#endif
