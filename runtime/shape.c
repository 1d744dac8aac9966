#include "config.h"

#include "shape.h"

#include "clock.h"
#include "log.h"
#include "runner.h"

double crowd_shape_time(const crowd_shape *s)
{
  return crowd_clock_mono() - s->t0;
}

static void shape_stage(crowd_shape *s, int i)
{
  const crowd_shape_desc *d = s->desc;
  crowd_runner *r = s->runner;
  if (i >= d->nstages) {
    crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s: last stage over at %.2f s; stopping the test", d->name,
              crowd_shape_time(s));
    s->stage = d->nstages;
    crowd_runner_stop_test(r);
    return;
  }
  const crowd_stage_desc *st = &d->stages[i];
  s->stage = i;
  s->reached = false;
  crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s: stage %d/%d at %.2f s: %.0f users at %.2f/s for %g s",
            d->name, i + 1, d->nstages, crowd_shape_time(s), st->users, st->rate, st->duration);
  if (crowd_runner_swarm(r, (long)st->users, st->rate, r->host, 0) != 0)
    crowd_log(CROWD_LOG_ERROR, "crowd.shape", "Shape %s: could not ramp to stage %d", d->name, i + 1);
  /* the next boundary, from the start: no drift */
  s->next_end += st->duration;
  ev_now_update(r->loop); /* libev counts from its cached time: make it now */
  double delay = s->next_end - crowd_shape_time(s);
  ev_timer_set(&s->timer, delay > 0 ? delay : 0., 0.);
  ev_timer_start(r->loop, &s->timer);
}

static void shape_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  (void)loop;
  (void)revents;
  crowd_shape *s = w->data;
  shape_stage(s, s->stage + 1);
}

int crowd_shape_start(crowd_shape *s, struct crowd_runner *r, const crowd_shape_desc *d)
{
  s->desc = d;
  s->runner = r;
  s->stage = -1;
  s->t0 = crowd_clock_mono();
  s->next_end = 0;
  ev_timer_init(&s->timer, shape_timer_cb, 0., 0.);
  s->timer.data = s;
  if (d->nstages <= 0)
    return -1;
  crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s (%d stages) sets the user count: -u and -r are ignored",
            d->name, d->nstages);
  shape_stage(s, 0);
  return 0;
}

void crowd_shape_stop(crowd_shape *s)
{
  if (s->runner)
    ev_timer_stop(s->runner->loop, &s->timer);
}

void crowd_shape_reached(crowd_shape *s, size_t users)
{
  if (s->reached || s->stage < 0 || s->stage >= s->desc->nstages)
    return;
  s->reached = true;
  crowd_log(CROWD_LOG_INFO, "crowd.shape", "Shape %s: %zu users at %.2f s", s->desc->name, users,
            crowd_shape_time(s));
}
