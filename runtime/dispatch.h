/* dispatch.h — which user class the next user (or the next one to stop)
 * belongs to, as Locust's current UsersDispatcher decides it
 * (LOCUST-COMPAT.md §6.5, locust/dispatch.py):
 *
 *   - classes are taken in name order;
 *   - classes with a fixed count come first, until each has its count (a
 *     Kullback-Leibler generator over the missing counts);
 *   - then the other classes, from a Kullback-Leibler generator over their
 *     weights: each step picks the class whose next user lowers the
 *     divergence between the spawned counts and the weights the most
 *     (weights 5:1 give AABAAAAABAAA);
 *   - ramping down stops the most recently spawned users first (LIFO), and
 *     the fixed counts are topped up again before any weighted user;
 *   - new_dispatch(..., user_classes) (a shape's stage or tick): a new list
 *     of classes replaces the generators (only those classes spawn from
 *     then on, fixed counts first among them); the users already spawned
 *     stay, whatever their class, and a ramp-down still stops the most
 *     recent ones.  The same list again changes nothing.
 *
 * Ownership: crowd_dispatch_init copies the arrays it is given; the name
 * strings must outlive it (the scenario's static tables).  Free with
 * crowd_dispatch_free.
 */
#ifndef CROWD_DISPATCH_H
#define CROWD_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

/* One class in a generator: (divergence step, x, weight, name) order, the
 * tuple Locust's heap compares. */
typedef struct crowd_kl_entry {
  double kl;     /* how much the next pick of this class lowers the divergence */
  double x;      /* weight + number of picks + 1 */
  double weight;
  int cls;
} crowd_kl_entry;

typedef struct crowd_kl_gen {
  crowd_kl_entry *e;
  int n;
} crowd_kl_gen;

typedef struct crowd_dispatch {
  int nclasses;
  const char **names;  /* per class (the strings are borrowed) */
  double *weight;      /* per class; <= 0 and no fixed count: never spawned */
  long *fixed;         /* per class; > 0: its fixed count */
  long *count;         /* users of each class now */
  crowd_kl_gen weighted, fixed_gen;
  long fixed_left;     /* picks left from fixed_gen */
  bool try_fixed;      /* top up the fixed counts before the next weighted user */
  int *active;         /* the class of each user, in spawn order */
  size_t nactive, cap;
  bool *allowed;       /* per class: in the shape's current list; NULL: every class */
} crowd_dispatch;

/* 0, or -1 when out of memory.  names, weights and fixed have n entries. */
int crowd_dispatch_init(crowd_dispatch *d, int n, const char *const *names,
                        const double *weights, const long *fixed);
void crowd_dispatch_free(crowd_dispatch *d);
/* The class of the next user to spawn (counted as spawned), or -1 when no
 * class can spawn one (only fixed counts, all reached; or no class). */
int crowd_dispatch_add(crowd_dispatch *d);
/* Spawn from these classes only (n indexes; n == 0: every class again),
 * as Locust's new_dispatch with user_classes.  0, or -1 when out of memory. */
int crowd_dispatch_set_classes(crowd_dispatch *d, const int *classes, int n);
/* The class of the next user to stop, the most recently spawned (no longer
 * counted), or -1 when none is left. */
int crowd_dispatch_remove(crowd_dispatch *d);

#endif
