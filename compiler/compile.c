#include "config.h"

#include "compiler/compile.h"

#include "compiler/arena.h"
#include "compiler/codegen.h"
#include "compiler/parse.h"
#include "compiler/sema.h"

int crowdc_compile(const crowdc_source *src, FILE *err, FILE *c_out)
{
  crowdc_arena arena;
  crowdc_diag diag;
  crowdc_arena_init(&arena);
  crowdc_diag_init(&diag, err, src);
  crowdc_node *root = crowdc_parse(&arena, &diag, src);
  /* After a syntax or lexical error the tree may miss pieces: checking it
   * would only add confusing follow-up errors. */
  crowdc_model *model = NULL;
  if (root && diag.nerrors == 0)
    model = crowdc_sema(&arena, &diag, src, root);
  int rc = diag.nerrors;
  if (rc == 0 && model && c_out && crowdc_codegen(c_out, model) != 0)
    rc = -1;
  crowdc_diag_finish(&diag);
  crowdc_arena_free(&arena);
  return rc;
}
