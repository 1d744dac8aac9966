/* options.h — the executable's command line, with Locust's flag names.
 *
 * One table describes every option; --help, parsing and "did you mean" all
 * read it, and conf.c feeds it the other sources (config files, CROWD_*
 * environment variables, the scenario's (options ...)) through crowd_opt_set.
 * Ownership: crowd_opt_parse fills a crowd_options the caller owns; string
 * fields borrow from argv, or from copies the options own (values from the
 * other sources), freed by crowd_opt_free.  The rest of the runtime only
 * reads it.
 */
#ifndef CROWD_OPTIONS_H
#define CROWD_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#define CROWD_OPT_MAX_TAGS 64
#define CROWD_OPT_MAX_FEEDERS 64
#define CROWD_OPT_MAX_PERCENTILES 32

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
  /* the web UI (webui.h), when not --headless */
  bool autostart;          /* --autostart */
  long autoquit;           /* --autoquit SECONDS, -1 = never */
  const char *web_host;    /* --web-host, default 127.0.0.1 */
  long web_port;           /* --web-port/-P, default 8089 */
  const char *web_auth;    /* --web-auth USER:PASSWORD, or NULL */
  const char *web_base_path; /* --web-base-path, "" or "/prefix" */
  const char *tls_cert;    /* --tls-cert FILE, or NULL */
  const char *tls_key;     /* --tls-key FILE, or NULL */
  const char *client_cert; /* --client-cert FILE: every user's TLS client certificate, or NULL */
  const char *client_key;  /* --client-key FILE: its private key, or NULL */
  bool class_picker;       /* --class-picker */
  /* measurement (doc/running.md) */
  const char *junit;       /* --junit FILE, or NULL */
  double percentiles[CROWD_OPT_MAX_PERCENTILES]; /* --percentiles, as fractions */
  int npercentiles;        /* 0: Locust's list */
  bool print_stats;        /* --print-stats (the periodic table; the default) */
  bool reset_stats;        /* --reset-stats: reset the stats once every user is spawned */
  bool timings;            /* --timings: the timing breakdown table at the end */
  /* load control (doc/running.md) */
  long iterations;         /* -n/--iterations: task iterations in all; 0 = no limit */
  const char *config;      /* --config FILE (read by conf.c) */
  long exit_code_on_interrupt; /* --exit-code-on-interrupt; -1 = the normal code */
  long processes;          /* --processes N: event loops in as many processes; -1 = one per core (procs.h) */
  struct crowd_opt_string { struct crowd_opt_string *next; char text[]; } *strings; /* owned copies */
} crowd_options;

/* Exit code for usage errors, as argparse's. */
#define CROWD_OPT_USAGE 2
/* Exit code when the run could not start: a feeder's file, the machine's
 * limits, the runner's setup (doc/running.md, "Exit codes"). */
#define CROWD_EXIT_NO_START 4

void crowd_opt_defaults(crowd_options *o);

/* Parse argv[1..argc-1] into *o (defaults first).  Returns 0, or
 * CROWD_OPT_USAGE after printing "usage: ..." and "crowd: error: ..." on err. */
int crowd_opt_parse(crowd_options *o, int argc, char **argv, FILE *err);

/* The same, without setting the defaults first (conf.c: the other
 * sources come first). */
int crowd_opt_parse_args(crowd_options *o, int argc, char **argv, FILE *err);

/* Set option key (a long name without "--", or a one-letter short name)
 * from value, as given at place ("crowd.conf:3", "environment variable
 * CROWD_USERS", ...).  Flags take true/false (yes/no, on/off, 1/0); tags
 * and feeders take "[a, b]" or one value, which replaces the list.  The
 * value is copied.  Returns 0, or CROWD_OPT_USAGE after printing
 * "crowd: error: PLACE: ..." (with "did you mean" for an unknown key). */
int crowd_opt_set(crowd_options *o, const char *key, const char *value, const char *place, FILE *err);
/* The long name of option i (table order), its short letter (0 if none)
 * and whether it is a flag; NULL past the end. */
const char *crowd_opt_name(size_t i, char *shortname, bool *is_flag);
/* The type of option key's value: "flag", "count", "rate", "span",
 * "string", "int", "level" or "list"; NULL for an unknown key. */
const char *crowd_opt_type(const char *key);
/* The long name (without "--") nearest to name, or NULL. */
const char *crowd_opt_suggest_name(const char *name);
/* Free the copies the options own. */
void crowd_opt_free(crowd_options *o);

/* The option list for --help. */
void crowd_opt_print_help(FILE *out, const char *prog);

/* A time span as Locust accepts it: "20", "20s", "3m", "1h30m", "3h30m10s".
 * Returns 0 and the seconds in *secs, or -1. */
int crowd_opt_timespan(const char *s, long *secs);

/* The long option nearest to an unknown one (e.g. "--user" -> "--users"), or
 * NULL when none is close. */
const char *crowd_opt_suggest(const char *arg);

#endif
