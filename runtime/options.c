#include "config.h"

#include "options.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

typedef enum opt_kind {
  OPT_FLAG,   /* bool, no value */
  OPT_COUNT,  /* long >= 0 */
  OPT_RATE,   /* double > 0 */
  OPT_SPAN,   /* time span -> long seconds */
  OPT_STRING, /* const char * borrowed from argv */
  OPT_INT,    /* long, any sign */
  OPT_LEVEL,  /* log level name -> long */
  OPT_WORDS,  /* the words up to the next option -> const char *[CROWD_OPT_MAX_TAGS] */
  OPT_APPEND, /* repeatable: each value -> feeders[nfeeders++] */
} opt_kind;

typedef struct opt_def {
  char shortname;      /* 0 if none */
  const char *longname; /* without the leading "--" */
  const char *metavar; /* NULL for flags */
  opt_kind kind;
  size_t offset;       /* of the field in crowd_options */
  const char *help;
} opt_def;

#define F(field) offsetof(crowd_options, field)

static const opt_def opt_table[] = {
  { 'h', "help", NULL, OPT_FLAG, F(help), "Show this help message and exit" },
  { 'u', "users", "N", OPT_COUNT, F(users),
    "Peak number of concurrent users (default 1)" },
  { 'r', "spawn-rate", "RATE", OPT_RATE, F(spawn_rate),
    "Rate to spawn users at, users per second (default 1)" },
  { 't', "run-time", "TIME", OPT_SPAN, F(run_time),
    "Stop after the given time, e.g. 300s, 20m, 3h, 1h30m (default: run until stopped)" },
  { 'H', "host", "URL", OPT_STRING, F(host),
    "Host to load test, e.g. http://10.21.32.33 (default: the scenario's :host)" },
  { 0, "headless", NULL, OPT_FLAG, F(headless),
    "Run without the web UI and start the test at once" },
  { 0, "only-summary", NULL, OPT_FLAG, F(only_summary),
    "Print only the final summary, not the table every 2 seconds" },
  { 0, "exit-code-on-error", "CODE", OPT_INT, F(exit_code_on_error),
    "Exit code when a request failed or a task errored (default 1)" },
  { 's', "stop-timeout", "TIME", OPT_SPAN, F(stop_timeout),
    "Time running tasks may take to finish when the test stops (default 0)" },
  { 'L', "loglevel", "LEVEL", OPT_LEVEL, F(loglevel),
    "DEBUG, INFO, WARNING, ERROR or CRITICAL (default INFO)" },
  { 'T', "tags", "[TAG ...]", OPT_WORDS, F(tags),
    "Run only the tasks tagged with one of these tags" },
  { 'E', "exclude-tags", "[TAG ...]", OPT_WORDS, F(exclude_tags),
    "Do not run the tasks tagged with one of these tags" },
  { 0, "feeder", "NAME=PATH", OPT_APPEND, F(feeders),
    "Read feeder NAME from the CSV file PATH instead of its scenario file (repeatable)" },
  { 0, "csv", "PREFIX", OPT_STRING, F(csv_prefix),
    "Write PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv and PREFIX_exceptions.csv" },
  { 0, "csv-full-history", NULL, OPT_FLAG, F(csv_full_history),
    "Every entry in PREFIX_stats_history.csv, not only Aggregated (needs --csv)" },
  { 0, "html", "FILE", OPT_STRING, F(html),
    "Write an HTML report with charts to FILE ({u}, {r}, {t}: users, rate, run time)" },
  { 0, "json", NULL, OPT_FLAG, F(json), "Print the final stats as JSON on stdout" },
  { 0, "json-file", "NAME", OPT_STRING, F(json_file), "Write the final stats as JSON to NAME.json" },
  { 0, "report-json", "FILE", OPT_STRING, F(report_json),
    "Write crowd's full JSON report (percentiles, histograms, history, errors) to FILE" },
  { 'l', "list", NULL, OPT_FLAG, F(list), "Show the list of user classes and exit" },
  { 0, "show-task-ratio", NULL, OPT_FLAG, F(show_task_ratio),
    "Print the table of the user classes' task execution ratio and exit (give -u with fixed counts)" },
  { 0, "show-task-ratio-json", NULL, OPT_FLAG, F(show_task_ratio_json),
    "Print the user classes' task execution ratio as JSON and exit" },
  { 0, "single-user", "NAME", OPT_STRING, F(single_user),
    "Run one user of class NAME and print each of its requests on stdout" },
  { 'V', "version", NULL, OPT_FLAG, F(version), "Show the version and exit" },
};

#define OPT_COUNT_DEFS (sizeof opt_table / sizeof opt_table[0])

void crowd_opt_defaults(crowd_options *o)
{
  memset(o, 0, sizeof *o);
  o->users = 1;
  o->spawn_rate = 1.0;
  o->run_time = 0;
  o->stop_timeout = 0;
  o->host = NULL;
  o->exit_code_on_error = 1;
  o->loglevel = CROWD_LOG_INFO;
}

/* ---- time spans ---------------------------------------------------- */

int crowd_opt_timespan(const char *s, long *secs)
{
  static const struct { char unit; long mult; } units[] = { { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
  const char *p = s;
  long total = 0;
  size_t next_unit = 0; /* units must come in the order h, m, s */
  int groups = 0;

  if (*p == '\0')
    return -1;
  while (*p) {
    if (*p < '0' || *p > '9')
      return -1;
    long n = 0;
    while (*p >= '0' && *p <= '9') {
      if (n > (LONG_MAX - (*p - '0')) / 10)
        return -1;
      n = n * 10 + (*p - '0');
      p++;
    }
    if (*p == '\0') { /* a bare number is seconds, only on its own */
      if (groups > 0)
        return -1;
      *secs = n;
      return 0;
    }
    size_t u = next_unit;
    while (u < 3 && units[u].unit != *p)
      u++;
    if (u == 3)
      return -1;
    if (n > (LONG_MAX - total) / units[u].mult)
      return -1;
    total += n * units[u].mult;
    next_unit = u + 1;
    groups++;
    p++;
  }
  *secs = total;
  return 0;
}

/* ---- "did you mean" --------------------------------------------------- */

/* Edit distance counting a swap of two neighbours as one edit (optimal
 * string alignment), so "--hots" finds "--host". */
static size_t edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64)
    return SIZE_MAX;
  unsigned char d[65][65];
  for (size_t i = 0; i <= la; i++)
    d[i][0] = (unsigned char)i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = (unsigned char)j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1u < best)
        best = d[i - 1][j] + 1u;
      if (d[i][j - 1] + 1u < best)
        best = d[i][j - 1] + 1u;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1u < best)
        best = d[i - 2][j - 2] + 1u;
      d[i][j] = (unsigned char)best;
    }
  }
  return d[la][lb];
}

const char *crowd_opt_suggest(const char *arg)
{
  static char suggestion[64];
  char name[65];
  const char *p = arg;
  while (*p == '-')
    p++;
  size_t len = strcspn(p, "=");
  if (len == 0 || len >= sizeof name)
    return NULL;
  memcpy(name, p, len);
  name[len] = '\0';

  const opt_def *best = NULL;
  size_t best_d = SIZE_MAX;
  for (size_t i = 0; i < OPT_COUNT_DEFS; i++) {
    size_t d = edit_distance(name, opt_table[i].longname);
    if (strncmp(opt_table[i].longname, name, len) == 0 && len >= 3)
      d = d < 1 ? d : 1; /* a prefix is as good as a one-letter typo */
    if (d < best_d) {
      best_d = d;
      best = &opt_table[i];
    }
  }
  size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
  if (best == NULL || best_d > limit)
    return NULL;
  snprintf(suggestion, sizeof suggestion, "--%s", best->longname);
  return suggestion;
}

/* ---- parsing ----------------------------------------------------------- */

static void opt_label(const opt_def *d, char *buf, size_t size)
{
  if (d->shortname)
    snprintf(buf, size, "-%c/--%s", d->shortname, d->longname);
  else
    snprintf(buf, size, "--%s", d->longname);
}

static int opt_error(FILE *err, const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int opt_error(FILE *err, const char *prog, const char *fmt, ...)
{
  va_list ap;
  fprintf(err, "usage: %s [options]\n", prog);
  fprintf(err, "crowd: error: ");
  va_start(ap, fmt);
  vfprintf(err, fmt, ap);
  va_end(ap);
  fprintf(err, "\n");
  return CROWD_OPT_USAGE;
}

static int parse_long(const char *s, long *out)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

/* The count of an OPT_WORDS option's words. */
static int *words_count(crowd_options *o, const opt_def *d)
{
  return d->offset == F(tags) ? &o->ntags : &o->nexclude_tags;
}

/* Store value v for option d; on a bad value, print the error. */
static int opt_store(const opt_def *d, crowd_options *o, const char *v, FILE *err, const char *prog)
{
  char label[64];
  opt_label(d, label, sizeof label);
  char *field = (char *)o + d->offset;
  long n;
  switch (d->kind) {
  case OPT_FLAG:
    *(bool *)field = true;
    return 0;
  case OPT_COUNT:
    if (parse_long(v, &n) != 0 || n < 0)
      return opt_error(err, prog, "argument %s: invalid value '%s': expected a non-negative integer", label, v);
    *(long *)field = n;
    return 0;
  case OPT_INT:
    if (parse_long(v, &n) != 0)
      return opt_error(err, prog, "argument %s: invalid value '%s': expected an integer", label, v);
    *(long *)field = n;
    return 0;
  case OPT_RATE: {
    char *end;
    errno = 0;
    double r = strtod(v, &end);
    if (errno != 0 || end == v || *end != '\0' || !isfinite(r) || !(r > 0))
      return opt_error(err, prog, "argument %s: invalid value '%s': expected a number greater than 0", label, v);
    *(double *)field = r;
    return 0;
  }
  case OPT_SPAN:
    if (crowd_opt_timespan(v, &n) != 0)
      return opt_error(err, prog, "argument %s: invalid time span '%s' (examples: 20s, 3m, 1h30m)", label, v);
    *(long *)field = n;
    return 0;
  case OPT_STRING:
    *(const char **)field = v;
    return 0;
  case OPT_WORDS: {
    int *count = words_count(o, d);
    if (*count >= CROWD_OPT_MAX_TAGS)
      return opt_error(err, prog, "argument %s: more than %d tags", label, CROWD_OPT_MAX_TAGS);
    ((const char **)field)[(*count)++] = v;
    return 0;
  }
  case OPT_APPEND:
    if (o->nfeeders >= CROWD_OPT_MAX_FEEDERS)
      return opt_error(err, prog, "argument %s: given more than %d times", label, CROWD_OPT_MAX_FEEDERS);
    if (strchr(v, '=') == NULL || v[0] == '=' || strchr(v, '=')[1] == '\0')
      return opt_error(err, prog, "argument %s: invalid value '%s': expected NAME=PATH", label, v);
    o->feeders[o->nfeeders++] = v;
    return 0;
  case OPT_LEVEL:
    n = crowd_log_parse_level(v);
    if (n < 0)
      return opt_error(err, prog,
                       "argument %s: invalid choice '%s' (choose from DEBUG, INFO, WARNING, ERROR, CRITICAL)",
                       label, v);
    *(long *)field = n;
    return 0;
  }
  return 0;
}

static const opt_def *find_long(const char *name, size_t len)
{
  for (size_t i = 0; i < OPT_COUNT_DEFS; i++)
    if (strlen(opt_table[i].longname) == len && strncmp(opt_table[i].longname, name, len) == 0)
      return &opt_table[i];
  return NULL;
}

static const opt_def *find_short(char c)
{
  for (size_t i = 0; i < OPT_COUNT_DEFS; i++)
    if (opt_table[i].shortname == c)
      return &opt_table[i];
  return NULL;
}

static int unrecognized(FILE *err, const char *prog, const char *arg)
{
  const char *s = arg[0] == '-' ? crowd_opt_suggest(arg) : NULL;
  if (s)
    return opt_error(err, prog, "unrecognized argument '%s'; did you mean '%s'?", arg, s);
  return opt_error(err, prog, "unrecognized argument '%s'", arg);
}

int crowd_opt_parse(crowd_options *o, int argc, char **argv, FILE *err)
{
  const char *prog = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
  prog = prog ? prog + 1 : (argc > 0 && argv[0] ? argv[0] : "crowd");
  crowd_opt_defaults(o);

  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const opt_def *d = NULL;
    const char *value = NULL; /* attached value: --x=v or -xv */
    char label[64];

    if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
      const char *name = arg + 2;
      size_t len = strcspn(name, "=");
      d = find_long(name, len);
      if (d && name[len] == '=')
        value = name + len + 1;
    } else if (arg[0] == '-' && arg[1] != '\0' && arg[1] != '-') {
      d = find_short(arg[1]);
      if (d && arg[2] != '\0')
        value = arg + 2;
    }
    if (d == NULL)
      return unrecognized(err, prog, arg);

    opt_label(d, label, sizeof label);
    if (d->offset == F(users))
      o->users_set = true;
    if (d->kind == OPT_WORDS) {
      /* as argparse's nargs='*': the last use counts, with the words that
       * follow it up to the next option */
      *words_count(o, d) = 0;
      int rc = value ? opt_store(d, o, value, err, prog) : 0;
      while (rc == 0 && i + 1 < argc && !(argv[i + 1][0] == '-' && argv[i + 1][1] != '\0'))
        rc = opt_store(d, o, argv[++i], err, prog);
      if (rc != 0)
        return rc;
      continue;
    }
    if (d->kind == OPT_FLAG) {
      if (value)
        return opt_error(err, prog, "argument %s: ignored explicit argument '%s'", label, value);
    } else if (value == NULL) {
      if (i + 1 >= argc)
        return opt_error(err, prog, "argument %s: expected one argument", label);
      value = argv[++i];
    }
    int rc = opt_store(d, o, value, err, prog);
    if (rc != 0)
      return rc;
  }
  return 0;
}

void crowd_opt_print_help(FILE *out, const char *prog)
{
  fprintf(out, "usage: %s [options]\n\noptions:\n", prog);
  for (size_t i = 0; i < OPT_COUNT_DEFS; i++) {
    const opt_def *d = &opt_table[i];
    char left[64];
    int n;
    if (d->shortname)
      n = snprintf(left, sizeof left, "-%c, --%s%s%s", d->shortname, d->longname,
                   d->metavar ? " " : "", d->metavar ? d->metavar : "");
    else
      n = snprintf(left, sizeof left, "--%s%s%s", d->longname,
                   d->metavar ? " " : "", d->metavar ? d->metavar : "");
    if (n < 0)
      continue;
    if (n <= 22)
      fprintf(out, "  %-24s%s\n", left, d->help);
    else
      fprintf(out, "  %s\n  %-24s%s\n", left, "", d->help);
  }
}
