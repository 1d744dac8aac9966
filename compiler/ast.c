#include "config.h"

#include "compiler/ast.h"

#include <string.h>

crowdc_node *crowdc_ast_new(crowdc_arena *a, crowdc_kind kind, crowdc_loc loc)
{
  crowdc_node *n = crowdc_arena_alloc(a, sizeof *n);
  n->kind = kind;
  n->loc = loc;
  n->aux = -1;
  return n;
}

crowdc_node *crowdc_ast_clone(crowdc_arena *a, const crowdc_node *n)
{
  crowdc_node *c = crowdc_arena_alloc(a, sizeof *c);
  *c = *n;
  c->next = NULL;
  c->aux = -1;
  switch (n->kind) {
  case CROWDC_N_LIST:
  case CROWDC_N_VECTOR:
  case CROWDC_N_MAP:
    c->u.seq.items = crowdc_arena_alloc(a, (n->u.seq.n + 1) * sizeof *c->u.seq.items);
    for (size_t i = 0; i < n->u.seq.n; i++)
      c->u.seq.items[i] = crowdc_ast_clone(a, n->u.seq.items[i]);
    break;
  case CROWDC_N_STRING:
    c->u.str.parts = crowdc_arena_alloc(a, (n->u.str.n + 1) * sizeof *c->u.str.parts);
    if (n->u.str.n)
      memcpy(c->u.str.parts, n->u.str.parts, n->u.str.n * sizeof *c->u.str.parts);
    for (size_t i = 0; i < n->u.str.n; i++)
      c->u.str.parts[i].slot = -1;
    break;
  default:
    break;
  }
  return c;
}

crowdc_node *crowdc_ast_name(crowdc_arena *a, crowdc_kind kind, crowdc_loc loc,
                             const char *p, size_t len)
{
  crowdc_node *n = crowdc_ast_new(a, kind, loc);
  n->u.name.p = crowdc_arena_strndup(a, p, len);
  n->u.name.len = len;
  return n;
}

void crowdc_ast_seq_init(crowdc_seq *s)
{
  s->first = s->last = NULL;
  s->n = 0;
}

void crowdc_ast_seq_push(crowdc_seq *s, crowdc_node *n)
{
  n->next = NULL;
  if (s->last)
    s->last->next = n;
  else
    s->first = n;
  s->last = n;
  s->n++;
}

crowdc_node *crowdc_ast_seq_node(crowdc_arena *a, crowdc_kind kind, const crowdc_seq *s,
                                 crowdc_loc loc)
{
  crowdc_node *n = crowdc_ast_new(a, kind, loc);
  n->u.seq.n = s->n;
  n->u.seq.items = crowdc_arena_alloc(a, (s->n ? s->n : 1) * sizeof *n->u.seq.items);
  size_t i = 0;
  for (crowdc_node *it = s->first; it; it = it->next)
    n->u.seq.items[i++] = it;
  return n;
}

const char *crowdc_ast_kind_name(crowdc_kind kind)
{
  switch (kind) {
  case CROWDC_N_LIST: return "a list";
  case CROWDC_N_VECTOR: return "a vector";
  case CROWDC_N_MAP: return "a map";
  case CROWDC_N_STRING: return "a string";
  case CROWDC_N_INT: return "an integer";
  case CROWDC_N_DEC: return "a decimal";
  case CROWDC_N_DURATION: return "a duration";
  case CROWDC_N_PERCENT: return "a percentage";
  case CROWDC_N_KEYWORD: return "a keyword";
  case CROWDC_N_SYMBOL: return "a symbol";
  }
  return "a value";
}

int crowdc_ast_is(const crowdc_node *n, crowdc_kind kind, const char *s)
{
  return n && n->kind == kind && n->u.name.len == strlen(s) &&
         memcmp(n->u.name.p, s, n->u.name.len) == 0;
}

int crowdc_ast_plain_string(const crowdc_node *n)
{
  return n->kind == CROWDC_N_STRING &&
         (n->u.str.n == 0 || (n->u.str.n == 1 && !n->u.str.parts[0].is_var));
}
