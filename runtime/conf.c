#include "config.h"

#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Locust's environment variable names, for the options Locust has
 * (LOCUST-COMPAT.md §1): LOCUST_<NAME> unless listed otherwise. */
static const struct { const char *opt, *env; } config_locust_env[] = {
  { "users", NULL }, { "spawn-rate", NULL }, { "run-time", NULL }, { "host", NULL },
  { "headless", NULL }, { "autostart", NULL }, { "autoquit", NULL }, { "web-host", NULL },
  { "web-port", NULL }, { "web-auth", NULL }, { "web-base-path", NULL }, { "tls-cert", NULL },
  { "tls-key", NULL }, { "class-picker", "LOCUST_USERCLASS_PICKER" }, { "tags", NULL },
  { "exclude-tags", NULL }, { "csv", NULL }, { "csv-full-history", NULL }, { "print-stats", NULL },
  { "only-summary", NULL }, { "reset-stats", NULL }, { "html", NULL }, { "loglevel", NULL },
  { "exit-code-on-error", NULL }, { "stop-timeout", NULL },
};

/* "spawn-rate" -> PREFIX "SPAWN_RATE" */
static void config_env_name(char *buf, size_t size, const char *prefix, const char *opt)
{
  size_t n = (size_t)snprintf(buf, size, "%s", prefix);
  for (const char *p = opt; *p && n + 1 < size; p++)
    buf[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
  buf[n < size ? n : size - 1] = '\0';
}

static const char *config_locust_name(const char *opt, char *buf, size_t size)
{
  for (size_t i = 0; i < sizeof config_locust_env / sizeof config_locust_env[0]; i++) {
    if (strcmp(config_locust_env[i].opt, opt) != 0)
      continue;
    if (config_locust_env[i].env)
      return config_locust_env[i].env;
    config_env_name(buf, size, "LOCUST_", opt);
    return buf;
  }
  return NULL;
}

int crowd_config_apply_env(crowd_options *o, char *(*getenv_fn)(const char *), FILE *err)
{
  char name[96], lname[96], place[160];
  bool is_flag;
  const char *opt;
  for (size_t i = 0; (opt = crowd_opt_name(i, NULL, &is_flag)) != NULL; i++) {
    if (strcmp(opt, "config") == 0) /* read before the files: crowd_config_load */
      continue;
    config_env_name(name, sizeof name, "CROWD_", opt);
    const char *var = name, *v = getenv_fn(name);
    if (v == NULL && (var = config_locust_name(opt, lname, sizeof lname)) != NULL)
      v = getenv_fn(var);
    if (v == NULL)
      continue;
    snprintf(place, sizeof place, "environment variable %s", var);
    int rc = crowd_opt_set(o, opt, v, place, err);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* A CROWD_ variable that names no option but nearly does (CROWD_USER):
 * a warning, as it is most likely a typo.  Others are left alone. */
static void config_env_typos(FILE *err)
{
  char name[96], opt[96];
  for (char **e = environ; e && *e; e++) {
    if (strncmp(*e, "CROWD_", 6) != 0)
      continue;
    size_t len = strcspn(*e + 6, "=");
    if (len == 0 || len >= sizeof opt)
      continue;
    for (size_t i = 0; i < len; i++)
      opt[i] = (*e)[6 + i] == '_' ? '-' : (char)tolower((unsigned char)(*e)[6 + i]);
    opt[len] = '\0';
    const char *s = crowd_opt_suggest_name(opt);
    if (s == NULL || strcmp(s, opt) == 0 || strcmp(opt, "config") == 0)
      continue;
    config_env_name(name, sizeof name, "CROWD_", s);
    fprintf(err, "crowd: warning: environment variable %.*s is not an option; did you mean %s?\n",
            (int)(len + 6), *e, name);
  }
}

/* ---- config files ------------------------------------------------------ */

static bool config_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* One line of a file, without its newline: apply it.  line is modified. */
static int config_line(crowd_options *o, char *line, const char *name, int lineno, FILE *err)
{
  char place[512];
  snprintf(place, sizeof place, "%s:%d", name, lineno);
  char *p = line;
  while (config_space(*p))
    p++;
  char *end = p + strlen(p);
  while (end > p && config_space(end[-1]))
    *--end = '\0';
  if (*p == '\0' || *p == '#' || *p == ';' || *p == '[') /* blank, comment, [section] */
    return 0;
  while (*p == '-') /* "--users = 5" as "users = 5" */
    p++;
  char *key = p;
  while (*p && !config_space(*p) && *p != '=' && *p != ':')
    p++;
  if (p == key) {
    fprintf(err, "crowd: error: %s: expected 'option = value', got '%s'\n", place, line);
    return CROWD_OPT_USAGE;
  }
  char *keyend = p;
  while (config_space(*p))
    p++;
  if (*p == '=' || *p == ':')
    p++;
  *keyend = '\0';
  while (config_space(*p))
    p++;
  char *value = p;
  /* an inline comment: whitespace, then # or ; (not inside quotes or a list) */
  char quote = *value == '"' || *value == '\'' ? *value : 0;
  for (char *c = value; *c && !quote && *value != '['; c++)
    if ((*c == '#' || *c == ';') && c > value && config_space(c[-1])) {
      *c = '\0';
      break;
    }
  end = value + strlen(value);
  while (end > value && config_space(end[-1]))
    *--end = '\0';
  if (quote && end - value >= 2 && end[-1] == quote) { /* "value" or 'value' */
    value++;
    end[-1] = '\0';
  } else if (*value == '\0') { /* a bare key: a flag that is on */
    value = "true";
  }
  return crowd_opt_set(o, key, value, place, err);
}

int crowd_config_apply_text(crowd_options *o, const char *text, size_t len, const char *name, FILE *err)
{
  char *copy = malloc(len + 1);
  if (copy == NULL) {
    fprintf(err, "crowd: error: %s: out of memory\n", name);
    return CROWD_OPT_USAGE;
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  int rc = 0, lineno = 0;
  char *line = copy, *stop = copy + len;
  while (rc == 0 && line <= stop && !(line == stop && lineno > 0)) {
    char *nl = memchr(line, '\n', (size_t)(stop - line));
    if (nl)
      *nl = '\0';
    lineno++;
    if (memchr(line, '\0', (size_t)((nl ? nl : stop) - line)) != NULL) {
      fprintf(err, "crowd: error: %s:%d: a NUL byte in the line\n", name, lineno);
      rc = CROWD_OPT_USAGE;
      break;
    }
    rc = config_line(o, line, name, lineno, err);
    if (nl == NULL)
      break;
    line = nl + 1;
  }
  free(copy);
  return rc;
}

#define CONFIG_MAX_BYTES (1u << 20) /* a config file is small */

int crowd_config_apply_file(crowd_options *o, const char *path, int optional, FILE *err)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    if (optional && errno == ENOENT)
      return 0;
    fprintf(err, "crowd: error: cannot read config file %s: %s\n", path, strerror(errno));
    return CROWD_OPT_USAGE;
  }
  char *buf = malloc(CONFIG_MAX_BYTES + 1);
  size_t n = buf ? fread(buf, 1, CONFIG_MAX_BYTES + 1, f) : 0;
  int bad = buf == NULL || ferror(f);
  if (fclose(f) != 0)
    bad = 1;
  int rc;
  if (bad) {
    fprintf(err, "crowd: error: cannot read config file %s\n", path);
    rc = CROWD_OPT_USAGE;
  } else if (n > CONFIG_MAX_BYTES) {
    fprintf(err, "crowd: error: config file %s is larger than 1 MiB\n", path);
    rc = CROWD_OPT_USAGE;
  } else {
    rc = crowd_config_apply_text(o, buf, n, path, err);
  }
  free(buf);
  return rc;
}

/* ---- the scenario ------------------------------------------------------ */

int crowd_config_apply_scenario(crowd_options *o, const crowd_scenario_desc *sc, FILE *err)
{
  char place[512];
  for (int i = 0; sc && i < sc->noptions; i++) {
    const crowd_option_desc *d = &sc->options[i];
    snprintf(place, sizeof place, "%s: (options ...)", d->site ? d->site : "scenario");
    int rc = crowd_opt_set(o, d->name, d->value, place, err);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* --config FILE / --config=FILE on the command line (the last one), else
 * CROWD_CONFIG, else NULL. */
static const char *config_file_arg(int argc, char **argv)
{
  const char *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
      file = argv[++i];
    else if (strncmp(argv[i], "--config=", 9) == 0)
      file = argv[i] + 9;
  }
  return file ? file : getenv("CROWD_CONFIG");
}

int crowd_config_load(crowd_options *o, const crowd_scenario_desc *sc, int argc, char **argv, FILE *err)
{
  crowd_opt_defaults(o);
  int rc = crowd_config_apply_scenario(o, sc, err);
  const char *home = getenv("HOME");
  if (rc == 0 && home && home[0]) {
    size_t len = strlen(home) + sizeof "/.crowd.conf";
    char *path = malloc(len);
    if (path) {
      snprintf(path, len, "%s/.crowd.conf", home);
      rc = crowd_config_apply_file(o, path, 1, err);
      free(path);
    }
  }
  if (rc == 0)
    rc = crowd_config_apply_file(o, "crowd.conf", 1, err);
  const char *file = config_file_arg(argc, argv);
  if (rc == 0 && file)
    rc = crowd_config_apply_file(o, file, 0, err);
  if (rc == 0) {
    config_env_typos(err);
    rc = crowd_config_apply_env(o, getenv, err);
  }
  if (rc == 0)
    rc = crowd_opt_parse_args(o, argc, argv, err);
  return rc;
}
