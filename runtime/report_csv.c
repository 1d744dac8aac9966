/* report_csv.c — Locust's four CSV files, same names, columns and number
 * formats (LOCUST-COMPAT.md §3): Python's csv module (QUOTE_MINIMAL, CRLF
 * line ends), floats as Python's repr, percentiles as integer ms. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "report_fmt.h"
#include "report_impl.h"

#define EOL "\r\n"

static void field(FILE *f, const char *s, bool last)
{
    crowd_fmt_csv_field(f, s);
    fputs(last ? EOL : ",", f);
}

static void pyfloat_end(FILE *f, double v, const char *end)
{
    char buf[40];
    fputs(crowd_fmt_pyfloat(buf, v), f);
    fputs(end, f);
}

static void pyfloat(FILE *f, double v)
{
    pyfloat_end(f, v, ",");
}

static void u64(FILE *f, uint64_t v)
{
    fprintf(f, "%" PRIu64 ",", v);
}

/* Locust: ints from its buckets; crowd: its exact value rounded to ms. */
static long ms_int(double us)
{
    return (long)rint(us / 1000.0);
}

/* The Locust columns that follow Requests/s in _stats.csv:
 * median, average, min, max, average size (Locust's types: a float
 * average, 0 rather than 0.0 where Locust starts from the int 0). */
static void summary(FILE *f, const crowd_stats_entry *e, bool last)
{
    const crowd_hist *h = crowd_stats_entry_hist(e);
    uint64_t n = crowd_stats_entry_num_requests(e);
    fprintf(f, "%ld,", n ? ms_int(crowd_hist_percentile(h, 0.5)) : 0L);
    pyfloat(f, crowd_hist_mean(h) / 1000.0);
    if (n) {
        pyfloat(f, (double)crowd_hist_min(h) / 1000.0);
        pyfloat(f, (double)crowd_hist_max(h) / 1000.0);
        pyfloat_end(f, (double)crowd_stats_entry_total_content_length(e) / (double)n,
                    last ? EOL : ",");
    } else {
        fputs(last ? "0,0,0" EOL : "0,0,0,", f);
    }
}

/* Percentile columns of h, or N/A when it is empty; ends the row when last. */
static void percentiles(FILE *f, const crowd_hist *h, bool last)
{
    for (size_t i = 0; i < CROWD_REPORT_NPCT; i++) {
        if (h == NULL || crowd_hist_count(h) == 0)
            fputs("N/A", f);
        else
            fprintf(f, "%ld", ms_int(crowd_hist_percentile(h, crowd_report_pct[i])));
        fputs(i + 1 < CROWD_REPORT_NPCT ? "," : last ? EOL : ",", f);
    }
}

static void stats_row(const crowd_reports *rep, FILE *f, const crowd_stats_entry *e)
{
    field(f, crowd_stats_entry_method(e), false);
    field(f, crowd_stats_entry_name(e), false);
    u64(f, crowd_stats_entry_num_requests(e));
    u64(f, crowd_stats_entry_num_failures(e));
    /* Locust's order: median, average, min, max, size */
    summary(f, e, false);
    pyfloat(f, crowd_stats_entry_total_rps(rep->st, e));
    pyfloat(f, crowd_stats_entry_total_fail_per_sec(rep->st, e));
    percentiles(f, crowd_stats_entry_hist(e), true);
}

static void pct_header(FILE *f)
{
    for (size_t i = 0; i < CROWD_REPORT_NPCT; i++) {
        fputc(',', f);
        fputs(crowd_report_pct_label[i], f);
    }
}

void crowd_report_csv_stats(const crowd_reports *rep, FILE *f)
{
    fputs("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
          "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s",
          f);
    pct_header(f);
    fputs(EOL, f);
    size_t n;
    const crowd_stats_entry **sorted = crowd_stats_sorted_entries(rep->st, &n);
    for (size_t i = 0; i < n; i++)
        stats_row(rep, f, sorted[i]);
    free(sorted);
    stats_row(rep, f, crowd_stats_total(rep->st));
}

void crowd_report_csv_history_header(FILE *f)
{
    fputs("Timestamp,User Count,Type,Name,Requests/s,Failures/s", f);
    pct_header(f);
    fputs(",Total Request Count,Total Failure Count,Total Median Response Time,"
          "Total Average Response Time,Total Min Response Time,Total Max Response Time,"
          "Total Average Content Size" EOL,
          f);
    fflush(f);
}

/* Entry index (crowd_stats_entry_at order) of e, for its history window. */
static size_t entry_index(const crowd_stats *st, const crowd_stats_entry *e)
{
    size_t n = crowd_stats_entry_count(st);
    for (size_t i = 0; i < n; i++)
        if (crowd_stats_entry_at(st, i) == e)
            return i;
    return CROWD_HISTORY_TOTAL;
}

static void history_row(crowd_reports *rep, FILE *f, const crowd_stats_entry *e, size_t idx,
                        long ts, double now)
{
    fprintf(f, "%ld,%zu,", ts, crowd_report_users(rep));
    field(f, crowd_stats_entry_method(e), false);
    field(f, crowd_stats_entry_name(e), false);
    fprintf(f, "%f,%f,", crowd_stats_entry_current_rps(rep->st, e, now),
            crowd_stats_entry_current_fail_per_sec(rep->st, e, now));
    /* current (last ~10 s) percentiles, with or without full history */
    percentiles(f, crowd_history_window(rep->hist, idx), false);
    u64(f, crowd_stats_entry_num_requests(e));
    u64(f, crowd_stats_entry_num_failures(e));
    summary(f, e, true);
}

void crowd_report_csv_history_rows(crowd_reports *rep, FILE *f, double now)
{
    long ts = (long)floor(now);
    if (rep->opt->csv_full_history) {
        size_t n;
        const crowd_stats_entry **sorted = crowd_stats_sorted_entries(rep->st, &n);
        for (size_t i = 0; i < n; i++)
            history_row(rep, f, sorted[i], entry_index(rep->st, sorted[i]), ts, now);
        free(sorted);
    }
    history_row(rep, f, crowd_stats_total(rep->st), CROWD_HISTORY_TOTAL, ts, now);
}

static void error_rows(FILE *f, const crowd_stats_error *e)
{
    char a[32], b[32];
    field(f, crowd_stats_error_method(e), false);
    field(f, crowd_stats_error_name(e), false);
    field(f, crowd_stats_error_message(e), false);
    fprintf(f, "%" PRIu64 ",%s,%s" EOL, crowd_stats_error_occurrences(e),
            crowd_fmt_iso_utc(a, crowd_stats_error_first_seen(e)),
            crowd_fmt_iso_utc(b, crowd_stats_error_last_seen(e)));
}

void crowd_report_csv_failures(const crowd_reports *rep, FILE *f)
{
    fputs("Method,Name,Error,Occurrences,First Seen,Last Seen" EOL, f);
    size_t n = crowd_stats_error_count(rep->st);
    for (size_t i = 0; i < n; i++)
        error_rows(f, crowd_stats_error_at(rep->st, i));
}

void crowd_report_csv_exceptions(const crowd_reports *rep, FILE *f)
{
    fputs("Count,Message,Traceback,Nodes" EOL, f);
    size_t n = crowd_stats_exception_count(rep->st);
    for (size_t i = 0; i < n; i++) {
        const crowd_stats_error *x = crowd_stats_exception_at(rep->st, i);
        fprintf(f, "%" PRIu64 ",", crowd_stats_error_occurrences(x));
        field(f, crowd_stats_error_message(x), false);
        field(f, crowd_stats_error_name(x), false);
        field(f, "local", true);
    }
}
