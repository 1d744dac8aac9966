/* rng.h — the process's one pseudo-random generator (xoshiro256**).
 *
 * Ownership: the module owns the generator state; it is seeded once from the
 * clock and the pid on first use (or explicitly, for tests) and used only by
 * the event loop's thread.  Not for cryptography.
 */
#ifndef CROWD_RNG_H
#define CROWD_RNG_H

#include <stdint.h>

void crowd_rng_seed(uint64_t seed);
uint64_t crowd_rng_next(void);
/* Uniform in [0, n); n > 0.  Unbiased. */
uint64_t crowd_rng_below(uint64_t n);
/* Uniform in [0, 1). */
double crowd_rng_double(void);

#endif
