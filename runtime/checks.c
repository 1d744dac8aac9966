/* checks.c — per-check counters (checks.h). */
#include "config.h"

#include "checks.h"

#include <inttypes.h>
#include <stdlib.h>

struct counts {
  uint64_t passes, fails;
};

static const crowd_check_desc *checks_descs;
static struct counts *checks_counts;
static size_t checks_n;

int crowd_checks_init(const crowd_check_desc *descs, int n)
{
  crowd_checks_free();
  if (descs == NULL || n <= 0)
    return 0;
  checks_counts = calloc((size_t)n, sizeof *checks_counts);
  if (checks_counts == NULL)
    return -1;
  checks_descs = descs;
  checks_n = (size_t)n;
  return 0;
}

void crowd_checks_free(void)
{
  free(checks_counts);
  checks_counts = NULL;
  checks_descs = NULL;
  checks_n = 0;
}

void crowd_checks_count(int check, bool ok)
{
  if (check <= 0 || (size_t)check > checks_n)
    return;
  if (ok)
    checks_counts[check - 1].passes++;
  else
    checks_counts[check - 1].fails++;
}

void crowd_checks_reset(void)
{
  for (size_t i = 0; i < checks_n; i++)
    checks_counts[i] = (struct counts){ 0, 0 };
}

size_t crowd_checks_n(void)
{
  return checks_n;
}

const crowd_check_desc *crowd_checks_desc(size_t i)
{
  return i < checks_n ? &checks_descs[i] : NULL;
}

uint64_t crowd_checks_passes(size_t i)
{
  return i < checks_n ? checks_counts[i].passes : 0;
}

uint64_t crowd_checks_fails(size_t i)
{
  return i < checks_n ? checks_counts[i].fails : 0;
}

void crowd_checks_add(size_t i, uint64_t passes, uint64_t fails)
{
  if (i >= checks_n)
    return;
  checks_counts[i].passes += passes;
  checks_counts[i].fails += fails;
}

void crowd_checks_print_summary(FILE *out, bool utf8)
{
  if (checks_n == 0)
    return;
  size_t failing = 0;
  uint64_t runs = 0, fails = 0;
  for (size_t i = 0; i < checks_n; i++) {
    failing += checks_counts[i].fails > 0;
    runs += checks_counts[i].passes + checks_counts[i].fails;
    fails += checks_counts[i].fails;
  }
  fprintf(out, "Checks: %zu passed, %zu failed", checks_n - failing, failing);
  if (runs)
    fprintf(out, " (%" PRIu64 " of %" PRIu64 " evaluations failed, %.2f%%)", fails, runs,
            100.0 * (double)fails / (double)runs);
  fputc('\n', out);
  for (size_t i = 0; i < checks_n; i++) {
    const struct counts *c = &checks_counts[i];
    uint64_t n = c->passes + c->fails;
    const char *mark = c->fails ? (utf8 ? "\xE2\x9C\x97" : "FAIL")
                       : n      ? (utf8 ? "\xE2\x9C\x93" : "PASS")
                                : (utf8 ? "-" : "----");
    const char *label = checks_descs[i].label ? checks_descs[i].label : "?";
    fprintf(out, "  %s %s", mark, label);
    if (c->fails)
      fprintf(out, "  %s %" PRIu64 " of %" PRIu64 " failed (%.2f%%)", utf8 ? "\xE2\x80\x94" : "--",
              c->fails, n, 100.0 * (double)c->fails / (double)n);
    else if (n == 0)
      fputs("  (never evaluated)", out);
    fputc('\n', out);
  }
  fputc('\n', out);
}
