#include "config.h"

#include "rlimits.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"

/* Never ask for more than this even when the hard limit is unlimited. */
#define LIMITS_FD_CEILING 1048576

/* Descriptors open now (each one is taken from the limit). */
static long limits_open_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL)
    return 3;
  long n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  if (closedir(d) != 0)
    crowd_log(CROWD_LOG_DEBUG, "crowd.limits", "closedir: %s", strerror(errno));
  return n > 0 ? n - 1 : 3; /* minus the directory's own descriptor */
}

/* The soft limit, raised to the hard one when it is lower. */
static rlim_t limits_raise_nofile(rlim_t *hard)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    crowd_log(CROWD_LOG_DEBUG, "crowd.limits", "getrlimit: %s", strerror(errno));
    *hard = RLIM_INFINITY;
    return RLIM_INFINITY;
  }
  *hard = rl.rlim_max;
  rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > LIMITS_FD_CEILING
                    ? LIMITS_FD_CEILING
                    : rl.rlim_max;
  if (want > rl.rlim_cur) {
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      crowd_log(CROWD_LOG_DEBUG, "crowd.limits", "could not raise the open file limit: %s",
                strerror(errno));
      return old;
    }
    crowd_log(CROWD_LOG_DEBUG, "crowd.limits", "open file limit raised from %lu to %lu",
              (unsigned long)old, (unsigned long)want);
  }
  return rl.rlim_cur;
}

/* The ephemeral port range; 0 when it cannot be read (not Linux). */
static long limits_port_range(long *lo, long *hi)
{
  FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
  if (f == NULL)
    return 0;
  int n = fscanf(f, "%ld %ld", lo, hi);
  if (fclose(f) != 0 || n != 2 || *hi < *lo)
    return 0;
  return *hi - *lo + 1;
}

/* "HOST:PORT" of a URL, for messages. */
static void limits_authority(const char *url, char *buf, size_t size)
{
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  size_t n = strcspn(p, "/?#");
  if (n >= size)
    n = size - 1;
  memcpy(buf, p, n);
  buf[n] = '\0';
  if (strchr(buf, ':') == NULL || buf[0] == '[') {
    /* no port (an IPv6 literal has colons but ends with ']') */
    const char *end = strrchr(buf, ']');
    if (buf[0] != '[' || end == NULL || end[1] != ':') {
      int https = strncmp(url, "https", 5) == 0;
      size_t len = strlen(buf);
      snprintf(buf + len, size - len, ":%d", https ? 443 : 80);
    }
  }
}

int crowd_limits_check(long users, const char *host, FILE *err)
{
  int bad = 0;
  rlim_t hard;
  rlim_t soft = limits_raise_nofile(&hard);
  long open_now = limits_open_fds();
  if (users <= 0)
    return 0;
  long need = users + open_now + CROWD_LIMITS_FD_MARGIN;
  if (soft != RLIM_INFINITY && (rlim_t)need > soft) {
    fprintf(err,
            "crowd: error: %ld users need about %ld open files (one connection each, plus %ld "
            "for the process), but the open file limit is %lu (hard limit %lu): raise it "
            "(ulimit -n %ld) or run fewer users per process\n",
            users, need, open_now + CROWD_LIMITS_FD_MARGIN, (unsigned long)soft,
            hard == RLIM_INFINITY ? (unsigned long)LIMITS_FD_CEILING : (unsigned long)hard,
            need);
    bad = 1;
  }
  long lo = 0, hi = 0;
  long ports = limits_port_range(&lo, &hi);
  if (ports > 0 && users > ports && host != NULL) {
    char target[256];
    limits_authority(host, target, sizeof target);
    fprintf(err,
            "crowd: error: %ld users need %ld connections to %s, but the ephemeral port range "
            "%ld-%ld (net.ipv4.ip_local_port_range) has only %ld ports: widen it or run fewer "
            "users per process\n",
            users, users, target, lo, hi, ports);
    bad = 1;
  }
  return bad ? -1 : 0;
}
