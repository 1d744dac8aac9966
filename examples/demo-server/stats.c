/* stats.c — how many requests the demo server received, per route kind and
 * method.  Lock-free: one relaxed atomic counter per (route, method) pair.
 * Requests to /stats and /stats/reset themselves are not counted, so a test
 * can read and reset the numbers without disturbing them. */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "demo.h"

static atomic_ullong demo_stats_counts[DEMO_R_COUNT][DEMO_M_COUNT];

static const char *const demo_stats_routes[DEMO_R_COUNT] = {
  [DEMO_R_HEALTH] = "/health",
  [DEMO_R_PRODUCTS] = "/api/products",
  [DEMO_R_PRODUCT] = "/api/products/{id}",
  [DEMO_R_LOGIN] = "/login",
  [DEMO_R_ORDERS] = "/orders",
  [DEMO_R_ORDER] = "/orders/{id}",
  [DEMO_R_ORDER_PAY] = "/orders/{id}/pay",
  [DEMO_R_STATUS] = "/status/{code}",
  [DEMO_R_DELAY] = "/delay/{ms}",
  [DEMO_R_ECHO] = "/echo",
  [DEMO_R_ECHOES] = "/echoes",
  [DEMO_R_STATS] = "/stats",
  [DEMO_R_STATS_RESET] = "/stats/reset",
  [DEMO_R_REDIRECT] = "/redirect/{n}",
  [DEMO_R_COOKIES] = "/cookies",
  [DEMO_R_COOKIES_SET] = "/cookies/set",
  [DEMO_R_UPLOAD] = "/upload",
  [DEMO_R_OTHER] = "(other)",
};

static const char *const demo_stats_methods[DEMO_M_COUNT] = {
  [DEMO_M_GET] = "GET",
  [DEMO_M_HEAD] = "HEAD",
  [DEMO_M_POST] = "POST",
  [DEMO_M_PUT] = "PUT",
  [DEMO_M_DELETE] = "DELETE",
  [DEMO_M_PATCH] = "PATCH",
  [DEMO_M_OPTIONS] = "OPTIONS",
  [DEMO_M_OTHER] = "OTHER",
};

enum demo_method demo_stats_method(const char *method)
{
  for (int m = 0; m < DEMO_M_OTHER; m++)
    if (strcmp(method, demo_stats_methods[m]) == 0)
      return (enum demo_method)m;
  return DEMO_M_OTHER;
}

const char *demo_stats_route_name(enum demo_route r)
{
  return demo_stats_routes[r];
}

void demo_stats_count(enum demo_route r, enum demo_method m)
{
  if (r == DEMO_R_STATS || r == DEMO_R_STATS_RESET || r == DEMO_R_ECHOES)
    return;
  atomic_fetch_add_explicit(&demo_stats_counts[r][m], 1,
                            memory_order_relaxed);
}

void demo_stats_reset(void)
{
  for (int r = 0; r < DEMO_R_COUNT; r++)
    for (int m = 0; m < DEMO_M_COUNT; m++)
      atomic_store_explicit(&demo_stats_counts[r][m], 0,
                            memory_order_relaxed);
}

void demo_stats_json(struct demo_buf *b)
{
  unsigned long long snap[DEMO_R_COUNT][DEMO_M_COUNT];
  unsigned long long total = 0;
  for (int r = 0; r < DEMO_R_COUNT; r++)
    for (int m = 0; m < DEMO_M_COUNT; m++) {
      snap[r][m] = atomic_load_explicit(&demo_stats_counts[r][m],
                                        memory_order_relaxed);
      total += snap[r][m];
    }
  demo_buf_printf(b, "{\"total\":%llu,\"routes\":{", total);
  const char *sep = "";
  for (int r = 0; r < DEMO_R_COUNT; r++)
    for (int m = 0; m < DEMO_M_COUNT; m++) {
      if (snap[r][m] == 0)
        continue;
      demo_buf_printf(b, "%s\"%s %s\":%llu", sep, demo_stats_methods[m],
                      demo_stats_routes[r], snap[r][m]);
      sep = ",";
    }
  demo_buf_puts(b, "}}");
}
