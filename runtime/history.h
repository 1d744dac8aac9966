/* history.h — the run over time: a sample about every second of the user
 * count, the current rates and the current (last ~10 s) response-time
 * percentiles, per entry and for the Aggregated total, for the HTML charts
 * and the JSON reports; and the windowed histograms behind "current"
 * percentiles (the history CSV with --csv-full-history).
 *
 * Nothing runs per request: crowd_history_sample reads stats.h's views
 * once a second.  For each entry it keeps a sparse copy of the histogram
 * at the previous sample and the sparse per-sample differences of the last
 * CROWD_HISTORY_WINDOW samples; their sum is the window's histogram.
 *
 * Memory is bounded: each series keeps at most its capacity of points;
 * when full, neighbouring points are merged pairwise (rates averaged,
 * percentiles and users their maximum, counts summed) and later samples
 * are folded in at the new, doubled stride.
 *
 * Ownership: crowd_history_new returns a history the caller frees with
 * crowd_history_free; it indexes entries as crowd_stats_entry_at does
 * (entries are never removed, only reset) and must be sampled with the
 * same crowd_stats.  Pointers it returns stay valid until the next sample.
 * Single-threaded.
 */
#ifndef CROWD_HISTORY_H
#define CROWD_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "histogram.h"
#include "stats.h"

#define CROWD_HISTORY_WINDOW 10       /* samples in a "current" window (~10 s) */
#define CROWD_HISTORY_TOTAL_POINTS 2048 /* capacity of the Aggregated series */
#define CROWD_HISTORY_ENTRY_POINTS 512  /* capacity of each entry's series */

typedef struct crowd_history crowd_history;

typedef struct crowd_history_point {
    double start;      /* wall clock (epoch s) of the sample before it */
    double time;       /* wall clock (epoch s) of the sample that closed it */
    uint32_t span;     /* samples merged into it (1 until the series is full) */
    uint32_t users;    /* user count (max over the span) */
    double rps;        /* current requests/s (10 s window, stats.h) */
    double fail_per_sec;
    double p50_ms;     /* current percentiles; -1 when the window is empty */
    double p95_ms;
    double avg_ms;     /* cumulative average response time at the sample */
    uint64_t requests; /* requests and failures in (start, time] */
    uint64_t failures;
} crowd_history_point;

crowd_history *crowd_history_new(void);
void crowd_history_free(crowd_history *h);

/* Take a sample: call about once a second and once at the end. */
void crowd_history_sample(crowd_history *h, const crowd_stats *st, size_t users, double now);

/* The points of entry i (crowd_stats_entry_at order), or of the total when
 * i is (size_t)-1; *n is set (0 for an entry not sampled yet). */
#define CROWD_HISTORY_TOTAL ((size_t)-1)
const crowd_history_point *crowd_history_points(const crowd_history *h, size_t i, size_t *n);

/* The histogram of the last CROWD_HISTORY_WINDOW samples of entry i (or
 * the total), rebuilt in a buffer the history owns; NULL if i is unknown.
 * min and max are the bounds of its extreme buckets. */
const crowd_hist *crowd_history_window(crowd_history *h, size_t i);

#endif
