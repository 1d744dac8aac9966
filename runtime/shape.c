#include "config.h"

#include "shape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "procs.h"
#include "runner.h"
#include "user.h"

#define SHAPE_TICK_INTERVAL 1.0   /* Locust's shape_worker sleeps 1 s */
#define SHAPE_MAX_USERS 10000000L /* as the web UI's /swarm */

/* The result of the tick being run (crowd_shape_result writes it): only
 * set while shape_tick calls the tick function. */
typedef struct shape_eval {
  const crowd_shape *shape;
  crowd_shape_target *out;
  int rc;                   /* 0 none yet (nil), 1 a target, -1 a bad value */
} shape_eval;

static shape_eval *shape_current;

double crowd_shape_time(const crowd_shape *s)
{
  return crowd_clock_mono() - s->t0;
}

/* ---- the targets ---------------------------------------------------------------- */

/* Stage i's target: its count and rate, and the classes of the last stage
 * up to i that lists some (Locust keeps the dispatcher's classes when a
 * tick gives none). */
static void shape_stage_target(const crowd_shape_desc *d, int i, crowd_shape_target *out)
{
  const crowd_stage_desc *st = &d->stages[i];
  memset(out, 0, sizeof *out);
  out->users = (long)st->users;
  out->rate = st->rate;
  out->stage = i;
  for (int k = i; k >= 0; k--)
    if (d->stages[k].classes && d->stages[k].nclasses > 0) {
      out->classes = d->stages[k].classes;
      out->nclasses = d->stages[k].nclasses;
      break;
    }
}

/* A user count or rate from the tick: a finite number (an integer or a
 * decimal; a text or nil is refused). */
static int shape_number(const crowd_val *v, double *d)
{
  if (v->type == CROWD_INT)
    *d = (double)v->u.i;
  else if (v->type == CROWD_NUM)
    *d = v->u.n;
  else
    return -1;
  return isfinite(*d) ? 0 : -1;
}

static const char *shape_type_name(const crowd_val *v)
{
  switch (v->type) {
  case CROWD_NIL: return "nil";
  case CROWD_STR: return "a text";
  default: return "a number";
  }
}

void crowd_shape_result(crowd_user *u, const char *site, const crowd_val *users, const crowd_val *rate,
                        const int *classes, int nclasses)
{
  (void)u;
  shape_eval *e = shape_current;
  if (e == NULL || e->rc != 0)
    return;
  const char *name = e->shape->desc->name;
  double n, r;
  e->rc = -1;
  if (shape_number(users, &n) != 0) {
    crowd_log(CROWD_LOG_ERROR, "crowd.shape", "%s: shape %s: the tick's user count must be a number >= 0, got %s",
              site, name, shape_type_name(users));
    return;
  }
  if (n < 0 || n > (double)SHAPE_MAX_USERS) {
    crowd_log(CROWD_LOG_ERROR, "crowd.shape", "%s: shape %s: the tick's user count must be %s, got %g", site, name,
              n < 0 ? "0 or more" : "at most 10000000", n);
    return;
  }
  if (shape_number(rate, &r) != 0) {
    crowd_log(CROWD_LOG_ERROR, "crowd.shape", "%s: shape %s: the tick's spawn rate must be a number above 0, got %s",
              site, name, shape_type_name(rate));
    return;
  }
  if (!(r > 0) || r > 1e6) {
    crowd_log(CROWD_LOG_ERROR, "crowd.shape", "%s: shape %s: the tick's spawn rate must be above 0 (and at most 1000000), got %g",
              site, name, r);
    return;
  }
  memset(e->out, 0, sizeof *e->out);
  e->out->users = (long)floor(n); /* a fractional count is rounded down */
  e->out->rate = r;
  e->out->classes = nclasses > 0 ? classes : NULL;
  e->out->nclasses = nclasses > 0 ? nclasses : 0;
  e->out->stage = -1;
  e->rc = 1;
}

/* Run the tick at t with `users` running: 1 a target, 0 nil, -1 an error. */
static int shape_tick(crowd_shape *s, double t, size_t users, crowd_shape_target *out)
{
  const crowd_shape_desc *d = s->desc;
  crowd_user *u = s->tick_user;
  if (u == NULL)
    return -1;
  for (int k = 0; k < d->tick_nvars; k++)
    crowd_val_clear(&u->vars[k]); /* a tick's lets start afresh each time */
  if (d->tick_nvars >= CROWD_TICK_COUNT) {
    crowd_val_num(&u->vars[CROWD_TICK_RUN_TIME], t);
    crowd_val_int(&u->vars[CROWD_TICK_USER_COUNT], (int64_t)users);
  }
  shape_eval e = { .shape = s, .out = out, .rc = 0 };
  shape_current = &e;
  int step = 0;
  int rc = d->tick(u, &step, u->vars);
  shape_current = NULL;
  if (rc == CROWD_TASK_FAIL || e.rc < 0) {
    crowd_log(CROWD_LOG_ERROR, "crowd.shape", "Shape %s: the tick (%s) failed at %.2f s", d->name, d->site, t);
    return -1;
  }
  return e.rc;
}

int crowd_shape_target_at(crowd_shape *s, double t, size_t users, crowd_shape_target *out)
{
  const crowd_shape_desc *d = s->desc;
  if (d->tick)
    return shape_tick(s, t, users, out);
  double end = 0;
  for (int i = 0; i < d->nstages; i++) {
    end += d->stages[i].duration;
    if (t < end) {
      shape_stage_target(d, i, out);
      return 1;
    }
  }
  return 0;
}

/* ---- applying them ----------------------------------------------------------------- */

static void shape_log_classes(const crowd_shape *s, const crowd_shape_target *tg, char *buf, size_t size)
{
  size_t len = 0;
  buf[0] = '\0';
  for (int k = 0; tg->classes && k < tg->nclasses && len + 1 < size; k++) {
    int c = tg->classes[k];
    const char *name = c >= 0 && c < s->runner->sc->nusers ? s->runner->sc->users[c].name : "?";
    int n = snprintf(buf + len, size - len, "%s%s", k ? ", " : " (classes ", name);
    if (n < 0)
      break;
    len += (size_t)n;
  }
  if (len > 0 && len + 2 < size)
    strcat(buf, ")");
}

/* The one-process side: ramp the runner to the target. */
static void shape_apply(crowd_shape *s, const crowd_shape_target *tg)
{
  crowd_runner *r = s->runner;
  s->reached = false;
  s->last = *tg;
  s->has_last = true;
  if (crowd_runner_swarm(r, tg->users, tg->rate, r->host, 0) != 0) {
    crowd_log(CROWD_LOG_ERROR, "crowd.shape", "Shape %s: could not ramp to %ld users", s->desc->name, tg->users);
    return;
  }
  if (tg->classes)
    crowd_runner_shape_classes(r, tg->classes, tg->nclasses);
}

static void shape_end(crowd_shape *s, const char *why)
{
  crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s: %s at %.2f s; stopping the test", s->desc->name, why,
            crowd_shape_time(s));
  s->stage = s->desc->nstages;
  crowd_runner_stop_test(s->runner);
}

static void shape_stage(crowd_shape *s, int i)
{
  const crowd_shape_desc *d = s->desc;
  crowd_runner *r = s->runner;
  if (i >= d->nstages) {
    shape_end(s, "last stage over");
    return;
  }
  const crowd_stage_desc *st = &d->stages[i];
  crowd_shape_target tg;
  char cls[256];
  shape_stage_target(d, i, &tg);
  shape_log_classes(s, &tg, cls, sizeof cls);
  s->stage = i;
  crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s: stage %d/%d at %.2f s: %.0f users at %.2f/s for %g s%s",
            d->name, i + 1, d->nstages, crowd_shape_time(s), st->users, st->rate, st->duration, cls);
  shape_apply(s, &tg);
  /* the next boundary, from the start: no drift */
  s->next_end += st->duration;
  ev_now_update(r->loop); /* libev counts from its cached time: make it now */
  double delay = s->next_end - crowd_shape_time(s);
  ev_timer_set(&s->timer, delay > 0 ? delay : 0., 0.);
  ev_timer_start(r->loop, &s->timer);
}

static bool shape_same(const crowd_shape_target *a, const crowd_shape_target *b)
{
  if (a->users != b->users || a->rate != b->rate || a->nclasses != b->nclasses)
    return false;
  return a->nclasses == 0 || memcmp(a->classes, b->classes, (size_t)a->nclasses * sizeof *a->classes) == 0;
}

/* One tick's result (rc from crowd_shape_target_at) acted on. */
static void shape_tick_apply(crowd_shape *s, int rc, const crowd_shape_target *tg, double t)
{
  if (rc < 0) {
    crowd_runner_user_error(s->runner); /* the run's exit code says it */
    shape_end(s, "the tick failed");
    return;
  }
  if (rc == 0) {
    shape_end(s, "the tick gave nil");
    return;
  }
  if (s->has_last && shape_same(&s->last, tg))
    return; /* as Locust: an unchanged tick changes nothing */
  char cls[256];
  shape_log_classes(s, tg, cls, sizeof cls);
  crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s: tick at %.2f s: %ld users at %.2f/s%s", s->desc->name, t,
            tg->users, tg->rate, cls);
  shape_apply(s, tg);
}

static void shape_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  crowd_shape *s = w->data;
  if (s->desc->tick == NULL) {
    shape_stage(s, s->stage + 1);
    return;
  }
  if (s->first_pending) { /* the tick at 0, run by crowd_shape_prepare */
    s->first_pending = false;
    shape_tick_apply(s, s->first_rc, &s->first, 0.);
    return;
  }
  s->ticks++;
  double t = crowd_shape_time(s);
  if (t < (double)s->ticks * SHAPE_TICK_INTERVAL) /* never a hair early for (floor run-time) */
    t = (double)s->ticks * SHAPE_TICK_INTERVAL;
  crowd_shape_target tg;
  int rc = crowd_shape_target_at(s, t, crowd_procs_user_count(s->runner), &tg); /* --processes: the sum */
  shape_tick_apply(s, rc, &tg, t);
}

/* ---- the lifecycle ------------------------------------------------------------------- */

static int shape_tick_user(crowd_shape *s, const crowd_shape_desc *d)
{
  if (s->tick_user)
    return 0;
  crowd_user *u = calloc(1, sizeof *u);
  crowd_val *vars = calloc((size_t)(d->tick_nvars > 0 ? d->tick_nvars : 1), sizeof *vars);
  if (u == NULL || vars == NULL) {
    free(u);
    free(vars);
    crowd_log(CROWD_LOG_CRITICAL, "crowd.shape", "out of memory");
    return -1;
  }
  s->tick_desc.name = d->name;
  s->tick_desc.nvars = d->tick_nvars;
  s->tick_desc.var_names = d->tick_var_names;
  u->desc = &s->tick_desc;
  u->vars = vars;
  s->tick_user = u;
  return 0;
}

int crowd_shape_prepare(crowd_shape *s, crowd_runner *r, const crowd_shape_desc *d)
{
  if (s->runner && s->desc == d)
    crowd_shape_stop(s);
  s->desc = d;
  s->runner = r;
  s->stage = -1;
  s->t0 = crowd_clock_mono();
  s->next_end = 0;
  s->has_last = false;
  s->ticks = 0;
  s->prepared = false;
  ev_timer_init(&s->timer, shape_timer_cb, 0., 0.);
  s->timer.data = s;
  if (d->tick == NULL)
    return d->nstages > 0 ? (s->prepared = true, 0) : -1;
  if (shape_tick_user(s, d) != 0)
    return -1;
  s->tick_user->host = r->host;
  s->first_rc = shape_tick(s, 0., 0, &s->first);
  if (s->first_rc < 0)
    return -1;
  s->prepared = true;
  return 0;
}

int crowd_shape_check(const crowd_shape_desc *d, const char *host)
{
  if (d->tick == NULL)
    return d->nstages > 0 ? 0 : -1;
  crowd_shape s;
  memset(&s, 0, sizeof s); /* no runner: crowd_shape_free stops no timer */
  s.desc = d;
  if (shape_tick_user(&s, d) != 0)
    return -1;
  s.tick_user->host = host;
  crowd_shape_target tg;
  int rc = shape_tick(&s, 0., 0, &tg);
  crowd_shape_free(&s);
  return rc < 0 ? -1 : 0;
}

int crowd_shape_start(crowd_shape *s, crowd_runner *r, const crowd_shape_desc *d)
{
  if (!(s->prepared && s->desc == d && s->runner == r) && crowd_shape_prepare(s, r, d) != 0)
    return -1;
  s->prepared = false; /* the next start prepares again (a new /swarm: the tick from 0) */
  s->t0 = crowd_clock_mono();
  if (d->tick == NULL) {
    crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s (%d stages) sets the user count: -u and -r are ignored",
              d->name, d->nstages);
    shape_stage(s, 0);
    return 0;
  }
  crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s (a tick every second) sets the user count: -u and -r are ignored",
            d->name);
  /* the first result is applied from the loop (a nil must stop a running
   * loop), then a tick every second from t0 */
  s->first_pending = true;
  ev_now_update(r->loop);
  ev_timer_set(&s->timer, 0., SHAPE_TICK_INTERVAL);
  ev_timer_start(r->loop, &s->timer);
  return 0;
}

void crowd_shape_stop(crowd_shape *s)
{
  if (s->runner)
    ev_timer_stop(s->runner->loop, &s->timer);
}

void crowd_shape_free(crowd_shape *s)
{
  crowd_shape_stop(s);
  crowd_user *u = s->tick_user;
  if (u == NULL)
    return;
  for (int k = 0; k < s->tick_desc.nvars; k++)
    crowd_val_clear(&u->vars[k]);
  free(u->vars);
  crowd_buf_free(&u->scratch);
  free(u);
  s->tick_user = NULL;
}

void crowd_shape_reached(crowd_shape *s, size_t users)
{
  if (s->reached || s->stage >= s->desc->nstages || (s->stage < 0 && s->desc->tick == NULL))
    return;
  s->reached = true;
  crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s: %zu users at %.2f s", s->desc->name, users,
            crowd_shape_time(s));
}
