/* fast_parse.h — the response side of the `fast` client: bytes from the
 * socket in, a filled crowd_request out, through Debian's libhttp-parser.
 *
 * Knows nothing of sockets, so the unit tests feed it byte arrays (split
 * reads, several responses in one buffer, malformed input).  Handles
 * content-length, chunked and read-until-close bodies, 1xx responses before
 * the final one, HEAD and 204/304 without a body, a cap on header bytes,
 * and gzip/deflate/br bodies when the response is kept (request.h:
 * keep_response), otherwise only counts them.
 *
 * With track set (the client keeps cookies or follows redirects), it also
 * collects the final response's Set-Cookie values and its Location,
 * whether or not the response is kept.
 *
 * Ownership: a crowd_fast_resp lives inside its connection and borrows the
 * crowd_request between crowd_fast_resp_begin and the DONE or ERROR result;
 * it owns its zlib stream (allocated at the first compressed kept body,
 * reused after), its brotli decoder (one per brotli body) and its cookies
 * and location buffers, freed by crowd_fast_resp_free.
 */
#ifndef CROWD_FAST_PARSE_H
#define CROWD_FAST_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>

#include "request.h"

/* The most header bytes (status line, headers, trailers) a response may have. */
#define CROWD_FAST_HEADER_CAP (64u * 1024u)

typedef enum crowd_fast_result {
  CROWD_FAST_MORE = 0, /* the response is not complete yet */
  CROWD_FAST_DONE,     /* complete: req->status and friends are filled */
  CROWD_FAST_ERROR     /* malformed: req->error says why; close the connection */
} crowd_fast_result;

typedef struct crowd_fast_resp {
  http_parser parser;
  crowd_request *req;
  uint64_t received;   /* bytes fed since begin, 1xx responses included */
  uint32_t hdr_bytes;  /* header bytes of the current message */
  unsigned head : 1;   /* the request was HEAD: no body follows */
  unsigned done : 1;
  unsigned keep_alive : 1; /* the server keeps the connection open */
  unsigned informational : 1; /* the current message is a 1xx */
  unsigned too_large : 1;
  unsigned bad_body : 1;   /* a compressed body did not decode */
  unsigned hstate : 2;     /* kept headers: 0 none, 1 in a name, 2 in a value */
  unsigned encoding : 2;   /* kept body: 0 identity, 1 gzip, 2 deflate, 3 br */
  unsigned z_started : 1;  /* the decoder has seen the first bytes of this body */
  unsigned zhead_len : 2;  /* deflate: how many of its first two bytes wait */
  unsigned char zhead[2];
  void *z;                 /* z_stream, or NULL */
  void *br;                /* BrotliDecoderState of the body being decoded, or NULL */
  /* Set-Cookie and Location, when track is set (set it after begin) */
  unsigned track : 1;
  unsigned mstate : 2;     /* 0 none, 1 in a header name, 2 in its value */
  unsigned mwant : 2;      /* the value collected: 0 none, 1 Set-Cookie, 2 Location */
  unsigned char mname_len; /* bytes of the name seen (saturates past mname) */
  char mname[10];
  crowd_buf cookies;       /* each Set-Cookie value, NUL-terminated */
  int ncookies;
  crowd_buf location;      /* the Location value, NUL-terminated; len 0: none */
} crowd_fast_resp;

/* Start reading the response to req (head: req was a HEAD request). */
void crowd_fast_resp_begin(crowd_fast_resp *r, crowd_request *req, int head);
/* Feed len bytes; *used says how many belong to this response (on DONE,
 * bytes after them are not part of it). */
crowd_fast_result crowd_fast_resp_feed(crowd_fast_resp *r, const char *p, size_t len, size_t *used);
/* The server closed the connection: DONE when the body ran until the close,
 * else ERROR with a message. */
crowd_fast_result crowd_fast_resp_eof(crowd_fast_resp *r);
void crowd_fast_resp_free(crowd_fast_resp *r);

#endif
