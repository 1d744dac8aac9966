/* inspect.h — --show-task-ratio and --show-task-ratio-json: how often each
 * task runs, in Locust's formats (locust/user/inspectuser.py), after the
 * -T/-E tag filter (Locust prints the ratios before filtering).
 *
 * Ownership: reads the scenario and the class tables the caller built
 * (crowd_user_class_init_tags); writes to out; keeps nothing.
 */
#ifndef CROWD_INSPECT_H
#define CROWD_INSPECT_H

#include <stdbool.h>
#include <stdio.h>

#include <crowd/crowd.h>

#include "user.h"

/* classes[i] is the filtered table of sc->users[i]; a class with nothing
 * to run is left out.  num_users: -u, or 0 when not given (then the
 * weights themselves, or 1 user with fixed counts, as Locust). */
void crowd_inspect_task_ratio(FILE *out, const crowd_scenario_desc *sc,
                              const crowd_user_class *classes, long num_users);
void crowd_inspect_task_ratio_json(FILE *out, const crowd_scenario_desc *sc,
                                   const crowd_user_class *classes, long num_users);
/* A double as Python's repr() writes it ("0.75", "1.0", "1e-05"). */
void crowd_inspect_pyfloat(char *buf, size_t size, double v);

#endif
