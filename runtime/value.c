#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <crowd/crowd.h>

#include "log.h"

/* Values own their string bytes (crowd.h); literals made with CROWD_VAL_LIT
 * are never passed here as a destination. */

void crowd_val_clear(crowd_val *v)
{
  if (v->type == CROWD_STR)
    free(v->u.s.p);
  v->type = CROWD_NIL;
  v->u.i = 0;
}

void crowd_val_int(crowd_val *v, int64_t i)
{
  crowd_val_clear(v);
  v->type = CROWD_INT;
  v->u.i = i;
}

void crowd_val_num(crowd_val *v, double n)
{
  crowd_val_clear(v);
  v->type = CROWD_NUM;
  v->u.n = n;
}

void crowd_val_str(crowd_val *v, const char *p, size_t len)
{
  /* copy first: p may point into v's own bytes */
  char *s = len < SIZE_MAX ? malloc(len + 1) : NULL;
  if (s == NULL) {
    crowd_log(CROWD_LOG_ERROR, "crowd.user", "out of memory for a %zu-byte string; using nil", len);
    crowd_val_clear(v);
    return;
  }
  if (len)
    memcpy(s, p, len);
  s[len] = '\0';
  crowd_val_clear(v);
  v->type = CROWD_STR;
  v->u.s.p = s;
  v->u.s.len = len;
}

void crowd_val_copy(crowd_val *dst, const crowd_val *src)
{
  if (dst == src)
    return;
  switch (src->type) {
  case CROWD_INT:
    crowd_val_int(dst, src->u.i);
    break;
  case CROWD_NUM:
    crowd_val_num(dst, src->u.n);
    break;
  case CROWD_STR:
    crowd_val_str(dst, src->u.s.p ? src->u.s.p : "", src->u.s.p ? src->u.s.len : 0);
    break;
  case CROWD_NIL:
  default:
    crowd_val_clear(dst);
    break;
  }
}
