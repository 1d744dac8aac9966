#!/bin/bash
# --processes (issue 7, part 5), against the demo server, three runs at
# once (each on its own routes, so the server's per-route counters tell
# them apart):
#  - -u 10 -r 10 -t 3s on 2 processes: one merged report whose request
#    count is the server's (less at most the 10 requests in flight at the
#    end), per-entry counts summing to Aggregated, users split 5, 5;
#  - -n 1000 on 2 processes: exactly 1000 requests in all;
#  - a child killed with SIGKILL is reported and the run goes on; SIGTERM
#    to the parent then still yields the final merged report and JSON.
# And the usage errors: --processes without --headless, --processes -2.
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir)
demo_start

cat > "$dir/timed.crowd" <<'CROWD'
(scenario timed)
(user Web :wait (constant 10ms)
  (task health (get "/health"))
  (task product (get "/api/products/1")))
CROWD
cat > "$dir/counted.crowd" <<'CROWD'
(scenario counted)
(user Web :wait (between 0s 10ms) (task echo (get "/echo")))
CROWD
cat > "$dir/stopped.crowd" <<'CROWD'
(scenario stopped)
(user Web :wait (constant 10ms) (task ok (get "/status/200")))
CROWD
for s in timed counted stopped; do
  "$CROWDC" "$dir/$s.crowd" -o "$dir/$s" || fail "crowdc $s.crowd failed"
done

"$dir/timed" --headless --only-summary -H "$DEMO_URL" --processes 2 -u 10 -r 10 -t 3s \
  --csv "$dir/timed" 2> "$dir/timed.err" & p1=$!
"$dir/counted" --headless --only-summary -H "$DEMO_URL" --processes 2 -u 20 -r 20 -n 1000 \
  2> "$dir/counted.err" & p2=$!
"$dir/stopped" --headless --only-summary -H "$DEMO_URL" --processes 3 -u 6 -r 6 -t 60s \
  --json-file "$dir/stopped" 2> "$dir/stopped.err" & p3=$!
sleep 1
kid=$(pgrep -P $p3 | head -1)
[ -n "$kid" ] || fail "no child process of the --processes 3 run"
kill -KILL "$kid"
sleep 1
kill -TERM $p3
t0=$(now_ms)
wait $p1 || fail "the timed run exited with $? (see $dir/timed.err)"
wait $p2 || fail "the -n run exited with $? (see $dir/counted.err)"
wait $p3; rc3=$?
t1=$(now_ms)
stats=$(demo_stats_json)

grep -q 'Starting 2 processes (users: 5, 5)' "$dir/timed.err" || fail "no split of the users in the log"
python3 - "$dir/timed_stats.csv" "$stats" <<'PY' || fail "timed run: $(grep Aggregated "$dir/timed.err")"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
server = json.loads(sys.argv[2])["routes"]
entries = {r["Name"]: int(r["Request Count"]) for r in rows if r["Name"] != "Aggregated"}
total = [int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated"][0]
assert sum(entries.values()) == total, (entries, total)
assert total > 100, total
for name, route in (("/health", "GET /health"), ("/api/products/1", "GET /api/products/{id}")):
    got, want = entries[name], server[route]
    assert got <= want <= got + 10, (name, got, want)
PY
[ "$(grep -c 'Aggregated' "$dir/timed.err")" = 2 ] || fail "not one final report (table + percentiles)"

[ "$(json_get "$stats" 'routes.GET /echo')" = 1000 ] ||
  fail "-n 1000 on 2 processes sent $(json_get "$stats" 'routes.GET /echo') requests"
grep -q ' 1000 ' <(grep Aggregated "$dir/counted.err") || fail "-n 1000: the report does not count 1000"

[ "$rc3" = 1 ] || fail "a run with a killed child exited with $rc3, not 1"
[ $((t1 - t0)) -lt 5000 ] || fail "SIGTERM took $((t1 - t0)) ms to end the run"
grep -q "was killed by signal 9" "$dir/stopped.err" || fail "the killed child was not reported"
grep -q "Got SIGTERM signal" "$dir/stopped.err" || fail "no SIGTERM in the log"
python3 - "$dir/stopped.json" "$stats" <<'PY' || fail "stopped run: $(grep Aggregated "$dir/stopped.err")"
import json, sys
got = sum(e["num_requests"] for e in json.load(open(sys.argv[1])))
want = json.loads(sys.argv[2])["routes"]["GET /status/{code}"]
assert 0 < got <= want, (got, want)
PY

# usage errors, before any load
"$dir/timed" -H "$DEMO_URL" --processes 2 2> "$dir/web.err"; rc=$?
[ $rc = 2 ] && grep -q -- '--processes needs --headless' "$dir/web.err" || fail "--processes without --headless: $rc"
"$dir/timed" --headless -H "$DEMO_URL" --processes -2 2> "$dir/bad.err"; rc=$?
[ $rc = 2 ] && grep -q -- 'argument --processes' "$dir/bad.err" || fail "--processes -2: $rc"
CROWD_PROCESSES=1 "$dir/timed" --headless --only-summary -H "$DEMO_URL" -u 1 -t 1s 2> /dev/null ||
  fail "CROWD_PROCESSES=1 failed"
demo_stop || fail "demo server exited with $?"
pass
