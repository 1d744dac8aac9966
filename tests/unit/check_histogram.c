/* check_histogram.c — accuracy, geometry, merge and edge cases of the
 * log-linear histogram against exact nearest-rank values. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/histogram.h"

#define N_SAMPLES 100000
#define ONE_HOUR_US UINT64_C(3600000000)

/* Percentiles as fractions num/10000, so exact ranks use integer math. */
static const unsigned reported[] = { 5000, 6600, 7500, 8000, 9000, 9500, 9800, 9900, 9990, 9999, 10000 };
#define N_REPORTED (sizeof reported / sizeof reported[0])

/* splitmix64: a small deterministic generator, so failures reproduce. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(void) /* (0, 1) */
{
    return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_normal(void)
{
    return sqrt(-2.0 * log(rng_unit())) * cos(2.0 * M_PI * rng_unit());
}

static uint64_t clamp_us(double v)
{
    if (v < 1.0)
        return 1;
    if (v > (double)ONE_HOUR_US)
        return ONE_HOUR_US;
    return (uint64_t)v;
}

typedef uint64_t (*sampler)(void);

static uint64_t s_uniform_wide(void) { return 1 + rng_next() % ONE_HOUR_US; }
static uint64_t s_uniform_small(void) { return 1 + rng_next() % 1000; }
static uint64_t s_exponential(void) { return clamp_us(-5000.0 * log(rng_unit())); }
static uint64_t s_lognormal(void) { return clamp_us(exp(log(2000.0) + 2.0 * rng_normal())); }
static uint64_t s_loguniform(void) { return clamp_us(exp(rng_unit() * log((double)ONE_HOUR_US))); }
static uint64_t s_constant(void) { return 12345; }

static uint64_t s_bimodal(void)
{
    if (rng_unit() < 0.7)
        return clamp_us(500.0 + 50.0 * rng_normal());
    return clamp_us(2e6 + 2e5 * rng_normal());
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Records N samples and checks every reported percentile against the exact
 * value at nearest rank ceil(p*N); returns the worst relative error. */
static double check_accuracy(const char *what, sampler next, uint64_t seed)
{
    static uint64_t v[N_SAMPLES];
    static crowd_hist h;
    double worst = 0.0;

    rng_state = seed;
    crowd_hist_init(&h);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        v[i] = next();
        crowd_hist_record(&h, v[i]);
    }
    qsort(v, N_SAMPLES, sizeof v[0], cmp_u64);
    ck_assert_uint_eq(crowd_hist_count(&h), N_SAMPLES);
    ck_assert_uint_eq(crowd_hist_min(&h), v[0]);
    ck_assert_uint_eq(crowd_hist_max(&h), v[N_SAMPLES - 1]);

    for (size_t i = 0; i < N_REPORTED; i++) {
        uint64_t rank = ((uint64_t)N_SAMPLES * reported[i] + 9999) / 10000;
        double exact = (double)v[rank - 1];
        double got = crowd_hist_percentile(&h, reported[i] / 10000.0);
        double err = fabs(got - exact) / exact;
        if (err > worst)
            worst = err;
        ck_assert_msg(err <= 0.01, "%s p%.2f: got %.1f, exact %.0f (%.3f%%)", what,
                      reported[i] / 100.0, got, exact, 100 * err);
    }
    ck_assert(crowd_hist_percentile(&h, 1.0) == (double)v[N_SAMPLES - 1]);
    ck_assert(crowd_hist_percentile(&h, 0.0) == (double)v[0]);
    printf("histogram accuracy %-14s worst relative error %.4f%%\n", what, 100 * worst);
    return worst;
}

START_TEST(test_accuracy)
{
    double worst = 0.0;
    double w[] = {
        check_accuracy("uniform-wide", s_uniform_wide, 1),
        check_accuracy("uniform-small", s_uniform_small, 2),
        check_accuracy("exponential", s_exponential, 3),
        check_accuracy("log-normal", s_lognormal, 4),
        check_accuracy("log-uniform", s_loguniform, 5),
        check_accuracy("bimodal", s_bimodal, 6),
        check_accuracy("constant", s_constant, 7),
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        worst = w[i] > worst ? w[i] : worst;
    ck_assert(worst < 1.0 / 128);
}
END_TEST

/* Every value 1 us .. 1 h, stepping through every bucket: its reported
 * midpoint is within 1/128 of the lowest value the bucket holds. */
START_TEST(test_geometry)
{
    uint64_t prev_hi = 0;
    for (size_t i = 0; i < CROWD_HIST_BUCKETS; i++) {
        uint64_t lo, hi;
        crowd_hist_bucket_range(i, &lo, &hi);
        if (i > 0)
            ck_assert_uint_eq(lo, prev_hi + 1);
        ck_assert_uint_eq(crowd_hist_bucket_of(lo), i);
        ck_assert_uint_eq(crowd_hist_bucket_of(hi), i);
        ck_assert((double)(hi - lo) / 2.0 <= (double)lo / 128.0 || lo == 0);
        prev_hi = hi;
    }
    ck_assert_uint_eq(prev_hi, CROWD_HIST_MAX_EXACT);
    ck_assert(CROWD_HIST_MAX_EXACT >= ONE_HOUR_US);
    ck_assert_uint_lt(sizeof(crowd_hist), 16 * 1024);
    ck_assert_uint_eq(crowd_hist_bucket_of(UINT64_MAX), CROWD_HIST_BUCKETS - 1);
    for (uint64_t v = 0; v < 128; v++)
        ck_assert_uint_eq(crowd_hist_bucket_of(v), v);
}
END_TEST

START_TEST(test_merge)
{
    static crowd_hist a, b, all;
    crowd_hist_init(&a);
    crowd_hist_init(&b);
    crowd_hist_init(&all);
    rng_state = 42;
    for (int i = 0; i < 50000; i++) {
        uint64_t x = s_lognormal(), y = s_bimodal();
        crowd_hist_record(&a, x);
        crowd_hist_record(&b, y);
        crowd_hist_record(&all, x);
        crowd_hist_record(&all, y);
    }
    crowd_hist_merge(&a, &b);
    ck_assert(memcmp(&a, &all, sizeof a) == 0);
    for (size_t i = 0; i < N_REPORTED; i++)
        ck_assert(crowd_hist_percentile(&a, reported[i] / 10000.0) ==
                  crowd_hist_percentile(&all, reported[i] / 10000.0));

    crowd_hist empty; /* merging an empty histogram changes nothing */
    crowd_hist_init(&empty);
    crowd_hist_merge(&a, &empty);
    ck_assert(memcmp(&a, &all, sizeof a) == 0);
    crowd_hist_merge(&empty, &all);
    ck_assert(memcmp(&empty, &all, sizeof a) == 0);
}
END_TEST

START_TEST(test_edges)
{
    crowd_hist h;
    crowd_hist_init(&h);
    ck_assert_uint_eq(crowd_hist_count(&h), 0);
    ck_assert(crowd_hist_percentile(&h, 0.5) == 0.0);
    ck_assert(crowd_hist_mean(&h) == 0.0);
    ck_assert_uint_eq(crowd_hist_min(&h), 0);
    ck_assert_uint_eq(crowd_hist_max(&h), 0);

    crowd_hist_record(&h, 0);
    ck_assert_uint_eq(crowd_hist_min(&h), 0);
    ck_assert(crowd_hist_percentile(&h, 0.5) == 0.0);
    crowd_hist_record(&h, 1);
    ck_assert(crowd_hist_percentile(&h, 0.5) == 0.0);
    ck_assert(crowd_hist_percentile(&h, 1.0) == 1.0);
    ck_assert(crowd_hist_mean(&h) == 0.5);

    /* Huge values clamp into the top bucket yet stay exact in max and sum. */
    crowd_hist_record(&h, UINT64_MAX);
    crowd_hist_record(&h, UINT64_MAX);
    ck_assert_uint_eq(crowd_hist_max(&h), UINT64_MAX);
    ck_assert(crowd_hist_percentile(&h, 1.0) == (double)UINT64_MAX);
    ck_assert(crowd_hist_percentile(&h, 0.75) <= (double)UINT64_MAX);
    ck_assert(crowd_hist_percentile(&h, 0.75) >= (double)(CROWD_HIST_MAX_EXACT / 2));
    ck_assert_uint_eq(h.sum_hi, 1); /* 1 + 2*(2^64-1) = 2^65 - 1 */
    ck_assert_uint_eq(h.sum_lo, UINT64_MAX);
    ck_assert(fabs(crowd_hist_sum(&h) - ldexp(1.0, 65)) < ldexp(1.0, 14));

    /* Single sample: every percentile is that value. */
    crowd_hist_reset(&h);
    ck_assert_uint_eq(crowd_hist_count(&h), 0);
    ck_assert_uint_eq(crowd_hist_max(&h), 0);
    crowd_hist_record(&h, 777777);
    for (size_t i = 0; i < N_REPORTED; i++)
        ck_assert(crowd_hist_percentile(&h, reported[i] / 10000.0) == 777777.0);
    ck_assert(crowd_hist_mean(&h) == 777777.0);

    /* Nothing exceeds max or falls below min, even with wide buckets. */
    crowd_hist_reset(&h);
    crowd_hist_record(&h, 3000000001);
    crowd_hist_record(&h, 3000000002);
    crowd_hist_record(&h, 3000000003);
    ck_assert(crowd_hist_percentile(&h, 0.5) >= 3000000001.0);
    ck_assert(crowd_hist_percentile(&h, 0.5) <= 3000000003.0);
    ck_assert(crowd_hist_percentile(&h, 0.99) <= 3000000003.0);
}
END_TEST

/* Nearest rank for small N: {10,20}: p50 is the 1st value, p51 the 2nd. */
START_TEST(test_nearest_rank)
{
    crowd_hist h;
    crowd_hist_init(&h);
    crowd_hist_record(&h, 10);
    crowd_hist_record(&h, 20);
    ck_assert(crowd_hist_percentile(&h, 0.5) == 10.0);
    ck_assert(crowd_hist_percentile(&h, 0.51) == 20.0);
    crowd_hist_reset(&h);
    for (uint64_t v = 1; v <= 100; v++)
        crowd_hist_record(&h, v);
    ck_assert(crowd_hist_percentile(&h, 0.66) == 66.0);
    ck_assert(crowd_hist_percentile(&h, 0.999) == 100.0);
    ck_assert(crowd_hist_percentile(&h, 0.01) == 1.0);
    ck_assert(crowd_hist_percentile(&h, 0.02) == 2.0);
}
END_TEST

static Suite *histogram_suite(void)
{
    Suite *s = suite_create("histogram");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_accuracy);
    tcase_add_test(tc, test_geometry);
    tcase_add_test(tc, test_merge);
    tcase_add_test(tc, test_edges);
    tcase_add_test(tc, test_nearest_rank);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(histogram_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
