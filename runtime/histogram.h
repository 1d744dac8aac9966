/* histogram.h — log-linear (HdrHistogram-style) histogram of microseconds.
 *
 * Ownership: a crowd_hist is a plain fixed-size value with no heap behind
 * it; the caller owns it (embed it, or allocate it) and may copy it with
 * memcpy.  crowd_hist_init must run before first use.  Not thread-safe.
 *
 * Layout: values below 128 us get one bucket each (exact); above, each
 * power-of-two range [2^m, 2^(m+1)) is split into 64 equal buckets, so a
 * bucket is never wider than 1/64 of its lowest value.  Reporting the
 * bucket's midpoint therefore errs by less than 1/128 (0.79 %) relative to
 * any value in the bucket.  Values up to CROWD_HIST_MAX_EXACT (2^32-1 us,
 * about 71.6 min) are bucketed; larger ones clamp into the top bucket, while
 * count, min, max and sum stay exact for every value.
 *
 * Memory: CROWD_HIST_BUCKETS = 1728 uint64 counts = 13,824 bytes, plus 40
 * bytes of summary: sizeof(crowd_hist) == 13,864 bytes.  uint64 counts
 * cannot overflow in practice.
 */
#ifndef CROWD_HISTOGRAM_H
#define CROWD_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define CROWD_HIST_SUB_BITS 6                         /* 64 buckets per octave */
#define CROWD_HIST_LINEAR (2u << CROWD_HIST_SUB_BITS) /* 128 exact buckets */
#define CROWD_HIST_MAX_EXACT UINT64_C(0xFFFFFFFF)
#define CROWD_HIST_BUCKETS (CROWD_HIST_LINEAR + 25u * (1u << CROWD_HIST_SUB_BITS))

typedef struct crowd_hist {
    uint64_t count;
    uint64_t min;    /* UINT64_MAX while empty */
    uint64_t max;
    uint64_t sum_lo; /* exact 128-bit sum of all values */
    uint64_t sum_hi;
    uint64_t counts[CROWD_HIST_BUCKETS];
} crowd_hist;

void crowd_hist_init(crowd_hist *h);
void crowd_hist_reset(crowd_hist *h);
void crowd_hist_record(crowd_hist *h, uint64_t value_us);
/* crowd_hist_record in two steps: counts the value in count, min, max and
 * sum, and returns its bucket's counter, which the caller increments (the
 * histogram is complete once it has; stats.c batches these increments). */
uint64_t *crowd_hist_record_deferred(crowd_hist *h, uint64_t value_us);
/* dst += src (counts, totals, min, max). */
void crowd_hist_merge(crowd_hist *dst, const crowd_hist *src);

uint64_t crowd_hist_count(const crowd_hist *h);
uint64_t crowd_hist_min(const crowd_hist *h); /* 0 when empty */
uint64_t crowd_hist_max(const crowd_hist *h); /* 0 when empty */
double crowd_hist_sum(const crowd_hist *h);
double crowd_hist_mean(const crowd_hist *h); /* 0 when empty */

/* Nearest-rank percentile, p in [0,1]: the value at rank ceil(p*N),
 * reported as its bucket's midpoint clamped to [min, max].  p <= 0 gives
 * min, p >= 1 gives max; 0 when empty. */
double crowd_hist_percentile(const crowd_hist *h, double p);

/* Bucket geometry, for exporters that walk the buckets: bucket i holds the
 * values lo..hi inclusive; crowd_hist_bucket_of maps a value to its bucket. */
size_t crowd_hist_bucket_of(uint64_t value_us);
void crowd_hist_bucket_range(size_t i, uint64_t *lo, uint64_t *hi);

#endif
