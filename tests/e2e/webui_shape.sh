#!/bin/bash
# The web UI with a (shape ...) and an :arrival class, with curl: /config
# says is_shape; POST /swarm without user_count starts the shape (Locust's
# answer "Swarming started using shape class"); the tick's counts show in
# /stats/requests; the arrival class sends its iterations; a second /swarm
# while it runs changes nothing ("Editing is disabled"); /stop stops it; a
# new /swarm starts the shape again from t = 0; a tick that reaches nil
# stops the test and the UI stays up.
. "$(dirname "$0")/lib.sh"
need_cmd curl
dir=$(tmpdir webui_shape)
cat > "$dir/w.crowd" <<'CROWD'
(scenario webshape)
(shape grow
  (tick (when (< run-time 5) [(* 2 (+ 1 (floor run-time))) 20])))
(user Web :wait (constant 50ms) (task home (get "/health")))
(user Open :arrival (constant-rate 20 :max-users 10) (task list (get "/api/products")))
CROWD
"$CROWDC" "$dir/w.crowd" -o "$dir/w" || fail "crowdc failed"
demo_start

port=$(free_port)
UI=http://127.0.0.1:$port
"$dir/w" -H "$DEMO_URL" -P "$port" > "$dir/ui.out" 2> "$dir/ui.err" &
UI_PID=$!
ui_stop() { kill -TERM "$UI_PID" 2>/dev/null; wait "$UI_PID" 2>/dev/null; }
at_exit ui_stop
for ((i = 0; i < 200; i++)); do
  kill -0 "$UI_PID" 2>/dev/null || fail "exited at start: $(cat "$dir/ui.err")"
  curl -s -o /dev/null -m 1 "$UI/" && break
  sleep 0.05
done
stats() { curl -s -m 5 "$UI/stats/requests"; }
# wait_for TEXT SECONDS — until /stats/requests contains TEXT (followed by
# , or } when it ends with a digit)
wait_for() {
  local deadline=$(( $(now_ms) + $2 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    S=$(stats)
    if [[ "$1" == *[0-9] ]]; then
      [[ "$S" == *"$1,"* || "$S" == *"$1}"* ]] && return 0
    else
      [[ "$S" == *"$1"* ]] && return 0
    fi
    sleep 0.1
  done
  fail "no '$1' in /stats/requests within $2 s: $S"
}

S=$(curl -s -m 5 "$UI/config")
[[ "$S" == *'"is_shape":true'* && "$S" == *'"shape":"grow"'* ]] || fail "/config: $S"

S=$(curl -s -m 5 -d "host=$DEMO_URL" "$UI/swarm")
[ "$S" = "{\"success\":true,\"message\":\"Swarming started using shape class\",\"host\":\"$DEMO_URL\"}" ] ||
  fail "/swarm with a shape: $S"
grep -q 'Shape test starting. User count and spawn rate are ignored' "$dir/ui.err" || fail "no start log"
wait_for '"user_count":2' 3
wait_for '"user_count":4' 3
wait_for '"name":"/api/products"' 3   # the arrival class runs too

S=$(curl -s -m 5 -d user_count=50 -d spawn_rate=5 "$UI/swarm")
[[ "$S" == *'"success":true'* ]] || fail "a second /swarm: $S"
grep -q 'There is an ongoing shape test running. Editing is disabled' "$dir/ui.err" || fail "no 'Editing is disabled'"
S=$(stats)
[[ "$S" == *'"user_count":50'* ]] && fail "a /swarm while the shape runs changed the count"

curl -s -m 5 "$UI/stop" > /dev/null
wait_for '"state":"stopped"' 5
# again: the shape from t = 0 (2 users), then its nil at 5 s stops the test
S=$(curl -s -m 5 -d "host=$DEMO_URL" "$UI/swarm")
[[ "$S" == *'"message":"Swarming started using shape class"'* ]] || fail "a new /swarm: $S"
wait_for '"user_count":2' 2
wait_for '"state":"stopped"' 9
grep -q 'Shape grow: the tick gave nil at' "$dir/ui.err" || fail "the nil tick did not stop the test"
kill -0 "$UI_PID" 2>/dev/null || fail "the UI exited after the shape ended"
pass
