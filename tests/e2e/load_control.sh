#!/bin/bash
# Load control (issue 7), against the demo server, four runs at once (each
# on its own route, so the server's per-route counters tell them apart):
#  - a (shape ...) reaches each stage's user count within 1 s of schedule
#    (its "Shape NAME: N users at T s" log lines);
#  - (constant-rate 100) holds its rate within 2% over 20 s (server count);
#  - a pool capped too small drops iterations and the summary says so;
#  - -n 1000 stops at exactly 1000 task iterations (server count).
# Then the configuration's precedence: scenario < crowd.conf < --config <
# CROWD_* < command line, and a bad config line named by file:line, exit 2.
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir)
demo_start

cat > "$dir/shape.crowd" <<'CROWD'
(scenario shaped)
(shape ramp
  (stage 1s :users 5 :rate 50)
  (stage 1500ms :users 15 :rate 20)
  (stage 1s :users 3 :rate 50))
(user Web :wait (constant 50ms) (task home (get "/health")))
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
cat > "$dir/iterations.crowd" <<'CROWD'
(scenario counted)
(user Web :wait (between 0s 20ms) (task ok (get "/status/200")) (task also (get "/status/201")))
CROWD
for s in shape arrival dropped iterations; do
  "$CROWDC" "$dir/$s.crowd" -o "$dir/$s" || fail "crowdc $s.crowd failed"
done

"$dir/shape" --headless --only-summary -H "$DEMO_URL" -u 99 2> "$dir/shape.err" & p1=$!
"$dir/arrival" --headless --only-summary -H "$DEMO_URL" -t 20s 2> "$dir/arrival.err" & p2=$!
"$dir/dropped" --headless --only-summary -H "$DEMO_URL" -t 2s 2> "$dir/dropped.err" & p3=$!
"$dir/iterations" --headless --only-summary -H "$DEMO_URL" -u 40 -r 40 -n 1000 2> "$dir/iterations.err" & p4=$!
for p in $p1 $p2 $p3 $p4; do wait $p || fail "a run exited with $? (see $dir/*.err)"; done
stats=$(demo_stats_json)

# the shape: stage starts at 0, 1 and 2.5 s; each count reached within 1 s
grep -q 'Shape ramp (3 stages) sets the user count: -u and -r are ignored' "$dir/shape.err" ||
  fail "the shape did not say it overrides -u"
python3 - "$dir/shape.err" <<'PY' || fail "shape timeline: $(grep crowd.shape "$dir/shape.err")"
import re, sys
log = open(sys.argv[1]).read()
reached = [(int(n), float(t)) for n, t in re.findall(r"Shape ramp: (\d+) users at ([\d.]+) s", log)]
want = [(5, 0.0), (15, 1.0), (3, 2.5)]
assert [n for n, _ in reached] == [n for n, _ in want], reached
for (n, t), (_, start) in zip(reached, want):
    assert start <= t <= start + 1.0, (n, t, start)
end = re.search(r"last stage over at ([\d.]+) s", log)
assert end and 3.5 <= float(end.group(1)) <= 3.6, end
PY

# the arrival rate: 2000 iterations in 20 s, within 2%
n=$(json_get "$stats" 'routes["GET /api/products/{id}"]')
[ "$n" -ge 1960 ] && [ "$n" -le 2040 ] || fail "constant-rate 100 for 20 s: $n requests, expected 2000 +- 2%"
grep -q 'Arrivals Open: .* 0 dropped' "$dir/arrival.err" || fail "arrival: no summary line or drops"

# the capped pool: 2 users of 300 ms cannot take 20/s
grep -q 'WARNING/crowd.arrival: Slow: an iteration was dropped' "$dir/dropped.err" ||
  fail "no warning about dropped iterations"
d=$(sed -n 's/^Dropped iterations: \([0-9]*\)$/\1/p' "$dir/dropped.err")
[ -n "$d" ] && [ "$d" -ge 20 ] || fail "dropped iterations: '$d', expected at least 20"

# -n 1000: exactly 1000 task iterations reached the server
a=$(json_get "$stats" 'routes["GET /status/{code}"]')
[ "$a" = 1000 ] || fail "-n 1000: the server saw $a requests"
grep -q -- '-n/--iterations limit reached (1000 task iterations started)' "$dir/iterations.err" ||
  fail "-n: no log line"

# configuration precedence, read from "Ramping to N users"
cat > "$dir/conf.crowd" <<'CROWD'
(scenario conf)
(options :users 2 :spawn-rate 100 :iterations 1 :headless true :only-summary true)
(user Web (task home (get "/health")))
CROWD
"$CROWDC" "$dir/conf.crowd" -o "$dir/conf" || fail "crowdc conf.crowd failed"
mkdir -p "$dir/cwd"
users() {
  (cd "$dir/cwd" && HOME=$dir/cwd "$@" -H "$DEMO_URL" 2>&1) |
    sed -n 's/.*Ramping to \([0-9]*\) users.*/\1/p'
}
[ "$(users "$dir/conf")" = 2 ] || fail "scenario (options :users 2) not applied"
printf '# defaults\n[crowd]\nusers = 3\n' > "$dir/cwd/crowd.conf"
[ "$(users "$dir/conf")" = 3 ] || fail "./crowd.conf does not override the scenario"
printf 'users: 4\n' > "$dir/other.conf"
[ "$(users "$dir/conf" --config "$dir/other.conf")" = 4 ] || fail "--config does not override ./crowd.conf"
[ "$(CROWD_USERS=5 users "$dir/conf" --config "$dir/other.conf")" = 5 ] || fail "CROWD_USERS does not override --config"
[ "$(CROWD_USERS=5 users "$dir/conf" -u 6)" = 6 ] || fail "-u does not override CROWD_USERS"
[ "$(LOCUST_USERS=7 users "$dir/conf")" = 7 ] || fail "LOCUST_USERS not accepted"

# a bad line: file:line, exit 2, nothing sent
printf 'users = 3\nspawn-rate = fast\n' > "$dir/cwd/crowd.conf"
demo_stats_reset
out=$(cd "$dir/cwd" && HOME=$dir/cwd "$dir/conf" -H "$DEMO_URL" 2>&1); code=$?
[ "$code" = 2 ] || fail "bad crowd.conf: exit $code, expected 2"
[ "$out" = "crowd: error: crowd.conf:2: option 'spawn-rate': invalid value 'fast': expected a number greater than 0" ] ||
  fail "bad crowd.conf: '$out'"
[ "$(json_get "$(demo_stats_json)" total)" = 0 ] || fail "bad crowd.conf: requests were sent"
pass
