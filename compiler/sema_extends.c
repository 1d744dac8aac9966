#include "config.h"

/* Users that extend others: the user form :extends makes (sema_int.h). */

#include <stdio.h>
#include <string.h>

#include "compiler/sema_int.h"

/* ---- users that extend others ---------------------------------------- */

/* The (user NAME ...) forms of the file by name, for :extends. */
static void crowdc_sema_index_users(crowdc_sema_ctx *S, const crowdc_node *root)
{
  size_t n = root->u.seq.n;
  S->uforms = crowdc_arena_alloc(S->arena, (n + 1) * sizeof *S->uforms);
  S->ucap = 16;
  while (S->ucap < 2 * n + 2)
    S->ucap *= 2;
  S->utab = crowdc_arena_alloc(S->arena, S->ucap * sizeof *S->utab);
  memset(S->utab, 0, S->ucap * sizeof *S->utab);
  for (size_t i = 0; i < n; i++) {
    const crowdc_node *f = root->u.seq.items[i], *h = crowdc_sema_head(f);
    if (!h || !crowdc_ast_is(h, CROWDC_N_SYMBOL, "user") || f->u.seq.n < 2 ||
        f->u.seq.items[1]->kind != CROWDC_N_SYMBOL)
      continue;
    const crowdc_node *nm = f->u.seq.items[1];
    size_t k = crowdc_sema_hash(nm->u.name.p, nm->u.name.len) & (S->ucap - 1);
    while (S->utab[k]) { /* the first definition wins, as for duplicates */
      const crowdc_node *o = S->uforms[S->utab[k] - 1]->u.seq.items[1];
      if (o->u.name.len == nm->u.name.len && memcmp(o->u.name.p, nm->u.name.p, o->u.name.len) == 0)
        break;
      k = (k + 1) & (S->ucap - 1);
    }
    if (S->utab[k])
      continue;
    S->uforms[S->nuforms] = f;
    S->utab[k] = (int)++S->nuforms;
  }
}

static const crowdc_node *crowdc_sema_find_user(const crowdc_sema_ctx *S, const char *p, size_t len)
{
  for (size_t k = crowdc_sema_hash(p, len) & (S->ucap - 1); S->utab[k]; k = (k + 1) & (S->ucap - 1)) {
    const crowdc_node *f = S->uforms[S->utab[k] - 1], *o = f->u.seq.items[1];
    if (o->u.name.len == len && memcmp(o->u.name.p, p, len) == 0)
      return f;
  }
  return NULL;
}

/* Option `name` of a user form (a keyword followed by its value), or NULL. */
const crowdc_node *crowdc_sema_form_opt(const crowdc_node *f, const char *name, size_t *at)
{
  for (size_t i = 2; i + 1 < f->u.seq.n; i++) {
    const crowdc_node *k = f->u.seq.items[i];
    if (k->kind != CROWDC_N_KEYWORD)
      continue;
    if (f->u.seq.items[i + 1]->kind == CROWDC_N_KEYWORD)
      continue;
    if (crowdc_ast_is(k, CROWDC_N_KEYWORD, name)) {
      if (at)
        *at = i;
      return f->u.seq.items[i + 1];
    }
    i++;
  }
  return NULL;
}

/* Does any of forms[0..n) hold a (HEAD ...) form in its body? */
static int crowdc_sema_any_has(const crowdc_node *const *forms, size_t n, const char *head)
{
  for (size_t k = 0; k < n; k++)
    for (size_t i = 2; i < forms[k]->u.seq.n; i++) {
      const crowdc_node *h = crowdc_sema_head(forms[k]->u.seq.items[i]);
      if (h && crowdc_ast_is(h, CROWDC_N_SYMBOL, head))
        return 1;
    }
  return 0;
}

enum { CROWDC_EXTENDS_MAX = 64 };

/* The user form f as crowdc_sema_user checks it.  With :extends, a new
 * form: the bases' options and forms first (copies: each user checks and
 * numbers its own), then f's; an option, an on-start or an on-stop of a
 * more derived user replaces the base's, as a Python subclass's attribute
 * or method does; tasks add up.  :abstract is not inherited.  NULL after
 * an error in the chain (reported). */
crowdc_node *crowdc_sema_inherit(crowdc_sema_ctx *S, const crowdc_node *root, crowdc_node *f)
{
  char q[CROWDC_DIAG_QUOTE_SIZE], hint[128];
  if (!crowdc_sema_form_opt(f, "extends", NULL))
    return f;
  if (S->uforms == NULL)
    crowdc_sema_index_users(S, root);
  const crowdc_node *chain[CROWDC_EXTENDS_MAX]; /* f, its base, the base's base... */
  size_t n = 0;
  chain[n++] = f;
  const crowdc_node *ext;
  while ((ext = crowdc_sema_form_opt(chain[n - 1], "extends", NULL)) != NULL) {
    if (ext->kind != CROWDC_N_SYMBOL) {
      crowdc_diag_error(S->diag, &ext->loc, "':extends' takes the name of a user, got %s",
                        crowdc_ast_kind_name(ext->kind));
      return NULL;
    }
    const crowdc_node *base = crowdc_sema_find_user(S, ext->u.name.p, ext->u.name.len);
    if (base == NULL) {
      const char **cands = crowdc_arena_alloc(S->arena, (S->nuforms + 1) * sizeof *cands);
      for (size_t i = 0; i < S->nuforms; i++)
        cands[i] = S->uforms[i]->u.seq.items[1]->u.name.p;
      crowdc_diag_error(S->diag, &ext->loc, "unknown base user '%s'%s",
                        Q(q, ext->u.name.p, ext->u.name.len),
                        crowdc_diag_hint(hint, sizeof hint, ext->u.name.p, ext->u.name.len, cands,
                                         S->nuforms));
      return NULL;
    }
    for (size_t k = 0; k < n; k++)
      if (chain[k] == base) { /* "A -> B -> A" */
        char path[512];
        size_t len = 0;
        for (size_t j = 0; j <= n && len < sizeof path - 1; j++) {
          const crowdc_node *nm = j < n ? chain[j]->u.seq.items[1] : base->u.seq.items[1];
          int w = snprintf(path + len, sizeof path - len, "%s%s", j ? " -> " : "",
                           Q(q, nm->u.name.p, nm->u.name.len));
          len = w < 0 ? len : len + (size_t)w < sizeof path ? len + (size_t)w : sizeof path - 1;
        }
        crowdc_diag_error(S->diag, &ext->loc, "cyclic ':extends': %s", path);
        return NULL;
      }
    if (n == CROWDC_EXTENDS_MAX) {
      crowdc_diag_error(S->diag, &ext->loc, "':extends' chain longer than %d users",
                        CROWDC_EXTENDS_MAX);
      return NULL;
    }
    chain[n++] = base;
  }

  /* options, the root base's first; a derived one replaces its value */
  size_t cap = 2;
  for (size_t k = 0; k < n; k++)
    cap += chain[k]->u.seq.n;
  crowdc_node **items = crowdc_arena_alloc(S->arena, (cap + 1) * sizeof *items);
  size_t ni = 0;
  items[ni++] = f->u.seq.items[0];
  items[ni++] = f->u.seq.items[1];
  for (size_t k = n; k-- > 0;) {
    const crowdc_node *c = chain[k];
    for (size_t i = 2; i < c->u.seq.n; i++) {
      crowdc_node *kw = c->u.seq.items[i];
      if (kw->kind != CROWDC_N_KEYWORD)
        continue;
      int has_val = i + 1 < c->u.seq.n && c->u.seq.items[i + 1]->kind != CROWDC_N_KEYWORD;
      if (crowdc_ast_is(kw, CROWDC_N_KEYWORD, "extends") ||
          (k > 0 && crowdc_ast_is(kw, CROWDC_N_KEYWORD, "abstract"))) {
        i += has_val;
        continue;
      }
      crowdc_node *val = has_val ? c->u.seq.items[i + 1] : NULL;
      if (k > 0) {
        kw = crowdc_ast_clone(S->arena, kw);
        val = val ? crowdc_ast_clone(S->arena, val) : NULL;
      }
      size_t j;
      for (j = 2; j < ni; j++)
        if (items[j]->kind == CROWDC_N_KEYWORD && items[j]->u.name.len == kw->u.name.len &&
            memcmp(items[j]->u.name.p, kw->u.name.p, kw->u.name.len) == 0 &&
            j + 1 < ni && items[j + 1]->kind != CROWDC_N_KEYWORD)
          break;
      if (j < ni && val) { /* replaced: the derived option's keyword and value */
        items[j] = kw;
        items[j + 1] = val;
      } else {
        items[ni++] = kw;
        if (val)
          items[ni++] = val;
      }
      i += has_val;
    }
  }
  /* forms, the root base's first */
  for (size_t k = n; k-- > 0;) {
    const crowdc_node *c = chain[k];
    for (size_t i = 2; i < c->u.seq.n; i++) {
      crowdc_node *b = c->u.seq.items[i];
      if (b->kind == CROWDC_N_KEYWORD) {
        i += i + 1 < c->u.seq.n && c->u.seq.items[i + 1]->kind != CROWDC_N_KEYWORD;
        continue;
      }
      const crowdc_node *h = crowdc_sema_head(b);
      if (k > 0 && h && (crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-start") ||
                         crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-stop")) &&
          crowdc_sema_any_has(chain, k, crowdc_ast_is(h, CROWDC_N_SYMBOL, "on-start") ? "on-start"
                                                                                      : "on-stop"))
        continue;
      items[ni++] = k > 0 ? crowdc_ast_clone(S->arena, b) : b;
    }
  }
  crowdc_node *m = crowdc_ast_new(S->arena, CROWDC_N_LIST, f->loc);
  m->u.seq.items = items;
  m->u.seq.n = ni;
  return m;
}
