#include "config.h"

#include "arrival.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "measure.h"
#include "rng.h"
#include "runner.h"
#include "user.h"

/* One open-model user class: its schedule and its pool. */
struct crowd_arrival_class {
  crowd_arrival *owner;
  const crowd_arrival_desc *desc;
  int cls;                    /* index into the scenario's users */
  crowd_user **pool;          /* every user created, max_users slots */
  size_t npool;
  crowd_user **idle;          /* a stack of the idle ones */
  size_t nidle;
  double due;                 /* the next arrival, in arrivals since the start */
  double next_t;              /* its time, seconds from the start; < 0: the profile is over */
  uint64_t started, dropped;
  bool warned;
  ev_timer timer;
};

struct crowd_arrival {
  crowd_runner *runner;
  struct crowd_arrival_class *c;
  int n;
  double t0;                  /* monotonic seconds at the start */
  bool stopped;
};

/* ---- the schedule ------------------------------------------------------ */

/* The time (seconds from the start) at which the integral of the rate
 * reaches k, or -1 at or past the end of a ramping profile: arrivals fall
 * at k = 0, 1, 2... while k is below the whole area, so a ramp whose
 * integral is N starts N iterations (as k6), not one more at its end. */
static double arrival_time_for(const crowd_arrival_desc *d, double k)
{
  if (k <= 0)
    return 0;
  if (d->kind == CROWD_ARRIVAL_CONSTANT)
    return d->rate > 0 ? k / d->rate : -1;
  double t = 0, r0 = d->start_rate;
  for (int i = 0; i < d->nstages; i++) {
    double dur = d->stages[i].duration, r1 = d->stages[i].rate;
    double area = (r0 + r1) / 2 * dur;
    if (k < area) {
      /* r0 tau + (r1 - r0) tau^2 / (2 dur) = k, the stable root */
      double a = (r1 - r0) / (2 * dur), disc = r0 * r0 + 4 * a * k;
      double tau = disc > 0 ? 2 * k / (r0 + sqrt(disc)) : dur;
      return t + (tau < dur ? tau : dur);
    }
    k -= area;
    t += dur;
    r0 = r1;
  }
  return -1;
}

static void arrival_advance(struct crowd_arrival_class *c)
{
  double step = 1;
  if (c->desc->poisson) { /* an exponential step: a Poisson process in count space */
    double u = crowd_rng_double();
    step = -log(1 - (u < 1 ? u : 0.999999999));
  }
  c->due += step;
  c->next_t = arrival_time_for(c->desc, c->due);
}

/* ---- the pool ------------------------------------------------------------ */

static crowd_user *arrival_new_user(struct crowd_arrival_class *c)
{
  crowd_runner *r = c->owner->runner;
  crowd_user *u = crowd_user_new(r, &r->classes[c->cls], r->host);
  if (u == NULL)
    return NULL;
  u->arrival = c;
  c->pool[c->npool++] = u;
  r->running++;
  return u;
}

void crowd_arrival_idle(crowd_user *u)
{
  struct crowd_arrival_class *c = u->arrival;
  u->state = CROWD_USER_IDLE;
  if (c->nidle < (size_t)c->desc->max_users)
    c->idle[c->nidle++] = u;
}

/* One arrival, intended at monotonic time `intended`. */
static void arrival_fire(struct crowd_arrival_class *c, double intended)
{
  crowd_runner *r = c->owner->runner;
  crowd_user *u = c->nidle ? c->idle[--c->nidle] : NULL;
  bool fresh = false;
  if (u == NULL && c->npool < (size_t)c->desc->max_users) {
    u = arrival_new_user(c);
    fresh = u != NULL;
  }
  if (u == NULL) {
    c->dropped++;
    if (!c->warned)
      crowd_log(CROWD_LOG_WARNING, "crowd.arrival",
                "%s: an iteration was dropped: all %zu users of its pool are busy (:max-users %ld); "
                "the final summary counts them", r->sc->users[c->cls].name, c->npool, c->desc->max_users);
    c->warned = true;
    return;
  }
  c->started++;
  /* latency from the intended start (measure.h), as for paced tasks */
  double lag = crowd_clock_mono() - intended;
  u->sched_at = intended;
  u->sched_lag_us = lag > 0 ? (uint64_t)(lag * 1e6) : 0;
  if (r->stats)
    crowd_stats_note_schedule(r->stats, u->sched_lag_us);
  u->arrival_due = true;
  if (fresh)
    crowd_user_start(u); /* on-start, then the iteration */
  else
    crowd_user_iterate(u);
}

static void arrival_schedule(struct crowd_arrival_class *c)
{
  crowd_arrival *a = c->owner;
  if (c->next_t < 0 || a->stopped)
    return;
  ev_now_update(a->runner->loop); /* libev counts from its cached time: make it now */
  double delay = a->t0 + c->next_t - crowd_clock_mono();
  ev_timer_set(&c->timer, delay > 0 ? delay : 0., 0.);
  ev_timer_start(a->runner->loop, &c->timer);
}

static void arrival_profiles_over(crowd_arrival *a)
{
  for (int i = 0; i < a->n; i++)
    if (a->c[i].next_t >= 0)
      return;
  crowd_runner *r = a->runner;
  crowd_log(CROWD_LOG_INFO, "crowd.arrival", "Every arrival profile is over");
  if (r->nusers == 0) /* no looping user either: the test is done */
    crowd_runner_stop_test(r);
}

static void arrival_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  struct crowd_arrival_class *c = w->data;
  crowd_arrival *a = c->owner;
  /* every arrival due by now, each at its own intended time */
  double now = crowd_clock_mono();
  int burst = 0;
  while (!a->stopped && c->next_t >= 0 && a->t0 + c->next_t <= now + 1e-4 && burst++ < 100000) {
    arrival_fire(c, a->t0 + c->next_t);
    arrival_advance(c);
  }
  if (c->next_t < 0)
    arrival_profiles_over(a);
  else
    arrival_schedule(c);
}

/* ---- lifecycle ------------------------------------------------------------ */

crowd_arrival *crowd_arrival_new(crowd_runner *r, bool *failed)
{
  const crowd_scenario_desc *sc = r->sc;
  int n = 0;
  *failed = false;
  for (int i = 0; i < sc->nusers; i++)
    n += sc->users[i].arrival != NULL && r->classes[i].total > 0 && (r->single < 0 || r->single == i);
  if (n == 0)
    return NULL;
  crowd_arrival *a = calloc(1, sizeof *a);
  if (a == NULL || (a->c = calloc((size_t)n, sizeof *a->c)) == NULL) {
    free(a);
    *failed = true;
    return NULL;
  }
  a->runner = r;
  for (int i = 0; i < sc->nusers; i++) {
    const crowd_arrival_desc *d = sc->users[i].arrival;
    if (d == NULL || r->classes[i].total <= 0 || (r->single >= 0 && r->single != i))
      continue;
    struct crowd_arrival_class *c = &a->c[a->n++];
    c->owner = a;
    c->desc = d;
    c->cls = i;
    size_t cap = d->max_users > 0 ? (size_t)d->max_users : 1;
    c->pool = calloc(cap, sizeof *c->pool);
    c->idle = calloc(cap, sizeof *c->idle);
    ev_timer_init(&c->timer, arrival_timer_cb, 0., 0.);
    c->timer.data = c;
    if (c->pool == NULL || c->idle == NULL) {
      crowd_arrival_free(a);
      *failed = true;
      return NULL;
    }
  }
  return a;
}

void crowd_arrival_start(crowd_arrival *a)
{
  if (a == NULL)
    return;
  crowd_runner *r = a->runner;
  a->t0 = crowd_clock_mono();
  for (int i = 0; i < a->n; i++) {
    struct crowd_arrival_class *c = &a->c[i];
    const crowd_arrival_desc *d = c->desc;
    if (d->kind == CROWD_ARRIVAL_CONSTANT)
      crowd_log(CROWD_LOG_INFO, "crowd.arrival", "%s: %.2f iterations/s%s, up to %ld users",
                r->sc->users[c->cls].name, d->rate, d->poisson ? " (Poisson)" : "", d->max_users);
    else
      crowd_log(CROWD_LOG_INFO, "crowd.arrival", "%s: ramping arrival rate over %d stages%s, up to %ld users",
                r->sc->users[c->cls].name, d->nstages, d->poisson ? " (Poisson)" : "", d->max_users);
    for (long k = 0; k < d->pre_allocate && !a->stopped; k++) {
      crowd_user *u = arrival_new_user(c);
      if (u == NULL)
        break;
      crowd_user_start(u); /* its on-start; then it waits in the pool */
    }
    c->due = 0;
    c->next_t = arrival_time_for(d, 0); /* the first arrival: at once */
    arrival_schedule(c);
  }
}

void crowd_arrival_stop(crowd_arrival *a, bool graceful)
{
  if (a == NULL)
    return;
  a->stopped = true;
  for (int i = 0; i < a->n; i++) {
    struct crowd_arrival_class *c = &a->c[i];
    ev_timer_stop(a->runner->loop, &c->timer);
    c->nidle = 0;
    for (size_t k = 0; k < c->npool; k++)
      crowd_user_stop(c->pool[k], graceful);
  }
}

void crowd_arrival_kill(crowd_arrival *a)
{
  if (a == NULL)
    return;
  a->stopped = true;
  for (int i = 0; i < a->n; i++) {
    ev_timer_stop(a->runner->loop, &a->c[i].timer);
    a->c[i].nidle = 0;
    for (size_t k = 0; k < a->c[i].npool; k++)
      crowd_user_kill(a->c[i].pool[k]);
  }
}

void crowd_arrival_free(crowd_arrival *a)
{
  if (a == NULL)
    return;
  for (int i = 0; i < a->n; i++) {
    struct crowd_arrival_class *c = &a->c[i];
    if (a->runner)
      ev_timer_stop(a->runner->loop, &c->timer);
    for (size_t k = 0; c->pool && k < c->npool; k++)
      crowd_user_free(c->pool[k]);
    free(c->pool);
    free(c->idle);
  }
  free(a->c);
  free(a);
}

uint64_t crowd_arrival_dropped(const crowd_arrival *a)
{
  uint64_t n = 0;
  for (int i = 0; a && i < a->n; i++)
    n += a->c[i].dropped;
  return n;
}

int crowd_arrival_counts(const crowd_arrival *a, crowd_arrival_count *out, int max)
{
  int n = 0;
  for (int i = 0; a && i < a->n && n < max; i++)
    out[n++] = (crowd_arrival_count){ .cls = a->c[i].cls, .started = a->c[i].started,
                                      .dropped = a->c[i].dropped, .pool = a->c[i].npool };
  return n;
}

void crowd_arrival_print_counts(const crowd_scenario_desc *sc, const crowd_arrival_count *c, int n, FILE *out)
{
  uint64_t dropped = 0;
  for (int i = 0; i < n; i++) {
    const crowd_user_desc *u = &sc->users[c[i].cls];
    fprintf(out, "Arrivals %s: %" PRIu64 " iterations started, %" PRIu64 " dropped (pool: %" PRIu64 " users, "
            ":max-users %ld)\n", u->name, c[i].started, c[i].dropped, c[i].pool,
            u->arrival ? u->arrival->max_users : 0L);
    dropped += c[i].dropped;
  }
  if (dropped > 0)
    fprintf(out, "Dropped iterations: %" PRIu64 "\n", dropped);
}

void crowd_arrival_print_summary(const crowd_arrival *a, FILE *out)
{
  if (a == NULL)
    return;
  crowd_arrival_count *c = calloc((size_t)a->n, sizeof *c);
  if (c == NULL)
    return;
  int n = crowd_arrival_counts(a, c, a->n);
  crowd_arrival_print_counts(a->runner->sc, c, n, out);
  free(c);
}
