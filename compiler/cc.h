/* cc.h — running the C compiler on generated C (fork/exec, no shell).
 *
 * Ownership: borrows every string it is given; the argument vectors it
 * builds are freed before it returns.
 */
#ifndef CROWDC_CC_H
#define CROWDC_CC_H

typedef struct crowdc_cc_opts {
  const char *cc;      /* compiler command, split on blanks ("ccache gcc") */
  const char *cfile;   /* the generated C */
  const char *out;     /* the executable */
  int static_link;     /* try a fully static executable */
  int verbose;         /* print the command line */
} crowdc_cc_opts;

/* The compiler to use: cli (may be NULL), else $CC, else the one crowd
 * was built with. */
const char *crowdc_cc_default(const char *cli);

/* Compile and link.  0; 2 after printing that cc failed; 3 after printing
 * which static archives are missing (cc was not run). */
int crowdc_cc_run(const crowdc_cc_opts *o);

#endif
