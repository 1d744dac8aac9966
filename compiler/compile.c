#include "config.h"

#include "compiler/compile.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/arena.h"
#include "compiler/codegen.h"
#include "compiler/parse.h"
#include "compiler/sema.h"

static char *crowdc_compile_dup(const char *p, size_t len)
{
  char *s = malloc(len + 1);
  if (!s) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  memcpy(s, p, len);
  s[len] = '\0';
  return s;
}

static void crowdc_compile_info(const crowdc_model *m, crowdc_link_info *info)
{
  const char *slash = strrchr(m->source, '/');
  size_t dlen = slash ? (size_t)(slash - m->source) + 1 : 0;
  info->extensions = calloc(m->nextensions + 1, sizeof *info->extensions);
  info->calls = calloc(m->ncalls + 1, sizeof *info->calls);
  info->call_sites = calloc(m->ncalls + 1, sizeof *info->call_sites);
  if (!info->extensions || !info->calls || !info->call_sites) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  for (size_t i = 0; i < m->nextensions; i++) {
    const crowdc_strpart *p = &m->extensions[i]->u.str.parts[0];
    size_t pre = p->len && p->p[0] == '/' ? 0 : dlen;
    char *s = crowdc_compile_dup(m->source, pre + p->len);
    memcpy(s + pre, p->p, p->len);
    info->extensions[info->nextensions++] = s;
  }
  for (size_t i = 0; i < m->ncalls; i++) {
    const crowdc_node *fn = m->calls[i];
    char site[64];
    snprintf(site, sizeof site, ":%d:%d", fn->loc.line, fn->loc.col);
    size_t flen = strlen(fn->loc.file);
    char *s = crowdc_compile_dup(fn->loc.file, flen + strlen(site));
    memcpy(s + flen, site, strlen(site) + 1);
    info->calls[info->ncalls] = crowdc_compile_dup(fn->u.name.p, fn->u.name.len);
    info->call_sites[info->ncalls++] = s;
  }
}

void crowdc_link_info_free(crowdc_link_info *info)
{
  for (size_t i = 0; i < info->nextensions; i++)
    free(info->extensions[i]);
  for (size_t i = 0; i < info->ncalls; i++) {
    free(info->calls[i]);
    free(info->call_sites[i]);
  }
  free(info->extensions);
  free(info->calls);
  free(info->call_sites);
  memset(info, 0, sizeof *info);
}

int crowdc_compile(const crowdc_source *src, FILE *err, FILE *c_out)
{
  return crowdc_compile_link(src, err, c_out, NULL);
}

int crowdc_compile_link(const crowdc_source *src, FILE *err, FILE *c_out, crowdc_link_info *info)
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
  if (rc == 0 && model && info)
    crowdc_compile_info(model, info);
  crowdc_diag_finish(&diag);
  crowdc_arena_free(&arena);
  return rc;
}
