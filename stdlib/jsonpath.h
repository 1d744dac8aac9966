/* jsonpath.h — the JSON path subset of checks and saves.
 *
 *   $              the whole document
 *   .key           a member of an object (key: any bytes but . [ ])
 *   ["key"] ['key'] a member whose name holds . [ or ] (no escapes)
 *   [N]  [-N]      an element of an array, counted from the end when negative
 *   [*]            every element of an array, or every member of an object
 *
 * crowdc reads a path with it to reject a bad one where it is written;
 * libcrowd reads the same path with it to walk a response, so the two
 * cannot disagree on the syntax.
 *
 * Ownership: nothing is allocated; a step's key points into the path.
 */
#ifndef CROWD_JSONPATH_H
#define CROWD_JSONPATH_H

#include <stddef.h>

typedef enum crowd_jpath_kind {
  CROWD_JPATH_END = 0, /* no more steps */
  CROWD_JPATH_KEY,
  CROWD_JPATH_INDEX,
  CROWD_JPATH_ALL,
  CROWD_JPATH_ERROR
} crowd_jpath_kind;

typedef struct crowd_jpath_step {
  crowd_jpath_kind kind;
  const char *key;    /* KEY: the member name (not NUL-terminated) */
  size_t keylen;
  long index;         /* INDEX */
  const char *error;  /* ERROR: what is wrong, at *pos */
} crowd_jpath_step;

/* The step at *pos (0 for the start of the path, where '$' must stand),
 * and *pos moved past it.  On ERROR, *pos is where the problem is. */
crowd_jpath_kind crowd_jpath_next(const char *path, size_t len, size_t *pos,
                                  crowd_jpath_step *st);

/* NULL when the whole path reads well (and *wild says whether it has a
 * [*] step); else the message of the first problem, at *errpos. */
const char *crowd_jpath_check(const char *path, size_t len, size_t *errpos, int *wild);

#endif
