/* clock.h — the two clocks the runtime reads.
 *
 * Latencies and waits use the monotonic clock (never ev_now(), which is the
 * loop's cached time); stats and log lines use the wall clock.  Header-only,
 * no state.
 */
#ifndef CROWD_CLOCK_H
#define CROWD_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic microseconds since an arbitrary origin. */
static inline uint64_t crowd_clock_us(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0; /* cannot fail with CLOCK_MONOTONIC on Linux */
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Monotonic seconds, for waits and pacing. */
static inline double crowd_clock_mono(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall-clock seconds since the epoch, fractional. */
static inline double crowd_clock_wall(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
    return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
