#!/bin/bash
# Task sets, sequences, tags and dispatch end to end, proved by counts:
# weights 3:1 give a 3:1 request ratio; a sequence runs in declaration order
# (the demo server's /echoes), its on-start/on-stop around each pass and
# interrupt back to the parent; -T/-E remove exactly the tagged tasks, and a
# filter that leaves nothing is refused before any load; fixed counts spawn
# first; --show-task-ratio prints Locust's table; --single-user prints each
# request.
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir)
demo_start

cat > "$dir/sets.crowd" <<'CROWD'
(scenario sets)
(user Weighted :fixed-count 2
  (task three :weight 3 (get "/health" :name "three"))
  (task one (get "/health" :name "one")))
(user Flow :weight 3
  (sequence flow
    (on-start (get "/echo/start" :name "start"))
    (task s1 (get "/echo/1" :name "s1"))
    (task s2 :weight 2 (get "/echo/2" :name "s2"))
    (task s3 (get "/echo/3" :name "s3"))
    (task out (interrupt))
    (on-stop (get "/echo/stop" :name "stop"))))
(user Tagged :weight 1
  (task plain (get "/health" :name "plain"))
  (task fast :tags [quick] (get "/health" :name "fast"))
  (taskset shop :tags [buy]
    (task cart :tags [quick] (get "/health" :name "cart") (interrupt))
    (task pay (get "/health" :name "pay") (interrupt))))
CROWD
set_client "$dir/sets.crowd"
"$CROWDC" "$dir/sets.crowd" -o "$dir/sets" || fail "crowdc failed"

# run NAME ARGS...: a run of the scenario, its report as $dir/NAME.json
run() {
  local name=$1
  shift
  demo_stats_reset
  "$dir/sets" --headless -H "$DEMO_URL" --only-summary "$@" 2> "$dir/$name.err"
  local code=$?
  [ "$code" = 0 ] || { cat "$dir/$name.err"; fail "$name: exit code $code ($*)"; }
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/$name.err" > "$dir/$name.json" ||
    fail "$name: cannot read the report"
}

# 1. Weights 3:1 with no wait; fixed-count users spawn first.
run weights --single-user Weighted -t 1s > /dev/null
python3 - "$dir/weights.json" <<'PY' || fail "weights 3:1"
import json, sys
t = json.load(open(sys.argv[1]))["table"]
three, one = t["GET three"]["reqs"], t["GET one"]["reqs"]
assert three + one >= 2000, (three, one)
assert 2.7 <= three / one <= 3.3, (three, one, three / one)
print("ok: three/one =", round(three / one, 3), "over", three + one)
PY

# 2. Dispatch: Weighted (fixed count 2) first, then Flow:Tagged = 3:1.
run dispatch -u 6 -r 100 -t 1s
grep -q 'All users spawned: {"Flow": 3, "Tagged": 1, "Weighted": 2} (6 total users)' "$dir/dispatch.err" ||
  { grep 'All users' "$dir/dispatch.err"; fail "dispatch: not Locust's counts"; }

# 3. A sequence in order, on-start and on-stop around each pass: one user,
#    the server's last 16 /echo requests (-s 1: the last task ends before the
#    on-stop blocks, so that no cancelled request lands after them).
run sequence --single-user Flow -t 1s -s 1 > "$dir/single.out"
curl -s -m 5 "$DEMO_URL/echoes" > "$dir/echoes.json" || fail "no /echoes"
python3 - "$dir/echoes.json" "$dir/sequence.json" <<'PY' || fail "sequence order"
import base64, json, sys
seen = [base64.b64decode(e["target"]).decode() for e in json.load(open(sys.argv[1]))]
cycle = ["/echo/start", "/echo/1", "/echo/2", "/echo/2", "/echo/3", "/echo/stop"]
assert len(seen) == 16, seen
assert seen[-1] == "/echo/stop", seen  # the run ends in on-stop, wherever it was
start = cycle.index(seen[0])
assert all(s == cycle[(start + i) % len(cycle)] for i, s in enumerate(seen[:-1])), seen
t = json.load(open(sys.argv[2]))["table"]
s1, s2, s3, st, sp = (t["GET " + n]["reqs"] for n in ("s1", "s2", "s3", "start", "stop"))
assert s2 == 2 * s1 or s2 == 2 * s1 - 1 or s2 == 2 * s1 - 2, (s1, s2)
assert s1 - 1 <= s3 <= s1 and st - 1 <= s1 <= st and sp == st, (s1, s3, st, sp)
print("ok:", s1, "passes, in order")
PY
# --single-user: a header, then one line per request with its status
head -1 "$dir/single.out" | grep -q '^type	name' || fail "--single-user: no header"
grep -q '^GET	s1 *	[0-9]* *	[0-9]*	200	' "$dir/single.out" ||
  { head -5 "$dir/single.out"; fail "--single-user: no request line"; }

# 4. Tags: -T quick keeps fast and cart (tagged in the set); -E buy drops the
#    whole set; the numbers come from the report and the server agrees.
run tags -T quick --single-user Tagged -t 1s > /dev/null
python3 - "$dir/tags.json" <<'PY' || fail "-T quick"
import json, sys
t = json.load(open(sys.argv[1]))["table"]
assert set(t) == {"GET fast", "GET cart", "Aggregated"}, sorted(t)
print("ok: -T quick runs", sorted(t))
PY
run exclude -E buy --single-user Tagged -t 1s > /dev/null
python3 - "$dir/exclude.json" <<'PY' || fail "-E buy"
import json, sys
t = json.load(open(sys.argv[1]))["table"]
assert set(t) == {"GET fast", "GET plain", "Aggregated"}, sorted(t)
PY
run both -E quick -T buy --single-user Tagged -t 1s > /dev/null
python3 - "$dir/both.json" <<'PY' || fail "-E quick -T buy"
import json, sys
t = json.load(open(sys.argv[1]))["table"]
assert set(t) == {"GET pay", "Aggregated"}, sorted(t)
PY

# 5. A filter that leaves nothing: a clear error, exit 2, nothing sent.
demo_stats_reset
"$dir/sets" --headless -H "$DEMO_URL" -t 1s -T nosuchtag 2> "$dir/none.err"
code=$?
[ "$code" = 2 ] || fail "-T nosuchtag: exit code $code, expected 2"
grep -q 'error: no task left to run after the tag filter' "$dir/none.err" || fail "-T nosuchtag: no error"
grep -q 'WARNING.*user class Flow has no task left to run' "$dir/none.err" || fail "-T nosuchtag: no warning"
[ "$(json_get "$(demo_stats_json)" total)" = 0 ] || fail "-T nosuchtag: requests were sent"

# 6. --show-task-ratio, as Locust prints it (-u 6: 2 fixed, 3 Flow, 1 Tagged)
"$dir/sets" --show-task-ratio -u 6 -T quick buy > "$dir/ratio.out" 2> "$dir/ratio.err" || fail "--show-task-ratio failed"
cat > "$dir/ratio.want" <<'TXT'

 Task ratio per User class
--------------------------------------------------------------------------------
 100.0      Tagged                                            
   50.0       fast                                            
   50.0       shop                                            
     50.0       cart                                          
     50.0       pay                                           

 Total task ratio
--------------------------------------------------------------------------------
 100.0      Tagged                                            
   50.0       fast                                            
   50.0       shop                                            
     25.0       cart                                          
     25.0       pay                                           
TXT
diff "$dir/ratio.want" "$dir/ratio.out" || fail "--show-task-ratio output"
"$dir/sets" --show-task-ratio-json -u 6 > "$dir/ratio.json" || fail "--show-task-ratio-json failed"
python3 - "$dir/ratio.json" <<'PY' || fail "--show-task-ratio-json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["per_class"]["Weighted"]["ratio"] == 2 / 6, d["per_class"]["Weighted"]
assert d["total"]["Flow"]["tasks"]["flow"]["tasks"]["s2"]["ratio"] == 0.5 * 2 / 5, d["total"]["Flow"]
assert d["per_class"]["Tagged"]["tasks"]["shop"]["tasks"]["pay"]["ratio"] == 0.5
PY
demo_stop || fail "demo server exited with $?"
pass
