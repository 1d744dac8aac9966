/* webui.h — the web UI: Locust's REST endpoints and page, served by
 * libmicrohttpd on the runner's libev loop (no thread: MHD's epoll
 * descriptor is watched by an ev_io, its timeout by an ev_timer), so every
 * handler runs on the loop and reads the stats directly.
 *
 * Ownership: crowd_web_start returns a server the runner owns and frees
 * with crowd_web_free before the loop is destroyed.  The server borrows
 * the runner and its options; it owns its listening socket, the MHD
 * daemon, the cached /stats/requests body and the host strings given to
 * /swarm (users borrow them until the server is freed).  The charts, the
 * CSV downloads and /stats/report come from the runner's file reports
 * (reports.h): one history, the same writers as --csv and --html.
 */
#ifndef CROWD_WEBUI_H
#define CROWD_WEBUI_H

#include <stdio.h>

struct crowd_runner;
typedef struct crowd_web crowd_web;

/* Bind --web-host:--web-port and serve.  Returns NULL after printing on err
 * why not (the port is taken, a bad --web-auth or TLS file...). */
crowd_web *crowd_web_start(struct crowd_runner *r, FILE *err);
void crowd_web_free(crowd_web *w);

/* The runner started, changed or stopped a test: cached views are stale. */
void crowd_web_changed(crowd_web *w);

/* The three above, for crowd_runner_web (runner.h). */
struct crowd_runner_web_ops;
extern const struct crowd_runner_web_ops crowd_web_ops;

#endif
