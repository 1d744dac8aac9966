/* reports.c — the file reports' life cycle: start-up checks, the tick
 * every second, the complete files at the end (see reports.h). */
#include "config.h"

#include "reports.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "report_fmt.h"
#include "report_impl.h"

const double crowd_report_pct[CROWD_REPORT_NPCT] = { 0.5, 0.66, 0.75, 0.8, 0.9, 0.95,
                                                     0.98, 0.99, 0.999, 0.9999, 1.0 };
const char *const crowd_report_pct_label[CROWD_REPORT_NPCT] = {
    "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"
};

static void free_thresholds(crowd_reports *rep);

/* ---- paths ---- */

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* Locust's --html substitution: {u} users, {r} spawn rate, {t} run time,
 * each as an integer. */
static char *html_path(const crowd_options *opt)
{
    char u[32], r[32], t[32];
    snprintf(u, sizeof u, "%ld", opt->users);
    snprintf(r, sizeof r, "%ld", (long)opt->spawn_rate);
    snprintf(t, sizeof t, "%ld", opt->run_time);
    size_t cap = strlen(opt->html) * 8 + 1;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    for (const char *p = opt->html; *p;) {
        const char *sub = NULL;
        if (p[0] == '{' && p[1] && p[2] == '}')
            sub = p[1] == 'u' ? u : p[1] == 'r' ? r : p[1] == 't' ? t : NULL;
        if (sub) {
            size_t l = strlen(sub);
            memcpy(out + n, sub, l);
            n += l;
            p += 3;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

static int usage_error(FILE *err, const char *prog, const char *flag, const char *path, int e)
{
    fprintf(err, "usage: %s [options]\ncrowd: error: argument %s: cannot write '%s': %s\n", prog, flag,
            path, strerror(e));
    return CROWD_OPT_USAGE;
}

static int check_path(FILE *err, const char *prog, const char *flag, const char *path)
{
    if (path == NULL)
        return CROWD_OPT_USAGE; /* out of memory, reported by the caller's message */
    if (crowd_fmt_check_writable(path) != 0)
        return usage_error(err, prog, flag, path, errno);
    return 0;
}

int crowd_reports_check(const crowd_options *opt, const char *prog, FILE *err)
{
    if (opt->csv_full_history && opt->csv_prefix == NULL) {
        fprintf(err, "usage: %s [options]\ncrowd: error: argument --csv-full-history: requires --csv\n", prog);
        return CROWD_OPT_USAGE;
    }
    static const char *const suffix[] = { "_stats.csv", "_stats_history.csv", "_failures.csv",
                                          "_exceptions.csv" };
    int rc = 0;
    for (size_t i = 0; opt->csv_prefix && rc == 0 && i < 4; i++) {
        char *p = concat(opt->csv_prefix, suffix[i]);
        rc = check_path(err, prog, "--csv", p);
        free(p);
    }
    if (rc == 0 && opt->html) {
        char *p = html_path(opt);
        rc = check_path(err, prog, "--html", p);
        free(p);
    }
    if (rc == 0 && opt->json_file) {
        char *p = concat(opt->json_file, ".json");
        rc = check_path(err, prog, "--json-file", p);
        free(p);
    }
    if (rc == 0 && opt->report_json)
        rc = check_path(err, prog, "--report-json", opt->report_json);
    return rc;
}

/* ---- writing ---- */

size_t crowd_report_users(const crowd_reports *rep)
{
    return rep->users ? *rep->users : rep->no_users;
}

double crowd_report_pct_ms(const crowd_hist *h, double p)
{
    return crowd_hist_percentile(h, p) / 1000.0;
}

typedef void (*whole_writer)(crowd_reports *rep, FILE *f);

/* One whole-file report, atomically.  Errors are logged; returns 0 or -1. */
static int write_whole(crowd_reports *rep, const char *path, const char *what, whole_writer fn)
{
    char tmp[PATH_MAX];
    FILE *f = crowd_fmt_atomic_open(path, tmp, sizeof tmp);
    if (f != NULL) {
        fn(rep, f);
        if (crowd_fmt_atomic_commit(f, tmp, path) == 0)
            return 0;
    }
    crowd_log(CROWD_LOG_ERROR, "crowd.reports", "could not write the %s %s: %s", what, path,
              strerror(errno));
    return -1;
}

static void w_stats(crowd_reports *rep, FILE *f) { crowd_report_csv_stats(rep, f); }
static void w_failures(crowd_reports *rep, FILE *f) { crowd_report_csv_failures(rep, f); }
static void w_exceptions(crowd_reports *rep, FILE *f) { crowd_report_csv_exceptions(rep, f); }
static void w_json(crowd_reports *rep, FILE *f) { crowd_report_json_locust(rep, f); }
static void w_full(crowd_reports *rep, FILE *f) { crowd_report_json_full(rep, f); }
static void w_html(crowd_reports *rep, FILE *f) { crowd_report_html(rep, f); }

/* The CSV files as they are now: three rewritten, history appended. */
static int write_csv(crowd_reports *rep, double now)
{
    if (rep->csv_stats == NULL)
        return 0;
    int rc = 0;
    rc |= write_whole(rep, rep->csv_stats, "CSV file", w_stats);
    rc |= write_whole(rep, rep->csv_failures, "CSV file", w_failures);
    rc |= write_whole(rep, rep->csv_exceptions, "CSV file", w_exceptions);
    if (rep->history_f) {
        crowd_report_csv_history_rows(rep, rep->history_f, now);
        if (fflush(rep->history_f) != 0 || ferror(rep->history_f)) {
            if (!rep->csv_failed)
                crowd_log(CROWD_LOG_ERROR, "crowd.reports", "could not write %s: %s", rep->csv_history,
                          strerror(errno));
            rep->csv_failed = true;
            rc = -1;
        }
    }
    return rc;
}

static void tick_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
    (void)loop;
    (void)revents;
    crowd_reports *rep = w->data;
    double now = crowd_clock_wall();
    crowd_history_sample(rep->hist, rep->st, crowd_report_users(rep), now);
    (void)write_csv(rep, now);
}

/* ---- life cycle ---- */

crowd_reports *crowd_reports_new(const crowd_options *opt, const crowd_scenario_desc *sc,
                                 const char *host, crowd_stats *st)
{
    crowd_reports *rep = calloc(1, sizeof *rep);
    if (rep == NULL)
        return NULL;
    rep->opt = opt;
    rep->sc = sc;
    rep->host = host;
    rep->st = st;
    rep->start_wall = crowd_stats_start_time(st);
    rep->hist = crowd_history_new();
    bool ok = rep->hist != NULL;
    if (ok && opt->csv_prefix) {
        rep->csv_stats = concat(opt->csv_prefix, "_stats.csv");
        rep->csv_history = concat(opt->csv_prefix, "_stats_history.csv");
        rep->csv_failures = concat(opt->csv_prefix, "_failures.csv");
        rep->csv_exceptions = concat(opt->csv_prefix, "_exceptions.csv");
        ok = rep->csv_stats && rep->csv_history && rep->csv_failures && rep->csv_exceptions;
    }
    if (ok && opt->html)
        ok = (rep->html = html_path(opt)) != NULL;
    if (ok && opt->json_file)
        ok = (rep->json_file = concat(opt->json_file, ".json")) != NULL;
    if (ok && opt->report_json)
        ok = (rep->report_json = strdup(opt->report_json)) != NULL;
    if (!ok) {
        crowd_reports_free(rep);
        return NULL;
    }
    return rep;
}

void crowd_reports_start(crowd_reports *rep, struct ev_loop *loop, const size_t *users)
{
    rep->users = users;
    rep->loop = loop;
    rep->start_wall = crowd_stats_start_time(rep->st);
    if (rep->csv_history) {
        rep->history_f = fopen(rep->csv_history, "w");
        if (rep->history_f == NULL) {
            crowd_log(CROWD_LOG_ERROR, "crowd.reports", "could not open %s: %s", rep->csv_history,
                      strerror(errno));
        } else {
            crowd_report_csv_history_header(rep->history_f);
        }
    }
    double now = crowd_clock_wall();
    crowd_history_sample(rep->hist, rep->st, crowd_report_users(rep), now);
    (void)write_csv(rep, now);
    /* on every wall-clock second, as Locust's per-second keys */
    ev_periodic_init(&rep->tick, tick_cb, 0., 1., NULL);
    rep->tick.data = rep;
    ev_periodic_start(loop, &rep->tick);
}

int crowd_reports_finish(crowd_reports *rep, int exit_code)
{
    if (rep->loop)
        ev_periodic_stop(rep->loop, &rep->tick);
    rep->exit_code = exit_code;
    rep->finished = true;
    double now = crowd_clock_wall();
    rep->end_wall = now;
    crowd_history_sample(rep->hist, rep->st, crowd_report_users(rep), now);
    int rc = write_csv(rep, now);
    if (rep->history_f) {
        if (fclose(rep->history_f) != 0) {
            crowd_log(CROWD_LOG_ERROR, "crowd.reports", "could not write %s: %s", rep->csv_history,
                      strerror(errno));
            rc = -1;
        }
        rep->history_f = NULL;
    }
    if (rep->json_file)
        rc |= write_whole(rep, rep->json_file, "JSON report", w_json);
    if (rep->report_json)
        rc |= write_whole(rep, rep->report_json, "JSON report", w_full);
    if (rep->html)
        rc |= write_whole(rep, rep->html, "HTML report", w_html);
    if (rep->opt->json) {
        crowd_report_json_locust(rep, stdout);
        if (fflush(stdout) != 0)
            rc = -1;
    }
    return rc ? -1 : 0;
}

void crowd_reports_free(crowd_reports *rep)
{
    if (rep == NULL)
        return;
    if (rep->loop)
        ev_periodic_stop(rep->loop, &rep->tick);
    if (rep->history_f)
        fclose(rep->history_f);
    crowd_history_free(rep->hist);
    free(rep->csv_stats);
    free(rep->csv_history);
    free(rep->csv_failures);
    free(rep->csv_exceptions);
    free(rep->html);
    free(rep->json_file);
    free(rep->report_json);
    free_thresholds(rep);
    free(rep->arrivals);
    free(rep);
}

crowd_history *crowd_reports_history(crowd_reports *rep)
{
    return rep->hist;
}

static void free_thresholds(crowd_reports *rep)
{
    for (size_t i = 0; i < rep->nthresholds; i++) {
        free(rep->thresholds[i].expr);
        free(rep->thresholds[i].observed);
        free(rep->thresholds[i].site);
    }
    free(rep->thresholds);
    rep->thresholds = NULL;
    rep->nthresholds = 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

void crowd_reports_set_thresholds(crowd_reports *rep, const crowd_report_threshold *t, size_t n)
{
    free_thresholds(rep);
    rep->have_thresholds = true;
    if (n == 0 || (rep->thresholds = calloc(n, sizeof *rep->thresholds)) == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        struct report_threshold *r = &rep->thresholds[i];
        r->expr = dup_or_empty(t[i].expr);
        r->observed = dup_or_empty(t[i].observed);
        r->site = dup_or_empty(t[i].site);
        r->ok = t[i].ok;
        r->aborted = t[i].aborted;
    }
    rep->nthresholds = n;
}

void crowd_reports_set_arrivals(crowd_reports *rep, const crowd_arrival_count *c, int n)
{
    free(rep->arrivals);
    rep->arrivals = NULL;
    rep->narrivals = 0;
    if (n <= 0 || (rep->arrivals = calloc((size_t)n, sizeof *rep->arrivals)) == NULL)
        return;
    memcpy(rep->arrivals, c, (size_t)n * sizeof *c);
    rep->narrivals = n;
}

/* ---- the reports as they are now (the web UI) ---- */

static int stream_status(FILE *f)
{
    return ferror(f) ? -1 : 0;
}

int crowd_reports_write_stats_csv(const crowd_reports *rep, FILE *f)
{
    crowd_report_csv_stats(rep, f);
    return stream_status(f);
}

int crowd_reports_write_failures_csv(const crowd_reports *rep, FILE *f)
{
    crowd_report_csv_failures(rep, f);
    return stream_status(f);
}

int crowd_reports_write_exceptions_csv(const crowd_reports *rep, FILE *f)
{
    crowd_report_csv_exceptions(rep, f);
    return stream_status(f);
}

int crowd_reports_write_full_history_csv(crowd_reports *rep, FILE *f)
{
    if (!rep->opt->csv_full_history || rep->csv_history == NULL) {
        errno = ENOENT;
        return -1;
    }
    if (rep->history_f && fflush(rep->history_f) != 0)
        return -1;
    FILE *in = fopen(rep->csv_history, "r");
    if (in == NULL)
        return -1;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, f) != n)
            break;
    int rc = ferror(in) || ferror(f) ? -1 : 0;
    fclose(in);
    return rc;
}

int crowd_reports_write_html(crowd_reports *rep, FILE *f, const char *state, bool dark)
{
    if (rep->finished) {
        rep->dark = dark;
        crowd_report_html(rep, f);
        rep->dark = false;
        return stream_status(f);
    }
    /* the test so far: from the stats' start until now */
    double start = rep->start_wall;
    double stats_start = crowd_stats_start_time(rep->st);
    if (stats_start > rep->start_wall)
        rep->start_wall = stats_start;
    rep->end_wall = crowd_clock_wall();
    rep->live_state = state ? state : "running";
    rep->dark = dark;
    crowd_report_html(rep, f);
    rep->live_state = NULL;
    rep->dark = false;
    rep->start_wall = start;
    rep->end_wall = 0;
    return stream_status(f);
}
