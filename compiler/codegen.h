/* codegen.h — C generation from a checked scenario model.
 *
 * Ownership: writes to a stream the caller owns; allocates nothing that
 * outlives the call.  The output depends only on the model and the source
 * name, byte for byte.
 */
#ifndef CROWDC_CODEGEN_H
#define CROWDC_CODEGEN_H

#include <stdio.h>

#include "compiler/sema.h"

/* Write the C for a model without errors.  0, or -1 on an output error. */
int crowdc_codegen(FILE *out, const crowdc_model *m);

/* Write p[0..len) as a C string literal: printable ASCII as is except
 * '"', '\\' and '?', everything else as three-digit octal escapes. */
void crowdc_codegen_cstr(FILE *out, const char *p, size_t len);
/* A double as C that reads back exactly, written the shortest way. */
void crowdc_codegen_double(FILE *out, double v);
/* "file:line:col" of loc as a C string literal. */
void crowdc_codegen_site(FILE *out, const crowdc_loc *loc);
/* The scenario's directory, absolute when it can be made so: the runtime
 * reads a relative data file from there (malloc'd). */
char *crowdc_codegen_source_dir(const char *source);

#endif
