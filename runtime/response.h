/* response.h — response blocks: checks (expect, success, failure) and
 * saves, evaluated over a response the client kept (request.h).
 *
 * crowd_req_response and crowd_resp_check (crowd.h) are what generated code
 * calls; the functions below are their parts, for the unit tests.
 *
 * Ownership: everything reads the user's crowd_request and borrows the
 * static tables of the block; a save writes the user's variable slot (the
 * user owns the value).  A parsed JSON body lives only during one
 * evaluation; compiled regular expressions live as long as the process.
 */
#ifndef CROWD_RESPONSE_H
#define CROWD_RESPONSE_H

#include <stddef.h>

#include <crowd/crowd.h>

#include "request.h"

/* The longest message a failed check gives. */
enum { CROWD_RESP_MSG_MAX = 256 };

/* Evaluate block d over u's response: msg gets the failure that the
 * request is recorded with ("" when it succeeded).  Returns 0, or -1 when
 * a save failed (the task stops). */
int crowd_resp_eval(crowd_user *u, const crowd_resp_desc *d, char *msg, size_t size);

/* The value of the first response header called name (any case): 0 and
 * *p, *len, or -1 when there is none.  The value is NUL-terminated. */
int crowd_resp_header(const crowd_request *req, const char *name, const char **p, size_t *len);
/* The value of the cookie called name that the response sets: 0 and *p,
 * *len (not NUL-terminated), or -1. */
int crowd_resp_cookie(const crowd_request *req, const char *name, const char **p, size_t *len);

#endif
