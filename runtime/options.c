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
#include <strings.h>

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
  OPT_PERCENTILES /* "50,90,99.9" -> percentiles[] as fractions */
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
  { 0, "junit", "FILE", OPT_STRING, F(junit),
    "Write a JUnit XML report to FILE: a test case per threshold and per request entry" },
  { 0, "percentiles", "LIST", OPT_PERCENTILES, F(percentiles),
    "Percentiles of the console's percentile table, e.g. 50,90,99,99.9 (default Locust's)" },
  { 0, "print-stats", NULL, OPT_FLAG, F(print_stats),
    "Print the stats table every 2 seconds (the default; --only-summary turns it off)" },
  { 0, "reset-stats", NULL, OPT_FLAG, F(reset_stats),
    "Reset the statistics once every user is spawned (after the ramp-up)" },
  { 0, "timings", NULL, OPT_FLAG, F(timings),
    "Print the timing breakdown (DNS, connect, TLS, first byte) at the end" },
  { 'l', "list", NULL, OPT_FLAG, F(list), "Show the list of user classes and exit" },
  { 0, "show-task-ratio", NULL, OPT_FLAG, F(show_task_ratio),
    "Print the table of the user classes' task execution ratio and exit (give -u with fixed counts)" },
  { 0, "show-task-ratio-json", NULL, OPT_FLAG, F(show_task_ratio_json),
    "Print the user classes' task execution ratio as JSON and exit" },
  { 0, "single-user", "NAME", OPT_STRING, F(single_user),
    "Run one user of class NAME and print each of its requests on stdout" },
  { 0, "autostart", NULL, OPT_FLAG, F(autostart),
    "Start the test at once (as --headless) but keep the web UI up" },
  { 0, "autoquit", "SECONDS", OPT_INT, F(autoquit),
    "With --autostart: quit this many seconds after the test ends (default: keep running)" },
  { 0, "web-host", "HOST", OPT_STRING, F(web_host),
    "Address the web UI listens on (default 127.0.0.1; \"\" or * for every interface)" },
  { 'P', "web-port", "PORT", OPT_COUNT, F(web_port), "Port of the web UI (default 8089)" },
  { 0, "web-auth", "USER:PASSWORD", OPT_STRING, F(web_auth),
    "Require HTTP Basic authentication on every web UI route" },
  { 0, "web-base-path", "PATH", OPT_STRING, F(web_base_path),
    "Serve the web UI under this path, e.g. /crowd, behind a reverse proxy" },
  { 0, "tls-cert", "FILE", OPT_STRING, F(tls_cert), "Certificate (PEM) to serve the web UI over HTTPS" },
  { 0, "tls-key", "FILE", OPT_STRING, F(tls_key), "Private key (PEM) to serve the web UI over HTTPS" },
  { 0, "client-cert", "FILE", OPT_STRING, F(client_cert),
    "TLS client certificate (PEM) every user presents, instead of the scenario's :client-cert" },
  { 0, "client-key", "FILE", OPT_STRING, F(client_key),
    "Private key (PEM) of --client-cert (the same file if it holds both)" },
  { 0, "class-picker", NULL, OPT_FLAG, F(class_picker),
    "Let the web UI's start form choose the user classes" },
  { 'n', "iterations", "N", OPT_COUNT, F(iterations),
    "Stop after N task iterations in total, over all users (0: no limit)" },
  { 0, "config", "FILE", OPT_STRING, F(config),
    "Read options from FILE (key = value lines), after ~/.crowd.conf and ./crowd.conf" },
  { 0, "processes", "N", OPT_INT, F(processes),
    "Run the users in N processes, one event loop each, stats merged (-1: one per core; needs --headless)" },
  { 0, "exit-code-on-interrupt", "CODE", OPT_INT, F(exit_code_on_interrupt),
    "Exit code of a run stopped by SIGINT or SIGTERM (default: as if it had ended)" },
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
  o->autoquit = -1;
  o->web_host = "127.0.0.1";
  o->web_port = 8089;
  o->web_base_path = "";
  o->exit_code_on_interrupt = -1;
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

/* Where a value comes from: the command line (place NULL: errors in
 * argparse's layout, with the usage line), or a config file line, an
 * environment variable, the scenario's (options ...) (place names it). */
typedef struct opt_src {
  FILE *err;
  const char *prog;
  const char *place;
} opt_src;

/* How errors name the option: "argument -u/--users" on the command line
 * (as argparse), "option 'users'" elsewhere. */
static void opt_label(const opt_def *d, const opt_src *src, char *buf, size_t size)
{
  if (src->place)
    snprintf(buf, size, "option '%s'", d->longname);
  else if (d->shortname)
    snprintf(buf, size, "argument -%c/--%s", d->shortname, d->longname);
  else
    snprintf(buf, size, "argument --%s", d->longname);
}

static int opt_error(const opt_src *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int opt_error(const opt_src *src, const char *fmt, ...)
{
  va_list ap;
  if (src->place)
    fprintf(src->err, "crowd: error: %s: ", src->place);
  else
    fprintf(src->err, "usage: %s [options]\ncrowd: error: ", src->prog);
  va_start(ap, fmt);
  vfprintf(src->err, fmt, ap);
  va_end(ap);
  fprintf(src->err, "\n");
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

/* true/false as config files and environment variables write them: 1 or
 * 0, -1 for anything else. */
static int parse_bool(const char *s)
{
  static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(s, yes[i]) == 0)
      return 1;
    if (strcasecmp(s, no[i]) == 0)
      return 0;
  }
  return -1;
}

/* The count of an OPT_WORDS option's words. */
static int *words_count(crowd_options *o, const opt_def *d)
{
  return d->offset == F(tags) ? &o->ntags : &o->nexclude_tags;
}

/* --percentiles 50,90,99.9: each in (0, 100], increasing. */
static int parse_percentiles(crowd_options *o, const char *v, const opt_src *src,
                             const char *label)
{
  const char *p = v;
  o->npercentiles = 0;
  for (;;) {
    char *end;
    errno = 0;
    double x = strtod(p, &end);
    if (end == p || errno != 0 || !isfinite(x) || !(x > 0) || x > 100 || (*end != ',' && *end != '\0'))
      return opt_error(src, "%s: invalid value '%s': expected percentiles in (0, 100] "
                       "separated by commas, e.g. 50,90,99,99.9", label, v);
    if (o->npercentiles >= CROWD_OPT_MAX_PERCENTILES)
      return opt_error(src, "%s: more than %d percentiles", label, CROWD_OPT_MAX_PERCENTILES);
    if (o->npercentiles > 0 && x / 100.0 <= o->percentiles[o->npercentiles - 1])
      return opt_error(src, "%s: invalid value '%s': percentiles must increase", label, v);
    o->percentiles[o->npercentiles++] = x / 100.0;
    if (*end == '\0')
      return 0;
    p = end + 1;
  }
}

/* Store value v for option d; on a bad value, print the error. */
static int opt_store(const opt_def *d, crowd_options *o, const char *v, const opt_src *src)
{
  char label[80];
  opt_label(d, src, label, sizeof label);
  char *field = (char *)o + d->offset;
  long n;
  switch (d->kind) {
  case OPT_FLAG: /* the command line gives no value; the other sources do */
    if (v == NULL)
      *(bool *)field = true;
    else if ((n = parse_bool(v)) < 0)
      return opt_error(src, "%s: invalid value '%s': expected true or false", label, v);
    else
      *(bool *)field = n == 1;
    return 0;
  case OPT_COUNT:
    if (parse_long(v, &n) != 0 || n < 0)
      return opt_error(src, "%s: invalid value '%s': expected a non-negative integer", label, v);
    *(long *)field = n;
    return 0;
  case OPT_INT:
    if (parse_long(v, &n) != 0)
      return opt_error(src, "%s: invalid value '%s': expected an integer", label, v);
    *(long *)field = n;
    return 0;
  case OPT_RATE: {
    char *end;
    errno = 0;
    double r = strtod(v, &end);
    if (errno != 0 || end == v || *end != '\0' || !isfinite(r) || !(r > 0))
      return opt_error(src, "%s: invalid value '%s': expected a number greater than 0", label, v);
    *(double *)field = r;
    return 0;
  }
  case OPT_SPAN:
    if (crowd_opt_timespan(v, &n) != 0)
      return opt_error(src, "%s: invalid time span '%s' (examples: 20s, 3m, 1h30m)", label, v);
    *(long *)field = n;
    return 0;
  case OPT_STRING:
    *(const char **)field = v;
    return 0;
  case OPT_WORDS: {
    int *count = words_count(o, d);
    if (*count >= CROWD_OPT_MAX_TAGS)
      return opt_error(src, "%s: more than %d tags", label, CROWD_OPT_MAX_TAGS);
    ((const char **)field)[(*count)++] = v;
    return 0;
  }
  case OPT_APPEND:
    if (o->nfeeders >= CROWD_OPT_MAX_FEEDERS)
      return opt_error(src, "%s: given more than %d times", label, CROWD_OPT_MAX_FEEDERS);
    if (strchr(v, '=') == NULL || v[0] == '=' || strchr(v, '=')[1] == '\0')
      return opt_error(src, "%s: invalid value '%s': expected NAME=PATH", label, v);
    o->feeders[o->nfeeders++] = v;
    return 0;
  case OPT_PERCENTILES:
    return parse_percentiles(o, v, src, label);
  case OPT_LEVEL:
    n = crowd_log_parse_level(v);
    if (n < 0)
      return opt_error(src,
                       "%s: invalid choice '%s' (choose from DEBUG, INFO, WARNING, ERROR, CRITICAL)",
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

static int unrecognized(const opt_src *src, const char *arg)
{
  const char *s = arg[0] == '-' ? crowd_opt_suggest(arg) : NULL;
  if (s)
    return opt_error(src, "unrecognized argument '%s'; did you mean '%s'?", arg, s);
  return opt_error(src, "unrecognized argument '%s'", arg);
}

int crowd_opt_parse(crowd_options *o, int argc, char **argv, FILE *err)
{
  crowd_opt_defaults(o);
  return crowd_opt_parse_args(o, argc, argv, err);
}

int crowd_opt_parse_args(crowd_options *o, int argc, char **argv, FILE *err)
{
  const char *prog = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
  prog = prog ? prog + 1 : (argc > 0 && argv[0] ? argv[0] : "crowd");
  opt_src src_ = { .err = err, .prog = prog, .place = NULL }, *src = &src_;

  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const opt_def *d = NULL;
    const char *value = NULL; /* attached value: --x=v or -xv */
    char label[80];

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
      return unrecognized(src, arg);

    opt_label(d, src, label, sizeof label);
    if (d->offset == F(users))
      o->users_set = true;
    if (d->kind == OPT_WORDS) {
      /* as argparse's nargs='*': the last use counts, with the words that
       * follow it up to the next option */
      *words_count(o, d) = 0;
      int rc = value ? opt_store(d, o, value, src) : 0;
      while (rc == 0 && i + 1 < argc && !(argv[i + 1][0] == '-' && argv[i + 1][1] != '\0'))
        rc = opt_store(d, o, argv[++i], src);
      if (rc != 0)
        return rc;
      continue;
    }
    if (d->kind == OPT_FLAG) {
      if (value)
        return opt_error(src, "%s: ignored explicit argument '%s'", label, value);
    } else if (value == NULL) {
      if (i + 1 >= argc)
        return opt_error(src, "%s: expected one argument", label);
      value = argv[++i];
    }
    int rc = opt_store(d, o, value, src);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* ---- the other sources: config files, environment, scenario ---------------- */

/* A copy of s[0..len) that lives as long as o (crowd_opt_free). */
static char *opt_keep(crowd_options *o, const char *s, size_t len)
{
  struct crowd_opt_string *k = malloc(sizeof *k + len + 1);
  if (k == NULL)
    return NULL;
  memcpy(k->text, s, len);
  k->text[len] = '\0';
  k->next = o->strings;
  o->strings = k;
  return k->text;
}

void crowd_opt_free(crowd_options *o)
{
  while (o->strings) {
    struct crowd_opt_string *k = o->strings;
    o->strings = k->next;
    free(k);
  }
}

/* A list value of a config source, as configargparse writes them: "[a, b]"
 * (items separated by commas or spaces, optionally quoted), or one word. */
static int opt_store_list(const opt_def *d, crowd_options *o, const char *v, const opt_src *src)
{
  size_t len = strlen(v);
  if (len < 2 || v[0] != '[' || v[len - 1] != ']') {
    const char *copy = opt_keep(o, v, len);
    return copy ? opt_store(d, o, copy, src) : opt_error(src, "out of memory");
  }
  const char *p = v + 1, *end = v + len - 1;
  while (p < end) {
    while (p < end && (*p == ',' || *p == ' ' || *p == '\t'))
      p++;
    if (p == end)
      break;
    char q = *p == '"' || *p == '\'' ? *p : 0;
    const char *b = q ? ++p : p;
    while (p < end && (q ? *p != q : *p != ',' && *p != ' ' && *p != '\t'))
      p++;
    const char *item = opt_keep(o, b, (size_t)(p - b));
    if (item == NULL)
      return opt_error(src, "out of memory");
    int rc = opt_store(d, o, item, src);
    if (rc != 0)
      return rc;
    if (q && p < end)
      p++;
  }
  return 0;
}

const char *crowd_opt_suggest_name(const char *name)
{
  const char *s = crowd_opt_suggest(name);
  return s ? s + 2 : NULL;
}

int crowd_opt_set(crowd_options *o, const char *key, const char *value, const char *place, FILE *err)
{
  opt_src src = { .err = err, .prog = "crowd", .place = place };
  const opt_def *d = key[0] != '\0' && key[1] == '\0' ? find_short(key[0]) : find_long(key, strlen(key));
  if (d == NULL) {
    const char *s = crowd_opt_suggest_name(key);
    if (s)
      return opt_error(&src, "unknown option '%s'; did you mean '%s'?", key, s);
    return opt_error(&src, "unknown option '%s'", key);
  }
  if (d->offset == F(users))
    o->users_set = true;
  if (d->kind == OPT_WORDS || d->kind == OPT_APPEND) { /* the whole list replaces the last one */
    if (d->kind == OPT_WORDS)
      *words_count(o, d) = 0;
    else
      o->nfeeders = 0;
    return opt_store_list(d, o, value, &src);
  }
  if (d->kind == OPT_STRING) {
    const char *copy = opt_keep(o, value, strlen(value));
    return copy ? opt_store(d, o, copy, &src) : opt_error(&src, "out of memory");
  }
  return opt_store(d, o, value, &src);
}

const char *crowd_opt_type(const char *key)
{
  static const char *const names[] = {
    [OPT_FLAG] = "flag", [OPT_COUNT] = "count", [OPT_RATE] = "rate", [OPT_SPAN] = "span",
    [OPT_STRING] = "string", [OPT_INT] = "int", [OPT_LEVEL] = "level", [OPT_WORDS] = "list",
    [OPT_APPEND] = "list", [OPT_PERCENTILES] = "string",
  };
  const opt_def *d = key[0] != '\0' && key[1] == '\0' ? find_short(key[0]) : find_long(key, strlen(key));
  return d ? names[d->kind] : NULL;
}

const char *crowd_opt_name(size_t i, char *shortname, bool *is_flag)
{
  if (i >= OPT_COUNT_DEFS)
    return NULL;
  if (shortname)
    *shortname = opt_table[i].shortname;
  if (is_flag)
    *is_flag = opt_table[i].kind == OPT_FLAG;
  return opt_table[i].longname;
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
