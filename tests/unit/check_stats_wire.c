/* check_stats_wire.c — --processes deltas: encode -> decode -> merge
 * gives the same stats as recording directly. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/histogram.h"
#include "runtime/measure.h"
#include "runtime/stats.h"
#include "runtime/stats_wire.h"

#define T0 1000.0

/* One request of a deterministic sequence, into st. */
static void record_nth(crowd_stats *st, unsigned i)
{
    static const char *const names[] = { "/a", "/b", "/c?x=1" };
    uint64_t us = 50 + (uint64_t)i * 7919 % 3000000; /* exact and bucketed ranges */
    const char *err = i % 13 == 0 ? "HTTP 500" : i % 29 == 0 ? "Connection refused" : NULL;
    crowd_stats_record(st, i % 5 ? "GET" : "POST", names[i % 3], us, i % 400, err, T0 + i * 0.01);
    if (i % 97 == 0)
        crowd_stats_record_exception(st, "boom", "task t at x.crowd:3", T0 + i * 0.01);
}

static void assert_entry_eq(const crowd_stats_entry *a, const crowd_stats_entry *b)
{
    ck_assert_str_eq(crowd_stats_entry_method(a), crowd_stats_entry_method(b));
    ck_assert_str_eq(crowd_stats_entry_name(a), crowd_stats_entry_name(b));
    ck_assert_uint_eq(crowd_stats_entry_num_requests(a), crowd_stats_entry_num_requests(b));
    ck_assert_uint_eq(crowd_stats_entry_num_failures(a), crowd_stats_entry_num_failures(b));
    ck_assert_uint_eq(crowd_stats_entry_total_content_length(a), crowd_stats_entry_total_content_length(b));
    ck_assert(crowd_stats_entry_first_request_time(a) == crowd_stats_entry_first_request_time(b));
    ck_assert(crowd_stats_entry_last_request_time(a) == crowd_stats_entry_last_request_time(b));
    const crowd_hist *ha = crowd_stats_entry_hist(a), *hb = crowd_stats_entry_hist(b);
    ck_assert_uint_eq(ha->count, hb->count);
    ck_assert_uint_eq(ha->min, hb->min);
    ck_assert_uint_eq(ha->max, hb->max);
    ck_assert_uint_eq(ha->sum_lo, hb->sum_lo);
    ck_assert_uint_eq(ha->sum_hi, hb->sum_hi);
    ck_assert(memcmp(ha->counts, hb->counts, sizeof ha->counts) == 0);
}

static void assert_errors_eq(const crowd_stats *a, const crowd_stats *b, bool exc)
{
    size_t n = exc ? crowd_stats_exception_count(a) : crowd_stats_error_count(a);
    ck_assert_uint_eq(n, exc ? crowd_stats_exception_count(b) : crowd_stats_error_count(b));
    for (size_t i = 0; i < n; i++) {
        const crowd_stats_error *x = exc ? crowd_stats_exception_at(a, i) : crowd_stats_error_at(a, i);
        const crowd_stats_error *y = exc ? crowd_stats_exception_at(b, i) : crowd_stats_error_at(b, i);
        ck_assert_str_eq(crowd_stats_error_method(x), crowd_stats_error_method(y));
        ck_assert_str_eq(crowd_stats_error_name(x), crowd_stats_error_name(y));
        ck_assert_str_eq(crowd_stats_error_message(x), crowd_stats_error_message(y));
        ck_assert_uint_eq(crowd_stats_error_occurrences(x), crowd_stats_error_occurrences(y));
        ck_assert(crowd_stats_error_first_seen(x) == crowd_stats_error_first_seen(y));
        ck_assert(crowd_stats_error_last_seen(x) == crowd_stats_error_last_seen(y));
    }
}

static void assert_stats_eq(const crowd_stats *a, const crowd_stats *b)
{
    assert_entry_eq(crowd_stats_total(a), crowd_stats_total(b));
    ck_assert_uint_eq(crowd_stats_entry_count(a), crowd_stats_entry_count(b));
    for (size_t i = 0; i < crowd_stats_entry_count(a); i++)
        assert_entry_eq(crowd_stats_entry_at(a, i), crowd_stats_entry_at(b, i));
    assert_errors_eq(a, b, false);
    assert_errors_eq(a, b, true);
    ck_assert(crowd_stats_last_request_time(a) == crowd_stats_last_request_time(b));
}

/* Ship every frame in buf to dst; returns the frames' count. */
static int apply_all(crowd_stats *dst, crowd_stats_wire_buf *buf, crowd_stats_wire_info *sum)
{
    int frames = 0;
    size_t off = 0;
    while (off < buf->len) {
        size_t n = crowd_stats_wire_frame_len(buf->p + off, buf->len - off);
        ck_assert(n > 0 && off + n <= buf->len);
        crowd_stats_wire_info info;
        ck_assert_int_eq(crowd_stats_wire_apply(dst, buf->p + off, n, &info), 0);
        sum->user_errors += info.user_errors;
        sum->users = info.users;
        sum->final = info.final;
        off += n;
        frames++;
    }
    buf->len = 0;
    return frames;
}

START_TEST(test_roundtrip_one_child)
{
    crowd_stats *direct = crowd_stats_new(T0), *child = crowd_stats_new(T0), *parent = crowd_stats_new(T0);
    crowd_stats_wire_enc *enc = crowd_stats_wire_enc_new();
    crowd_stats_wire_buf buf = { 0 };
    crowd_stats_wire_info got = { 0 };
    ck_assert(direct && child && parent && enc);
    unsigned steps[] = { 1, 0, 17, 300, 0, 2000, 1 }, i = 0;
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        for (unsigned k = 0; k < steps[s]; k++, i++) {
            record_nth(direct, i);
            record_nth(child, i);
        }
        crowd_stats_wire_info info = { .users = s, .user_errors = i / 100, .now = T0 + i * 0.01,
                                       .final = s + 1 == sizeof steps / sizeof steps[0] };
        ck_assert_int_eq(crowd_stats_wire_encode(enc, child, &info, &buf), 0);
        ck_assert_int_eq(apply_all(parent, &buf, &got), 1);
    }
    assert_stats_eq(direct, parent);
    ck_assert_uint_eq(got.user_errors, i / 100);
    ck_assert(got.final);
    crowd_stats_wire_buf_free(&buf);
    crowd_stats_wire_enc_free(enc);
    crowd_stats_free(direct);
    crowd_stats_free(child);
    crowd_stats_free(parent);
}
END_TEST

/* Three children, their requests interleaved: the parent's merge equals
 * one process recording them all (histograms bucket-wise, min/max exact). */
START_TEST(test_three_children)
{
    crowd_stats *direct = crowd_stats_new(T0), *parent = crowd_stats_new(T0), *child[3];
    crowd_stats_wire_enc *enc[3];
    crowd_stats_wire_buf buf = { 0 };
    crowd_stats_wire_info got = { 0 };
    for (int c = 0; c < 3; c++) {
        child[c] = crowd_stats_new(T0);
        enc[c] = crowd_stats_wire_enc_new();
        ck_assert(child[c] && enc[c]);
    }
    for (unsigned i = 0; i < 5000; i++) {
        record_nth(direct, i);
        record_nth(child[i % 3], i);
        if (i % 1000 == 999)
            for (int c = 0; c < 3; c++) {
                crowd_stats_wire_info info = { .now = T0 + i * 0.01 };
                ck_assert_int_eq(crowd_stats_wire_encode(enc[c], child[c], &info, &buf), 0);
            }
    }
    ck_assert_int_eq(apply_all(parent, &buf, &got), 15);
    /* the same counts, histograms and errors; entries and errors may be
     * first seen in another order, so compare through the direct run */
    assert_entry_eq(crowd_stats_total(direct), crowd_stats_total(parent));
    ck_assert_uint_eq(crowd_stats_entry_count(direct), crowd_stats_entry_count(parent));
    ck_assert_uint_eq(crowd_stats_error_count(direct), crowd_stats_error_count(parent));
    ck_assert_uint_eq(crowd_stats_num_failures(direct), crowd_stats_num_failures(parent));
    for (double p = 0; p <= 1.0; p += 0.05)
        ck_assert(crowd_hist_percentile(crowd_stats_entry_hist(crowd_stats_total(direct)), p) ==
                  crowd_hist_percentile(crowd_stats_entry_hist(crowd_stats_total(parent)), p));
    for (int c = 0; c < 3; c++) {
        crowd_stats_wire_enc_free(enc[c]);
        crowd_stats_free(child[c]);
    }
    crowd_stats_wire_buf_free(&buf);
    crowd_stats_free(direct);
    crowd_stats_free(parent);
}
END_TEST

/* A sample with a timing breakdown (and for some a corrected latency),
 * and a paced start, into st. */
static void sample_nth(crowd_stats *st, unsigned i)
{
    crowd_sample smp = { .response_us = 100 + i * 37 % 90000, .content_length = i % 50 };
    smp.timing.valid = i % 4 != 0;
    for (int p = 0; p < CROWD_PHASE_COUNT; p++)
        smp.timing.us[p] = i % 7 == 0 ? 0 : (uint64_t)(p + 1) * (i * 13 % 5000);
    smp.has_corrected = i % 3 == 0;
    smp.corrected_us = smp.response_us + i * 101 % 70000;
    crowd_stats_record_sample(st, "GET", i % 2 ? "/x" : "/y", &smp, T0 + i * 0.01);
    crowd_stats_note_schedule(st, i * 997 % 30000);
}

static void assert_hist_eq(const crowd_hist *a, const crowd_hist *b)
{
    ck_assert((a == NULL) == (b == NULL));
    if (a == NULL)
        return;
    ck_assert_uint_eq(a->count, b->count);
    ck_assert_uint_eq(a->min, b->min);
    ck_assert_uint_eq(a->max, b->max);
    ck_assert_uint_eq(a->sum_lo, b->sum_lo);
    ck_assert(memcmp(a->counts, b->counts, sizeof a->counts) == 0);
}

static void assert_measure_eq(const crowd_stats_entry *a, const crowd_stats_entry *b)
{
    ck_assert_uint_eq(crowd_measure_timed(a), crowd_measure_timed(b));
    for (int p = 0; p < CROWD_PHASE_COUNT; p++) {
        ck_assert_uint_eq(crowd_measure_phase_sum(a, (crowd_phase)p), crowd_measure_phase_sum(b, (crowd_phase)p));
        ck_assert_uint_eq(crowd_measure_phase_max(a, (crowd_phase)p), crowd_measure_phase_max(b, (crowd_phase)p));
    }
    assert_hist_eq(crowd_measure_ttfb_hist(a), crowd_measure_ttfb_hist(b));
    assert_hist_eq(crowd_measure_corrected_hist(a), crowd_measure_corrected_hist(b));
}

static void assert_measures_eq(const crowd_stats *a, const crowd_stats *b)
{
    assert_stats_eq(a, b);
    assert_measure_eq(crowd_stats_total(a), crowd_stats_total(b));
    for (size_t i = 0; i < crowd_stats_entry_count(a); i++)
        assert_measure_eq(crowd_stats_entry_at(a, i), crowd_stats_entry_at(b, i));
    ck_assert_uint_eq(crowd_measure_paced_starts(a), crowd_measure_paced_starts(b));
    ck_assert_uint_eq(crowd_measure_late_starts(a), crowd_measure_late_starts(b));
    ck_assert_uint_eq(crowd_measure_max_lag_us(a), crowd_measure_max_lag_us(b));
}

/* The timing breakdown, the corrected latency and the schedule counts
 * merge exactly; after a reset (--reset-stats: the child's stats and its
 * encoder, the parent's stats) only what follows is shipped; the arrival
 * totals come through. */
START_TEST(test_measure_and_reset)
{
    crowd_stats *direct = crowd_stats_new(T0), *child = crowd_stats_new(T0), *parent = crowd_stats_new(T0);
    crowd_stats_wire_enc *enc = crowd_stats_wire_enc_new();
    crowd_stats_wire_buf buf = { 0 };
    crowd_stats_wire_info got = { 0 };
    static crowd_stats_wire_info info;
    ck_assert(direct && child && parent && enc);
    unsigned i = 0;
    for (int step = 0; step < 4; step++) {
        for (unsigned k = 0; k < 400u * (unsigned)step; k++, i++) {
            sample_nth(direct, i);
            sample_nth(child, i);
        }
        info = (crowd_stats_wire_info){ .now = T0 + i * 0.01, .narrivals = 2, .ramped = 3 };
        info.arrivals[0] = (crowd_arrival_count){ .cls = 1, .started = i, .dropped = 7, .pool = 3 };
        info.arrivals[1] = (crowd_arrival_count){ .cls = 4, .started = 2, .dropped = 0, .pool = 1 };
        ck_assert_int_eq(crowd_stats_wire_encode(enc, child, &info, &buf), 0);
        size_t n = crowd_stats_wire_frame_len(buf.p, buf.len);
        crowd_stats_wire_info head;
        ck_assert_int_eq(crowd_stats_wire_apply(NULL, buf.p, n, &head), 0); /* the header only */
        ck_assert_uint_eq(head.ramped, 3);
        ck_assert_int_eq(head.narrivals, 2);
        ck_assert_int_eq(head.arrivals[0].cls, 1);
        ck_assert_uint_eq(head.arrivals[0].started, i);
        ck_assert_uint_eq(head.arrivals[1].pool, 1);
        ck_assert_int_eq(apply_all(parent, &buf, &got), 1);
    }
    assert_measures_eq(direct, parent);
    ck_assert(crowd_measure_timed(crowd_stats_total(parent)) > 0);
    ck_assert(crowd_measure_corrected_hist(crowd_stats_total(parent)) != NULL);

    /* --reset-stats: both sides reset; only the samples after it arrive */
    crowd_stats_reset(child, T0 + 100);
    crowd_stats_wire_enc_reset(enc);
    crowd_stats_reset(parent, T0 + 100);
    crowd_stats *after = crowd_stats_new(T0 + 100);
    ck_assert(after != NULL);
    for (unsigned k = 0; k < 500; k++, i++) {
        sample_nth(after, i);
        sample_nth(child, i);
    }
    info = (crowd_stats_wire_info){ .now = T0 + i * 0.01, .reset = true };
    ck_assert_int_eq(crowd_stats_wire_encode(enc, child, &info, &buf), 0);
    crowd_stats_wire_info head;
    ck_assert_int_eq(crowd_stats_wire_apply(NULL, buf.p, buf.len, &head), 0);
    ck_assert(head.reset);
    ck_assert_int_eq(head.narrivals, 0);
    ck_assert_int_eq(apply_all(parent, &buf, &got), 1);
    assert_measure_eq(crowd_stats_total(after), crowd_stats_total(parent));
    ck_assert_uint_eq(crowd_stats_num_requests(after), crowd_stats_num_requests(parent));
    ck_assert_uint_eq(crowd_measure_paced_starts(after), crowd_measure_paced_starts(parent));
    crowd_stats_wire_buf_free(&buf);
    crowd_stats_wire_enc_free(enc);
    crowd_stats_free(direct);
    crowd_stats_free(after);
    crowd_stats_free(child);
    crowd_stats_free(parent);
}
END_TEST

/* A truncated or corrupted frame is refused, never read past its end. */
START_TEST(test_malformed)
{
    crowd_stats *child = crowd_stats_new(T0), *parent = crowd_stats_new(T0);
    crowd_stats_wire_enc *enc = crowd_stats_wire_enc_new();
    crowd_stats_wire_buf buf = { 0 };
    for (unsigned i = 0; i < 50; i++)
        record_nth(child, i);
    crowd_stats_wire_info info = { .now = T0 };
    ck_assert_int_eq(crowd_stats_wire_encode(enc, child, &info, &buf), 0);
    ck_assert_uint_eq(crowd_stats_wire_frame_len(buf.p, buf.len), buf.len);
    ck_assert_uint_eq(crowd_stats_wire_frame_len(buf.p, 3), 0);
    ck_assert_int_eq(crowd_stats_wire_apply(parent, buf.p, buf.len - 1, &info), -1);
    uint32_t shorter;
    memcpy(&shorter, buf.p, 4);
    shorter -= 5;
    memcpy(buf.p, &shorter, 4);
    ck_assert_int_eq(crowd_stats_wire_apply(parent, buf.p, buf.len, &info), -1);
    buf.p[4] = 99; /* an unknown version */
    ck_assert_int_eq(crowd_stats_wire_apply(parent, buf.p, buf.len, &info), -1);
    crowd_stats_wire_buf_free(&buf);
    crowd_stats_wire_enc_free(enc);
    crowd_stats_free(child);
    crowd_stats_free(parent);
}
END_TEST

static Suite *wire_suite(void)
{
    Suite *s = suite_create("stats_wire");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_roundtrip_one_child);
    tcase_add_test(tc, test_three_children);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_measure_and_reset);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(wire_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
