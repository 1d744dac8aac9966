#include "config.h"

#include "dispatch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the Kullback-Leibler generator --------------------------------------------- */

/* Locust's heap order: the smallest (kl, x, weight, name) tuple comes first. */
static bool kl_before(const crowd_dispatch *d, const crowd_kl_entry *a, const crowd_kl_entry *b)
{
  if (a->kl != b->kl)
    return a->kl < b->kl;
  if (a->x != b->x)
    return a->x < b->x;
  if (a->weight != b->weight)
    return a->weight < b->weight;
  return strcmp(d->names[a->cls], d->names[b->cls]) < 0;
}

/* A generator over the classes whose weight w[i] is > 0; 0 or -1. */
static int kl_init(crowd_kl_gen *g, int n, const double *w)
{
  g->n = 0;
  free(g->e);
  g->e = n > 0 ? calloc((size_t)n, sizeof *g->e) : NULL;
  if (n > 0 && g->e == NULL)
    return -1;
  for (int i = 0; i < n; i++) {
    if (!(w[i] > 0))
      continue;
    crowd_kl_entry *e = &g->e[g->n++];
    e->weight = w[i];
    e->kl = w[i] * log2(w[i] / (w[i] + 1.0));
    e->x = w[i] + 1.0;
    e->cls = i;
  }
  return 0;
}

/* The next class (the first in Locust's order), or -1 for an empty generator.
 * A handful of classes: a linear scan is the heap. */
static int kl_next(const crowd_dispatch *d, crowd_kl_gen *g)
{
  if (g->n == 0)
    return -1;
  crowd_kl_entry *best = &g->e[0];
  for (int i = 1; i < g->n; i++)
    if (kl_before(d, &g->e[i], best))
      best = &g->e[i];
  int cls = best->cls;
  best->kl = best->weight * log2(best->x / (best->x + 1.0));
  best->x += 1.0;
  return cls;
}

/* ---- the dispatcher --------------------------------------------------------------- */

int crowd_dispatch_init(crowd_dispatch *d, int n, const char *const *names,
                        const double *weights, const long *fixed)
{
  memset(d, 0, sizeof *d);
  d->nclasses = n;
  d->try_fixed = true;
  size_t m = n > 0 ? (size_t)n : 1;
  d->names = calloc(m, sizeof *d->names);
  d->weight = calloc(m, sizeof *d->weight);
  d->fixed = calloc(m, sizeof *d->fixed);
  d->count = calloc(m, sizeof *d->count);
  if (d->names == NULL || d->weight == NULL || d->fixed == NULL || d->count == NULL)
    return -1;
  for (int i = 0; i < n; i++) {
    d->names[i] = names[i];
    d->fixed[i] = fixed ? fixed[i] : 0;
    /* a class with a fixed count takes no part in the weighted generator */
    d->weight[i] = d->fixed[i] > 0 ? 0 : weights[i];
  }
  return kl_init(&d->weighted, n, d->weight);
}

void crowd_dispatch_free(crowd_dispatch *d)
{
  free(d->names);
  free(d->weight);
  free(d->fixed);
  free(d->count);
  free(d->weighted.e);
  free(d->fixed_gen.e);
  free(d->active);
  free(d->allowed);
  memset(d, 0, sizeof *d);
}

/* A new generator over the fixed counts still missing. */
static int start_fixed(crowd_dispatch *d)
{
  double *miss = calloc((size_t)(d->nclasses > 0 ? d->nclasses : 1), sizeof *miss);
  if (miss == NULL)
    return -1;
  d->fixed_left = 0;
  for (int i = 0; i < d->nclasses; i++)
    if (d->fixed[i] > d->count[i] && (d->allowed == NULL || d->allowed[i])) {
      miss[i] = (double)(d->fixed[i] - d->count[i]);
      d->fixed_left += d->fixed[i] - d->count[i];
    }
  int rc = kl_init(&d->fixed_gen, d->nclasses, miss);
  free(miss);
  return rc;
}

int crowd_dispatch_add(crowd_dispatch *d)
{
  int cls;
  if (d->fixed_left == 0 && d->try_fixed) {
    d->try_fixed = false;
    if (start_fixed(d) != 0)
      return -1;
  }
  if (d->fixed_left > 0) {
    d->fixed_left--;
    cls = kl_next(d, &d->fixed_gen);
  } else {
    cls = kl_next(d, &d->weighted);
  }
  if (cls < 0)
    return -1;
  if (d->nactive == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 64;
    int *a = realloc(d->active, cap * sizeof *a);
    if (a == NULL)
      return -1;
    d->active = a;
    d->cap = cap;
  }
  d->active[d->nactive++] = cls;
  d->count[cls]++;
  return cls;
}

int crowd_dispatch_remove(crowd_dispatch *d)
{
  if (d->nactive == 0)
    return -1;
  int cls = d->active[--d->nactive];
  d->count[cls]--;
  d->try_fixed = true;
  return cls;
}

int crowd_dispatch_set_classes(crowd_dispatch *d, const int *classes, int n)
{
  size_t m = d->nclasses > 0 ? (size_t)d->nclasses : 1;
  bool *on = n > 0 ? calloc(m, sizeof *on) : NULL;
  if (n > 0 && on == NULL)
    return -1;
  for (int k = 0; k < n; k++)
    if (classes[k] >= 0 && classes[k] < d->nclasses)
      on[classes[k]] = true;
  bool same = (on == NULL && d->allowed == NULL) ||
              (on && d->allowed && memcmp(on, d->allowed, (size_t)d->nclasses * sizeof *on) == 0);
  if (same) { /* Locust: the same list keeps the generators where they are */
    free(on);
    return 0;
  }
  /* new generators over the listed classes: the weighted one from its
   * start, and the fixed counts' round dropped (try_fixed stays as it is) */
  double *w = calloc(m, sizeof *w);
  if (w == NULL) {
    free(on);
    return -1;
  }
  for (int i = 0; i < d->nclasses; i++)
    w[i] = on == NULL || on[i] ? d->weight[i] : 0;
  int rc = kl_init(&d->weighted, d->nclasses, w);
  free(w);
  free(d->allowed);
  d->allowed = on;
  d->fixed_left = 0;
  return rc;
}
