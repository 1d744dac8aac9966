/* upload.h — request bodies from files, and multipart/form-data bodies
 * (:body (file ...), :multipart {...}; crowd.h declares the crowd_req_*
 * calls generated code makes).
 *
 * A multipart body is built into the request's body buffer, part by part,
 * with one boundary for the whole run: both clients send the same bytes.
 *
 * Ownership: the module owns the files' bytes.  crowd_uploads_load (from
 * crowd_main, before any user starts and before --processes forks) reads
 * every (file ...) of the scenario once; afterwards only the event loop's
 * thread reads them, copying them into request bodies; crowd_uploads_free
 * releases them at the end.
 */
#ifndef CROWD_UPLOAD_H
#define CROWD_UPLOAD_H

#include <stdio.h>

#include <crowd/crowd.h>

#include "request.h"

/* Read every file of sc->uploads (a relative path from the scenario's
 * directory).  Returns 0, or -1 after printing "crowd: error: ..." to err
 * (a missing, unreadable or too large file). */
int crowd_uploads_load(const crowd_scenario_desc *sc, FILE *err);
void crowd_uploads_free(void);

/* The closing boundary of a multipart body (crowd_req_send).  0, or -1
 * when out of memory. */
int crowd_upload_multipart_end(crowd_request *r);

/* The run's multipart boundary (made on first use). */
const char *crowd_upload_boundary(void);

#endif
