/* fuzz_compile.c — libFuzzer target: the whole check-and-generate pipeline
 * (scanner, parser, checks, C generation) in memory, through
 * crowdc_compile(), as `crowdc --emit-c` runs it.
 *
 * Any bytes must give C or diagnostics, never a crash, a leak or undefined
 * behaviour; C is written only when no error was reported.  (That the C
 * compiles is checked over the whole corpus by tests/fuzz/smoke.sh.)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "compiler/compile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *crowd_fuzz_null;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  crowd_fuzz_null = fopen("/dev/null", "w");
  if (!crowd_fuzz_null) {
    perror("fuzz_compile: /dev/null");
    exit(1);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  crowdc_source src = { .name = "fuzz.crowd", .text = (const char *)data, .len = size };
  char *c = NULL;
  size_t clen = 0;
  FILE *out = open_memstream(&c, &clen);
  if (!out)
    return 0;
  int rc = crowdc_compile(&src, crowd_fuzz_null, out);
  if (fclose(out) != 0)
    rc = -1;
  /* C comes out exactly when the scenario has no error. */
  if (rc == 0 && clen == 0)
    abort();
  if (rc > 0 && clen != 0)
    abort();
  free(c);
  return 0;
}
