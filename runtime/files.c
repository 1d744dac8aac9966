#include "config.h"

/* files.c — see files.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

char *crowd_file_path(const char *path, const char *dir)
{
  if (path[0] == '/' || dir == NULL || dir[0] == '\0')
    return strdup(path);
  size_t len = strlen(dir) + strlen(path) + 2;
  char *p = malloc(len);
  if (p)
    snprintf(p, len, "%s/%s", dir, path);
  return p;
}

/* errno for what fstat says, 0 when the file may be read. */
static int files_check(const struct stat *st, size_t max)
{
  if (S_ISDIR(st->st_mode))
    return EISDIR;
  if (!S_ISREG(st->st_mode))
    return EINVAL;
  if ((uintmax_t)st->st_size > max)
    return EFBIG;
  return 0;
}

/* Exactly want bytes of fd into buf: 0, or an errno value. */
static int files_read_all(int fd, char *buf, size_t want)
{
  size_t got = 0;
  while (got < want) {
    ssize_t n = read(fd, buf + got, want - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? errno : EIO; /* shrank while read */
    got += (size_t)n;
  }
  return 0;
}

char *crowd_file_read(const char *path, size_t max, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  struct stat st;
  char *buf = NULL;
  int err = fstat(fd, &st) != 0 ? errno : files_check(&st, max);
  if (err == 0 && (buf = malloc((size_t)st.st_size + 1)) == NULL)
    err = ENOMEM;
  if (err == 0)
    err = files_read_all(fd, buf, (size_t)st.st_size);
  if (close(fd) != 0 && err == 0)
    err = errno;
  if (err != 0) {
    free(buf);
    errno = err;
    return NULL;
  }
  buf[st.st_size] = '\0';
  *len = (size_t)st.st_size;
  return buf;
}
