#!/bin/bash
# Feeders, control flow, HTTP conveniences and built-ins end to end, read
# back through the demo server's /echoes (the last 16 /echo requests, in
# order, byte for byte):
#  - unique: 10 rows, 3 users: each row exactly once, then every user stops
#    and the run ends by itself; basic auth from the row's fields;
#  - cycle (and --feeder NAME=PATH): rows in file order, round after round;
#  - if/when/unless on a saved status, repeat N, loop-while's bound, bearer
#    auth, a user's default headers, (env ...) read at run time, log;
#  - sleep: a user's pause in a task while another keeps its pace;
#  - a missing file and a missing column: exit 4 (could not start) before any request.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir)
demo_start

# echoes PREFIX: the /echo requests whose path starts with PREFIX, oldest
# first, as "TARGET<TAB>HEADER-NAME: value|..." lines.
echoes() {
  curl -s -m 5 "$DEMO_URL/echoes" | python3 -c '
import base64, json, sys
d = lambda s: base64.b64decode(s).decode("utf-8", "replace")
for e in json.load(sys.stdin):
    t = d(e["target"])
    if t.startswith(sys.argv[1]):
        print(t + "\t" + "|".join(d(k).lower() + ": " + d(v) for k, v in e["headers"]))
' "$1"
}

# run NAME ARGS...: run the compiled NAME with a bounded time, stderr kept.
run() {
  local name=$1
  shift
  timeout 20 "$dir/$name" --headless -H "$DEMO_URL" "$@" 2> "$dir/$name.stderr"
}

# ---- unique: each row once, then the run ends by itself -----------------------
printf 'id,name\n' > "$dir/rows.csv"
for i in 1 2 3 4 5 6 7 8 9 10; do printf '%s,"user %s, jr"\n' "$i" "$i" >> "$dir/rows.csv"; done
cat > "$dir/unique.crowd" <<'CROWD'
(scenario unique)
(feeder rows (csv "rows.csv") :strategy unique)
(user U
  (task t
    (let r (next rows))
    (get "/echo/u/{r.id}" :auth (basic r.name "pw"))))
CROWD
set_client "$dir/unique.crowd"
"$CROWDC" "$dir/unique.crowd" -o "$dir/unique" || fail "crowdc unique"
t0=$(now_ms)
run unique -u 3 -r 100 -t 15s
code=$?
t1=$(now_ms)
cat "$dir/unique.stderr"
[ "$code" = 0 ] || fail "unique: exit code $code"
[ $((t1 - t0)) -lt 8000 ] || fail "unique: the run did not end when the rows ran out ($((t1 - t0)) ms)"
grep -q "feeder 'rows' (unique) has given all its 10 rows" "$dir/unique.stderr" || fail "unique: no exhaustion message"
grep -q "All users have stopped; the test ends" "$dir/unique.stderr" || fail "unique: no end message"
echoes /echo/u/ > "$dir/unique.echoes"
python3 - "$dir/unique.echoes" <<'PY' || fail "unique: rows check failed"
import base64, sys
lines = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
ids = [t.rsplit("/", 1)[1] for t, _ in lines]
assert sorted(ids, key=int) == [str(i) for i in range(1, 11)], ids   # each row once, none twice
for t, h in lines:
    i = t.rsplit("/", 1)[1]
    want = "authorization: Basic " + base64.b64encode(("user %s, jr:pw" % i).encode()).decode()
    assert want in h.split("|"), (t, h)
print("ok: 10 rows, each once, with basic auth")
PY

# ---- cycle, from the file given with --feeder ---------------------------------
printf 'n\n0\n1\n2\n3\n' > "$dir/other.csv"
cat > "$dir/cycle.crowd" <<'CROWD'
(scenario cycle)
(feeder nums (csv "no-such-file.csv"))
(user U
  :wait (constant 10ms)
  (task t
    (let r (next nums))
    (get "/echo/c/{r.n}")))
CROWD
set_client "$dir/cycle.crowd"
"$CROWDC" "$dir/cycle.crowd" -o "$dir/cycle" || fail "crowdc cycle"
run cycle -u 1 -r 1 -t 1s --feeder "nums=$dir/other.csv" || fail "cycle: exit code $?"
echoes /echo/c/ | cut -f1 > "$dir/cycle.echoes"
python3 - "$dir/cycle.echoes" <<'PY' || fail "cycle: order check failed"
import sys
n = [int(l.strip().rsplit("/", 1)[1]) for l in open(sys.argv[1])]
assert len(n) >= 12, n
assert all(b == (a + 1) % 4 for a, b in zip(n, n[1:])), n   # in order, round after round
print("ok: cycle in order over", len(n), "requests")
PY
# a missing file, a missing column: exit 4, nothing sent
demo_stats_reset
run cycle -u 1 -r 1 -t 1s
[ $? = 4 ] || fail "missing file: exit code not 4"
grep -q "crowd: error: feeder 'nums' (.*cycle.crowd:2:1): cannot read .*/no-such-file.csv: No such file or directory (give another file with --feeder nums=PATH)" \
  "$dir/cycle.stderr" || { cat "$dir/cycle.stderr"; fail "missing file: message"; }
printf 'm\n1\n' > "$dir/nocol.csv"
run cycle -u 1 -r 1 -t 1s --feeder "nums=$dir/nocol.csv"
[ $? = 4 ] || fail "missing column: exit code not 4"
grep -q "crowd: error: feeder 'nums': .*nocol.csv has no column 'n' (its columns: m)" "$dir/cycle.stderr" ||
  { cat "$dir/cycle.stderr"; fail "missing column: message"; }
[ "$(json_get "$(demo_stats_json)" total)" = 0 ] || fail "requests were sent despite a bad feeder"

# ---- branches, loops, auth, default headers, env --------------------------------
printf 'x\n1\n' > "$dir/once.csv"
cat > "$dir/flow.crowd" <<'CROWD'
(scenario flow)
(feeder once (csv "once.csv") :strategy unique)
(user U
  :headers {"X-Default" "d" "X-Code" "c{code}"}
  (task t
    (let o (next once))
    (get "/echo/f/start" (save code (status)))
    (if (= code 200) (get "/echo/f/yes") (get "/echo/f/no"))
    (when (!= code 200) (get "/echo/f/never"))
    (unless (!= code 200) (get "/echo/f/unless" :headers {"X-Default" "mine"}))
    (repeat 3 (get "/echo/f/r"))
    (loop-while (< (counter) 3) :max 10 (get "/echo/f/w"))
    (loop-while true :max 2 (get "/echo/f/bound"))
    (let e (env "CROWD_E2E_VALUE" "unset"))
    (get "/echo/f/env" :headers {"X-Env" e} :auth (bearer "t-{code}"))
    (log (format "flow done: %d" code) :level warning)))
CROWD
set_client "$dir/flow.crowd"
CROWD_E2E_VALUE=at-compile-time "$CROWDC" "$dir/flow.crowd" -o "$dir/flow" || fail "crowdc flow"
CROWD_E2E_VALUE=at-run-time run flow -u 1 -r 1 -t 10s || fail "flow: exit code $?"
grep -q "WARNING/crowd.scenario: U: flow done: 200" "$dir/flow.stderr" || { cat "$dir/flow.stderr"; fail "flow: no log line"; }
echoes /echo/f/ > "$dir/flow.echoes"
python3 - "$dir/flow.echoes" <<'PY' || fail "flow: check failed"
import sys
lines = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
paths = [t[len("/echo/f/"):] for t, _ in lines]
assert paths == ["start", "yes", "unless", "r", "r", "r", "w", "w", "bound", "bound", "env"], paths
h = {p: dict(x.split(": ", 1) for x in hs.split("|")) for p, (_, hs) in zip(paths, lines)}
assert h["start"]["x-default"] == "d" and "x-code" not in h["start"], h["start"]   # code not saved yet
assert h["yes"]["x-code"] == "c200", h["yes"]
assert h["unless"]["x-default"] == "mine", h["unless"]                           # the request's own wins
assert h["env"]["x-env"] == "at-run-time", h["env"]
assert h["env"]["authorization"] == "Bearer t-200", h["env"]
print("ok:", " ".join(paths))
PY

# ---- sleep: a pause inside a task, on the user's timer --------------------------
printf 'k\n1\n2\n3\n4\n5\n6\n7\n8\n' > "$dir/ticks.csv"
cat > "$dir/sleep.crowd" <<'CROWD'
(scenario sleeping)
(feeder ticks (csv "ticks.csv") :strategy unique)
(feeder once (csv "once.csv") :strategy unique)
(user Sleeper
  (task t
    (let o (next once))
    (get "/echo/s/a")
    (sleep 300ms)
    (get "/echo/s/b")))
(user Ticker
  :wait (constant 50ms)
  (task t
    (let k (next ticks))
    (get "/echo/s/tick{k.k}")))
CROWD
set_client "$dir/sleep.crowd"
"$CROWDC" "$dir/sleep.crowd" -o "$dir/sleep" || fail "crowdc sleep"
run sleep -u 2 -r 100 -t 10s || fail "sleep: exit code $?"
echoes /echo/s/ | cut -f1 > "$dir/sleep.echoes"
python3 - "$dir/sleep.echoes" <<'PY' || fail "sleep: order check failed"
import sys
t = [l.strip()[len("/echo/s/"):] for l in open(sys.argv[1])]
assert sorted(t) == sorted(["a", "b"] + ["tick%d" % i for i in range(1, 9)]), t
between = t.index("b") - t.index("a") - 1
# 300 ms at one tick per 50 ms: about 6 ticks between a and b; the other
# user went on while this one slept
assert between >= 3, t
print("ok:", between, "ticks during the sleep:", " ".join(t))
PY
demo_stop || fail "demo server exited with $?"
pass
