/* report_console.c — Locust's console tables (LOCUST-COMPAT.md §2), written
 * to a caller-owned FILE, built only from stats.h's read-only views. */
#include "config.h"

#include "stats.h"

#include "histogram.h"
#include "measure.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_WIDTH 8
#define ERROR_WIDTH 100

const double crowd_stats_default_percentiles[] = { 0.5, 0.66, 0.75, 0.8, 0.9, 0.95,
                                                   0.98, 0.99, 0.999, 0.9999, 1.0 };
#define N_PERCENTILES (sizeof crowd_stats_default_percentiles / sizeof crowd_stats_default_percentiles[0])
const size_t crowd_stats_n_default_percentiles = N_PERCENTILES;

/* Python pads "%-Ns" by code points, so count UTF-8 lead bytes only. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Text from the scenario or the server (names, error messages): control
 * bytes become '?', so that a name cannot move the cursor or recolour the
 * terminal (one byte for one, the columns stay aligned). */
static void put_text(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s, out);
}

/* "%-{width}s" as Python does it: a negative width also left-justifies. */
static void put_left(FILE *out, const char *s, int width)
{
    size_t w = (size_t)(width < 0 ? -(long)width : width);
    put_text(out, s);
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

static void percentile_separator(FILE *out, int width, size_t n)
{
    put_dashes(out, TYPE_WIDTH);
    fputc('|', out);
    put_dashes(out, width);
    fputs("|--------", out);
    for (size_t i = 0; i < n; i++)
        fputs(i + 1 < n ? "|------" : "|------\n", out);
}

static void percentile_row(FILE *out, const crowd_stats_entry *e, const crowd_hist *h, int width,
                           const double *pcts, size_t n)
{
    char buf[32];

    put_left(out, crowd_stats_entry_method(e), TYPE_WIDTH);
    fputc(' ', out);
    put_left(out, crowd_stats_entry_name(e), width);
    for (size_t i = 0; i < n; i++)
        fprintf(out, i == 0 ? " %8s" : " %6s", fmt_ms(buf, crowd_hist_percentile(h, pcts[i])));
    fprintf(out, " %6" PRIu64 "\n", crowd_hist_count(h));
}

static const crowd_hist *service_hist(const crowd_stats_entry *e)
{
    return crowd_stats_entry_hist(e);
}

/* A row per entry with a histogram (hist_of non-NULL and not empty). */
void crowd_stats_print_percentiles_of(const crowd_stats *st, FILE *out, const char *title,
                                      const double *pcts, size_t n,
                                      const crowd_hist *(*hist_of)(const crowd_stats_entry *))
{
    int width = crowd_stats_name_width(st);
    char label[32];

    fprintf(out, "%s\n", title);
    put_left(out, "Type", TYPE_WIDTH);
    fputc(' ', out);
    put_left(out, "Name", width);
    for (size_t i = 0; i < n; i++) {
        snprintf(label, sizeof label, "%.6g%%", pcts[i] * 100.0);
        fprintf(out, i == 0 ? " %8s" : " %6s", label);
    }
    fprintf(out, " %6s\n", "# reqs");
    percentile_separator(out, width, n);

    size_t count;
    const crowd_stats_entry **sorted = crowd_stats_sorted_entries(st, &count);
    for (size_t i = 0; i < count; i++) {
        const crowd_hist *h = hist_of(sorted[i]);
        if (h && crowd_hist_count(h) > 0)
            percentile_row(out, sorted[i], h, width, pcts, n);
    }
    free(sorted);

    percentile_separator(out, width, n);
    const crowd_stats_entry *total = crowd_stats_total(st);
    const crowd_hist *h = hist_of(total);
    if (h && crowd_hist_count(h) > 0)
        percentile_row(out, total, h, width, pcts, n);
    fputc('\n', out);
}

void crowd_stats_print_percentiles(const crowd_stats *st, FILE *out)
{
    crowd_stats_print_percentiles_of(st, out, "Response time percentiles (approximated)",
                                     crowd_stats_default_percentiles, N_PERCENTILES, service_hist);
}

/* ---- crowd's own end-summary tables (measure.h) ---- */

void crowd_measure_print_corrected(const crowd_stats *st, FILE *out, const double *pcts, size_t n)
{
    if (crowd_measure_paced_starts(st) == 0 && !crowd_measure_corrected_hist(crowd_stats_total(st)))
        return;
    if (crowd_measure_corrected_hist(crowd_stats_total(st)))
        crowd_stats_print_percentiles_of(st, out,
                                         "Corrected response time percentiles (from the intended start of paced tasks)",
                                         pcts, n, crowd_measure_corrected_hist);
    char lag[32];
    uint64_t paced = crowd_measure_paced_starts(st), late = crowd_measure_late_starts(st);
    fprintf(out, "Schedule: %" PRIu64 " paced task starts, %" PRIu64
                 " fell behind (started more than %u ms late), max lag %s ms\n",
            paced, late, CROWD_MEASURE_LATE_US / 1000u,
            fmt_ms(lag, (double)crowd_measure_max_lag_us(st)));
    fputc('\n', out);
}

void crowd_measure_print_cpu(const crowd_stats *st, FILE *out)
{
    if (!crowd_measure_cpu_warning(st))
        return;
    fprintf(out, "CPU: the generator's CPU usage went above %.0f%% (max %.0f%%): "
                 "response times may include time the generator kept requests waiting\n\n",
            CROWD_MEASURE_CPU_WARN, crowd_measure_cpu_max(st));
}

static void timing_row(FILE *out, const crowd_stats_entry *e, int width)
{
    char a[32], m[32];
    char cell[80];
    put_left(out, crowd_stats_entry_method(e), TYPE_WIDTH);
    fputc(' ', out);
    put_left(out, crowd_stats_entry_name(e), width);
    for (int p = 0; p < CROWD_PHASE_COUNT; p++) {
        snprintf(cell, sizeof cell, "%s/%s", fmt_ms(a, crowd_measure_phase_avg(e, (crowd_phase)p)),
                 fmt_ms(m, (double)crowd_measure_phase_max(e, (crowd_phase)p)));
        fprintf(out, " %15s", cell);
    }
    const crowd_hist *h = crowd_stats_entry_hist(e);
    snprintf(cell, sizeof cell, "%s/%s", fmt_ms(a, crowd_hist_mean(h)), fmt_ms(m, (double)crowd_hist_max(h)));
    fprintf(out, " %15s %7" PRIu64 "\n", cell, crowd_measure_timed(e));
}

void crowd_measure_print_timings(const crowd_stats *st, FILE *out)
{
    int width = crowd_stats_name_width(st);
    fputs("Timing breakdown (avg/max ms; DNS, connect and TLS are 0 on a kept-alive connection)\n", out);
    put_left(out, "Type", TYPE_WIDTH);
    fputc(' ', out);
    put_left(out, "Name", width);
    fprintf(out, " %15s %15s %15s %15s %15s %7s\n", "DNS", "Connect", "TLS", "TTFB", "Total", "# timed");
    size_t count;
    const crowd_stats_entry **sorted = crowd_stats_sorted_entries(st, &count);
    for (size_t i = 0; i < count; i++)
        if (crowd_measure_timed(sorted[i]) > 0)
            timing_row(out, sorted[i], width);
    free(sorted);
    if (crowd_measure_timed(crowd_stats_total(st)) > 0)
        timing_row(out, crowd_stats_total(st), width);
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
        fprintf(out, "%s ", crowd_stats_error_method(e));
        put_text(out, crowd_stats_error_name(e));
        fputs(": ", out);
        /* Pad the whole "METHOD NAME: message" cell to 100 code points. */
        size_t used = utf8_len(crowd_stats_error_method(e)) + 1 + utf8_len(crowd_stats_error_name(e)) + 2;
        put_text(out, crowd_stats_error_message(e));
        for (used += utf8_len(crowd_stats_error_message(e)); used < ERROR_WIDTH; used++)
            fputc(' ', out);
        fputc('\n', out);
    }
    error_separator(out, width);
    fputc('\n', out);
}
