#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <crowd/crowd.h>

#include "client_cert.h"
#include "feeder.h"
#include "inspect.h"
#include "junit.h"
#include "log.h"
#include "conf.h"
#include "options.h"
#include "procs.h"
#include "reports.h"
#include "rlimits.h"
#include "runner.h"
#include "upload.h"
#include "webui.h"

static int host_ok(const char *h)
{
  return (strncasecmp(h, "http://", 7) == 0 && h[7] != '\0') ||
         (strncasecmp(h, "https://", 8) == 0 && h[8] != '\0');
}

static void print_help(const crowd_scenario_desc *sc, const char *prog)
{
  crowd_opt_print_help(stdout, prog);
  printf("\nRuns the load test '%s' (compiled from %s).\n", sc->name ? sc->name : "",
         sc->source ? sc->source : "?");
}

static const char *prog_name(int argc, char **argv)
{
  if (argc < 1 || argv[0] == NULL)
    return "crowd";
  const char *s = strrchr(argv[0], '/');
  return s ? s + 1 : argv[0];
}

/* --single-user names a class; -T/-E leave something to run (a class that
 * they leave without a task is not spawned: a warning); --show-task-ratio
 * and its JSON.  Returns 0 to go on, or 1 + the exit code. */
static int check_classes(const crowd_scenario_desc *sc, const crowd_options *opt, const char *prog)
{
  int single = -1;
  for (int i = 0; opt->single_user && i < sc->nusers; i++)
    if (strcmp(sc->users[i].name, opt->single_user) == 0)
      single = i;
  if (opt->single_user && single < 0) {
    crowd_log(CROWD_LOG_ERROR, "crowd.main", "Unknown User(s): %s", opt->single_user);
    return 1 + 1;
  }
  crowd_user_class *classes = calloc((size_t)sc->nusers, sizeof *classes);
  if (classes == NULL)
    return 1 + 1;
  crowd_tag_filter f;
  crowd_runner_tag_filter(opt, &f);
  bool filtering = f.ntags > 0 || f.nexclude > 0;
  int runnable = 0, rc = 0;
  for (int i = 0; i < sc->nusers && rc == 0; i++) {
    if (crowd_user_class_init_tags(&classes[i], &sc->users[i], &f) != 0) {
      crowd_log(CROWD_LOG_CRITICAL, "crowd.main", "out of memory");
      rc = 1 + 1;
    } else if (classes[i].total > 0) {
      runnable += single < 0 || single == i;
    } else if (single < 0 || single == i) {
      crowd_log(CROWD_LOG_WARNING, "crowd.main", "user class %s has no task left to run%s; it is not spawned",
                sc->users[i].name, filtering ? " after the tag filter (-T/-E)" : "");
    }
  }
  if (rc == 0 && runnable == 0) {
    /* a usage error: nothing would be sent */
    fprintf(stderr, "usage: %s [options]\ncrowd: error: no task left to run%s%s\n", prog,
            filtering ? " after the tag filter (-T/-E)" : "", single >= 0 ? " for --single-user" : "");
    rc = 1 + CROWD_OPT_USAGE;
  }
  if (rc == 0 && opt->show_task_ratio) {
    crowd_inspect_task_ratio(stdout, sc, classes, opt->users_set ? opt->users : 0);
    rc = 1 + 0;
  }
  if (rc == 0 && opt->show_task_ratio_json) {
    crowd_inspect_task_ratio_json(stdout, sc, classes, opt->users_set ? opt->users : 0);
    rc = 1 + 0;
  }
  for (int i = 0; i < sc->nusers; i++)
    crowd_user_class_free(&classes[i]);
  free(classes);
  return rc;
}

static int main_run(const crowd_scenario_desc *sc, const crowd_options *all, int argc, char **argv);

int crowd_main(const crowd_scenario_desc *sc, int argc, char **argv)
{
  if (sc == NULL || sc->abi != CROWD_ABI_VERSION) {
    fprintf(stderr, "crowd: error: this scenario was compiled for another runtime (ABI %d, runtime %d)\n",
            sc ? sc->abi : -1, CROWD_ABI_VERSION);
    return 1;
  }
  crowd_options all;
  /* scenario < config files < environment < command line (conf.h) */
  int rc = crowd_config_load(&all, sc, argc, argv, stderr);
  if (rc == 0)
    rc = main_run(sc, &all, argc, argv);
  crowd_opt_free(&all);
  return rc;
}

static int main_run(const crowd_scenario_desc *sc, const crowd_options *all, int argc, char **argv)
{
  crowd_options opt = *all;
  int rc;
  if (opt.help) {
    print_help(sc, prog_name(argc, argv));
    return 0;
  }
  if (opt.version) {
    printf("crowd %s (scenario %s)\n", PACKAGE_VERSION, sc->name ? sc->name : "");
    return 0;
  }
  if (opt.list) {
    printf("Available Users:\n");
    for (int i = 0; i < sc->nusers; i++)
      printf("    %s\n", sc->users[i].name);
    return 0;
  }
  crowd_log_init((crowd_log_level)opt.loglevel);

  if (sc->nusers <= 0 || sc->users == NULL) {
    crowd_log(CROWD_LOG_ERROR, "crowd.main", "No User class found!");
    return 1;
  }
  rc = check_classes(sc, &opt, prog_name(argc, argv));
  if (rc != 0)
    return rc - 1;
  if (opt.autoquit != -1 && !opt.autostart) {
    fprintf(stderr, "--autoquit is only meaningful in combination with --autostart\n");
    return 1;
  }
  /* the web UI's start form can give the host */
  bool web_host_later = !opt.headless && !opt.autostart && opt.single_user == NULL;
  const char *host = opt.host && opt.host[0] ? opt.host : sc->host;
  if (web_host_later && (host == NULL || host[0] == '\0')) {
    host = NULL;
  } else if (host == NULL || host[0] == '\0') {
    fprintf(stderr, "usage: %s [options]\ncrowd: error: no host to load test: give -H/--host URL "
            "(e.g. -H http://127.0.0.1:8080) or :host in the scenario\n", prog_name(argc, argv));
    return CROWD_OPT_USAGE;
  }
  if (host && !host_ok(host)) {
    fprintf(stderr, "usage: %s [options]\ncrowd: error: argument -H/--host: invalid URL '%s': "
            "expected http://HOST[:PORT] or https://HOST[:PORT]\n", prog_name(argc, argv), host);
    return CROWD_OPT_USAGE;
  }

  /* Report files (--csv, --html, --json-file, --report-json): writable,
   * before any load is sent. */
  if (crowd_reports_check(&opt, prog_name(argc, argv), stderr) != 0)
    return CROWD_OPT_USAGE;
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
    crowd_log(CROWD_LOG_WARNING, "crowd.main", "could not ignore SIGPIPE");
  /* Open files (raised to the hard limit) and ports for -u users, before
   * any load is sent. */
  if (host && crowd_limits_check(opt.users, host, stderr) != 0)
    return CROWD_EXIT_NO_START;
  /* Feeders' files: read and checked (columns) before any load. */
  if (crowd_feeders_load(sc, opt.feeders, opt.nfeeders, stderr) != 0)
    return CROWD_EXIT_NO_START;
  /* (file ...) bodies and client certificates: read once, before any load. */
  if (crowd_uploads_load(sc, stderr) != 0 ||
      crowd_certs_load(sc, opt.client_cert, opt.client_key, stderr) != 0)
    return CROWD_EXIT_NO_START;
  /* Report files that cannot be written: said now, before any load. */
  char jerr[512];
  if (opt.junit && crowd_junit_check(opt.junit, jerr, sizeof jerr) != 0) {
    fprintf(stderr, "usage: %s [options]\ncrowd: error: argument --junit: %s\n", prog_name(argc, argv), jerr);
    return CROWD_OPT_USAGE;
  }
  crowd_runner_web = &crowd_web_ops;
  /* --processes N (procs.h): usage errors before any load */
  int nprocs = crowd_procs_count(sc, &opt, prog_name(argc, argv), stderr);
  if (nprocs == 0)
    return CROWD_OPT_USAGE;
  rc = nprocs > 1 ? crowd_procs_run(sc, &opt, host, nprocs) : crowd_runner_run(sc, &opt, host);
  crowd_feeders_free();
  crowd_uploads_free();
  crowd_certs_free();
  return rc;
}
