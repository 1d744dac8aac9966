/* feeder.h — CSV data for (feeder NAME (csv "file") :strategy S).
 *
 * crowd_csv_parse is a small RFC 4180 parser: a header row of field names,
 * then records; fields separated by ',', records by CRLF or LF; a field in
 * double quotes may hold commas, line breaks and "" for a quote; a UTF-8
 * byte-order mark at the start is skipped; blank lines are skipped.  Every
 * record must have as many fields as the header.
 *
 * Ownership: a crowd_csv owns its cells (crowd_csv_free).  The feeders of
 * the running scenario are the module's: crowd_feeders_load (from
 * crowd_main, before any user starts) reads every file, and only the event
 * loop's thread reads them afterwards, through crowd_feeder_next/_field
 * (crowd.h); crowd_feeders_free releases them at the end.
 */
#ifndef CROWD_FEEDER_H
#define CROWD_FEEDER_H

#include <stddef.h>
#include <stdio.h>

#include <crowd/crowd.h>

typedef struct crowd_csv_cell {
  char *p; /* NUL-terminated; may hold other NULs (len is the truth) */
  size_t len;
} crowd_csv_cell;

typedef struct crowd_csv {
  crowd_csv_cell *cells; /* (nrows + 1) * ncols: the header row first */
  size_t ncols, nrows;   /* nrows: data records, without the header */
} crowd_csv;

/* Parse len bytes.  Returns 0, or -1 with a message in err ("line 3: ...");
 * *out is then empty. */
int crowd_csv_parse(const char *p, size_t len, crowd_csv *out, char *err, size_t errsize);
void crowd_csv_free(crowd_csv *c);
/* Cell (row, col); row 0 is the header. */
const crowd_csv_cell *crowd_csv_cell_at(const crowd_csv *c, size_t row, size_t col);

/* Read every feeder of sc: its file (overrides "NAME=PATH" first, then the
 * path relative to the scenario's directory), and check that every column
 * the scenario reads exists.  Returns 0, or -1 after printing
 * "crowd: error: ..." to err. */
int crowd_feeders_load(const crowd_scenario_desc *sc, const char *const *overrides, int noverrides,
                       FILE *err);
void crowd_feeders_free(void);
/* --processes parent: log once each unique feeder the children have
 * exhausted together (its shared cursor is past its last row, shared.h);
 * the children's own log lines are below their WARNING level. */
void crowd_feeders_log_exhausted(void);

#endif
