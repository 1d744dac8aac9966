/* routes.c — the demo shop's HTTP API (JSON everywhere, deterministic).
 *
 *   GET  /health                 200 {"status":"ok"}
 *   GET  /api/products[?limit=N] 200 {"items":[{"id","name","price"}...],"count"}
 *   GET  /api/products/{id}      200 product 1..100, else 404
 *   POST /login                  JSON or form user+password -> {"token":"tok-U"}
 *   POST /orders                 Bearer tok-U, {"sku","qty"} -> 201 order
 *   GET  /orders/{id}            the order, or 404
 *   POST /orders/{id}/pay        Bearer tok-U -> 200 paid, 404, 409 if paid
 *   ANY  /status/{code}          that status (200..599), else 400
 *   ANY  /delay/{ms}             200 after ms (0..60000), else 400
 *   ANY  /echo[/...]             200, the request described as JSON
 *   ANY  /redirect/{n}[?status=S] S (302) to /redirect/{n-1}; /redirect/0: 200
 *   GET  /cookies/set?k=v[&...]   200, Set-Cookie k=v (Path=/); "k" alone expires k
 *   GET  /cookies                200 {"cookies":{k:v}} as the request sent them
 *   GET  /echoes                 the last 16 /echo requests, byte-exact (base64)
 *   POST /upload                 a multipart/form-data body's parts, described
 *   GET  /stats, POST /stats/reset   request counters (see stats.c)
 *   anything else                404 (405 for a known path, wrong method)
 *
 * MHD calls the handler once when the headers are in (we classify and count
 * the request then, so each request is counted exactly once), once per body
 * chunk (we collect it), and once at the end (we answer).  A delayed request
 * is suspended and answered on the call that follows its resumption.
 * Per-request state (struct demo_req) is created by the URI log callback and
 * freed by the completion callback; the hot routes answer with responses
 * built once at start-up and shared. */
#include "config.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "demo.h"

#define DEMO_BODY_MAX (1u << 20)
#define DEMO_PRODUCTS 100
#define DEMO_DELAY_MAX 60000
#define DEMO_QTY_MAX 1000000
#define DEMO_USER_MAX 256

enum demo_req_state { DEMO_REQ_NEW, DEMO_REQ_STARTED, DEMO_REQ_WAITING };

struct demo_req {
  enum demo_req_state state;
  enum demo_route route;
  enum demo_method method;
  int param_ok;       /* the {id}/{code}/{ms} segment is a number */
  uint64_t param;
  int too_large;      /* the body passed DEMO_BODY_MAX */
  int delay_failed;   /* could not queue the delay: answer 503 */
  char *raw_uri;      /* /echo only: the request target as sent */
  struct demo_buf body;
};

static atomic_int demo_routes_stopping;
static char *demo_product_json[DEMO_PRODUCTS + 1];
static size_t demo_product_len[DEMO_PRODUCTS + 1];
static struct MHD_Response *demo_resp_health;
static struct MHD_Response *demo_resp_products;
static struct MHD_Response *demo_resp_product[DEMO_PRODUCTS + 1];
static struct MHD_Response *demo_resp_no_product;
static struct MHD_Response *demo_resp_not_found;
/* /echoes: the last DEMO_ECHO_KEEP /echo requests (see demo_echo_record). */
#define DEMO_ECHO_KEEP 16
static pthread_mutex_t demo_echo_lock = PTHREAD_MUTEX_INITIALIZER;
static char *demo_echo_log[DEMO_ECHO_KEEP];
static size_t demo_echo_count; /* recorded since start */

/* ---- responses ---- */

/* A response over the bytes p[0..n) (freed by MHD when must_free). */
static struct MHD_Response *demo_response(char *p, size_t n, int must_free)
{
  struct MHD_Response *r = MHD_create_response_from_buffer(
      n, p, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!r) {
    if (must_free)
      free(p);
    return NULL;
  }
  if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                              "application/json") != MHD_YES) {
    MHD_destroy_response(r);
    return NULL;
  }
  return r;
}

static enum MHD_Result demo_queue(struct MHD_Connection *conn,
                                  unsigned status, struct MHD_Response *r)
{
  if (!r)
    return MHD_NO; /* out of memory: drop the connection */
  return MHD_queue_response(conn, status, r);
}

/* Sends b's bytes; extra header (name, value) when name is not NULL. */
static enum MHD_Result demo_send_buf_hdr(struct MHD_Connection *conn,
                                         unsigned status, struct demo_buf *b,
                                         const char *name, const char *value)
{
  size_t n;
  char *p = demo_buf_take(b, &n);
  if (!p)
    return MHD_NO;
  struct MHD_Response *r = demo_response(p, n, 1);
  if (!r)
    return MHD_NO;
  if (name && MHD_add_response_header(r, name, value) != MHD_YES) {
    MHD_destroy_response(r);
    return MHD_NO;
  }
  enum MHD_Result ok = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result demo_send_buf(struct MHD_Connection *conn,
                                     unsigned status, struct demo_buf *b)
{
  return demo_send_buf_hdr(conn, status, b, NULL, NULL);
}

static enum MHD_Result demo_send_error_hdr(struct MHD_Connection *conn,
                                           unsigned status, const char *msg,
                                           const char *name,
                                           const char *value)
{
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_puts(&b, "{\"error\":");
  demo_buf_json_str(&b, msg, strlen(msg));
  demo_buf_puts(&b, "}");
  return demo_send_buf_hdr(conn, status, &b, name, value);
}

static enum MHD_Result demo_send_error(struct MHD_Connection *conn,
                                       unsigned status, const char *msg)
{
  return demo_send_error_hdr(conn, status, msg, NULL, NULL);
}

/* ---- start-up: the catalogue and the shared responses ---- */

static struct MHD_Response *demo_static(const char *s)
{
  return demo_response((char *)s, strlen(s), 0);
}

/* Appends {"items":[...first n products...],"count":n}. */
static void demo_products_json(struct demo_buf *b, unsigned n)
{
  demo_buf_puts(b, "{\"items\":[");
  for (unsigned i = 1; i <= n; i++) {
    if (i > 1)
      demo_buf_add(b, ",", 1);
    demo_buf_add(b, demo_product_json[i], demo_product_len[i]);
  }
  demo_buf_printf(b, "],\"count\":%u}", n);
}

int demo_routes_init(void)
{
  for (unsigned i = 1; i <= DEMO_PRODUCTS; i++) {
    struct demo_buf b;
    demo_buf_init(&b);
    unsigned cents = 499 + (i * 1237u) % 9500u; /* fixed, varied prices */
    demo_buf_printf(&b, "{\"id\":%u,\"name\":\"Product %u\",\"price\":%u.%02u}",
                    i, i, cents / 100, cents % 100);
    demo_product_json[i] = demo_buf_take(&b, &demo_product_len[i]);
    if (!demo_product_json[i])
      return -1;
    demo_resp_product[i] =
        demo_response(demo_product_json[i], demo_product_len[i], 0);
    if (!demo_resp_product[i])
      return -1;
  }
  struct demo_buf b;
  demo_buf_init(&b);
  demo_products_json(&b, DEMO_PRODUCTS);
  size_t n;
  char *all = demo_buf_take(&b, &n);
  demo_resp_products = all ? demo_response(all, n, 1) : NULL;
  demo_resp_health = demo_static("{\"status\":\"ok\"}");
  demo_resp_no_product = demo_static("{\"error\":\"no such product\"}");
  demo_resp_not_found = demo_static("{\"error\":\"not found\"}");
  if (!demo_resp_products || !demo_resp_health || !demo_resp_no_product ||
      !demo_resp_not_found)
    return -1;
  return 0;
}

static void demo_destroy(struct MHD_Response **r)
{
  if (*r)
    MHD_destroy_response(*r);
  *r = NULL;
}

void demo_routes_fini(void)
{
  for (unsigned i = 1; i <= DEMO_PRODUCTS; i++) {
    demo_destroy(&demo_resp_product[i]);
    free(demo_product_json[i]);
    demo_product_json[i] = NULL;
  }
  demo_destroy(&demo_resp_products);
  demo_destroy(&demo_resp_health);
  demo_destroy(&demo_resp_no_product);
  demo_destroy(&demo_resp_not_found);
  for (size_t i = 0; i < DEMO_ECHO_KEEP; i++) {
    free(demo_echo_log[i]);
    demo_echo_log[i] = NULL;
  }
}

void demo_routes_shutting_down(void)
{
  atomic_store(&demo_routes_stopping, 1);
}

/* ---- routing ---- */

/* rest of s after prefix p, or NULL. */
static const char *demo_after(const char *s, const char *p)
{
  size_t n = strlen(p);
  return strncmp(s, p, n) == 0 ? s + n : NULL;
}

/* Parses the decimal segment s[0..n); 0 when it is not one. */
static int demo_number(const char *s, size_t n, uint64_t *out)
{
  if (n == 0 || n > 18)
    return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return 1;
}

/* "/x/{seg}" routes: the segment must be non-empty and hold no '/'; an
 * optional suffix after it selects a second route. */
static enum demo_route demo_match_seg(struct demo_req *req, const char *rest,
                                      enum demo_route one,
                                      const char *suffix,
                                      enum demo_route with_suffix)
{
  size_t n = strcspn(rest, "/");
  enum demo_route r;
  if (n == 0)
    return DEMO_R_OTHER;
  if (rest[n] == '\0')
    r = one;
  else if (suffix && strcmp(rest + n, suffix) == 0)
    r = with_suffix;
  else
    return DEMO_R_OTHER;
  req->param_ok = demo_number(rest, n, &req->param);
  return r;
}

static enum demo_route demo_match(struct demo_req *req, const char *url)
{
  static const struct {
    const char *path;
    enum demo_route route;
  } exact[] = {
    {"/health", DEMO_R_HEALTH},   {"/api/products", DEMO_R_PRODUCTS},
    {"/login", DEMO_R_LOGIN},     {"/orders", DEMO_R_ORDERS},
    {"/echo", DEMO_R_ECHO},       {"/echoes", DEMO_R_ECHOES},
    {"/stats", DEMO_R_STATS},
    {"/stats/reset", DEMO_R_STATS_RESET},
    {"/cookies", DEMO_R_COOKIES}, {"/cookies/set", DEMO_R_COOKIES_SET},
    {"/upload", DEMO_R_UPLOAD},
  };
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
    if (strcmp(url, exact[i].path) == 0)
      return exact[i].route;
  const char *rest;
  if ((rest = demo_after(url, "/api/products/")))
    return demo_match_seg(req, rest, DEMO_R_PRODUCT, NULL, DEMO_R_OTHER);
  if ((rest = demo_after(url, "/orders/")))
    return demo_match_seg(req, rest, DEMO_R_ORDER, "/pay", DEMO_R_ORDER_PAY);
  if ((rest = demo_after(url, "/status/")))
    return demo_match_seg(req, rest, DEMO_R_STATUS, NULL, DEMO_R_OTHER);
  if ((rest = demo_after(url, "/delay/")))
    return demo_match_seg(req, rest, DEMO_R_DELAY, NULL, DEMO_R_OTHER);
  if ((rest = demo_after(url, "/redirect/")))
    return demo_match_seg(req, rest, DEMO_R_REDIRECT, NULL, DEMO_R_OTHER);
  if (demo_after(url, "/echo/"))
    return DEMO_R_ECHO;
  return DEMO_R_OTHER;
}

/* ---- authentication ---- */

/* 1 when the request carries "Authorization: Bearer tok-U" for a user U
 * who has logged in; otherwise sends the 401 and sets *sent. */
static int demo_authorized(struct MHD_Connection *conn, enum MHD_Result *sent)
{
  const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                              MHD_HTTP_HEADER_AUTHORIZATION);
  const char *why = "missing bearer token";
  if (h && strncasecmp(h, "Bearer ", 7) == 0) {
    const char *tok = h + 7;
    while (*tok == ' ')
      tok++;
    const char *user = demo_after(tok, "tok-");
    if (user && *user && demo_store_has_user(user, strlen(user)))
      return 1;
    why = "unknown token";
  }
  *sent = demo_send_error_hdr(conn, MHD_HTTP_UNAUTHORIZED, why,
                              MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
  return 0;
}

/* ---- /login ---- */

static int demo_hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* URL-decodes s[0..n) ('+' is a space) into out. */
static void demo_form_decode(struct demo_buf *out, const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%' && i + 2 < n && demo_hexval(s[i + 1]) >= 0 &&
               demo_hexval(s[i + 2]) >= 0) {
      c = (char)(demo_hexval(s[i + 1]) * 16 + demo_hexval(s[i + 2]));
      i += 2;
    }
    demo_buf_add(out, &c, 1);
  }
}

/* Finds key in the form body and decodes its value into out; 1 if found. */
static int demo_form_get(const char *s, size_t n, const char *key,
                         struct demo_buf *out)
{
  size_t klen = strlen(key);
  size_t i = 0;
  while (i < n) {
    const char *amp = memchr(s + i, '&', n - i);
    size_t end = amp ? (size_t)(amp - s) : n;
    if (end - i > klen && s[i + klen] == '=' && memcmp(s + i, key, klen) == 0) {
      demo_form_decode(out, s + i + klen + 1, end - i - klen - 1);
      return 1;
    }
    i = end + 1;
  }
  return 0;
}

/* A body whose first non-blank byte is '{' is JSON, whatever the
 * Content-Type says (curl --data labels everything as a form); anything
 * else is read as a form. */
static int demo_looks_json(const struct demo_req *req)
{
  for (size_t i = 0; i < req->body.len; i++)
    if (req->body.data[i] != ' ' && req->body.data[i] != '\t' &&
        req->body.data[i] != '\r' && req->body.data[i] != '\n')
      return req->body.data[i] == '{';
  return 0;
}

/* Reads user and password from a JSON body; -1 when it is not JSON. */
static int demo_login_json(const struct demo_req *req, struct demo_buf *user,
                           struct demo_buf *pass)
{
  cJSON *doc = cJSON_ParseWithLength(req->body.data ? req->body.data : "",
                                     req->body.len);
  if (!doc || !cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    return -1;
  }
  const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "user"));
  const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "password"));
  if (u)
    demo_buf_puts(user, u);
  if (p)
    demo_buf_puts(pass, p);
  cJSON_Delete(doc);
  return 0;
}

static enum MHD_Result demo_login(struct MHD_Connection *conn,
                                  struct demo_req *req)
{
  struct demo_buf user, pass;
  demo_buf_init(&user);
  demo_buf_init(&pass);
  enum MHD_Result ret;
  if (demo_looks_json(req)) {
    if (demo_login_json(req, &user, &pass) != 0) {
      ret = demo_send_error(conn, MHD_HTTP_BAD_REQUEST,
                            "body must be a JSON object or a form");
      goto out;
    }
  } else {
    const char *s = req->body.data ? req->body.data : "";
    int got = demo_form_get(s, req->body.len, "user", &user);
    got |= demo_form_get(s, req->body.len, "password", &pass);
    if (!got) {
      ret = demo_send_error(conn, MHD_HTTP_BAD_REQUEST,
                            "body must be a JSON object or a form");
      goto out;
    }
  }
  if (user.oom || pass.oom) {
    ret = MHD_NO;
  } else if (user.len == 0 || pass.len == 0) {
    ret = demo_send_error(conn, MHD_HTTP_UNAUTHORIZED,
                          "user and password are required");
  } else if (user.len > DEMO_USER_MAX || memchr(user.data, '\0', user.len)) {
    ret = demo_send_error(conn, MHD_HTTP_BAD_REQUEST,
                          "user must be 1 to 256 bytes, no NUL");
  } else if (demo_store_login(user.data, user.len) != 0) {
    ret = demo_send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                          "too many users");
  } else {
    struct demo_buf b;
    demo_buf_init(&b);
    demo_buf_puts(&b, "{\"token\":");
    struct demo_buf tok;
    demo_buf_init(&tok);
    demo_buf_puts(&tok, "tok-");
    demo_buf_add(&tok, user.data, user.len);
    demo_buf_json_str(&b, tok.data ? tok.data : "", tok.len);
    demo_buf_free(&tok);
    demo_buf_puts(&b, "}");
    ret = demo_send_buf(conn, MHD_HTTP_OK, &b);
  }
out:
  demo_buf_free(&user);
  demo_buf_free(&pass);
  return ret;
}

/* ---- orders ---- */

static void demo_order_json(struct demo_buf *b, const struct demo_order *o)
{
  demo_buf_printf(b, "{\"id\":%llu,\"sku\":", (unsigned long long)o->id);
  demo_buf_json_str(b, o->sku, strlen(o->sku));
  demo_buf_printf(b, ",\"qty\":%ld,\"status\":\"%s\"}", o->qty,
                  o->paid ? "paid" : "created");
}

/* Validates {"sku":"...","qty":N}; NULL on success, else the complaint. */
static const char *demo_order_parse(const struct demo_req *req, char *sku,
                                    long *qty)
{
  cJSON *doc = cJSON_ParseWithLength(req->body.data ? req->body.data : "",
                                     req->body.len);
  if (!doc)
    return "body must be JSON";
  const char *err = NULL;
  const cJSON *jsku = cJSON_GetObjectItemCaseSensitive(doc, "sku");
  const cJSON *jqty = cJSON_GetObjectItemCaseSensitive(doc, "qty");
  const char *s = cJSON_GetStringValue(jsku);
  *qty = 1;
  if (!cJSON_IsObject(doc))
    err = "body must be a JSON object";
  else if (!s || !*s || strlen(s) > DEMO_SKU_MAX)
    err = "sku must be a string of 1 to 64 bytes";
  else if (jqty && (!cJSON_IsNumber(jqty) || jqty->valuedouble < 1 ||
                    jqty->valuedouble > DEMO_QTY_MAX ||
                    jqty->valuedouble != (double)(long)jqty->valuedouble))
    err = "qty must be an integer from 1 to 1000000";
  if (!err) {
    strcpy(sku, s);
    if (jqty)
      *qty = (long)jqty->valuedouble;
  }
  cJSON_Delete(doc);
  return err;
}

static enum MHD_Result demo_order_create(struct MHD_Connection *conn,
                                         struct demo_req *req)
{
  enum MHD_Result sent;
  if (!demo_authorized(conn, &sent))
    return sent;
  char sku[DEMO_SKU_MAX + 1];
  long qty;
  const char *err = demo_order_parse(req, sku, &qty);
  if (err)
    return demo_send_error(conn, MHD_HTTP_BAD_REQUEST, err);
  struct demo_order o;
  if (demo_store_order_new(sku, qty, &o) != 0)
    return MHD_NO;
  struct demo_buf b;
  demo_buf_init(&b);
  demo_order_json(&b, &o);
  char where[40];
  snprintf(where, sizeof where, "/orders/%llu", (unsigned long long)o.id);
  return demo_send_buf_hdr(conn, MHD_HTTP_CREATED, &b,
                           MHD_HTTP_HEADER_LOCATION, where);
}

static enum MHD_Result demo_order_show(struct MHD_Connection *conn,
                                       struct demo_req *req)
{
  struct demo_order o;
  if (!req->param_ok || demo_store_order_get(req->param, &o) != 0)
    return demo_send_error(conn, MHD_HTTP_NOT_FOUND, "no such order");
  struct demo_buf b;
  demo_buf_init(&b);
  demo_order_json(&b, &o);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

static enum MHD_Result demo_order_pay(struct MHD_Connection *conn,
                                      struct demo_req *req)
{
  enum MHD_Result sent;
  if (!demo_authorized(conn, &sent))
    return sent;
  struct demo_order o;
  int rc = req->param_ok ? demo_store_order_pay(req->param, &o) : -1;
  if (rc < 0)
    return demo_send_error(conn, MHD_HTTP_NOT_FOUND, "no such order");
  if (rc > 0)
    return demo_send_error(conn, MHD_HTTP_CONFLICT, "order already paid");
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_printf(&b, "{\"id\":%llu,\"status\":\"paid\"}",
                  (unsigned long long)o.id);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

/* ---- products, status, delay, stats ---- */

static enum MHD_Result demo_products(struct MHD_Connection *conn)
{
  const char *limit =
      MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
  if (!limit)
    return MHD_queue_response(conn, MHD_HTTP_OK, demo_resp_products);
  uint64_t n;
  if (!demo_number(limit, strlen(limit), &n))
    return demo_send_error(conn, MHD_HTTP_BAD_REQUEST,
                           "limit must be a whole number");
  if (n >= DEMO_PRODUCTS)
    return MHD_queue_response(conn, MHD_HTTP_OK, demo_resp_products);
  struct demo_buf b;
  demo_buf_init(&b);
  demo_products_json(&b, (unsigned)n);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

static enum MHD_Result demo_status(struct MHD_Connection *conn,
                                   struct demo_req *req)
{
  if (!req->param_ok || req->param < 200 || req->param > 599)
    return demo_send_error(conn, MHD_HTTP_BAD_REQUEST,
                           "status must be from 200 to 599");
  unsigned code = (unsigned)req->param;
  struct demo_buf b;
  demo_buf_init(&b);
  /* 204 and 304 must not carry a body. */
  if (code != 204 && code != 304)
    demo_buf_printf(&b, "{\"status\":%u}", code);
  else
    demo_buf_add(&b, "", 0);
  return demo_send_buf(conn, code, &b);
}

static enum MHD_Result demo_delay(struct MHD_Connection *conn,
                                  struct demo_req *req)
{
  if (!req->param_ok || req->param > DEMO_DELAY_MAX)
    return demo_send_error(conn, MHD_HTTP_BAD_REQUEST,
                           "delay must be from 0 to 60000 ms");
  if (atomic_load(&demo_routes_stopping))
    return demo_send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                           "shutting down");
  if (req->param > 0) {
    req->state = DEMO_REQ_WAITING;
    MHD_suspend_connection(conn);
    if (demo_delay_add(conn, (unsigned)req->param) != 0) {
      req->delay_failed = 1;
      MHD_resume_connection(conn);
    }
    return MHD_YES;
  }
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_printf(&b, "{\"delay_ms\":%u}", (unsigned)req->param);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

/* Called again after the timer thread resumed the connection. */
static enum MHD_Result demo_delay_done(struct MHD_Connection *conn,
                                       struct demo_req *req)
{
  if (req->delay_failed || atomic_load(&demo_routes_stopping))
    return demo_send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                           "shutting down");
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_printf(&b, "{\"delay_ms\":%u}", (unsigned)req->param);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

static enum MHD_Result demo_stats_get(struct MHD_Connection *conn)
{
  struct demo_buf b;
  demo_buf_init(&b);
  demo_stats_json(&b);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

static enum MHD_Result demo_stats_post_reset(struct MHD_Connection *conn)
{
  demo_stats_reset();
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_puts(&b, "{\"status\":\"reset\"}");
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

/* ---- /echo ---- */

struct demo_header {
  const char *name;
  const char *value;
};

struct demo_headers {
  struct demo_header *v;
  size_t n, cap;
  int oom;
};

static enum MHD_Result demo_collect_header(void *cls, enum MHD_ValueKind kind,
                                           const char *key, const char *value)
{
  struct demo_headers *hs = cls;
  (void)kind;
  if (hs->n == hs->cap) {
    size_t cap = hs->cap ? hs->cap * 2 : 16;
    struct demo_header *v = realloc(hs->v, cap * sizeof *v);
    if (!v) {
      hs->oom = 1;
      return MHD_NO;
    }
    hs->v = v;
    hs->cap = cap;
  }
  hs->v[hs->n].name = key;
  hs->v[hs->n].value = value ? value : "";
  hs->n++;
  return MHD_YES;
}

/* {"Name":"v1, v2",...}: repeated headers joined as HTTP allows, under the
 * spelling of their first occurrence. */
static void demo_echo_headers(struct demo_buf *b, const struct demo_headers *hs)
{
  demo_buf_add(b, "{", 1);
  int first = 1;
  for (size_t i = 0; i < hs->n; i++) {
    size_t j;
    for (j = 0; j < i; j++)
      if (strcasecmp(hs->v[j].name, hs->v[i].name) == 0)
        break;
    if (j < i)
      continue; /* already written */
    if (!first)
      demo_buf_add(b, ",", 1);
    first = 0;
    demo_buf_json_str(b, hs->v[i].name, strlen(hs->v[i].name));
    struct demo_buf joined;
    demo_buf_init(&joined);
    for (j = i; j < hs->n; j++) {
      if (strcasecmp(hs->v[j].name, hs->v[i].name) != 0)
        continue;
      if (joined.len)
        demo_buf_add(&joined, ", ", 2);
      demo_buf_puts(&joined, hs->v[j].value);
    }
    demo_buf_add(b, ":", 1);
    demo_buf_json_str(b, joined.data ? joined.data : "", joined.len);
    if (joined.oom)
      b->oom = 1;
    demo_buf_free(&joined);
  }
  demo_buf_add(b, "}", 1);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
static size_t demo_utf8_len(const unsigned char *s, size_t n)
{
  size_t len;
  unsigned min;
  unsigned cp;
  if (s[0] < 0x80)
    return 1;
  if ((s[0] & 0xe0) == 0xc0)
    len = 2, min = 0x80, cp = s[0] & 0x1f;
  else if ((s[0] & 0xf0) == 0xe0)
    len = 3, min = 0x800, cp = s[0] & 0x0f;
  else if ((s[0] & 0xf8) == 0xf0)
    len = 4, min = 0x10000, cp = s[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

/* The body as a JSON string; invalid UTF-8 becomes U+FFFD.  Returns 1 if
 * the body was valid UTF-8. */
static int demo_echo_body(struct demo_buf *b, const char *s, size_t n)
{
  int valid = 1;
  struct demo_buf clean;
  demo_buf_init(&clean);
  for (size_t i = 0; i < n;) {
    size_t len = demo_utf8_len((const unsigned char *)s + i, n - i);
    if (len == 0) {
      demo_buf_add(&clean, "\xef\xbf\xbd", 3);
      valid = 0;
      i++;
    } else {
      demo_buf_add(&clean, s + i, len);
      i += len;
    }
  }
  demo_buf_json_str(b, clean.data ? clean.data : "", clean.len);
  if (clean.oom)
    b->oom = 1;
  demo_buf_free(&clean);
  return valid;
}

static void demo_base64(struct demo_buf *b, const unsigned char *s, size_t n)
{
  static const char tab[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)s[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)s[i + 1] << 8;
    if (i + 2 < n)
      v |= s[i + 2];
    char out[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63],
                   i + 1 < n ? tab[(v >> 6) & 63] : '=',
                   i + 2 < n ? tab[v & 63] : '='};
    demo_buf_add(b, out, 4);
  }
}

/* The last DEMO_ECHO_KEEP /echo requests, for tests that check the exact
 * bytes a client sent: each one a JSON object with every part in base64
 * (method, target, [name, value] headers as received, body).  A ring under
 * a lock (MHD runs one thread per CPU): demo_echo_log, above. */
static void demo_echo_b64str(struct demo_buf *b, const char *s, size_t n)
{
  demo_buf_add(b, "\"", 1);
  demo_base64(b, (const unsigned char *)s, n);
  demo_buf_add(b, "\"", 1);
}

static void demo_echo_record(const char *method, const char *target,
                             const struct demo_headers *hs, const char *body,
                             size_t blen)
{
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_puts(&b, "{\"method\":");
  demo_echo_b64str(&b, method, strlen(method));
  demo_buf_puts(&b, ",\"target\":");
  demo_echo_b64str(&b, target, strlen(target));
  demo_buf_puts(&b, ",\"headers\":[");
  for (size_t i = 0; i < hs->n; i++) {
    demo_buf_puts(&b, i ? ",[" : "[");
    demo_echo_b64str(&b, hs->v[i].name, strlen(hs->v[i].name));
    demo_buf_add(&b, ",", 1);
    demo_echo_b64str(&b, hs->v[i].value, strlen(hs->v[i].value));
    demo_buf_add(&b, "]", 1);
  }
  demo_buf_puts(&b, "],\"body\":");
  demo_echo_b64str(&b, body, blen);
  demo_buf_add(&b, "}", 1);
  char *doc = demo_buf_take(&b, NULL);
  if (!doc)
    return; /* out of memory: this one is not recorded */
  pthread_mutex_lock(&demo_echo_lock);
  size_t slot = demo_echo_count++ % DEMO_ECHO_KEEP;
  free(demo_echo_log[slot]);
  demo_echo_log[slot] = doc;
  pthread_mutex_unlock(&demo_echo_lock);
}

/* GET /echoes: [oldest, ..., newest] of the recorded /echo requests. */
static enum MHD_Result demo_echoes(struct MHD_Connection *conn)
{
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_add(&b, "[", 1);
  pthread_mutex_lock(&demo_echo_lock);
  size_t n = demo_echo_count < DEMO_ECHO_KEEP ? demo_echo_count : DEMO_ECHO_KEEP;
  for (size_t i = 0; i < n; i++) {
    size_t slot = (demo_echo_count - n + i) % DEMO_ECHO_KEEP;
    if (i)
      demo_buf_add(&b, ",", 1);
    demo_buf_puts(&b, demo_echo_log[slot]);
  }
  pthread_mutex_unlock(&demo_echo_lock);
  demo_buf_add(&b, "]", 1);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

/* ---- /upload ---- */

/* The first occurrence of needle in hay[0..n), or NULL. */
static const char *demo_find(const char *hay, size_t n, const char *needle, size_t nlen)
{
  return nlen <= n ? memmem(hay, n, needle, nlen) : NULL;
}

/* The boundary of a multipart/form-data Content-Type, into out. */
static int demo_boundary(const char *ctype, char *out, size_t size)
{
  if (!ctype || strncasecmp(ctype, "multipart/form-data", 19) != 0)
    return 0;
  const char *p = strcasestr(ctype, "boundary=");
  if (!p)
    return 0;
  p += 9;
  int quoted = *p == '"';
  p += quoted;
  size_t n = 0;
  while (p[n] && (quoted ? p[n] != '"' : p[n] != ';' && p[n] != ' '))
    n++;
  if (n == 0 || n > 70 || n + 1 > size)
    return 0;
  memcpy(out, p, n);
  out[n] = '\0';
  return 1;
}

/* The value of param (name=, filename=) in a Content-Disposition line
 * h[0..n): a quoted string, taken as it is (browsers write '"' as %22). */
static int demo_disp_param(const char *h, size_t n, const char *param, const char **v, size_t *vlen)
{
  size_t plen = strlen(param);
  for (size_t i = 0; i + plen + 1 < n; i++) {
    if ((i > 0 && h[i - 1] != ' ' && h[i - 1] != ';') || strncasecmp(h + i, param, plen) != 0 ||
        h[i + plen] != '=' || h[i + plen + 1] != '"')
      continue;
    const char *s = h + i + plen + 2;
    const char *e = memchr(s, '"', n - (size_t)(s - h));
    if (!e)
      return 0;
    *v = s;
    *vlen = (size_t)(e - s);
    return 1;
  }
  return 0;
}

/* One part's JSON: its headers h[0..hn) and content c[0..cn). */
static int demo_upload_part(struct demo_buf *b, const char *h, size_t hn, const char *c, size_t cn)
{
  const char *name = NULL, *fname = NULL, *ctype = NULL;
  size_t namelen = 0, fnamelen = 0, ctypelen = 0;
  for (size_t i = 0; i < hn;) {
    const char *eol = demo_find(h + i, hn - i, "\r\n", 2);
    size_t len = eol ? (size_t)(eol - (h + i)) : hn - i;
    const char *line = h + i;
    if (len > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
      if (!demo_disp_param(line, len, "name", &name, &namelen))
        return 0;
      demo_disp_param(line, len, "filename", &fname, &fnamelen);
    } else if (len > 13 && strncasecmp(line, "Content-Type:", 13) == 0) {
      ctype = line + 13;
      ctypelen = len - 13;
      while (ctypelen && *ctype == ' ') {
        ctype++;
        ctypelen--;
      }
    }
    i += len + 2;
  }
  if (!name)
    return 0;
  demo_buf_puts(b, "{\"name\":");
  demo_buf_json_str(b, name, namelen);
  demo_buf_puts(b, ",\"filename\":");
  if (fname)
    demo_buf_json_str(b, fname, fnamelen);
  else
    demo_buf_puts(b, "null");
  demo_buf_puts(b, ",\"content_type\":");
  if (ctype)
    demo_buf_json_str(b, ctype, ctypelen);
  else
    demo_buf_puts(b, "null");
  demo_buf_printf(b, ",\"length\":%zu,\"base64\":\"", cn);
  demo_base64(b, (const unsigned char *)c, cn);
  demo_buf_puts(b, "\"}");
  return 1;
}

/* POST /upload: a multipart/form-data body, parsed strictly (CRLF line
 * ends, a closing delimiter) -> {"parts":[{"name","filename","content_type",
 * "length","base64"}...],"count":N}; anything else 400. */
static enum MHD_Result demo_upload(struct MHD_Connection *conn, struct demo_req *req)
{
  char bound[80], delim[84];
  const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  if (!demo_boundary(ct, bound, sizeof bound))
    return demo_send_error(conn, MHD_HTTP_BAD_REQUEST, "expected multipart/form-data with a boundary");
  size_t dlen = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", bound);
  const char *body = req->body.data ? req->body.data : "";
  size_t n = req->body.len;
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_puts(&b, "{\"parts\":[");
  /* the first delimiter has no CRLF before it */
  const char *p = n >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0 ? body + dlen - 2 : NULL;
  const char *end = body + n;
  size_t count = 0;
  const char *err = p ? NULL : "the body does not start with the boundary";
  while (!err) {
    if (end - p >= 2 && p[0] == '-' && p[1] == '-')
      break; /* the closing delimiter */
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
      err = "a delimiter without CRLF after it";
      break;
    }
    p += 2;
    const char *hend = demo_find(p, (size_t)(end - p), "\r\n\r\n", 4);
    const char *next = hend ? demo_find(hend + 4, (size_t)(end - hend - 4), delim, dlen) : NULL;
    if (!next) {
      err = hend ? "a part without a delimiter after it" : "a part without the blank line after its headers";
      break;
    }
    if (count++)
      demo_buf_add(&b, ",", 1);
    if (!demo_upload_part(&b, p, (size_t)(hend - p) + 2, hend + 4, (size_t)(next - hend - 4))) {
      err = "a part without Content-Disposition: form-data; name=\"...\"";
      break;
    }
    p = next + dlen;
  }
  if (err) {
    demo_buf_free(&b);
    return demo_send_error(conn, MHD_HTTP_BAD_REQUEST, err);
  }
  demo_buf_printf(&b, "],\"count\":%zu}", count);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

/* ,"client":"ADDR:PORT": the client's end of the connection, so tests can
 * tell which connection carried a request. */
static void demo_echo_client(struct demo_buf *b, struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ci->client_addr;
    if (!inet_ntop(AF_INET, &a->sin_addr, host, sizeof host))
      strcpy(host, "?");
    port = ntohs(a->sin_port);
  } else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ci->client_addr;
    if (!inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host))
      strcpy(host, "?");
    port = ntohs(a->sin6_port);
  }
  demo_buf_printf(b, ",\"client\":\"%s:%u\"", host, port);
}

static enum MHD_Result demo_echo(struct MHD_Connection *conn,
                                 struct demo_req *req, const char *url,
                                 const char *method, const char *version)
{
  struct demo_headers hs = {0};
  MHD_get_connection_values(conn, MHD_HEADER_KIND, demo_collect_header, &hs);
  const char *target = req->raw_uri ? req->raw_uri : url;
  const char *q = strchr(target, '?');
  size_t plen = q ? (size_t)(q - target) : strlen(target);
  const char *body = req->body.data ? req->body.data : "";

  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_puts(&b, "{\"method\":");
  demo_buf_json_str(&b, method, strlen(method));
  demo_buf_puts(&b, ",\"path\":");
  demo_buf_json_str(&b, target, plen);
  demo_buf_puts(&b, ",\"query\":");
  demo_buf_json_str(&b, q ? q + 1 : "", q ? strlen(q + 1) : 0);
  demo_buf_puts(&b, ",\"version\":");
  demo_buf_json_str(&b, version, strlen(version));
  demo_echo_client(&b, conn);
  demo_buf_puts(&b, ",\"headers\":");
  demo_echo_headers(&b, &hs);
  demo_buf_puts(&b, ",\"header_list\":[");
  for (size_t i = 0; i < hs.n; i++) {
    demo_buf_puts(&b, i ? ",[" : "[");
    demo_buf_json_str(&b, hs.v[i].name, strlen(hs.v[i].name));
    demo_buf_add(&b, ",", 1);
    demo_buf_json_str(&b, hs.v[i].value, strlen(hs.v[i].value));
    demo_buf_add(&b, "]", 1);
  }
  demo_buf_printf(&b, "],\"body_length\":%zu,\"body\":", req->body.len);
  if (!demo_echo_body(&b, body, req->body.len)) {
    demo_buf_puts(&b, ",\"body_base64\":\"");
    demo_base64(&b, (const unsigned char *)body, req->body.len);
    demo_buf_add(&b, "\"", 1);
  }
  demo_buf_add(&b, "}", 1);
  if (hs.oom)
    b.oom = 1;
  else
    demo_echo_record(method, target, &hs, body, req->body.len);
  free(hs.v);
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

/* ---- /redirect/{n}, /cookies ---- */

/* /redirect/{n}: n more redirects (status S from ?status=, default 302) to
 * /redirect/{n-1}; /redirect/0 answers {"method":M} (what the last hop used). */
static enum MHD_Result demo_redirect(struct MHD_Connection *conn,
                                     struct demo_req *req, const char *method)
{
  if (!req->param_ok || req->param > 50)
    return demo_send_error(conn, MHD_HTTP_BAD_REQUEST,
                           "redirects must be from 0 to 50");
  const char *st = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
                                               "status");
  unsigned code = st ? (unsigned)strtoul(st, NULL, 10) : 302;
  if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308)
    return demo_send_error(conn, MHD_HTTP_BAD_REQUEST,
                           "status must be 301, 302, 303, 307 or 308");
  struct demo_buf b;
  demo_buf_init(&b);
  if (req->param == 0) {
    demo_buf_puts(&b, "{\"method\":");
    demo_buf_json_str(&b, method, strlen(method));
    demo_buf_printf(&b, ",\"body_length\":%zu}", req->body.len);
    return demo_send_buf(conn, MHD_HTTP_OK, &b);
  }
  char loc[64];
  if (st)
    snprintf(loc, sizeof loc, "/redirect/%u?status=%u",
             (unsigned)req->param - 1, code);
  else
    snprintf(loc, sizeof loc, "/redirect/%u", (unsigned)req->param - 1);
  demo_buf_printf(&b, "{\"location\":\"%s\"}", loc);
  return demo_send_buf_hdr(conn, code, &b, MHD_HTTP_HEADER_LOCATION, loc);
}

struct demo_cookie_set {
  struct MHD_Response *r;
  int failed;
};

/* One Set-Cookie per query pair: "k=v; Path=/", or an expired "k=" for a
 * key without a value. */
static enum MHD_Result demo_cookie_arg(void *cls, enum MHD_ValueKind kind,
                                       const char *key, const char *value)
{
  struct demo_cookie_set *cs = cls;
  char line[512];
  (void)kind;
  if (value && *value)
    snprintf(line, sizeof line, "%s=%s; Path=/", key, value);
  else
    snprintf(line, sizeof line, "%s=; Path=/; Max-Age=0", key);
  if (MHD_add_response_header(cs->r, MHD_HTTP_HEADER_SET_COOKIE, line) != MHD_YES)
    cs->failed = 1;
  return MHD_YES;
}

static enum MHD_Result demo_cookies_set(struct MHD_Connection *conn)
{
  struct demo_cookie_set cs = {demo_static("{\"status\":\"set\"}"), 0};
  if (!cs.r)
    return MHD_NO;
  MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, demo_cookie_arg, &cs);
  enum MHD_Result ok = cs.failed ? MHD_NO : MHD_queue_response(conn, MHD_HTTP_OK, cs.r);
  MHD_destroy_response(cs.r);
  return ok;
}

static enum MHD_Result demo_cookie_json(void *cls, enum MHD_ValueKind kind,
                                        const char *key, const char *value)
{
  struct demo_buf *b = cls;
  (void)kind;
  if (b->len > 12)
    demo_buf_add(b, ",", 1);
  demo_buf_json_str(b, key, strlen(key));
  demo_buf_add(b, ":", 1);
  demo_buf_json_str(b, value ? value : "", value ? strlen(value) : 0);
  return MHD_YES;
}

/* {"cookies":{k:v,...}}: the cookies the request sent. */
static enum MHD_Result demo_cookies(struct MHD_Connection *conn)
{
  struct demo_buf b;
  demo_buf_init(&b);
  demo_buf_puts(&b, "{\"cookies\":{");
  MHD_get_connection_values(conn, MHD_COOKIE_KIND, demo_cookie_json, &b);
  demo_buf_puts(&b, "}}");
  return demo_send_buf(conn, MHD_HTTP_OK, &b);
}

/* ---- dispatch ---- */

static int demo_allowed(enum demo_route r, enum demo_method m,
                        const char **allow)
{
  switch (r) {
  case DEMO_R_HEALTH:
  case DEMO_R_PRODUCTS:
  case DEMO_R_PRODUCT:
  case DEMO_R_ORDER:
  case DEMO_R_STATS:
  case DEMO_R_ECHOES:
  case DEMO_R_COOKIES:
  case DEMO_R_COOKIES_SET:
    *allow = "GET, HEAD";
    return m == DEMO_M_GET || m == DEMO_M_HEAD;
  case DEMO_R_LOGIN:
  case DEMO_R_ORDERS:
  case DEMO_R_ORDER_PAY:
  case DEMO_R_STATS_RESET:
  case DEMO_R_UPLOAD:
    *allow = "POST";
    return m == DEMO_M_POST;
  default:
    return 1;
  }
}

static enum MHD_Result demo_dispatch(struct MHD_Connection *conn,
                                     struct demo_req *req, const char *url,
                                     const char *method, const char *version)
{
  const char *allow = NULL;
  if (!demo_allowed(req->route, req->method, &allow))
    return demo_send_error_hdr(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                               "method not allowed", MHD_HTTP_HEADER_ALLOW,
                               allow);
  if (req->too_large)
    return demo_send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                           "body larger than 1 MiB");
  switch (req->route) {
  case DEMO_R_HEALTH:
    return MHD_queue_response(conn, MHD_HTTP_OK, demo_resp_health);
  case DEMO_R_PRODUCTS:
    return demo_products(conn);
  case DEMO_R_PRODUCT:
    if (req->param_ok && req->param >= 1 && req->param <= DEMO_PRODUCTS)
      return MHD_queue_response(conn, MHD_HTTP_OK,
                                demo_resp_product[req->param]);
    return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, demo_resp_no_product);
  case DEMO_R_LOGIN:
    return demo_login(conn, req);
  case DEMO_R_ORDERS:
    return demo_order_create(conn, req);
  case DEMO_R_ORDER:
    return demo_order_show(conn, req);
  case DEMO_R_ORDER_PAY:
    return demo_order_pay(conn, req);
  case DEMO_R_STATUS:
    return demo_status(conn, req);
  case DEMO_R_DELAY:
    return demo_delay(conn, req);
  case DEMO_R_ECHO:
    return demo_echo(conn, req, url, method, version);
  case DEMO_R_ECHOES:
    return demo_echoes(conn);
  case DEMO_R_STATS:
    return demo_stats_get(conn);
  case DEMO_R_STATS_RESET:
    return demo_stats_post_reset(conn);
  case DEMO_R_REDIRECT:
    return demo_redirect(conn, req, method);
  case DEMO_R_COOKIES:
    return demo_cookies(conn);
  case DEMO_R_COOKIES_SET:
    return demo_cookies_set(conn);
  case DEMO_R_UPLOAD:
    return demo_upload(conn, req);
  case DEMO_R_OTHER:
  case DEMO_R_COUNT:
    break;
  }
  return demo_queue(conn, MHD_HTTP_NOT_FOUND, demo_resp_not_found);
}

/* ---- MHD callbacks ---- */

void *demo_routes_uri_log(void *cls, const char *uri,
                          struct MHD_Connection *conn)
{
  (void)cls;
  (void)conn;
  struct demo_req *req = calloc(1, sizeof *req);
  if (!req)
    return NULL;
  demo_buf_init(&req->body);
  /* Only /echo reports the raw target; the rest route on MHD's URL. */
  if (uri && strncmp(uri, "/echo", 5) == 0) {
    req->raw_uri = strdup(uri);
    if (!req->raw_uri) {
      free(req);
      return NULL;
    }
  }
  return req;
}

/* The first call: classify and count; refuse a body declared too big. */
static enum MHD_Result demo_start(struct MHD_Connection *conn,
                                  struct demo_req *req, const char *url,
                                  const char *method)
{
  req->state = DEMO_REQ_STARTED;
  req->route = demo_match(req, url);
  req->method = demo_stats_method(method);
  demo_stats_count(req->route, req->method);
  const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                               MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl && strtoull(cl, NULL, 10) > DEMO_BODY_MAX)
    return demo_send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                           "body larger than 1 MiB");
  return MHD_YES;
}

enum MHD_Result demo_routes_handle(void *cls, struct MHD_Connection *conn,
                                   const char *url, const char *method,
                                   const char *version, const char *upload,
                                   size_t *upload_size, void **req_cls)
{
  (void)cls;
  struct demo_req *req = *req_cls;
  if (!req) {
    req = demo_routes_uri_log(NULL, "", conn);
    if (!req)
      return MHD_NO;
    *req_cls = req;
  }
  if (req->state == DEMO_REQ_NEW)
    return demo_start(conn, req, url, method);
  if (*upload_size) {
    if (req->body.len + *upload_size > DEMO_BODY_MAX)
      req->too_large = 1;
    else
      demo_buf_add(&req->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (req->body.oom)
    return MHD_NO;
  if (req->state == DEMO_REQ_WAITING)
    return demo_delay_done(conn, req);
  return demo_dispatch(conn, req, url, method, version);
}

void demo_routes_completed(void *cls, struct MHD_Connection *conn,
                           void **req_cls,
                           enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)conn;
  (void)toe;
  struct demo_req *req = *req_cls;
  if (!req)
    return;
  demo_buf_free(&req->body);
  free(req->raw_uri);
  free(req);
  *req_cls = NULL;
}
