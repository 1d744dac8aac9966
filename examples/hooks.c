/* hooks.c — the C extension of examples/events.crowd (doc/extensions.md).
 *
 * crowdc compiles this file and links it into the executable:
 *   crowdc examples/events.crowd          (the scenario says (extension "hooks.c"))
 *   crowdc --extension hooks.c s.crowd    (or name it on the command line)
 * A scenario's (call NAME) runs NAME(ev) on the load generator's event loop,
 * so each function returns quickly and never blocks.
 */
#include <stdio.h>

#include <crowd/extension.h>

/* Non-static: crowdc checks that every (call NAME) has such a function. */
void report_slow_request(const crowd_event *ev);

/* (on request :min-time 500ms (call report_slow_request)): one line per slow
 * request, on stdout, so that it can be piped apart from crowd's log. */
void report_slow_request(const crowd_event *ev)
{
  const char *error = crowd_event_error(ev);
  printf("slow: %s %s -> %ld in %.0f ms%s%s\n", crowd_event_method(ev), crowd_event_name(ev),
         crowd_event_status(ev), crowd_event_time_ms(ev), error ? ", failed: " : "", error ? error : "");
  /* a variable the handler set with (let ...), as text */
  const char *who = crowd_event_var(ev, "who");
  if (who)
    crowd_event_log(ev, 20, "%s waited %.0f ms", who, crowd_event_time_ms(ev));
}
