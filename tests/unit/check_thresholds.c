/* check_thresholds.c — thresholds evaluated on the stats, the timing and
 * corrected-latency measures, the JUnit report's escaping and file. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/histogram.h"
#include "runtime/junit.h"
#include "runtime/measure.h"
#include "runtime/stats.h"
#include "runtime/thresholds.h"

#define T0 1000000.0

/* GET a: 1..100 ms; POST a: 1 s; GET b: 10 requests of 5 ms, 2 failed. */
static crowd_stats *sample_stats(void)
{
  crowd_stats *st = crowd_stats_new(T0);
  ck_assert_ptr_nonnull(st);
  for (int i = 1; i <= 100; i++)
    crowd_stats_record(st, "GET", "a", (uint64_t)i * 1000, 10, NULL, T0 + 1 + i * 0.01);
  crowd_stats_record(st, "POST", "a", 1000000, 10, NULL, T0 + 2);
  for (int i = 0; i < 10; i++)
    crowd_stats_record(st, "GET", "b", 5000, 10, i < 2 ? "HTTP 500" : NULL, T0 + 3 + i * 0.1);
  crowd_stats_record(st, "GET", "c", 7000, 10, NULL, T0 + 4); /* the run lasts 4 s */
  return st;
}

static crowd_threshold_desc thr(crowd_thr_metric m, double pct, const char *name, crowd_thr_op op,
                                double value)
{
  crowd_threshold_desc d = { .text = "t", .metric = m, .pct = pct, .name = name, .op = op, .value = value };
  return d;
}

START_TEST(observe_metrics)
{
  crowd_stats *st = sample_stats();
  double v;
  crowd_threshold_desc d = thr(CROWD_THR_PERCENTILE, 50, "a", CROWD_THR_LT, 0.2);
  /* "a" merges GET and POST: 101 values, the median is the 51st: 51 ms */
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq_tol(v, 0.051, 0.051 * 0.01);
  d.pct = 100;
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq_tol(v, 1.0, 1e-9); /* the POST's 1 s, exactly (max) */
  d.metric = CROWD_THR_MAX;
  d.name = NULL; /* Aggregated */
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq_tol(v, 1.0, 1e-9);
  d.metric = CROWD_THR_MIN;
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq_tol(v, 0.001, 1e-9);
  d.metric = CROWD_THR_AVG;
  d.name = "b";
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq_tol(v, 0.005, 1e-9);
  d.metric = CROWD_THR_FAIL_RATIO;
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq_tol(v, 0.2, 1e-12);
  d.name = NULL;
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq_tol(v, 2.0 / 112.0, 1e-12);
  d.metric = CROWD_THR_COUNT;
  d.name = "a";
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq(v, 101);
  d.metric = CROWD_THR_FAILS;
  d.name = "b";
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq(v, 2);
  d.metric = CROWD_THR_RPS;
  d.name = NULL;
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq_tol(v, 112.0 / 4.0, 1e-9);
  /* no request of that name: times and ratios have no value, counts are 0 */
  d.name = "nothing";
  d.metric = CROWD_THR_PERCENTILE;
  ck_assert(!crowd_thr_observe(&d, st, &v));
  d.metric = CROWD_THR_FAIL_RATIO;
  ck_assert(!crowd_thr_observe(&d, st, &v));
  d.metric = CROWD_THR_COUNT;
  ck_assert(crowd_thr_observe(&d, st, &v));
  ck_assert_double_eq(v, 0);
  crowd_stats_free(st);
}
END_TEST

START_TEST(comparisons)
{
  crowd_threshold_desc d = thr(CROWD_THR_AVG, 0, NULL, CROWD_THR_LT, 0.2);
  ck_assert(crowd_thr_holds(&d, 0.1999));
  ck_assert(!crowd_thr_holds(&d, 0.2));
  d.op = CROWD_THR_LE;
  ck_assert(crowd_thr_holds(&d, 0.2));
  d.op = CROWD_THR_GT;
  ck_assert(!crowd_thr_holds(&d, 0.2));
  ck_assert(crowd_thr_holds(&d, 0.21));
  d.op = CROWD_THR_GE;
  ck_assert(crowd_thr_holds(&d, 0.2));
}
END_TEST

START_TEST(evaluate_and_abort)
{
  crowd_stats *st = sample_stats();
  crowd_threshold_desc ds[4] = {
    thr(CROWD_THR_PERCENTILE, 95, "a", CROWD_THR_LT, 0.2),   /* p95 of a = 96 ms: pass */
    thr(CROWD_THR_FAIL_RATIO, 0, "b", CROWD_THR_LT, 0.01),   /* 20%: fail */
    thr(CROWD_THR_MAX, 0, "zzz", CROWD_THR_LT, 1),           /* no requests: fail */
    thr(CROWD_THR_COUNT, 0, NULL, CROWD_THR_GT, 100),        /* 112: pass */
  };
  ds[1].abort_on_fail = 1;
  ds[1].grace = 10;
  ds[2].abort_on_fail = 1; /* no value: never aborts */
  crowd_thresholds *t = crowd_thr_new(ds, 4);
  ck_assert(crowd_thr_any_abort(t));
  ck_assert_int_eq(crowd_thr_check_abort(t, st, 5), -1); /* within its grace */
  ck_assert_int_eq(crowd_thr_check_abort(t, st, 11), 1);
  ck_assert_int_eq(crowd_thr_aborted_by(t), 1);
  crowd_thr_evaluate(t, st);
  ck_assert(crowd_thr_passed(t, 0));
  ck_assert(!crowd_thr_passed(t, 1));
  ck_assert(!crowd_thr_passed(t, 2));
  ck_assert(!crowd_thr_has_value(t, 2));
  ck_assert(crowd_thr_passed(t, 3));
  ck_assert_uint_eq(crowd_thr_failed(t), 2);
  char buf[64];
  ck_assert_str_eq(crowd_thr_format(t, 1, buf, sizeof buf), "20.00%");
  ck_assert_str_eq(crowd_thr_format(t, 2, buf, sizeof buf), "no requests");
  ck_assert_str_eq(crowd_thr_format(t, 3, buf, sizeof buf), "112");
  ck_assert_str_eq(crowd_thr_metric_label(&ds[0], buf, sizeof buf), "p95");

  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  crowd_thr_print_summary(t, out, false);
  fclose(out);
  ck_assert_ptr_nonnull(strstr(text, "Thresholds: 2 passed, 2 failed\n"));
  ck_assert_ptr_nonnull(strstr(text, "  PASS t .. p95=95.74 ms\n"));
  ck_assert_ptr_nonnull(strstr(text, "  FAIL t .. fail-ratio=20.00%  (aborted the run)\n"));
  free(text);
  crowd_thr_free(t);
  crowd_stats_free(st);

  crowd_thresholds *none = crowd_thr_new(NULL, 0);
  ck_assert(!crowd_thr_any_abort(none));
  ck_assert_uint_eq(crowd_thr_count(none), 0);
  crowd_thr_free(none);
}
END_TEST

START_TEST(timings_and_corrected)
{
  crowd_stats *st = crowd_stats_new(T0);
  crowd_sample s = { .response_us = 3000, .timing = { .valid = true, .us = { 100, 200, 0, 2500 } } };
  crowd_stats_record_sample(st, "GET", "x", &s, T0 + 1);
  s.timing.us[CROWD_PHASE_DNS] = 0;
  s.timing.us[CROWD_PHASE_TTFB] = 1500;
  s.has_corrected = true;
  s.corrected_us = 9000;
  crowd_stats_record_sample(st, "GET", "x", &s, T0 + 1);
  s.timing.valid = false;
  s.has_corrected = false;
  crowd_stats_record_sample(st, "GET", "y", &s, T0 + 1);
  const crowd_stats_entry *x = crowd_stats_entry_at(st, 0), *y = crowd_stats_entry_at(st, 1);
  ck_assert_uint_eq(crowd_measure_timed(x), 2);
  ck_assert_uint_eq(crowd_measure_timed(y), 0);
  ck_assert_double_eq_tol(crowd_measure_phase_avg(x, CROWD_PHASE_DNS), 50, 1e-9);
  ck_assert_uint_eq(crowd_measure_phase_max(x, CROWD_PHASE_TTFB), 2500);
  ck_assert_uint_eq(crowd_measure_phase_sum(x, CROWD_PHASE_CONNECT), 400);
  ck_assert_ptr_nonnull(crowd_measure_ttfb_hist(x));
  ck_assert_ptr_null(crowd_measure_ttfb_hist(y));
  const crowd_hist *c = crowd_measure_corrected_hist(x);
  ck_assert_ptr_nonnull(c);
  ck_assert_uint_eq(crowd_hist_count(c), 1);
  ck_assert_uint_eq(crowd_hist_max(c), 9000);
  ck_assert_ptr_null(crowd_measure_corrected_hist(y));
  ck_assert_uint_eq(crowd_measure_timed(crowd_stats_total(st)), 2);
  ck_assert_ptr_nonnull(crowd_measure_corrected_hist(crowd_stats_total(st)));

  crowd_stats_note_schedule(st, 500);
  crowd_stats_note_schedule(st, 250000);
  ck_assert_uint_eq(crowd_measure_paced_starts(st), 2);
  ck_assert_uint_eq(crowd_measure_late_starts(st), 1);
  ck_assert_uint_eq(crowd_measure_max_lag_us(st), 250000);
  ck_assert(!crowd_stats_note_cpu(st, 50));
  ck_assert(crowd_stats_note_cpu(st, 95));
  ck_assert(!crowd_stats_note_cpu(st, 97)); /* warned once */
  ck_assert(crowd_measure_cpu_warning(st));
  ck_assert_double_eq(crowd_measure_cpu_max(st), 97);

  /* Locust's reset_all: counts zero, the rows stay; the CPU flag stays */
  crowd_stats_reset(st, T0 + 10);
  ck_assert_uint_eq(crowd_stats_entry_count(st), 2);
  ck_assert_uint_eq(crowd_measure_timed(x), 0);
  ck_assert_ptr_null(crowd_measure_corrected_hist(x));
  ck_assert_uint_eq(crowd_measure_paced_starts(st), 0);
  ck_assert(crowd_measure_cpu_warning(st));
  crowd_stats_free(st);
}
END_TEST

static char *xml_of(const char *s, int attribute)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  crowd_junit_xml_text(out, s, attribute);
  fclose(out);
  return text;
}

START_TEST(xml_escaping)
{
  char *t = xml_of("<a href=\"x\">&'</a>", 0);
  ck_assert_str_eq(t, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  free(t);
  /* controls become U+FFFD, tab and LF stay (escaped in attributes) */
  t = xml_of("a\x01" "b\tc\nd\x7f", 0);
  ck_assert_str_eq(t, "a\xEF\xBF\xBD" "b\tc\nd\xEF\xBF\xBD");
  free(t);
  t = xml_of("b\tc\n", 1);
  ck_assert_str_eq(t, "b&#9;c&#10;");
  free(t);
  /* valid UTF-8 kept; invalid bytes, overlongs and surrogates replaced */
  t = xml_of("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80", 0);
  ck_assert_str_eq(t, "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80");
  free(t);
  t = xml_of("\xff\xC0\xAF\xED\xA0\x80\xE2\x9C", 0);
  ck_assert_str_eq(t, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                      "\xEF\xBF\xBD\xEF\xBF\xBD");
  free(t);
  t = xml_of("\xEF\xBF\xBF", 0); /* U+FFFF is no XML character */
  ck_assert_str_eq(t, "\xEF\xBF\xBD");
  free(t);
}
END_TEST

START_TEST(junit_file)
{
  char dir[] = "/tmp/check-junit.XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[256], bad[256], err[512];
  snprintf(path, sizeof path, "%s/report.xml", dir);
  snprintf(bad, sizeof bad, "%s/missing/report.xml", dir);
  ck_assert_int_eq(crowd_junit_check(path, err, sizeof err), 0);
  ck_assert_int_eq(access(path, F_OK), -1); /* the probe left nothing */
  ck_assert_int_eq(crowd_junit_check(bad, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));

  crowd_stats *st = sample_stats();
  crowd_stats_record(st, "GET", "<x&y>", 1000, 0, "bad \"quote\"\x01", T0 + 4);
  crowd_threshold_desc ds[1] = { thr(CROWD_THR_FAIL_RATIO, 0, NULL, CROWD_THR_LT, 0.01) };
  ds[0].text = "fail-ratio < 1%";
  crowd_thresholds *t = crowd_thr_new(ds, 1);
  crowd_thr_evaluate(t, st);
  ck_assert_int_eq(crowd_junit_write(path, "s<1>", 4.0, st, t, err, sizeof err), 0);
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  ck_assert_ptr_nonnull(strstr(buf, "<testsuites name=\"s&lt;1&gt;\" tests=\"6\" failures=\"3\""));
  ck_assert_ptr_nonnull(strstr(buf, "name=\"GET &lt;x&amp;y&gt;\""));
  ck_assert_ptr_nonnull(strstr(buf, "1 x bad &quot;quote&quot;\xEF\xBF\xBD\n"));
  ck_assert_ptr_nonnull(strstr(buf, "<failure type=\"request\" message=\"2 of 10 requests failed (20.00%)\">"
                                    "2 x HTTP 500\n</failure>"));
  ck_assert_ptr_nonnull(strstr(buf, "<failure type=\"threshold\" message=\"threshold breached: fail-ratio=2.65%\">"));
  ck_assert_int_eq(crowd_junit_write(bad, "s", 1.0, st, t, err, sizeof err), -1);
  crowd_thr_free(t);
  crowd_stats_free(st);
  ck_assert_int_eq(unlink(path), 0);
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("thresholds");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, observe_metrics);
  tcase_add_test(tc, comparisons);
  tcase_add_test(tc, evaluate_and_abort);
  tcase_add_test(tc, timings_and_corrected);
  tcase_add_test(tc, xml_escaping);
  tcase_add_test(tc, junit_file);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
