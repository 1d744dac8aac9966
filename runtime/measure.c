/* measure.c — timing breakdowns, corrected latency, schedule lag and CPU
 * usage, kept beside each stats entry (see measure.h). */
#include "config.h"

#include "measure.h"

#include <stdlib.h>
#include <string.h>

#include "histogram.h"

struct crowd_measure {
  uint64_t timed;                      /* samples with a timing breakdown */
  uint64_t sum[CROWD_PHASE_COUNT];
  uint64_t max[CROWD_PHASE_COUNT];
  crowd_hist *ttfb;                    /* allocated with the first timed sample */
  crowd_hist *corrected;               /* allocated with the first corrected sample */
};

/* A histogram allocated on first use; NULL when out of memory (the sample
 * is then left out of it: the sums stay exact). */
static crowd_hist *hist_get(crowd_hist **h)
{
  if (*h == NULL) {
    *h = malloc(sizeof **h);
    if (*h)
      crowd_hist_init(*h);
  }
  return *h;
}

void crowd_measure_add(struct crowd_measure **mp, const crowd_sample *s)
{
  if (*mp == NULL) {
    *mp = calloc(1, sizeof **mp);
    if (*mp == NULL)
      return;
  }
  struct crowd_measure *m = *mp;
  if (s->timing.valid) {
    m->timed++;
    for (int p = 0; p < CROWD_PHASE_COUNT; p++) {
      m->sum[p] += s->timing.us[p];
      if (s->timing.us[p] > m->max[p])
        m->max[p] = s->timing.us[p];
    }
    crowd_hist *h = hist_get(&m->ttfb);
    if (h)
      crowd_hist_record(h, s->timing.us[CROWD_PHASE_TTFB]);
  }
  if (s->has_corrected) {
    crowd_hist *h = hist_get(&m->corrected);
    if (h)
      crowd_hist_record(h, s->corrected_us);
  }
}

void crowd_measure_merge(struct crowd_measure **mp, const crowd_measure_delta *d)
{
  if (d->timed == 0 && d->corrected == NULL)
    return;
  if (*mp == NULL && (*mp = calloc(1, sizeof **mp)) == NULL)
    return;
  struct crowd_measure *m = *mp;
  m->timed += d->timed;
  for (int p = 0; p < CROWD_PHASE_COUNT; p++) {
    m->sum[p] += d->sum[p];
    if (d->max[p] > m->max[p])
      m->max[p] = d->max[p];
  }
  crowd_hist *h;
  if (d->ttfb && (h = hist_get(&m->ttfb)) != NULL)
    crowd_hist_merge(h, d->ttfb);
  if (d->corrected && (h = hist_get(&m->corrected)) != NULL)
    crowd_hist_merge(h, d->corrected);
}

void crowd_measure_run_merge(crowd_measure_run *r, uint64_t paced, uint64_t late, uint64_t max_lag_us,
                             double cpu_max, bool cpu_warning)
{
  r->paced += paced;
  r->late += late;
  if (max_lag_us > r->max_lag_us)
    r->max_lag_us = max_lag_us;
  if (cpu_max > r->cpu_max)
    r->cpu_max = cpu_max;
  r->cpu_warning |= cpu_warning;
}

void crowd_measure_reset(struct crowd_measure *m)
{
  if (m == NULL)
    return;
  m->timed = 0;
  memset(m->sum, 0, sizeof m->sum);
  memset(m->max, 0, sizeof m->max);
  /* the histograms stay allocated, emptied: a getter returns NULL while
   * they are empty, as before the first sample */
  if (m->ttfb)
    crowd_hist_reset(m->ttfb);
  if (m->corrected)
    crowd_hist_reset(m->corrected);
}

void crowd_measure_free(struct crowd_measure *m)
{
  if (m == NULL)
    return;
  free(m->ttfb);
  free(m->corrected);
  free(m);
}

void crowd_measure_run_reset(crowd_measure_run *r)
{
  r->paced = 0;
  r->late = 0;
  r->max_lag_us = 0;
}

void crowd_stats_note_schedule(crowd_stats *st, uint64_t lag_us)
{
  crowd_measure_run *r = crowd_stats_measure_run(st);
  r->paced++;
  if (lag_us > CROWD_MEASURE_LATE_US)
    r->late++;
  if (lag_us > r->max_lag_us)
    r->max_lag_us = lag_us;
}

bool crowd_stats_note_cpu(crowd_stats *st, double percent)
{
  crowd_measure_run *r = crowd_stats_measure_run(st);
  r->cpu_samples++;
  r->cpu_last = percent;
  if (percent > r->cpu_max)
    r->cpu_max = percent;
  if (percent > CROWD_MEASURE_CPU_WARN && !r->cpu_warning) {
    r->cpu_warning = true;
    return true;
  }
  return false;
}

/* ---- getters ---- */

uint64_t crowd_measure_timed(const crowd_stats_entry *e)
{
  const struct crowd_measure *m = crowd_stats_entry_measure(e);
  return m ? m->timed : 0;
}

uint64_t crowd_measure_phase_sum(const crowd_stats_entry *e, crowd_phase p)
{
  const struct crowd_measure *m = crowd_stats_entry_measure(e);
  return m && (unsigned)p < CROWD_PHASE_COUNT ? m->sum[p] : 0;
}

uint64_t crowd_measure_phase_max(const crowd_stats_entry *e, crowd_phase p)
{
  const struct crowd_measure *m = crowd_stats_entry_measure(e);
  return m && (unsigned)p < CROWD_PHASE_COUNT ? m->max[p] : 0;
}

double crowd_measure_phase_avg(const crowd_stats_entry *e, crowd_phase p)
{
  uint64_t n = crowd_measure_timed(e);
  return n ? (double)crowd_measure_phase_sum(e, p) / (double)n : 0.0;
}

const crowd_hist *crowd_measure_ttfb_hist(const crowd_stats_entry *e)
{
  const struct crowd_measure *m = crowd_stats_entry_measure(e);
  return m && m->ttfb && crowd_hist_count(m->ttfb) ? m->ttfb : NULL;
}

const char *crowd_measure_phase_name(crowd_phase p)
{
  static const char *const names[CROWD_PHASE_COUNT] = { "dns", "connect", "tls", "ttfb" };
  return (unsigned)p < CROWD_PHASE_COUNT ? names[p] : "?";
}

const crowd_hist *crowd_measure_corrected_hist(const crowd_stats_entry *e)
{
  const struct crowd_measure *m = crowd_stats_entry_measure(e);
  return m && m->corrected && crowd_hist_count(m->corrected) ? m->corrected : NULL;
}

uint64_t crowd_measure_paced_starts(const crowd_stats *st)
{
  return crowd_stats_measure_run_const(st)->paced;
}

uint64_t crowd_measure_late_starts(const crowd_stats *st)
{
  return crowd_stats_measure_run_const(st)->late;
}

uint64_t crowd_measure_max_lag_us(const crowd_stats *st)
{
  return crowd_stats_measure_run_const(st)->max_lag_us;
}

uint64_t crowd_measure_cpu_samples(const crowd_stats *st)
{
  return crowd_stats_measure_run_const(st)->cpu_samples;
}

double crowd_measure_cpu_max(const crowd_stats *st)
{
  return crowd_stats_measure_run_const(st)->cpu_max;
}

double crowd_measure_cpu_last(const crowd_stats *st)
{
  return crowd_stats_measure_run_const(st)->cpu_last;
}

bool crowd_measure_cpu_warning(const crowd_stats *st)
{
  return crowd_stats_measure_run_const(st)->cpu_warning;
}
