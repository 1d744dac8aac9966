/* report_fmt.h — the small pieces every file report shares: Python's float
 * repr, CSV (RFC 4180) fields, JSON strings, HTML text, report paths and
 * atomic whole-file writes.
 *
 * Ownership: stateless functions writing to a FILE or buffer the caller
 * owns; crowd_fmt_atomic_open returns a FILE the caller must hand back to
 * crowd_fmt_atomic_commit or crowd_fmt_atomic_abort (which close it).
 */
#ifndef CROWD_REPORT_FMT_H
#define CROWD_REPORT_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* repr(v) as Python 3 prints a float: the shortest digits that read back
 * as v, "4.0", "3.9262225833375117", "1e-05", "1.5e+16", "inf", "nan". */
const char *crowd_fmt_pyfloat(char buf[40], double v);

/* One CSV field, quoted when it holds a comma, a quote, CR or LF (Python's
 * csv.QUOTE_MINIMAL, RFC 4180), quotes doubled. */
void crowd_fmt_csv_field(FILE *f, const char *s);

/* A JSON string literal, quotes included: ASCII as is, other code points
 * as \uXXXX (Python's ensure_ascii), bytes that are not valid UTF-8 as
 * U+FFFD, and '<' '>' '&' escaped too so that it can sit in an HTML
 * <script>. */
void crowd_fmt_json_string(FILE *f, const char *s);

/* Text for HTML content or a quoted attribute: & < > " ' as entities,
 * invalid UTF-8 and C0 controls (other than tab, LF, CR) as U+FFFD. */
void crowd_fmt_html(FILE *f, const char *s);

/* mkdir -p for the directory part of path ("a/b/c.csv" -> a/b).  Returns
 * 0, or -1 with errno set. */
int crowd_fmt_mkdirs_for(const char *path);

/* Checks at start-up that path can be written as a whole-file report:
 * creates its parent directories, then a temporary file beside it, and
 * removes that.  Returns 0, or -1 with errno set. */
int crowd_fmt_check_writable(const char *path);

/* Whole-file reports: write to a temporary file in the same directory,
 * then rename it over path, so that a reader never sees half a file.
 * open returns NULL with errno set; commit returns 0 or -1 with errno set
 * (the temporary file is removed then).  *tmp must hold PATH_MAX bytes. */
FILE *crowd_fmt_atomic_open(const char *path, char *tmp, size_t tmp_size);
int crowd_fmt_atomic_commit(FILE *f, const char *tmp, const char *path);
void crowd_fmt_atomic_abort(FILE *f, const char *tmp);

/* "2026-11-27T10:00:00Z" (UTC, whole seconds), as Locust's first/last seen. */
const char *crowd_fmt_iso_utc(char buf[32], double epoch);

#endif
