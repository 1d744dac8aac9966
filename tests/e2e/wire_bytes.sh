#!/bin/bash
# Generated code is safe and exact: a scenario with adversarial strings in
# every place one can go (host, paths, names, header names and values,
# query keys and values, JSON keys and values, form fields; literal and
# interpolated; up to 100 KB) compiles to C that passes -Werror, and one
# iteration of it sends exactly the bytes the scenario means, as the demo
# server's GET /echoes records them (tests/e2e/wire_bytes.py has the
# expected bytes; doc/language.md, "What goes on the wire", the rules).
# The scenario sits in a directory with a nasty name and reads a feeder from
# a CSV file with a nasty name (found), and its (log ...) lines show the
# nasty strings as meant, control bytes escaped.  Both clients, http and fast.
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir wire_bytes)
demo_start
sdir=$(python3 "$top_srcdir/tests/e2e/wire_bytes.py" dir "$dir") || fail "cannot make the nasty directory"
total=0
for client in http fast; do
  python3 "$top_srcdir/tests/e2e/wire_bytes.py" gen "$DEMO_URL" "$sdir/$client.crowd" "$client" ||
    fail "cannot generate the scenario"
  "$CROWDC" --emit-c "$sdir/$client.crowd" -o "$dir/$client.c" ||
    fail ":client $client: crowdc --emit-c failed"
  ${CC:-cc} -std=c11 -fsyntax-only -Wall -Wextra -Werror -Wtrigraphs \
    -I"$top_srcdir/runtime/include" -I"$top_srcdir/stdlib" "$dir/$client.c" ||
    fail ":client $client: the generated C does not compile with -Werror"
  "$CROWDC" "$sdir/$client.crowd" -o "$dir/$client" || fail ":client $client: crowdc failed"

  # One user, one iteration: the task runs once, then the user waits 60 s.
  "$dir/$client" --headless -u 1 -r 1 -t 2s 2> "$dir/$client.stderr"
  code=$?
  [ "$code" = 0 ] || { cat "$dir/$client.stderr"; fail ":client $client: exit code $code, expected 0"; }
  curl -s -m 10 "$DEMO_URL/echoes" > "$dir/$client.echoes.json" || fail "cannot read /echoes"
  out=$(python3 "$top_srcdir/tests/e2e/wire_bytes.py" check "$dir/$client.echoes.json") ||
    { echo "$out"; fail ":client $client: bytes differ"; }
  note ":client $client: $out"
  out=$(python3 "$top_srcdir/tests/e2e/wire_bytes.py" log "$dir/$client.stderr") ||
    { echo "$out"; fail ":client $client: log lines differ"; }
  note ":client $client: $out"
  # Nothing else reached the server: the 7 requests, all to /echo.
  total=$((total + 7))
  json_expect "$(demo_stats_json)" total=$total
done
pass
