/* arena.h — the compiler's allocator: one arena per compilation.
 *
 * Ownership: everything allocated from an arena (AST nodes, strings, the
 * scenario model) lives until crowdc_arena_free() and is never freed one by
 * one.  Allocation failure is fatal for crowdc (it prints and exits 2): a
 * compiler that cannot allocate a few KB has nothing useful left to do.
 */
#ifndef CROWDC_ARENA_H
#define CROWDC_ARENA_H

#include <stddef.h>

typedef struct crowdc_arena_chunk crowdc_arena_chunk;

typedef struct crowdc_arena {
  crowdc_arena_chunk *head;
} crowdc_arena;

void crowdc_arena_init(crowdc_arena *a);
void crowdc_arena_free(crowdc_arena *a);
void *crowdc_arena_alloc(crowdc_arena *a, size_t size);          /* zeroed */
char *crowdc_arena_strndup(crowdc_arena *a, const char *p, size_t len);
/* Grow an array of elem-sized items from n to at least n + 1, doubling. */
void *crowdc_arena_grow(crowdc_arena *a, void *old, size_t n, size_t *cap, size_t elem);

#endif
