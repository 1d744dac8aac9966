#!/bin/bash
# Thresholds against the demo server: passing ones exit 0, breached ones exit
# 3 (even when requests failed too), :abort-on-fail stops the run early; the
# end summary, the JUnit report (parsed by python3's xml.etree), and the
# corrected latency of a paced user that cannot keep its pace.
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir)
demo_start

# 1. Everything passes: exit 0, a PASS line per threshold, a valid JUnit.
cat > "$dir/pass.crowd" <<'CROWD'
(scenario passing)
(user U
  :wait (constant 10ms)
  (task a (get "/delay/20" :name "d20"))
  (task b (get "/health")))
(threshold (p95 "d20") < 2s)
(threshold (p99) < 5s)
(threshold fail-ratio < 1%)
(threshold (count "d20") > 5)
(threshold rps > 1)
(threshold (avg "/health") < 1s :abort-on-fail true)
CROWD
set_client "$dir/pass.crowd"
"$CROWDC" "$dir/pass.crowd" -o "$dir/pass" || fail "crowdc failed"
"$dir/pass" --headless -u 2 -r 2 -t 2s -H "$DEMO_URL" --only-summary --junit "$dir/pass.xml" \
  2> "$dir/pass.err"
code=$?
[ "$code" = 0 ] || { cat "$dir/pass.err"; fail "passing thresholds: exit code $code, expected 0"; }
grep -q '^Thresholds: 6 passed, 0 failed$' "$dir/pass.err" || fail "no summary line: $(cat "$dir/pass.err")"
[ "$(grep -c '^  PASS ' "$dir/pass.err")" = 6 ] || fail "expected 6 PASS lines"
grep -q '^  PASS (p95 "d20") < 2s \.* p95=[0-9.]* ms$' "$dir/pass.err" || fail "p95 line: $(grep PASS "$dir/pass.err")"
python3 - "$dir/pass.xml" <<'PY' || fail "JUnit check failed (passing run)"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("name") == "passing", root.attrib
suites = {s.get("name"): s for s in root}
thr, req = suites["thresholds"], suites["requests"]
assert thr.get("tests") == "6" and thr.get("failures") == "0", thr.attrib
names = [c.get("name") for c in thr]
assert names[0] == '(p95 "d20") < 2s' and names[2] == "fail-ratio < 1%", names
assert sorted(c.get("name") for c in req) == ["GET /health", "GET d20"]
assert not root.findall(".//failure")
assert root.get("tests") == "8" and root.get("failures") == "0", root.attrib
PY

# 2. Breached thresholds take precedence over --exit-code-on-error: 3.
cat > "$dir/fail.crowd" <<'CROWD'
(scenario failing)
(user U
  :wait (constant 20ms)
  (task ok (get "/health"))
  (task broken (get "/status/500" :name "broken <&\"'>")))
(threshold fail-ratio < 1%)
(threshold (max "/health") < 10s)
(threshold (p50 "broken <&\"'>") < 1us)
CROWD
set_client "$dir/fail.crowd"
"$CROWDC" "$dir/fail.crowd" -o "$dir/fail" || fail "crowdc failed"
"$dir/fail" --headless -u 2 -r 2 -t 1s -H "$DEMO_URL" --only-summary --junit "$dir/fail.xml" \
  --exit-code-on-error 7 2> "$dir/fail.err"
code=$?
[ "$code" = 3 ] || { cat "$dir/fail.err"; fail "breached thresholds: exit code $code, expected 3"; }
grep -q '^Thresholds: 1 passed, 2 failed$' "$dir/fail.err" || fail "summary: $(grep -A4 Thresholds "$dir/fail.err")"
grep -q '^  FAIL fail-ratio < 1% \.* fail-ratio=[0-9.]*%$' "$dir/fail.err" || fail "no FAIL line for fail-ratio"
grep -q 'Shutting down (exit code 3)' "$dir/fail.err" || fail "the log does not say exit code 3"
python3 - "$dir/fail.xml" <<'PY' || fail "JUnit check failed (failing run)"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = {s.get("name"): s for s in root}
thr = {c.get("name"): c for c in suites["thresholds"]}
req = {c.get("name"): c for c in suites["requests"]}
assert thr["fail-ratio < 1%"].find("failure") is not None
assert thr["(max \"/health\") < 10s"].find("failure") is None
f = thr["(p50 \"broken <&\\\"'>\") < 1us"].find("failure")
assert f is not None and f.get("type") == "threshold", thr.keys()
broken = req["GET broken <&\"'>"].find("failure")
assert broken is not None and "HTTP 500" in broken.text, broken
assert broken.get("message").endswith("requests failed (100.00%)"), broken.get("message")
assert req["GET /health"].find("failure") is None
assert root.get("failures") == "3", root.attrib
PY
# failures without thresholds breached: --exit-code-on-error still rules
sed -i '/^(threshold/d' "$dir/fail.crowd"
"$CROWDC" "$dir/fail.crowd" -o "$dir/fail2" || fail "crowdc failed"
"$dir/fail2" --headless -u 1 -r 1 -t 1s -H "$DEMO_URL" --exit-code-on-error 7 2> "$dir/fail2.err"
code=$?
[ "$code" = 7 ] || fail "failures without thresholds: exit code $code, expected 7"
grep -q '^Thresholds' "$dir/fail2.err" && fail "a threshold summary without thresholds"

# 3. :abort-on-fail stops the run long before -t; a paced user that cannot
# keep its pace (300 ms requests every 100 ms) shows it in the corrected
# latency and the schedule line.
cat > "$dir/abort.crowd" <<'CROWD'
(scenario aborting)
(user Paced
  :wait (constant-pacing 100ms)
  (task slow (get "/delay/300" :name "slow")))
(threshold (p50 "slow") < 100ms :abort-on-fail true :grace 2s)
CROWD
set_client "$dir/abort.crowd"
"$CROWDC" "$dir/abort.crowd" -o "$dir/abort" || fail "crowdc failed"
start=$(now_ms)
"$dir/abort" --headless -u 2 -r 2 -t 30s -H "$DEMO_URL" --only-summary --junit "$dir/abort.xml" \
  2> "$dir/abort.err"
code=$?
elapsed=$(( $(now_ms) - start ))
cat "$dir/abort.err"
[ "$code" = 3 ] || fail "abort-on-fail: exit code $code, expected 3"
[ "$elapsed" -lt 6000 ] || fail "abort-on-fail: the run took $elapsed ms (-t 30s, grace 2s)"
[ "$elapsed" -ge 2000 ] || fail "abort-on-fail: the run ended after $elapsed ms, before its grace"
grep -q 'Threshold (p50 "slow") < 100ms crossed (p50=[0-9.]* ms)' "$dir/abort.err" || fail "no abort log line"
grep -q '^  FAIL (p50 "slow") < 100ms \.* p50=[0-9.]* ms  (aborted the run)$' "$dir/abort.err" ||
  fail "the summary does not say which threshold aborted the run"
python3 - "$dir/abort.err" "$dir/abort.xml" <<'PY' || fail "corrected latency check failed"
import re, sys, xml.etree.ElementTree as ET
sys.path.insert(0, __import__("os").environ["top_srcdir"] + "/tests/e2e")
import console
lines = open(sys.argv[1]).read().splitlines()
rep = console.parse(lines)
service = rep["percentiles"]["GET slow"]
i = next(k for k, l in enumerate(lines) if l.startswith("Corrected response time percentiles"))
row = next(l for l in lines[i:] if l.startswith("GET      slow"))
corrected = dict(zip(lines[i + 1].split()[2:-2], map(float, row.split()[2:-1])))
# service time is the server's 300 ms; the corrected latency adds the lag
# behind the 100 ms schedule, which grows by 200 ms per task
assert 295 <= service["50%"] <= 340, service
assert corrected["100%"] >= service["100%"] + 150, (corrected, service)
assert corrected["50%"] > service["50%"], (corrected, service)
m = re.search(r"^Schedule: (\d+) paced task starts, (\d+) fell behind .*max lag (\d+) ms$",
              "\n".join(lines), re.M)
assert m and int(m[2]) > 0 and int(m[2]) <= int(m[1]) and int(m[3]) >= 150, m and m.groups()
root = ET.parse(sys.argv[2]).getroot()
f = root.find(".//testcase[@classname='crowd.thresholds']/failure")
assert f is not None and "aborted the run" in f.get("message"), f
PY
pass
