#!/bin/bash
# The web UI's REST API, with curl: start without --headless, /swarm, the
# counts rising, bad forms refused with the test untouched, ramp-down, CSV
# downloads (the --csv files' headers), /stats/report (the HTML report),
# /metrics in Prometheus's text format, /stop, /stats/reset, a
# second start; then --web-auth (401 on every route), --web-base-path, a
# taken port, --autostart/--autoquit, a cross-site POST.
. "$(dirname "$0")/lib.sh"
need_cmd curl python3
dir=$(tmpdir webui_api)
cat > "$dir/w.crowd" <<'CROWD'
(scenario webui)
(user Browser :weight 3 :wait (constant 20ms)
  (task health (get "/health" :name "health")))
(user Broken :weight 1 :wait (constant 50ms)
  (task missing (get "/api/products/0" :name "product \"0\"")))
CROWD
"$CROWDC" "$dir/w.crowd" -o "$dir/w" || fail "crowdc failed"
demo_start

UI_PID=
UI=
# ui_start NAME ARGS... — the executable with its web UI on a free port;
# waits (at most 10 s) until it answers.  Sets UI (its base URL) and UI_PID.
ui_start() {
  local name=$1 port i
  shift
  port=$(free_port)
  "$dir/w" -H "$DEMO_URL" -P "$port" "$@" > "$dir/$name.out" 2> "$dir/$name.err" &
  UI_PID=$!
  UI=http://127.0.0.1:$port
  UI_PORT=$port
  for ((i = 0; i < 200; i++)); do
    kill -0 "$UI_PID" 2>/dev/null || fail "$name: exited at start: $(cat "$dir/$name.err")"
    curl -s -o /dev/null -m 1 "$UI/" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "$name: the web UI did not answer within 10 s"
}
# ui_stop — SIGTERM, then wait (5 s at most); sets UI_CODE.
ui_stop() {
  [ -n "$UI_PID" ] || return 0
  local i
  kill -TERM "$UI_PID" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 "$UI_PID" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$UI_PID" 2>/dev/null && { kill -KILL "$UI_PID"; fail "the UI did not stop on SIGTERM"; }
  wait "$UI_PID"
  UI_CODE=$?
  UI_PID=
}
at_exit ui_stop
stats() { curl -s -m 5 "$UI/stats/requests"; }
# The JSON is compact (no spaces), so plain text tests work on it and keep
# python3 (slow to start on a loaded machine) out of the polling loops.
# has TEXT... — every TEXT is in $S.
has() {
  local t
  for t in "$@"; do [[ "$S" == *"$t"* ]] || return 1; done
}
# requests — the Aggregated request count in $S (the last entry of "stats").
requests() { grep -o '"num_requests":[0-9]*' <<< "$S" | tail -n1 | cut -d: -f2; }
# wait_for CMD — polls /stats/requests into $S (5 s at most) until CMD holds.
wait_for() {
  local i
  for ((i = 0; i < 50; i++)); do
    S=$(stats)
    eval "$1" && return 0
    sleep 0.1
  done
  fail "timed out waiting for: $1 in $(head -c 400 <<< "$S")"
}

# ---- 1. ready: the page, its assets, the state ------------------------------------------
ui_start ui --csv "$dir/ui" --csv-full-history
http_req GET "$UI/"
[ "$HTTP_CODE" = 200 ] && [[ "$HTTP_CTYPE" == text/html* ]] || fail "GET / is $HTTP_CODE $HTTP_CTYPE"
grep -q 'assets/app.js' "$TEST_TMPDIR/last-body" || fail "the page does not load assets/app.js"
http_req GET "$UI/assets/app.js"
[ "$HTTP_CODE" = 200 ] && [[ "$HTTP_CTYPE" == text/javascript* ]] || fail "app.js is $HTTP_CODE $HTTP_CTYPE"
S=$(stats)
has '"state":"ready"' '"user_count":0' '"stats":[{"method":"","name":"Aggregated"' || fail "not ready: $S"
http_req GET "$UI/stats/report"
[ "$HTTP_CODE" = 200 ] && [[ "$HTTP_CTYPE" == text/html* ]] && [[ "$HTTP_BODY" == '<!DOCTYPE html>'* ]] ||
  fail "/stats/report before a test: $HTTP_CODE $HTTP_CTYPE"

# ---- 2. /swarm: Locust's answer, then the counts rise -------------------------------------
http_req POST "$UI/swarm" -d user_count=4 -d spawn_rate=100
[ "$HTTP_CODE" = 200 ] || fail "/swarm: $HTTP_CODE $HTTP_BODY"
[ "$HTTP_BODY" = '{"success":true,"message":"Swarming started","host":"'"$DEMO_URL"'"}' ] ||
  fail "/swarm answered $HTTP_BODY"
wait_for 'has "\"state\":\"running\"" "\"user_count\":4," && [ "$(requests)" -gt 0 ]'
n1=$(requests)
sleep 1.1 # past the 1 s memo
wait_for '[ "$(requests)" -gt "$n1" ]'
wait_for 'has "{\"method\":\"GET\",\"name\":\"product \\\"0\\\"\",\"error\":\"HTTP 404\","'
has '"stats":[{"method":"GET","name":"health",' '"user_classes_count":{"Browser":3,"Broken":1}' ||
  fail "/stats/requests: $S"
http_req GET "$UI/tasks"
json_expect "$HTTP_BODY" 'per_class.Browser.ratio=0.75' 'total.Broken.tasks.missing.ratio=0.25'
s=$(stats)
python3 - "$s" <<'PY' || fail "/stats/requests lacks Locust's fields"
import json, sys
d = json.loads(sys.argv[1])
top = ["stats", "errors", "current_rps", "current_fail_per_sec", "total_rps", "total_fail_per_sec",
       "fail_ratio", "current_response_time_percentiles", "state", "user_count"]
entry = ["method", "name", "num_requests", "num_failures", "min_response_time", "max_response_time",
         "current_rps", "current_fail_per_sec", "avg_response_time", "median_response_time", "total_rps",
         "total_fail_per_sec", "response_time_percentile_0.95", "response_time_percentile_0.99",
         "avg_content_length"]
miss = [k for k in top if k not in d] + [k for e in d["stats"] for k in entry if k not in e]
sys.exit("missing: %s" % miss if miss else 0)
PY

# ---- 3. bad forms: a JSON error, the running test untouched -------------------------------
bad_form() { # expected-message-part curl-args...
  local want=$1
  shift
  http_req POST "$UI/swarm" "$@"
  [ "$HTTP_CODE" = 400 ] || fail "/swarm $*: HTTP $HTTP_CODE, expected 400"
  [[ "$HTTP_CTYPE" == application/json* ]] || fail "/swarm $*: $HTTP_CTYPE"
  [[ "$HTTP_BODY" == '{"success":false,"message":"'*'","host":"'"$DEMO_URL"'"}' ]] || fail "/swarm $*: $HTTP_BODY"
  grep -qF -- "$want" "$TEST_TMPDIR/last-body" || fail "/swarm $*: no '$want' in $HTTP_BODY"
  grep -q '<script' "$TEST_TMPDIR/last-body" && fail "/swarm $*: reflected <script>: $HTTP_BODY"
  return 0
}
bad_form "Missing user_count or spawn_rate" -d spawn_rate=1
bad_form "Missing user_count or spawn_rate" -d user_count=1
bad_form "Invalid user_count" -d user_count=-3 -d spawn_rate=1
bad_form "Invalid user_count" -d user_count=abc -d spawn_rate=1
bad_form "Invalid user_count" -d user_count=99999999999999999999 -d spawn_rate=1
bad_form "more than 10000000 users" -d user_count=20000000 -d spawn_rate=1
bad_form "Invalid spawn_rate" -d user_count=1 -d spawn_rate=-1
bad_form "Invalid spawn_rate" -d user_count=1 -d spawn_rate=inf
bad_form "Valid run_time formats" -d user_count=1 -d spawn_rate=1 -d run_time=forever
bad_form "Invalid host" -d user_count=1 -d spawn_rate=1 --data-urlencode 'host=<script>alert(1)</script>'
bad_form "Invalid host" -d user_count=1 -d spawn_rate=1 --data-urlencode 'host=javascript:alert(1)'
bad_form "Invalid host" -d user_count=1 -d spawn_rate=1 --data-urlencode 'host=http://a b'
http_req POST "$UI/swarm" -F user_count=1 -F spawn_rate=1 -F "host=$(head -c 70000 /dev/zero | tr '\0' a)"
[ "$HTTP_CODE" = 413 ] || fail "a 70 KB form: HTTP $HTTP_CODE, expected 413"
S=$(stats)
has '"state":"running"' '"user_count":4,' '"host":"'"$DEMO_URL"'"' || fail "the test changed: $S"
http_req POST "$UI/swarm" -H 'Origin: http://evil.example' -d user_count=1 -d spawn_rate=1
[ "$HTTP_CODE" = 403 ] || fail "a cross-site /swarm: HTTP $HTTP_CODE, expected 403"
http_req GET "$UI/stop" -H 'Origin: http://evil.example'
[ "$HTTP_CODE" = 403 ] || fail "a cross-site /stop: HTTP $HTTP_CODE, expected 403"
S=$(stats)
has '"state":"running"' '"user_count":4,' || fail "the test changed: $S"
http_req GET "$UI/swarm"
[ "$HTTP_CODE" = 405 ] || fail "GET /swarm: HTTP $HTTP_CODE, expected 405"

# ---- 4. a running test changed: fewer users (multipart form too) --------------------------
http_req POST "$UI/swarm" -F user_count=2 -F spawn_rate=50
[[ "$HTTP_BODY" == '{"success":true,'* ]] || fail "/swarm (multipart): $HTTP_BODY"
wait_for 'has "\"user_count\":2," "\"state\":\"running\""'

# ---- 5. CSV downloads: Locust's columns, attachments --------------------------------------
csv_check() { # path first-line [--csv file: the same header line, byte for byte]
  local hdr
  hdr=$(curl -s -m 5 -D - -o "$dir/dl.csv" "$UI$1") || fail "GET $1"
  grep -qi '^content-type: text/csv' <<< "$hdr" || fail "$1: no text/csv in $hdr"
  grep -qi '^content-disposition: attachment; filename="crowd_.*\.csv"' <<< "$hdr" ||
    fail "$1: no attachment in $hdr"
  [ "$(head -n1 "$dir/dl.csv" | tr -d '\r')" = "$2" ] || fail "$1: header is $(head -n1 "$dir/dl.csv")"
  [ -z "${3:-}" ] || [ "$(head -n1 "$dir/dl.csv")" = "$(head -n1 "$3")" ] ||
    fail "$1: its header differs from $3's: $(head -n1 "$3")"
}
csv_check /stats/requests/csv "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%" "$dir/ui_stats.csv"
grep -q '^GET,"product ""0""",' "$dir/dl.csv" || fail "requests CSV: no quoted product row: $(cat "$dir/dl.csv")"
tail -n1 "$dir/dl.csv" | grep -q '^,Aggregated,' || fail "requests CSV: Aggregated is not last"
csv_check /stats/failures/csv "Method,Name,Error,Occurrences,First Seen,Last Seen" "$dir/ui_failures.csv"
grep -q '^GET,"product ""0""",HTTP 404,[0-9]' "$dir/dl.csv" || fail "failures CSV: $(cat "$dir/dl.csv")"
csv_check /exceptions/csv "Count,Message,Traceback,Nodes" "$dir/ui_exceptions.csv"
csv_check /stats/requests_full_history/csv "$(head -n1 "$dir/ui_stats_history.csv" | tr -d '\r')" \
  "$dir/ui_stats_history.csv"
grep -q '^[0-9]*,[0-9]*,GET,health,' "$dir/dl.csv" || fail "full history CSV: no health rows"
# /stats/report: the --html report of the test so far, parsed
curl -s -m 5 -D "$dir/report.hdr" -o "$dir/report.html" "$UI/stats/report" || fail "GET /stats/report"
grep -qi '^content-type: text/html' "$dir/report.hdr" || fail "/stats/report: $(cat "$dir/report.hdr")"
grep -qi '^content-disposition' "$dir/report.hdr" && fail "/stats/report: an attachment without ?download"
python3 "$top_srcdir/tests/e2e/reports_check.py" --html-live "$dir/report.html" 'product "0"' ||
  fail "/stats/report is not the HTML report"
curl -s -m 5 -D - -o /dev/null "$UI/stats/report?download=1&theme=dark" |
  grep -qi '^content-disposition: attachment; filename="crowd_.*\.html"' || fail "/stats/report?download=1"
http_req GET "$UI/exceptions"
[ "$HTTP_BODY" = '{"exceptions":[]}' ] || fail "/exceptions: $HTTP_BODY"
http_req GET "$UI/stats/history"
[[ "$HTTP_BODY" == '{"time":['[0-9]*'],"user_count":['*'],"current_rps":['* ]] || fail "/stats/history: $HTTP_BODY"

# ---- 6. /metrics: Prometheus text format 0.0.4 --------------------------------------------
curl -s -m 5 -D "$dir/metrics.hdr" -o "$dir/metrics.txt" "$UI/metrics" || fail "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$dir/metrics.hdr" || fail "/metrics content type"
python3 "$top_srcdir/tests/e2e/prom_check.py" "$dir/metrics.txt" \
  'crowd_requests_total{method="GET",name="health"}' 'crowd_failures_total{method="GET",name="product \"0\""}' \
  'crowd_users' 'crowd_state{state="running"}=1' 'crowd_user_class_users{class="Browser"}=1' ||
  fail "/metrics is not valid Prometheus text: $(head -c 600 "$dir/metrics.txt")"

# ---- 7. /stop, /stats/reset, a second start -----------------------------------------------
http_req GET "$UI/stop"
[ "$HTTP_BODY" = '{"success":true,"message":"Test stopped"}' ] || fail "/stop: $HTTP_BODY"
wait_for 'has "\"state\":\"stopped\"" "\"user_count\":0,"'
http_req GET "$UI/stats/reset"
[ "$HTTP_CODE" = 200 ] && [ "$HTTP_BODY" = ok ] || fail "/stats/reset: $HTTP_CODE $HTTP_BODY"
wait_for '[ "$(requests)" = 0 ] && has "\"errors\":[],"'
http_req POST "$UI/swarm" -d user_count=4 -d spawn_rate=100 -d run_time=1s
[[ "$HTTP_BODY" == '{"success":true,'*',"run_time":1}' ]] || fail "/swarm with run_time: $HTTP_BODY"
wait_for 'has "\"state\":\"running\"" && [ "$(requests)" -gt 0 ]'
wait_for 'has "\"state\":\"stopped\""' # the run time ends the test; the UI stays up
ui_stop
[ "$UI_CODE" = 1 ] || fail "exit code $UI_CODE after failed requests, expected 1"
grep -q "Aggregated" "$dir/ui.err" || fail "no final table at shutdown"

# ---- 8. --web-auth: 401 on every route without the right credentials -----------------------
ui_start auth --web-auth 'alice:s3cret'
for route in / /assets/app.js /assets/style.css /stats/requests /stats/requests/csv /stats/failures/csv \
             /exceptions /exceptions/csv /tasks /metrics /config /stats/history /stats/report /stop \
             /stats/reset /no/such/route; do
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$UI$route")
  [ "$code" = 401 ] || fail "--web-auth: GET $route without credentials: $code"
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -u alice:wrong "$UI$route")
  [ "$code" = 401 ] || fail "--web-auth: GET $route with a wrong password: $code"
done
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -d user_count=1 -d spawn_rate=1 "$UI/swarm")
[ "$code" = 401 ] || fail "--web-auth: POST /swarm without credentials: $code"
curl -s -m 5 -D - -o /dev/null "$UI/" | grep -qi '^www-authenticate: basic' || fail "no WWW-Authenticate"
[[ "$(curl -s -m 5 -u alice:s3cret "$UI/stats/requests")" == *'"state":"ready"'* ]] ||
  fail "--web-auth: no stats with the password"
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -u alice:s3cret "$UI/")
[ "$code" = 200 ] || fail "--web-auth: GET / with the password: $code"
ui_stop

# ---- 9. --web-base-path, a taken port, --autoquit ---------------------------------------------
ui_start base --web-base-path /crowd/
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$UI/crowd/stats/requests_full_history/csv")
[ "$code" = 404 ] || fail "full history CSV without --csv-full-history: $code, expected 404"
code=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{redirect_url}' "$UI/crowd")
[ "$code" = "302 $UI/crowd/" ] || fail "--web-base-path: /crowd gives $code"
[[ "$(curl -s -m 5 "$UI/crowd/stats/requests")" == *'"state":"ready"'* ]] ||
  fail "--web-base-path: no stats under /crowd/"
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$UI/stats/requests")
[ "$code" = 404 ] || fail "--web-base-path: /stats/requests outside the prefix: $code"
"$dir/w" -H "$DEMO_URL" -P "$UI_PORT" > /dev/null 2> "$dir/taken.err" &
pid=$!
for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "a taken port: still running"; }
wait "$pid"
code=$?
[ "$code" = 1 ] || fail "a taken port: exit code $code, expected 1"
grep -q "port $UI_PORT: the port is already in use" "$dir/taken.err" ||
  fail "a taken port: $(cat "$dir/taken.err")"
ui_stop

"$dir/w" -H "$DEMO_URL" --autoquit 1 > /dev/null 2> "$dir/aq.err"
code=$?
[ "$code" = 1 ] && grep -q -- "--autoquit is only meaningful in combination with --autostart" "$dir/aq.err" ||
  fail "--autoquit without --autostart: exit $code: $(cat "$dir/aq.err")"
port=$(free_port)
demo_stats_reset
start=$(now_ms)
timeout 20 "$dir/w" -H "$DEMO_URL" -P "$port" --autostart -u 2 -r 10 -t 1 --autoquit 1 > /dev/null 2> "$dir/auto.err"
code=$?
[ "$code" = 1 ] || fail "--autostart --autoquit: exit code $code: $(tail -5 "$dir/auto.err")"
[ $(( $(now_ms) - start )) -lt 6000 ] || fail "--autostart -t 1 --autoquit 1 took $(( $(now_ms) - start )) ms"
grep -q -- "--autoquit time reached, shutting down" "$dir/auto.err" || fail "no autoquit line"
[[ "$(demo_stats_json)" == '{"total":'[1-9]* ]] || fail "--autostart sent nothing: $(demo_stats_json)"
pass
