/* store.c — the demo shop's state: who has logged in, and the orders.
 *
 * One mutex guards each table; critical sections are a hash probe or a
 * struct copy.  Memory is bounded so that a long load test cannot make the
 * server fall over: at most DEMO_USERS_MAX distinct users, and the newest
 * DEMO_ORDERS_WINDOW orders (older ids answer 404, as if archived). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define DEMO_USERS_MAX (1u << 20)
#define DEMO_ORDERS_CHUNK 4096u
#define DEMO_ORDERS_CHUNKS 64u
#define DEMO_ORDERS_WINDOW (DEMO_ORDERS_CHUNK * DEMO_ORDERS_CHUNKS)

struct demo_user {
  char *name; /* NULL: empty slot */
  size_t len;
  uint64_t hash;
};

static pthread_mutex_t demo_users_lock = PTHREAD_MUTEX_INITIALIZER;
static struct demo_user *demo_users;
static size_t demo_users_cap; /* power of two */
static size_t demo_users_n;

static pthread_mutex_t demo_orders_lock = PTHREAD_MUTEX_INITIALIZER;
static struct demo_order *demo_orders[DEMO_ORDERS_CHUNKS];
static uint64_t demo_orders_last; /* id of the newest order; 0 = none */

static uint64_t demo_store_hash(const char *s, size_t n)
{
  uint64_t h = 14695981039346656037ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* The slot holding the name, or the empty slot where it belongs. */
static struct demo_user *demo_store_probe(struct demo_user *tab, size_t cap,
                                          const char *s, size_t n,
                                          uint64_t h)
{
  size_t i = (size_t)h & (cap - 1);
  for (;;) {
    struct demo_user *u = &tab[i];
    if (!u->name ||
        (u->hash == h && u->len == n && memcmp(u->name, s, n) == 0))
      return u;
    i = (i + 1) & (cap - 1);
  }
}

static int demo_store_grow_users(void)
{
  size_t cap = demo_users_cap * 2;
  struct demo_user *tab = calloc(cap, sizeof *tab);
  if (!tab)
    return -1;
  for (size_t i = 0; i < demo_users_cap; i++) {
    struct demo_user *u = &demo_users[i];
    if (u->name)
      *demo_store_probe(tab, cap, u->name, u->len, u->hash) = *u;
  }
  free(demo_users);
  demo_users = tab;
  demo_users_cap = cap;
  return 0;
}

int demo_store_init(void)
{
  demo_users_cap = 1024;
  demo_users = calloc(demo_users_cap, sizeof *demo_users);
  return demo_users ? 0 : -1;
}

void demo_store_fini(void)
{
  for (size_t i = 0; i < demo_users_cap; i++)
    free(demo_users[i].name);
  free(demo_users);
  demo_users = NULL;
  demo_users_cap = demo_users_n = 0;
  for (size_t c = 0; c < DEMO_ORDERS_CHUNKS; c++) {
    free(demo_orders[c]);
    demo_orders[c] = NULL;
  }
}

int demo_store_login(const char *user, size_t len)
{
  uint64_t h = demo_store_hash(user, len);
  int rc = 0;
  pthread_mutex_lock(&demo_users_lock);
  struct demo_user *u =
      demo_store_probe(demo_users, demo_users_cap, user, len, h);
  if (u->name)
    goto out;
  if (demo_users_n >= DEMO_USERS_MAX) {
    rc = -1;
    goto out;
  }
  if ((demo_users_n + 1) * 2 > demo_users_cap) {
    if (demo_store_grow_users() != 0) {
      rc = -1;
      goto out;
    }
    u = demo_store_probe(demo_users, demo_users_cap, user, len, h);
  }
  char *copy = malloc(len + 1);
  if (!copy) {
    rc = -1;
    goto out;
  }
  memcpy(copy, user, len);
  copy[len] = '\0';
  u->name = copy;
  u->len = len;
  u->hash = h;
  demo_users_n++;
out:
  pthread_mutex_unlock(&demo_users_lock);
  return rc;
}

int demo_store_has_user(const char *user, size_t len)
{
  uint64_t h = demo_store_hash(user, len);
  pthread_mutex_lock(&demo_users_lock);
  int found =
      demo_store_probe(demo_users, demo_users_cap, user, len, h)->name != NULL;
  pthread_mutex_unlock(&demo_users_lock);
  return found;
}

/* The slot for an id, allocating its chunk when asked; NULL if none. */
static struct demo_order *demo_store_slot(uint64_t id, int create)
{
  uint64_t i = (id - 1) % DEMO_ORDERS_WINDOW;
  struct demo_order **chunk = &demo_orders[i / DEMO_ORDERS_CHUNK];
  if (!*chunk) {
    if (!create)
      return NULL;
    *chunk = calloc(DEMO_ORDERS_CHUNK, sizeof **chunk);
    if (!*chunk)
      return NULL;
  }
  return &(*chunk)[i % DEMO_ORDERS_CHUNK];
}

int demo_store_order_new(const char *sku, long qty, struct demo_order *out)
{
  int rc = -1;
  pthread_mutex_lock(&demo_orders_lock);
  uint64_t id = demo_orders_last + 1;
  struct demo_order *o = demo_store_slot(id, 1);
  if (o) {
    o->id = id;
    strncpy(o->sku, sku, DEMO_SKU_MAX);
    o->sku[DEMO_SKU_MAX] = '\0';
    o->qty = qty;
    o->paid = 0;
    *out = *o;
    demo_orders_last = id;
    rc = 0;
  }
  pthread_mutex_unlock(&demo_orders_lock);
  return rc;
}

/* The live order with this id, or NULL; call with the lock held. */
static struct demo_order *demo_store_find(uint64_t id)
{
  if (id == 0 || id > demo_orders_last)
    return NULL;
  struct demo_order *o = demo_store_slot(id, 0);
  return o && o->id == id ? o : NULL;
}

int demo_store_order_get(uint64_t id, struct demo_order *out)
{
  pthread_mutex_lock(&demo_orders_lock);
  struct demo_order *o = demo_store_find(id);
  if (o)
    *out = *o;
  pthread_mutex_unlock(&demo_orders_lock);
  return o ? 0 : -1;
}

int demo_store_order_pay(uint64_t id, struct demo_order *out)
{
  int rc = -1;
  pthread_mutex_lock(&demo_orders_lock);
  struct demo_order *o = demo_store_find(id);
  if (o) {
    rc = o->paid ? 1 : 0;
    o->paid = 1;
    *out = *o;
  }
  pthread_mutex_unlock(&demo_orders_lock);
  return rc;
}
