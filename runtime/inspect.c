#include "config.h"

#include "inspect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the distribution of users (_calc_distribution) ----------------------------- */

static bool class_runs(const crowd_user_class *c)
{
  return c->total > 0;
}

/* Users of each class for num_users, as Locust's _calc_distribution (Python's
 * round() is round-half-even, as nearbyint in the default mode); returns
 * their sum.  counts has sc->nusers entries. */
static double user_counts(const crowd_scenario_desc *sc, const crowd_user_class *classes,
                          long num_users, double *counts)
{
  double fixed = 0, total_weight = 0, sum = 0;
  for (int i = 0; i < sc->nusers; i++) {
    if (!class_runs(&classes[i]))
      continue;
    if (sc->users[i].fixed_count > 0)
      fixed += sc->users[i].fixed_count;
    else
      total_weight += sc->users[i].weight;
  }
  double n = num_users > 0 ? (double)num_users : fixed == 0 ? total_weight : 1;
  double weighted = n - fixed > 0 ? n - fixed : 0;
  for (int i = 0; i < sc->nusers; i++) {
    counts[i] = 0;
    if (!class_runs(&classes[i]))
      continue;
    const crowd_user_desc *u = &sc->users[i];
    counts[i] = u->fixed_count > 0 ? (double)u->fixed_count
                                   : nearbyint(u->weight / total_weight * weighted);
    sum += counts[i];
  }
  return sum;
}

/* ---- Python's float repr ----------------------------------------------------------- */

void crowd_inspect_pyfloat(char *buf, size_t size, double v)
{
  if (v == 0) {
    snprintf(buf, size, "%s", signbit(v) ? "-0.0" : "0.0");
    return;
  }
  if (!isfinite(v)) {
    snprintf(buf, size, "%s", isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    return;
  }
  /* the shortest digits that read back exactly */
  char sci[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(sci, sizeof sci, "%.*e", p - 1, v);
    if (strtod(sci, NULL) == v)
      break;
  }
  const char *s = sci;
  bool neg = *s == '-';
  if (neg)
    s++;
  char digits[24];
  size_t nd = 0;
  for (; *s && *s != 'e'; s++)
    if (*s >= '0' && *s <= '9' && nd < sizeof digits - 1)
      digits[nd++] = *s;
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  digits[nd] = '\0';
  int exp10 = atoi(s + 1);
  int decpt = exp10 + 1; /* v = 0.DIGITS * 10^decpt */
  char out[64];
  size_t o = 0;
  if (neg)
    out[o++] = '-';
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      o += (size_t)snprintf(out + o, sizeof out - o, "0.%.*s%s", -decpt, "0000", digits);
    } else if ((size_t)decpt >= nd) {
      o += (size_t)snprintf(out + o, sizeof out - o, "%s%.*s.0", digits, decpt - (int)nd,
                            "0000000000000000");
    } else {
      o += (size_t)snprintf(out + o, sizeof out - o, "%.*s.%s", decpt, digits, digits + decpt);
    }
  } else {
    o += (size_t)snprintf(out + o, sizeof out - o, "%c%s%s%se%c%02d", digits[0], nd > 1 ? "." : "",
                          digits + 1, "", exp10 < 0 ? '-' : '+', abs(exp10));
  }
  (void)o;
  snprintf(buf, size, "%s", out);
}

/* ---- the table ------------------------------------------------------------------------ */

/* One line, as _print_task_ratio: " %-10s %-50s" of the padded ratio and name. */
static void table_line(FILE *out, int level, double ratio, const char *name)
{
  char pct[64], left[96], right[512];
  snprintf(pct, sizeof pct, "%-6.1f", ratio * 100);
  snprintf(left, sizeof left, "%*s%s", 2 * level, "", pct);
  snprintf(right, sizeof right, "%*s%s", 2 * level, "", name);
  fprintf(out, " %-10s %-50s\n", left, right);
}

/* The entries of set s that run, each with its share (_get_task_ratio):
 * relative to the set (total false) or to everything (total true). */
static void table_set(FILE *out, const crowd_set_rt *s, bool total, double parent, int level)
{
  double pr = total ? parent : 1.0;
  int prev = 0;
  for (int i = 0; i < s->desc->ntasks; i++) {
    int w = s->cum[i] - prev;
    prev = s->cum[i];
    if (w <= 0)
      continue;
    double r = (double)w * pr / (double)s->total;
    table_line(out, level, r, s->desc->tasks[i].name);
    if (s->desc->tasks[i].set)
      table_set(out, &s->child[i], total, r, level + 1);
  }
}

static void table(FILE *out, const crowd_scenario_desc *sc, const crowd_user_class *classes,
                  const double *counts, double sum, bool total)
{
  double n = sum > 0 ? sum : 1;
  for (int i = 0; i < sc->nusers; i++) {
    if (!class_runs(&classes[i]))
      continue;
    double r = counts[i] / n;
    table_line(out, 0, r, sc->users[i].name);
    table_set(out, &classes[i].root, total, r, 1);
  }
}

void crowd_inspect_task_ratio(FILE *out, const crowd_scenario_desc *sc,
                              const crowd_user_class *classes, long num_users)
{
  double *counts = calloc((size_t)(sc->nusers > 0 ? sc->nusers : 1), sizeof *counts);
  if (counts == NULL)
    return;
  double sum = user_counts(sc, classes, num_users, counts);
  fprintf(out, "\n Task ratio per User class\n");
  for (int i = 0; i < 80; i++)
    fputc('-', out);
  fputc('\n', out);
  table(out, sc, classes, counts, sum, false);
  fprintf(out, "\n Total task ratio\n");
  for (int i = 0; i < 80; i++)
    fputc('-', out);
  fputc('\n', out);
  table(out, sc, classes, counts, sum, true);
  free(counts);
}

/* ---- JSON, as json.dumps(..., indent=4) ---------------------------------------------- */

static void json_indent(FILE *out, int level)
{
  fprintf(out, "%*s", 4 * level, "");
}

static void json_str(FILE *out, const char *s)
{
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    case '\b': fputs("\\b", out); break;
    case '\f': fputs("\\f", out); break;
    default:
      if (*p < 0x20 || *p >= 0x7f)
        fprintf(out, "\\u%04x", *p);
      else
        fputc(*p, out);
    }
  }
  fputc('"', out);
}

/* "name": {"ratio": r[, "tasks": {...}]} at level; the caller writes the
 * separators. */
static void json_set(FILE *out, const crowd_set_rt *s, bool total, double parent, int level);

static void json_entry(FILE *out, const char *name, double r, const crowd_set_rt *set, bool total,
                       int level)
{
  char num[64];
  crowd_inspect_pyfloat(num, sizeof num, r);
  json_indent(out, level);
  json_str(out, name);
  fputs(": {\n", out);
  json_indent(out, level + 1);
  fprintf(out, "\"ratio\": %s", num);
  if (set) {
    fputs(",\n", out);
    json_indent(out, level + 1);
    fputs("\"tasks\": ", out);
    json_set(out, set, total, r, level + 1);
  }
  fputc('\n', out);
  json_indent(out, level);
  fputc('}', out);
}

static void json_set(FILE *out, const crowd_set_rt *s, bool total, double parent, int level)
{
  double pr = total ? parent : 1.0;
  int prev = 0, n = 0;
  for (int i = 0; i < s->desc->ntasks; i++) {
    int w = s->cum[i] - prev;
    prev = s->cum[i];
    if (w <= 0)
      continue;
    fputs(n++ ? ",\n" : "{\n", out);
    double r = (double)w * pr / (double)s->total;
    json_entry(out, s->desc->tasks[i].name, r, s->desc->tasks[i].set ? &s->child[i] : NULL, total,
               level + 1);
  }
  if (n == 0) {
    fputs("{}", out);
    return;
  }
  fputc('\n', out);
  json_indent(out, level);
  fputc('}', out);
}

static void json_users(FILE *out, const crowd_scenario_desc *sc, const crowd_user_class *classes,
                       const double *counts, double sum, bool total, int level)
{
  double n = sum > 0 ? sum : 1;
  int k = 0;
  for (int i = 0; i < sc->nusers; i++) {
    if (!class_runs(&classes[i]))
      continue;
    fputs(k++ ? ",\n" : "{\n", out);
    json_entry(out, sc->users[i].name, counts[i] / n, &classes[i].root, total, level + 1);
  }
  if (k == 0) {
    fputs("{}", out);
    return;
  }
  fputc('\n', out);
  json_indent(out, level);
  fputc('}', out);
}

void crowd_inspect_task_ratio_json(FILE *out, const crowd_scenario_desc *sc,
                                   const crowd_user_class *classes, long num_users)
{
  double *counts = calloc((size_t)(sc->nusers > 0 ? sc->nusers : 1), sizeof *counts);
  if (counts == NULL)
    return;
  double sum = user_counts(sc, classes, num_users, counts);
  fputs("{\n    \"per_class\": ", out);
  json_users(out, sc, classes, counts, sum, false, 1);
  fputs(",\n    \"total\": ", out);
  json_users(out, sc, classes, counts, sum, true, 1);
  fputs("\n}\n", out);
  free(counts);
}
