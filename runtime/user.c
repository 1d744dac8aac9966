#include "config.h"

#include "user.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "log.h"
#include "arrival.h"
#include "rng.h"
#include "events.h"
#include "runner.h"

/* ---- user classes ------------------------------------------------------------ */

bool crowd_tags_pass(const crowd_tag_filter *f, const char *const *tags, int ntags)
{
  if (f == NULL)
    return true;
  bool any = false, excluded = false;
  for (int i = 0; i < ntags; i++) {
    for (int k = 0; k < f->ntags; k++)
      any |= strcmp(tags[i], f->tags[k]) == 0;
    for (int k = 0; k < f->nexclude; k++)
      excluded |= strcmp(tags[i], f->exclude[k]) == 0;
  }
  return (f->ntags == 0 || any) && !excluded;
}

static void set_rt_free(crowd_set_rt *s)
{
  if (s->child)
    for (int i = 0; i < s->desc->ntasks; i++)
      set_rt_free(&s->child[i]);
  free(s->child);
  free(s->cum);
  s->child = NULL;
  s->cum = NULL;
}

/* The choice table of set d: an entry is kept when it is a task that passes
 * the filter, or a set with something left in it (Locust's
 * filter_tasks_by_tags).  0, or -1 when out of memory. */
static int set_rt_init(crowd_set_rt *s, const crowd_taskset_desc *d, const crowd_tag_filter *f,
                       int depth, int *max_depth)
{
  memset(s, 0, sizeof *s);
  if (depth + 1 > *max_depth)
    *max_depth = depth + 1;
  s->desc = d;
  if (d->ntasks <= 0)
    return 0;
  s->cum = calloc((size_t)d->ntasks, sizeof *s->cum);
  s->child = calloc((size_t)d->ntasks, sizeof *s->child);
  if (s->cum == NULL || s->child == NULL)
    return -1;
  long total = 0;
  for (int i = 0; i < d->ntasks; i++) {
    const crowd_task_desc *t = &d->tasks[i];
    bool kept;
    if (t->set) {
      if (depth + 1 >= CROWD_TASKSET_DEPTH ||
          set_rt_init(&s->child[i], t->set, f, depth + 1, max_depth) != 0)
        return -1;
      kept = s->child[i].total > 0;
    } else {
      kept = t->fn != NULL && crowd_tags_pass(f, t->tags, t->ntags);
    }
    int w = kept ? t->weight : 0;
    if (w > 0 && total <= (long)INT32_MAX - w)
      total += w;
    s->cum[i] = (int)total;
  }
  s->total = total;
  return 0;
}

int crowd_user_class_init_tags(crowd_user_class *c, const crowd_user_desc *desc,
                               const crowd_tag_filter *filter)
{
  memset(c, 0, sizeof *c);
  c->desc = desc;
  c->root_desc.name = desc->name;
  c->root_desc.has_wait = 1;
  c->root_desc.wait = desc->wait;
  c->root_desc.tasks = desc->tasks;
  c->root_desc.ntasks = desc->ntasks;
  if (set_rt_init(&c->root, &c->root_desc, filter, 0, &c->depth) != 0) {
    set_rt_free(&c->root);
    return -1;
  }
  c->cum = c->root.cum;
  c->total = c->root.total;
  return 0;
}

int crowd_user_class_init(crowd_user_class *c, const crowd_user_desc *desc)
{
  return crowd_user_class_init_tags(c, desc, NULL);
}

void crowd_user_class_free(crowd_user_class *c)
{
  set_rt_free(&c->root);
  c->cum = NULL;
  c->total = 0;
}

int crowd_set_entry(const crowd_set_rt *s, long r)
{
  /* binary search for the first cum[i] > r */
  int lo = 0, hi = s->desc->ntasks - 1;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (s->cum[mid] > r)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

int crowd_user_class_pick(const crowd_user_class *c)
{
  if (c->total <= 0)
    return -1;
  return crowd_set_entry(&c->root, (long)crowd_rng_below((uint64_t)c->total));
}

/* ---- errors ------------------------------------------------------------------- */

void crowd_task_error(crowd_user *u, const char *site, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  crowd_log(CROWD_LOG_ERROR, "crowd.user", "%s: %s", site ? site : "?", msg);
  if (u && u->runner) {
    crowd_runner_user_error(u->runner);
    crowd_events_user_error(u->desc ? u->desc->name : "?", msg, (long)u->runner->nusers);
    /* the exceptions CSV and reports: message and where (Locust's traceback) */
    if (u->runner->stats)
      crowd_stats_record_exception(u->runner->stats, msg, site ? site : "?", crowd_clock_wall());
  }
}

/* ---- lifecycle ------------------------------------------------------------------ */

static void user_drive(crowd_user *u);

static void user_task_begins(crowd_user *u);

static void user_wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_user *u = w->data;
  if (u->state == CROWD_USER_WAITING) /* not the end of a (sleep D) */
    user_task_begins(u);
  u->state = CROWD_USER_RUNNING;
  user_drive(u);
}

/* The HTTP client of u's class (`:client`), or NULL without a runner. */
static const crowd_client_ops *user_client(const crowd_user *u)
{
  return u->runner ? u->runner->clients[u->desc->client] : NULL;
}

crowd_user *crowd_user_new(struct crowd_runner *r, const crowd_user_class *cls, const char *host)
{
  int nframes = cls->depth > 0 ? cls->depth : 1;
  crowd_user *u = calloc(1, sizeof *u + (size_t)nframes * sizeof u->frames[0]);
  if (u == NULL)
    return NULL;
  u->runner = r;
  u->cls = cls;
  u->desc = cls->desc;
  u->host = host;
  u->req.user = u;
  if (u->desc->nvars > 0) {
    u->vars = calloc((size_t)u->desc->nvars, sizeof *u->vars);
    if (u->vars == NULL) {
      free(u);
      return NULL;
    }
  }
  if (r && user_client(u)) {
    u->conn = user_client(u)->conn_new(r->engines[u->desc->client]);
    if (u->conn == NULL) {
      free(u->vars);
      free(u);
      return NULL;
    }
  }
  ev_timer_init(&u->wait_timer, user_wait_cb, 0., 0.);
  u->wait_timer.data = u;
  u->frames[0].set = &cls->root;
  u->depth = 1;
  return u;
}

/* The user is done: no more tasks, no timers, the runner is told. */
static void user_finish_stop(crowd_user *u)
{
  if (u->runner)
    ev_timer_stop(u->runner->loop, &u->wait_timer);
  u->state = CROWD_USER_STOPPED;
  u->fn = NULL;
  u->stopping = false;
  if (u->runner)
    crowd_runner_user_stopped(u->runner);
}

/* Seconds to wait after a task, per wait_time w (Locust's wait_time.py,
 * constant_pacing included, its state in *last_run and *last_wait). */
static double wait_seconds(const crowd_wait_desc *w, double *last_run, double *last_wait)
{
  double pace;
  switch (w->kind) {
  case CROWD_WAIT_CONSTANT:
    return w->a > 0 ? w->a : 0;
  case CROWD_WAIT_BETWEEN: {
    double t = w->a + crowd_rng_double() * (w->b - w->a);
    return t > 0 ? t : 0;
  }
  case CROWD_WAIT_PACING:
    pace = w->a;
    break;
  case CROWD_WAIT_THROUGHPUT:
    pace = w->a > 0 ? 1.0 / w->a : 0;
    break;
  case CROWD_WAIT_NONE:
  default:
    return 0;
  }
  double now = crowd_clock_mono();
  double run = now - *last_run - *last_wait;
  *last_wait = pace - run > 0 ? pace - run : 0;
  *last_run = now;
  return *last_wait;
}

/* The innermost set's own wait_time, with the set's own pacing state (a
 * new one each time the set is entered, as Locust's TaskSet instances);
 * otherwise the user's. */
static double user_wait_time(crowd_user *u)
{
  if (u->depth > 1) {
    crowd_user_frame *f = &u->frames[u->depth - 1];
    if (f->set->desc->has_wait)
      return wait_seconds(&f->set->desc->wait, &f->cp_last_run, &f->cp_last_wait);
  }
  return wait_seconds(&u->desc->wait, &u->cp_last_run, &u->cp_last_wait);
}

/* ---- coordinated omission: the schedule of paced tasks ---- */

/* The wait that follows the current task: the innermost set's own, else
 * the user's (as user_wait_time). */
static const crowd_wait_desc *user_wait_desc(const crowd_user *u)
{
  if (u->depth > 1 && u->frames[u->depth - 1].set->desc->has_wait)
    return &u->frames[u->depth - 1].set->desc->wait;
  return &u->desc->wait;
}

/* The task just ended and the user waits `wait` seconds: under pacing, the
 * next task is intended one period after the current one's intended start
 * (the first paced task: when the wait ends). */
static void user_schedule(crowd_user *u, double wait)
{
  const crowd_wait_desc *w = user_wait_desc(u);
  double pace = w->kind == CROWD_WAIT_PACING ? w->a
              : w->kind == CROWD_WAIT_THROUGHPUT && w->a > 0 ? 1.0 / w->a : 0;
  if (pace <= 0) {
    u->sched_next = 0;
    u->sched_wait = NULL;
    return;
  }
  if (u->sched_wait == w && u->sched_at > 0)
    u->sched_next = u->sched_at + pace;
  else
    u->sched_next = crowd_clock_mono() + wait;
  u->sched_wait = w;
}

/* A task begins after a wait: how late against the schedule.  A start on
 * time (within CROWD_MEASURE_LATE_US) anchors the schedule there, so the
 * timers' jitter does not add up; a late one keeps it, so the lag of a
 * generator that cannot keep the pace grows, as the requests it owes. */
static void user_task_begins(crowd_user *u)
{
  if (u->sched_next <= 0) {
    u->sched_at = 0;
    return;
  }
  double now = crowd_clock_mono(), lag = now - u->sched_next;
  u->sched_lag_us = lag > 0 ? (uint64_t)(lag * 1e6) : 0;
  u->sched_at = u->sched_lag_us <= CROWD_MEASURE_LATE_US ? now : u->sched_next;
  u->sched_next = 0;
  if (u->runner && u->runner->stats)
    crowd_stats_note_schedule(u->runner->stats, u->sched_lag_us);
}

/* A paced user's schedule starts with the user: its first task (after
 * on-start) is intended now. */
static void user_schedule_first(crowd_user *u)
{
  const crowd_wait_desc *w = &u->desc->wait;
  if (w->kind != CROWD_WAIT_PACING && w->kind != CROWD_WAIT_THROUGHPUT)
    return;
  u->sched_wait = w;
  u->sched_at = u->cp_last_run;
  u->sched_lag_us = 0;
}

void crowd_user_corrected(const crowd_user *u, uint64_t response_us, bool *has, uint64_t *corrected_us)
{
  *has = u->sched_at > 0;
  *corrected_us = *has ? response_us + u->sched_lag_us : 0;
}

static void user_wait(crowd_user *u)
{
  if (u->arrival) { /* open model: no wait, the user goes back to the pool */
    crowd_arrival_idle(u);
    return;
  }
  double t = user_wait_time(u);
  user_schedule(u, t);
  u->state = CROWD_USER_WAITING;
  if (u->runner == NULL)
    return;
  /* a zero wait still goes through the loop, so a task without requests
   * cannot starve everyone else */
  ev_timer_set(&u->wait_timer, t, 0.);
  ev_timer_start(u->runner->loop, &u->wait_timer);
}

/* Make the innermost set's on-stop the function to run, if it has one
 * that has not run; false otherwise. */
static bool user_begin_set_stop(crowd_user *u)
{
  crowd_user_frame *f = &u->frames[u->depth - 1];
  if (f->stop_ran || f->set->desc->on_stop == NULL)
    return false;
  f->stop_ran = true;
  u->in_set_stop = true;
  u->fn = f->set->desc->on_stop;
  u->step = 0;
  return true;
}

/* Make the next on-stop block the function to run: the innermost active
 * set's first, then the enclosing ones', then the user's (Locust runs them
 * innermost first).  false when none is left. */
static bool user_enter_on_stop(crowd_user *u)
{
  if (u->runner)
    ev_timer_stop(u->runner->loop, &u->wait_timer);
  u->unwinding = true;
  u->stopping = false;
  u->in_on_start = false;
  u->in_set_start = false;
  while (u->depth > 1) {
    if (user_begin_set_stop(u))
      return true;
    u->depth--;
  }
  if (u->desc->on_stop == NULL || u->on_stop_ran || u->start_failed)
    return false;
  u->on_stop_ran = true;
  u->in_on_stop = true;
  u->fn = u->desc->on_stop;
  u->step = 0;
  return true;
}

/* Choose what runs next in the innermost set: a task (u->fn), or a nested
 * set, entered, whose on-start runs first and then its first task (no wait
 * in between).  false when nothing can run. */
static bool user_next(crowd_user *u)
{
  crowd_user_frame *f = &u->frames[u->depth - 1];
  const crowd_set_rt *s = f->set;
  if (s->total <= 0)
    return false;
  long r;
  if (s->desc->sequential) {
    r = f->seq;
    f->seq = (f->seq + 1) % s->total;
  } else {
    r = (long)crowd_rng_below((uint64_t)s->total);
  }
  int i = crowd_set_entry(s, r);
  const crowd_task_desc *t = &s->desc->tasks[i];
  if (t->set == NULL) {
    /* -n/--iterations: no task starts past the budget; the user stops */
    if (u->runner && !crowd_runner_task_begins(u->runner)) {
      u->stopping = true;
      return false;
    }
    u->arrival_due = false; /* open model: this task is the arrival's iteration */
    u->fn = t->fn;
    u->step = 0;
    return true;
  }
  if (u->depth >= u->cls->depth) /* the class tables refuse deeper */
    return false;
  crowd_user_frame *c = &u->frames[u->depth++];
  memset(c, 0, sizeof *c);
  c->set = &s->child[i];
  c->cp_last_run = crowd_clock_mono();
  if (t->set->on_start) {
    u->fn = t->set->on_start;
    u->step = 0;
    u->in_set_start = true;
    return true;
  }
  return user_next(u);
}

/* After a task or block returned rc: leave the innermost set when asked.
 * Returns true when the next task follows at once, false to wait first. */
static bool user_after_task(crowd_user *u, int rc)
{
  switch (rc) {
  case CROWD_TASK_INTERRUPT:
  case CROWD_TASK_INTERRUPT_WAIT:
    if (u->depth > 1) {
      if (user_begin_set_stop(u)) { /* its on-stop, then the parent */
        u->after_set_stop = rc;
        return true;
      }
      u->depth--;
    }
    return rc == CROWD_TASK_INTERRUPT;
  case CROWD_TASK_RESCHEDULE_NOW:
    return true;
  default:
    return false;
  }
}

/* Run tasks until one yields on a request, or the user waits or stops. */
static void user_drive(crowd_user *u)
{
  for (;;) {
    if (u->state == CROWD_USER_STOPPED)
      return;
    if (u->fn == NULL) {
      if (u->stopping) {
        if (user_enter_on_stop(u))
          continue;
        user_finish_stop(u);
        return;
      }
      if (u->arrival && !u->arrival_due && !u->unwinding) { /* open model: back to the pool */
        crowd_arrival_idle(u);
        return;
      }
      if (!user_next(u)) { /* no task can run (all weights 0): stay idle */
        if (u->stopping) /* -n reached: on-stop, then stop */
          continue;
        u->state = CROWD_USER_IDLE;
        return;
      }
    }

    u->state = CROWD_USER_RUNNING;
    u->in_task = true;
    int rc = u->fn(u, &u->step, u->vars);
    u->in_task = false;

    if (rc == CROWD_TASK_YIELD) {
      if (u->done_pending) { /* the response came back before the yield */
        u->done_pending = false;
        continue;
      }
      if (u->in_flight) {
        u->state = CROWD_USER_IN_FLIGHT;
        return;
      }
      if (u->sleeping) { /* (sleep D): the wait timer resumes the task */
        u->sleeping = false;
        u->state = CROWD_USER_IN_FLIGHT;
        return;
      }
      crowd_task_error(u, u->req.site, "task yielded with no request in flight");
      rc = CROWD_TASK_FAIL;
    }

    bool was_on_start = u->in_on_start, was_on_stop = u->in_on_stop;
    bool was_set_start = u->in_set_start, was_set_stop = u->in_set_stop;
    u->fn = NULL;
    u->in_on_start = u->in_on_stop = u->in_set_start = u->in_set_stop = false;
    if (was_on_stop) {
      user_finish_stop(u);
      return;
    }
    if (was_on_start && rc == CROWD_TASK_FAIL) {
      /* as in Locust, an error in on_start ends the user, without on_stop */
      crowd_log(CROWD_LOG_ERROR, "crowd.user", "%s: on_start failed; the user stops", u->desc->name);
      u->start_failed = true;
      user_finish_stop(u);
      return;
    }
    if (was_set_stop) { /* the set is left */
      if (u->depth > 1)
        u->depth--;
      rc = u->unwinding ? CROWD_TASK_DONE : u->after_set_stop;
      if (u->unwinding) {
        if (user_enter_on_stop(u))
          continue;
        user_finish_stop(u);
        return;
      }
    } else if (was_set_start && rc != CROWD_TASK_DONE) {
      /* a set's on-start that failed or interrupted: the set is left
       * without its on-stop, the parent waits (or not, for interrupt) */
      if (u->depth > 1)
        u->depth--;
      rc = rc == CROWD_TASK_INTERRUPT || rc == CROWD_TASK_RESCHEDULE_NOW
               ? CROWD_TASK_RESCHEDULE_NOW : CROWD_TASK_RESCHEDULE;
      was_set_start = false;
    }
    if (u->stopping) {
      if (user_enter_on_stop(u))
        continue;
      user_finish_stop(u);
      return;
    }
    if (was_on_start || was_set_start)
      continue; /* the first task follows on-start without a wait */
    if (was_set_stop ? rc == CROWD_TASK_INTERRUPT : user_after_task(u, rc))
      continue;
    user_wait(u);
    return;
  }
}

void crowd_user_start(crowd_user *u)
{
  u->cp_last_run = crowd_clock_mono();
  u->cp_last_wait = 0;
  user_schedule_first(u);
  if (u->desc->on_start) {
    u->fn = u->desc->on_start;
    u->step = 0;
    u->in_on_start = true;
  }
  user_drive(u);
}

/* Abandon the request in flight, if any: not recorded. */
static void user_cancel(crowd_user *u)
{
  if (u->in_flight && user_client(u))
    user_client(u)->cancel(u->conn);
  u->in_flight = false;
  u->done_pending = false;
  u->resp = NULL;
  u->resp_pending = false;
}

bool crowd_user_stop(crowd_user *u, bool graceful)
{
  if (u->state == CROWD_USER_STOPPED)
    return true;
  if (u->in_on_stop || u->unwinding) /* already on its way out */
    return false;
  if (graceful && (u->state == CROWD_USER_RUNNING || u->state == CROWD_USER_IN_FLIGHT)) {
    u->stopping = true;
    return false;
  }
  user_cancel(u);
  /* a set cut in its on-start never started: no on-stop (as in Locust) */
  if (u->in_set_start && u->depth > 1)
    u->frames[u->depth - 1].stop_ran = true;
  u->fn = NULL;
  if (user_enter_on_stop(u)) {
    user_drive(u);
    return u->state == CROWD_USER_STOPPED;
  }
  user_finish_stop(u);
  return true;
}

void crowd_user_kill(crowd_user *u)
{
  if (u->state == CROWD_USER_STOPPED)
    return;
  user_cancel(u);
  u->in_on_stop = false;
  u->on_stop_ran = true;
  user_finish_stop(u);
}

void crowd_user_free(crowd_user *u)
{
  if (u == NULL)
    return;
  if (u->runner) {
    ev_timer_stop(u->runner->loop, &u->wait_timer);
    if (u->conn) {
      if (u->in_flight)
        user_client(u)->cancel(u->conn);
      user_client(u)->conn_free(u->conn);
    }
  }
  for (int i = 0; i < u->desc->nvars; i++)
    if (u->vars)
      crowd_val_clear(&u->vars[i]);
  free(u->vars);
  crowd_buf_free(&u->req.url);
  crowd_buf_free(&u->req.name);
  crowd_buf_free(&u->req.headers);
  crowd_buf_free(&u->req.body);
  crowd_buf_free(&u->req.resp_headers);
  crowd_buf_free(&u->req.resp_body);
  crowd_buf_free(&u->query);
  crowd_buf_free(&u->scratch);
  crowd_buf_free(&u->json_stack);
  free(u);
}

/* ---- requests ------------------------------------------------------------------ */

void crowd_user_send(crowd_user *u)
{
  if (u->runner == NULL || user_client(u) == NULL || u->state == CROWD_USER_STOPPED)
    return; /* unit tests: nothing is sent */
  u->in_flight = true;
  /* on failure to start, the client has already called crowd_request_done */
  (void)user_client(u)->start(u->conn, &u->req);
}

void crowd_user_iterate(crowd_user *u)
{
  u->arrival_due = true;
  u->state = CROWD_USER_RUNNING;
  user_drive(u);
}

void crowd_user_request_done(crowd_user *u)
{
  u->in_flight = false;
  if (u->in_task) { /* still inside the task function: resume after it yields */
    u->done_pending = true;
    return;
  }
  if (u->state == CROWD_USER_STOPPED)
    return;
  user_drive(u);
}
