/* extension.h — the C API of crowd extensions (doc/extensions.md).
 *
 * A scenario's (call NAME) runs `void NAME(const crowd_event *ev)` from a
 * .c file given to crowdc (--extension FILE, or (extension "FILE") in the
 * scenario).  The function runs on the load generator's event loop: it must
 * return quickly and must not block.
 *
 * Ownership: the event and every string its accessors return belong to
 * the runtime and are valid only until the function returns; copy what
 * you keep.  This surface is stable: functions are only ever added.
 */
#ifndef CROWD_EXTENSION_H
#define CROWD_EXTENSION_H

#include <crowd/crowd.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct crowd_event crowd_event; /* opaque */

/* Which event is being handled (CROWD_EV_TEST_START ... CROWD_EV_REQUEST),
 * and its name in the language ("test-start", "request", ...). */
crowd_event_kind crowd_event_type(const crowd_event *ev);
const char *crowd_event_type_name(const crowd_event *ev);

/* The request of a `request` event; "" / 0 / -1 for other events. */
const char *crowd_event_method(const crowd_event *ev); /* "GET", "POST", ... */
const char *crowd_event_name(const crowd_event *ev);   /* the stats entry name */
long crowd_event_status(const crowd_event *ev);        /* HTTP status; 0: no response */
double crowd_event_time_ms(const crowd_event *ev);     /* response time in ms; -1: none */
/* The failure message (request, user-error), or NULL when it succeeded. */
const char *crowd_event_error(const crowd_event *ev);

/* The user class (request, user-error), or NULL for test-wide events. */
const char *crowd_event_user_class(const crowd_event *ev);

/* A variable of the handler by name ("status", "host", or one its lets
 * set), as text; NULL when there is no such variable or it is nil. */
const char *crowd_event_var(const crowd_event *ev, const char *name);

/* A line in crowd's log (level 10 debug, 20 info, 30 warning, 40 error). */
void crowd_event_log(const crowd_event *ev, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif
#endif
