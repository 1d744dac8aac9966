/* options.h — the executable's command line, with Locust's flag names.
 *
 * One table describes every option; --help, parsing and "did you mean" all
 * read it.  Ownership: crowd_opt_parse fills a crowd_options the caller owns;
 * string fields borrow from argv.  The rest of the runtime only reads it.
 */
#ifndef CROWD_OPTIONS_H
#define CROWD_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#define CROWD_OPT_MAX_TAGS 64
#define CROWD_OPT_MAX_FEEDERS 64

typedef struct crowd_options {
  long users;              /* -u/--users, >= 0 */
  double spawn_rate;       /* -r/--spawn-rate, > 0 */
  long run_time;           /* -t/--run-time in seconds; 0 = no limit */
  long stop_timeout;       /* -s/--stop-timeout in seconds */
  const char *host;        /* -H/--host, or NULL */
  long exit_code_on_error; /* --exit-code-on-error */
  long loglevel;           /* -L/--loglevel, a crowd_log_level */
  bool headless;           /* --headless */
  bool only_summary;       /* --only-summary */
  bool list;               /* -l/--list */
  bool version;            /* -V/--version */
  bool help;               /* -h/--help */
  /* file reports (reports.h, doc/running.md) */
  const char *csv_prefix;  /* --csv PREFIX */
  bool csv_full_history;   /* --csv-full-history (needs --csv) */
  const char *html;        /* --html FILE ({u} {r} {t} replaced) */
  bool json;               /* --json: Locust's JSON on stdout at the end */
  const char *json_file;   /* --json-file NAME: NAME.json */
  const char *report_json; /* --report-json FILE: crowd's full JSON schema */
  /* -T/--tags and -E/--exclude-tags: the words after the flag, up to the
   * next option (argparse's nargs='*'); 0 words = no filter */
  const char *tags[CROWD_OPT_MAX_TAGS];
  int ntags;
  const char *exclude_tags[CROWD_OPT_MAX_TAGS];
  int nexclude_tags;
  bool show_task_ratio;      /* --show-task-ratio */
  bool show_task_ratio_json; /* --show-task-ratio-json */
  const char *single_user;   /* --single-user NAME, or NULL */
  bool users_set;          /* -u was given (--show-task-ratio's count) */
  const char *feeders[CROWD_OPT_MAX_FEEDERS]; /* --feeder NAME=PATH, in order */
  int nfeeders;
} crowd_options;

/* Exit code for usage errors, as argparse's. */
#define CROWD_OPT_USAGE 2

void crowd_opt_defaults(crowd_options *o);

/* Parse argv[1..argc-1] into *o (defaults first).  Returns 0, or
 * CROWD_OPT_USAGE after printing "usage: ..." and "crowd: error: ..." on err. */
int crowd_opt_parse(crowd_options *o, int argc, char **argv, FILE *err);

/* The option list for --help. */
void crowd_opt_print_help(FILE *out, const char *prog);

/* A time span as Locust accepts it: "20", "20s", "3m", "1h30m", "3h30m10s".
 * Returns 0 and the seconds in *secs, or -1. */
int crowd_opt_timespan(const char *s, long *secs);

/* The long option nearest to an unknown one (e.g. "--user" -> "--users"), or
 * NULL when none is close. */
const char *crowd_opt_suggest(const char *arg);

#endif
