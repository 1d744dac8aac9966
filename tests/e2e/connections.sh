#!/bin/bash
# One connection per user, on both clients: each of 3 users learns, from
# the demo server's /echo ("client": its address and port as the server
# sees it), which connection carried its first request, then checks that
# every later request goes out on that same connection; the server's log
# of /echo requests shows 3 distinct connections, one per user.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir)
demo_start

cat > "$dir/conns.crowd" <<'CROWD'
(scenario conns)
(user U
  :wait (between 0 40ms)
  (on-start
    (get "/echo" :name "first" (save conn (json "$.client"))))
  (task again
    (get "/echo?c={conn}" :name "again" (expect (json "$.client" = conn)))))
CROWD

for client in http fast; do
  sed "s/(scenario conns)/(scenario conns :client $client)/" "$dir/conns.crowd" > "$dir/c-$client.crowd"
  "$CROWDC" "$dir/c-$client.crowd" -o "$dir/c-$client" || fail "crowdc failed ($client)"
  demo_stats_reset
  # 3 users, 9 iterations in all: 12 requests, within /echoes' last 16
  timeout 20 "$dir/c-$client" --headless -u 3 -r 5 --iterations 9 -t 10s -H "$DEMO_URL" 2> "$dir/stderr-$client"
  code=$?
  [ "$code" = 0 ] || { cat "$dir/stderr-$client"; fail "exit code $code ($client)"; }
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr-$client" > "$dir/report-$client.json"
  curl -s -m 5 "$DEMO_URL/echoes" > "$dir/echoes-$client.json"
  python3 - "$dir/report-$client.json" "$dir/echoes-$client.json" "$client" <<'PY' || fail "check failed ($client)"
import base64, json, sys
rep = json.load(open(sys.argv[1])); echoes = json.load(open(sys.argv[2]))
t = rep["table"]
assert t["Aggregated"]["fails"] == 0 and not rep["errors"], rep["errors"]
assert t["GET first"]["reqs"] == 3 and t["GET again"]["reqs"] == 9, t
targets = [base64.b64decode(e["target"]).decode() for e in echoes][-12:]  # this run's
conns = {x.split("?c=", 1)[1] for x in targets if "?c=" in x}
assert targets.count("/echo") == 3 and len(conns) == 3, (targets, conns)
print("ok:", sys.argv[3], "3 users on 3 connections:", sorted(conns))
PY
done
demo_stop || fail "demo server exited with $?"
pass
