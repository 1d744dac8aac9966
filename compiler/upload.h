/* upload.h — files a scenario sends or presents: (file "PATH" ...) as a
 * request's :body or a :multipart part, and the TLS client certificate of
 * a user or of the scenario (:client-cert, :client-key).  sema checks the
 * request options and calls these for the forms themselves; codegen
 * writes their tables.
 *
 * The files are read by the executable when it starts, relative to the
 * scenario's directory (as feeders), so their paths are plain strings.
 *
 * Ownership: everything lives in the compilation's arena, in the model.
 */
#ifndef CROWDC_UPLOAD_H
#define CROWDC_UPLOAD_H

#include <stdio.h>

#include "compiler/arena.h"
#include "compiler/ast.h"
#include "compiler/diag.h"
#include "compiler/sema.h"

/* Is v a (file ...) form? */
int crowdc_upload_is_file(const crowdc_node *v);

/* Check a (file "PATH" :type "T" [:filename "F"]) form (:filename only in
 * a part: part != 0) and register its path in m->uploads (once per path);
 * f->aux becomes its index.  0, or -1 after an error. */
int crowdc_upload_file(crowdc_arena *a, crowdc_diag *d, crowdc_model *m, crowdc_node *f, int part);

/* :client-cert and :client-key (their keywords and values, any NULL):
 * both or neither, plain strings.  *cert and *key are set when both are
 * right. */
void crowdc_upload_cert(crowdc_diag *d, const crowdc_node *cert_kw, const crowdc_node *cert,
                        const crowdc_node *key_kw, const crowdc_node *key, const crowdc_node **out_cert,
                        const crowdc_node **out_key);

/* The uploads' and client certificates' tables (before the users' table). */
void crowdc_upload_emit(FILE *out, const crowdc_model *m);
/* The ".tls = ..." line of user ui's descriptor (nothing without one). */
void crowdc_upload_emit_user(FILE *out, const crowdc_model *m, size_t ui);
/* The ".uploads = ..." lines of the scenario's descriptor. */
void crowdc_upload_emit_scenario(FILE *out, const crowdc_model *m);

#endif
