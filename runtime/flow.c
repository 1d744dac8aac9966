#include "config.h"

/* The run-time side of the scenario's control flow (crowd.h): loop
 * counters kept in user slots, (sleep D) on the user's own timer, and
 * (log ...). */

#include <inttypes.h>
#include <math.h>

#include <crowd/crowd.h>

#include "log.h"
#include "runner.h"
#include "user.h"

int crowd_loop_init(crowd_user *u, const char *site, crowd_val *counter, const crowd_val *count)
{
  int64_t n = -1;
  if (count->type == CROWD_INT)
    n = count->u.i;
  else if (count->type == CROWD_NUM && count->u.n >= 0 && count->u.n < 9.2e18 &&
           count->u.n == floor(count->u.n))
    n = (int64_t)count->u.n;
  if (n < 0) {
    crowd_task_error(u, site, "a loop count must be an integer >= 0");
    return -1;
  }
  crowd_val_int(counter, n);
  return 0;
}

int crowd_loop_next(crowd_val *counter)
{
  if (counter->type != CROWD_INT || counter->u.i <= 0)
    return 0;
  counter->u.i--;
  return 1;
}

int crowd_sleep(crowd_user *u, const char *site, const crowd_val *seconds)
{
  double d = -1;
  if (seconds->type == CROWD_INT)
    d = (double)seconds->u.i;
  else if (seconds->type == CROWD_NUM)
    d = seconds->u.n;
  if (!(d >= 0) || !isfinite(d) || d > 86400.0 * 365) {
    crowd_task_error(u, site, "sleep takes a duration >= 0, such as 500ms");
    return -1;
  }
  u->sleeping = true;
  if (u->runner) {
    /* a zero sleep still goes through the loop: it lets others run */
    ev_timer_stop(u->runner->loop, &u->wait_timer);
    ev_timer_set(&u->wait_timer, d, 0.);
    ev_timer_start(u->runner->loop, &u->wait_timer);
  }
  return 0;
}

/* The message as one line of text: a log line must not be split, nor the
 * terminal steered, by what a scenario or a server put in a string.  NUL,
 * CR, LF and the other control bytes but tab (DEL too) are written as the
 * escapes \0, \r, \n and \xNN; every other byte as it is.  At most
 * size - 1 bytes: a longer message is cut. */
static void log_text(char *out, size_t size, const char *p, size_t len)
{
  size_t n = 0;
  for (size_t i = 0; i < len && n + 5 <= size; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x20 && c != 0x7f) {
      out[n++] = (char)c;
    } else if (c == '\t') {
      out[n++] = '\t';
    } else {
      const char *esc = c == 0 ? "\\0" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : NULL;
      int w = esc ? snprintf(out + n, size - n, "%s", esc) : snprintf(out + n, size - n, "\\x%02x", c);
      n += w > 0 ? (size_t)w : 0;
    }
  }
  out[n < size ? n : size - 1] = '\0';
}

void crowd_log_msg(crowd_user *u, const char *site, int level, const crowd_val *msg)
{
  (void)site;
  crowd_log_level l = level <= CROWD_LOG_DEBUG ? CROWD_LOG_DEBUG
                      : level <= CROWD_LOG_INFO ? CROWD_LOG_INFO
                      : level <= CROWD_LOG_WARNING ? CROWD_LOG_WARNING : CROWD_LOG_ERROR;
  if (!crowd_log_enabled(l))
    return;
  const char *name = u && u->desc ? u->desc->name : "?";
  if (msg->type == CROWD_STR) {
    char text[2048]; /* the log line's own size */
    log_text(text, sizeof text, msg->u.s.p ? msg->u.s.p : "", msg->u.s.p ? msg->u.s.len : 0);
    crowd_log(l, "crowd.scenario", "%s: %s", name, text);
  } else if (msg->type == CROWD_INT)
    crowd_log(l, "crowd.scenario", "%s: %" PRId64, name, msg->u.i);
  else if (msg->type == CROWD_NUM)
    crowd_log(l, "crowd.scenario", "%s: %g", name, msg->u.n);
  else
    crowd_log(l, "crowd.scenario", "%s: nil", name);
}
