#!/bin/bash
# Nothing listens on the target port: every request fails with a connection
# error, counted and reported, and the run ends normally (exit 1, no crash).
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir)
port=$(free_port)
cat > "$dir/down.crowd" <<CROWD
(scenario down :host "http://127.0.0.1:$port")
(user Client
  :wait (constant 100ms)
  (task home (get "/" :name "home")))
CROWD
set_client "$dir/down.crowd"
"$CROWDC" "$dir/down.crowd" -o "$dir/down" || fail "crowdc failed"
"$dir/down" --headless -u 3 -r 3 -t 2s 2> "$dir/stderr"
code=$?
cat "$dir/stderr"
[ "$code" = 1 ] || fail "exit code $code, expected 1"
python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr" > "$dir/report.json"
python3 - "$dir/report.json" <<'PY' || fail "report check failed"
import json, sys
rep = json.load(open(sys.argv[1])); home = rep["table"]["GET home"]
assert home["reqs"] >= 3 and home["fails"] == home["reqs"], home
assert len(rep["errors"]) == 1 and "Connection refused" in rep["errors"][0]["error"], rep["errors"]
assert rep["errors"][0]["occurrences"] == home["fails"]
PY
pass
