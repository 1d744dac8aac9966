/* request.h — one HTTP request as the scenario built it, and its result.
 *
 * Each user owns one crowd_request and reuses its buffers from request to
 * request (no allocation per request once they have grown).  Generated code
 * fills it through crowd_req_* (crowd.h); a client (client.h) sends it and
 * fills in the result, then calls crowd_request_done().
 */
#ifndef CROWD_REQUEST_H
#define CROWD_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <crowd/crowd.h>

#include "measure.h"

typedef struct crowd_buf {
  char *p;
  size_t len, cap;
} crowd_buf;

void crowd_buf_reset(crowd_buf *b);
int crowd_buf_add(crowd_buf *b, const char *p, size_t len);   /* 0 or -1 (no memory) */
int crowd_buf_addc(crowd_buf *b, char c);
int crowd_buf_printf(crowd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int crowd_buf_add_val(crowd_buf *b, const crowd_val *v);      /* the value as text */
int crowd_buf_add_urlenc(crowd_buf *b, const char *p, size_t len);
int crowd_buf_add_json_val(crowd_buf *b, const crowd_val *v);   /* as JSON: "text", 1, 2.5, null */
void crowd_buf_free(crowd_buf *b);

/* A request body buffer that grew beyond this is released before the next
 * request (a big upload is built per request, not kept by every user). */
#define CROWD_BODY_KEEP (1u << 20)

struct crowd_cert;

/* The most of a response body kept for checks and saves. */
#define CROWD_BODY_CAP (16u * 1024u * 1024u)

typedef struct crowd_request {
  crowd_method method;
  const char *site;          /* "file:line:col" of the request form */
  crowd_buf url;             /* absolute URL, NUL-terminated */
  crowd_buf name;            /* stats entry name, NUL-terminated */
  size_t path_start;         /* where the path begins in url */
  int has_query;             /* url already holds a '?' */
  crowd_buf headers;         /* "Key: value\0Key: value\0" */
  int nheaders;
  crowd_buf body;
  const char *content_type;  /* static, or NULL */
  double timeout;            /* seconds; 0 = the default */
  unsigned flags;            /* CROWD_REQ_NO_REDIRECTS, ... (crowd.h) */
  int multipart;             /* body holds multipart parts: crowd_req_send closes it */
  const struct crowd_cert *cert; /* the user's client certificate (client_cert.h), or NULL */

  /* result, filled by the client */
  long status;               /* HTTP status, 0 when none arrived */
  uint64_t response_us;      /* monotonic time from send to the end of the body */
  uint64_t content_length;   /* body bytes received */
  crowd_timing timing;       /* DNS, connect, TLS, first byte (measure.h), when measured */
  char error[256];           /* empty on success */

  /* The response itself, kept only when a check or a save needs it: the
   * runtime sets keep_response before start(); the client then fills
   * resp_headers ("Name: value\0" per header, as received, count in
   * nresp_headers) and resp_body (the decoded body, at most CROWD_BODY_CAP
   * bytes; resp_truncated says when more arrived).  The buffers belong to
   * the request and are reused. */
  int keep_response;
  crowd_buf resp_headers;
  int nresp_headers;
  crowd_buf resp_body;
  int resp_truncated;

  void *user;                /* the crowd_user that owns it */
} crowd_request;

const char *crowd_method_name(crowd_method m);

/* Clients: keep n more bytes of the body for a response block, up to
 * CROWD_BODY_CAP (beyond it, or out of memory: resp_truncated). */
void crowd_request_keep_body(crowd_request *req, const char *p, size_t n);

/* Called by the client exactly once per started request.  A request with a
 * response block (crowd_req_response) is recorded later, by
 * crowd_resp_check; any other is recorded here. */
void crowd_request_done(crowd_request *req);
/* Record the request in the statistics: failed with err, or succeeded
 * (err NULL). */
void crowd_request_record(crowd_request *req, const char *err);
/* The failure that the request's outcome alone gives (a transport error,
 * "HTTP 404"), or NULL; buf (32 bytes or more) may hold the text. */
const char *crowd_request_default_error(const crowd_request *req, char *buf, size_t size);

#endif
