/* fuzz_parse.c — libFuzzer target: the scanner and the parser.
 *
 * Any bytes must give a tree or diagnostics, never a crash, a leak or
 * undefined behaviour.  Diagnostics go to /dev/null (they are formatted all
 * the same, so the diagnostic printer is fuzzed too).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "compiler/arena.h"
#include "compiler/diag.h"
#include "compiler/parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *crowd_fuzz_null;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  crowd_fuzz_null = fopen("/dev/null", "w");
  if (!crowd_fuzz_null) {
    perror("fuzz_parse: /dev/null");
    exit(1);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  crowdc_source src = { .name = "fuzz.crowd", .text = (const char *)data, .len = size };
  crowdc_arena arena;
  crowdc_diag diag;
  crowdc_arena_init(&arena);
  crowdc_diag_init(&diag, crowd_fuzz_null, &src);
  crowdc_node *root = crowdc_parse(&arena, &diag, &src);
  /* No tree without an error that says why. */
  if (root == NULL && diag.nerrors == 0)
    abort();
  crowdc_diag_finish(&diag);
  crowdc_arena_free(&arena);
  return 0;
}
