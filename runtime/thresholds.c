/* thresholds.c — (threshold ...) criteria on the exact statistics (see
 * thresholds.h). */
#include "config.h"

#include "thresholds.h"

#include <stdlib.h>
#include <string.h>

#include "histogram.h"

struct result {
  bool evaluated, passed, has_value;
  double value;
};

struct crowd_thresholds {
  const crowd_threshold_desc *descs;
  size_t n;
  struct result *res;
  int aborted_by;
};

crowd_thresholds *crowd_thr_new(const crowd_threshold_desc *descs, int n)
{
  crowd_thresholds *t = calloc(1, sizeof *t);
  if (t == NULL)
    return NULL;
  t->descs = descs;
  t->n = n > 0 && descs ? (size_t)n : 0;
  t->aborted_by = -1;
  if (t->n && (t->res = calloc(t->n, sizeof *t->res)) == NULL) {
    free(t);
    return NULL;
  }
  return t;
}

void crowd_thr_free(crowd_thresholds *t)
{
  if (t == NULL)
    return;
  free(t->res);
  free(t);
}

static bool is_time_metric(crowd_thr_metric m)
{
  return m == CROWD_THR_PERCENTILE || m == CROWD_THR_AVG || m == CROWD_THR_MIN ||
         m == CROWD_THR_MAX || m == CROWD_THR_MED;
}

/* The entries a threshold reads: the total, or every entry of its name
 * (whatever the method).  Counts add up; histograms merge into *merged
 * when more than one entry matches (allocated; the caller frees it). */
struct view {
  uint64_t requests, failures;
  double rps;
  const crowd_hist *hist; /* NULL: no entry */
  crowd_hist *merged;
};

static bool view_get(const crowd_threshold_desc *d, const crowd_stats *st, struct view *v)
{
  memset(v, 0, sizeof *v);
  if (d->name == NULL) {
    const crowd_stats_entry *e = crowd_stats_total(st);
    v->requests = crowd_stats_entry_num_requests(e);
    v->failures = crowd_stats_entry_num_failures(e);
    v->rps = crowd_stats_entry_total_rps(st, e);
    v->hist = crowd_stats_entry_hist(e);
    return true;
  }
  size_t n = crowd_stats_entry_count(st);
  for (size_t i = 0; i < n; i++) {
    const crowd_stats_entry *e = crowd_stats_entry_at(st, i);
    if (strcmp(crowd_stats_entry_name(e), d->name) != 0)
      continue;
    v->requests += crowd_stats_entry_num_requests(e);
    v->failures += crowd_stats_entry_num_failures(e);
    v->rps += crowd_stats_entry_total_rps(st, e);
    if (v->hist == NULL) {
      v->hist = crowd_stats_entry_hist(e);
      continue;
    }
    if (v->merged == NULL) { /* a second method under the same name */
      v->merged = malloc(sizeof *v->merged);
      if (v->merged == NULL)
        return false;
      memcpy(v->merged, v->hist, sizeof *v->merged);
      v->hist = v->merged;
    }
    crowd_hist_merge(v->merged, crowd_stats_entry_hist(e));
  }
  return true;
}

bool crowd_thr_observe(const crowd_threshold_desc *d, const crowd_stats *st, double *value)
{
  struct view v;
  bool ok = view_get(d, st, &v);
  uint64_t timed = v.hist ? crowd_hist_count(v.hist) : 0;
  *value = 0;
  if (ok) {
    switch (d->metric) {
    case CROWD_THR_PERCENTILE:
      *value = timed ? crowd_hist_percentile(v.hist, d->pct / 100.0) / 1e6 : 0;
      break;
    case CROWD_THR_MED:
      *value = timed ? crowd_hist_percentile(v.hist, 0.5) / 1e6 : 0;
      break;
    case CROWD_THR_AVG:
      *value = timed ? crowd_hist_mean(v.hist) / 1e6 : 0;
      break;
    case CROWD_THR_MIN:
      *value = timed ? (double)crowd_hist_min(v.hist) / 1e6 : 0;
      break;
    case CROWD_THR_MAX:
      *value = timed ? (double)crowd_hist_max(v.hist) / 1e6 : 0;
      break;
    case CROWD_THR_FAIL_RATIO:
      *value = v.requests ? (double)v.failures / (double)v.requests : 0;
      break;
    case CROWD_THR_RPS:
      *value = v.rps;
      break;
    case CROWD_THR_COUNT:
      *value = (double)v.requests;
      break;
    case CROWD_THR_FAILS:
      *value = (double)v.failures;
      break;
    }
  }
  free(v.merged);
  if (!ok)
    return false;
  if (is_time_metric(d->metric))
    return timed > 0;
  if (d->metric == CROWD_THR_FAIL_RATIO)
    return v.requests > 0;
  return true;
}

bool crowd_thr_holds(const crowd_threshold_desc *d, double value)
{
  switch (d->op) {
  case CROWD_THR_LT:
    return value < d->value;
  case CROWD_THR_LE:
    return value <= d->value;
  case CROWD_THR_GT:
    return value > d->value;
  case CROWD_THR_GE:
    return value >= d->value;
  }
  return false;
}

bool crowd_thr_any_abort(const crowd_thresholds *t)
{
  for (size_t i = 0; t && i < t->n; i++)
    if (t->descs[i].abort_on_fail)
      return true;
  return false;
}

int crowd_thr_check_abort(crowd_thresholds *t, const crowd_stats *st, double elapsed)
{
  for (size_t i = 0; t && i < t->n; i++) {
    const crowd_threshold_desc *d = &t->descs[i];
    double v;
    if (!d->abort_on_fail || elapsed < d->grace || !crowd_thr_observe(d, st, &v))
      continue;
    if (!crowd_thr_holds(d, v)) {
      if (t->aborted_by < 0)
        t->aborted_by = (int)i;
      return (int)i;
    }
  }
  return -1;
}

void crowd_thr_evaluate(crowd_thresholds *t, const crowd_stats *st)
{
  for (size_t i = 0; t && i < t->n; i++) {
    struct result *r = &t->res[i];
    r->evaluated = true;
    r->has_value = crowd_thr_observe(&t->descs[i], st, &r->value);
    r->passed = r->has_value && crowd_thr_holds(&t->descs[i], r->value);
  }
}

size_t crowd_thr_count(const crowd_thresholds *t)
{
  return t ? t->n : 0;
}

const crowd_threshold_desc *crowd_thr_desc(const crowd_thresholds *t, size_t i)
{
  return t && i < t->n ? &t->descs[i] : NULL;
}

bool crowd_thr_passed(const crowd_thresholds *t, size_t i)
{
  return t && i < t->n && t->res[i].passed;
}

bool crowd_thr_has_value(const crowd_thresholds *t, size_t i)
{
  return t && i < t->n && t->res[i].has_value;
}

double crowd_thr_value(const crowd_thresholds *t, size_t i)
{
  return t && i < t->n ? t->res[i].value : 0;
}

size_t crowd_thr_failed(const crowd_thresholds *t)
{
  size_t k = 0;
  for (size_t i = 0; t && i < t->n; i++)
    k += t->res[i].evaluated && !t->res[i].passed;
  return k;
}

int crowd_thr_aborted_by(const crowd_thresholds *t)
{
  return t ? t->aborted_by : -1;
}

const char *crowd_thr_metric_label(const crowd_threshold_desc *d, char *buf, size_t size)
{
  static const char *const labels[] = { "p", "avg", "min", "max", "med",
                                        "fail-ratio", "rps", "count", "fails" };
  if (d->metric == CROWD_THR_PERCENTILE)
    snprintf(buf, size, "p%g", d->pct);
  else
    snprintf(buf, size, "%s",
             (unsigned)d->metric < sizeof labels / sizeof labels[0] ? labels[d->metric] : "?");
  return buf;
}

const char *crowd_thr_format(const crowd_thresholds *t, size_t i, char *buf, size_t size)
{
  const crowd_threshold_desc *d = crowd_thr_desc(t, i);
  if (d == NULL || !t->res[i].has_value) {
    snprintf(buf, size, "no requests");
    return buf;
  }
  return crowd_thr_format_value(d, t->res[i].value, buf, size);
}

const char *crowd_thr_format_value(const crowd_threshold_desc *d, double v, char *buf, size_t size)
{
  if (is_time_metric(d->metric))
    snprintf(buf, size, v < 10 ? "%.2f ms" : "%.3f s", v < 10 ? v * 1e3 : v);
  else if (d->metric == CROWD_THR_FAIL_RATIO)
    snprintf(buf, size, "%.2f%%", v * 100);
  else if (d->metric == CROWD_THR_RPS)
    snprintf(buf, size, "%.1f/s", v);
  else
    snprintf(buf, size, "%.0f", v);
  return buf;
}

/* Python-like padding by code points, for texts with UTF-8 in them. */
static size_t utf8_width(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

void crowd_thr_print_summary(const crowd_thresholds *t, FILE *out, bool utf8)
{
  size_t n = crowd_thr_count(t);
  if (n == 0)
    return;
  size_t width = 0;
  for (size_t i = 0; i < n; i++) {
    size_t w = utf8_width(t->descs[i].text ? t->descs[i].text : "");
    if (w > width)
      width = w;
  }
  if (width > 60)
    width = 60;
  size_t failed = crowd_thr_failed(t);
  fprintf(out, "Thresholds: %zu passed, %zu failed\n", n - failed, failed);
  for (size_t i = 0; i < n; i++) {
    const char *text = t->descs[i].text ? t->descs[i].text : "";
    char val[64], label[32];
    bool ok = crowd_thr_passed(t, i);
    fprintf(out, "  %s %s ", utf8 ? (ok ? "\xE2\x9C\x93" : "\xE2\x9C\x97") : (ok ? "PASS" : "FAIL"),
            text);
    for (size_t w = utf8_width(text); w < width + 2; w++)
      fputc('.', out);
    fprintf(out, " %s=%s", crowd_thr_metric_label(&t->descs[i], label, sizeof label),
            crowd_thr_format(t, i, val, sizeof val));
    if (crowd_thr_aborted_by(t) == (int)i)
      fputs("  (aborted the run)", out);
    fputc('\n', out);
  }
  fputc('\n', out);
}
