/* files.h — the files a scenario names (CSV feeders, (file ...) bodies,
 * client certificates): their paths, relative to the scenario's directory,
 * and reading one whole, once, before any load.
 *
 * Ownership: both functions return malloc'd memory that the caller frees.
 */
#ifndef CROWD_FILES_H
#define CROWD_FILES_H

#include <stddef.h>

/* PATH as is when absolute or when DIR is NULL or empty, else DIR/PATH.
 * NULL when out of memory. */
char *crowd_file_path(const char *path, const char *dir);

/* The whole regular file at PATH, NUL-terminated (*len bytes before the
 * NUL), at most MAX bytes.  NULL with errno set: open's errno, EISDIR (a
 * directory), EINVAL (not a regular file), EFBIG (over MAX), ENOMEM, or EIO
 * (a read error, or the file shrank while read). */
char *crowd_file_read(const char *path, size_t max, size_t *len);

#endif
