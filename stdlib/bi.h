/* bi.h — helpers shared by the built-in functions (stdlib/ *.c files).
 *
 * Ownership: none of these keep state; a crowd_buf handed to
 * crowd_bi_take() is emptied, its bytes now owned by the value.
 */
#ifndef CROWD_BI_H
#define CROWD_BI_H

#include <stdint.h>

#include <crowd/crowd.h>

#include "runtime/request.h"

/* An integer: an INT, a NUM with an integral value, or (text != 0) a
 * decimal integer text with optional blanks around it.  0 or -1. */
int crowd_bi_int(const crowd_val *v, int text, int64_t *out);
/* A number: INT or NUM, or (text != 0) a text that is a whole decimal
 * number.  0 or -1. */
int crowd_bi_num(const crowd_val *v, int text, double *out);
/* The value's text as pointer and length (tmp: 40 bytes for numbers). */
void crowd_bi_text(const crowd_val *v, char *tmp, size_t size, const char **p, size_t *len);
/* *out becomes the buffer's bytes (the buffer is emptied); 0 or -1 when
 * out of memory (reported through crowd_task_error). */
int crowd_bi_take(crowd_user *u, const char *site, const char *fn, crowd_buf *b, crowd_val *out);
/* Lower-case hexadecimal of n bytes, into out (2n + 1 bytes). */
void crowd_bi_hex(const unsigned char *p, size_t n, char *out);

#endif
