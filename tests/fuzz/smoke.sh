#!/bin/bash
# smoke.sh — a bounded libFuzzer run of each target in tests/fuzz (a build
# configured with --enable-fuzzing; skipped otherwise), from the seed corpus
# of corpus.sh with the dictionary crowd.dict; then every input of the
# compile target's corpus that crowdc accepts must give C that compiles
# with -Werror.
#   CROWD_FUZZ_SECONDS   seconds per target (default 30)
#   CROWD_FUZZ_CC_MAX    most accepted inputs compiled with cc (default 300)
# A crash leaves its input in tests/tmp/smoke/ (kept: the test fails); turn
# it into a golden test in tests/compile/fail or ok (doc/testing.md).
. "$(dirname "$0")/../e2e/lib.sh"
secs=${CROWD_FUZZ_SECONDS:-30}
ccmax=${CROWD_FUZZ_CC_MAX:-300}
targets=(fuzz_parse fuzz_compile)
for t in "${targets[@]}"; do
  [ -x "$top_builddir/tests/fuzz/$t" ] ||
    skip "no fuzz targets in this build (configure --enable-fuzzing with clang builds them)"
done
dir=$(tmpdir)
nseeds=$(sh "$top_srcdir/tests/fuzz/corpus.sh" "$dir/seeds") || fail "cannot build the seed corpus"
note "$nseeds seeds, $secs s per target"

for t in "${targets[@]}"; do
  mkdir -p "$dir/corpus-$t" || exit 99
  # -timeout: one input taking 10 s is a hang; the outer timeout bounds the
  # whole run if libFuzzer itself wedges.
  timeout -k 10 $((secs + 120)) "$top_builddir/tests/fuzz/$t" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$top_srcdir/tests/fuzz/crowd.dict" -artifact_prefix="$dir/$t-" \
    "$dir/corpus-$t" "$dir/seeds" > "$dir/$t.log" 2>&1
  rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 60 "$dir/$t.log"
    fail "$t exited with $rc; its input: $(ls "$dir/$t-"* 2>/dev/null | head -n 1)"
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$t.log")
  note "$t: ${execs:-?} executions, $(ls "$dir/corpus-$t" | wc -l) corpus entries, no crash"
done

# What crowdc accepts must compile: the generated C of each accepted input.
CC=${CC:-cc}
n=0 bad=0
for f in "$dir/seeds"/* "$dir/corpus-fuzz_compile"/*; do
  [ "$n" -lt "$ccmax" ] || break
  timeout 10 "$CROWDC" --emit-c "$f" > "$dir/gen.c" 2>/dev/null || continue
  n=$((n + 1))
  if ! $CC -std=c11 -fsyntax-only -Wall -Wextra -Werror \
      -I"$top_srcdir/runtime/include" -I"$top_srcdir/stdlib" "$dir/gen.c" 2> "$dir/ccerr"; then
    cp "$f" "$dir/does-not-compile-$bad.crowd"
    head -n 20 "$dir/ccerr"
    bad=$((bad + 1))
  fi
done
note "$n accepted inputs compiled, $bad failures"
[ "$bad" = 0 ] || fail "$bad accepted inputs gave C that does not compile (kept in $dir)"
pass
