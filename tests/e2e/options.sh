#!/bin/bash
# Bad flags and values: an error naming the flag, exit code 2, no load sent.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir options)
cat > "$dir/s.crowd" <<'CROWD'
(scenario s :host "http://127.0.0.1:9")
(user U (task t (get "/")))
CROWD
"$CROWDC" "$dir/s.crowd" -o "$dir/s" || fail "crowdc failed"

expect_usage_error() { # expected-text args...
  local want=$1; shift
  "$dir/s" "$@" > "$dir/out" 2> "$dir/err"
  local code=$?
  [ "$code" = 2 ] || fail "'$*' exited $code, expected 2"
  grep -qF -- "$want" "$dir/err" || fail "'$*': expected '$want' in: $(cat "$dir/err")"
}
expect_usage_error "-u/--users" --headless -u -5
expect_usage_error "-u/--users" --headless --users=abc
expect_usage_error "-t/--run-time" --headless -t 3x
expect_usage_error "-r/--spawn-rate" --headless -r 0
expect_usage_error "did you mean '--users'" --headless --user 5
expect_usage_error "--exit-code-on-error" --headless --exit-code-on-error

"$dir/s" --help > "$dir/help" 2>&1 || fail "--help failed"
grep -q -- "--spawn-rate" "$dir/help" || fail "--help does not list --spawn-rate"
"$dir/s" --list > "$dir/list" 2>&1 || fail "--list failed"
grep -q "^U$\|^ *U$" "$dir/list" || fail "--list does not show user class U: $(cat "$dir/list")"
pass
