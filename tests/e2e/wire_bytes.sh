#!/bin/bash
# Generated code is safe and exact: a scenario with adversarial strings in
# every place one can go (host, paths, names, header names and values,
# query keys and values, JSON keys and values, form fields; literal and
# interpolated; up to 100 KB) compiles to C that passes -Werror, and one
# iteration of it sends exactly the bytes the scenario means, as the demo
# server's GET /echoes records them (tests/e2e/wire_bytes.py has the
# expected bytes; doc/language.md, "What goes on the wire", the rules).
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir wire_bytes)
demo_start
python3 "$top_srcdir/tests/e2e/wire_bytes.py" gen "$DEMO_URL" "$dir/wire.crowd" ||
  fail "cannot generate the scenario"

"$CROWDC" --emit-c "$dir/wire.crowd" -o "$dir/wire.c" || fail "crowdc --emit-c failed"
${CC:-cc} -std=c11 -fsyntax-only -Wall -Wextra -Werror -Wtrigraphs \
  -I"$top_srcdir/runtime/include" -I"$top_srcdir/stdlib" "$dir/wire.c" ||
  fail "the generated C does not compile with -Werror"
"$CROWDC" "$dir/wire.crowd" -o "$dir/wire" || fail "crowdc failed"

# One user, one iteration: the task runs once, then the user waits 60 s.
"$dir/wire" --headless -u 1 -r 1 -t 2s 2> "$dir/stderr"
code=$?
[ "$code" = 0 ] || { cat "$dir/stderr"; fail "exit code $code, expected 0"; }
curl -s -m 10 "$DEMO_URL/echoes" > "$dir/echoes.json" || fail "cannot read /echoes"
python3 "$top_srcdir/tests/e2e/wire_bytes.py" check "$dir/echoes.json" || fail "bytes differ"

# Nothing else reached the server: the 7 requests, all to /echo.
json_expect "$(demo_stats_json)" total=7
pass
