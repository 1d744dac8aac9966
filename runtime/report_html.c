/* report_html.c — --html: one self-contained page (no network access when
 * opened): run metadata, charts over time drawn here as inline SVG, the
 * stats, percentiles, failures, exceptions and thresholds tables.  Every
 * string from the scenario or the server goes through crowd_fmt_html. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "measure.h"
#include "report_fmt.h"
#include "report_impl.h"

/* Chart geometry, in SVG user units (the SVG scales to the page width). */
#define CW 1000.0
#define CH 230.0
#define PL 58.0  /* plot area: left, right, top, bottom */
#define PR 985.0
#define PT 14.0
#define PB 200.0

static const char css[] =
    "*{box-sizing:border-box}"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "color:#1f2328;background:#f6f8fa;margin:0}"
    "main{max-width:1240px;margin:0 auto;padding:24px}"
    "header{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap;margin-bottom:16px}"
    "h1{font-size:24px;margin:0}h1 small{color:#59636e;font-weight:400;font-size:15px}"
    "h2{font-size:17px;margin:0 0 10px}"
    ".badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px}"
    ".ok{background:#dafbe1;color:#1a7f37}.bad{background:#ffebe9;color:#cf222e}"
    "section{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:16px;margin:0 0 16px}"
    ".meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:8px 24px}"
    ".meta div{display:flex;flex-direction:column}.meta span{color:#59636e;font-size:12px;"
    "text-transform:uppercase;letter-spacing:.04em}.meta b{font-weight:600;overflow-wrap:anywhere}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}"
    "th,td{padding:5px 8px;border-bottom:1px solid #e6eaef;text-align:right;white-space:nowrap}"
    "th{background:#f6f8fa;font-weight:600;color:#333;white-space:normal}"
    "td.l,th.l,td.m{text-align:left}td.l{white-space:normal;overflow-wrap:anywhere;min-width:12em}"
    "tr.total td{font-weight:700;border-top:2px solid #d1d9e0}"
    ".scroll{overflow-x:auto}.none{color:#59636e}"
    ".chart{position:relative;margin-bottom:8px}.chart h3{font-size:14px;margin:0 0 2px;display:flex;gap:14px;"
    "align-items:center}.chart h3 i{display:inline-block;width:12px;height:3px;margin-right:4px;"
    "vertical-align:middle}.chart h3 em{font-style:normal;font-weight:400;color:#59636e;font-size:13px}"
    "svg{width:100%;height:auto;display:block}svg text{font-size:11px;fill:#59636e}"
    ".grid{stroke:#e6eaef;stroke-width:1}.axis{stroke:#8c959f;stroke-width:1}"
    ".tip{position:absolute;pointer-events:none;background:rgba(31,35,40,.92);color:#fff;padding:4px 8px;"
    "border-radius:4px;font-size:12px;display:none;white-space:nowrap}"
    "footer{color:#59636e;font-size:12px;text-align:center;padding:8px}"
    ".live{background:#ddf4ff;color:#0969da}"
    ".legend{list-style:none;display:flex;flex-wrap:wrap;gap:2px 16px;margin:0 0 2px;padding:0;"
    "font-size:12px;color:#59636e}.legend li{max-width:30em;overflow:hidden;text-overflow:ellipsis;"
    "white-space:nowrap}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;"
    "vertical-align:middle}";

/* ?theme=dark (the web UI's /stats/report), after css. */
static const char css_dark[] =
    "body{color:#e6edf3;background:#0d1117}section{background:#161b22;border-color:#30363d}"
    "th{background:#21262d;color:#e6edf3}th,td{border-bottom-color:#30363d}"
    "tr.total td{border-top-color:#30363d}.meta span,.none,h1 small,footer,.legend,.chart h3 em{color:#8d96a0}"
    "svg text{fill:#8d96a0}.grid{stroke:#30363d}.axis{stroke:#6e7681}"
    ".ok{background:#1a7f3740;color:#3fb950}.bad{background:#cf222e40;color:#f85149}"
    ".live{background:#0969da40;color:#58a6ff}";

/* Hover: a vertical line and a tooltip with the values under the pointer. */
static const char js[] =
    "document.querySelectorAll('.chart').forEach(function(c){"
    "var s=c.querySelector('svg'),t=c.querySelector('.tip'),l=s.querySelector('.hover'),"
    "d=JSON.parse(c.getAttribute('data-series'));if(!d.x.length)return;"
    "s.addEventListener('mousemove',function(e){var r=s.getBoundingClientRect(),"
    "x=(e.clientX-r.left)*" "1000" "/r.width,b=0,bd=1e9;"
    "for(var i=0;i<d.px.length;i++){var q=Math.abs(d.px[i]-x);if(q<bd){bd=q;b=i}}"
    "l.setAttribute('x1',d.px[b]);l.setAttribute('x2',d.px[b]);l.style.display='';"
    "var h='<b>'+d.x[b]+'</b>';for(var k=0;k<d.n.length;k++){var v=d.v[k][b];"
    "h+='<br>'+d.n[k]+': '+(v===null?'\\u2013':v)}t.innerHTML=h;t.style.display='block';"
    "var px=d.px[b]*r.width/1000;t.style.left=(px>r.width/2?px-t.offsetWidth-10:px+10)+'px';"
    "t.style.top='24px'});"
    "s.addEventListener('mouseleave',function(){t.style.display='none';l.style.display='none'})});";

/* ---- small formatters ---- */

static void esc(FILE *f, const char *s)
{
    crowd_fmt_html(f, s ? s : "");
}

/* A time in ms with about three significant digits. */
static const char *fmt_ms(char buf[32], double ms)
{
    if (ms < 10)
        snprintf(buf, 32, "%.2f", ms);
    else if (ms < 100)
        snprintf(buf, 32, "%.1f", ms);
    else
        snprintf(buf, 32, "%.0f", ms);
    return buf;
}

static const char *fmt_local(char buf[64], double epoch)
{
    time_t t = (time_t)floor(epoch);
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL || strftime(buf, 64, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
        snprintf(buf, 64, "%.0f", epoch);
    return buf;
}

/* "1 h 2 min 5 s", "2 min 0 s", "4.2 s" */
static const char *fmt_duration(char buf[64], double s)
{
    if (s < 0)
        s = 0;
    if (s < 60) {
        snprintf(buf, 64, "%.1f s", s);
        return buf;
    }
    long t = lround(s);
    if (t >= 3600)
        snprintf(buf, 64, "%ld h %ld min %ld s", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, 64, "%ld min %ld s", t / 60, t % 60);
    return buf;
}

/* "m:ss" or "h:mm:ss" since the start, for chart axes. */
static const char *fmt_elapsed(char buf[32], double s)
{
    long t = s > 0 ? lround(s) : 0;
    if (t >= 3600)
        snprintf(buf, 32, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, 32, "%ld:%02ld", t / 60, t % 60);
    return buf;
}

/* A round step (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) at or above v. */
static double nice_step(double v)
{
    if (!(v > 0))
        return 0.25;
    double p = pow(10, floor(log10(v)));
    static const double steps[] = { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] * p >= v)
            return steps[i] * p;
    return 10 * p;
}

/* The y axis: 4 gridlines of a round step, a little above the maximum. */
static double nice_max(double v)
{
    return 4 * nice_step(v * 1.05 / 4);
}

/* The time axis: a tick every step seconds, about 6 of them. */
static double time_step(double span)
{
    static const double steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= 7)
            return steps[i];
    return 3600 * ceil(span / 3600 / 7);
}

static const char *fmt_axis(char buf[32], double v)
{
    if (v == floor(v))
        snprintf(buf, 32, "%.0f", v);
    else
        snprintf(buf, 32, "%g", v);
    return buf;
}

/* ---- charts ---- */

/* Per-entry charts show the entries with the most requests, at most: */
#define MAX_SERIES 10

struct chart {
    const char *title;
    const char *unit;
    int nseries;
    const char *names[MAX_SERIES];
    const char *colors[MAX_SERIES];
    double *values[MAX_SERIES]; /* per point; < 0: no value (a gap in the line) */
    const char *legend_names[MAX_SERIES]; /* non-NULL: a legend under the title (entry names) */
};

/* Tableau 10: distinct on white and on the dark theme. */
static const char *const palette[MAX_SERIES] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };

static void chart_axes(FILE *f, double ymax, double t0, double t1)
{
    char a[32];
    for (int i = 0; i <= 4; i++) {
        double y = PB - (PB - PT) * i / 4.0;
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", PL, y, PR, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", PL - 6, y + 4,
                fmt_axis(a, ymax * i / 4.0));
    }
    fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", PL, PB, PR, PB);
    double span = t1 - t0 > 0 ? t1 - t0 : 1, step = time_step(span);
    for (double s = 0; s <= span + 1e-9; s += step) {
        double x = PL + (PR - PL) * s / span;
        fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, PB, x, PB + 4);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", x, PB + 17,
                s == 0 ? "start" : x > PR - 20 ? "end" : "middle", fmt_elapsed(a, s));
    }
}

static void chart_path(FILE *f, const double *v, const double *px, size_t n, double ymax,
                       const char *color)
{
    fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\" d=\"", color);
    bool pen = false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0) {
            pen = false;
            continue;
        }
        double y = PB - (PB - PT) * (v[i] > ymax ? ymax : v[i]) / ymax;
        fprintf(f, "%c%.1f %.1f", pen ? 'L' : 'M', px[i], y);
        pen = true;
        /* a lone point would be invisible: a tiny segment */
        if (i + 1 == n || v[i + 1] < 0)
            fprintf(f, "L%.1f %.1f", px[i] + 0.5, y);
    }
    fputs("\"/>", f);
}

/* The series for the hover script, as a JSON attribute value. */
static void chart_data(FILE *f, const struct chart *c, const double *px, const double *t, size_t n,
                       double t0)
{
    char buf[40];
    fputs(" data-series=\"{&quot;x&quot;:[", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s&quot;%s&quot;", i ? "," : "", fmt_elapsed(buf, t[i] - t0));
    fputs("],&quot;px&quot;:[", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.1f", i ? "," : "", px[i]);
    fputs("],&quot;n&quot;:[", f);
    for (int k = 0; k < c->nseries; k++) {
        fprintf(f, "%s&quot;", k ? "," : "");
        esc(f, c->names[k]);
        fputs("&quot;", f);
    }
    fputs("],&quot;v&quot;:[", f);
    for (int k = 0; k < c->nseries; k++) {
        fputs(k ? ",[" : "[", f);
        for (size_t i = 0; i < n; i++) {
            double v = c->values[k][i];
            if (v < 0)
                fprintf(f, "%snull", i ? "," : "");
            else if (strcmp(c->unit, "ms") == 0)
                fprintf(f, "%s&quot;%s ms&quot;", i ? "," : "", fmt_ms(buf, v));
            else
                fprintf(f, "%s%.4g", i ? "," : "", v);
        }
        fputc(']', f);
    }
    fputs("]}\"", f);
}

static void chart(FILE *f, const struct chart *c, const double *t, size_t n, double t0, double t1)
{
    double *px = malloc((n ? n : 1) * sizeof *px);
    if (px == NULL)
        return;
    double span = t1 - t0 > 0 ? t1 - t0 : 1;
    double vmax = 0;
    for (size_t i = 0; i < n; i++) {
        px[i] = PL + (PR - PL) * (t[i] - t0) / span;
        for (int k = 0; k < c->nseries; k++)
            if (c->values[k][i] > vmax)
                vmax = c->values[k][i];
    }
    double ymax = nice_max(vmax);
    fputs("<div class=\"chart\"", f);
    chart_data(f, c, px, t, n, t0);
    fprintf(f, "><h3>%s <em>(%s)</em>", c->title, c->unit);
    for (int k = 0; k < c->nseries && c->legend_names[0] == NULL; k++) {
        fprintf(f, "<em><i style=\"background:%s\"></i>", c->colors[k]);
        esc(f, c->names[k]);
        fputs("</em>", f);
    }
    fputs("</h3>", f);
    if (c->legend_names[0]) {
        fputs("<ul class=\"legend\">", f);
        for (int k = 0; k < c->nseries; k++) {
            fprintf(f, "<li><i style=\"background:%s\"></i>", c->colors[k]);
            esc(f, c->legend_names[k]);
            fputs("</li>", f);
        }
        fputs("</ul>", f);
    }
    fprintf(f, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">", CW, CH, c->title);
    chart_axes(f, ymax, t0, t1);
    if (n == 0)
        fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">no data</text>", (PL + PR) / 2,
                (PT + PB) / 2);
    for (int k = 0; k < c->nseries; k++)
        chart_path(f, c->values[k], px, n, ymax, c->colors[k]);
    fprintf(f, "<line class=\"hover\" x1=\"0\" y1=\"%.1f\" x2=\"0\" y2=\"%.1f\" stroke=\"#8c959f\" "
               "stroke-dasharray=\"3 3\" style=\"display:none\"/>",
            PT, PB);
    fputs("</svg><div class=\"tip\"></div></div>\n", f);
    free(px);
}

/* The values of an entry's series (p50 or p95) at the total's times
 * t[0..n): the entry's point covering each time (entries are sampled with
 * the total but merged at other strides); -1 before the entry's first. */
static void resample(const crowd_history_point *p, size_t m, bool p95, const double *t, size_t n,
                     double *out)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        while (j < m && p[j].time < t[i] - 1e-6)
            j++;
        bool covered = j < m && (t[i] > p[j].start + 1e-6 || fabs(t[i] - p[j].time) < 1e-6);
        out[i] = covered ? (p95 ? p[j].p95_ms : p[j].p50_ms) : -1;
    }
}

/* Up to MAX_SERIES entries with requests, the busiest first; returns how
 * many, their indexes (crowd_stats_entry_at order) in idx. */
static int busiest_entries(const crowd_stats *st, size_t idx[MAX_SERIES])
{
    int k = 0;
    size_t n = crowd_stats_entry_count(st);
    for (size_t i = 0; i < n; i++) {
        uint64_t req = crowd_stats_entry_num_requests(crowd_stats_entry_at(st, i));
        if (req == 0)
            continue;
        int pos = k < MAX_SERIES ? k++ : MAX_SERIES;
        while (pos > 0 && crowd_stats_entry_num_requests(crowd_stats_entry_at(st, idx[pos - 1])) < req) {
            if (pos < MAX_SERIES)
                idx[pos] = idx[pos - 1];
            pos--;
        }
        if (pos < MAX_SERIES)
            idx[pos] = i;
    }
    return k;
}

/* Response times per entry: p50 and p95 lines of the busiest entries. */
static void entry_charts(crowd_reports *rep, FILE *f, const double *t, size_t n, double t0, double t1)
{
    size_t idx[MAX_SERIES];
    int k = busiest_entries(rep->st, idx);
    if (k == 0)
        return;
    double *buf = calloc(2 * (size_t)k * (n ? n : 1), sizeof *buf);
    char *labels[MAX_SERIES] = { NULL };
    if (buf == NULL)
        return;
    struct chart c50 = { "Median response time per request", "ms, last 10 s", k, { NULL }, { NULL }, { NULL }, { NULL } };
    struct chart c95 = { "95th percentile per request", "ms, last 10 s", k, { NULL }, { NULL }, { NULL }, { NULL } };
    for (int s = 0; s < k; s++) {
        const crowd_stats_entry *e = crowd_stats_entry_at(rep->st, idx[s]);
        size_t m;
        const crowd_history_point *p = crowd_history_points(rep->hist, idx[s], &m);
        double *v50 = buf + (size_t)(2 * s) * n, *v95 = buf + (size_t)(2 * s + 1) * n;
        resample(p, m, false, t, n, v50);
        resample(p, m, true, t, n, v95);
        if (asprintf(&labels[s], "%s %s", crowd_stats_entry_method(e), crowd_stats_entry_name(e)) < 0)
            labels[s] = NULL;
        const char *label = labels[s] ? labels[s] : crowd_stats_entry_name(e);
        c50.names[s] = c95.names[s] = c50.legend_names[s] = c95.legend_names[s] = label;
        c50.colors[s] = c95.colors[s] = palette[s];
        c50.values[s] = v50;
        c95.values[s] = v95;
    }
    chart(f, &c50, t, n, t0, t1);
    chart(f, &c95, t, n, t0, t1);
    if (crowd_stats_entry_count(rep->st) > (size_t)k)
        fprintf(f, "<p class=\"none\">The %d requests with the most calls of %zu.</p>\n", k,
                crowd_stats_entry_count(rep->st));
    for (int s = 0; s < k; s++)
        free(labels[s]);
    free(buf);
}

static void charts(crowd_reports *rep, FILE *f)
{
    size_t n;
    double t0 = rep->start_wall, t1 = rep->end_wall > t0 ? rep->end_wall : t0 + 1;
    const crowd_history_point *p = crowd_history_points(rep->hist, CROWD_HISTORY_TOTAL, &n);
    /* the points of this test only (a web UI test restarted or reset) */
    while (n > 0 && p->time < t0 - 1e-6) {
        p++;
        n--;
    }
    double *buf = calloc(6 * (n ? n : 1), sizeof *buf);
    if (buf == NULL)
        return;
    double *t = buf, *rps = buf + n, *fps = buf + 2 * n, *p50 = buf + 3 * n, *p95 = buf + 4 * n,
           *users = buf + 5 * n;
    for (size_t i = 0; i < n; i++) {
        t[i] = p[i].time;
        rps[i] = p[i].rps;
        fps[i] = p[i].fail_per_sec;
        p50[i] = p[i].p50_ms;
        p95[i] = p[i].p95_ms;
        users[i] = p[i].users;
    }
    fputs("<section><h2>Over time</h2>\n", f);
    struct chart c1 = { "Requests per second", "req/s, last 10 s", 2, { "requests/s", "failures/s" },
                        { "#1a7f37", "#cf222e" }, { rps, fps }, { NULL } };
    struct chart c2 = { "Response times", "ms, last 10 s", 2, { "median (p50)", "p95" },
                        { "#0969da", "#bc4c00" }, { p50, p95 }, { NULL } };
    struct chart c3 = { "Users", "count", 1, { "users", NULL }, { "#8250df", NULL }, { users, NULL }, { NULL } };
    chart(f, &c1, t, n, t0, t1);
    chart(f, &c2, t, n, t0, t1);
    entry_charts(rep, f, t, n, t0, t1);
    chart(f, &c3, t, n, t0, t1);
    fputs("<p class=\"none\">Rates and percentiles over the last 10 seconds at each point, "
          "sampled every second.</p></section>\n",
          f);
    free(buf);
}

/* ---- tables ---- */

static void td_method(FILE *f, const char *s)
{
    fputs("<td class=\"m\">", f);
    esc(f, s);
    fputs("</td>", f);
}

static void td_text(FILE *f, const char *s)
{
    fputs("<td class=\"l\">", f);
    esc(f, s);
    fputs("</td>", f);
}

static void td_ms(FILE *f, bool have, double us)
{
    char b[32];
    if (have)
        fprintf(f, "<td>%s</td>", fmt_ms(b, us / 1000.0));
    else
        fputs("<td class=\"none\">&#8211;</td>", f);
}

static void stats_row(crowd_reports *rep, FILE *f, const crowd_stats_entry *e, bool total)
{
    const crowd_hist *h = crowd_stats_entry_hist(e);
    uint64_t n = crowd_stats_entry_num_requests(e);
    bool have = crowd_hist_count(h) > 0;
    fputs(total ? "<tr class=\"total\">" : "<tr>", f);
    td_method(f, crowd_stats_entry_method(e));
    td_text(f, crowd_stats_entry_name(e));
    fprintf(f, "<td>%" PRIu64 "</td><td>%" PRIu64 " (%.2f%%)</td>", n, crowd_stats_entry_num_failures(e),
            crowd_stats_entry_fail_ratio(e) * 100.0);
    td_ms(f, have, crowd_hist_percentile(h, 0.5));
    td_ms(f, have, crowd_hist_mean(h));
    td_ms(f, have, (double)crowd_hist_min(h));
    td_ms(f, have, (double)crowd_hist_max(h));
    fprintf(f, "<td>%.0f</td><td>%.2f</td><td>%.2f</td></tr>\n",
            n ? (double)crowd_stats_entry_total_content_length(e) / (double)n : 0.0,
            crowd_stats_entry_total_rps(rep->st, e), crowd_stats_entry_total_fail_per_sec(rep->st, e));
}

static void pct_row(FILE *f, const crowd_stats_entry *e, bool total)
{
    const crowd_hist *h = crowd_stats_entry_hist(e);
    bool have = crowd_hist_count(h) > 0;
    fputs(total ? "<tr class=\"total\">" : "<tr>", f);
    td_method(f, crowd_stats_entry_method(e));
    td_text(f, crowd_stats_entry_name(e));
    for (size_t i = 0; i < CROWD_REPORT_NPCT; i++)
        td_ms(f, have, crowd_hist_percentile(h, crowd_report_pct[i]));
    fprintf(f, "<td>%" PRIu64 "</td></tr>\n", crowd_stats_entry_num_requests(e));
}

static void tables(crowd_reports *rep, FILE *f)
{
    size_t n;
    const crowd_stats_entry **sorted = crowd_stats_sorted_entries(rep->st, &n);
    const crowd_stats_entry *total = crowd_stats_total(rep->st);

    fputs("<section><h2>Request statistics</h2><div class=\"scroll\"><table id=\"stats\"><thead><tr>"
          "<th class=\"l\">Type</th><th class=\"l\">Name</th><th># Requests</th><th># Fails</th>"
          "<th>Median (ms)</th><th>Average (ms)</th><th>Min (ms)</th><th>Max (ms)</th>"
          "<th>Average size (bytes)</th><th>RPS</th><th>Failures/s</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < n; i++)
        stats_row(rep, f, sorted[i], false);
    stats_row(rep, f, total, true);
    fputs("</tbody></table></div></section>\n", f);

    fputs("<section><h2>Response time percentiles (ms)</h2><div class=\"scroll\"><table id=\"percentiles\">"
          "<thead><tr><th class=\"l\">Type</th><th class=\"l\">Name</th>",
          f);
    for (size_t i = 0; i < CROWD_REPORT_NPCT; i++)
        fprintf(f, "<th>%s</th>", crowd_report_pct_label[i]);
    fputs("<th># reqs</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < n; i++)
        pct_row(f, sorted[i], false);
    pct_row(f, total, true);
    fputs("</tbody></table></div><p class=\"none\">Exact to within 1% (crowd's log-linear "
          "histograms), never above the maximum.</p></section>\n",
          f);
    free(sorted);
}

/* Service time against the latency from the intended start (measure.h),
 * for the entries of paced tasks; nothing when no task was paced. */
static void corrected_row(FILE *f, const crowd_stats_entry *e, bool total)
{
    static const double pcts[] = { 0.5, 0.95, 0.99, 1.0 };
    const crowd_hist *c = crowd_measure_corrected_hist(e);
    /* the total's service time would count the requests of tasks that are
     * not paced too: left out */
    const crowd_hist *h = total ? NULL : crowd_stats_entry_hist(e);
    fputs(total ? "<tr class=\"total\">" : "<tr>", f);
    td_method(f, crowd_stats_entry_method(e));
    td_text(f, crowd_stats_entry_name(e));
    for (size_t i = 0; i < 4; i++)
        td_ms(f, h && crowd_hist_count(h) > 0, h ? crowd_hist_percentile(h, pcts[i]) : 0);
    for (size_t i = 0; i < 4; i++)
        td_ms(f, crowd_hist_count(c) > 0, crowd_hist_percentile(c, pcts[i]));
    fprintf(f, "<td>%" PRIu64 "</td></tr>\n", crowd_hist_count(c));
}

static void corrected(crowd_reports *rep, FILE *f)
{
    const crowd_stats *st = rep->st;
    if (crowd_measure_paced_starts(st) == 0 && !crowd_measure_corrected_hist(crowd_stats_total(st)))
        return;
    char lag[32];
    fputs("<section><h2>Corrected response times (from the intended start of paced tasks)</h2>", f);
    if (crowd_measure_corrected_hist(crowd_stats_total(st))) {
        fputs("<div class=\"scroll\"><table id=\"corrected\"><thead><tr><th class=\"l\" rowspan=\"2\">Type</th>"
              "<th class=\"l\" rowspan=\"2\">Name</th><th colspan=\"4\">Service time (ms)</th>"
              "<th colspan=\"4\">Corrected latency (ms)</th><th rowspan=\"2\"># paced</th></tr><tr>"
              "<th>50%</th><th>95%</th><th>99%</th><th>100%</th><th>50%</th><th>95%</th><th>99%</th>"
              "<th>100%</th></tr></thead><tbody>\n",
              f);
        size_t n;
        const crowd_stats_entry **sorted = crowd_stats_sorted_entries(st, &n);
        size_t paced = 0;
        for (size_t i = 0; i < n; i++)
            if (crowd_measure_corrected_hist(sorted[i])) {
                corrected_row(f, sorted[i], false);
                paced++;
            }
        free(sorted);
        if (paced > 1)
            corrected_row(f, crowd_stats_total(st), true);
        fputs("</tbody></table></div>", f);
    }
    fprintf(f, "<p class=\"none\">Schedule: %" PRIu64 " paced task starts, %" PRIu64
               " fell behind (started more than %u ms late), max lag %s ms.</p></section>\n",
            crowd_measure_paced_starts(st), crowd_measure_late_starts(st), CROWD_MEASURE_LATE_US / 1000u,
            fmt_ms(lag, (double)crowd_measure_max_lag_us(st) / 1000.0));
}

/* avg / max of a phase, in ms */
static void td_phase(FILE *f, double avg_us, double max_us)
{
    char a[32], m[32];
    fprintf(f, "<td>%s <span class=\"none\">/ %s</span></td>", fmt_ms(a, avg_us / 1000.0),
            fmt_ms(m, max_us / 1000.0));
}

static void timing_row(FILE *f, const crowd_stats_entry *e, bool total)
{
    fputs(total ? "<tr class=\"total\">" : "<tr>", f);
    td_method(f, crowd_stats_entry_method(e));
    td_text(f, crowd_stats_entry_name(e));
    for (int p = 0; p < CROWD_PHASE_COUNT; p++)
        td_phase(f, crowd_measure_phase_avg(e, (crowd_phase)p),
                 (double)crowd_measure_phase_max(e, (crowd_phase)p));
    const crowd_hist *t = crowd_measure_ttfb_hist(e);
    bool have = t && crowd_hist_count(t) > 0;
    td_ms(f, have, have ? crowd_hist_percentile(t, 0.5) : 0);
    td_ms(f, have, have ? crowd_hist_percentile(t, 0.95) : 0);
    const crowd_hist *h = crowd_stats_entry_hist(e);
    td_phase(f, crowd_hist_mean(h), (double)crowd_hist_max(h));
    fprintf(f, "<td>%" PRIu64 "</td></tr>\n", crowd_measure_timed(e));
}

/* The timing breakdown (measure.h): nothing when no request was timed. */
static void timings(crowd_reports *rep, FILE *f)
{
    const crowd_stats *st = rep->st;
    if (crowd_measure_timed(crowd_stats_total(st)) == 0)
        return;
    fputs("<section><h2>Timing breakdown</h2><div class=\"scroll\"><table id=\"timings\"><thead><tr>"
          "<th class=\"l\">Type</th><th class=\"l\">Name</th><th>DNS</th><th>Connect</th><th>TLS</th>"
          "<th>TTFB</th><th>TTFB 50%</th><th>TTFB 95%</th><th>Total</th><th># timed</th></tr></thead><tbody>\n",
          f);
    size_t n;
    const crowd_stats_entry **sorted = crowd_stats_sorted_entries(st, &n);
    for (size_t i = 0; i < n; i++)
        if (crowd_measure_timed(sorted[i]) > 0)
            timing_row(f, sorted[i], false);
    free(sorted);
    timing_row(f, crowd_stats_total(st), true);
    fputs("</tbody></table></div><p class=\"none\">Average / maximum in ms. DNS, connect and TLS are 0 "
          "on a kept-alive connection; time to first byte (TTFB) includes them.</p></section>\n",
          f);
}

static void failures(crowd_reports *rep, FILE *f)
{
    char a[64], b[64];
    size_t n = crowd_stats_error_count(rep->st);
    fputs("<section><h2>Failures</h2>", f);
    if (n == 0) {
        fputs("<p class=\"none\">No failures.</p></section>\n", f);
    } else {
        fputs("<div class=\"scroll\"><table id=\"failures\"><thead><tr><th class=\"l\">Type</th>"
              "<th class=\"l\">Name</th><th class=\"l\">Error</th><th># Occurrences</th>"
              "<th>First seen</th><th>Last seen</th></tr></thead><tbody>\n",
              f);
        for (size_t i = 0; i < n; i++) {
            const crowd_stats_error *e = crowd_stats_error_at(rep->st, i);
            fputs("<tr>", f);
            td_method(f, crowd_stats_error_method(e));
            td_text(f, crowd_stats_error_name(e));
            td_text(f, crowd_stats_error_message(e));
            fprintf(f, "<td>%" PRIu64 "</td><td>%s</td><td>%s</td></tr>\n", crowd_stats_error_occurrences(e),
                    fmt_local(a, crowd_stats_error_first_seen(e)), fmt_local(b, crowd_stats_error_last_seen(e)));
        }
        fputs("</tbody></table></div></section>\n", f);
    }
    n = crowd_stats_exception_count(rep->st);
    if (n == 0)
        return;
    fputs("<section><h2>Task errors</h2><div class=\"scroll\"><table id=\"exceptions\"><thead><tr>"
          "<th># Count</th><th class=\"l\">Message</th><th class=\"l\">Where</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const crowd_stats_error *x = crowd_stats_exception_at(rep->st, i);
        fprintf(f, "<tr><td>%" PRIu64 "</td>", crowd_stats_error_occurrences(x));
        td_text(f, crowd_stats_error_message(x));
        td_text(f, crowd_stats_error_name(x));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div></section>\n", f);
}

static void thresholds(crowd_reports *rep, FILE *f)
{
    if (rep->nthresholds == 0)
        return; /* none in the scenario (reports.h crowd_reports_set_thresholds) */
    fputs("<section><h2>Thresholds</h2>", f);
    fputs("<div class=\"scroll\"><table id=\"thresholds\"><thead><tr><th class=\"l\">Result</th>"
          "<th class=\"l\">Threshold</th><th class=\"l\">Observed</th><th></th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < rep->nthresholds; i++) {
        const struct report_threshold *t = &rep->thresholds[i];
        fprintf(f, "<tr><td class=\"l\"><span class=\"badge %s\">%s</span></td>", t->ok ? "ok" : "bad",
                t->ok ? "passed" : "failed");
        td_text(f, t->expr);
        td_text(f, t->observed);
        fputs(t->aborted ? "<td class=\"l\">stopped the run</td>" : "<td></td>", f);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div></section>\n", f);
}

/* Every (expect ...) check with its counts (checks.h). */
static void checks(FILE *f)
{
    size_t n = crowd_checks_n();
    if (n == 0)
        return;
    fputs("<section><h2>Checks</h2><div class=\"scroll\"><table id=\"checks\"><thead><tr>"
          "<th class=\"l\">Result</th><th class=\"l\">Check</th><th>Passes</th><th>Failures</th>"
          "<th class=\"l\">Where</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        uint64_t fails = crowd_checks_fails(i), passes = crowd_checks_passes(i);
        fprintf(f, "<tr><td class=\"l\"><span class=\"badge %s\">%s</span></td>", fails ? "bad" : "ok",
                fails ? "failed" : passes ? "passed" : "not run");
        td_text(f, crowd_checks_desc(i)->label);
        fprintf(f, "<td>%" PRIu64 "</td><td>%" PRIu64 "</td>", passes, fails);
        td_text(f, crowd_checks_desc(i)->site);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div></section>\n", f);
}

static void meta_item(FILE *f, const char *label, const char *value)
{
    fprintf(f, "<div><span>%s</span><b>", label);
    esc(f, value);
    fputs("</b></div>", f);
}

/* The :arrival classes' totals, as the console summary's lines. */
static void arrival_items(const crowd_reports *rep, FILE *f)
{
    char label[160], a[160];
    uint64_t dropped = 0;
    for (int i = 0; i < rep->narrivals; i++) {
        const crowd_arrival_count *c = &rep->arrivals[i];
        if (c->cls < 0 || c->cls >= rep->sc->nusers)
            continue;
        const crowd_user_desc *u = &rep->sc->users[c->cls];
        snprintf(label, sizeof label, "Arrivals %s", u->name);
        snprintf(a, sizeof a, "%" PRIu64 " iterations started, %" PRIu64 " dropped (pool: %" PRIu64
                 " users, :max-users %ld)", c->started, c->dropped, c->pool, u->arrival ? u->arrival->max_users : 0L);
        fputs("<div class=\"arrival\"><span>", f); /* meta_item's label is not escaped: a class name is */
        esc(f, label);
        fputs("</span><b>", f);
        esc(f, a);
        fputs("</b></div>", f);
        dropped += c->dropped;
    }
    if (dropped > 0) {
        snprintf(a, sizeof a, "%" PRIu64, dropped);
        meta_item(f, "Dropped iterations", a);
    }
}

static void meta(crowd_reports *rep, FILE *f)
{
    char a[64], b[64], c[64];
    const crowd_options *o = rep->opt;
    const crowd_stats_entry *total = crowd_stats_total(rep->st);
    fputs("<section class=\"meta\" id=\"meta\">", f);
    meta_item(f, "Scenario", rep->sc->name);
    meta_item(f, "Source", rep->sc->source);
    meta_item(f, "Host", rep->host);
    snprintf(a, sizeof a, "%ld", o->users);
    meta_item(f, "Users (-u)", a);
    snprintf(a, sizeof a, "%g/s", o->spawn_rate);
    meta_item(f, "Spawn rate (-r)", a);
    if (o->run_time > 0)
        fmt_duration(a, (double)o->run_time);
    else
        snprintf(a, sizeof a, "until stopped");
    meta_item(f, "Run time (-t)", a);
    meta_item(f, "Start", fmt_local(a, rep->start_wall));
    meta_item(f, rep->live_state ? "Report time" : "End", fmt_local(b, rep->end_wall));
    meta_item(f, "Duration", fmt_duration(c, rep->end_wall - rep->start_wall));
    snprintf(a, sizeof a, "%" PRIu64, crowd_stats_entry_num_requests(total));
    meta_item(f, "Requests", a);
    snprintf(a, sizeof a, "%" PRIu64 " (%.2f%%)", crowd_stats_entry_num_failures(total),
             crowd_stats_entry_fail_ratio(total) * 100.0);
    meta_item(f, "Failures", a);
    if (rep->live_state) {
        meta_item(f, "State", rep->live_state);
    } else {
        snprintf(a, sizeof a, "%d", rep->exit_code);
        meta_item(f, "Exit code", a);
    }
    /* the generator itself (measure.h) */
    if (crowd_measure_paced_starts(rep->st) > 0) {
        snprintf(a, sizeof a, "%" PRIu64 " of %" PRIu64 " paced tasks started late (max lag %s ms)",
                 crowd_measure_late_starts(rep->st), crowd_measure_paced_starts(rep->st),
                 fmt_ms(b, (double)crowd_measure_max_lag_us(rep->st) / 1000.0));
        meta_item(f, "Schedule", a);
    }
    if (crowd_measure_cpu_samples(rep->st) > 0) {
        snprintf(a, sizeof a, "max %.0f%%%s", crowd_measure_cpu_max(rep->st),
                 crowd_measure_cpu_warning(rep->st) ? " (above 90%: numbers may be skewed)" : "");
        meta_item(f, "Generator CPU", a);
    }
    arrival_items(rep, f);
    meta_item(f, "crowd", PACKAGE_VERSION);
    fputs("</section>\n", f);
}

void crowd_report_html(crowd_reports *rep, FILE *f)
{
    const crowd_stats_entry *total = crowd_stats_total(rep->st);
    bool ok = rep->exit_code == 0, thr_failed = false;
    for (size_t i = 0; i < rep->nthresholds; i++)
        thr_failed |= !rep->thresholds[i].ok;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>crowd report: ",
          f);
    esc(f, rep->sc->name);
    fprintf(f, "</title><style>%s%s</style></head><body><main>\n<header><h1>", css, rep->dark ? css_dark : "");
    esc(f, rep->sc->name);
    fputs(" <small>crowd load test report</small></h1>", f);
    if (rep->live_state)
        fprintf(f, "<span class=\"badge live\">%s so far</span>", rep->live_state);
    else
        fprintf(f, "<span class=\"badge %s\">%s</span>", ok ? "ok" : "bad",
            ok                                        ? "passed"
            : thr_failed                              ? "thresholds failed"
            : crowd_stats_entry_num_failures(total) ? "requests failed"
                                                      : "failed");
    fputs("</header>\n", f);
    meta(rep, f);
    charts(rep, f);
    tables(rep, f);
    corrected(rep, f);
    timings(rep, f);
    thresholds(rep, f);
    checks(f);
    failures(rep, f);
    fprintf(f, "<footer>Generated by crowd %s. Times in milliseconds unless noted.</footer>\n"
               "</main><script>%s</script></body></html>\n",
            PACKAGE_VERSION, js);
}
