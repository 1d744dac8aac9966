/* histogram.c — log-linear histogram of microseconds (see histogram.h). */
#include "config.h"

#include "histogram.h"

#include <math.h>
#include <string.h>

#define SUB_COUNT (UINT64_C(1) << CROWD_HIST_SUB_BITS)

void crowd_hist_init(crowd_hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

void crowd_hist_reset(crowd_hist *h)
{
    crowd_hist_init(h);
}

/* Branch-free: `shift` is how many low bits a bucket ignores (0 below 128).
 * OR-ing in 127 makes every value below 128 look like octave 6, whose
 * shift is 0, so those values index themselves. */
size_t crowd_hist_bucket_of(uint64_t value_us)
{
    uint64_t v = value_us < CROWD_HIST_MAX_EXACT ? value_us : CROWD_HIST_MAX_EXACT;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v | (CROWD_HIST_LINEAR - 1));
    unsigned shift = msb - CROWD_HIST_SUB_BITS;
    return ((size_t)shift << CROWD_HIST_SUB_BITS) + (size_t)(v >> shift);
}

void crowd_hist_bucket_range(size_t i, uint64_t *lo, uint64_t *hi)
{
    if (i < CROWD_HIST_LINEAR) {
        *lo = *hi = i;
        return;
    }
    unsigned shift = (unsigned)(i >> CROWD_HIST_SUB_BITS) - 1u;
    uint64_t sub = i - ((uint64_t)shift << CROWD_HIST_SUB_BITS); /* 64..127 */
    *lo = sub << shift;
    *hi = *lo + ((UINT64_C(1) << shift) - 1u);
}

static void add_sum(crowd_hist *h, uint64_t lo, uint64_t hi)
{
    h->sum_lo += lo;
    h->sum_hi += hi + (h->sum_lo < lo); /* carry */
}

uint64_t *crowd_hist_record_deferred(crowd_hist *h, uint64_t value_us)
{
    h->count++;
    if (value_us < h->min)
        h->min = value_us;
    if (value_us > h->max)
        h->max = value_us;
    add_sum(h, value_us, 0);
    return &h->counts[crowd_hist_bucket_of(value_us)];
}

void crowd_hist_record(crowd_hist *h, uint64_t value_us)
{
    (*crowd_hist_record_deferred(h, value_us))++;
}

void crowd_hist_merge(crowd_hist *dst, const crowd_hist *src)
{
    if (src->count == 0)
        return;
    for (size_t i = 0; i < CROWD_HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->count += src->count;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    add_sum(dst, src->sum_lo, src->sum_hi);
}

uint64_t crowd_hist_count(const crowd_hist *h)
{
    return h->count;
}

uint64_t crowd_hist_min(const crowd_hist *h)
{
    return h->count ? h->min : 0;
}

uint64_t crowd_hist_max(const crowd_hist *h)
{
    return h->max;
}

double crowd_hist_sum(const crowd_hist *h)
{
    return ldexp((double)h->sum_hi, 64) + (double)h->sum_lo;
}

double crowd_hist_mean(const crowd_hist *h)
{
    return h->count ? crowd_hist_sum(h) / (double)h->count : 0.0;
}

/* ceil(p*n) for p in (0,1), tolerant of binary rounding: 0.999 * 100000
 * is 99900.00000000001 in doubles, and must still give rank 99900. */
static uint64_t nearest_rank(double p, uint64_t n)
{
    double r = p * (double)n;
    double rank = ceil(r - r * 1e-12);
    if (rank < 1.0)
        return 1;
    if (rank >= (double)n)
        return n;
    return (uint64_t)rank;
}

double crowd_hist_percentile(const crowd_hist *h, double p)
{
    if (h->count == 0)
        return 0.0;
    uint64_t rank = p > 0.0 ? nearest_rank(p, h->count) : 1;
    /* The extreme ranks are known exactly. */
    if (rank == 1)
        return (double)h->min;
    if (rank >= h->count)
        return (double)h->max;

    uint64_t seen = 0;
    size_t i = 0;
    for (; i < CROWD_HIST_BUCKETS - 1; i++) {
        seen += h->counts[i];
        if (seen >= rank)
            break;
    }
    uint64_t lo, hi;
    crowd_hist_bucket_range(i, &lo, &hi);
    double mid = ((double)lo + (double)hi) / 2.0;
    if (mid < (double)h->min)
        return (double)h->min;
    if (mid > (double)h->max)
        return (double)h->max;
    return mid;
}
