#!/bin/bash
# SIGINT and SIGTERM stop a run gracefully, and the final report is printed.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir signals)
demo_start
cat > "$dir/s.crowd" <<'CROWD'
(scenario s)
(user U :wait (constant 10ms) (task t (get "/health")))
CROWD
"$CROWDC" "$dir/s.crowd" -o "$dir/s" || fail "crowdc failed"
for sig in INT TERM; do
  "$dir/s" --headless -u 5 -r 50 -t 60s -H "$DEMO_URL" 2> "$dir/stderr.$sig" &
  pid=$!
  # wait until the first periodic table shows requests, then signal
  for _ in $(seq 100); do grep -q '^GET ' "$dir/stderr.$sig" && break; sleep 0.05; done
  kill -"$sig" "$pid"
  wait "$pid"; code=$?
  [ "$code" = 0 ] || fail "SIG$sig: exit code $code, expected 0"
  grep -q 'Response time percentiles' "$dir/stderr.$sig" || fail "SIG$sig: no final report"
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr.$sig" > "$dir/report.json"
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["table"]; assert t["GET /health"]["reqs"] > 0, t' \
    "$dir/report.json" || fail "SIG$sig: no requests in the final table"
done
pass
