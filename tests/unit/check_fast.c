/* check_fast.c — the `fast` HTTP client.
 *
 * First the response parser (runtime/fast_parse.c) fed byte arrays: bodies
 * by content-length, chunked (extensions, trailers) and until the close,
 * several responses in one buffer, one byte at a time, 1xx before the final
 * response, HEAD and 204/304 without a body, gzip and deflate bodies, and
 * malformed input (bad status line, bad chunk size, oversized headers).
 * Then whole connections (runtime/client_fast.c) against a server thread on
 * loopback that answers each request with a scripted reply: keep-alive,
 * reconnects, a close mid-body, timeouts, refused connections, IPv6, TLS
 * with a certificate made here, and no file descriptor left open.  Last
 * the cookie jar (runtime/fast_cookie.c) alone, and cookies and redirects
 * on a connection.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <crowd/crowd.h>

#include "runtime/client.h"
#include "runtime/clock.h"
#include "runtime/fast_cookie.h"
#include "runtime/fast_parse.h"
#include "runtime/request.h"
#include "runtime/user.h"

/* ---- the parser, fed byte arrays ------------------------------------------------ */

static crowd_request preq;
static crowd_fast_resp presp;

static void parse_setup(void)
{
  memset(&preq, 0, sizeof preq);
  memset(&presp, 0, sizeof presp);
}

static void parse_teardown(void)
{
  crowd_fast_resp_free(&presp);
  crowd_buf_free(&preq.resp_headers);
  crowd_buf_free(&preq.resp_body);
}

/* Feed s (len bytes) step bytes at a time until a result; *used: the bytes
 * of s that belong to the response. */
static crowd_fast_result feed_steps(const char *s, size_t len, size_t step, size_t *used)
{
  size_t off = 0;
  crowd_fast_result r = CROWD_FAST_MORE;
  while (off < len && r == CROWD_FAST_MORE) {
    size_t n = len - off < step ? len - off : step, u = 0;
    r = crowd_fast_resp_feed(&presp, s + off, n, &u);
    off += r == CROWD_FAST_MORE ? n : u;
  }
  if (used)
    *used = off;
  return r;
}

static crowd_fast_result parse(const char *s, int head, int keep, size_t step)
{
  preq.keep_response = keep;
  crowd_fast_resp_begin(&presp, &preq, head);
  return feed_steps(s, strlen(s), step, NULL);
}

START_TEST(test_content_length)
{
  static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello";
  ck_assert_int_eq(parse(r, 0, 1, 4096), CROWD_FAST_DONE);
  ck_assert_int_eq(preq.status, 200);
  ck_assert_uint_eq(preq.content_length, 5);
  ck_assert_int_eq(presp.keep_alive, 1);
  ck_assert_str_eq(preq.resp_body.p, "hello");
  ck_assert_int_eq(preq.nresp_headers, 2);
  ck_assert_mem_eq(preq.resp_headers.p, "Content-Length: 5\0X-A: 1\0", 26);
}
END_TEST

START_TEST(test_content_length_not_kept)
{
  static const char r[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop";
  preq.resp_body.len = 0;
  ck_assert_int_eq(parse(r, 0, 0, 4096), CROWD_FAST_DONE);
  ck_assert_int_eq(preq.status, 404);
  ck_assert_uint_eq(preq.content_length, 3);
  ck_assert_ptr_null(preq.resp_body.p); /* counted, not kept */
}
END_TEST

static const char chunked[] =
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
  "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";

START_TEST(test_chunked)
{
  ck_assert_int_eq(parse(chunked, 0, 1, 4096), CROWD_FAST_DONE);
  ck_assert_int_eq(preq.status, 200);
  ck_assert_uint_eq(preq.content_length, 11);
  ck_assert_str_eq(preq.resp_body.p, "hello world");
  ck_assert_int_eq(presp.keep_alive, 1);
  /* the trailer is kept after the headers, as curl reports it */
  ck_assert_int_eq(preq.nresp_headers, 2);
}
END_TEST

START_TEST(test_split_reads)
{
  /* every response of this file, one byte at a time */
  ck_assert_int_eq(parse(chunked, 0, 1, 1), CROWD_FAST_DONE);
  ck_assert_str_eq(preq.resp_body.p, "hello world");
  ck_assert_int_eq(preq.nresp_headers, 2);
  ck_assert_mem_eq(preq.resp_headers.p, "Transfer-Encoding: chunked\0X-Trailer: t\0", 41);
  static const char r[] = "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nabcd";
  ck_assert_int_eq(parse(r, 0, 1, 1), CROWD_FAST_DONE);
  ck_assert_int_eq(preq.status, 201);
  ck_assert_str_eq(preq.resp_body.p, "abcd");
}
END_TEST

START_TEST(test_two_responses_in_one_read)
{
  static const char first[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  static const char both[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                             "HTTP/1.1 500 Oops\r\nContent-Length: 3\r\n\r\nbad";
  size_t used = 0;
  preq.keep_response = 1;
  crowd_fast_resp_begin(&presp, &preq, 0);
  ck_assert_int_eq(crowd_fast_resp_feed(&presp, both, sizeof both - 1, &used), CROWD_FAST_DONE);
  ck_assert_uint_eq(used, sizeof first - 1); /* the rest is not this response's */
  ck_assert_int_eq(preq.status, 200);
  ck_assert_str_eq(preq.resp_body.p, "ok");
  /* the second one parses on its own (the client closes such a connection) */
  crowd_fast_resp_begin(&presp, &preq, 0);
  ck_assert_int_eq(feed_steps(both + used, sizeof both - 1 - used, 4096, NULL), CROWD_FAST_DONE);
  ck_assert_int_eq(preq.status, 500);
  ck_assert_str_eq(preq.resp_body.p, "bad");
}
END_TEST

START_TEST(test_close_mid_body)
{
  ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, 0, 4096), CROWD_FAST_MORE);
  ck_assert_int_eq(crowd_fast_resp_eof(&presp), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "Server closed the connection before the end of the response");
  ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, 0, 4096),
                   CROWD_FAST_MORE);
  ck_assert_int_eq(crowd_fast_resp_eof(&presp), CROWD_FAST_ERROR);
  /* nothing at all */
  crowd_fast_resp_begin(&presp, &preq, 0);
  ck_assert_int_eq(crowd_fast_resp_eof(&presp), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "Server closed the connection");
}
END_TEST

START_TEST(test_body_until_close)
{
  ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\n\r\nuntil the end", 0, 1, 4096), CROWD_FAST_MORE);
  ck_assert_int_eq(crowd_fast_resp_eof(&presp), CROWD_FAST_DONE);
  ck_assert_str_eq(preq.resp_body.p, "until the end");
  ck_assert_int_eq(presp.keep_alive, 0);
}
END_TEST

START_TEST(test_informational)
{
  static const char r[] = "HTTP/1.1 100 Continue\r\n\r\n"
                          "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  for (size_t step = 1; step <= 4096; step *= 4096) {
    ck_assert_int_eq(parse(r, 0, 1, step), CROWD_FAST_DONE);
    ck_assert_int_eq(preq.status, 200);
    ck_assert_str_eq(preq.resp_body.p, "ok");
    ck_assert_uint_eq(preq.content_length, 2);
    ck_assert_int_eq(preq.nresp_headers, 1); /* the final response's only */
    ck_assert_str_eq(preq.resp_headers.p, "Content-Length: 2");
  }
}
END_TEST

START_TEST(test_head)
{
  static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  static const char next[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  size_t used;
  preq.keep_response = 0;
  crowd_fast_resp_begin(&presp, &preq, 1);
  ck_assert_int_eq(crowd_fast_resp_feed(&presp, next, sizeof next - 1, &used), CROWD_FAST_DONE);
  ck_assert_uint_eq(used, sizeof r - 1);
  ck_assert_int_eq(preq.status, 200);
  ck_assert_uint_eq(preq.content_length, 0);
  ck_assert_int_eq(presp.keep_alive, 1);
}
END_TEST

START_TEST(test_no_body_statuses)
{
  ck_assert_int_eq(parse("HTTP/1.1 204 No Content\r\n\r\n", 0, 1, 4096), CROWD_FAST_DONE);
  ck_assert_int_eq(preq.status, 204);
  ck_assert_int_eq(presp.keep_alive, 1);
  /* a 304 may give the length of the body it does not send */
  ck_assert_int_eq(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", 0, 1, 4096),
                   CROWD_FAST_DONE);
  ck_assert_int_eq(preq.status, 304);
  ck_assert_uint_eq(preq.content_length, 0);
  ck_assert_int_eq(presp.keep_alive, 1);
}
END_TEST

START_TEST(test_keep_alive_flags)
{
  ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0, 0, 4096),
                   CROWD_FAST_DONE);
  ck_assert_int_eq(presp.keep_alive, 0);
  ck_assert_int_eq(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, 4096), CROWD_FAST_DONE);
  ck_assert_int_eq(presp.keep_alive, 0);
  ck_assert_int_eq(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 0, 0, 4096),
                   CROWD_FAST_DONE);
  ck_assert_int_eq(presp.keep_alive, 1);
}
END_TEST

/* A response whose body is text compressed with windowBits wbits. */
static char *compressed_response(const char *encoding, const char *text, int wbits, size_t *len,
                                 size_t *zlen)
{
  unsigned char z[512];
  z_stream s;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(deflateInit2(&s, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  s.next_in = (Bytef *)(uintptr_t)text;
  s.avail_in = (uInt)strlen(text);
  s.next_out = z;
  s.avail_out = sizeof z;
  ck_assert_int_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
  *zlen = sizeof z - s.avail_out;
  deflateEnd(&s);
  char *out = malloc(1024);
  ck_assert_ptr_nonnull(out);
  int n = snprintf(out, 1024, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
                   encoding, *zlen);
  memcpy(out + n, z, *zlen);
  *len = (size_t)n + *zlen;
  return out;
}

START_TEST(test_gzip_body)
{
  static const char text[] = "a gzip body, a gzip body, a gzip body, a gzip body";
  static const struct { const char *enc; int wbits; } cases[] = {
    { "gzip", 15 + 16 }, { "deflate", 15 }, { "deflate", -15 }, /* raw, as some servers send */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len, zlen, used;
    char *r = compressed_response(cases[i].enc, text, cases[i].wbits, &len, &zlen);
    for (size_t step = 1; step <= 4096; step *= 4096) {
      preq.keep_response = 1;
      crowd_fast_resp_begin(&presp, &preq, 0);
      crowd_fast_result res = feed_steps(r, len, step, &used);
      ck_assert_msg(res == CROWD_FAST_DONE, "%s, step %zu: %d %s", cases[i].enc, step, res, preq.error);
      ck_assert_str_eq(preq.resp_body.p, text);
      ck_assert_uint_eq(preq.content_length, zlen); /* bytes as they came */
    }
    /* not kept: only counted */
    preq.keep_response = 0;
    crowd_fast_resp_begin(&presp, &preq, 0);
    crowd_buf_reset(&preq.resp_body);
    ck_assert_int_eq(feed_steps(r, len, 4096, &used), CROWD_FAST_DONE);
    ck_assert_uint_eq(preq.resp_body.len, 0);
    ck_assert_uint_eq(preq.content_length, zlen);
    free(r);
  }
  /* a body that says gzip and is not */
  ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!", 0, 1,
                         4096), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "malformed response: the compressed body does not decode");
}
END_TEST

/* Content-Encoding: br, compressed here with libbrotlienc, fed whole and
 * byte by byte; bytes that are not brotli fail. */
START_TEST(test_brotli_body)
{
  static const char text[] = "a brotli body, a brotli body, a brotli body, a brotli body";
  uint8_t z[512];
  size_t zlen = sizeof z;
  ck_assert_int_eq(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, strlen(text),
                                         (const uint8_t *)text, &zlen, z), BROTLI_TRUE);
  char r[1024];
  int n = snprintf(r, sizeof r, "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: %zu\r\n\r\n", zlen);
  ck_assert_uint_lt((size_t)n + zlen, sizeof r);
  memcpy(r + n, z, zlen);
  size_t len = (size_t)n + zlen, used;
  for (int round = 0; round < 2; round++) /* a second body on a reused resp: a fresh decoder */
    for (size_t step = 1; step <= 4096; step *= 4096) {
      preq.keep_response = 1;
      crowd_fast_resp_begin(&presp, &preq, 0);
      crowd_fast_result res = feed_steps(r, len, step, &used);
      ck_assert_msg(res == CROWD_FAST_DONE, "step %zu: %d %s", step, res, preq.error);
      ck_assert_uint_eq(used, len);
      ck_assert_str_eq(preq.resp_body.p, text);
      ck_assert_uint_eq(preq.content_length, zlen);
    }
  /* not kept: only counted */
  preq.keep_response = 0;
  crowd_fast_resp_begin(&presp, &preq, 0);
  crowd_buf_reset(&preq.resp_body);
  ck_assert_int_eq(feed_steps(r, len, 4096, &used), CROWD_FAST_DONE);
  ck_assert_uint_eq(preq.resp_body.len, 0);
  ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 9\r\n\r\nnot br!!!", 0, 1,
                         4096), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "malformed response: the compressed body does not decode");
}
END_TEST

START_TEST(test_malformed)
{
  static const char *const bad[] = {
    "HTTP/x.1 200 OK\r\n\r\n",
    "HTTP/1.1 2x0 OK\r\n\r\n",
    "garbage\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(parse(bad[i], 0, 0, 4096) == CROWD_FAST_ERROR, "%s", bad[i]);
    ck_assert_msg(strncmp(preq.error, "malformed response: ", 20) == 0, "%s", preq.error);
    ck_assert_int_eq(presp.keep_alive, 0);
  }
  ck_assert_int_eq(parse("HTTP/x.1 200 OK\r\n\r\n", 0, 0, 4096), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "malformed response: invalid HTTP version");
  ck_assert_int_eq(parse("HTTP/1.1 2x0 OK\r\n\r\n", 0, 0, 1), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "malformed response: invalid HTTP status code");
}
END_TEST

START_TEST(test_bad_chunk_size)
{
  static const char r[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
  ck_assert_int_eq(parse(r, 0, 1, 4096), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "malformed response: invalid character in chunk size header");
  ck_assert_int_eq(parse(r, 0, 1, 1), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "malformed response: invalid character in chunk size header");
}
END_TEST

START_TEST(test_oversized_headers)
{
  size_t n = 70 * 1024;
  char *r = malloc(n + 128);
  ck_assert_ptr_nonnull(r);
  int k = snprintf(r, 128, "HTTP/1.1 200 OK\r\nX-Big: ");
  memset(r + k, 'x', n);
  strcpy(r + k + n, "\r\nContent-Length: 0\r\n\r\n");
  ck_assert_int_eq(parse(r, 0, 1, 4096), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "response headers too large");
  /* many small ones add up the same way */
  size_t off = (size_t)snprintf(r, 64, "HTTP/1.1 200 OK\r\n");
  while (off < n)
    off += (size_t)snprintf(r + off, 64, "X-H: 0123456789\r\n");
  strcpy(r + off, "\r\n");
  ck_assert_int_eq(parse(r, 0, 0, 1000), CROWD_FAST_ERROR);
  ck_assert_str_eq(preq.error, "response headers too large");
  free(r);
}
END_TEST

START_TEST(test_body_cap)
{
  /* a kept body stops at CROWD_BODY_CAP and says so */
  preq.keep_response = 1;
  crowd_fast_resp_begin(&presp, &preq, 0);
  char head[96];
  uint64_t total = (uint64_t)CROWD_BODY_CAP + 10;
  int k = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\n\r\n",
                   (unsigned long long)total);
  size_t used;
  ck_assert_int_eq(crowd_fast_resp_feed(&presp, head, (size_t)k, &used), CROWD_FAST_MORE);
  static char chunk[65536];
  memset(chunk, 'b', sizeof chunk);
  uint64_t sent = 0;
  crowd_fast_result r = CROWD_FAST_MORE;
  while (sent < total && r == CROWD_FAST_MORE) {
    size_t n = total - sent < sizeof chunk ? (size_t)(total - sent) : sizeof chunk;
    r = crowd_fast_resp_feed(&presp, chunk, n, &used);
    sent += n;
  }
  ck_assert_int_eq(r, CROWD_FAST_DONE);
  ck_assert_uint_eq(preq.content_length, total);
  ck_assert_uint_eq(preq.resp_body.len, CROWD_BODY_CAP);
  ck_assert_int_eq(preq.resp_truncated, 1);
}
END_TEST

/* ---- a scripted server thread ----------------------------------------------------- */

typedef struct srv_reply {
  const char *bytes;   /* the reply, or NULL: never answer, wait for the close */
  size_t step;         /* write it this many bytes at a time (0: at once) */
  int close_after;     /* close the connection after it */
} srv_reply;

static struct {
  pthread_t thread;
  pthread_mutex_t lock;
  int lfd, port, v6, stop;
  SSL_CTX *tls;                 /* serve TLS with it, or NULL */
  const srv_reply *script;      /* reply i answers request i; the last repeats */
  int nscript;
  int nreq, naccept;
  char last[4096];              /* the last request, head and body */
  int open_conns;
} srv;

static int srv_io(SSL *ssl, int fd, char *buf, size_t len, int writing)
{
  if (ssl)
    return writing ? SSL_write(ssl, buf, (int)len) : SSL_read(ssl, buf, (int)len);
  return (int)(writing ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0));
}

/* Read one request (head and Content-Length body); 0 or -1 at the close. */
static int srv_read_request(SSL *ssl, int fd, char *buf, size_t size)
{
  size_t len = 0;
  char *end = NULL;
  while ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL) {
    if (len + 1 >= size)
      return -1;
    int n = srv_io(ssl, fd, buf + len, size - 1 - len, 0);
    if (n <= 0)
      return -1;
    len += (size_t)n;
  }
  buf[len] = '\0';
  size_t need = (size_t)(end + 4 - buf);
  const char *cl = strcasestr(buf, "\r\nContent-Length: ");
  if (cl && cl < end)
    need += strtoul(cl + 18, NULL, 10);
  while (len < need && len + 1 < size) {
    int n = srv_io(ssl, fd, buf + len, size - 1 - len, 0);
    if (n <= 0)
      return -1;
    len += (size_t)n;
  }
  buf[len] = '\0';
  return 0;
}

static void srv_serve(int fd)
{
  SSL *ssl = NULL;
  if (srv.tls) {
    ssl = SSL_new(srv.tls);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      SSL_free(ssl);
      return;
    }
  }
  char buf[4096];
  for (;;) {
    if (srv_read_request(ssl, fd, buf, sizeof buf) != 0)
      break;
    pthread_mutex_lock(&srv.lock);
    int i = srv.nreq < srv.nscript ? srv.nreq : srv.nscript - 1;
    srv.nreq++;
    snprintf(srv.last, sizeof srv.last, "%s", buf);
    srv_reply rep = srv.script[i];
    pthread_mutex_unlock(&srv.lock);
    if (rep.bytes == NULL) { /* wait for the client to give up */
      while (srv_io(ssl, fd, buf, sizeof buf, 0) > 0)
        ;
      break;
    }
    size_t len = strlen(rep.bytes), step = rep.step ? rep.step : len;
    for (size_t off = 0; off < len; off += step) {
      size_t n = len - off < step ? len - off : step;
      if (srv_io(ssl, fd, (char *)rep.bytes + off, n, 1) <= 0)
        break;
      if (rep.step)
        usleep(200); /* separate reads on the other side */
    }
    if (rep.close_after)
      break;
  }
  if (ssl)
    SSL_free(ssl);
}

static void *srv_main(void *arg)
{
  (void)arg;
  for (;;) {
    struct pollfd p = { srv.lfd, POLLIN, 0 };
    int rc = poll(&p, 1, 50);
    pthread_mutex_lock(&srv.lock);
    int stop = srv.stop;
    pthread_mutex_unlock(&srv.lock);
    if (stop)
      break;
    if (rc <= 0)
      continue;
    int fd = accept(srv.lfd, NULL, NULL);
    if (fd < 0)
      continue;
    pthread_mutex_lock(&srv.lock);
    srv.naccept++;
    srv.open_conns++;
    pthread_mutex_unlock(&srv.lock);
    srv_serve(fd);
    close(fd);
    pthread_mutex_lock(&srv.lock);
    srv.open_conns--;
    pthread_mutex_unlock(&srv.lock);
  }
  return NULL;
}

/* Listen on 127.0.0.1 (or ::1); -1 when that address is not there. */
static int srv_start(int v6)
{
  memset(&srv, 0, sizeof srv);
  pthread_mutex_init(&srv.lock, NULL);
  srv.v6 = v6;
  srv.lfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ck_assert_int_ge(srv.lfd, 0);
  int one = 1;
  setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof ss);
  if (v6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    sl = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sl = sizeof *a;
  }
  if (bind(srv.lfd, (struct sockaddr *)&ss, sl) != 0) {
    close(srv.lfd);
    return -1;
  }
  ck_assert_int_eq(listen(srv.lfd, 16), 0);
  ck_assert_int_eq(getsockname(srv.lfd, (struct sockaddr *)&ss, &sl), 0);
  srv.port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
  ck_assert_int_eq(pthread_create(&srv.thread, NULL, srv_main, NULL), 0);
  return 0;
}

static void client_reconnect(void);

/* Stop the server; the client's connection closes first (the server thread
 * serves one connection at a time, until its close). */
static void srv_stop(void)
{
  client_reconnect();
  pthread_mutex_lock(&srv.lock);
  srv.stop = 1;
  pthread_mutex_unlock(&srv.lock);
  pthread_join(srv.thread, NULL);
  close(srv.lfd);
}

static void srv_script(const srv_reply *script, int n)
{
  pthread_mutex_lock(&srv.lock);
  srv.script = script;
  srv.nscript = n;
  srv.nreq = 0;
  srv.naccept = 0;
  pthread_mutex_unlock(&srv.lock);
}

static int srv_get(const int *field)
{
  pthread_mutex_lock(&srv.lock);
  int v = *field;
  pthread_mutex_unlock(&srv.lock);
  return v;
}

/* ---- the client, driven by its own loop ---------------------------------------------- */

static struct ev_loop *loop;
static void *engine, *conn;
static crowd_user *cu;
static const crowd_user_desc cdesc = { .name = "U", .weight = 1 };

static int count_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  ck_assert_ptr_nonnull(d);
  int n = 0;
  while (readdir(d))
    n++;
  closedir(d);
  return n;
}

static void client_setup(void)
{
  loop = ev_loop_new(EVFLAG_AUTO);
  ck_assert_ptr_nonnull(loop);
  engine = crowd_client_fast.engine_new(loop);
  ck_assert_ptr_nonnull(engine);
  conn = crowd_client_fast.conn_new(engine);
  ck_assert_ptr_nonnull(conn);
  /* a stopped user without a runner: crowd_request_done only clears
   * in_flight, which the tests wait on */
  cu = calloc(1, sizeof *cu);
  ck_assert_ptr_nonnull(cu);
  cu->desc = &cdesc;
  cu->state = CROWD_USER_STOPPED;
  cu->req.user = cu;
}

static void client_teardown(void)
{
  crowd_client_fast.conn_free(conn);
  crowd_client_fast.engine_free(engine);
  conn = engine = NULL;
  ev_loop_destroy(loop);
  crowd_request *r = &cu->req;
  crowd_buf_free(&r->url);
  crowd_buf_free(&r->name);
  crowd_buf_free(&r->headers);
  crowd_buf_free(&r->body);
  crowd_buf_free(&r->resp_headers);
  crowd_buf_free(&r->resp_body);
  free(cu);
}

/* A new connection object for the next request, the old one freed. */
static void client_reconnect(void)
{
  if (conn == NULL)
    return;
  crowd_client_fast.conn_free(conn);
  conn = crowd_client_fast.conn_new(engine);
  ck_assert_ptr_nonnull(conn);
}

static void wake_cb(struct ev_loop *l, ev_timer *w, int revents)
{
  (void)l, (void)w, (void)revents;
}

/* Send a request and run the loop until it is done (at most 5 s). */
static crowd_request *request(crowd_method m, const char *url, const char *body)
{
  crowd_request *r = &cu->req;
  r->method = m;
  crowd_buf_reset(&r->url);
  crowd_buf_add(&r->url, url, strlen(url));
  const char *s = strstr(url, "://");
  r->path_start = (size_t)(strcspn(s + 3, "/?") + (size_t)(s + 3 - url));
  crowd_buf_reset(&r->body);
  crowd_buf_add(&r->body, body ? body : "", body ? strlen(body) : 0);
  cu->in_flight = true;
  crowd_client_fast.start(conn, r);
  ev_timer wake;
  ev_timer_init(&wake, wake_cb, 0.05, 0.05);
  ev_timer_start(loop, &wake);
  double deadline = crowd_clock_mono() + 5;
  while (cu->in_flight && crowd_clock_mono() < deadline)
    ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &wake);
  ck_assert_msg(!cu->in_flight, "the request did not finish");
  return r;
}

static char url[128];

static const char *url_for(const char *path)
{
  snprintf(url, sizeof url, srv.v6 ? "http://[::1]:%d%s" : "http://127.0.0.1:%d%s", srv.port, path);
  return url;
}

static const char ok_reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

START_TEST(test_conn_keep_alive)
{
  static const srv_reply script[] = { { ok_reply, 0, 0 } };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 1);
  for (int i = 0; i < 3; i++) {
    crowd_request *r = request(CROWD_GET, url_for("/x?a=1"), NULL);
    ck_assert_str_eq(r->error, "");
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(r->content_length, 2);
    ck_assert_uint_gt(r->response_us, 0);
  }
  ck_assert_int_eq(srv_get(&srv.naccept), 1); /* one connection for all three */
  char want[128];
  snprintf(want, sizeof want, "GET /x?a=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: crowd/%s\r\n\r\n",
           srv.port, PACKAGE_VERSION);
  ck_assert_str_eq(srv.last, want);
  srv_stop();
}
END_TEST

START_TEST(test_conn_post_headers)
{
  static const srv_reply script[] = { { "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 0, 0 } };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 1);
  crowd_request *r = &cu->req;
  crowd_buf_reset(&r->headers);
  crowd_buf_add(&r->headers, "X-Token: abc\0Host: example.test\0", 32);
  r->nheaders = 2;
  r->content_type = "application/json";
  request(CROWD_POST, url_for("/orders"), "{\"qty\":1}");
  ck_assert_int_eq(r->status, 201);
  ck_assert_str_eq(srv.last, "POST /orders HTTP/1.1\r\nUser-Agent: crowd/" PACKAGE_VERSION "\r\n"
                             "X-Token: abc\r\nHost: example.test\r\n"
                             "Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"qty\":1}");
  r->nheaders = 0;
  r->content_type = NULL;
  request(CROWD_POST, url_for("/empty"), NULL);
  ck_assert_ptr_nonnull(strstr(srv.last, "\r\nContent-Length: 0\r\n\r\n"));
  request(CROWD_HEAD, url_for(""), NULL);
  ck_assert_int_eq(strncmp(srv.last, "HEAD / HTTP/1.1\r\n", 17), 0);
  srv_stop();
}
END_TEST

START_TEST(test_conn_split_reads)
{
  static const srv_reply script[] = { { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "3;x=y\r\nabc\r\n0\r\n\r\n", 1, 0 } };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 1);
  cu->req.keep_response = 1;
  crowd_request *r = request(CROWD_GET, url_for("/slow"), NULL);
  ck_assert_str_eq(r->error, "");
  ck_assert_int_eq(r->status, 200);
  ck_assert_str_eq(r->resp_body.p, "abc");
  r = request(CROWD_GET, url_for("/slow"), NULL);
  ck_assert_int_eq(r->status, 200);
  ck_assert_int_eq(srv_get(&srv.naccept), 1);
  srv_stop();
}
END_TEST

START_TEST(test_conn_server_closes)
{
  /* Connection: close, then a close without notice on a kept connection:
   * both requests after them go out on new connections without an error */
  static const srv_reply script[] = {
    { "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 0, 1 },
    { ok_reply, 0, 1 },
    { ok_reply, 0, 0 },
  };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 3);
  for (int i = 0; i < 3; i++) {
    crowd_request *r = request(CROWD_GET, url_for("/"), NULL);
    ck_assert_str_eq(r->error, "");
    ck_assert_int_eq(r->status, 200);
  }
  ck_assert_int_eq(srv_get(&srv.naccept), 3);
  srv_stop();
}
END_TEST

START_TEST(test_conn_close_mid_body)
{
  static const srv_reply script[] = { { "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, 1 } };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 1);
  crowd_request *r = request(CROWD_GET, url_for("/"), NULL);
  ck_assert_str_eq(r->error, "Server closed the connection before the end of the response");
  ck_assert_int_eq(r->status, 0);
  srv_stop();
}
END_TEST

START_TEST(test_conn_malformed_closes)
{
  static const srv_reply script[] = { { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 0 },
                                      { ok_reply, 0, 0 } };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 2);
  crowd_request *r = request(CROWD_GET, url_for("/"), NULL);
  ck_assert_str_eq(r->error, "malformed response: invalid character in chunk size header");
  r = request(CROWD_GET, url_for("/"), NULL);
  ck_assert_str_eq(r->error, "");
  ck_assert_int_eq(srv_get(&srv.naccept), 2); /* the bad connection was closed */
  srv_stop();
}
END_TEST

START_TEST(test_conn_timeout)
{
  static const srv_reply script[] = { { NULL, 0, 0 } };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 1);
  cu->req.timeout = 0.2;
  crowd_request *r = request(CROWD_GET, url_for("/"), NULL);
  cu->req.timeout = 0;
  ck_assert_str_eq(r->error, "Operation timed out after 200 milliseconds");
  ck_assert_uint_ge(r->response_us, 190000);
  ck_assert_uint_lt(r->response_us, 1000000);
  srv_stop();
}
END_TEST

START_TEST(test_conn_refused)
{
  ck_assert_int_eq(srv_start(0), 0);
  int port = srv.port;
  srv_stop(); /* nothing listens there now */
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
  crowd_request *r = request(CROWD_GET, url, NULL);
  ck_assert_str_eq(r->error, "Connection refused");
  ck_assert_int_eq(r->status, 0);
  snprintf(url, sizeof url, "ftp://127.0.0.1:%d/", port);
  r = request(CROWD_GET, url, NULL);
  ck_assert_str_eq(r->error, "unsupported URL scheme (the fast client speaks http and https)");
}
END_TEST

START_TEST(test_conn_localhost_and_ipv6)
{
  static const srv_reply script[] = { { ok_reply, 0, 0 } };
  /* localhost may name ::1 first: the client tries the next address */
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 1);
  snprintf(url, sizeof url, "http://localhost:%d/", srv.port);
  crowd_request *r = request(CROWD_GET, url, NULL);
  ck_assert_str_eq(r->error, "");
  srv_stop();
  if (srv_start(1) != 0)
    return; /* no IPv6 loopback here */
  srv_script(script, 1);
  r = request(CROWD_GET, url_for("/six"), NULL);
  ck_assert_str_eq(r->error, "");
  ck_assert_int_eq(r->status, 200);
  char host[64];
  snprintf(host, sizeof host, "\r\nHost: [::1]:%d\r\n", srv.port);
  ck_assert_ptr_nonnull(strstr(srv.last, host));
  srv_stop();
}
END_TEST

START_TEST(test_conn_no_fd_leak)
{
  static const srv_reply script[] = {
    { ok_reply, 0, 0 }, { ok_reply, 0, 1 }, { "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab", 0, 1 },
    { "nonsense\r\n\r\n", 0, 0 }, { ok_reply, 0, 0 },
  };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 5);
  /* the fixture's engine and connection hold no descriptor yet */
  int before = count_fds();
  for (int i = 0; i < 8; i++)
    request(CROWD_GET, url_for("/"), NULL);
  ck_assert_int_eq(srv_get(&srv.nreq), 8);
  client_reconnect();
  /* wait until the server has seen every close */
  double deadline = crowd_clock_mono() + 2;
  while (srv_get(&srv.open_conns) > 0 && crowd_clock_mono() < deadline)
    usleep(1000);
  ck_assert_int_eq(count_fds(), before);
  srv_stop();
}
END_TEST

/* ---- TLS, with a certificate made here ---------------------------------------------- */

static char cert_path[64];

/* A self-signed certificate for 127.0.0.1 and localhost; its key in *key. */
static X509 *make_cert(EVP_PKEY **key)
{
  *key = EVP_EC_gen("P-256");
  ck_assert_ptr_nonnull(*key);
  X509 *x = X509_new();
  ck_assert_ptr_nonnull(x);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, *key);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  ck_assert_ptr_nonnull(ext);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  ck_assert_int_gt(X509_sign(x, *key, EVP_sha256()), 0);
  return x;
}

START_TEST(test_conn_tls)
{
  EVP_PKEY *key;
  X509 *cert = make_cert(&key);
  snprintf(cert_path, sizeof cert_path, "/tmp/check_fast_ca_%d.pem", (int)getpid());
  FILE *f = fopen(cert_path, "w");
  ck_assert_ptr_nonnull(f);
  PEM_write_X509(f, cert);
  fclose(f);

  static const srv_reply script[] = { { "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntls", 0, 0 } };
  ck_assert_int_eq(srv_start(0), 0);
  srv.tls = SSL_CTX_new(TLS_server_method());
  ck_assert_int_eq(SSL_CTX_use_certificate(srv.tls, cert), 1);
  ck_assert_int_eq(SSL_CTX_use_PrivateKey(srv.tls, key), 1);
  srv_script(script, 1);

  /* the system's CA store does not know this certificate */
  snprintf(url, sizeof url, "https://127.0.0.1:%d/", srv.port);
  crowd_request *r = request(CROWD_GET, url, NULL);
  ck_assert_msg(strncmp(r->error, "SSL certificate problem: ", 25) == 0, "%s", r->error);

  /* trusted through SSL_CERT_FILE, by IP and by name (SNI) */
  setenv("SSL_CERT_FILE", cert_path, 1);
  crowd_client_fast.conn_free(conn);
  crowd_client_fast.engine_free(engine);
  engine = crowd_client_fast.engine_new(loop);
  conn = crowd_client_fast.conn_new(engine);
  cu->req.keep_response = 1;
  for (int i = 0; i < 2; i++) {
    r = request(CROWD_GET, url, NULL);
    ck_assert_str_eq(r->error, "");
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(r->resp_body.p, "tls");
  }
  ck_assert_int_eq(srv_get(&srv.naccept), 2); /* the refused one, then one kept */
  snprintf(url, sizeof url, "https://localhost:%d/", srv.port);
  r = request(CROWD_GET, url, NULL);
  ck_assert_str_eq(r->error, "");
  unsetenv("SSL_CERT_FILE");
  unlink(cert_path);
  srv_stop();
  SSL_CTX_free(srv.tls);
  X509_free(cert);
  EVP_PKEY_free(key);
}
END_TEST


/* ---- cookies and redirects ----------------------------------------------------------- */

#define S(x) x, strlen(x)

static const char *jar_for(crowd_fast_jar *j, const char *host, const char *path, time_t now)
{
  static crowd_buf out;
  crowd_buf_reset(&out);
  crowd_buf_addc(&out, '\0');
  out.len = 0;
  ck_assert_int_ge(crowd_fast_jar_header(j, &out, S(host), S(path), now), 0);
  return out.p;
}

START_TEST(test_jar_basics)
{
  crowd_fast_jar j = { 0 };
  time_t now = 1000000;
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("sid=abc; Path=/; HttpOnly"), S("shop.test"), S("/login"), now), 0);
  ck_assert_int_eq(crowd_fast_jar_set(&j, S(" theme = dark "), S("shop.test"), S("/a/b?x=1"), now), 0);
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("noequals"), S("shop.test"), S("/"), now), -1);
  ck_assert_str_eq(jar_for(&j, "shop.test", "/", now), "sid=abc");
  /* theme's default path is /a: /a and under it, not /ab */
  ck_assert_str_eq(jar_for(&j, "shop.test", "/a/c?q", now), "sid=abc; theme=dark");
  ck_assert_str_eq(jar_for(&j, "shop.test", "/a", now), "sid=abc; theme=dark");
  ck_assert_str_eq(jar_for(&j, "shop.test", "/ab", now), "sid=abc");
  ck_assert_str_eq(jar_for(&j, "other.test", "/", now), "");
  ck_assert_str_eq(jar_for(&j, "api.shop.test", "/", now), ""); /* host-only */
  /* the same name, domain and path: replaced */
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("sid=def; path=/"), S("shop.test"), S("/"), now), 0);
  ck_assert_str_eq(jar_for(&j, "shop.test", "/", now), "sid=def");
  ck_assert_int_eq(j.count, 2);
  crowd_fast_jar_free(&j);
  ck_assert_int_eq(j.count, 0);
}
END_TEST

START_TEST(test_jar_domain_and_expiry)
{
  crowd_fast_jar j = { 0 };
  time_t now = 1700000000; /* 2023-11-14 */
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("d=1; Domain=.shop.test"), S("www.shop.test"), S("/"), now), 0);
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("x=1; Domain=evil.test"), S("www.shop.test"), S("/"), now), -1);
  ck_assert_str_eq(jar_for(&j, "api.shop.test", "/", now), "d=1");
  ck_assert_str_eq(jar_for(&j, "SHOP.test", "/", now), "d=1");
  ck_assert_str_eq(jar_for(&j, "notshop.test", "/", now), "");
  /* Max-Age: gone when its time has passed; 0 removes at once */
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("m=1; Max-Age=10; Path=/"), S("shop.test"), S("/"), now), 0);
  ck_assert_str_eq(jar_for(&j, "shop.test", "/", now + 9), "d=1; m=1");
  ck_assert_str_eq(jar_for(&j, "shop.test", "/", now + 10), "d=1");
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("d=; Domain=shop.test; Max-Age=0"), S("shop.test"), S("/"), now), 0);
  ck_assert_str_eq(jar_for(&j, "shop.test", "/", now), "");
  /* Expires, in the future and in the past; Max-Age wins over it */
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("e=1; Expires=Wed, 21 Oct 2065 07:28:00 GMT"), S("h"), S("/"), now), 0);
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("p=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT"), S("h"), S("/"), now), 0);
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("q=1; Max-Age=60; Expires=Wed, 21 Oct 2015 07:28:00 GMT"), S("h"), S("/"), now), 0);
  ck_assert_str_eq(jar_for(&j, "h", "/", now), "e=1; q=1");
  ck_assert_int_eq(crowd_fast_jar_set(&j, S("e=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"), S("h"), S("/"), now), 0);
  ck_assert_str_eq(jar_for(&j, "h", "/", now), "q=1");
  /* bounded: the oldest goes */
  for (int i = 0; i < CROWD_FAST_JAR_MAX + 5; i++) {
    char c[32];
    snprintf(c, sizeof c, "k%d=v", i);
    ck_assert_int_eq(crowd_fast_jar_set(&j, S(c), S("h"), S("/"), now), 0);
  }
  ck_assert_int_eq(j.count, CROWD_FAST_JAR_MAX);
  crowd_fast_jar_free(&j);
}
END_TEST

/* Set-Cookie and Location are collected, split anywhere, kept or not. */
START_TEST(test_parse_meta)
{
  static const char resp[] = "HTTP/1.1 302 Found\r\nSet-Cookie: a=1; Path=/\r\nX-Other: y\r\n"
                             "location: /first\r\nSET-COOKIE: b=2\r\nLocation: /next?x=1\r\n"
                             "Content-Length: 0\r\n\r\n";
  for (size_t step = 1; step <= sizeof resp; step += 7) {
    for (int keep = 0; keep < 2; keep++) {
      preq.keep_response = keep;
      crowd_fast_resp_begin(&presp, &preq, 0);
      presp.track = 1;
      size_t used;
      ck_assert_int_eq(feed_steps(resp, sizeof resp - 1, step, &used), CROWD_FAST_DONE);
      ck_assert_int_eq(presp.ncookies, 2);
      ck_assert_str_eq(presp.cookies.p, "a=1; Path=/");
      ck_assert_str_eq(presp.cookies.p + strlen(presp.cookies.p) + 1, "b=2");
      ck_assert_str_eq(presp.location.p, "/next?x=1");
    }
  }
  crowd_fast_resp_begin(&presp, &preq, 0); /* untracked: nothing collected */
  size_t used;
  ck_assert_int_eq(feed_steps(resp, sizeof resp - 1, sizeof resp, &used), CROWD_FAST_DONE);
  ck_assert_int_eq(presp.ncookies, 0);
  ck_assert_uint_eq(presp.location.len, 0);
}
END_TEST

START_TEST(test_conn_redirects)
{
  static const srv_reply script[] = {
    { "HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 3\r\n\r\nxyz", 0, 0 },
    { "HTTP/1.1 301 Moved\r\nLocation: c?q=1#frag\r\nContent-Length: 0\r\n\r\n", 0, 0 },
    { "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone", 0, 0 },
  };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 3);
  crowd_request *r = request(CROWD_GET, url_for("/a/start"), NULL);
  ck_assert_str_eq(r->error, "");
  ck_assert_int_eq(r->status, 200);
  ck_assert_uint_eq(r->content_length, 4); /* the final response's body only */
  ck_assert_int_eq(srv_get(&srv.nreq), 3);
  ck_assert_int_eq(srv_get(&srv.naccept), 1); /* the same kept-alive socket */
  ck_assert_ptr_nonnull(strstr(srv.last, "GET /c?q=1 HTTP/1.1\r\n"));
  ck_assert_str_eq(r->url.p, url_for("/a/start")); /* the request itself is untouched */

  /* :redirects false: the 302 is the response */
  srv_script(script, 3);
  r->flags = CROWD_REQ_NO_REDIRECTS;
  request(CROWD_GET, url_for("/a/start"), NULL);
  ck_assert_int_eq(r->status, 302);
  ck_assert_int_eq(srv_get(&srv.nreq), 1);
  r->flags = 0;
  srv_stop();
}
END_TEST

START_TEST(test_conn_redirect_methods)
{
  static const srv_reply s303[] = {
    { "HTTP/1.1 303 See Other\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n", 0, 0 },
    { ok_reply, 0, 0 },
  };
  static const srv_reply s307[] = {
    { "HTTP/1.1 307 Temporary\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n", 0, 0 },
    { ok_reply, 0, 0 },
  };
  static const srv_reply s302[] = {
    { "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n", 0, 0 },
    { ok_reply, 0, 0 },
  };
  ck_assert_int_eq(srv_start(0), 0);
  crowd_request *r = &cu->req;
  r->content_type = "application/json";
  srv_script(s303, 2);
  request(CROWD_PUT, url_for("/p"), "{}");
  ck_assert_int_eq(r->status, 200);
  ck_assert_msg(strstr(srv.last, "GET /x HTTP/1.1\r\n") != NULL, "%s", srv.last);
  ck_assert_ptr_null(strstr(srv.last, "Content-Length"));
  srv_script(s302, 2);
  request(CROWD_POST, url_for("/p"), "{}");
  ck_assert_ptr_nonnull(strstr(srv.last, "GET /x HTTP/1.1\r\n"));
  srv_script(s302, 2); /* a PUT stays a PUT on 302 */
  request(CROWD_PUT, url_for("/p"), "{}");
  ck_assert_ptr_nonnull(strstr(srv.last, "PUT /x HTTP/1.1\r\n"));
  ck_assert_ptr_nonnull(strstr(srv.last, "Content-Length: 2\r\n\r\n{}"));
  srv_script(s307, 2);
  request(CROWD_POST, url_for("/p"), "{}");
  ck_assert_int_eq(r->status, 200);
  ck_assert_ptr_nonnull(strstr(srv.last, "POST /x HTTP/1.1\r\n"));
  ck_assert_ptr_nonnull(strstr(srv.last, "Content-Length: 2\r\n\r\n{}"));
  r->content_type = NULL;
  srv_stop();
}
END_TEST

START_TEST(test_conn_redirect_limit)
{
  static const srv_reply loop_reply[] = {
    { "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n", 0, 0 },
  };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(loop_reply, 1);
  crowd_request *r = request(CROWD_GET, url_for("/again"), NULL);
  ck_assert_str_eq(r->error, "Maximum (30) redirects followed");
  ck_assert_int_eq(r->status, 0);
  ck_assert_int_eq(srv_get(&srv.nreq), 31);
  srv_stop();
}
END_TEST

START_TEST(test_conn_cookies)
{
  static const srv_reply script[] = {
    { "HTTP/1.1 200 OK\r\nSet-Cookie: sid=42; Path=/\r\nSet-Cookie: t=x; Path=/t\r\n"
      "Content-Length: 0\r\n\r\n", 0, 0 },
    { ok_reply, 0, 0 },
  };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 2);
  request(CROWD_GET, url_for("/login"), NULL);
  ck_assert_ptr_null(strstr(srv.last, "Cookie"));
  request(CROWD_GET, url_for("/t/1"), NULL);
  ck_assert_ptr_nonnull(strstr(srv.last, "\r\nCookie: sid=42; t=x\r\n"));
  request(CROWD_GET, url_for("/other"), NULL);
  ck_assert_ptr_nonnull(strstr(srv.last, "\r\nCookie: sid=42\r\n"));
  /* the scenario's own Cookie header gets the jar's added */
  crowd_request *r = &cu->req;
  crowd_buf_reset(&r->headers);
  crowd_buf_add(&r->headers, "Cookie: mine=1\0", 15);
  r->nheaders = 1;
  request(CROWD_GET, url_for("/"), NULL);
  ck_assert_ptr_nonnull(strstr(srv.last, "\r\nCookie: mine=1; sid=42\r\n"));
  r->nheaders = 0;
  crowd_buf_reset(&r->headers);
  /* :cookies false: none sent */
  r->flags = CROWD_REQ_NO_COOKIES;
  request(CROWD_GET, url_for("/"), NULL);
  ck_assert_ptr_null(strstr(srv.last, "Cookie"));
  r->flags = 0;
  /* another user (connection object) has its own jar */
  client_reconnect();
  request(CROWD_GET, url_for("/"), NULL);
  ck_assert_ptr_null(strstr(srv.last, "Cookie"));
  srv_stop();
}
END_TEST

/* A cookie set by a redirect is sent on the hop that follows it. */
START_TEST(test_conn_cookie_on_redirect)
{
  static const srv_reply script[] = {
    { "HTTP/1.1 302 Found\r\nSet-Cookie: s=1; Path=/\r\nLocation: /home\r\nContent-Length: 0\r\n\r\n", 0, 0 },
    { ok_reply, 0, 0 },
  };
  ck_assert_int_eq(srv_start(0), 0);
  srv_script(script, 2);
  crowd_request *r = request(CROWD_POST, url_for("/login"), "u=1");
  ck_assert_int_eq(r->status, 200);
  ck_assert_ptr_nonnull(strstr(srv.last, "GET /home HTTP/1.1\r\n"));
  ck_assert_ptr_nonnull(strstr(srv.last, "\r\nCookie: s=1\r\n"));
  srv_stop();
}
END_TEST

static Suite *fast_suite(void)
{
  Suite *s = suite_create("fast");
  TCase *tp = tcase_create("parse");
  tcase_add_checked_fixture(tp, parse_setup, parse_teardown);
  tcase_add_test(tp, test_content_length);
  tcase_add_test(tp, test_content_length_not_kept);
  tcase_add_test(tp, test_chunked);
  tcase_add_test(tp, test_split_reads);
  tcase_add_test(tp, test_two_responses_in_one_read);
  tcase_add_test(tp, test_close_mid_body);
  tcase_add_test(tp, test_body_until_close);
  tcase_add_test(tp, test_informational);
  tcase_add_test(tp, test_head);
  tcase_add_test(tp, test_no_body_statuses);
  tcase_add_test(tp, test_keep_alive_flags);
  tcase_add_test(tp, test_gzip_body);
  tcase_add_test(tp, test_brotli_body);
  tcase_add_test(tp, test_malformed);
  tcase_add_test(tp, test_bad_chunk_size);
  tcase_add_test(tp, test_oversized_headers);
  tcase_add_test(tp, test_body_cap);
  suite_add_tcase(s, tp);

  TCase *tc = tcase_create("conn");
  tcase_add_checked_fixture(tc, client_setup, client_teardown);
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, test_conn_keep_alive);
  tcase_add_test(tc, test_conn_post_headers);
  tcase_add_test(tc, test_conn_split_reads);
  tcase_add_test(tc, test_conn_server_closes);
  tcase_add_test(tc, test_conn_close_mid_body);
  tcase_add_test(tc, test_conn_malformed_closes);
  tcase_add_test(tc, test_conn_timeout);
  tcase_add_test(tc, test_conn_refused);
  tcase_add_test(tc, test_conn_localhost_and_ipv6);
  tcase_add_test(tc, test_conn_no_fd_leak);
  tcase_add_test(tc, test_conn_tls);
  tcase_add_test(tc, test_conn_redirects);
  tcase_add_test(tc, test_conn_redirect_methods);
  tcase_add_test(tc, test_conn_redirect_limit);
  tcase_add_test(tc, test_conn_cookies);
  tcase_add_test(tc, test_conn_cookie_on_redirect);
  suite_add_tcase(s, tc);

  TCase *tj = tcase_create("cookies");
  tcase_add_checked_fixture(tj, parse_setup, parse_teardown);
  tcase_add_test(tj, test_jar_basics);
  tcase_add_test(tj, test_jar_domain_and_expiry);
  tcase_add_test(tj, test_parse_meta);
  suite_add_tcase(s, tj);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(fast_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
