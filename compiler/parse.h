/* parse.h — the scanner and parser (grammar/lexer.l, grammar/parser.y).
 *
 * Ownership: the scanner and the parser allocate every node from the
 * arena they are given and report through the given diag; a crowdc_lexer
 * owns only flex's buffers, released by crowdc_lex_close().
 */
#ifndef CROWDC_PARSE_H
#define CROWDC_PARSE_H

#include "compiler/arena.h"
#include "compiler/ast.h"
#include "compiler/diag.h"

/* Deepest bracket nesting accepted (later passes recurse over it). */
enum { CROWDC_MAX_DEPTH = 64 };

/* The scanner's state (flex's yyextra). */
typedef struct crowdc_lexstate {
  crowdc_arena *arena;
  crowdc_diag *diag;
  const crowdc_source *src;
  uint32_t off; /* where the next token starts */
  int line, col;
  int depth;    /* open brackets */
  struct { char open; crowdc_loc loc; } stack[CROWDC_MAX_DEPTH];
  crowdc_loc eof; /* just after the last non-blank line's end */
  int truncated;  /* the source holds a NUL byte: scanning stops there */
} crowdc_lexstate;

typedef struct crowdc_lexer crowdc_lexer;

crowdc_lexer *crowdc_lex_open(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src);
/* The next token (a code from grammar/parser.h, 0 at the end) with its node
 * (for atoms, else NULL) and location. */
int crowdc_lex_next(crowdc_lexer *lx, crowdc_node **node, crowdc_loc *loc);
crowdc_lexstate *crowdc_lex_state(crowdc_lexer *lx);
void *crowdc_lex_scanner(crowdc_lexer *lx); /* flex's yyscan_t */
void crowdc_lex_close(crowdc_lexer *lx);

/* Parse a whole file: a LIST node of its top-level forms, or NULL after a
 * syntax error (already reported). */
crowdc_node *crowdc_parse(crowdc_arena *a, crowdc_diag *d, const crowdc_source *src);

#endif
