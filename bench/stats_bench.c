#include "config.h"

/* stats_bench — the cost of recording a sample and of printing the reports.
 *
 *   make bench/stats_bench && bench/stats_bench [N]
 *
 * Prints ns per crowd_hist_record, per crowd_stats_record (one entry, and
 * rotating over 1,000 entries, as a scenario with many names), per failed
 * crowd_stats_record (the error table too), and the time to print the
 * periodic table, the final table and the percentiles with 1,000 entries.
 * bench/run.sh --mode stats runs it.  Owns nothing beyond main's locals.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "histogram.h"
#include "stats.h"

#define NAMES 1000

static double now_s(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A response time with a spread like a real run's: 0.1 ms to ~100 ms. */
static uint64_t sample(uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return 100 + (*x % 1000) * ((*x >> 20) % 100 + 1);
}

static void report(const char *what, double seconds, long n)
{
  printf("%-44s %8.1f ns\n", what, seconds * 1e9 / (double)n);
}

int main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 10000000L;
  if (n <= 0) {
    fprintf(stderr, "usage: stats_bench [SAMPLES]\n");
    return 2;
  }
  uint64_t x = 88172645463325252u, sink = 0;

  crowd_hist *h = malloc(sizeof *h);
  if (h == NULL)
    return 1;
  crowd_hist_init(h);
  double t = now_s();
  for (long i = 0; i < n; i++)
    crowd_hist_record(h, sample(&x));
  report("crowd_hist_record", now_s() - t, n);
  sink += crowd_hist_count(h);
  free(h);

  static char names[NAMES][32];
  for (int i = 0; i < NAMES; i++)
    snprintf(names[i], sizeof names[i], "/api/items/%d", i);
  double wall = 1e9; /* a fixed "now": the record path, not the clock */

  crowd_stats *st = crowd_stats_new(wall);
  if (st == NULL)
    return 1;
  t = now_s();
  for (long i = 0; i < n; i++)
    crowd_stats_record(st, "GET", "/api/products", sample(&x), 512, NULL, wall + (double)i * 1e-6);
  report("crowd_stats_record, 1 entry", now_s() - t, n);

  t = now_s();
  for (long i = 0; i < n; i++)
    crowd_stats_record(st, "GET", names[i % NAMES], sample(&x), 512, NULL, wall + (double)i * 1e-6);
  report("crowd_stats_record, 1,000 entries", now_s() - t, n);

  long nf = n / 10;
  t = now_s();
  for (long i = 0; i < nf; i++)
    crowd_stats_record(st, "GET", names[i % NAMES], sample(&x), 0, "HTTP 500", wall + (double)i * 1e-6);
  report("crowd_stats_record, failure (1,000 entries)", now_s() - t, nf);

  FILE *out = fopen("/dev/null", "w");
  if (out == NULL) {
    perror("/dev/null");
    return 1;
  }
  double end = wall + (double)n * 1e-6;
  t = now_s();
  crowd_stats_print_table(st, out, true, end);
  double periodic = now_s() - t;
  t = now_s();
  crowd_stats_print_table(st, out, false, end);
  crowd_stats_print_percentiles(st, out);
  crowd_stats_print_errors(st, out);
  double final = now_s() - t;
  if (fclose(out) != 0)
    perror("/dev/null");
  printf("%-44s %8.2f ms\n", "periodic table, 1,000 entries", periodic * 1e3);
  printf("%-44s %8.2f ms\n", "final tables + percentiles, 1,000 entries", final * 1e3);
  sink += crowd_stats_num_requests(st);
  crowd_stats_free(st);
  return sink == 0; /* keeps the loops from being optimised away */
}
