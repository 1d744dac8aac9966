#!/bin/bash
# Requests answered with HTTP 500 are failures, shown in the error report,
# and make the exit code 1 (or --exit-code-on-error's value).
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir)
demo_start
cat > "$dir/fail.crowd" <<'CROWD'
(scenario failing)
(user Client
  :wait (constant 50ms)
  (task ok (get "/health"))
  (task broken (get "/status/500")))
CROWD
set_client "$dir/fail.crowd"
"$CROWDC" "$dir/fail.crowd" -o "$dir/fail" || fail "crowdc failed"

"$dir/fail" --headless -u 5 -r 5 -t 2s -H "$DEMO_URL" 2> "$dir/stderr"
code=$?
cat "$dir/stderr"
[ "$code" = 1 ] || fail "exit code $code, expected 1"
python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr" > "$dir/report.json"
python3 - "$dir/report.json" <<'PY' || fail "report check failed"
import json, sys
rep = json.load(open(sys.argv[1])); t = rep["table"]
bad, good = t["GET /status/500"], t["GET /health"]
assert bad["reqs"] > 0 and bad["fails"] == bad["reqs"], bad
assert good["reqs"] > 0 and good["fails"] == 0, good
assert t["Aggregated"]["fails"] == bad["fails"]
errs = {e["error"]: e["occurrences"] for e in rep["errors"]}
assert errs == {"GET /status/500: HTTP 500": bad["fails"]}, errs
PY

"$dir/fail" --headless -u 2 -r 2 -t 1s -H "$DEMO_URL" --exit-code-on-error 3 2>/dev/null
code=$?
[ "$code" = 3 ] || fail "--exit-code-on-error 3 gave exit code $code"
pass
