#!/bin/bash
# Shapes, issue 7: a (tick ...) shape against the demo server, three runs
# at once (each on its own route, so the server's counters tell them apart):
#  - a tick of 2, 4, 6, 8 users at 0, 1, 2, 3 s reaches each count within
#    1.5 s of schedule (its "Shape NAME: N users at T s" log lines) and its
#    nil at 4 s ends the run, exit 0;
#  - per-stage :user-classes spawn only the listed classes (Locust's
#    new_dispatch: users of other classes stay; a ramp-down stops the most
#    recent): the "All users spawned" counts, and a class never listed sends
#    nothing;
#  - a tick that turns bad mid-run stops the test, names its file:line,
#    exit 1.
# Then a tick bad at 0: exit 4 before any request.
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir shape_tick)
demo_start

cat > "$dir/tick.crowd" <<'CROWD'
(scenario ticked)
(shape steps
  (tick
    (let step (floor run-time))
    (when (< run-time 4) [(* 2 (+ 1 step)) 50])))
(user Web :wait (constant 100ms) (task home (get "/health")))
CROWD
cat > "$dir/classes.crowd" <<'CROWD'
(scenario classes)
(shape mix
  (stage 1s :users 4 :rate 100 :user-classes [A])
  (stage 1s :users 8 :rate 100 :user-classes [B C])
  (stage 1s :users 10 :rate 100)
  (stage 1s :users 6 :rate 100 :user-classes [A B C]))
(user A :wait (constant 100ms) (task a (get "/api/products")))
(user B :weight 3 :wait (constant 100ms) (task b (get "/status/202")))
(user C :wait (constant 100ms) (task c (get "/delay/0")))
(user D :wait (constant 100ms) (task d (get "/cookies")))
CROWD
cat > "$dir/later.crowd" <<'CROWD'
(scenario later)
(shape oops
  (tick
    (if (< run-time 1) [2 10] [(env "CROWD_TEST_NO_SUCH_VAR" "many") 5])))
(user Web :wait (constant 100ms) (task home (get "/api/products/1")))
CROWD
cat > "$dir/bad0.crowd" <<'CROWD'
(scenario bad)
(shape oops
  (tick
    [(- 5 (* 10 (+ 1 run-time))) 5]))
(user Web (task home (get "/api/products")))
CROWD
for s in tick classes later bad0; do
  "$CROWDC" "$dir/$s.crowd" -o "$dir/$s" || fail "crowdc $s.crowd failed"
done

"$dir/tick" --headless --only-summary -H "$DEMO_URL" -u 99 2> "$dir/tick.err" & p1=$!
"$dir/classes" --headless --only-summary -H "$DEMO_URL" 2> "$dir/classes.err" & p2=$!
"$dir/later" --headless --only-summary -H "$DEMO_URL" 2> "$dir/later.err" & p3=$!
wait $p1 || fail "tick: exit $? (see $dir/tick.err)"
wait $p2 || fail "classes: exit $? (see $dir/classes.err)"
wait $p3; code=$?
[ "$code" = 1 ] || fail "a tick bad mid-run: exit $code, expected 1"
stats=$(demo_stats_json)

grep -q 'Shape steps (a tick every second) sets the user count: -u and -r are ignored' "$dir/tick.err" ||
  fail "the tick shape did not say it overrides -u"
python3 - "$dir/tick.err" <<'PY' || fail "tick timeline: $(grep crowd.shape "$dir/tick.err")"
import re, sys
log = open(sys.argv[1]).read()
reached = [(int(n), float(t)) for n, t in re.findall(r"Shape steps: (\d+) users at ([\d.]+) s", log)]
want = [(2, 0.0), (4, 1.0), (6, 2.0), (8, 3.0)]
assert [n for n, _ in reached] == [n for n, _ in want], reached
for (n, t), (_, start) in zip(reached, want):
    assert start <= t <= start + 1.5, (n, t, start)
end = re.search(r"the tick gave nil at ([\d.]+) s", log)
assert end and 4.0 <= float(end.group(1)) <= 5.5, end
PY

# per-stage classes: the dispatcher's counts after each stage
spawned=$(sed -n 's/.*All users spawned: \(.*\) (.*/\1/p' "$dir/classes.err" | tr '\n' '|')
want='{"A": 4, "B": 0, "C": 0, "D": 0}|{"A": 4, "B": 3, "C": 1, "D": 0}|{"A": 4, "B": 4, "C": 2, "D": 0}|{"A": 4, "B": 1, "C": 1, "D": 0}|'
[ "$spawned" = "$want" ] || fail "per-stage classes: spawned '$spawned', expected '$want'"
python3 - "$stats" <<'PY' || fail "per-stage classes: the server saw $stats"
import json, sys
r = json.loads(sys.argv[1])["routes"]
for route in ("GET /api/products", "GET /status/{code}", "GET /delay/{ms}"):
    assert r.get(route, 0) > 0, route
assert r.get("GET /cookies", 0) == 0, "class D is never listed, yet it sent requests"
PY

# a tick bad mid-run: its place, the test stopped
grep -q 'ERROR/crowd.shape: .*later.crowd:4:31: shape oops: the tick.s user count must be a number >= 0, got a text' \
  "$dir/later.err" || fail "no error naming the tick's place: $(grep crowd.shape "$dir/later.err")"
grep -q 'Shape oops: the tick failed at' "$dir/later.err" || fail "the bad tick did not stop the test"

# a tick bad at 0: nothing sent, exit 4
demo_stats_reset
"$dir/bad0" --headless --only-summary -H "$DEMO_URL" 2> "$dir/bad0.err"; code=$?
[ "$code" = 4 ] || fail "a tick bad at 0: exit $code, expected 4"
grep -q 'bad0.crowd:4:5: shape oops: the tick.s user count must be 0 or more, got -5' "$dir/bad0.err" ||
  fail "bad tick at 0: $(cat "$dir/bad0.err")"
[ "$(json_get "$(demo_stats_json)" total)" = 0 ] || fail "a tick bad at 0: requests were sent"
pass
