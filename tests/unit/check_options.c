/* check_options.c — the command line: every flag form, every error message,
 * time spans and "did you mean". */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/log.h"
#include "runtime/options.h"

/* Parse a NULL-terminated argument list; the error text lands in errbuf. */
static char errbuf[4096];

static int parse(crowd_options *o, ...)
{
  char *argv[32];
  int argc = 0;
  va_list ap;
  va_start(ap, o);
  argv[argc++] = "prog";
  for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
    argv[argc++] = a;
  va_end(ap);
  argv[argc] = NULL;
  memset(errbuf, 0, sizeof errbuf);
  FILE *err = fmemopen(errbuf, sizeof errbuf - 1, "w");
  ck_assert_ptr_nonnull(err);
  int rc = crowd_opt_parse(o, argc, argv, err);
  fclose(err);
  return rc;
}

static void assert_error(const char *want, crowd_options *o, int rc)
{
  (void)o;
  ck_assert_int_eq(rc, CROWD_OPT_USAGE);
  ck_assert_msg(strstr(errbuf, want) != NULL, "expected '%s' in '%s'", want, errbuf);
  ck_assert_msg(strncmp(errbuf, "usage: prog [options]\n", 22) == 0, "no usage line: '%s'", errbuf);
}

START_TEST(defaults)
{
  crowd_options o;
  ck_assert_int_eq(parse(&o, NULL), 0);
  ck_assert_int_eq(o.users, 1);
  ck_assert(o.spawn_rate == 1.0);
  ck_assert_int_eq(o.run_time, 0);
  ck_assert_int_eq(o.stop_timeout, 0);
  ck_assert_ptr_null(o.host);
  ck_assert_int_eq(o.exit_code_on_error, 1);
  ck_assert_int_eq(o.loglevel, CROWD_LOG_INFO);
  ck_assert(!o.headless && !o.only_summary && !o.list && !o.version && !o.help);
}
END_TEST

START_TEST(value_forms)
{
  crowd_options o;
  ck_assert_int_eq(parse(&o, "--users", "5", NULL), 0);
  ck_assert_int_eq(o.users, 5);
  ck_assert_int_eq(parse(&o, "--users=6", NULL), 0);
  ck_assert_int_eq(o.users, 6);
  ck_assert_int_eq(parse(&o, "-u", "7", NULL), 0);
  ck_assert_int_eq(o.users, 7);
  ck_assert_int_eq(parse(&o, "-u8", NULL), 0);
  ck_assert_int_eq(o.users, 8);
  ck_assert_int_eq(parse(&o, "-u", "0", NULL), 0);
  ck_assert_int_eq(o.users, 0);
}
END_TEST

START_TEST(every_flag)
{
  crowd_options o;
  ck_assert_int_eq(parse(&o, "-u", "50", "-r", "2.5", "-t", "1h30m", "-H", "http://127.0.0.1:8080",
                         "--headless", "--exit-code-on-error", "3", "-s", "10s", "-L", "debug",
                         "--only-summary", NULL), 0);
  ck_assert_int_eq(o.users, 50);
  ck_assert(o.spawn_rate == 2.5);
  ck_assert_int_eq(o.run_time, 5400);
  ck_assert_str_eq(o.host, "http://127.0.0.1:8080");
  ck_assert(o.headless && o.only_summary);
  ck_assert_int_eq(o.exit_code_on_error, 3);
  ck_assert_int_eq(o.stop_timeout, 10);
  ck_assert_int_eq(o.loglevel, CROWD_LOG_DEBUG);

  ck_assert_int_eq(parse(&o, "--spawn-rate=0.5", "--run-time=20", "--host=https://x", "--loglevel=Warning",
                         "--stop-timeout", "3", NULL), 0);
  ck_assert(o.spawn_rate == 0.5);
  ck_assert_int_eq(o.run_time, 20);
  ck_assert_str_eq(o.host, "https://x");
  ck_assert_int_eq(o.loglevel, CROWD_LOG_WARNING);
  ck_assert_int_eq(o.stop_timeout, 3);

  ck_assert_int_eq(parse(&o, "-l", NULL), 0);
  ck_assert(o.list);
  ck_assert_int_eq(parse(&o, "--list", "-V", NULL), 0);
  ck_assert(o.list && o.version);
  ck_assert_int_eq(parse(&o, "--version", NULL), 0);
  ck_assert(o.version);
  ck_assert_int_eq(parse(&o, "-h", NULL), 0);
  ck_assert(o.help);
  ck_assert_int_eq(parse(&o, "--help", NULL), 0);
  ck_assert(o.help);
  ck_assert_int_eq(parse(&o, "-Lcritical", "--exit-code-on-error=0", NULL), 0);
  ck_assert_int_eq(o.loglevel, CROWD_LOG_CRITICAL);
  ck_assert_int_eq(o.exit_code_on_error, 0);
  ck_assert_int_eq(parse(&o, "-L", "ERROR", NULL), 0);
  ck_assert_int_eq(o.loglevel, CROWD_LOG_ERROR);
}
END_TEST

START_TEST(errors)
{
  crowd_options o;
  assert_error("crowd: error: argument -u/--users: invalid value '-5': expected a non-negative integer",
               &o, parse(&o, "-u", "-5", NULL));
  assert_error("argument -u/--users: invalid value 'abc': expected a non-negative integer",
               &o, parse(&o, "--users=abc", NULL));
  assert_error("argument -u/--users: invalid value '': expected a non-negative integer",
               &o, parse(&o, "--users=", NULL));
  assert_error("argument -r/--spawn-rate: invalid value '0': expected a number greater than 0",
               &o, parse(&o, "-r", "0", NULL));
  assert_error("argument -r/--spawn-rate: invalid value 'nan': expected a number greater than 0",
               &o, parse(&o, "-r", "nan", NULL));
  assert_error("argument -r/--spawn-rate: invalid value '-1': expected a number greater than 0",
               &o, parse(&o, "-r-1", NULL));
  assert_error("argument -t/--run-time: invalid time span '3x' (examples: 20s, 3m, 1h30m)",
               &o, parse(&o, "-t", "3x", NULL));
  assert_error("argument -s/--stop-timeout: invalid time span 'soon' (examples: 20s, 3m, 1h30m)",
               &o, parse(&o, "-s", "soon", NULL));
  assert_error("argument --exit-code-on-error: expected one argument",
               &o, parse(&o, "--exit-code-on-error", NULL));
  assert_error("argument --exit-code-on-error: invalid value 'x': expected an integer",
               &o, parse(&o, "--exit-code-on-error", "x", NULL));
  assert_error("argument -L/--loglevel: invalid choice 'loud' (choose from DEBUG, INFO, WARNING, ERROR, CRITICAL)",
               &o, parse(&o, "-L", "loud", NULL));
  assert_error("argument -H/--host: expected one argument", &o, parse(&o, "-H", NULL));
  assert_error("argument --headless: ignored explicit argument 'yes'", &o, parse(&o, "--headless=yes", NULL));
  assert_error("unrecognized argument '--user'; did you mean '--users'?", &o, parse(&o, "--user", "5", NULL));
  assert_error("unrecognized argument '--spawnrate=3'; did you mean '--spawn-rate'?",
               &o, parse(&o, "--spawnrate=3", NULL));
  assert_error("unrecognized argument '--headles'; did you mean '--headless'?", &o, parse(&o, "--headles", NULL));
  assert_error("unrecognized argument '--zzzzzzzz'\n", &o, parse(&o, "--zzzzzzzz", NULL));
  assert_error("unrecognized argument 'Browser'\n", &o, parse(&o, "Browser", NULL));
  assert_error("unrecognized argument '-x'\n", &o, parse(&o, "-x", NULL));
  assert_error("unrecognized argument '-'\n", &o, parse(&o, "-", NULL));
}
END_TEST

START_TEST(timespans)
{
  static const struct { const char *s; long secs; } ok[] = {
    { "20", 20 }, { "0", 0 }, { "20s", 20 }, { "3m", 180 }, { "1h", 3600 }, { "1h30m", 5400 },
    { "3h30m10s", 12610 }, { "2m5s", 125 }, { "1h5s", 3605 }, { "90m", 5400 }, { "007s", 7 },
  };
  static const char *const bad[] = {
    "", "3x", "s", "h1", "1m1h", "1s1m", "1h1h", "20 s", " 20", "-1", "1.5m", "20s5", "1hh",
    "99999999999999999999", "9999999999999999h",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    long secs = -1;
    ck_assert_msg(crowd_opt_timespan(ok[i].s, &secs) == 0, "'%s' rejected", ok[i].s);
    ck_assert_int_eq(secs, ok[i].secs);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    long secs;
    ck_assert_msg(crowd_opt_timespan(bad[i], &secs) != 0, "'%s' accepted", bad[i]);
  }
}
END_TEST

START_TEST(suggestions)
{
  ck_assert_str_eq(crowd_opt_suggest("--user"), "--users");
  ck_assert_str_eq(crowd_opt_suggest("--run_time"), "--run-time");
  ck_assert_str_eq(crowd_opt_suggest("--hots"), "--host");
  ck_assert_str_eq(crowd_opt_suggest("--loglvl"), "--loglevel");
  ck_assert_str_eq(crowd_opt_suggest("--only-sumary"), "--only-summary");
  ck_assert_ptr_null(crowd_opt_suggest("--banana"));
  ck_assert_ptr_null(crowd_opt_suggest("--"));
}
END_TEST

START_TEST(help_lists_every_option)
{
  char buf[8192] = "";
  FILE *f = fmemopen(buf, sizeof buf - 1, "w");
  ck_assert_ptr_nonnull(f);
  crowd_opt_print_help(f, "prog");
  fclose(f);
  static const char *const want[] = {
    "usage: prog [options]", "-u, --users N", "-r, --spawn-rate RATE", "-t, --run-time TIME",
    "-H, --host URL", "--headless", "--only-summary", "--exit-code-on-error CODE",
    "-s, --stop-timeout TIME", "-L, --loglevel LEVEL", "-l, --list", "-V, --version", "-h, --help",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    ck_assert_msg(strstr(buf, want[i]) != NULL, "--help lacks '%s'", want[i]);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("options");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, defaults);
  tcase_add_test(tc, value_forms);
  tcase_add_test(tc, every_flag);
  tcase_add_test(tc, errors);
  tcase_add_test(tc, timespans);
  tcase_add_test(tc, suggestions);
  tcase_add_test(tc, help_lists_every_option);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
