/* diag.h — compiler diagnostics, in the layout of gcc and clang:
 *
 *   file.crowd:12:5: error: unknown form 'gett'; did you mean 'get'?
 *      12 | (gett "/x")
 *         |  ^~~~
 *
 * Ownership: a crowdc_diag borrows its output stream and the source text;
 * it owns nothing.  Errors are counted, not fatal; after CROWDC_DIAG_MAX
 * errors it prints one last line and sets `stopped`, which the scanner and
 * the checks poll so that junk input cannot flood the terminal.
 */
#ifndef CROWDC_DIAG_H
#define CROWDC_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "compiler/ast.h"

/* A scenario source: its name (as given on the command line) and bytes. */
typedef struct crowdc_source {
  const char *name;
  const char *text;
  size_t len;
} crowdc_source;

enum { CROWDC_DIAG_MAX = 50 };

typedef struct crowdc_diag {
  FILE *out;
  const crowdc_source *src;
  int nerrors;
  int stopped;
  /* An error exactly like one already reported (same place, same text) is
   * not repeated, nor are its notes: a base user's forms are checked again
   * in each user that extends it. */
  unsigned long long seen[CROWDC_DIAG_MAX];
  int nseen;
  int muted;                /* the last error was a repeat: skip its notes */
} crowdc_diag;

void crowdc_diag_init(crowdc_diag *d, FILE *out, const crowdc_source *src);
/* loc may be NULL for an error about the whole file. */
void crowdc_diag_error(crowdc_diag *d, const crowdc_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void crowdc_diag_note(crowdc_diag *d, const crowdc_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "N error(s) generated." when there were errors. */
void crowdc_diag_finish(crowdc_diag *d);

/* Levenshtein distance between two byte strings. */
size_t crowdc_diag_distance(const char *a, size_t alen, const char *b, size_t blen);
/* The candidate closest to name, if close enough to be a likely typo. */
const char *crowdc_diag_suggest(const char *name, size_t len, const char *const *cands,
                                size_t ncands);
/* Format "; did you mean 'x'?" into buf (empty string when no suggestion). */
const char *crowdc_diag_hint(char *buf, size_t size, const char *name, size_t len,
                             const char *const *cands, size_t ncands);

/* "unknown option ':NAME' for 'WHAT'" at loc, with "; did you mean ':X'?"
 * when an option of names is close.  WHAT is printed as given. */
void crowdc_diag_unknown_option(crowdc_diag *d, const crowdc_loc *loc, const char *name, size_t len,
                                const char *const *names, size_t n, const char *what);

/* Longest name quoted in a message; longer ones are cut with "...". */
enum { CROWDC_DIAG_NAME_MAX = 64 };
/* Quote scenario text for a message: printable ASCII as is, other bytes as
 * \xHH, cut after CROWDC_DIAG_NAME_MAX bytes.  Returns buf. */
char *crowdc_diag_quote(char *buf, size_t size, const char *p, size_t len);
#define CROWDC_DIAG_QUOTE_SIZE (CROWDC_DIAG_NAME_MAX * 4 + 8)

#endif
