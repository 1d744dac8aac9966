#include "config.h"

#include "user.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "log.h"
#include "rng.h"
#include "runner.h"

/* ---- user classes ------------------------------------------------------------ */

int crowd_user_class_init(crowd_user_class *c, const crowd_user_desc *desc)
{
  memset(c, 0, sizeof *c);
  c->desc = desc;
  if (desc->ntasks <= 0)
    return 0;
  c->cum = calloc((size_t)desc->ntasks, sizeof *c->cum);
  if (c->cum == NULL)
    return -1;
  long total = 0;
  for (int i = 0; i < desc->ntasks; i++) {
    int w = desc->tasks[i].weight;
    if (w > 0 && total <= (long)INT32_MAX - w)
      total += w;
    c->cum[i] = (int)total;
  }
  c->total = total;
  return 0;
}

void crowd_user_class_free(crowd_user_class *c)
{
  free(c->cum);
  c->cum = NULL;
}

int crowd_user_class_pick(const crowd_user_class *c)
{
  if (c->total <= 0)
    return -1;
  long r = (long)crowd_rng_below((uint64_t)c->total);
  /* binary search for the first cum[i] > r */
  int lo = 0, hi = c->desc->ntasks - 1;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (c->cum[mid] > r)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
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
  if (u && u->runner)
    crowd_runner_user_error(u->runner);
}

/* ---- lifecycle ------------------------------------------------------------------ */

static void user_drive(crowd_user *u);

static void user_wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  crowd_user *u = w->data;
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
  crowd_user *u = calloc(1, sizeof *u);
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

/* Seconds to wait after a task, per the class's wait_time (Locust's
 * wait_time.py, constant_pacing included). */
static double user_wait_time(crowd_user *u)
{
  const crowd_wait_desc *w = &u->desc->wait;
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
  double run = now - u->cp_last_run - u->cp_last_wait;
  u->cp_last_wait = pace - run > 0 ? pace - run : 0;
  u->cp_last_run = now;
  return u->cp_last_wait;
}

static void user_wait(crowd_user *u)
{
  double t = user_wait_time(u);
  u->state = CROWD_USER_WAITING;
  if (u->runner == NULL)
    return;
  /* a zero wait still goes through the loop, so a task without requests
   * cannot starve everyone else */
  ev_timer_set(&u->wait_timer, t, 0.);
  ev_timer_start(u->runner->loop, &u->wait_timer);
}

/* Make on_stop the function to run, if the user has one still to run. */
static bool user_enter_on_stop(crowd_user *u)
{
  if (u->desc->on_stop == NULL || u->on_stop_ran || u->start_failed)
    return false;
  if (u->runner)
    ev_timer_stop(u->runner->loop, &u->wait_timer);
  u->on_stop_ran = true;
  u->in_on_stop = true;
  u->in_on_start = false;
  u->stopping = false;
  u->fn = u->desc->on_stop;
  u->step = 0;
  return true;
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
      int t = crowd_user_class_pick(u->cls);
      if (t < 0) { /* no task can run (all weights 0): stay idle */
        u->state = CROWD_USER_IDLE;
        return;
      }
      u->fn = u->desc->tasks[t].fn;
      u->step = 0;
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

    bool was_on_start = u->in_on_start;
    bool was_on_stop = u->in_on_stop;
    u->fn = NULL;
    u->in_on_start = false;
    u->in_on_stop = false;
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
    if (u->stopping) {
      if (user_enter_on_stop(u))
        continue;
      user_finish_stop(u);
      return;
    }
    if (was_on_start)
      continue; /* the first task follows on_start without a wait */
    user_wait(u);
    return;
  }
}

void crowd_user_start(crowd_user *u)
{
  u->cp_last_run = crowd_clock_mono();
  u->cp_last_wait = 0;
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
  if (u->in_on_stop) /* already on its way out */
    return false;
  if (graceful && (u->state == CROWD_USER_RUNNING || u->state == CROWD_USER_IN_FLIGHT)) {
    u->stopping = true;
    return false;
  }
  user_cancel(u);
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
