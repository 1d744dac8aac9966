#include "config.h"

#include "compiler/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct crowdc_arena_chunk {
  crowdc_arena_chunk *next;
  size_t used, size;
  max_align_t data[];
};

enum { CROWDC_ARENA_CHUNK = 64 * 1024 };

void crowdc_arena_init(crowdc_arena *a)
{
  a->head = NULL;
}

void crowdc_arena_free(crowdc_arena *a)
{
  crowdc_arena_chunk *c = a->head;
  while (c) {
    crowdc_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
}

static crowdc_arena_chunk *crowdc_arena_chunk_new(size_t size)
{
  crowdc_arena_chunk *c = calloc(1, sizeof *c + size);
  if (!c) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  c->size = size;
  return c;
}

void *crowdc_arena_alloc(crowdc_arena *a, size_t size)
{
  const size_t align = sizeof(max_align_t);
  size_t need = (size + align - 1) / align * align;
  if (need == 0)
    need = align;
  crowdc_arena_chunk *c = a->head;
  if (!c || c->size - c->used < need) {
    size_t csize = need > CROWDC_ARENA_CHUNK / 4 ? need : CROWDC_ARENA_CHUNK;
    c = crowdc_arena_chunk_new(csize);
    /* A big block gets its own chunk behind the current one, so the space
     * left in the current chunk is not wasted. */
    if (csize != CROWDC_ARENA_CHUNK && a->head) {
      c->next = a->head->next;
      a->head->next = c;
    } else {
      c->next = a->head;
      a->head = c;
    }
  }
  void *p = (char *)c->data + c->used;
  c->used += need;
  return p;
}

char *crowdc_arena_strndup(crowdc_arena *a, const char *p, size_t len)
{
  char *s = crowdc_arena_alloc(a, len + 1);
  if (len)
    memcpy(s, p, len);
  s[len] = '\0';
  return s;
}

void *crowdc_arena_grow(crowdc_arena *a, void *old, size_t n, size_t *cap, size_t elem)
{
  if (n < *cap)
    return old;
  size_t ncap = *cap ? *cap * 2 : 8;
  if (ncap > SIZE_MAX / elem) {
    fputs("crowdc: error: out of memory\n", stderr);
    exit(2);
  }
  void *p = crowdc_arena_alloc(a, ncap * elem);
  if (n)
    memcpy(p, old, n * elem);
  *cap = ncap;
  return p;
}
