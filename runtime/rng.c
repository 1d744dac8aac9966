#include "config.h"

#include "rng.h"

#include <time.h>
#include <unistd.h>

static uint64_t rng_s[4];
static int rng_seeded;

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

void crowd_rng_seed(uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    rng_s[i] = splitmix64(&seed);
  rng_seeded = 1;
}

static void rng_autoseed(void)
{
  struct timespec ts = { 0, 0 };
  (void)clock_gettime(CLOCK_REALTIME, &ts); /* any value seeds */
  uint64_t seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  seed ^= (uint64_t)getpid() << 32;
  crowd_rng_seed(seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t crowd_rng_next(void)
{
  if (!rng_seeded)
    rng_autoseed();
  uint64_t result = rotl(rng_s[1] * 5, 7) * 9;
  uint64_t t = rng_s[1] << 17;
  rng_s[2] ^= rng_s[0];
  rng_s[3] ^= rng_s[1];
  rng_s[1] ^= rng_s[2];
  rng_s[0] ^= rng_s[3];
  rng_s[2] ^= t;
  rng_s[3] = rotl(rng_s[3], 45);
  return result;
}

uint64_t crowd_rng_below(uint64_t n)
{
  if (n == 0)
    return crowd_rng_next();
  /* Reject the 2^64 mod n lowest values so every residue is equally likely. */
  uint64_t threshold = (0 - n) % n;
  uint64_t x;
  do
    x = crowd_rng_next();
  while (x < threshold);
  return x % n;
}

double crowd_rng_double(void)
{
  return (double)(crowd_rng_next() >> 11) * 0x1.0p-53;
}
