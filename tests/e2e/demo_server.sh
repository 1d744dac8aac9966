#!/bin/bash
# Smoke test of crowd-demo-server: every route's status and body shape, a
# delay that does not block other requests, exact /stats counts, flag
# errors, and a clean exit on SIGTERM.
. "$top_srcdir/tests/e2e/lib.sh"
need_cmd curl python3

SENT=0 # requests sent since the last stats reset (all count but /stats)

# req METHOD PATH [CURL-ARGS...] — http_req against the demo server, counted.
req() {
  local method=$1 path=$2
  shift 2
  http_req "$method" "$DEMO_URL$path" "$@"
  SENT=$((SENT + 1))
}

# expect CODE JSON-PATH=VALUE... — checks the last response.
expect() {
  local code=$1
  shift
  [ "$HTTP_CODE" = "$code" ] ||
    fail "$LAST: status $HTTP_CODE, expected $code; body: $HTTP_BODY"
  case $code in 204|304) return 0 ;; esac
  case $HTTP_CTYPE in application/json*) ;; *)
    fail "$LAST: Content-Type '$HTTP_CTYPE', expected application/json" ;;
  esac
  [ $# -eq 0 ] || JSON_WHAT=$LAST json_expect "$HTTP_BODY" "$@"
}

# check METHOD PATH CODE [JSON-PATH=VALUE...] [-- CURL-ARGS...]
check() {
  local method=$1 path=$2 code=$3 asserts=() args=()
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do asserts+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  args=("$@")
  LAST="$method $path"
  req "$method" "$path" "${args[@]}"
  expect "$code" "${asserts[@]}"
}

# --- flags -------------------------------------------------------------
"$DEMO_SERVER" --no-such-flag >/dev/null 2>"$TEST_TMPDIR/flag.err"
rc=$?
[ $rc = 2 ] || fail "--no-such-flag: exit $rc, expected 2"
grep -q -- '--no-such-flag' "$TEST_TMPDIR/flag.err" ||
  fail "--no-such-flag: the error does not name the flag: $(cat "$TEST_TMPDIR/flag.err")"
"$DEMO_SERVER" --port 70000 >/dev/null 2>"$TEST_TMPDIR/flag.err"
rc=$?
[ $rc = 2 ] && grep -q -- '--port' "$TEST_TMPDIR/flag.err" ||
  fail "--port 70000: exit $rc: $(cat "$TEST_TMPDIR/flag.err")"
"$DEMO_SERVER" --help | grep -q -- '--port-file' || fail "--help lacks --port-file"

demo_start
grep -q "^crowd-demo-server listening on http://127.0.0.1:$DEMO_PORT\$" \
  "$TEST_TMPDIR/demo-server/stdout" || fail "no readiness line on stdout"

# --- catalogue -----------------------------------------------------------
check GET /health 200 status=ok
check GET /api/products 200 count=100 'items[0].id=1' 'items[0].name=Product 1' \
  'items[99].id=100'
[ "$(json_get "$HTTP_BODY" 'items[0].price')" != "" ] || fail "products lack a price"
check GET '/api/products?limit=5' 200 count=5 'items[4].id=5'
check GET /api/products/42 200 id=42 'name=Product 42'
check GET /api/products/0 404 'error=no such product'
check GET /api/products/101 404 'error=no such product'
check GET /api/products/abc 404
check DELETE /api/products 405

# --- login and orders ---------------------------------------------------
check POST /login 200 token=tok-ada -- -H 'Content-Type: application/json' \
  --data '{"user":"ada","password":"secret"}'
check POST /login 200 'token=tok-grace hopper' -- \
  --data 'user=grace+hopper&password=x%26y'
check POST /login 401 -- --data '{"user":"ada","password":""}'
check POST /login 400 -- --data 'just some text'
check POST /orders 401 -- --data '{"sku":"a","qty":1}'
check POST /orders 401 -- -H 'Authorization: Bearer tok-nobody' --data '{"sku":"a","qty":1}'
check POST /orders 400 -- -H 'Authorization: Bearer tok-ada' --data 'not json'
check POST /orders 201 id=1 sku=a qty=1 status=created -- \
  -H 'Authorization: Bearer tok-ada' --data '{"sku":"a","qty":1}'
check POST /orders 201 id=2 sku=b qty=3 -- \
  -H 'Authorization: Bearer tok-grace hopper' --data '{"sku":"b","qty":3}'
check GET /orders/1 200 id=1 status=created
check GET /orders/999 404
check POST /orders/1/pay 401
check POST /orders/1/pay 200 id=1 status=paid -- -H 'Authorization: Bearer tok-ada'
check POST /orders/1/pay 409 -- -H 'Authorization: Bearer tok-ada'
check POST /orders/999/pay 404 -- -H 'Authorization: Bearer tok-ada'
check GET /orders/1 200 status=paid

# --- status, echo, unknown ----------------------------------------------
check GET /status/201 201 status=201
check GET /status/503 503 status=503
check PUT /status/418 418 status=418
check DELETE /status/204 204
check GET /status/199 400
check GET /status/600 400
check GET /status/abc 400
check PATCH '/echo?a=1&b=two%20words' 200 method=PATCH path=/echo \
  'query=a=1&b=two%20words' 'headers.X-Crowd-Test=yes' 'body=hello "crowd"' \
  body_length=13 -- -H 'X-Crowd-Test: yes' --data-binary 'hello "crowd"'
check GET /no/such/thing 404 'error=not found'
check HEAD /health 200

# --- delay: slow, and not blocking other requests -----------------------
check GET /delay/70000 400
check GET /delay/0 200 delay_ms=0
curl -s -o "$TEST_TMPDIR/delay.body" -w '%{http_code} %{time_total}' \
  -m 10 "$DEMO_URL/delay/200" >"$TEST_TMPDIR/delay.out" &
delay_pid=$!
SENT=$((SENT + 1))
# Let the delayed request reach the server (poll its stats, no fixed sleep).
for ((i = 0; i < 200; i++)); do
  [ "$(json_get "$(demo_stats_json)" 'routes.GET /delay/{ms}' 0)" = 3 ] && break
  sleep 0.01
done
check GET /health 200
fast=$HTTP_TIME
wait $delay_pid || fail "delayed request failed"
read -r dcode dtime <"$TEST_TMPDIR/delay.out"
[ "$dcode" = 200 ] || fail "/delay/200 answered $dcode"
python3 -c "import sys; sys.exit(not ($dtime >= 0.2 and $dtime < 5))" ||
  fail "/delay/200 took ${dtime}s"
python3 -c "import sys; sys.exit(not ($fast < 0.15))" ||
  fail "/health took ${fast}s while a delay was pending"
note "delay/200 took ${dtime}s; a concurrent /health took ${fast}s"

# --- stats ----------------------------------------------------------------
stats=$(demo_stats_json)
total=$(json_get "$stats" total)
[ "$total" = "$SENT" ] || fail "/stats counted $total requests, we sent $SENT: $stats"
demo_stats_reset
[ "$(json_get "$(demo_stats_json)" total)" = 0 ] || fail "/stats/reset did not reset"
SENT=0
for i in 1 2 3; do check GET /health 200; done
check GET /api/products/7 200
check GET /api/products/7 200
check PUT /status/202 202
check GET /nope 404
stats=$(demo_stats_json)
json_expect "$stats" total=7 'routes.GET /health=3' \
  'routes.GET /api/products/{id}=2' 'routes.PUT /status/{code}=1' \
  'routes.GET (other)=1'
[ "$(json_get "$stats" 'routes.POST /login' 0)" = 0 ] ||
  fail "stats: POST /login should be gone after the reset: $stats"

# --- clean stop -----------------------------------------------------------
demo_stop
rc=$?
[ $rc = 0 ] || fail "demo server exited with $rc on SIGTERM"
exit 0
