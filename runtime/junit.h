/* junit.h — --junit FILE: the run as JUnit XML for CI systems, one test
 * case per threshold and one per request entry (failed when the entry had
 * failures, with their messages).
 *
 * Ownership: reads the stats and the thresholds, writes FILE; owns nothing
 * after it returns.  The file is written whole to a temporary file beside
 * it, then renamed over it, so a reader never sees half a report.
 */
#ifndef CROWD_JUNIT_H
#define CROWD_JUNIT_H

#include <stddef.h>
#include <stdio.h>

#include "stats.h"
#include "thresholds.h"

/* At start-up, before any load: can FILE be written (its directory exists
 * and takes a new file)?  0, or -1 with the reason in err. */
int crowd_junit_check(const char *path, char *err, size_t size);

/* Write the report; suite is the scenario's name, duration the run's
 * length in seconds.  0, or -1 with the reason in err. */
int crowd_junit_write(const char *path, const char *suite, double duration, const crowd_stats *st,
                      const crowd_thresholds *thr, char *err, size_t size);

/* Text as XML character data or attribute value: & < > " ' escaped, the
 * characters XML 1.0 forbids (controls other than tab, LF, CR) and bytes
 * that are not UTF-8 replaced by U+FFFD; in attributes, tab, LF and CR as
 * character references so that they survive. */
void crowd_junit_xml_text(FILE *out, const char *s, int attribute);

#endif
