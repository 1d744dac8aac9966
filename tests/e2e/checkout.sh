#!/bin/bash
# The first end-to-end slice: compile examples/checkout.crowd, run it against
# the demo server, and check the numbers it reports against the server's own.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir)
demo_start

# a copy, to run it on $CROWD_TEST_CLIENT (checkout-fast.sh)
cp "$top_srcdir/examples/checkout.crowd" "$dir/checkout.crowd" && set_client "$dir/checkout.crowd"
"$CROWDC" "$dir/checkout.crowd" -o "$dir/checkout" || fail "crowdc failed"
[ -x "$dir/checkout" ] || fail "no executable produced"

"$dir/checkout" --headless -u 20 -r 20 -t 4s -H "$DEMO_URL" 2> "$dir/stderr" >"$dir/stdout"
code=$?
cat "$dir/stderr"
[ "$code" = 0 ] || fail "exit code $code, expected 0 (no request should fail)"

python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr" > "$dir/report.json"
demo_stats_json > "$dir/server.json"
python3 - "$dir/report.json" "$dir/server.json" <<'PY' || fail "report check failed"
import json, sys
rep = json.load(open(sys.argv[1])); srv = json.load(open(sys.argv[2]))
t = rep["table"]
assert rep["tables"] >= 2, f"expected periodic tables and a final one, got {rep['tables']}"
for k in ("GET products", "GET /api/products/[id]", "POST login", "POST /orders"):
    assert k in t, f"entry {k!r} missing from the final table: {sorted(t)}"
    assert t[k]["reqs"] > 0 and t[k]["fails"] == 0, (k, t[k])
agg = t["Aggregated"]
assert agg["reqs"] == sum(v["reqs"] for k, v in t.items() if k != "Aggregated"), agg
assert agg["fails"] == 0 and not rep["errors"], rep["errors"]
# Every recorded request reached the server; requests cut off at the end of
# the run may have reached it without being recorded (at most one per user).
served = srv["total"]
assert agg["reqs"] <= served <= agg["reqs"] + 20, (agg["reqs"], served)
routes = srv["routes"]
assert t["GET products"]["reqs"] <= routes["GET /api/products"] <= t["GET products"]["reqs"] + 20
# Browser users list products three times as often as they view one.
ratio = t["GET products"]["reqs"] / t["GET /api/products/[id]"]["reqs"]
assert 1.5 < ratio < 6, ratio
p = rep["percentiles"]["Aggregated"]
assert p["50%"] <= p["90%"] <= p["99%"] <= p["100%"] <= agg["max"] + 1e-9, p
assert p["# reqs"] == agg["reqs"]
print("ok:", agg["reqs"], "requests,", served, "served")
PY
grep -q 'Shutting down (exit code 0)' "$dir/stderr" || fail "no shutdown line"
pass
