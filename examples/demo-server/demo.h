/* demo.h — internal interfaces of crowd-demo-server, the demo shop that the
 * examples and end-to-end tests run against.
 *
 * Ownership: a demo_buf owns its heap bytes until demo_buf_take() hands them
 * to the caller (who frees them, or gives them to MHD with MUST_FREE).  The
 * store (users, orders, stats) and the delay queue own their state behind
 * their own locks; callers pass in borrowed strings and get copies out.
 * Nothing here is global outside its module.
 */
#ifndef CROWD_DEMO_H
#define CROWD_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

/* ---- buf.c: a growable byte buffer for building JSON bodies ---- */

struct demo_buf {
  char *data;
  size_t len;
  size_t cap;
  int oom; /* set once an allocation failed; later appends are no-ops */
};

void demo_buf_init(struct demo_buf *b);
void demo_buf_free(struct demo_buf *b);
void demo_buf_add(struct demo_buf *b, const void *p, size_t n);
void demo_buf_puts(struct demo_buf *b, const char *s);
void demo_buf_printf(struct demo_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s[0..n) as a quoted JSON string (control bytes and NULs escaped;
 * other bytes copied as they are). */
void demo_buf_json_str(struct demo_buf *b, const char *s, size_t n);
/* Returns the NUL-terminated bytes (caller frees) or NULL after a failure;
 * the buffer is left empty. */
char *demo_buf_take(struct demo_buf *b, size_t *len);

/* ---- stats.c: request counters per route kind and method ---- */

enum demo_route {
  DEMO_R_HEALTH,
  DEMO_R_PRODUCTS,
  DEMO_R_PRODUCT,
  DEMO_R_LOGIN,
  DEMO_R_ORDERS,
  DEMO_R_ORDER,
  DEMO_R_ORDER_PAY,
  DEMO_R_STATUS,
  DEMO_R_DELAY,
  DEMO_R_ECHO,
  DEMO_R_ECHOES,
  DEMO_R_STATS,
  DEMO_R_STATS_RESET,
  DEMO_R_REDIRECT,
  DEMO_R_COOKIES,
  DEMO_R_COOKIES_SET,
  DEMO_R_UPLOAD,
  DEMO_R_OTHER,
  DEMO_R_COUNT
};

enum demo_method {
  DEMO_M_GET,
  DEMO_M_HEAD,
  DEMO_M_POST,
  DEMO_M_PUT,
  DEMO_M_DELETE,
  DEMO_M_PATCH,
  DEMO_M_OPTIONS,
  DEMO_M_OTHER,
  DEMO_M_COUNT
};

enum demo_method demo_stats_method(const char *method);
const char *demo_stats_route_name(enum demo_route r);
void demo_stats_count(enum demo_route r, enum demo_method m);
void demo_stats_reset(void);
/* Appends {"total":N,"routes":{"GET /health":N,...}} (non-zero only). */
void demo_stats_json(struct demo_buf *b);

/* ---- store.c: logged-in users and orders ---- */

#define DEMO_SKU_MAX 64

struct demo_order {
  uint64_t id;
  char sku[DEMO_SKU_MAX + 1];
  long qty;
  int paid;
};

int demo_store_init(void);
void demo_store_fini(void);
/* 0 on success, -1 when out of memory or the user table is full. */
int demo_store_login(const char *user, size_t len);
int demo_store_has_user(const char *user, size_t len);
/* Fills *out (with the new id) and returns 0, or -1 when out of memory. */
int demo_store_order_new(const char *sku, long qty, struct demo_order *out);
/* 0 found, -1 no such order (or aged out of the window). */
int demo_store_order_get(uint64_t id, struct demo_order *out);
/* 0 paid now, -1 no such order, 1 was already paid. */
int demo_store_order_pay(uint64_t id, struct demo_order *out);

/* ---- delay.c: the timer thread that resumes suspended connections ---- */

int demo_delay_start(void);
/* Call from the access handler right after MHD_suspend_connection();
 * -1 (out of memory, or stopping): the caller must resume it itself. */
int demo_delay_add(struct MHD_Connection *conn, unsigned ms);
/* Stops the thread and resumes every connection still waiting. */
void demo_delay_stop(void);

/* ---- routes.c: the request handler ---- */

int demo_routes_init(void);
void demo_routes_fini(void);
/* Called once shutdown begins: delayed requests answer 503 on resume. */
void demo_routes_shutting_down(void);
void *demo_routes_uri_log(void *cls, const char *uri,
                          struct MHD_Connection *conn);
enum MHD_Result demo_routes_handle(void *cls, struct MHD_Connection *conn,
                                   const char *url, const char *method,
                                   const char *version, const char *upload,
                                   size_t *upload_size, void **req_cls);
void demo_routes_completed(void *cls, struct MHD_Connection *conn,
                           void **req_cls,
                           enum MHD_RequestTerminationCode toe);

#endif
