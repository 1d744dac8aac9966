#include "config.h"

/* The response side of the `fast` client (see fast_parse.h).
 *
 * http_parser calls back per piece of the response; the callbacks fill the
 * request and set flags, and crowd_fast_resp_feed turns the flags into one
 * result after http_parser_execute returns, so nothing runs inside the
 * parser's stack but these few lines.  On the final message's end the parser
 * is paused: bytes after it are the caller's business (a server that sends
 * more than one response per request is out of step, and the connection
 * closes).
 */

#include "fast_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <brotli/decode.h>
#include <zlib.h>

enum { HS_NONE = 0, HS_NAME, HS_VALUE };
enum { ENC_IDENTITY = 0, ENC_GZIP, ENC_DEFLATE, ENC_BROTLI };

static crowd_fast_resp *resp_of(http_parser *p)
{
  return p->data;
}

/* ---- keeping the response --------------------------------------------------- */

/* End the header being kept: "Name: value\0". */
static void keep_header_end(crowd_fast_resp *r)
{
  crowd_request *req = r->req;
  int rc = 0;
  if (r->hstate == HS_NAME)
    rc |= crowd_buf_add(&req->resp_headers, ": ", 2);
  if (r->hstate != HS_NONE) {
    rc |= crowd_buf_addc(&req->resp_headers, '\0');
    if (rc == 0)
      req->nresp_headers++;
  }
  r->hstate = HS_NONE;
}

static void keep_reset(crowd_request *req)
{
  crowd_buf_reset(&req->resp_headers);
  req->nresp_headers = 0;
  crowd_buf_reset(&req->resp_body);
  req->resp_truncated = 0;
}

/* The kept body's Content-Encoding: gzip, deflate and br are decoded. */
static int kept_encoding(const crowd_request *req)
{
  static const char name[] = "content-encoding:";
  const char *h = req->resp_headers.p;
  for (int i = 0; i < req->nresp_headers && h; i++) {
    size_t len = strlen(h);
    if (len >= sizeof name - 1 && strncasecmp(h, name, sizeof name - 1) == 0) {
      const char *v = h + sizeof name - 1;
      v += strspn(v, " \t");
      if (strncasecmp(v, "gzip", 4) == 0 || strncasecmp(v, "x-gzip", 6) == 0)
        return ENC_GZIP;
      if (strncasecmp(v, "deflate", 7) == 0)
        return ENC_DEFLATE;
      if (strncasecmp(v, "br", 2) == 0 && (v[2] == '\0' || strchr(" \t,;", v[2])))
        return ENC_BROTLI;
    }
    h += len + 1;
  }
  return ENC_IDENTITY;
}

/* Inflate a piece of the body into resp_body. */
static void inflate_piece(crowd_fast_resp *r, const unsigned char *p, size_t len)
{
  z_stream *z = r->z;
  unsigned char out[16384];
  z->next_in = (Bytef *)(uintptr_t)p;
  z->avail_in = (uInt)len;
  while (z->avail_in > 0 && !r->bad_body) {
    z->next_out = out;
    z->avail_out = sizeof out;
    int rc = inflate(z, Z_NO_FLUSH);
    crowd_request_keep_body(r->req, (const char *)out, sizeof out - z->avail_out);
    if (rc == Z_STREAM_END)
      return; /* bytes after the stream's end are ignored */
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && z->avail_out == 0))
      r->bad_body = 1;
  }
}

/* Decode a piece of a gzip or deflate body into resp_body.  For gzip, zlib
 * reads the gzip (or zlib) wrapper itself.  "deflate" is meant to be
 * zlib-wrapped, but some servers send raw deflate: its first two bytes tell
 * (a zlib header is a multiple of 31), so they wait in zhead until both came. */
static void body_inflate(crowd_fast_resp *r, const char *p, size_t len)
{
  const unsigned char *up = (const unsigned char *)p;
  if (r->z == NULL) {
    z_stream *z = calloc(1, sizeof *z);
    if (z == NULL || inflateInit2(z, 15 + 32) != Z_OK) {
      free(z);
      r->bad_body = 1;
      return;
    }
    r->z = z;
  }
  if (!r->z_started) {
    int wbits = 15 + 32;
    if (r->encoding == ENC_DEFLATE) {
      while (r->zhead_len < 2 && len > 0) {
        r->zhead[r->zhead_len++] = *up++;
        len--;
      }
      if (r->zhead_len < 2)
        return;
      unsigned b0 = r->zhead[0], b1 = r->zhead[1];
      wbits = (b0 & 0x0f) == 8 && (b0 * 256 + b1) % 31 == 0 ? 15 : -15;
    }
    if (inflateReset2(r->z, wbits) != Z_OK) {
      r->bad_body = 1;
      return;
    }
    r->z_started = 1;
    if (r->encoding == ENC_DEFLATE)
      inflate_piece(r, r->zhead, 2);
  }
  if (len > 0)
    inflate_piece(r, up, len);
}

static void brotli_end(crowd_fast_resp *r)
{
  if (r->br) {
    BrotliDecoderDestroyInstance(r->br);
    r->br = NULL;
  }
}

/* Decode a piece of a brotli body into resp_body.  A brotli decoder cannot
 * be reset: one per body, created at its first bytes and destroyed at the
 * stream's end (bytes after it are ignored, as for gzip). */
static void body_brotli(crowd_fast_resp *r, const char *p, size_t len)
{
  if (!r->z_started) {
    brotli_end(r);
    r->br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    r->z_started = 1;
    if (r->br == NULL) {
      r->bad_body = 1;
      return;
    }
  }
  if (r->br == NULL)
    return; /* the stream has ended, or its decoder could not be made */
  const uint8_t *in = (const uint8_t *)p;
  size_t avail_in = len;
  uint8_t out[16384];
  while (!r->bad_body) {
    uint8_t *next_out = out;
    size_t avail_out = sizeof out;
    BrotliDecoderResult rc = BrotliDecoderDecompressStream(r->br, &avail_in, &in, &avail_out, &next_out, NULL);
    crowd_request_keep_body(r->req, (const char *)out, sizeof out - avail_out);
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
      brotli_end(r);
      return;
    }
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
      return;
    if (rc == BROTLI_DECODER_RESULT_ERROR)
      r->bad_body = 1;
  }
}

/* ---- Set-Cookie and Location ------------------------------------------------- */

static void meta_reset(crowd_fast_resp *r)
{
  crowd_buf_reset(&r->cookies);
  r->ncookies = 0;
  crowd_buf_reset(&r->location);
  r->mstate = 0;
  r->mwant = 0;
}

/* The end of a collected value. */
static int meta_end(crowd_fast_resp *r)
{
  int rc = 0;
  if (r->mwant == 1) {
    rc = crowd_buf_addc(&r->cookies, '\0');
    if (rc == 0)
      r->ncookies++;
  } else if (r->mwant == 2) {
    rc = crowd_buf_addc(&r->location, '\0');
    if (rc == 0)
      r->location.len--; /* terminated, the NUL not counted */
  }
  r->mwant = 0;
  return rc;
}

static int meta_field(crowd_fast_resp *r, const char *at, size_t len)
{
  int rc = 0;
  if (r->mstate == 2)
    rc = meta_end(r);
  if (r->mstate != 1)
    r->mname_len = 0;
  for (size_t i = 0; i < len && r->mname_len <= sizeof r->mname; i++, r->mname_len++)
    if (r->mname_len < sizeof r->mname)
      r->mname[r->mname_len] = at[i];
  r->mstate = 1;
  return rc;
}

static int meta_value(crowd_fast_resp *r, const char *at, size_t len)
{
  if (r->mstate == 1) {
    if (r->mname_len == 10 && strncasecmp(r->mname, "set-cookie", 10) == 0) {
      r->mwant = 1;
    } else if (r->mname_len == 8 && strncasecmp(r->mname, "location", 8) == 0) {
      r->mwant = 2;
      crowd_buf_reset(&r->location); /* the last one counts */
    }
    r->mstate = 2;
  }
  if (r->mwant == 1)
    return crowd_buf_add(&r->cookies, at, len);
  if (r->mwant == 2)
    return crowd_buf_add(&r->location, at, len);
  return 0;
}

/* ---- http_parser callbacks -------------------------------------------------- */

static int count_header_bytes(crowd_fast_resp *r, size_t len)
{
  r->hdr_bytes += (uint32_t)(len < CROWD_FAST_HEADER_CAP ? len : CROWD_FAST_HEADER_CAP);
  if (r->hdr_bytes > CROWD_FAST_HEADER_CAP) {
    r->too_large = 1;
    return -1; /* stops the parser */
  }
  return 0;
}

static int on_message_begin(http_parser *p)
{
  crowd_fast_resp *r = resp_of(p);
  r->hdr_bytes = 0;
  r->hstate = HS_NONE;
  r->informational = 0;
  if (r->req->keep_response)
    keep_reset(r->req); /* a final response after a 1xx: its headers only */
  if (r->track)
    meta_reset(r);
  return 0;
}

static int on_status(http_parser *p, const char *at, size_t len)
{
  return count_header_bytes(resp_of(p), len + 16); /* "HTTP/1.1 200 " and CRLF */
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
  crowd_fast_resp *r = resp_of(p);
  if (count_header_bytes(r, len + 4) != 0) /* ": " and CRLF */
    return -1;
  if (r->track && meta_field(r, at, len) != 0)
    return -1;
  if (!r->req->keep_response)
    return 0;
  if (r->hstate == HS_VALUE)
    keep_header_end(r);
  r->hstate = HS_NAME;
  if (crowd_buf_add(&r->req->resp_headers, at, len) != 0)
    return -1;
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
  crowd_fast_resp *r = resp_of(p);
  if (count_header_bytes(r, len) != 0)
    return -1;
  if (r->track && meta_value(r, at, len) != 0)
    return -1;
  if (!r->req->keep_response)
    return 0;
  if (r->hstate == HS_NAME && crowd_buf_add(&r->req->resp_headers, ": ", 2) != 0)
    return -1;
  r->hstate = HS_VALUE;
  if (crowd_buf_add(&r->req->resp_headers, at, len) != 0)
    return -1;
  return 0;
}

/* Returning 1 tells http_parser that no body follows. */
static int on_headers_complete(http_parser *p)
{
  crowd_fast_resp *r = resp_of(p);
  unsigned status = p->status_code;
  if (r->req->keep_response)
    keep_header_end(r);
  if (r->track && r->mstate == 2 && meta_end(r) != 0)
    return -1;
  r->mstate = 0;
  if (status >= 100 && status < 200 && status != 101) {
    r->informational = 1; /* 100 Continue, 103 Early Hints...: skipped */
    return 0;
  }
  r->req->status = (long)status;
  if (r->req->keep_response) {
    r->encoding = (unsigned)kept_encoding(r->req);
    r->z_started = 0;
    r->zhead_len = 0;
  }
  /* 304 may announce the length of a body it does not send (RFC 9110) */
  if (r->head || status == 204 || status == 304)
    return 1;
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
  crowd_fast_resp *r = resp_of(p);
  if (r->informational)
    return 0;
  r->req->content_length += len;
  if (!r->req->keep_response)
    return 0;
  if (r->encoding == ENC_BROTLI)
    body_brotli(r, at, len);
  else if (r->encoding != ENC_IDENTITY)
    body_inflate(r, at, len);
  else
    crowd_request_keep_body(r->req, at, len);
  return 0;
}

static int on_message_complete(http_parser *p)
{
  crowd_fast_resp *r = resp_of(p);
  if (r->informational) { /* the final response follows */
    r->informational = 0;
    return 0;
  }
  if (r->req->keep_response)
    keep_header_end(r); /* the last trailer, if any */
  r->keep_alive = http_should_keep_alive(p) ? 1 : 0;
  r->done = 1;
  http_parser_pause(p, 1); /* whatever follows is not ours */
  return 0;
}

static const http_parser_settings resp_settings = {
  .on_message_begin = on_message_begin,
  .on_status = on_status,
  .on_header_field = on_header_field,
  .on_header_value = on_header_value,
  .on_headers_complete = on_headers_complete,
  .on_body = on_body,
  .on_message_complete = on_message_complete,
};

/* ---- the interface ------------------------------------------------------------ */

void crowd_fast_resp_begin(crowd_fast_resp *r, crowd_request *req, int head)
{
  http_parser_init(&r->parser, HTTP_RESPONSE);
  r->parser.data = r;
  r->req = req;
  r->received = 0;
  r->hdr_bytes = 0;
  r->head = head ? 1 : 0;
  r->done = r->keep_alive = r->informational = r->too_large = r->bad_body = 0;
  r->hstate = HS_NONE;
  r->encoding = ENC_IDENTITY;
  r->z_started = 0;
  r->zhead_len = 0;
  r->track = 0;
  meta_reset(r);
  req->status = 0;
  req->content_length = 0;
  if (req->keep_response)
    keep_reset(req);
}

static crowd_fast_result resp_error(crowd_fast_resp *r, const char *what)
{
  snprintf(r->req->error, sizeof r->req->error, "%s", what);
  r->keep_alive = 0;
  return CROWD_FAST_ERROR;
}

/* The result once the parser has stopped or run out of input. */
static crowd_fast_result resp_result(crowd_fast_resp *r)
{
  enum http_errno err = HTTP_PARSER_ERRNO(&r->parser);
  if (r->done) {
    if (err == HPE_PAUSED)
      http_parser_pause(&r->parser, 0);
    if (r->bad_body)
      return resp_error(r, "malformed response: the compressed body does not decode");
    return CROWD_FAST_DONE;
  }
  if (r->too_large)
    return resp_error(r, "response headers too large");
  if (err != HPE_OK) {
    char msg[160];
    snprintf(msg, sizeof msg, "malformed response: %s", http_errno_description(err));
    return resp_error(r, msg);
  }
  if (r->parser.upgrade) { /* 101 Switching Protocols: nothing more is HTTP */
    r->done = 1;
    r->keep_alive = 0;
    return CROWD_FAST_DONE;
  }
  return CROWD_FAST_MORE;
}

crowd_fast_result crowd_fast_resp_feed(crowd_fast_resp *r, const char *p, size_t len, size_t *used)
{
  if (r->done) {
    *used = 0;
    return CROWD_FAST_DONE;
  }
  r->received += len;
  *used = http_parser_execute(&r->parser, &resp_settings, p, len);
  return resp_result(r);
}

crowd_fast_result crowd_fast_resp_eof(crowd_fast_resp *r)
{
  if (r->done)
    return CROWD_FAST_DONE;
  if (r->received == 0)
    return resp_error(r, "Server closed the connection");
  if (HTTP_PARSER_ERRNO(&r->parser) == HPE_OK)
    http_parser_execute(&r->parser, &resp_settings, NULL, 0); /* the body may run until the close */
  if (r->done) {
    r->keep_alive = 0;
    return resp_result(r);
  }
  return resp_error(r, "Server closed the connection before the end of the response");
}

void crowd_fast_resp_free(crowd_fast_resp *r)
{
  crowd_buf_free(&r->cookies);
  crowd_buf_free(&r->location);
  if (r->z) {
    inflateEnd(r->z);
    free(r->z);
    r->z = NULL;
  }
  brotli_end(r);
}
