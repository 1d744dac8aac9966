/* junit.c — the JUnit XML report (see junit.h). */
#include "config.h"

#include "junit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "histogram.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s)
{
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else
    return 0;
  if (s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xBF)
      return 0;
  return n;
}

void crowd_junit_xml_text(FILE *out, const char *str, int attribute)
{
  const unsigned char *s = (const unsigned char *)str;
  while (*s) {
    unsigned char c = *s;
    size_t n = utf8_seq(s);
    if (n == 0) {
      fputs(REPLACEMENT, out);
      s++;
      continue;
    }
    if (n > 1) {
      /* U+FFFE and U+FFFF are not XML characters either */
      if (n == 3 && s[0] == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
        fputs(REPLACEMENT, out);
      else
        fwrite(s, 1, n, out);
      s += n;
      continue;
    }
    switch (c) {
    case '&': fputs("&amp;", out); break;
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&apos;", out); break;
    case '\t':
    case '\n':
    case '\r':
      if (attribute)
        fprintf(out, "&#%d;", c);
      else
        fputc(c, out);
      break;
    default:
      if (c < 0x20 || c == 0x7f)
        fputs(REPLACEMENT, out);
      else
        fputc(c, out);
    }
    s++;
  }
}

static void attr(FILE *out, const char *name, const char *value)
{
  fprintf(out, " %s=\"", name);
  crowd_junit_xml_text(out, value, 1);
  fputc('"', out);
}

int crowd_junit_check(const char *path, char *err, size_t size)
{
  size_t len = strlen(path);
  if (len == 0 || path[len - 1] == '/') {
    snprintf(err, size, "'%s' is not a file name", path);
    return -1;
  }
  char *tmp = malloc(len + 32);
  if (tmp == NULL) {
    snprintf(err, size, "out of memory");
    return -1;
  }
  snprintf(tmp, len + 32, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  if (f == NULL) {
    snprintf(err, size, "cannot write '%s': %s", path, strerror(errno));
    free(tmp);
    return -1;
  }
  int rc = 0;
  if (fclose(f) != 0) {
    snprintf(err, size, "cannot write '%s': %s", path, strerror(errno));
    rc = -1;
  }
  if (unlink(tmp) != 0 && rc == 0) {
    snprintf(err, size, "cannot remove '%s': %s", tmp, strerror(errno));
    rc = -1;
  }
  free(tmp);
  return rc;
}

static void thresholds_suite(FILE *out, const crowd_thresholds *thr)
{
  size_t n = crowd_thr_count(thr);
  fprintf(out, "  <testsuite name=\"thresholds\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", n,
          crowd_thr_failed(thr));
  for (size_t i = 0; i < n; i++) {
    const crowd_threshold_desc *d = crowd_thr_desc(thr, i);
    char val[64], label[32], msg[160];
    fputs("    <testcase classname=\"crowd.thresholds\"", out);
    attr(out, "name", d->text ? d->text : "");
    fputs(" time=\"0\"", out);
    snprintf(msg, sizeof msg, "%s=%s", crowd_thr_metric_label(d, label, sizeof label),
             crowd_thr_format(thr, i, val, sizeof val));
    if (crowd_thr_passed(thr, i)) {
      fputs(">\n      <system-out>", out);
      crowd_junit_xml_text(out, msg, 0);
      fputs("</system-out>\n    </testcase>\n", out);
      continue;
    }
    fputs(">\n      <failure type=\"threshold\"", out);
    char full[256];
    snprintf(full, sizeof full, "threshold breached: %s%s", msg,
             crowd_thr_aborted_by(thr) == (int)i ? " (aborted the run)" : "");
    attr(out, "message", full);
    fputc('>', out);
    crowd_junit_xml_text(out, d->text ? d->text : "", 0);
    fputs(" was not met: ", out);
    crowd_junit_xml_text(out, msg, 0);
    if (d->site) {
      fputs(" (", out);
      crowd_junit_xml_text(out, d->site, 0);
      fputc(')', out);
    }
    fputs("</failure>\n    </testcase>\n", out);
  }
  fputs("  </testsuite>\n", out);
}

/* The errors of one entry: "N x message" per line. */
static void entry_errors(FILE *out, const crowd_stats *st, const crowd_stats_entry *e)
{
  size_t n = crowd_stats_error_count(st);
  for (size_t i = 0; i < n; i++) {
    const crowd_stats_error *er = crowd_stats_error_at(st, i);
    if (strcmp(crowd_stats_error_method(er), crowd_stats_entry_method(e)) != 0 ||
        strcmp(crowd_stats_error_name(er), crowd_stats_entry_name(e)) != 0)
      continue;
    fprintf(out, "%" PRIu64 " x ", crowd_stats_error_occurrences(er));
    crowd_junit_xml_text(out, crowd_stats_error_message(er), 0);
    fputc('\n', out);
  }
}

static void requests_suite(FILE *out, const crowd_stats *st)
{
  size_t n = 0, failed = 0;
  const crowd_stats_entry **v = crowd_stats_sorted_entries(st, &n);
  for (size_t i = 0; i < n; i++)
    failed += crowd_stats_entry_num_failures(v[i]) > 0;
  fprintf(out, "  <testsuite name=\"requests\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", n, failed);
  for (size_t i = 0; i < n; i++) {
    const crowd_stats_entry *e = v[i];
    const char *method = crowd_stats_entry_method(e);
    size_t len = strlen(method) + strlen(crowd_stats_entry_name(e)) + 2;
    char *name = malloc(len);
    if (name)
      snprintf(name, len, "%s %s", method, crowd_stats_entry_name(e));
    fputs("    <testcase classname=\"crowd.requests\"", out);
    attr(out, "name", name ? name : crowd_stats_entry_name(e));
    free(name);
    fprintf(out, " time=\"%.6f\"", crowd_hist_mean(crowd_stats_entry_hist(e)) / 1e6);
    uint64_t reqs = crowd_stats_entry_num_requests(e), fails = crowd_stats_entry_num_failures(e);
    if (fails == 0) {
      fprintf(out, ">\n      <system-out>%" PRIu64 " requests, none failed</system-out>\n"
                   "    </testcase>\n", reqs);
      continue;
    }
    fprintf(out, ">\n      <failure type=\"request\" message=\"%" PRIu64 " of %" PRIu64
                 " requests failed (%.2f%%)\">", fails, reqs,
            reqs ? 100.0 * (double)fails / (double)reqs : 100.0);
    entry_errors(out, st, e);
    fputs("</failure>\n    </testcase>\n", out);
  }
  fputs("  </testsuite>\n", out);
  free(v);
}

int crowd_junit_write(const char *path, const char *suite, double duration, const crowd_stats *st,
                      const crowd_thresholds *thr, char *err, size_t size)
{
  size_t len = strlen(path);
  char *tmp = malloc(len + 32);
  if (tmp == NULL) {
    snprintf(err, size, "out of memory");
    return -1;
  }
  snprintf(tmp, len + 32, "%s.tmp.%ld", path, (long)getpid());
  FILE *out = fopen(tmp, "w");
  if (out == NULL) {
    snprintf(err, size, "cannot write '%s': %s", tmp, strerror(errno));
    free(tmp);
    return -1;
  }
  size_t n = 0, failed = 0;
  const crowd_stats_entry **v = crowd_stats_sorted_entries(st, &n);
  for (size_t i = 0; i < n; i++)
    failed += crowd_stats_entry_num_failures(v[i]) > 0;
  free(v);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", out);
  attr(out, "name", suite ? suite : "crowd");
  fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
          crowd_thr_count(thr) + n, crowd_thr_failed(thr) + failed, duration > 0 ? duration : 0);
  thresholds_suite(out, thr);
  requests_suite(out, st);
  fputs("</testsuites>\n", out);

  int rc = 0;
  if (fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0) {
    snprintf(err, size, "cannot write '%s': %s", tmp, strerror(errno ? errno : EIO));
    rc = -1;
  }
  if (fclose(out) != 0 && rc == 0) {
    snprintf(err, size, "cannot write '%s': %s", tmp, strerror(errno));
    rc = -1;
  }
  if (rc == 0 && rename(tmp, path) != 0) {
    snprintf(err, size, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    rc = -1;
  }
  if (rc != 0 && unlink(tmp) != 0 && errno != ENOENT)
    snprintf(err + strlen(err), size - strlen(err), "; and cannot remove it: %s", strerror(errno));
  free(tmp);
  return rc;
}
