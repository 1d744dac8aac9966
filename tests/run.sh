#!/bin/bash
# run.sh — install what is missing, build, and run the whole test suite.
#   tests/run.sh            (README's test command; .ci/run calls it)
# With CI=true it also builds warnings-as-errors, then runs the suite again
# in a sanitizer build (ASan + UBSan) under build-asan/, with the fuzzers'
# smoke run when clang can build them (doc/testing.md).
# Ends with a line "tests: N passed, N failed, N skipped".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/deps.sh"

crowd_install_deps --tests
conf=()
[ "${CI:-}" = true ] && conf+=(--enable-werror)
crowd_build "$top" "${conf[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
status=0
make -j"$jobs" check || status=$?

pass=0 fail=0 skip=0
# Count the per-test results automake wrote under $1 (label $2).
summarise() {
  local f r
  while IFS= read -r f; do
    r=$(sed -n 's/^:test-result: //p' "$f" | head -n1)
    case "$r" in
      PASS|XFAIL) pass=$((pass + 1)) ;;
      SKIP) skip=$((skip + 1)) ;;
      *) fail=$((fail + 1)); echo "--- $2${f#"$1"/}"; tail -n 40 "${f%.trs}.log" ;;
    esac
  done < <(find "$1" -name '*.trs' | sort)
}
summarise "$top/tests" ""

if [ "${CI:-}" = true ]; then
  # The sanitizer build: a copy of the sources (an in-tree build cannot
  # share its tree with another configuration), built in place.
  san=$top/build-asan
  echo "run.sh: sanitizer build in $san" >&2
  rm -rf "$san" && mkdir -p "$san"
  ( cd "$top" &&
    { git ls-files -z --cached --others --exclude-standard 2>/dev/null ||
      find . -path ./build-asan -prune -o -type f -print0; } |
    grep -zv '^build-asan/' | tar --null --ignore-failed-read -T - -cf - 2>/dev/null ) |
    tar -xf - -C "$san"
  # The autotools outputs of the main build, with their times (no rerun).
  ( cd "$top" && tar -cf - configure aclocal.m4 config.h.in Makefile.in build-aux ) |
    tar -xf - -C "$san"
  cd "$san"
  [ -f Makefile ] && make -s distclean >/dev/null 2>&1 || true
  # With clang and libFuzzer: also the fuzz targets (and their smoke run).
  if ! ./configure -q --enable-werror --enable-asan --enable-ubsan --enable-fuzzing; then
    echo "run.sh: no clang with libFuzzer: sanitizer build without the fuzzers" >&2
    ./configure -q --enable-werror --enable-asan --enable-ubsan
  fi
  make -j"$jobs" >/dev/null && make -j"$jobs" check || status=$?
  summarise "$san/tests" "build-asan/"
  cd "$top"
fi

echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$status" = 0 ] && [ "$fail" = 0 ]
