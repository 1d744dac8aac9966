/* stats_wire.h — the stats deltas a --processes child ships to its parent
 * (procs.c), in a compact binary form, and their exact merge.
 *
 * A frame is a native uint32 payload length then the payload (both ends
 * are the same executable on the same machine): the child's user count,
 * its task errors since the last frame, the Aggregated total and every
 * entry that changed (counts, content length, first/last request, min/max,
 * the 128-bit sum and the histogram's non-zero buckets, all as differences
 * except min/max, which merge idempotently), the errors and exceptions that
 * gained occurrences, the (expect ...) checks whose counts grew
 * (checks.h).  Each entry also carries its timing breakdown and corrected
 * latency (measure.h: counts and sums as differences, maxima as they are,
 * the TTFB and corrected histograms' changed buckets); the frame carries
 * the run's paced and late task starts, largest lag and CPU, and the
 * totals of each :arrival class (arrival.h).  Integers are LEB128 varints,
 * times raw doubles.
 *
 * Ownership: the encoder (one per child) remembers what it has shipped and
 * is freed with crowd_stats_wire_enc_free; encoded frames are appended to a
 * crowd_stats_wire_buf the caller owns.  crowd_stats_wire_apply merges a
 * payload into stats the caller owns and keeps no pointer into it.
 */
#ifndef CROWD_STATS_WIRE_H
#define CROWD_STATS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrival.h"
#include "stats.h"

typedef struct crowd_stats_wire_enc crowd_stats_wire_enc;

typedef struct crowd_stats_wire_buf {
  unsigned char *p;
  size_t len, cap;
} crowd_stats_wire_buf;

/* What a frame says besides the stats. */
typedef struct crowd_stats_wire_info {
  uint64_t users;       /* the child's running users when it was sent */
  uint64_t user_errors; /* encode: the child's total so far; apply: the increase */
  double now;           /* when it was sent (wall clock) */
  bool final;           /* the child's last frame */
  bool reset;           /* the first frame after the child reset its stats (--reset-stats) */
  uint64_t ramped;      /* the last ramp the child completed (procs.c numbers them; 0: none) */
  /* the :arrival classes' totals so far (not differences); at most
   * CROWD_STATS_WIRE_ARRIVALS classes are shipped */
#define CROWD_STATS_WIRE_ARRIVALS 64
  crowd_arrival_count arrivals[CROWD_STATS_WIRE_ARRIVALS];
  int narrivals;
} crowd_stats_wire_info;

crowd_stats_wire_enc *crowd_stats_wire_enc_new(void);
void crowd_stats_wire_enc_free(crowd_stats_wire_enc *enc);
/* The child's stats were reset (crowd_stats_reset, crowd_checks_reset):
 * what was shipped counts from zero again (the task errors excepted, which
 * a reset keeps). */
void crowd_stats_wire_enc_reset(crowd_stats_wire_enc *enc);

/* Append one frame to out: what st gained since the previous call.
 * 0, or -1 when out of memory (then nothing is appended and nothing is
 * marked as shipped). */
int crowd_stats_wire_encode(crowd_stats_wire_enc *enc, const crowd_stats *st,
                            const crowd_stats_wire_info *info, crowd_stats_wire_buf *out);

/* A frame's length when buf holds a complete one's header: 4 + payload
 * length, or 0 when fewer than 4 bytes are there. */
size_t crowd_stats_wire_frame_len(const unsigned char *buf, size_t len);

/* Merge one frame (header included) into st; info gets its fields.
 * st NULL: only info is read (the stats are not checked nor merged).
 * 0, or -1 when the frame is malformed or memory ran out. */
int crowd_stats_wire_apply(crowd_stats *st, const unsigned char *frame, size_t len,
                           crowd_stats_wire_info *info);

void crowd_stats_wire_buf_free(crowd_stats_wire_buf *b);

#endif
