#!/bin/bash
# run.sh — install what is missing, build, and run the whole test suite.
#   tests/run.sh            (README's test command; .ci/run calls it)
# Ends with a line "tests: N passed, N failed, N skipped".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/deps.sh"

crowd_install_deps
conf=()
[ "${CI:-}" = true ] && conf+=(--enable-werror)
crowd_build "$top" "${conf[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
status=0
make -j"$jobs" check || status=$?

# Summarise from the per-test results automake wrote.
pass=0 fail=0 skip=0
while IFS= read -r f; do
  r=$(sed -n 's/^:test-result: //p' "$f" | head -n1)
  case "$r" in
    PASS|XFAIL) pass=$((pass + 1)) ;;
    SKIP) skip=$((skip + 1)) ;;
    *) fail=$((fail + 1)); echo "--- $f"; cat "${f%.trs}.log" | tail -n 40 ;;
  esac
done < <(find "$top/tests" -name '*.trs' | sort)
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$status" = 0 ] && [ "$fail" = 0 ]
