/* load.h — the forms that control the load: (options ...), (shape ...)
 * with its (stage ...), (step ...) and (spike ...) parts, and a user's
 * :arrival (constant-rate ...) / (ramping-rate ...).  A sema step (run by
 * crowdc_sema once the users are known, so that :user-classes can name
 * them) and a codegen step (their tables in the generated C).
 *
 * (options ...) is checked with the runtime's own option table and value
 * parsers (runtime/options.c, linked into crowdc), so a scenario accepts
 * exactly what a config file or the command line would.
 *
 * Ownership: everything lives in the compilation's arena, under m->load.
 */
#ifndef CROWDC_LOAD_H
#define CROWDC_LOAD_H

#include <stdio.h>

#include "compiler/arena.h"
#include "compiler/ast.h"
#include "compiler/diag.h"
#include "compiler/sema.h"

/* Check the top-level (options ...) and (shape ...) forms of root and each
 * user's :arrival (crowdc_user.arrival) into m->load. */
void crowdc_load_check(crowdc_arena *a, crowdc_diag *d, crowdc_model *m, const crowdc_node *root);

/* A vector of user class names ([Browser Buyer]: a stage's :user-classes,
 * a tick's third item) as indexes into the generated users table (abstract
 * classes are not in it): 0, or -1 after errors (unknown names with "did
 * you mean", abstract and :arrival classes). */
int crowdc_load_classes(crowdc_arena *a, crowdc_diag *d, const crowdc_model *m, const crowdc_node *v,
                        int **out, size_t *nout);

/* The option, shape and arrival tables (before the users' table). */
void crowdc_load_emit(FILE *out, const crowdc_model *m);
/* The ".arrival = ..." line of user ui's descriptor (nothing without one). */
void crowdc_load_emit_user(FILE *out, const crowdc_model *m, size_t ui);
/* The ".options = ..., .shape = ..." lines of the scenario's descriptor. */
void crowdc_load_emit_scenario(FILE *out, const crowdc_model *m);

#endif
