#!/bin/bash
# Cookies and redirects, the same on both clients, against the demo
# server's /cookies/set, /cookies and /redirect/{n}: a cookie set is sent
# back, an expired one is not, each user has its own; redirects are
# followed (303, and 302 after a POST, turn into a GET; 307 keeps the POST
# and its body), :redirects false records the 3xx itself.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir)
demo_start

cat > "$dir/cr.crowd" <<'CROWD'
(scenario cr)
(user U
  (on-start
    (let me (str (global-counter)))
    (get "/cookies/set?sid=u{me}&theme=dark" :name "set"))
  (task t
    (get "/cookies" :name "cookies"
      (expect (json "$.cookies.sid" = "u{me}") (json "$.cookies.theme" = "dark")))
    (get "/redirect/3" :name "redirect" (expect (status 200) (json "$.method" = "GET")))
    (post "/redirect/2?status=303" :json {:a 1} :name "see-other" (expect (json "$.method" = "GET")))
    (post "/redirect/1" :json {:a 1} :name "found" (expect (json "$.method" = "GET")))
    (post "/redirect/2?status=307" :json {:a 1} :name "temporary"
      (expect (json "$.method" = "POST") (json "$.body_length" = 7)))
    (get "/redirect/1" :redirects false :name "not-followed" (expect (status 302)))
    (get "/cookies/set?theme" :name "expire")
    (get "/cookies" :name "after" (expect (json "$.cookies.sid" = "u{me}")))
    (get "/cookies" :name "gone" (expect (body :matches "^[^,]*$"))) ; sid alone: no comma
    (get "/cookies/set?theme=dark" :name "again")))
CROWD

for client in http fast; do
  sed "s/(scenario cr)/(scenario cr :client $client)/" "$dir/cr.crowd" > "$dir/cr-$client.crowd"
  "$CROWDC" "$dir/cr-$client.crowd" -o "$dir/cr-$client" || fail "crowdc failed ($client)"
  demo_stats_reset
  timeout 20 "$dir/cr-$client" --headless -u 2 -r 100 --iterations 4 -t 10s -H "$DEMO_URL" 2> "$dir/stderr-$client"
  code=$?
  [ "$code" = 0 ] || { cat "$dir/stderr-$client"; fail "exit code $code ($client)"; }
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr-$client" > "$dir/report-$client.json"
  demo_stats_json > "$dir/server-$client.json"
  python3 - "$dir/report-$client.json" "$dir/server-$client.json" "$client" <<'PY' || fail "check failed ($client)"
import json, sys
rep = json.load(open(sys.argv[1])); routes = json.load(open(sys.argv[2]))["routes"]
t = rep["table"]
assert t["Aggregated"]["fails"] == 0 and not rep["errors"], rep["errors"]
assert t["GET redirect"]["reqs"] == 4 and t["GET not-followed"]["reqs"] == 4, t
# every hop reached the server: 4 x (4 + 3 + 2 + 3 + 1)
assert routes["GET /redirect/{n}"] == 4 * (4 + 2 + 1 + 1), routes
assert routes["POST /redirect/{n}"] == 4 * (1 + 1 + 3), routes
print("ok:", sys.argv[3], "cookies and redirects")
PY
done
demo_stop || fail "demo server exited with $?"
pass
