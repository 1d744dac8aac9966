/* cc.h — running the C compiler on generated C (fork/exec, no shell).
 *
 * Ownership: borrows every string it is given; the argument vectors it
 * builds are freed before it returns.
 */
#ifndef CROWDC_CC_H
#define CROWDC_CC_H

#include <stddef.h>

typedef struct crowdc_cc_opts {
  const char *cc;      /* compiler command, split on blanks ("ccache gcc") */
  const char *cfile;   /* the generated C */
  const char *out;     /* the executable */
  int static_link;     /* try a fully static executable */
  int verbose;         /* print the command line */
  /* C extensions compiled and linked in, and the (call NAME) targets they
   * must define, with each call's "file:line:col" */
  char *const *extensions;
  size_t nextensions;
  char *const *calls, *const *call_sites;
  size_t ncalls;
} crowdc_cc_opts;

/* The compiler to use: cli (may be NULL), else $CC, else the one crowd
 * was built with. */
const char *crowdc_cc_default(const char *cli);

/* Compile and link.  0; 1 after naming the (call NAME) targets no
 * extension defines; 2 after printing that cc failed; 3 after printing
 * which static archives are missing (cc was not run). */
int crowdc_cc_run(const crowdc_cc_opts *o);

#endif
