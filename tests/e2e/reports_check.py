#!/usr/bin/env python3
"""reports_check.py DIR CODE USERS SERVER_TOTAL [exceptions] [full-history]
   reports_check.py --html-live FILE NAME...   (one HTML report, e.g. /stats/report)

Checks every report one crowd run wrote in DIR (tests/e2e/reports.sh):
  DIR/p_*.csv (--csv DIR/p), DIR/j.json (--json-file DIR/j), DIR/full.json
  (--report-json), DIR/r.html (--html), DIR/stdout (--json), DIR/stderr
  (the console, read with console.py).  CODE is the run's exit code,
  USERS its -u, SERVER_TOTAL the demo server's request count for the run.
Each report is one function in REPORTS: a new report is one more entry."""
import csv
import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser

# Locust's exact header lines (../shared/LOCUST-COMPAT.md section 3).
PCT = "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
HEADERS = {
    "p_stats.csv": "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
                   "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s," + PCT,
    "p_stats_history.csv": "Timestamp,User Count,Type,Name,Requests/s,Failures/s," + PCT +
                           ",Total Request Count,Total Failure Count,Total Median Response Time,"
                           "Total Average Response Time,Total Min Response Time,Total Max Response Time,"
                           "Total Average Content Size",
    "p_failures.csv": "Method,Name,Error,Occurrences,First Seen,Last Seen",
    "p_exceptions.csv": "Count,Message,Traceback,Nodes",
}
WEIRD = 'we,ird "name" <script>alert(1)</script>'

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.text = {}, set(), []
        self.legend, self.legend_open, self.legend_items = 0, False, []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.ids.update(v for k, v in attrs if k == "id")
        self.legend += dict(attrs).get("class") == "legend"
        if tag == "li" and self.legend_open:
            self.legend_items.append("")
        self.legend_open = (self.legend_open or dict(attrs).get("class") == "legend") and tag in ("ul", "li", "i")

    def handle_endtag(self, tag):
        if tag == "ul":
            self.legend_open = False

    def handle_data(self, data):
        self.text.append(data)
        if self.legend_open and self.legend_items:
            self.legend_items[-1] += data


def html_page(path, names, check):
    """One HTML report: the total charts, the per-entry charts (p50 and p95,
    a legend naming every entry in names), the tables.  Returns its Page."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    p = Page()
    p.feed(src)
    p.close()
    check(src.startswith("<!DOCTYPE html>"), "html: no doctype")
    check(p.tags.get("svg", 0) >= 5 and p.tags.get("path", 0) >= 5, f"html: charts {p.tags}")
    check(p.legend == 2, f"html: {p.legend} per-entry chart legends, expected 2 (p50, p95)")
    for n in names:
        check(any(n in item for item in p.legend_items), f"html: {n!r} not in the per-entry legends {p.legend_items}")
    check({"stats", "percentiles", "meta"} <= p.ids, f"html: tables {p.ids}")
    check(p.tags.get("script", 0) == 1, "html: a <script> besides the hover script")
    return p


# reports_check.py --html-live FILE NAME...: one HTML report alone (the web
# UI's /stats/report); NAMEs must be in its per-entry charts' legends.
if len(sys.argv) > 2 and sys.argv[1] == "--html-live":
    errs = []
    html_page(sys.argv[2], sys.argv[3:], lambda c, m: c or errs.append(m))
    sys.exit("; ".join(errs) if errs else 0)

d, code, users, server_total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
flags = set(sys.argv[5:])
problems = []


def check(cond, msg):
    if not cond:
        problems.append(msg)
    return cond


def read_csv(name):
    with open(os.path.join(d, name), "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8", "surrogateescape")
    lines = text.split("\r\n")
    check(lines[0] == HEADERS[name], f"{name}: header {lines[0]!r}")
    check(text.endswith("\r\n"), f"{name}: not CRLF-terminated")
    return list(csv.reader(io.StringIO(text, newline="")))


def console():
    # the console shows control bytes in names as '?' (one row per line)
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, os.path.join(here, "console.py"), os.path.join(d, "stderr")],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


stats_rows = read_csv("p_stats.csv")[1:]
agg = stats_rows[-1]
total_reqs, total_fails = int(agg[2]), int(agg[3])


def csv_stats():
    check(agg[0] == "" and agg[1] == "Aggregated", f"stats: last row {agg[:2]}")
    entries = stats_rows[:-1]
    check(sum(int(r[2]) for r in entries) == total_reqs, "stats: entries do not add up to Aggregated")
    check(total_reqs > 0, "stats: no requests")
    # the console's final table: the same counts, medians within rounding
    table = console()["table"]
    for r in stats_rows:
        key = r[1] if r[1] == "Aggregated" else f"{r[0]} {r[1]}".replace("\n", "?")
        key = key.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        c = table.get(key)
        if check(c is not None, f"stats: {key!r} not in the console table {list(table)}"):
            check((c["reqs"], c["fails"]) == (int(r[2]), int(r[3])),
                  f"stats: {key!r} {r[2:4]} vs console {c['reqs']},{c['fails']}")
            check(abs(c["med"] - int(r[4])) <= 1, f"stats: {key!r} median {r[4]} vs console {c['med']}")
    # the server saw every request crowd counted, plus at most one in flight per user
    check(total_reqs <= server_total <= total_reqs + users,
          f"stats: crowd counted {total_reqs}, the server {server_total} (users {users})")
    for r in stats_rows:
        if int(r[2]) == 0:
            check(r[11:] == ["N/A"] * 11, f"stats: {r[1]!r} percentiles of no request: {r[11:]}")
        else:
            float(r[5]), int(r[4])  # a float average, an int median
            check(all(x.isdigit() for x in r[11:]), f"stats: {r[1]!r} percentiles {r[11:]}")


def csv_history():
    rows = read_csv("p_stats_history.csv")[1:]
    check(len(rows) >= 2, "history: fewer than 2 rows")
    last = [r for r in rows if r[3] == "Aggregated"][-1]
    # the tail is not lost: the last row holds the final totals
    check((int(last[17]), int(last[18])) == (total_reqs, total_fails),
          f"history: last totals {last[17:19]} vs stats {total_reqs},{total_fails}")
    ts = [int(r[0]) for r in rows]
    check(ts == sorted(ts), "history: timestamps go back")
    check(all(len(r[4].split(".")[1]) == 6 for r in rows), "history: rates not as '%f'")
    names = {r[3] for r in rows}
    if "full-history" in flags:
        check(WEIRD in names or len(names) > 1, f"history: --csv-full-history rows only {names}")
    else:
        check(names == {"Aggregated"}, f"history: rows other than Aggregated: {names}")


def csv_failures():
    rows = read_csv("p_failures.csv")[1:]
    check(sum(int(r[3]) for r in rows) == total_fails, "failures: occurrences do not add up")
    check(all(r[4].endswith("Z") and r[5] >= r[4] for r in rows), "failures: first/last seen")


def csv_exceptions():
    rows = read_csv("p_exceptions.csv")[1:]
    if "exceptions" in flags:
        check(rows and int(rows[0][0]) > 0 and rows[0][3] == "local", f"exceptions: {rows}")
    else:
        check(rows == [], f"exceptions: unexpected {rows}")


def locust_json(doc, what):
    check(isinstance(doc, list), f"{what}: not a list")
    check(all(e["name"] != "Aggregated" for e in doc), f"{what}: has Aggregated")
    check(sum(e["num_requests"] for e in doc) == total_reqs, f"{what}: num_requests do not add up")
    for e in doc:
        n, fl = e["num_requests"], e["num_failures"]
        check(sum(e["response_times"].values()) == n, f"{what}: {e['name']!r} response_times")
        check(sum(e["num_reqs_per_sec"].values()) == n, f"{what}: {e['name']!r} num_reqs_per_sec")
        check(sum(e["num_fail_per_sec"].values()) == fl, f"{what}: {e['name']!r} num_fail_per_sec")
        check(e["min_response_time"] <= e["max_response_time"], f"{what}: min > max")


def json_file():
    with open(os.path.join(d, "j.json"), encoding="utf-8") as f:
        doc = json.load(f)
    locust_json(doc, "--json-file")
    if check(os.path.getsize(os.path.join(d, "stdout")) > 0, "--json: nothing on stdout"):
        with open(os.path.join(d, "stdout"), encoding="utf-8") as f:
            out = json.load(f)
        check(out == doc, "--json and --json-file differ")


def report_json():
    with open(os.path.join(d, "full.json"), encoding="utf-8") as f:
        doc = json.load(f)
    t = doc["total"]
    check(doc["crowd_report"] == 1 and doc["exit_code"] == code, f"report-json: header {doc['exit_code']}")
    check((t["num_requests"], t["num_failures"]) == (total_reqs, total_fails), "report-json: totals")
    check(sum(p["requests"] for p in t["history"]) == total_reqs, "report-json: history loses requests")
    check(sum(c for _, _, c in t["histogram_us"]) == total_reqs, "report-json: histogram count")
    check(len(doc["entries"]) == len(stats_rows) - 1, "report-json: entries")
    check(len(doc["errors"]) == len(read_csv("p_failures.csv")) - 1, "report-json: errors")
    check(doc["arrivals"] == [] and doc["generator"]["dropped_iterations"] == 0, "report-json: arrivals")


def html():
    rows = sorted(read_csv("p_stats.csv")[1:-1], key=lambda r: -int(r[2]))[:10]  # the busiest
    names = [r[0] + " " + r[1] for r in rows if int(r[2]) > 0 and (r[0] + r[1]).isprintable()]
    p = html_page(os.path.join(d, "r.html"), names, check)
    check(("failures" in p.ids) == (total_fails > 0), "html: failures table")
    text = "".join(p.text)
    if total_fails:
        check(WEIRD in text, "html: the weird name is not shown as text")
    check(f"{total_reqs}" in text, "html: no total count")


REPORTS = {"csv-stats": csv_stats, "csv-history": csv_history, "csv-failures": csv_failures,
           "csv-exceptions": csv_exceptions, "json": json_file, "report-json": report_json, "html": html}
for name, fn in REPORTS.items():
    try:
        fn()
    except Exception as e:  # a missing file, a parse error
        problems.append(f"{name}: {type(e).__name__}: {e}")
if problems:
    sys.exit("; ".join(problems))
