/* ast.h — the syntax tree the parser builds: s-expressions with locations.
 *
 * Ownership: every node, array and string lives in the compilation's arena
 * (arena.h).  The parser only builds nodes; sema fills in the `aux` fields
 * (a variable's slot, a built-in's index) that codegen reads.
 */
#ifndef CROWDC_AST_H
#define CROWDC_AST_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/arena.h"

/* Where a node is: byte offset and length in the source, 1-based line and
 * column (in bytes) of its first byte. */
typedef struct crowdc_loc {
  const char *file;
  uint32_t off, len;
  int line, col;
} crowdc_loc;

typedef enum crowdc_kind {
  CROWDC_N_LIST = 0, /* ( ) */
  CROWDC_N_VECTOR,   /* [ ] */
  CROWDC_N_MAP,      /* { } */
  CROWDC_N_STRING,   /* "..." with {var} parts */
  CROWDC_N_INT,
  CROWDC_N_DEC,
  CROWDC_N_DURATION, /* value in seconds */
  CROWDC_N_PERCENT,  /* value in percent (1% -> 1.0) */
  CROWDC_N_KEYWORD,  /* :name, stored without the colon */
  CROWDC_N_SYMBOL
} crowdc_kind;

/* One piece of a string: literal bytes (escapes decoded, may hold NULs) or
 * the name of an interpolated variable. */
typedef struct crowdc_strpart {
  int is_var;
  const char *p;
  size_t len;
  crowdc_loc loc; /* of the piece in the source ({var} for a variable) */
  int slot;       /* sema: the variable's slot */
} crowdc_strpart;

typedef struct crowdc_node crowdc_node;
struct crowdc_node {
  crowdc_kind kind;
  crowdc_loc loc;
  crowdc_node *next; /* sibling while the parser collects a sequence */
  int aux;           /* sema: variable slot, built-in index, ... (-1 = none) */
  union {
    struct { crowdc_node **items; size_t n; } seq; /* LIST VECTOR MAP */
    int64_t i;                                     /* INT */
    double d;                                      /* DEC DURATION PERCENT */
    struct { const char *p; size_t len; } name;    /* KEYWORD SYMBOL */
    struct { crowdc_strpart *parts; size_t n; } str; /* STRING */
  } u;
};

/* A sequence being collected by the parser (a singly linked list). */
typedef struct crowdc_seq {
  crowdc_node *first, *last;
  size_t n;
} crowdc_seq;

crowdc_node *crowdc_ast_new(crowdc_arena *a, crowdc_kind kind, crowdc_loc loc);
crowdc_node *crowdc_ast_name(crowdc_arena *a, crowdc_kind kind, crowdc_loc loc,
                             const char *p, size_t len);
void crowdc_ast_seq_init(crowdc_seq *s);
void crowdc_ast_seq_push(crowdc_seq *s, crowdc_node *n);
crowdc_node *crowdc_ast_seq_node(crowdc_arena *a, crowdc_kind kind, const crowdc_seq *s,
                                 crowdc_loc loc);

/* A deep copy of n (fresh `aux` and slots to fill), sharing names and
 * string bytes: a base user's forms, checked again in a user that extends it. */
crowdc_node *crowdc_ast_clone(crowdc_arena *a, const crowdc_node *n);

const char *crowdc_ast_kind_name(crowdc_kind kind); /* "a string", "a list", ... */
/* Is n a symbol (or keyword) spelled exactly s? */
int crowdc_ast_is(const crowdc_node *n, crowdc_kind kind, const char *s);
/* Is n a string without interpolation? */
int crowdc_ast_plain_string(const crowdc_node *n);

#endif
