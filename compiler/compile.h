/* compile.h — one compilation: source text -> diagnostics (+ C).
 *
 * Ownership: crowdc_compile() makes and frees its own arena; it borrows the
 * source and the streams.
 */
#ifndef CROWDC_COMPILE_H
#define CROWDC_COMPILE_H

#include <stdio.h>

#include "compiler/diag.h"

/* Check src, reporting to err; when c_out is not NULL and there were no
 * errors, write the C to it.  Returns the number of errors (then "N errors
 * generated." has been printed), or -1 if writing the C failed. */
int crowdc_compile(const crowdc_source *src, FILE *err, FILE *c_out);

#endif
