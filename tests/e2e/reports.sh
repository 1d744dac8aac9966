#!/bin/bash
# Nothing lost: every report (console, --csv, --json, --json-file,
# --report-json, --html) is complete after every way a run ends.  STOPS is
# the table of stop paths (one row each, run in parallel, each against its
# own demo server); reports_check.py holds the table of reports.  A new
# stop rule is a row here, a new report an entry there.
. "$(dirname "$0")/lib.sh"
need_cmd python3 curl
dir=$TEST_TMPDIR

# main: fast and failing requests, a name that needs quoting/escaping,
# one with a newline and a byte that is not UTF-8
cat > "$dir/main.crowd" <<'CROWD'
(scenario reports-main)
(user U :wait (constant 20ms)
  (task a (get "/health"))
  (task b (get "/status/500" :name "we,ird \"name\" <script>alert(1)</script>"))
  (task c (get "/delay/10" :name "two\nlines \xff")))
CROWD
# slow: users stay inside a task, so the first signal waits (-s 30) and a
# second one has to cut them off
cat > "$dir/slow.crowd" <<'CROWD'
(scenario reports-slow)
(user U :wait (constant 10ms)
  (task t (get "/health") (get "/delay/3000" :name "slow")))
CROWD
# err: a task that fails at run time; the users go on
cat > "$dir/err.crowd" <<'CROWD'
(scenario reports-err)
(user U :wait (constant 20ms)
  (task a (get "/health"))
  (task e (let lo 5) (let hi 1) (let x (random-int lo hi)) (get "/health" :name "never")))
CROWD
for s in main slow err; do
  "$CROWDC" "$dir/$s.crowd" -o "$dir/$s" || fail "crowdc $s.crowd failed"
done

# name       scenario  options             signals     exit  checker flags
STOPS=(
  "runtime    main      -t2                 -           1     -"
  "sigint     main      -t60                INT         1     full-history"
  "sigterm    main      -t60                TERM        1     -"
  "twosignals slow      -t60_-s30           TERM,INT    0     -"
  "taskerror  err       -t2                 -           1     exceptions,full-history"
)
USERS=4

# start_server NAME: a demo server of its own; sets URL
start_server() {
  local sd=$dir/$1 pid
  mkdir -p "$sd"
  "$DEMO_SERVER" --port 0 --port-file "$sd/port" --quiet >"$sd/server.out" 2>&1 &
  pid=$!
  at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
  for _ in $(seq 200); do
    [ -s "$sd/port" ] && URL=http://127.0.0.1:$(cat "$sd/port") &&
      [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$URL/health")" = 200 ] && break
    sleep 0.05
  done
  curl -s -o /dev/null -m 5 -X POST "$URL/stats/reset" || fail "$1: demo server not ready"
}

# run_row ROW: runs one stop path, then checks every report; prints FAIL lines
run_row() {
  local name scen opts sigs want flags
  read -r name scen opts sigs want flags <<<"$1"
  local rd=$dir/$name
  start_server "$name"
  local full=()
  [[ $flags == *full-history* ]] && full=(--csv-full-history)
  # shellcheck disable=SC2086
  "$dir/$scen" --headless -u $USERS -r 20 ${opts//_/ } -H "$URL" "${full[@]}" \
    --csv "$rd/p" --json-file "$rd/j" --report-json "$rd/full.json" --html "$rd/r.html" --json \
    >"$rd/stdout" 2>"$rd/stderr" &
  local pid=$! s
  if [ "$sigs" != - ]; then
    # wait until the history CSV shows requests, then signal
    for _ in $(seq 100); do
      [ "$(tail -n1 "$rd/p_stats_history.csv" 2>/dev/null | cut -d, -f18)" -gt 0 ] 2>/dev/null && break
      sleep 0.05
    done
    for s in ${sigs//,/ }; do
      kill -"$s" "$pid"
      sleep 0.3
    done
  fi
  wait "$pid"
  local code=$?
  [ "$code" = "$want" ] || { echo "FAIL $name: exit code $code, expected $want"; return; }
  local total
  total=$(curl -s -m 5 "$URL/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  python3 "$top_srcdir/tests/e2e/reports_check.py" "$rd" "$code" "$USERS" "$total" ${flags//,/ } 2>&1 |
    sed "s/^/FAIL $name: /"
}

for row in "${STOPS[@]}"; do
  run_row "$row" >"$dir/result.${row%% *}" &
done
wait
failed=0
for row in "${STOPS[@]}"; do
  if [ -s "$dir/result.${row%% *}" ]; then
    cat "$dir/result.${row%% *}" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || fail "some reports are incomplete (files kept in $dir)"

# Start-up: an unwritable report path, or --csv-full-history alone, is a
# usage error (exit 2, naming the flag and the path) before any request.
start_server startup
touch "$dir/afile"
while IFS='|' read -r args want; do
  # shellcheck disable=SC2086
  "$dir/main" --headless -u 1 -t 5 -H "$URL" $args >"$dir/out" 2>"$dir/err"
  code=$?
  [ "$code" = 2 ] || fail "$args: exit code $code, expected 2"
  grep -qF -- "$want" "$dir/err" || fail "$args: no '$want' in: $(cat "$dir/err")"
done <<EOF
--csv $dir/afile/p|argument --csv: cannot write '$dir/afile/p_stats.csv'
--html $dir/afile/r.html|argument --html: cannot write '$dir/afile/r.html'
--json-file /proc/nope/j|argument --json-file: cannot write '/proc/nope/j.json'
--report-json $dir|argument --report-json: cannot write '$dir': Is a directory
--csv-full-history|argument --csv-full-history: requires --csv
EOF
[ "$(curl -s -m 5 "$URL/stats")" = '{"total":0,"routes":{}}' ] ||
  fail "requests were sent despite a bad report path: $(curl -s "$URL/stats")"
pass
