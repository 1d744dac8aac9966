/* measure.h — what crowd measures beyond Locust's columns: the timing
 * breakdown of each request (DNS, connect, TLS, time to first byte), the
 * latency corrected for coordinated omission (from the intended start of a
 * paced task), how far the generator fell behind its schedule, and the
 * generator's own CPU usage.
 *
 * Ownership: the data lives inside crowd_stats (stats.h): per entry (and
 * the Aggregated total) a crowd_measure, per run a crowd_measure_run.
 * crowd_stats_reset zeroes them with the rest; crowd_stats_free frees them.
 * Reporters read them through the getters below; pointers stay valid until
 * crowd_stats_free.  Single-threaded, as stats.h.
 *
 * Units: microseconds for times, percent for CPU.
 */
#ifndef CROWD_MEASURE_H
#define CROWD_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

struct crowd_hist;

/* ---- one request, as the runtime hands it to the stats ---- */

/* The phases of a request, each a duration in microseconds:
 * DNS (name lookup), CONNECT (TCP, after DNS), TLS (handshake, after
 * connect), TTFB (time to first byte, from the start of the request, so it
 * includes the three before).  A request on a kept-alive connection has 0
 * for DNS, CONNECT and TLS. */
typedef enum crowd_phase {
  CROWD_PHASE_DNS = 0,
  CROWD_PHASE_CONNECT,
  CROWD_PHASE_TLS,
  CROWD_PHASE_TTFB,
  CROWD_PHASE_COUNT
} crowd_phase;

/* Filled by the HTTP clients in crowd_request (request.h). */
typedef struct crowd_timing {
  bool valid;                          /* the client measured the phases */
  uint64_t us[CROWD_PHASE_COUNT];
} crowd_timing;

typedef struct crowd_sample {
  uint64_t response_us;   /* service time: send to the end of the body */
  uint64_t content_length;
  const char *error;      /* NULL on success */
  crowd_timing timing;    /* .valid false: no breakdown */
  /* Coordinated omission: when the request belongs to a paced task
   * (constant-pacing, constant-throughput), the latency measured from the
   * task's intended start = response_us + how late the task started. */
  bool has_corrected;
  uint64_t corrected_us;
} crowd_sample;

/* crowd_stats_record with everything above (crowd_stats_record is this
 * with only the first three fields). */
void crowd_stats_record_sample(crowd_stats *st, const char *method, const char *name,
                               const crowd_sample *s, double now);

/* A paced task started lag_us after its intended start (0 when on time or
 * early).  Starts later than CROWD_MEASURE_LATE_US count as "behind". */
#define CROWD_MEASURE_LATE_US 10000u
void crowd_stats_note_schedule(crowd_stats *st, uint64_t lag_us);

/* The generator's CPU usage over the last sampling interval (percent of one
 * CPU; may exceed 100 with helper threads).  Sets the warning flag when it
 * is above CROWD_MEASURE_CPU_WARN; returns true the first time it does. */
#define CROWD_MEASURE_CPU_WARN 90.0
bool crowd_stats_note_cpu(crowd_stats *st, double percent);

/* ---- getters for reporters (console, JSON, HTML, JUnit) ---- */

/* Per entry (crowd_stats_entry_at, crowd_stats_total): how many of its
 * requests had a timing breakdown, and per phase the sum (for the average)
 * and the maximum.  avg is 0 when none was timed. */
uint64_t crowd_measure_timed(const crowd_stats_entry *e);
uint64_t crowd_measure_phase_sum(const crowd_stats_entry *e, crowd_phase p);
uint64_t crowd_measure_phase_max(const crowd_stats_entry *e, crowd_phase p);
double crowd_measure_phase_avg(const crowd_stats_entry *e, crowd_phase p);
/* Time to first byte as a histogram (percentiles), or NULL when no request
 * of the entry was timed. */
const struct crowd_hist *crowd_measure_ttfb_hist(const crowd_stats_entry *e);
/* "dns", "connect", "tls", "ttfb" */
const char *crowd_measure_phase_name(crowd_phase p);

/* Corrected latency (from the intended start), or NULL when no request of
 * the entry belonged to a paced task.  Compare with crowd_stats_entry_hist
 * (service time): the difference is the time the generator kept requests
 * waiting. */
const struct crowd_hist *crowd_measure_corrected_hist(const crowd_stats_entry *e);

/* Per run: paced task starts seen, how many of them started late (more
 * than CROWD_MEASURE_LATE_US after their intended time), the largest lag. */
uint64_t crowd_measure_paced_starts(const crowd_stats *st);
uint64_t crowd_measure_late_starts(const crowd_stats *st);
uint64_t crowd_measure_max_lag_us(const crowd_stats *st);

/* Per run: CPU samples taken, the highest and the last (percent), and
 * whether it ever went above CROWD_MEASURE_CPU_WARN (Locust's cpu_warning). */
uint64_t crowd_measure_cpu_samples(const crowd_stats *st);
double crowd_measure_cpu_max(const crowd_stats *st);
double crowd_measure_cpu_last(const crowd_stats *st);
bool crowd_measure_cpu_warning(const crowd_stats *st);

/* ---- console (report_console.c) ---- */

/* Locust's percentile list (fractions): 50% 66% ... 99.99% 100%. */
extern const double crowd_stats_default_percentiles[];
extern const size_t crowd_stats_n_default_percentiles;
#define CROWD_STATS_MAX_PERCENTILES 32

/* Locust's percentile table for the percentiles pcts[0..n) (fractions in
 * (0, 1]; --percentiles), over the histogram hist_of gives for each entry
 * (crowd_stats_entry_hist for response times, crowd_measure_corrected_hist
 * ...); entries without one are left out. */
void crowd_stats_print_percentiles_of(const crowd_stats *st, FILE *out, const char *title,
                                      const double *pcts, size_t n,
                                      const struct crowd_hist *(*hist_of)(const crowd_stats_entry *));
/* End summary: the corrected percentiles and the schedule line (nothing
 * when no task was paced); the CPU warning (nothing without one); the
 * timing breakdown table (--timings). */
void crowd_measure_print_corrected(const crowd_stats *st, FILE *out, const double *pcts, size_t n);
void crowd_measure_print_cpu(const crowd_stats *st, FILE *out);
void crowd_measure_print_timings(const crowd_stats *st, FILE *out);

/* ---- between stats.c and measure.c (reporters use the getters) ---- */

struct crowd_measure; /* per entry; allocated at its first timed or corrected sample */

typedef struct crowd_measure_run {
  uint64_t paced, late, max_lag_us; /* crowd_stats_note_schedule; zeroed by a reset */
  uint64_t cpu_samples;             /* crowd_stats_note_cpu; kept across resets */
  double cpu_max, cpu_last;
  bool cpu_warning;
} crowd_measure_run;

void crowd_measure_add(struct crowd_measure **m, const crowd_sample *s);
void crowd_measure_reset(struct crowd_measure *m); /* NULL: nothing */
void crowd_measure_free(struct crowd_measure *m);
void crowd_measure_run_reset(crowd_measure_run *r);
/* --processes (stats_wire.c): what another process's entry gained, merged
 * exactly: counts and sums added, maxima kept, histograms merged
 * bucket-wise; ttfb and corrected NULL when they gained nothing. */
typedef struct crowd_measure_delta {
  uint64_t timed;
  uint64_t sum[CROWD_PHASE_COUNT], max[CROWD_PHASE_COUNT];
  const struct crowd_hist *ttfb, *corrected;
} crowd_measure_delta;
void crowd_measure_merge(struct crowd_measure **m, const crowd_measure_delta *d);
/* The run's schedule lag and CPU from another process: paced and late
 * starts added, the largest lag and CPU kept, the warning or-ed. */
void crowd_measure_run_merge(crowd_measure_run *r, uint64_t paced, uint64_t late, uint64_t max_lag_us,
                             double cpu_max, bool cpu_warning);
/* stats.c's accessors */
const struct crowd_measure *crowd_stats_entry_measure(const crowd_stats_entry *e);
crowd_measure_run *crowd_stats_measure_run(crowd_stats *st);
const crowd_measure_run *crowd_stats_measure_run_const(const crowd_stats *st);

#endif
