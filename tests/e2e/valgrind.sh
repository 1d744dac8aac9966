#!/bin/bash
# One end-to-end run under valgrind memcheck: examples/checkout.crowd against
# the demo server, then a second run stopped by SIGINT.  Any memory error or
# definite leak fails the test (--error-exitcode).  Skipped without valgrind
# and in sanitizer builds (their executables cannot run under valgrind).
. "$(dirname "$0")/lib.sh"
need_cmd valgrind
dir=$(tmpdir valgrind)
"$CROWDC" -v "$top_srcdir/examples/checkout.crowd" -o "$dir/checkout" 2> "$dir/cc" ||
  { cat "$dir/cc"; fail "crowdc failed"; }
grep -q -- '-fsanitize' "$dir/cc" && skip "a sanitizer build: its executables do not run under valgrind"
demo_start

vg=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite --errors-for-leak-kinds=definite
    --track-fds=no --num-callers=30)

# 1. A run that ends at -t.
"${vg[@]}" --log-file="$dir/vg1.log" \
  "$dir/checkout" --headless -u 5 -r 5 -t 4s -H "$DEMO_URL" 2> "$dir/run1.err"
code=$?
[ "$code" = 99 ] && { cat "$dir/vg1.log"; fail "memcheck found errors or definite leaks (run to -t)"; }
[ "$code" = 0 ] || { cat "$dir/run1.err" "$dir/vg1.log"; fail "exit code $code, expected 0"; }
grep -q "ERROR SUMMARY: 0 errors" "$dir/vg1.log" || { cat "$dir/vg1.log"; fail "memcheck errors"; }
grep -q "Aggregated" "$dir/run1.err" || fail "no final report"
note "run to -t: $(grep -E 'definitely lost|in use at exit|ERROR SUMMARY' "$dir/vg1.log" | sed 's/^==[0-9]*== *//' | tr '\n' ' ')"

# 2. A run stopped by SIGINT in the middle.
"${vg[@]}" --log-file="$dir/vg2.log" \
  "$dir/checkout" --headless -u 5 -r 5 -t 60s -H "$DEMO_URL" 2> "$dir/run2.err" &
pid=$!
at_exit "kill -KILL $pid 2>/dev/null"
# Wait for the first periodic table: users are running, requests in flight.
deadline=$(( $(now_ms) + 30000 ))
until grep -q "Aggregated" "$dir/run2.err" 2>/dev/null; do
  [ "$(now_ms)" -lt "$deadline" ] || fail "no stats table after 30 s under valgrind"
  kill -0 "$pid" 2>/dev/null || fail "the run ended early: $(cat "$dir/run2.err")"
  sleep 0.2
done
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" = 99 ] && { cat "$dir/vg2.log"; fail "memcheck found errors or definite leaks (SIGINT)"; }
[ "$code" = 0 ] || { cat "$dir/run2.err" "$dir/vg2.log"; fail "SIGINT run: exit code $code, expected 0"; }
grep -q "ERROR SUMMARY: 0 errors" "$dir/vg2.log" || { cat "$dir/vg2.log"; fail "memcheck errors"; }
note "SIGINT: $(grep -E 'definitely lost|in use at exit|ERROR SUMMARY' "$dir/vg2.log" | sed 's/^==[0-9]*== *//' | tr '\n' ' ')"
pass
