/* check_reports.c — the pieces of the file reports: Python's float repr,
 * CSV quoting, JSON and HTML escaping (bad UTF-8 included), atomic files,
 * and the history (windowed percentiles, resets, bounded memory). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/histogram.h"
#include "runtime/history.h"
#include "runtime/report_fmt.h"
#include "runtime/stats.h"

/* What fn writes to a FILE, as a malloc'ed string. */
static char *capture(void (*fn)(FILE *, const char *), const char *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    fn(f, arg);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

START_TEST(test_pyfloat)
{
    /* expected strings printed by python3's repr() */
    static const struct {
        double v;
        const char *repr;
    } cases[] = {
        { 4.0, "4.0" },
        { 3.9262225833375117, "3.9262225833375117" },
        { 1e-05, "1e-05" },
        { 0.0001, "0.0001" },
        { 1.5e16, "1.5e+16" },
        { 1e16, "1e+16" },
        { 123456789012345.6, "123456789012345.6" },
        { 0.1, "0.1" },
        { 100.0, "100.0" },
        { 1234567890123456.0, "1234567890123456.0" },
        { -2.5, "-2.5" },
        { 0.0, "0.0" },
        { 30.309, "30.309" },
        { 1.0 / 3, "0.3333333333333333" },
        { 2.5e-7, "2.5e-07" },
        { 1e22, "1e+22" },
        { 5e-324, "5e-324" },
        { 1.7976931348623157e308, "1.7976931348623157e+308" },
    };
    char buf[40];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_str_eq(crowd_fmt_pyfloat(buf, cases[i].v), cases[i].repr);
}
END_TEST

START_TEST(test_csv_field)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "/plain", "/plain" },
        { "", "" },
        { "a,b", "\"a,b\"" },
        { "say \"hi\"", "\"say \"\"hi\"\"\"" },
        { "two\nlines", "\"two\nlines\"" },
        { "cr\r", "\"cr\r\"" },
        { "<script>", "<script>" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = capture(crowd_fmt_csv_field, cases[i].in);
        ck_assert_str_eq(s, cases[i].out);
        free(s);
    }
}
END_TEST

START_TEST(test_json_string)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "/x", "\"/x\"" },
        { "q\"b\\", "\"q\\\"b\\\\\"" },
        { "\n\t\x01", "\"\\n\\t\\u0001\"" },
        { "<script>&", "\"\\u003cscript\\u003e\\u0026\"" },
        { "caf\xc3\xa9", "\"caf\\u00e9\"" },
        { "\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"" },         /* U+1F600: a surrogate pair */
        { "bad\xff\xfe!", "\"bad\\ufffd\\ufffd!\"" },          /* not UTF-8 */
        { "\xc0\xaf", "\"\\ufffd\\ufffd\"" },                  /* overlong '/' */
        { "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },        /* a surrogate */
        { "cut\xe2\x82", "\"cut\\ufffd\\ufffd\"" },            /* truncated */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = capture(crowd_fmt_json_string, cases[i].in);
        ck_assert_str_eq(s, cases[i].out);
        free(s);
    }
}
END_TEST

START_TEST(test_html)
{
    char *s = capture(crowd_fmt_html, "<script>alert('x')</script> & \"q\" caf\xc3\xa9 \xff\x01");
    ck_assert_str_eq(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; "
                        "caf\xc3\xa9 &#xFFFD;&#xFFFD;");
    free(s);
}
END_TEST

START_TEST(test_atomic_and_checks)
{
    char dir[] = "/tmp/check_reports.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof path, "%s/a/b/out.csv", dir);
    ck_assert_int_eq(crowd_fmt_check_writable(path), 0); /* creates a/b */
    FILE *f = crowd_fmt_atomic_open(path, tmp, sizeof tmp);
    ck_assert_ptr_nonnull(f);
    fputs("hello", f);
    ck_assert_int_ne(access(path, F_OK), 0); /* nothing there until the commit */
    ck_assert_int_eq(crowd_fmt_atomic_commit(f, tmp, path), 0);
    ck_assert_int_ne(access(tmp, F_OK), 0);
    FILE *r = fopen(path, "r");
    char buf[16] = { 0 };
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, r));
    fclose(r);
    ck_assert_str_eq(buf, "hello");

    /* a directory in the way, and a file where a directory should be */
    snprintf(path, sizeof path, "%s/a", dir);
    ck_assert_int_eq(crowd_fmt_check_writable(path), -1);
    ck_assert_int_eq(errno, EISDIR);
    snprintf(path, sizeof path, "%s/a/b/out.csv/x.csv", dir);
    ck_assert_int_eq(crowd_fmt_check_writable(path), -1);

    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_history_window)
{
    crowd_stats *st = crowd_stats_new(1000.0);
    crowd_history *h = crowd_history_new();
    ck_assert_ptr_nonnull(h);
    /* 10 s at 1 ms, then 10 s at 100 ms: the window forgets the first */
    double t = 1000.0;
    for (int s = 0; s < 20; s++) {
        for (int i = 0; i < 100; i++)
            crowd_stats_record(st, "GET", "/x", s < 10 ? 1000 : 100000, 10, NULL, t + s + i / 100.0);
        crowd_history_sample(h, st, 5, t + s + 1);
    }
    const crowd_hist *w = crowd_history_window(h, 0);
    ck_assert_ptr_nonnull(w);
    ck_assert_uint_eq(crowd_hist_count(w), 1000);
    ck_assert_double_eq_tol(crowd_hist_percentile(w, 0.5), 100000, 1000);
    /* the cumulative histogram still holds both halves */
    const crowd_stats_entry *e = crowd_stats_entry_at(st, 0);
    ck_assert_double_eq_tol(crowd_hist_percentile(crowd_stats_entry_hist(e), 0.25), 1000, 10);

    size_t n;
    const crowd_history_point *p = crowd_history_points(h, CROWD_HISTORY_TOTAL, &n);
    ck_assert_uint_eq(n, 20);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i].requests;
    ck_assert_uint_eq(sum, 2000);
    ck_assert_uint_eq(p[19].users, 5);
    ck_assert_double_eq_tol(p[19].p95_ms, 100.0, 1.0);

    /* a reset restarts the window; the points stay */
    crowd_stats_reset(st, t + 21);
    crowd_stats_record(st, "GET", "/x", 5000, 10, NULL, t + 21.5);
    crowd_history_sample(h, st, 5, t + 22);
    w = crowd_history_window(h, 0);
    ck_assert_uint_eq(crowd_hist_count(w), 1);
    ck_assert_double_eq_tol(crowd_hist_percentile(w, 0.99), 5000, 50);
    p = crowd_history_points(h, 0, &n);
    ck_assert_uint_eq(n, 21);
    ck_assert_uint_eq(p[20].requests, 1);

    crowd_history_free(h);
    crowd_stats_free(st);
}
END_TEST

START_TEST(test_history_bounded)
{
    crowd_stats *st = crowd_stats_new(0.0);
    crowd_history *h = crowd_history_new();
    uint64_t total = 0;
    size_t samples = 3 * CROWD_HISTORY_TOTAL_POINTS + 7;
    for (size_t s = 0; s < samples; s++) {
        crowd_stats_record(st, "GET", "/x", 1000, 0, NULL, (double)s + 0.5);
        total++;
        crowd_history_sample(h, st, s, (double)s + 1);
    }
    size_t n, e;
    const crowd_history_point *p = crowd_history_points(h, CROWD_HISTORY_TOTAL, &n);
    crowd_history_points(h, 0, &e);
    ck_assert_uint_le(n, CROWD_HISTORY_TOTAL_POINTS);
    ck_assert_uint_ge(n, CROWD_HISTORY_TOTAL_POINTS / 4);
    ck_assert_uint_le(e, CROWD_HISTORY_ENTRY_POINTS);
    uint64_t sum = 0, span = 0;
    for (size_t i = 0; i < n; i++) {
        sum += p[i].requests;
        span += p[i].span;
        if (i > 0)
            ck_assert(p[i].start >= p[i - 1].time - 1e-9);
    }
    ck_assert_uint_eq(sum, total); /* merging keeps every request */
    ck_assert_uint_eq(span, samples);
    ck_assert_uint_eq(p[n - 1].users, samples - 1); /* users: the max of a merged span */
    crowd_history_free(h);
    crowd_stats_free(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_pyfloat);
    tcase_add_test(tc, test_csv_field);
    tcase_add_test(tc, test_json_string);
    tcase_add_test(tc, test_html);
    tcase_add_test(tc, test_atomic_and_checks);
    tcase_add_test(tc, test_history_window);
    tcase_add_test(tc, test_history_bounded);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
