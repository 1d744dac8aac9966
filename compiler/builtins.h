/* builtins.h — the compiler's view of stdlib/builtins.def.
 *
 * Ownership: a static, read-only table; nothing to free.
 */
#ifndef CROWDC_BUILTINS_H
#define CROWDC_BUILTINS_H

#include <stddef.h>
#include <stdio.h>

typedef struct crowdc_builtin {
  const char *name;     /* as written in a scenario */
  const char *cname;    /* the libcrowd function */
  int minargs, maxargs; /* maxargs -1: any number */
  const char *argtypes; /* i n s a; the last letter repeats */
  char rettype;
  const char *doc;
} crowdc_builtin;

extern const crowdc_builtin crowdc_builtins[];
extern const size_t crowdc_nbuiltins;

/* Index of the built-in with this name, or -1. */
int crowdc_builtin_find(const char *name, size_t len);
/* The type letter expected for argument i (0-based). */
char crowdc_builtin_argtype(const crowdc_builtin *b, int i);
/* The built-in names, for "did you mean" (a static array). */
const char *const *crowdc_builtin_names(void);
/* The reference of every built-in, as Markdown (doc/stdlib.md). */
void crowdc_builtins_markdown(FILE *out);

#endif
