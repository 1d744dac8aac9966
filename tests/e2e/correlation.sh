#!/bin/bash
# Response blocks end to end: a buyer logs in once (on-start), saves the
# token, orders and saves the order's id, pays it, and says goodbye in
# on-stop — zero failures, and the server's counters agree with ours.  Then
# failed expectations and a failed save show up in the error report with
# their messages, and the exit code is 1.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir)
demo_start

cat > "$dir/flow.crowd" <<'CROWD'
(scenario flow)
(user Buyer
  :wait (constant 20ms)
  (on-start
    (let name (pick "ada" "grace" "linus"))
    (post "/login" :json {:user name :password "secret"} :name "login"
      (expect (status 200) (json "$.token" = "tok-{name}") (header "Content-Type" :contains "json"))
      (save token (json "$.token"))))
  (task buy
    (post "/orders" :headers {"Authorization" "Bearer {token}"} :json {:sku "a" :qty 2} :name "order"
      (expect (status 201) (json "$.qty" = 2) (header "Location" :exists))
      (save order (json "$.id")))
    (post "/orders/{order}/pay" :headers {"Authorization" "Bearer {token}"} :name "pay"
      (expect (status 200) (json "$.id" = order) (json "$.status" = "paid")))
    (get "/orders/{order}" :name "check"
      (expect (json "$.status" = "paid") (body :matches "\"id\": *[0-9]+"))))
  (on-stop
    (get "/health" :name "bye" (expect (status 200)))))
CROWD
set_client "$dir/flow.crowd"
"$CROWDC" "$dir/flow.crowd" -o "$dir/flow" || fail "crowdc failed"

# run USERS EXTRA-FLAGS...: one run, its report checked against the server's.
run() {
  local users=$1
  shift
  demo_stats_reset
  "$dir/flow" --headless -u "$users" -r "$users" -t 2s -H "$DEMO_URL" "$@" 2> "$dir/stderr"
  local code=$?
  cat "$dir/stderr"
  [ "$code" = 0 ] || fail "exit code $code, expected 0 ($*)"
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr" > "$dir/report.json"
  demo_stats_json > "$dir/server.json"
  python3 - "$dir/report.json" "$dir/server.json" "$users" <<'PY' || fail "report check failed ($*)"
import json, sys
rep = json.load(open(sys.argv[1])); srv = json.load(open(sys.argv[2])); users = int(sys.argv[3])
t, routes = rep["table"], srv["routes"]
assert t["Aggregated"]["fails"] == 0 and not rep["errors"], rep["errors"]
# on-start once per user, on-stop once per user
assert t["POST login"]["reqs"] == users == routes["POST /login"], (t["POST login"], routes)
assert t["GET bye"]["reqs"] == users == routes["GET /health"], (t["GET bye"], routes)
order, pay, check = t["POST order"]["reqs"], t["POST pay"]["reqs"], t["GET check"]["reqs"]
assert order > 10 * users, order
# each task is order, pay, check in turn: cut at the end, at most one step per user
assert 0 <= order - pay <= users and 0 <= pay - check <= users, (order, pay, check)
assert order <= routes["POST /orders"] <= order + users, (order, routes)
assert pay <= routes["POST /orders/{id}/pay"] <= pay + users, (pay, routes)
assert check <= routes["GET /orders/{id}"] <= check + users, (check, routes)
print("ok:", order, "orders,", pay, "paid,", users, "logins and goodbyes")
PY
}
run 5
run 3 --stop-timeout 1

# Failed expectations and a failed save: messages in the error report.
cat > "$dir/bad.crowd" <<'CROWD'
(scenario bad)
(user U
  :wait (constant 50ms)
  (task t
    (get "/status/404" :name "want200" (expect (status 200)))
    (get "/status/404" :name "want404" (expect (status 404)))
    (get "/api/products" :name "count" (expect (json "$.count" = 99) (json "$.items" :exists)))
    (get "/health" :name "save" (save x (json "$.missing")))
    (get "/health" :name "after")))
CROWD
set_client "$dir/bad.crowd"
"$CROWDC" "$dir/bad.crowd" -o "$dir/bad" || fail "crowdc failed"
"$dir/bad" --headless -u 2 -r 2 -t 1s -H "$DEMO_URL" 2> "$dir/stderr"
code=$?
cat "$dir/stderr"
[ "$code" = 1 ] || fail "exit code $code, expected 1"
python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr" > "$dir/report.json"
python3 - "$dir/report.json" <<'PY' || fail "error report check failed"
import json, sys
rep = json.load(open(sys.argv[1])); t = rep["table"]
errs = {e["error"]: e["occurrences"] for e in rep["errors"]}
want = {"GET want200: expected status 200, got 404": t["GET want200"]["reqs"],
        "GET count: expected $.count = 99, got 100": t["GET count"]["reqs"],
        "GET save: cannot save x: nothing at $.missing": t["GET save"]["reqs"]}
assert errs == want, errs
for k in ("GET want200", "GET count", "GET save"):
    assert t[k]["reqs"] > 0 and t[k]["fails"] == t[k]["reqs"], (k, t[k])
assert t["GET want404"]["fails"] == 0, t["GET want404"]
# a failed save stops the task: what follows it never runs
assert "GET after" not in t, t["GET after"]
PY

# Conditions in a response block: a 404 made a success, a failure with an
# interpolated message, a check that never runs; the Checks block and
# --report-json count each check (also across --processes).
cat > "$dir/branch.crowd" <<'CROWD'
(scenario branch)
(user U
  :wait (constant 20ms)
  (task t
    (get "/status/404" :name "gone-ok"
      (save st (status))
      (when (= st 404) (success))
      (unless (= st 404) (failure "not 404")))
    (get "/api/products/7" :name "seven"
      (save id (json "$.id"))
      (if (= id 7) (failure "bad {id}") (success)))
    (get "/api/products/8" :name "eight"
      (save st (status))
      (expect (status 200) (json "$.items" :exists))
      (when (= st 999) (expect (body :contains "never"))))))
CROWD
set_client "$dir/branch.crowd"
"$CROWDC" "$dir/branch.crowd" -o "$dir/branch" || fail "crowdc failed on branch.crowd"
for procs in 1 2; do
  "$dir/branch" --headless -u 2 -r 2 -t 1s -H "$DEMO_URL" --processes $procs \
    --report-json "$dir/branch.json" > "$dir/stdout" 2> "$dir/stderr"
  code=$?
  cat "$dir/stderr" "$dir/stdout"
  [ "$code" = 1 ] || fail "branch: exit code $code, expected 1"
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr" > "$dir/report.json"
  python3 - "$dir/report.json" "$dir/branch.json" "$dir/stderr" "$dir/stdout" <<'PY' || fail "branch: check failed"
import json, sys
rep = json.load(open(sys.argv[1])); t = rep["table"]
errs = {e["error"]: e["occurrences"] for e in rep["errors"]}
assert t["GET gone-ok"]["reqs"] > 0 and t["GET gone-ok"]["fails"] == 0, t["GET gone-ok"]
seven, eight = t["GET seven"]["reqs"], t["GET eight"]["reqs"]
assert t["GET seven"]["fails"] == seven > 0, t["GET seven"]
assert errs == {"GET seven: bad 7": seven, "GET eight: expected $.items to exist": eight}, errs
checks = {c["check"]: (c["passes"], c["fails"]) for c in json.load(open(sys.argv[2]))["checks"]}
assert checks == {"status 200": (eight, 0), "json $.items :exists": (0, eight),
                  "body :contains never": (0, 0)}, (checks, eight)
text = open(sys.argv[3]).read() + open(sys.argv[4]).read()
assert "Checks: 2 passed, 1 failed" in text, text
assert "  PASS status 200\n" in text, text
assert "  FAIL json $.items :exists  -- %d of %d failed (100.00%%)" % (eight, eight) in text, text
assert "  ---- body :contains never  (never evaluated)" in text, text
PY
done

# The realistic example: three user classes, checks and saves, no failure.
cp "$top_srcdir/examples/shop.crowd" "$dir/shop.crowd"
set_client "$dir/shop.crowd"
"$CROWDC" "$dir/shop.crowd" -o "$dir/shop" || fail "crowdc failed on examples/shop.crowd"
"$dir/shop" --headless -u 40 -r 40 -t 2s -H "$DEMO_URL" --only-summary 2> "$dir/stderr"
code=$?
cat "$dir/stderr"
[ "$code" = 0 ] || fail "examples/shop.crowd: exit code $code, expected 0"
python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr" > "$dir/report.json"
python3 - "$dir/report.json" <<'PY' || fail "examples/shop.crowd: report check failed"
import json, sys
t = json.load(open(sys.argv[1]))["table"]
for k in ("POST /login", "POST /orders", "GET /api/products", "GET /health (goodbye)"):
    assert t.get(k, {}).get("reqs", 0) > 0, (k, sorted(t))
assert t["POST /login"]["reqs"] == t["GET /health (goodbye)"]["reqs"], t
PY
pass
