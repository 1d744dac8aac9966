#!/bin/bash
# Cookies stay per user when the `http` client lends its easy handles from
# a pool (one per request in flight): users that wait between requests take
# turns on the same handle, yet each sends only the cookie the demo server
# set for it, and a :cookies false user sends none (the same on `fast`).
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir)
demo_start

cat > "$dir/cl.crowd" <<'CROWD'
(scenario cl)
(user Jar :fixed-count 3 :wait (constant 0.03)
  (on-start
    (let me (str (global-counter)))
    (get "/cookies/set?sid=u{me}" :name "set"))
  (task t
    (get "/cookies" :name "mine" (expect (json "$.cookies.sid" = "u{me}") (body :matches "^[^,]*$")))))
(user NoJar :fixed-count 2 :wait (constant 0.03) :cookies false
  (task t
    (get "/cookies/set?sid=none" :name "set-none")
    (get "/cookies" :name "none" ; {"cookies":{}}: one colon
      (expect (body :matches "^[^:]*:[^:]*$")))))
CROWD

for client in http fast; do
  sed "s/(scenario cl)/(scenario cl :client $client)/" "$dir/cl.crowd" > "$dir/cl-$client.crowd"
  "$CROWDC" "$dir/cl-$client.crowd" -o "$dir/cl-$client" || fail "crowdc failed ($client)"
  timeout 20 "$dir/cl-$client" --headless -u 5 -r 100 -t 2s -H "$DEMO_URL" 2> "$dir/stderr-$client"
  code=$?
  [ "$code" = 0 ] || { cat "$dir/stderr-$client"; fail "exit code $code ($client)"; }
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr-$client" > "$dir/report-$client.json"
  python3 - "$dir/report-$client.json" "$client" <<'PY' || { cat "$dir/stderr-$client"; fail "check failed ($client)"; }
import json, sys
rep = json.load(open(sys.argv[1]))
t = rep["table"]
assert t["Aggregated"]["fails"] == 0 and not rep["errors"], rep["errors"]
assert t["GET mine"]["reqs"] >= 10 and t["GET none"]["reqs"] >= 5, t
print("ok:", sys.argv[2], "cookies per user")
PY
done
demo_stop || fail "demo server exited with $?"
pass
