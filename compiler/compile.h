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

/* What linking needs beyond the C: the extension files ((extension "F"),
 * resolved against the scenario's directory) and the (call NAME) targets
 * with their "file:line:col".  Every string is malloc'd; free with
 * crowdc_link_info_free. */
typedef struct crowdc_link_info {
  char **extensions;
  size_t nextensions;
  char **calls, **call_sites;
  size_t ncalls;
} crowdc_link_info;

/* crowdc_compile, also filling *info (when not NULL). */
int crowdc_compile_link(const crowdc_source *src, FILE *err, FILE *c_out, crowdc_link_info *info);
void crowdc_link_info_free(crowdc_link_info *info);

#endif
