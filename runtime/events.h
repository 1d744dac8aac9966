/* events.h — scenario-level event handlers, (on EVENT ...), their
 * (write-file ...) targets and the C extension API (crowd/extension.h).
 *
 * Ownership: this module owns, for the life of the process (from
 * crowd_events_init to crowd_events_free), the handlers' variable slots, the
 * pseudo-users they run as and the open write-file streams.  The runner
 * calls in at each lifecycle point; nothing else writes its state.
 */
#ifndef CROWD_EVENTS_H
#define CROWD_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <crowd/crowd.h>

/* Some (on request ...) handler exists: the request path tests this one
 * flag before anything else, so that without one it costs one branch. */
extern bool crowd_events_on_request;

/* Open every write-file target and prepare the handlers.  0, or -1 after
 * logging why (an unwritable path: the run must not start). */
int crowd_events_init(const crowd_scenario_desc *sc, const char *host);
void crowd_events_free(void);

/* A test-wide event: test-start, test-stop, spawning, spawning-complete,
 * quitting; users is the current user count. */
void crowd_events_fire(crowd_event_kind kind, long users);
/* user-error: a task of a user of class cls failed with msg. */
void crowd_events_user_error(const char *cls, const char *msg, long users);
/* request: one recorded request (err NULL: it succeeded). */
void crowd_events_request(const char *cls, crowd_method method, const char *name, long status,
                          uint64_t response_us, const char *err, long users);

#endif
