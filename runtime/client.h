/* client.h — the interface every HTTP client implements.
 *
 * The scheduler, the stats and the generated code know only this: a client
 * engine per process (bound to the event loop), a connection per user (so
 * keep-alive and cookies are per user, as in Locust), and requests that
 * complete asynchronously through crowd_request_done().
 *
 * Ownership: the user owns its crowd_request (request.h) and its connection;
 * the client borrows the request from start() until it calls
 * crowd_request_done() exactly once, or until cancel() returns.
 */
#ifndef CROWD_CLIENT_H
#define CROWD_CLIENT_H

#include <ev.h>

struct crowd_request;

typedef struct crowd_client_ops {
  const char *name; /* "http", "fast" */
  /* One engine per process, driven by loop. */
  void *(*engine_new)(struct ev_loop *loop);
  void (*engine_free)(void *engine);
  /* One connection per user. */
  void *(*conn_new)(void *engine);
  void (*conn_free)(void *conn);
  /* Start sending req; returns 0, or -1 when it could not even start (then
   * the client has already called crowd_request_done with the error). */
  int (*start)(void *conn, struct crowd_request *req);
  /* Abandon the request in flight, if any, without calling done. */
  void (*cancel)(void *conn);
} crowd_client_ops;

extern const crowd_client_ops crowd_client_curl; /* "http": libcurl */
extern const crowd_client_ops crowd_client_fast; /* "fast": HTTP/1.1 on sockets */

#endif
