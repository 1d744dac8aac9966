/* codegen_int.h — what the two files of C generation share: the
 * generator's state, and the helpers one file calls in the other.
 * codegen.c writes the tables (users, task sets, feeders, handlers, the
 * scenario) and runs the whole; codegen_stmt.c writes the code (each list
 * of statements as a resumable function).  Private to codegen.
 *
 * Ownership: the state lives on crowdc_codegen's stack; the operand strings
 * and the checks array are malloc'd and freed by crowdc_codegen.
 */
#ifndef CROWDC_CODEGEN_INT_H
#define CROWDC_CODEGEN_INT_H

#include <stdio.h>

#include "compiler/codegen.h"

/* The generated file is assembled from two streams: constants (literal
 * values, file scope) and code (functions); constants are written first. */
typedef struct crowdc_cg {
  FILE *consts;
  FILE *code;
  const crowdc_model *m;
  int nconst;     /* crowd_kN counter, for the whole file */
  int ntemp;      /* tN counter, per statement */
  int step;       /* resume points, per function */
  int nresp;      /* crowd_resp_N counter (response blocks), for the whole file */
  char **ops;     /* operands computed before a request, in walk order */
  size_t nops, opcap, opnext;
  int nset;       /* task sets, per user */
  int ntags;      /* crowd_tags_N counter, for the whole file */
  const crowdc_resp_item **checks; /* every check, in crowd_checks[] order */
  size_t nchecks, checkcap;
} crowdc_cg;

enum { CROWDC_CG_OP = 48, CROWDC_CG_IDENT = 40 };

/* crowd.h's crowd_method names, in crowdc_sema_methods order. */
extern const char *const crowdc_cg_method_enum[CROWDC_NMETHODS];

/* codegen.c: literals and places */
void crowdc_cg_cstr0(FILE *out, const char *s);
void crowdc_cg_site(FILE *out, const crowdc_loc *loc);
void crowdc_cg_line(crowdc_cg *g, const crowdc_loc *loc);
const char *crowdc_cg_plain(const crowdc_node *n, size_t *len);

/* codegen_stmt.c: one resumable function over a list of statements */
void crowdc_cg_function(crowdc_cg *g, const char *fname, const char *what,
                        const crowdc_stmt *stmts, size_t n);

#endif
