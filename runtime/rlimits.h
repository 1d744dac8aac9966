/* rlimits.h — runtime/limits.c: the machine's limits that a run needs, open
 * files and ephemeral ports, checked at start-up before any load is sent.
 * (Not "limits.h", which would shadow the C library's.)
 *
 * Ownership: no state; crowd_limits_check reads the process's limits and
 * /proc, raises RLIMIT_NOFILE, and prints on err.
 */
#ifndef CROWD_RLIMITS_H
#define CROWD_RLIMITS_H

#include <stdio.h>

/* Descriptors kept free beyond one socket per user: libev, curl's wake-up
 * pair, report files, and connections being replaced. */
#define CROWD_LIMITS_FD_MARGIN 32

/* Raise the soft open-file limit to the hard one (as Locust does), then
 * check that `users` connections to `host` (a URL) fit the descriptors and
 * the ephemeral ports (Linux: /proc/sys/net/ipv4/ip_local_port_range).
 * Returns 0, or -1 after saying on err what does not fit, with the numbers. */
int crowd_limits_check(long users, const char *host, FILE *err);

#endif
