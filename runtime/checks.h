/* checks.h — the passes and failures of each (expect ...) check, for the
 * end summary's Checks block (k6's) and the JSON and HTML reports.
 *
 * Ownership: one process-wide table of counters, allocated once by
 * crowd_checks_init; it borrows the scenario's static descriptors.
 * Counting allocates nothing.  crowd_checks_free releases the table.
 */
#ifndef CROWD_CHECKS_H
#define CROWD_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <crowd/crowd.h>

/* 0, or -1 when out of memory. */
int crowd_checks_init(const crowd_check_desc *descs, int n);
void crowd_checks_free(void);
/* --reset-stats: every count back to 0. */
void crowd_checks_reset(void);

/* One evaluation of check `check` (crowd_resp_item.check: 1-based; 0 and
 * unknown ids are ignored). */
void crowd_checks_count(int check, bool ok);

size_t crowd_checks_n(void);
const crowd_check_desc *crowd_checks_desc(size_t i);
uint64_t crowd_checks_passes(size_t i);
uint64_t crowd_checks_fails(size_t i);
/* --processes: a child's counts merged into the parent's (stats_wire.c). */
void crowd_checks_add(size_t i, uint64_t passes, uint64_t fails);

/* The Checks block, after the final tables: ✓/✗ (PASS/FAIL without utf8)
 * and, for a check that failed, how often.  Nothing without checks. */
void crowd_checks_print_summary(FILE *out, bool utf8);

#endif
