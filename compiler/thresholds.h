/* thresholds.h — the (threshold ...) forms: their checks (a sema step, run
 * by crowdc_sema once the users are checked, so that entry names can be
 * matched against the scenario's requests) and their table in the
 * generated C (a codegen step, run by crowdc_codegen).
 *
 * Ownership: the thresholds live in the compilation's arena, in the model.
 */
#ifndef CROWDC_THRESHOLDS_H
#define CROWDC_THRESHOLDS_H

#include <stdio.h>

#include "compiler/arena.h"
#include "compiler/ast.h"
#include "compiler/diag.h"
#include "compiler/sema.h"

/* Check every top-level (threshold ...) of root into m->thresholds. */
void crowdc_thr_check(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src, crowdc_model *m,
                      const crowdc_node *root);

/* The crowd_threshold_desc table, named crowd_thresholds (nothing when the
 * model has none). */
void crowdc_thr_emit(FILE *out, const crowdc_model *m);

#endif
