/* check_conf.c — the other sources of options (runtime/conf.c): Locust's
 * conf syntax, errors with file:line, environment variables with their
 * names in errors, the precedence, and the value parsers behind them. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/conf.h"
#include "runtime/log.h"
#include "runtime/options.h"

static char errbuf[4096];

static int apply(crowd_options *o, const char *text)
{
  memset(errbuf, 0, sizeof errbuf);
  FILE *err = fmemopen(errbuf, sizeof errbuf - 1, "w");
  ck_assert_ptr_nonnull(err);
  int rc = crowd_config_apply_text(o, text, strlen(text), "crowd.conf", err);
  fclose(err);
  return rc;
}

static void assert_err(const char *want)
{
  ck_assert_msg(strstr(errbuf, want) != NULL, "expected '%s' in '%s'", want, errbuf);
}

START_TEST(syntax)
{
  crowd_options o;
  crowd_opt_defaults(&o);
  ck_assert_int_eq(apply(&o, "# a comment\n; another\n[crowd]\n\n"
                                 "users = 10\n"
                                 "spawn-rate: 2.5\n"
                                 "run-time 1h30m\n"
                                 "--host = \"http://127.0.0.1:8080\"  \n"
                                 "headless\n"
                                 "only-summary = false\n"
                                 "tags = [a, \"b c\", d]\n"
                                 "L = debug # inline comment\n"
                                 "exit-code-on-error = 3\r\n"
                                 "csv = 'out/run'"), 0);
  ck_assert_int_eq(o.users, 10);
  ck_assert(o.users_set);
  ck_assert(o.spawn_rate == 2.5);
  ck_assert_int_eq(o.run_time, 5400);
  ck_assert_str_eq(o.host, "http://127.0.0.1:8080");
  ck_assert(o.headless);
  ck_assert(!o.only_summary);
  ck_assert_int_eq(o.ntags, 3);
  ck_assert_str_eq(o.tags[0], "a");
  ck_assert_str_eq(o.tags[1], "b c");
  ck_assert_str_eq(o.tags[2], "d");
  ck_assert_int_eq(o.loglevel, CROWD_LOG_DEBUG);
  ck_assert_int_eq(o.exit_code_on_error, 3);
  ck_assert_str_eq(o.csv_prefix, "out/run");
  /* a later list replaces the earlier one; a bare value is one item */
  ck_assert_int_eq(apply(&o, "tags = x\n"), 0);
  ck_assert_int_eq(o.ntags, 1);
  ck_assert_str_eq(o.tags[0], "x");
  ck_assert_int_eq(apply(&o, "headless = false\n"), 0);
  ck_assert(!o.headless);
  crowd_opt_free(&o);
}
END_TEST

START_TEST(errors_name_the_line)
{
  crowd_options o;
  crowd_opt_defaults(&o);
  ck_assert_int_eq(apply(&o, "users = 1\n\nusers = lots\n"), CROWD_OPT_USAGE);
  assert_err("crowd: error: crowd.conf:3: option 'users': invalid value 'lots': expected a non-negative integer");
  ck_assert_int_eq(apply(&o, "usrs = 3\n"), CROWD_OPT_USAGE);
  assert_err("crowd.conf:1: unknown option 'usrs'; did you mean 'users'?");
  ck_assert_int_eq(apply(&o, "x\nrun-time = 3x\n"), CROWD_OPT_USAGE);
  assert_err("crowd.conf:1: unknown option 'x'");
  ck_assert_int_eq(apply(&o, "run-time = 3x\n"), CROWD_OPT_USAGE);
  assert_err("crowd.conf:1: option 'run-time': invalid time span '3x'");
  ck_assert_int_eq(apply(&o, "= 5\n"), CROWD_OPT_USAGE);
  assert_err("crowd.conf:1: expected 'option = value'");
  ck_assert_int_eq(apply(&o, "headless = maybe\n"), CROWD_OPT_USAGE);
  assert_err("option 'headless': invalid value 'maybe': expected true or false");
  ck_assert_int_eq(apply(&o, "spawn-rate = 0\n"), CROWD_OPT_USAGE);
  assert_err("expected a number greater than 0");
  crowd_opt_free(&o);
}
END_TEST

/* a fake environment for crowd_config_apply_env */
static const char *const *fake_env;

static char *fake_getenv(const char *name)
{
  for (size_t i = 0; fake_env[i]; i += 2)
    if (strcmp(fake_env[i], name) == 0)
      return (char *)fake_env[i + 1];
  return NULL;
}

START_TEST(environment)
{
  static const char *const env[] = {
    "CROWD_USERS", "7", "CROWD_RUN_TIME", "2m", "LOCUST_SPAWN_RATE", "3", "CROWD_HEADLESS", "true",
    "LOCUST_USERS", "99", "LOCUST_USERCLASS_PICKER", "true", "CROWD_ITERATIONS", "1000", NULL,
  };
  crowd_options o;
  crowd_opt_defaults(&o);
  fake_env = env;
  FILE *err = fmemopen(errbuf, sizeof errbuf - 1, "w");
  ck_assert_int_eq(crowd_config_apply_env(&o, fake_getenv, err), 0);
  fclose(err);
  ck_assert_int_eq(o.users, 7); /* CROWD_ wins over LOCUST_ */
  ck_assert_int_eq(o.run_time, 120);
  ck_assert(o.spawn_rate == 3.0);
  ck_assert(o.headless);
  ck_assert(o.class_picker);
  ck_assert_int_eq(o.iterations, 1000);

  static const char *const bad[] = { "CROWD_STOP_TIMEOUT", "soon", NULL };
  fake_env = bad;
  memset(errbuf, 0, sizeof errbuf);
  err = fmemopen(errbuf, sizeof errbuf - 1, "w");
  ck_assert_int_eq(crowd_config_apply_env(&o, fake_getenv, err), CROWD_OPT_USAGE);
  fclose(err);
  assert_err("crowd: error: environment variable CROWD_STOP_TIMEOUT: option 'stop-timeout': invalid time span 'soon'");
  crowd_opt_free(&o);
}
END_TEST

START_TEST(precedence)
{
  static const crowd_option_desc sopts[] = {
    { .name = "users", .value = "2", .site = "s.crowd:1:10" },
    { .name = "spawn-rate", .value = "5", .site = "s.crowd:1:20" },
    { .name = "run-time", .value = "60", .site = "s.crowd:1:30" },
  };
  crowd_scenario_desc sc = { .abi = CROWD_ABI_VERSION, .options = sopts, .noptions = 3 };
  char path[] = "/tmp/check_conf_XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  fputs("spawn-rate = 6\nrun-time = 70\n", f);
  fclose(f);
  setenv("CROWD_RUN_TIME", "80", 1);
  char a0[] = "prog", a1[] = "--config", a2[] = "-u", a3[] = "9";
  char *argv[] = { a0, a1, path, a2, a3, NULL };
  crowd_options o;
  ck_assert_int_eq(crowd_config_load(&o, &sc, 5, argv, stderr), 0);
  ck_assert_int_eq(o.users, 9);      /* command line over the scenario */
  ck_assert(o.spawn_rate == 6.0);    /* --config file over the scenario */
  ck_assert_int_eq(o.run_time, 80);  /* environment over the file */
  crowd_opt_free(&o);
  unsetenv("CROWD_RUN_TIME");
  /* a scenario value the runtime refuses names its place */
  static const crowd_option_desc bad[] = { { .name = "users", .value = "-1", .site = "s.crowd:2:3" } };
  sc.options = bad;
  sc.noptions = 1;
  memset(errbuf, 0, sizeof errbuf);
  FILE *err = fmemopen(errbuf, sizeof errbuf - 1, "w");
  ck_assert_int_eq(crowd_config_load(&o, &sc, 1, argv, err), CROWD_OPT_USAGE);
  fclose(err);
  assert_err("s.crowd:2:3: (options ...): option 'users'");
  crowd_opt_free(&o);
  unlink(path);
}
END_TEST

START_TEST(value_types)
{
  ck_assert_str_eq(crowd_opt_type("users"), "count");
  ck_assert_str_eq(crowd_opt_type("u"), "count");
  ck_assert_str_eq(crowd_opt_type("spawn-rate"), "rate");
  ck_assert_str_eq(crowd_opt_type("run-time"), "span");
  ck_assert_str_eq(crowd_opt_type("headless"), "flag");
  ck_assert_str_eq(crowd_opt_type("tags"), "list");
  ck_assert_str_eq(crowd_opt_type("host"), "string");
  ck_assert_ptr_null(crowd_opt_type("nope"));
  ck_assert_str_eq(crowd_opt_suggest_name("iteration"), "iterations");
}
END_TEST

static Suite *conf_suite(void)
{
  Suite *s = suite_create("conf");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, syntax);
  tcase_add_test(tc, errors_name_the_line);
  tcase_add_test(tc, environment);
  tcase_add_test(tc, precedence);
  tcase_add_test(tc, value_types);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(conf_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
