/* report_console.c — Locust's console tables (LOCUST-COMPAT.md §2), written
 * to a caller-owned FILE, built only from stats.h's read-only views. */
#include "config.h"

#include "stats.h"

#include "histogram.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_WIDTH 8
#define ERROR_WIDTH 100

static const double percentiles[] = { 0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0 };
static const char *const percentile_labels[] = { "50%", "66%", "75%", "80%", "90%", "95%",
                                                 "98%", "99%", "99.9%", "99.99%", "100%" };
#define N_PERCENTILES (sizeof percentiles / sizeof percentiles[0])

/* Python pads "%-Ns" by code points, so count UTF-8 lead bytes only. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* "%-{width}s" as Python does it: a negative width also left-justifies. */
static void put_left(FILE *out, const char *s, int width)
{
    size_t w = (size_t)(width < 0 ? -(long)width : width);
    fputs(s, out);
    for (size_t n = utf8_len(s); n < w; n++)
        fputc(' ', out);
}

static void put_dashes(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc('-', out);
}

/* A time in ms for a column.  Locust prints ints (truncated); crowd keeps
 * that from 10 ms up and shows two significant digits below, truncated
 * too: 420 us -> "0.42", 3170 us -> "3.1". */
static const char *fmt_ms(char buf[32], double us)
{
    uint64_t v = us > 0 ? (uint64_t)us : 0;
    if (v == 0)
        snprintf(buf, 32, "0");
    else if (v < 1000)
        snprintf(buf, 32, "0.%02" PRIu64, v / 10);
    else if (v < 10000)
        snprintf(buf, 32, "%" PRIu64 ".%" PRIu64, v / 1000, v % 1000 / 100);
    else
        snprintf(buf, 32, "%" PRIu64, v / 1000);
    return buf;
}

static void table_separator(FILE *out, int name_col)
{
    put_dashes(out, TYPE_WIDTH);
    fputc('|', out);
    put_dashes(out, name_col);
    fputs("|-------|-------------|-------|-------|-------|-------|--------|-----------\n", out);
}

static void table_row(const crowd_stats *st, FILE *out, const crowd_stats_entry *e, int name_col,
                      bool current, double now)
{
    const char *method = crowd_stats_entry_method(e);
    const crowd_hist *h = crowd_stats_entry_hist(e);
    char type[64], fails[64], avg[32], min[32], max[32], med[32];

    snprintf(type, sizeof type, "%s%s", method, *method ? " " : "");
    put_left(out, type, TYPE_WIDTH);
    fputc(' ', out);
    put_left(out, crowd_stats_entry_name(e), name_col);
    snprintf(fails, sizeof fails, "%" PRIu64 "(%.2f%%)", crowd_stats_entry_num_failures(e),
             crowd_stats_entry_fail_ratio(e) * 100.0);
    double rps = current ? crowd_stats_entry_current_rps(st, e, now) : crowd_stats_entry_total_rps(st, e);
    double fps = current ? crowd_stats_entry_current_fail_per_sec(st, e, now)
                         : crowd_stats_entry_total_fail_per_sec(st, e);
    fprintf(out, " %7" PRIu64 " %12s |%7s %7s %7s%7s | %7.2f %11.2f\n",
            crowd_stats_entry_num_requests(e), fails, fmt_ms(avg, crowd_hist_mean(h)),
            fmt_ms(min, (double)crowd_hist_min(h)), fmt_ms(max, (double)crowd_hist_max(h)),
            fmt_ms(med, crowd_hist_percentile(h, 0.5)), rps, fps);
}

void crowd_stats_print_table(const crowd_stats *st, FILE *out, bool current, double now)
{
    /* Locust gives the name (W - 8) + 4 columns: the type and padding
     * columns are compacted to make room. */
    int name_col = crowd_stats_name_width(st) - TYPE_WIDTH + 4;

    put_left(out, "Type", TYPE_WIDTH);
    fputc(' ', out);
    put_left(out, "Name", name_col);
    fprintf(out, " %7s %12s |%7s %7s %7s%7s | %7s %11s\n", "# reqs", "# fails", "Avg", "Min", "Max",
            "Med", "req/s", "failures/s");
    table_separator(out, name_col);

    size_t n;
    const crowd_stats_entry **sorted = crowd_stats_sorted_entries(st, &n);
    for (size_t i = 0; i < n; i++)
        table_row(st, out, sorted[i], name_col, current, now);
    free(sorted);

    table_separator(out, name_col);
    table_row(st, out, crowd_stats_total(st), name_col, current, now);
    fputc('\n', out);
}

static void percentile_separator(FILE *out, int width)
{
    put_dashes(out, TYPE_WIDTH);
    fputc('|', out);
    put_dashes(out, width);
    fputs("|--------", out);
    for (size_t i = 0; i < N_PERCENTILES; i++)
        fputs(i + 1 < N_PERCENTILES ? "|------" : "|------\n", out);
}

static void percentile_row(FILE *out, const crowd_stats_entry *e, int width)
{
    const crowd_hist *h = crowd_stats_entry_hist(e);
    char buf[32];

    put_left(out, crowd_stats_entry_method(e), TYPE_WIDTH);
    fputc(' ', out);
    put_left(out, crowd_stats_entry_name(e), width);
    for (size_t i = 0; i < N_PERCENTILES; i++)
        fprintf(out, i == 0 ? " %8s" : " %6s", fmt_ms(buf, crowd_hist_percentile(h, percentiles[i])));
    fprintf(out, " %6" PRIu64 "\n", crowd_stats_entry_num_requests(e));
}

void crowd_stats_print_percentiles(const crowd_stats *st, FILE *out)
{
    int width = crowd_stats_name_width(st);

    fputs("Response time percentiles (approximated)\n", out);
    put_left(out, "Type", TYPE_WIDTH);
    fputc(' ', out);
    put_left(out, "Name", width);
    for (size_t i = 0; i < N_PERCENTILES; i++)
        fprintf(out, i == 0 ? " %8s" : " %6s", percentile_labels[i]);
    fprintf(out, " %6s\n", "# reqs");
    percentile_separator(out, width);

    size_t n;
    const crowd_stats_entry **sorted = crowd_stats_sorted_entries(st, &n);
    for (size_t i = 0; i < n; i++)
        if (crowd_hist_count(crowd_stats_entry_hist(sorted[i])) > 0)
            percentile_row(out, sorted[i], width);
    free(sorted);

    percentile_separator(out, width);
    const crowd_stats_entry *total = crowd_stats_total(st);
    if (crowd_hist_count(crowd_stats_entry_hist(total)) > 0)
        percentile_row(out, total, width);
    fputc('\n', out);
}

static void error_separator(FILE *out, int width)
{
    put_dashes(out, 18);
    fputc('|', out);
    put_dashes(out, 80 + width - 19);
    fputc('\n', out);
}

void crowd_stats_print_errors(const crowd_stats *st, FILE *out)
{
    size_t n = crowd_stats_error_count(st);
    int width = crowd_stats_name_width(st);
    if (n == 0)
        return;

    fputs("Error report\n", out);
    put_left(out, "# occurrences", 18);
    fputc(' ', out);
    put_left(out, "Error", ERROR_WIDTH);
    fputc('\n', out);
    error_separator(out, width);
    for (size_t i = 0; i < n; i++) {
        const crowd_stats_error *e = crowd_stats_error_at(st, i);
        fprintf(out, "%-18" PRIu64 " ", crowd_stats_error_occurrences(e));
        fprintf(out, "%s %s: ", crowd_stats_error_method(e), crowd_stats_error_name(e));
        /* Pad the whole "METHOD NAME: message" cell to 100 code points. */
        size_t used = utf8_len(crowd_stats_error_method(e)) + 1 + utf8_len(crowd_stats_error_name(e)) + 2;
        fputs(crowd_stats_error_message(e), out);
        for (used += utf8_len(crowd_stats_error_message(e)); used < ERROR_WIDTH; used++)
            fputc(' ', out);
        fputc('\n', out);
    }
    error_separator(out, width);
    fputc('\n', out);
}
