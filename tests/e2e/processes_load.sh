#!/bin/bash
# --processes with load control and shared data (issue 7, part 5), against
# the demo server, five runs on 2 processes at once (each on its own
# routes, so the server's per-route counters tell them apart):
#  - a stages shape: the run history (CSV) shows each stage's total user
#    count, summed over the children, in time;
#  - (constant-rate 100) for 5 s: 500 iterations in all, within 2%;
#  - a pool capped too small: the dropped iterations of both children in
#    the merged summary;
#  - a unique feeder of 12 rows: each row once over both processes (and
#    global-counter 1..12 once each), the exhaustion logged, the run ends;
#  - paced tasks with --reset-stats: the timing breakdown and the corrected
#    latency in --report-json, their counts the request counts, summed
#    over the children; the requests before the reset left out.
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir)
demo_start

cat > "$dir/shape.crowd" <<'CROWD'
(scenario shaped)
(shape ramp
  (stage 2s :users 5 :rate 50)
  (stage 2s :users 15 :rate 50)
  (stage 2s :users 3 :rate 50))
(user Web :wait (constant 100ms) (task home (get "/health")))
CROWD
cat > "$dir/arrival.crowd" <<'CROWD'
(scenario open)
(user Open
  :arrival (constant-rate 100 :per 1s :max-users 50)
  (task product (get "/api/products/1")))
CROWD
cat > "$dir/dropped.crowd" <<'CROWD'
(scenario capped)
(user Slow
  :arrival (constant-rate 20 :max-users 2)
  (task slow (get "/delay/300")))
CROWD
printf 'id\n' > "$dir/rows.csv"
for i in $(seq 1 12); do echo "$i" >> "$dir/rows.csv"; done
cat > "$dir/unique.crowd" <<'CROWD'
(scenario unique)
(feeder rows (csv "rows.csv") :strategy unique)
(user U :wait (constant 10ms)
  (task t
    (let r (next rows))
    (let g (str (global-counter)))
    (get "/echo/u/{r.id}/{g}")))
CROWD
cat > "$dir/paced.crowd" <<'CROWD'
(scenario paced)
(user Web :wait (constant-pacing 50ms)
  (task ok (get "/status/200"))
  (task created (get "/status/201")))
CROWD
for s in shape arrival dropped unique paced; do
  "$CROWDC" "$dir/$s.crowd" -o "$dir/$s" || fail "crowdc $s.crowd failed"
done

run() { local n=$1; shift; "$dir/$n" --headless --only-summary -H "$DEMO_URL" --processes 2 "$@" 2> "$dir/$n.err"; }
run shape --csv "$dir/shape" --csv-full-history & p1=$!
run arrival -t 5s & p2=$!
run dropped -t 2s & p3=$!
run unique -u 4 -r 100 -t 15s & p4=$!
run paced -u 4 -r 2 -t 4s --reset-stats --report-json "$dir/paced.json" & p5=$!
for p in $p1 $p2 $p3 $p4 $p5; do wait $p || fail "a run exited with $? (see $dir/*.err)"; done
stats=$(demo_stats_json)

# the shape: 5, 15, 3 users from 0, 2 and 4 s, each within 1 s (+1 s for
# the history's once-a-second rows on a loaded machine)
grep -q 'Starting 2 processes (users: each its share of the shape' "$dir/shape.err" || fail "shape: no start line"
python3 - "$dir/shape_stats_history.csv" <<'PY' || fail "shape timeline: $(grep crowd.shape "$dir/shape.err")"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["Name"] == "Aggregated"]
t0 = int(rows[0]["Timestamp"])
users = [(int(r["Timestamp"]) - t0, int(r["User Count"])) for r in rows]
for want, start in ((5, 0), (15, 2), (3, 4)):
    at = [t for t, n in users if n == want and t >= start]
    assert at and at[0] <= start + 2, (want, start, users)
assert max(n for _, n in users) == 15, users
PY
grep -q 'Shape ramp: 15 users at' "$dir/shape.err" || fail "shape: the parent did not see 15 users"

# the arrival rate over both processes: 500 in 5 s, within 2%
n=$(json_get "$stats" 'routes["GET /api/products/{id}"]')
[ "$n" -ge 490 ] && [ "$n" -le 510 ] || fail "constant-rate 100 on 2 processes for 5 s: $n requests, expected 500 +- 2%"
grep -q 'Arrivals Open: .* 0 dropped (pool: .*:max-users 50)' "$dir/arrival.err" || fail "arrival: no merged summary line"

# the capped pool (1 user per process): the drops of both, summed
d=$(sed -n 's/^Dropped iterations: \([0-9]*\)$/\1/p' "$dir/dropped.err")
[ -n "$d" ] && [ "$d" -ge 20 ] || fail "dropped iterations: '$d', expected at least 20"
s=$(sed -n 's/^Arrivals Slow: \([0-9]*\) iterations started, \([0-9]*\) dropped.*/\1 \2/p' "$dir/dropped.err")
[ "${s#* }" = "$d" ] || fail "the summary line ($s) and the total ($d) disagree"

# the unique feeder: 12 rows, each once over both processes
grep -q "feeder 'rows' (unique) has given all its 12 rows across the processes" "$dir/unique.err" ||
  fail "unique: no exhaustion message"
curl -s -m 5 "$DEMO_URL/echoes" > "$dir/echoes.json"
python3 - "$dir/echoes.json" <<'PY' || fail "unique: rows check failed"
import base64, json, sys
paths = [base64.b64decode(e["target"]).decode() for e in json.load(open(sys.argv[1]))]
paths = [p for p in paths if p.startswith("/echo/u/")]
ids = sorted(int(p.split("/")[3]) for p in paths)
counters = sorted(int(p.split("/")[4]) for p in paths)
assert ids == list(range(1, 13)), ids          # each row once, none twice, over both processes
assert counters == list(range(1, 13)), counters  # global-counter: one count for all processes
PY

# paced + --reset-stats: timings and corrected latency merged, counts summed
grep -q 'Resetting stats' "$dir/paced.err" || fail "--reset-stats: no reset logged"
python3 - "$dir/paced.json" "$stats" <<'PY' || fail "paced: $(grep Aggregated "$dir/paced.err")"
import json, sys
rep = json.load(open(sys.argv[1]))
server = json.loads(sys.argv[2])["routes"]["GET /status/{code}"]
total = rep["total"]
n = total["num_requests"]
assert sum(e["num_requests"] for e in rep["entries"]) == n, rep["entries"]
assert 0 < n <= server - 10, (n, server)  # the first second's requests were reset
assert total["timings_ms"]["timed_requests"] == n, total["timings_ms"]
assert sum(e["timings_ms"]["timed_requests"] for e in rep["entries"]) == n
assert total["corrected_response_time_ms"]["count"] == n, total["corrected_response_time_ms"]
assert sum(e["corrected_response_time_ms"]["count"] for e in rep["entries"]) == n
assert total["timings_ms"]["ttfb"]["percentiles"], total["timings_ms"]
assert rep["generator"]["paced_task_starts"] >= n - 4, rep["generator"]
PY
demo_stop || fail "demo server exited with $?"
pass
