/* shared.c — counters shared across --processes children (shared.h). */
#include "config.h"

#include "shared.h"

#include <stdatomic.h>
#include <sys/mman.h>

static _Atomic uint64_t *shared_slots;
static size_t shared_n;

int crowd_shared_init(size_t nslots)
{
  if (shared_slots != NULL || nslots == 0)
    return 0;
  void *p = mmap(NULL, nslots * sizeof *shared_slots, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED)
    return -1;
  shared_slots = p; /* anonymous pages start zeroed: every counter is 0 */
  shared_n = nslots;
  return 0;
}

uint64_t crowd_shared_take(size_t slot, uint64_t *local)
{
  if (shared_slots != NULL && slot < shared_n)
    return atomic_fetch_add(&shared_slots[slot], 1);
  return (*local)++;
}

uint64_t crowd_shared_get(size_t slot, uint64_t local)
{
  if (shared_slots != NULL && slot < shared_n)
    return atomic_load(&shared_slots[slot]);
  return local;
}
