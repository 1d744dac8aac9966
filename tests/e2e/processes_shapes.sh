#!/bin/bash
# --processes 2 with a (tick ...) shape, per-stage user classes, and the
# :arrival totals in the machine-readable reports (issue 7), against the
# demo server; the runs go at once, each with its own report files:
#  - a tick of 2, 4, 6 users at 0, 2, 4 s: each count in the merged run
#    history (CSV) in time, and its nil at 6 s ends the run, exit 0 (2 s
#    steps: the history's rows fall on wall-clock seconds, the ticks on
#    seconds from the start; a 1 s step could fall between two rows);
#  - per-stage :user-classes, with a ramp-down and a ramp-up after it: one
#    request per user (a long wait), so the requests of each class's task
#    count its users; the same counts in one process and in two;
#  - :arrival classes, one capped too small: --report-json's "arrivals"
#    and generator.dropped_iterations, and the HTML report's lines, equal
#    the console summary, in one process and in two (summed);
# then a tick bad at 0: exit 4 naming its file:line before any process is
# forked, no request sent.
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir)
demo_start

cat > "$dir/tick.crowd" <<'CROWD'
(scenario ticked)
(shape steps
  (tick
    (let step (floor (/ run-time 2)))
    (when (< run-time 6) [(* 2 (+ 1 step)) 50])))
(user Web :wait (constant 100ms) (task home (get "/health")))
CROWD
cat > "$dir/classes.crowd" <<'CROWD'
(scenario classes)
(shape mix
  (stage 1s :users 4 :rate 100 :user-classes [A])
  (stage 1s :users 8 :rate 100 :user-classes [B C])
  (stage 1s :users 10 :rate 100)
  (stage 1s :users 6 :rate 100 :user-classes [A B C])
  (stage 1s :users 11 :rate 100 :user-classes [C D]))
(user A :wait (constant 1000s) (task a (get "/api/products")))
(user B :weight 3 :wait (constant 1000s) (task b (get "/status/202")))
(user C :wait (constant 1000s) (task c (get "/delay/0")))
(user D :weight 2 :wait (constant 1000s) (task d (get "/cookies")))
CROWD
cat > "$dir/arrivals.crowd" <<'CROWD'
(scenario arrivals)
(user Slow
  :arrival (constant-rate 20 :max-users 2)
  (task slow (get "/delay/300")))
(user Ramp
  :arrival (ramping-rate (stage 1s :rate 10) (stage 1s :rate 20) :max-users 10)
  (task fast (get "/api/products/1")))
CROWD
cat > "$dir/bad0.crowd" <<'CROWD'
(scenario bad)
(shape oops
  (tick
    [(- 5 (* 10 (+ 1 run-time))) 5]))
(user Web (task home (get "/echo/bad0")))
CROWD
for s in tick classes arrivals bad0; do
  "$CROWDC" "$dir/$s.crowd" -o "$dir/$s" || fail "crowdc $s.crowd failed"
done

run() { local n=$1 out=$2; shift 2; "$dir/$n" --headless --only-summary -H "$DEMO_URL" "$@" 2> "$dir/$out.err"; }
start=$(now_ms)
run tick tick --processes 2 --csv "$dir/tick" --csv-full-history & p1=$!
run classes classes1 --report-json "$dir/classes1.json" & p2=$!
run classes classes2 --processes 2 --report-json "$dir/classes2.json" & p3=$!
run arrivals arrivals1 -t 3s --report-json "$dir/arrivals1.json" --html "$dir/arrivals1.html" & p4=$!
run arrivals arrivals2 -t 3s --processes 2 --report-json "$dir/arrivals2.json" --html "$dir/arrivals2.html" & p5=$!
wait $p1 || fail "tick: exit $? (see $dir/tick.err)"
tick_ms=$(( $(now_ms) - start ))
for p in $p2 $p3 $p4 $p5; do wait $p || fail "a run exited with $? (see $dir/*.err)"; done

# the tick: 2, 4, 6 users from 0, 2, 4 s in the history the parent merges
# (once-a-second rows: +2 s on a loaded machine); nil at 6 s ends it
python3 - "$dir/tick_stats_history.csv" "$dir/tick.err" "$tick_ms" <<'PY' || fail "tick on 2 processes: $(grep crowd.shape "$dir/tick.err")"
import csv, re, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["Name"] == "Aggregated"]
t0 = int(rows[0]["Timestamp"])
users = [(int(r["Timestamp"]) - t0, int(r["User Count"])) for r in rows]
for want, start in ((2, 0), (4, 2), (6, 4)):
    at = [t for t, n in users if n == want and t >= start]
    assert at and at[0] <= start + 2, (want, start, users)
assert max(n for _, n in users) == 6, users
log = open(sys.argv[2]).read()
end = re.search(r"the tick gave nil at ([\d.]+) s", log)
assert end and 6.0 <= float(end.group(1)) <= 7.5, end
assert int(sys.argv[3]) < 17000, ("the run did not end soon after the nil", sys.argv[3])
assert "ERROR" not in log, log
PY

# per-stage classes: one request per user, the same per class on 1 and 2
python3 - "$dir/classes1.json" "$dir/classes2.json" <<'PY' || fail "per-stage classes: 1 and 2 processes differ"
import json, sys
def counts(path):
    return {e["name"]: e["num_requests"] for e in json.load(open(path))["entries"]}
one, two = counts(sys.argv[1]), counts(sys.argv[2])
assert one == two, (one, two)
assert all(one.get(n, 0) > 0 for n in ("/api/products", "/status/202", "/delay/0", "/cookies")), one
PY

# the :arrival totals: --report-json and --html say what the console says
for n in arrivals1 arrivals2; do
  python3 - "$dir/$n.json" "$dir/$n.err" "$dir/$n.html" <<'PY' || fail "$n: the reports and the console summary disagree"
import json, re, sys
rep = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read()
page = open(sys.argv[3]).read()
lines = re.findall(r"^Arrivals (\w+): (\d+) iterations started, (\d+) dropped \(pool: (\d+) users, :max-users (\d+)\)$",
                   err, re.M)
assert [l[0] for l in lines] == ["Slow", "Ramp"], lines
got = [(a["class"], a["started_iterations"], a["dropped_iterations"], a["pool_peak"], a["max_users"])
       for a in rep["arrivals"]]
assert got == [(c, int(s), int(d), int(p), int(m)) for c, s, d, p, m in lines], (got, lines)
dropped = int(re.search(r"^Dropped iterations: (\d+)$", err, re.M).group(1))
assert dropped >= 10 and rep["generator"]["dropped_iterations"] == dropped, (dropped, rep["generator"])
slow, ramp = rep["arrivals"]
assert (slow["profile"], slow["target_rate"], slow["ramp"]) == ("constant-rate", 20.0, None), slow
assert ramp["profile"] == "ramping-rate" and ramp["target_rate"] is None, ramp
assert [(s["duration"], s["rate"]) for s in ramp["ramp"]["stages"]] == [(1.0, 10.0), (1.0, 20.0)], ramp
assert ramp["started_iterations"] + ramp["dropped_iterations"] == 20, ramp  # the ramp's integral, 5 + 15
for c, s, d, p, m in lines:
    assert (f"<span>Arrivals {c}</span><b>{s} iterations started, {d} dropped "
            f"(pool: {p} users, :max-users {m})</b>") in page, c
assert f"<span>Dropped iterations</span><b>{dropped}</b>" in page
PY
done
grep -q 'Starting 2 processes' "$dir/arrivals2.err" || fail "arrivals2 did not run on 2 processes"

# a tick bad at 0: said before any process is forked, nothing sent
"$dir/bad0" --headless --only-summary -H "$DEMO_URL" --processes 2 2> "$dir/bad0.err"; code=$?
[ "$code" = 4 ] || fail "a tick bad at 0 on 2 processes: exit $code, expected 4"
grep -q 'bad0.crowd:4:5: shape oops: the tick.s user count must be 0 or more, got -5' "$dir/bad0.err" ||
  fail "bad tick at 0: $(cat "$dir/bad0.err")"
! grep -q 'Starting 2 processes' "$dir/bad0.err" || fail "a tick bad at 0: processes were forked"
[ "$(json_get "$(demo_stats_json)" 'routes["GET /echo"]' 0)" = 0 ] ||
  fail "a tick bad at 0: requests were sent: $(demo_stats_json)"
demo_stop || fail "demo server exited with $?"
pass
