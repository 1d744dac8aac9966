#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "histogram.h"
#include "inspect.h"
#include "log.h"
#include "measure.h"
#include "reports.h"
#include "options.h"
#include "rlimits.h"
#include "runner.h"
#include "stats.h"
#include "thresholds.h"
#include "webui_int.h"

#define MAX_ROWS 500 /* /stats/requests lists at most this many entries and errors, as Locust */

static const char CT_JSON[] = "application/json";
static const char CT_CSV[] = "text/csv; charset=utf-8";
static const char CT_TEXT[] = "text/plain; charset=utf-8";

/* ---- replies ------------------------------------------------------------------------ */

void crowd_web_reply_json(web_reply *out, unsigned status, char *json)
{
  out->status = json ? status : 500;
  out->ctype = CT_JSON;
  out->body = json;
  out->len = json ? strlen(json) : 0;
}

void crowd_web_reply_text(web_reply *out, unsigned status, const char *ctype, const char *text)
{
  out->status = status;
  out->ctype = ctype;
  out->body = strdup(text);
  out->len = out->body ? strlen(out->body) : 0;
  if (out->body == NULL)
    out->status = 500;
}

/* Locust's shape: {"success": false, "message": ..., "host": ...}. */
void crowd_web_reply_error(web_reply *out, unsigned status, const char *message, const char *host)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "success", 0);
  cJSON_AddStringToObject(o, "message", message);
  if (host)
    cJSON_AddStringToObject(o, "host", host);
  crowd_web_reply_json(out, status, cJSON_PrintUnformatted(o));
  cJSON_Delete(o);
}

/* A memstream's text as the reply body (NULL on error: a 500). */
static void reply_stream(web_reply *out, const char *ctype, char *buf, size_t len, bool ok)
{
  if (!ok) {
    free(buf);
    crowd_web_reply_error(out, 500, "Out of memory", NULL);
    return;
  }
  out->status = 200;
  out->ctype = ctype;
  out->body = buf;
  out->len = len;
}

/* ---- text that leaves the process ---------------------------------------------------- */

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
  if (s[0] < 0x80)
    return 1;
  size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0)))
    return 0; /* overlong, surrogates */
  if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90)))
    return 0;
  return n;
}

/* s as valid UTF-8 (bad bytes become U+FFFD), malloc'ed; names and error
 * texts may hold bytes taken from responses. */
static char *utf8_clean(const char *s)
{
  size_t n = strlen(s);
  char *out = malloc(n * 3 + 1), *o = out;
  if (out == NULL)
    return NULL;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t k = utf8_len(p);
    if (k == 0) {
      memcpy(o, "\xEF\xBF\xBD", 3);
      o += 3;
      p++;
    } else {
      memcpy(o, p, k);
      o += k;
      p += k;
    }
  }
  *o = '\0';
  return out;
}

static void add_str(cJSON *o, const char *key, const char *s)
{
  char *c = utf8_clean(s ? s : "");
  cJSON_AddStringToObject(o, key, c ? c : "");
  free(c);
}

static void add_num(cJSON *o, const char *key, double v)
{
  cJSON_AddNumberToObject(o, key, isfinite(v) ? v : 0);
}

/* Microseconds as milliseconds, to the microsecond. */
static double ms(double us)
{
  return round(us) / 1000.0;
}

/* ---- /stats/requests ------------------------------------------------------------------- */

/* Users running now: none once the test has stopped (the runner keeps the
 * stopped users until the next start). */
static size_t live_users(const crowd_runner *r)
{
  return r->phase == CROWD_RUNNER_STOPPED || r->phase == CROWD_RUNNER_READY ? 0 : r->nusers;
}

static double class_users(const crowd_runner *r, int i)
{
  return r->classes && live_users(r) > 0 ? (double)r->classes[i].count : 0;
}

static cJSON *entry_json(const crowd_stats *st, const crowd_stats_entry *e, double now)
{
  const crowd_hist *h = crowd_stats_entry_hist(e);
  uint64_t n = crowd_stats_entry_num_requests(e);
  cJSON *o = cJSON_CreateObject();
  add_str(o, "method", crowd_stats_entry_method(e));
  add_str(o, "name", crowd_stats_entry_name(e));
  add_num(o, "num_requests", (double)n);
  add_num(o, "num_failures", (double)crowd_stats_entry_num_failures(e));
  add_num(o, "min_response_time", ms((double)crowd_hist_min(h)));
  add_num(o, "max_response_time", ms((double)crowd_hist_max(h)));
  add_num(o, "current_rps", crowd_stats_entry_current_rps(st, e, now));
  add_num(o, "current_fail_per_sec", crowd_stats_entry_current_fail_per_sec(st, e, now));
  add_num(o, "avg_response_time", ms(crowd_hist_mean(h)));
  add_num(o, "median_response_time", ms(crowd_hist_percentile(h, 0.5)));
  add_num(o, "total_rps", crowd_stats_entry_total_rps(st, e));
  add_num(o, "total_fail_per_sec", crowd_stats_entry_total_fail_per_sec(st, e));
  add_num(o, "response_time_percentile_0.95", ms(crowd_hist_percentile(h, 0.95)));
  add_num(o, "response_time_percentile_0.99", ms(crowd_hist_percentile(h, 0.99)));
  add_num(o, "avg_content_length", n ? (double)crowd_stats_entry_total_content_length(e) / (double)n : 0);
  /* Locust 2.12's names */
  add_num(o, "ninetieth_response_time", ms(crowd_hist_percentile(h, 0.90)));
  add_num(o, "ninety_ninth_response_time", ms(crowd_hist_percentile(h, 0.99)));
  return o;
}

/* The history the file reports keep (reports.h): the charts' one source. */
static crowd_history *web_history(const crowd_web *w)
{
  return w->r->reports ? crowd_reports_history(w->r->reports) : NULL;
}

/* The scenario's thresholds, evaluated now. */
static cJSON *thresholds_json(const crowd_runner *r)
{
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < r->sc->nthresholds; i++) {
    const crowd_threshold_desc *d = &r->sc->thresholds[i];
    double v = 0;
    bool has = crowd_thr_observe(d, r->stats, &v);
    cJSON *o = cJSON_CreateObject();
    add_str(o, "threshold", d->text);
    if (has) {
      cJSON_AddBoolToObject(o, "ok", crowd_thr_holds(d, v));
      add_num(o, "value", v);
    } else {
      cJSON_AddNullToObject(o, "ok");
      cJSON_AddNullToObject(o, "value");
    }
    const char *unit = "count";
    switch (d->metric) {
    case CROWD_THR_PERCENTILE: case CROWD_THR_AVG: case CROWD_THR_MIN: case CROWD_THR_MAX:
    case CROWD_THR_MED: unit = "s"; break;
    case CROWD_THR_FAIL_RATIO: unit = "ratio"; break;
    case CROWD_THR_RPS: unit = "rps"; break;
    case CROWD_THR_COUNT: case CROWD_THR_FAILS: unit = "count"; break;
    }
    cJSON_AddStringToObject(o, "unit", unit);
    cJSON_AddItemToArray(a, o);
  }
  return a;
}

static char *stats_requests_json(crowd_web *w)
{
  const crowd_runner *r = w->r;
  const crowd_stats *st = r->stats;
  double now = crowd_clock_wall();
  cJSON *root = cJSON_CreateObject();
  cJSON *stats = cJSON_AddArrayToObject(root, "stats");
  size_t n = 0;
  const crowd_stats_entry **sorted = crowd_stats_sorted_entries(st, &n);
  for (size_t i = 0; i < n && i < MAX_ROWS; i++)
    cJSON_AddItemToArray(stats, entry_json(st, sorted[i], now));
  free(sorted);
  const crowd_stats_entry *total = crowd_stats_total(st);
  cJSON_AddItemToArray(stats, entry_json(st, total, now));

  cJSON *errors = cJSON_AddArrayToObject(root, "errors");
  size_t ne = crowd_stats_error_count(st);
  for (size_t i = 0; i < ne && i < MAX_ROWS; i++) {
    const crowd_stats_error *e = crowd_stats_error_at(st, i);
    cJSON *o = cJSON_CreateObject();
    add_str(o, "method", crowd_stats_error_method(e));
    add_str(o, "name", crowd_stats_error_name(e));
    add_str(o, "error", crowd_stats_error_message(e));
    add_num(o, "occurrences", (double)crowd_stats_error_occurrences(e));
    cJSON_AddItemToArray(errors, o);
  }
  add_num(root, "current_rps", crowd_stats_entry_current_rps(st, total, now));
  add_num(root, "current_fail_per_sec", crowd_stats_entry_current_fail_per_sec(st, total, now));
  add_num(root, "total_rps", crowd_stats_entry_total_rps(st, total));
  add_num(root, "total_fail_per_sec", crowd_stats_entry_total_fail_per_sec(st, total));
  add_num(root, "fail_ratio", crowd_stats_entry_fail_ratio(total));
  /* the last ~10 s, from the chart history; null while it is empty */
  crowd_history *h = r->phase == CROWD_RUNNER_READY ? NULL : web_history(w);
  const crowd_hist *win = h ? crowd_history_window(h, CROWD_HISTORY_TOTAL) : NULL;
  cJSON *cur = cJSON_AddObjectToObject(root, "current_response_time_percentiles");
  if (win && crowd_hist_count(win) > 0) {
    add_num(cur, "response_time_percentile_0.5", ms(crowd_hist_percentile(win, 0.5)));
    add_num(cur, "response_time_percentile_0.95", ms(crowd_hist_percentile(win, 0.95)));
    add_num(root, "current_response_time_percentile_50", ms(crowd_hist_percentile(win, 0.5)));
    add_num(root, "current_response_time_percentile_95", ms(crowd_hist_percentile(win, 0.95)));
  } else {
    cJSON_AddNullToObject(cur, "response_time_percentile_0.5");
    cJSON_AddNullToObject(cur, "response_time_percentile_0.95");
    cJSON_AddNullToObject(root, "current_response_time_percentile_50");
    cJSON_AddNullToObject(root, "current_response_time_percentile_95");
  }
  cJSON_AddStringToObject(root, "state", crowd_runner_state(r));
  add_num(root, "user_count", (double)live_users(r));
  /* crowd's own */
  cJSON *uc = cJSON_AddObjectToObject(root, "user_classes_count");
  for (int i = 0; i < r->sc->nusers; i++)
    add_num(uc, r->sc->users[i].name, class_users(r, i));
  if (r->host)
    add_str(root, "host", r->host);
  cJSON_AddItemToObject(root, "thresholds", thresholds_json(r));
  if (crowd_measure_cpu_samples(st) > 0) {
    add_num(root, "cpu_percent", crowd_measure_cpu_last(st));
    cJSON_AddBoolToObject(root, "cpu_warning", crowd_measure_cpu_warning(st));
  } else {
    cJSON_AddNullToObject(root, "cpu_percent");
  }
  add_num(root, "exception_count", (double)crowd_stats_exception_count(st));
  char *json = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  return json;
}

static void route_stats_requests(crowd_web *w, web_reply *out)
{
  double now = crowd_clock_mono();
  if (w->stats_cache == NULL || w->stats_cache_of != (const void *)w->r->stats ||
      now - w->stats_cache_time >= CROWD_WEB_CACHE_SECONDS || now < w->stats_cache_time) {
    free(w->stats_cache);
    w->stats_cache = stats_requests_json(w);
    w->stats_cache_len = w->stats_cache ? strlen(w->stats_cache) : 0;
    w->stats_cache_time = now;
    w->stats_cache_of = w->r->stats;
  }
  if (w->stats_cache == NULL) {
    crowd_web_reply_error(out, 500, "Out of memory", NULL);
    return;
  }
  /* a copy: the cache may be refreshed while this reply is still being sent */
  out->body = malloc(w->stats_cache_len + 1);
  if (out->body == NULL) {
    crowd_web_reply_error(out, 500, "Out of memory", NULL);
    return;
  }
  memcpy(out->body, w->stats_cache, w->stats_cache_len + 1);
  out->status = 200;
  out->ctype = CT_JSON;
  out->len = w->stats_cache_len;
}

/* ---- the chart history (crowd's /stats/history) ------------------------------------------ */

static void add_series_num(cJSON *a, double v, bool null)
{
  cJSON_AddItemToArray(a, null || !isfinite(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v));
}

static void route_history(crowd_web *w, web_reply *out)
{
  cJSON *root = cJSON_CreateObject();
  cJSON *t = cJSON_AddArrayToObject(root, "time");
  cJSON *users = cJSON_AddArrayToObject(root, "user_count");
  cJSON *rps = cJSON_AddArrayToObject(root, "current_rps");
  cJSON *fps = cJSON_AddArrayToObject(root, "current_fail_per_sec");
  cJSON *p50 = cJSON_AddArrayToObject(root, "response_time_percentile_0.5");
  cJSON *p95 = cJSON_AddArrayToObject(root, "response_time_percentile_0.95");
  cJSON *avg = cJSON_AddArrayToObject(root, "total_avg_response_time");
  size_t n = 0;
  crowd_history *h = w->r->phase != CROWD_RUNNER_READY ? web_history(w) : NULL;
  const crowd_history_point *pts = h ? crowd_history_points(h, CROWD_HISTORY_TOTAL, &n) : NULL;
  size_t first = 0; /* the current test's points: from its /swarm on */
  while (pts && first < n && pts[first].time < w->test_start)
    first++;
  for (size_t i = first; pts && i < n; i++) {
    add_series_num(t, round(pts[i].time * 1000) / 1000, false);
    add_series_num(users, pts[i].users, false);
    add_series_num(rps, round(pts[i].rps * 100) / 100, false);
    add_series_num(fps, round(pts[i].fail_per_sec * 100) / 100, false);
    add_series_num(p50, pts[i].p50_ms, pts[i].p50_ms < 0);
    add_series_num(p95, pts[i].p95_ms, pts[i].p95_ms < 0);
    add_series_num(avg, pts[i].avg_ms, false);
  }
  crowd_web_reply_json(out, 200, cJSON_PrintUnformatted(root));
  cJSON_Delete(root);
}

/* ---- downloads: the file reports' writers (reports.h) -------------------------------- */

/* Locust's file name: Locust_{YYYY-MM-DD-HHhMM}_{locustfile}_{host}_{kind}.{ext},
 * with crowd's prefix and scenario name and only [A-Za-z0-9._-] kept; kind
 * NULL: none (the HTML report). */
static void download_name(const crowd_web *w, const char *kind, const char *ext, char *buf, size_t size)
{
  char when[32] = "";
  time_t now = time(NULL);
  struct tm tm;
  if (localtime_r(&now, &tm))
    strftime(when, sizeof when, "%Y-%m-%d-%Hh%M", &tm);
  const char *host = w->r->host ? w->r->host : "";
  const char *p = strstr(host, "://");
  snprintf(buf, size, "crowd_%s_%s_%s%s%s.%s", when, w->r->sc->name ? w->r->sc->name : "scenario",
           p ? p + 3 : host, kind ? "_" : "", kind ? kind : "", ext);
  for (char *c = buf; *c; c++)
    if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_')
      *c = '_';
}

typedef int (*report_writer)(crowd_reports *rep, FILE *f);

static int w_stats(crowd_reports *rep, FILE *f) { return crowd_reports_write_stats_csv(rep, f); }
static int w_failures(crowd_reports *rep, FILE *f) { return crowd_reports_write_failures_csv(rep, f); }
static int w_exceptions(crowd_reports *rep, FILE *f) { return crowd_reports_write_exceptions_csv(rep, f); }
static int w_full_history(crowd_reports *rep, FILE *f) { return crowd_reports_write_full_history_csv(rep, f); }

/* A report made by write, as the reply (an attachment when kind is set). */
static void route_report(crowd_web *w, report_writer write, const char *ctype, const char *kind,
                         const char *ext, web_reply *out)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = w->r->reports ? open_memstream(&buf, &len) : NULL;
  if (f == NULL) {
    crowd_web_reply_error(out, 500, "Out of memory", NULL);
    return;
  }
  bool ok = write(w->r->reports, f) == 0;
  ok = fclose(f) == 0 && ok;
  reply_stream(out, ctype, buf, len, ok);
  if (ok && kind)
    download_name(w, kind, ext, out->filename, sizeof out->filename);
}

/* The HTML report of the test so far, as --html writes it at the end. */
static void route_html_report(crowd_web *w, web_arg_fn arg, void *arg_ctx, web_reply *out)
{
  const char *download = arg(arg_ctx, "download");
  const char *theme = arg(arg_ctx, "theme");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = w->r->reports ? open_memstream(&buf, &len) : NULL;
  if (f == NULL) {
    crowd_web_reply_error(out, 500, "Out of memory", NULL);
    return;
  }
  bool ok = crowd_reports_write_html(w->r->reports, f, crowd_runner_state(w->r),
                                     theme && strcmp(theme, "dark") == 0) == 0;
  ok = fclose(f) == 0 && ok;
  reply_stream(out, "text/html; charset=utf-8", buf, len, ok);
  /* its inline style and hover script, nothing else */
  out->csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
             "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  if (ok && download && download[0] && strcmp(download, "0") != 0)
    download_name(w, NULL, "html", out->filename, sizeof out->filename);
}

/* ---- /exceptions, /tasks, crowd's /config ------------------------------------------------- */

static void route_exceptions(crowd_web *w, web_reply *out)
{
  const crowd_stats *st = w->r->stats;
  cJSON *root = cJSON_CreateObject();
  cJSON *a = cJSON_AddArrayToObject(root, "exceptions");
  for (size_t i = 0; i < crowd_stats_exception_count(st) && i < MAX_ROWS; i++) {
    const crowd_stats_error *e = crowd_stats_exception_at(st, i);
    cJSON *o = cJSON_CreateObject();
    add_num(o, "count", (double)crowd_stats_error_occurrences(e));
    add_str(o, "msg", crowd_stats_error_message(e));
    add_str(o, "traceback", crowd_stats_error_name(e));
    cJSON_AddStringToObject(o, "nodes", "local");
    cJSON_AddItemToArray(a, o);
  }
  crowd_web_reply_json(out, 200, cJSON_PrintUnformatted(root));
  cJSON_Delete(root);
}

static void route_tasks(crowd_web *w, web_reply *out)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL || w->r->classes == NULL) {
    if (f)
      fclose(f);
    free(buf);
    crowd_web_reply_error(out, 500, "Out of memory", NULL);
    return;
  }
  long users = (long)live_users(w->r);
  crowd_inspect_task_ratio_json(f, w->r->sc, w->r->classes, users > 0 ? users : 0);
  bool ok = !ferror(f);
  ok = fclose(f) == 0 && ok;
  reply_stream(out, CT_JSON, buf, len, ok);
}

static void route_config(crowd_web *w, web_reply *out)
{
  const crowd_runner *r = w->r;
  const crowd_options *opt = r->opt;
  cJSON *o = cJSON_CreateObject();
  add_str(o, "scenario", r->sc->name);
  cJSON_AddStringToObject(o, "version", PACKAGE_VERSION);
  add_str(o, "host", r->host ? r->host : w->default_host ? w->default_host : "");
  add_num(o, "num_users", (double)(opt->users_set || opt->autostart ? opt->users : 1));
  add_num(o, "spawn_rate", r->spawn_rate);
  add_num(o, "run_time", (double)r->run_time);
  cJSON_AddBoolToObject(o, "show_userclass_picker", opt->class_picker && !r->sc->shape);
  /* as Locust's is_shape: the form asks neither users nor rate */
  cJSON_AddBoolToObject(o, "is_shape", r->sc->shape != NULL);
  if (r->sc->shape)
    add_str(o, "shape", r->sc->shape->name);
  cJSON *classes = cJSON_AddArrayToObject(o, "available_user_classes");
  cJSON *on = cJSON_AddArrayToObject(o, "selected_user_classes");
  for (int i = 0; i < r->sc->nusers; i++) {
    cJSON_AddItemToArray(classes, cJSON_CreateString(r->sc->users[i].name));
    if (w->class_on[i])
      cJSON_AddItemToArray(on, cJSON_CreateString(r->sc->users[i].name));
  }
  cJSON_AddNumberToObject(o, "thresholds", r->sc->nthresholds);
  crowd_web_reply_json(out, 200, cJSON_PrintUnformatted(o));
  cJSON_Delete(o);
}

/* ---- /metrics: Prometheus text format 0.0.4 ------------------------------------------------ */

/* The shortest %g digits that read back as v. */
static const char *shortest(char *buf, size_t size, double v)
{
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, size, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  return buf;
}

/* A label value: \ " and newline escaped, valid UTF-8. */
static void prom_label(FILE *f, const char *s)
{
  char *c = utf8_clean(s ? s : "");
  for (const char *p = c ? c : ""; *p; p++) {
    if (*p == '\\')
      fputs("\\\\", f);
    else if (*p == '"')
      fputs("\\\"", f);
    else if (*p == '\n')
      fputs("\\n", f);
    else
      fputc(*p, f);
  }
  free(c);
}

static void prom_head(FILE *f, const char *name, const char *type, const char *help)
{
  fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_value(FILE *f, double v)
{
  char buf[40];
  if (isnan(v))
    fputs(" NaN\n", f);
  else if (isinf(v))
    fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
  else
    fprintf(f, " %s\n", shortest(buf, sizeof buf, v));
}

static void prom_entry_labels(FILE *f, const crowd_stats_entry *e)
{
  fputs("{method=\"", f);
  prom_label(f, crowd_stats_entry_method(e));
  fputs("\",name=\"", f);
  prom_label(f, crowd_stats_entry_name(e));
  fputc('"', f);
}

typedef double (*prom_get)(const crowd_stats *st, const crowd_stats_entry *e);

static double get_requests(const crowd_stats *st, const crowd_stats_entry *e)
{
  return (double)crowd_stats_entry_num_requests(e);
}
static double get_failures(const crowd_stats *st, const crowd_stats_entry *e)
{
  return (double)crowd_stats_entry_num_failures(e);
}
static double get_bytes(const crowd_stats *st, const crowd_stats_entry *e)
{
  return (double)crowd_stats_entry_total_content_length(e);
}

static void prom_per_entry(FILE *f, const crowd_stats *st, const crowd_stats_entry **es, size_t n,
                           const char *name, const char *help, prom_get get)
{
  prom_head(f, name, "counter", help);
  for (size_t i = 0; i < n; i++) {
    fputs(name, f);
    prom_entry_labels(f, es[i]);
    fputc('}', f);
    prom_value(f, get(st, es[i]));
  }
}

static void metrics(FILE *f, const crowd_runner *r)
{
  const crowd_stats *st = r->stats;
  double now = crowd_clock_wall();
  static const char *const states[] = { "ready", "spawning", "running", "stopping", "stopped" };
  prom_head(f, "crowd_state", "gauge", "The test's state: 1 for the current one.");
  const char *cur = crowd_runner_state(r);
  for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
    fprintf(f, "crowd_state{state=\"%s\"} %d\n", states[i], strcmp(cur, states[i]) == 0);
  prom_head(f, "crowd_users", "gauge", "Users running now.");
  fputs("crowd_users", f);
  prom_value(f, (double)live_users(r));
  prom_head(f, "crowd_user_class_users", "gauge", "Users running now, by user class.");
  for (int i = 0; i < r->sc->nusers; i++) {
    fputs("crowd_user_class_users{class=\"", f);
    prom_label(f, r->sc->users[i].name);
    fputs("\"}", f);
    prom_value(f, class_users(r, i));
  }
  size_t n = 0;
  const crowd_stats_entry **es = crowd_stats_sorted_entries(st, &n);
  prom_per_entry(f, st, es, n, "crowd_requests_total",
                 "Requests completed (failed ones included) since the test started or the stats were reset.",
                 get_requests);
  prom_per_entry(f, st, es, n, "crowd_failures_total", "Requests that failed.", get_failures);
  prom_per_entry(f, st, es, n, "crowd_response_bytes_total", "Response body bytes received.", get_bytes);
  prom_head(f, "crowd_response_time_seconds", "summary",
            "Response times (exact to about 1%), since the test started or the stats were reset.");
  static const char *const q[] = { "0.5", "0.9", "0.95", "0.99", "0.999" };
  for (size_t i = 0; i < n; i++) {
    const crowd_hist *h = crowd_stats_entry_hist(es[i]);
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
      fputs("crowd_response_time_seconds", f);
      prom_entry_labels(f, es[i]);
      fprintf(f, ",quantile=\"%s\"}", q[k]);
      prom_value(f, crowd_hist_count(h) ? crowd_hist_percentile(h, strtod(q[k], NULL)) / 1e6 : NAN);
    }
    fputs("crowd_response_time_seconds_sum", f);
    prom_entry_labels(f, es[i]);
    fputc('}', f);
    prom_value(f, crowd_hist_sum(h) / 1e6);
    fputs("crowd_response_time_seconds_count", f);
    prom_entry_labels(f, es[i]);
    fputc('}', f);
    prom_value(f, (double)crowd_hist_count(h));
  }
  free(es);
  prom_head(f, "crowd_errors_total", "counter", "Failures by request and error message.");
  for (size_t i = 0; i < crowd_stats_error_count(st); i++) {
    const crowd_stats_error *e = crowd_stats_error_at(st, i);
    fputs("crowd_errors_total{method=\"", f);
    prom_label(f, crowd_stats_error_method(e));
    fputs("\",name=\"", f);
    prom_label(f, crowd_stats_error_name(e));
    fputs("\",error=\"", f);
    prom_label(f, crowd_stats_error_message(e));
    fputs("\"}", f);
    prom_value(f, (double)crowd_stats_error_occurrences(e));
  }
  uint64_t exc = 0;
  for (size_t i = 0; i < crowd_stats_exception_count(st); i++)
    exc += crowd_stats_error_occurrences(crowd_stats_exception_at(st, i));
  prom_head(f, "crowd_exceptions_total", "counter", "Task errors the users survived.");
  fputs("crowd_exceptions_total", f);
  prom_value(f, (double)exc);
  const crowd_stats_entry *total = crowd_stats_total(st);
  prom_head(f, "crowd_current_rps", "gauge", "Requests per second over the last 10 seconds.");
  fputs("crowd_current_rps", f);
  prom_value(f, crowd_stats_entry_current_rps(st, total, now));
  prom_head(f, "crowd_current_fail_per_sec", "gauge", "Failures per second over the last 10 seconds.");
  fputs("crowd_current_fail_per_sec", f);
  prom_value(f, crowd_stats_entry_current_fail_per_sec(st, total, now));
  if (crowd_measure_cpu_samples(st) > 0) {
    prom_head(f, "crowd_generator_cpu_percent", "gauge", "The load generator's own CPU use (percent of one core).");
    fputs("crowd_generator_cpu_percent", f);
    prom_value(f, crowd_measure_cpu_last(st));
  }
  if (r->sc->nthresholds > 0) {
    prom_head(f, "crowd_threshold_ok", "gauge", "1 when the threshold holds now, 0 when breached (absent: no value yet).");
    for (int i = 0; i < r->sc->nthresholds; i++) {
      const crowd_threshold_desc *d = &r->sc->thresholds[i];
      double v;
      if (!crowd_thr_observe(d, st, &v))
        continue;
      fputs("crowd_threshold_ok{threshold=\"", f);
      prom_label(f, d->text);
      fputs("\"}", f);
      prom_value(f, crowd_thr_holds(d, v) ? 1 : 0);
    }
  }
}

static void route_metrics(crowd_web *w, web_reply *out)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) {
    crowd_web_reply_error(out, 500, "Out of memory", NULL);
    return;
  }
  metrics(f, w->r);
  bool ok = !ferror(f);
  ok = fclose(f) == 0 && ok;
  reply_stream(out, "text/plain; version=0.0.4; charset=utf-8", buf, len, ok);
}

/* ---- /swarm ------------------------------------------------------------------------------ */

static bool parse_count(const char *s, long *out)
{
  char *end;
  while (isspace((unsigned char)*s))
    s++;
  errno = 0;
  long v = strtol(s, &end, 10);
  while (isspace((unsigned char)*end))
    end++;
  if (errno != 0 || end == s || *end != '\0' || *s == '+')
    return false;
  *out = v;
  return true;
}

static bool parse_rate(const char *s, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  while (isspace((unsigned char)*end))
    end++;
  if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
    return false;
  *out = v;
  return true;
}

/* The host as Locust takes it ('<' and '>' dropped), checked: an http(s)
 * URL without spaces or control characters.  Kept for the process's life
 * (users borrow it).  NULL with *msg set when refused. */
static const char *swarm_host(crowd_web *w, const char *given, const char **msg)
{
  char clean[2048];
  size_t n = 0;
  for (const char *p = given; *p && n + 1 < sizeof clean; p++)
    if (*p != '<' && *p != '>')
      clean[n++] = *p;
  clean[n] = '\0';
  while (n > 0 && isspace((unsigned char)clean[n - 1]))
    clean[--n] = '\0';
  const char *h = clean;
  while (isspace((unsigned char)*h))
    h++;
  if (*h == '\0') {
    if (w->r->host)
      return w->r->host;
    if (w->default_host)
      return w->default_host;
    *msg = "No host given: fill in the host to load test, e.g. http://127.0.0.1:8080";
    return NULL;
  }
  bool scheme = (strncasecmp(h, "http://", 7) == 0 && h[7]) || (strncasecmp(h, "https://", 8) == 0 && h[8]);
  bool plain = strlen(given) < sizeof clean - 1;
  for (const char *p = h; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\\')
      plain = false;
  if (!scheme || !plain) {
    *msg = "Invalid host: expected http://HOST[:PORT] or https://HOST[:PORT]";
    return NULL;
  }
  if (w->r->host && strcmp(w->r->host, h) == 0)
    return w->r->host;
  for (struct web_host *k = w->hosts; k; k = k->next)
    if (strcmp(k->url, h) == 0)
      return k->url;
  size_t len = strlen(h);
  struct web_host *k = malloc(sizeof *k + len + 1);
  if (k == NULL) {
    *msg = "Out of memory";
    return NULL;
  }
  memcpy(k->url, h, len + 1);
  k->next = w->hosts;
  w->hosts = k;
  return k->url;
}

/* --class-picker: the classes named in the form (all when none is). */
static bool swarm_classes(crowd_web *w, const web_form *form, bool *on, char *msg, size_t size)
{
  const crowd_scenario_desc *sc = w->r->sc;
  for (int i = 0; i < sc->nusers; i++)
    on[i] = form->nclasses == 0 || !w->r->opt->class_picker;
  if (!w->r->opt->class_picker)
    return true;
  for (int k = 0; k < form->nclasses; k++) {
    int found = -1;
    for (int i = 0; i < sc->nusers && found < 0; i++)
      if (strcmp(sc->users[i].name, form->classes[k]) == 0)
        found = i;
    if (found < 0) {
      char *c = utf8_clean(form->classes[k]);
      snprintf(msg, size, "Unknown user class: %.100s", c ? c : "?");
      free(c);
      return false;
    }
    on[found] = true;
  }
  return true;
}

/* /swarm with a (shape ...): the shape drives the test from t = 0 (Locust's
 * start_shape); user_count and spawn_rate are ignored, as Locust's form
 * does not even show them.  The answer is Locust's. */
static void route_swarm_shape(crowd_web *w, const web_form *form, web_reply *out)
{
  crowd_runner *r = w->r;
  const char *host_now = r->host ? r->host : w->default_host;
  long run_time = 0;
  const char *msg = NULL;
  if (form->run_time && form->run_time[0] && crowd_opt_timespan(form->run_time, &run_time) != 0) {
    crowd_web_reply_error(out, 400, "Valid run_time formats are : 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.",
                          host_now);
    return;
  }
  if (r->phase == CROWD_RUNNER_STOPPING) {
    crowd_web_reply_error(out, 409, "The test is stopping; start it again in a moment", host_now);
    return;
  }
  bool fresh = r->phase == CROWD_RUNNER_READY || r->phase == CROWD_RUNNER_STOPPED;
  const char *host = fresh ? swarm_host(w, form->host ? form->host : "", &msg) : host_now;
  if (host == NULL) {
    crowd_web_reply_error(out, 400, msg, host_now);
    return;
  }
  if (fresh) {
    for (int i = 0; i < r->sc->nusers; i++) /* the shape picks the classes */
      w->class_on[i] = true;
    w->test_start = crowd_clock_wall();
  }
  int rc = crowd_runner_start_shape(r, host, run_time);
  if (rc == 1) {
    crowd_log(CROWD_LOG_INFO, "crowd.runners", "There is an ongoing shape test running. Editing is disabled");
  } else if (rc == -2) {
    crowd_web_reply_error(out, 400, "The shape's tick gives no valid target (see the log); nothing was started",
                          host_now);
    return;
  } else if (rc != 0) {
    crowd_web_reply_error(out, 500, "Could not start the test (out of memory)", host_now);
    return;
  }
  crowd_web_changed(w);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "success", 1);
  cJSON_AddStringToObject(o, "message", "Swarming started using shape class");
  add_str(o, "host", host);
  crowd_web_reply_json(out, 200, cJSON_PrintUnformatted(o));
  cJSON_Delete(o);
}

static void route_swarm(crowd_web *w, const web_form *form, web_reply *out)
{
  crowd_runner *r = w->r;
  const char *host_now = r->host ? r->host : w->default_host;
  long users = 0, run_time = 0;
  double rate = 0;
  if (r->sc->shape) {
    route_swarm_shape(w, form, out);
    return;
  }
  if (form->user_count == NULL || form->spawn_rate == NULL || !form->user_count[0] || !form->spawn_rate[0]) {
    crowd_web_reply_error(out, 400, "Missing user_count or spawn_rate from /swarm request", host_now);
    return;
  }
  if (!parse_count(form->user_count, &users) || users < 0) {
    crowd_web_reply_error(out, 400, "Invalid user_count: expected a whole number of users, 0 or more", host_now);
    return;
  }
  if (users > CROWD_WEB_MAX_USERS) {
    crowd_web_reply_error(out, 400, "Invalid user_count: more than 10000000 users", host_now);
    return;
  }
  if (!parse_rate(form->spawn_rate, &rate) || !(rate > 0) || rate > 1e6) {
    crowd_web_reply_error(out, 400, "Invalid spawn_rate: expected a number of users per second, above 0",
                          host_now);
    return;
  }
  if (form->run_time && form->run_time[0] && crowd_opt_timespan(form->run_time, &run_time) != 0) {
    crowd_web_reply_error(out, 400, "Valid run_time formats are : 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.",
                          host_now);
    return;
  }
  const char *msg = NULL;
  bool fresh = r->phase == CROWD_RUNNER_READY || r->phase == CROWD_RUNNER_STOPPED;
  if (r->phase == CROWD_RUNNER_STOPPING) {
    crowd_web_reply_error(out, 409, "The test is stopping; start it again in a moment", host_now);
    return;
  }
  bool *on = calloc((size_t)(r->sc->nusers > 0 ? r->sc->nusers : 1), sizeof *on);
  char cmsg[160];
  if (on == NULL || !swarm_classes(w, form, on, cmsg, sizeof cmsg)) {
    crowd_web_reply_error(out, 400, on ? cmsg : "Out of memory", host_now);
    free(on);
    return;
  }
  const char *host = swarm_host(w, form->host ? form->host : "", &msg);
  if (host == NULL) {
    crowd_web_reply_error(out, 400, msg, host_now);
    free(on);
    return;
  }
  /* the machine's limits (open files, ports) for that many users */
  char *lbuf = NULL;
  size_t llen = 0;
  FILE *lf = open_memstream(&lbuf, &llen);
  int lim = lf ? crowd_limits_check(users, host, lf) : -1;
  if (lf)
    fclose(lf);
  if (lim != 0) {
    while (llen > 0 && (lbuf[llen - 1] == '\n'))
      lbuf[--llen] = '\0';
    for (char *p = lbuf ? strstr(lbuf, "crowd: error: ") : NULL; p; p = strstr(p, "crowd: error: "))
      memmove(p, p + 14, strlen(p + 14) + 1); /* the messages, without the CLI's prefix */
    crowd_web_reply_error(out, 400, lbuf && lbuf[0] ? lbuf : "Too many users for this machine's limits", host_now);
    free(lbuf);
    free(on);
    return;
  }
  free(lbuf);
  if (fresh) { /* the class picker's choice applies to a new test; the charts start again */
    memcpy(w->class_on, on, (size_t)r->sc->nusers * sizeof *on);
    w->test_start = crowd_clock_wall();
  }
  free(on);
  if (crowd_runner_swarm(r, users, rate, host, run_time) != 0) {
    crowd_web_reply_error(out, 500, "Could not start the test (out of memory)", host_now);
    return;
  }
  crowd_web_changed(w);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "success", 1);
  cJSON_AddStringToObject(o, "message", "Swarming started");
  add_str(o, "host", host);
  if (run_time > 0)
    add_num(o, "run_time", (double)run_time);
  if (r->opt->class_picker) {
    cJSON *a = cJSON_AddArrayToObject(o, "user_classes");
    for (int i = 0; i < r->sc->nusers; i++)
      if (w->class_on[i])
        cJSON_AddItemToArray(a, cJSON_CreateString(r->sc->users[i].name));
  }
  crowd_web_reply_json(out, 200, cJSON_PrintUnformatted(o));
  cJSON_Delete(o);
}

/* ---- routing ------------------------------------------------------------------------------ */

static bool serve_asset(const char *path, web_reply *out)
{
  for (size_t i = 0; i < crowd_web_nassets; i++) {
    if (strcmp(crowd_web_assets[i].path, path) == 0) {
      out->status = 200;
      out->ctype = crowd_web_assets[i].ctype;
      out->body = (char *)crowd_web_assets[i].data;
      out->len = crowd_web_assets[i].len;
      out->body_static = true;
      return true;
    }
  }
  return false;
}

bool crowd_web_route(crowd_web *w, const char *method, const char *path, const web_form *form,
                     web_arg_fn arg, void *arg_ctx, web_reply *out)
{
  bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  if (strcmp(path, "/swarm") == 0) {
    if (strcmp(method, "POST") != 0)
      crowd_web_reply_error(out, 405, "Use POST for /swarm", NULL);
    else
      route_swarm(w, form, out);
    return true;
  }
  if (!get) {
    crowd_web_reply_error(out, 405, "Method not allowed", NULL);
    return true;
  }
  if (strcmp(path, "/stop") == 0) {
    crowd_runner_stop_test(w->r);
    crowd_web_changed(w);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "success", 1);
    cJSON_AddStringToObject(o, "message", "Test stopped");
    crowd_web_reply_json(out, 200, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
  } else if (strcmp(path, "/stats/reset") == 0) {
    crowd_stats_reset(w->r->stats, crowd_clock_wall());
    w->r->user_errors = 0;
    crowd_web_changed(w);
    crowd_web_reply_text(out, 200, CT_TEXT, "ok");
  } else if (strcmp(path, "/stats/requests") == 0) {
    route_stats_requests(w, out);
  } else if (strcmp(path, "/stats/requests/csv") == 0) {
    route_report(w, w_stats, CT_CSV, "requests", "csv", out);
  } else if (strcmp(path, "/stats/failures/csv") == 0) {
    route_report(w, w_failures, CT_CSV, "failures", "csv", out);
  } else if (strcmp(path, "/exceptions/csv") == 0) {
    route_report(w, w_exceptions, CT_CSV, "exceptions", "csv", out);
  } else if (strcmp(path, "/stats/requests_full_history/csv") == 0) {
    if (w->r->opt->csv_full_history)
      route_report(w, w_full_history, CT_CSV, "requests_full_history", "csv", out);
    else /* Locust's answer */
      crowd_web_reply_text(out, 404, CT_TEXT, "Error: Server was not started with option to generate full history.");
  } else if (strcmp(path, "/exceptions") == 0) {
    route_exceptions(w, out);
  } else if (strcmp(path, "/tasks") == 0) {
    route_tasks(w, out);
  } else if (strcmp(path, "/stats/history") == 0) {
    route_history(w, out);
  } else if (strcmp(path, "/config") == 0) {
    route_config(w, out);
  } else if (strcmp(path, "/metrics") == 0) {
    route_metrics(w, out);
  } else if (strcmp(path, "/stats/report") == 0) {
    route_html_report(w, arg, arg_ctx, out);
  } else if (strcmp(path, "/favicon.ico") == 0) {
    crowd_web_reply_text(out, 204, CT_TEXT, "");
  } else if (!serve_asset(path, out)) {
    crowd_web_reply_error(out, 404, "Not found", NULL);
  }
  return true;
}
