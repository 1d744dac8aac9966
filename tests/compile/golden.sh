#!/bin/sh
# Golden compiler tests.
#   fail/*.crowd: `crowdc --check` must exit 1 and print exactly fail/*.err.
#   ok/*.crowd:   `crowdc --emit-c` must succeed, and the C must pass
#                 `cc -fsyntax-only -Wall -Werror` against the runtime headers.
# With UPDATE_GOLDEN=1 (make update-golden) the .err files are rewritten.
# crowdc runs from $top_srcdir on relative paths so that the expected
# output does not depend on where the tree is.
: "${top_srcdir:?}" "${top_builddir:?}" "${CROWDC:?}"
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crowd-golden.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$top_srcdir" || exit 99
status=0
nfail=0
nok=0

for f in tests/compile/fail/*.crowd; do
  want=${f%.crowd}.err
  timeout 10 "$CROWDC" --check "$f" > "$tmp/out" 2> "$tmp/err"
  code=$?
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$tmp/err" "$want"
  fi
  if [ "$code" != 1 ]; then
    echo "FAIL: $f: exit status $code, expected 1"
    cat "$tmp/err"
    status=1
  elif [ -s "$tmp/out" ]; then
    echo "FAIL: $f: wrote to stdout"
    status=1
  elif ! cmp -s "$want" "$tmp/err"; then
    echo "FAIL: $f: diagnostics differ from $want:"
    diff -u "$want" "$tmp/err"
    status=1
  fi
  nfail=$((nfail + 1))
done

for f in tests/compile/ok/*.crowd; do
  base=$(basename "$f" .crowd)
  if ! timeout 10 "$CROWDC" --emit-c "$f" > "$tmp/$base.c" 2> "$tmp/err"; then
    echo "FAIL: $f: crowdc --emit-c failed:"
    cat "$tmp/err"
    status=1
    continue
  fi
  if [ -s "$tmp/err" ]; then
    echo "FAIL: $f: diagnostics for a valid scenario:"
    cat "$tmp/err"
    status=1
  fi
  # Byte-for-byte deterministic.
  timeout 10 "$CROWDC" --emit-c "$f" > "$tmp/$base.again.c" 2>/dev/null
  if ! cmp -s "$tmp/$base.c" "$tmp/$base.again.c"; then
    echo "FAIL: $f: two runs generated different C"
    status=1
  fi
  # Strict ISO C11 with gcc, and clang too where it is installed (it
  # rejects some constructs gcc only warns about).
  for cc in "$CC" $(command -v clang); do
    if ! $cc -std=c11 -pedantic-errors -fsyntax-only -Wall -Wextra -Werror \
        -I"$top_srcdir/runtime/include" -I"$top_srcdir/stdlib" "$tmp/$base.c" 2> "$tmp/ccerr"; then
      echo "FAIL: $f: the generated C does not compile with $cc:"
      cat "$tmp/ccerr"
      status=1
    fi
  done
  nok=$((nok + 1))
done

echo "golden: $nfail failing scenarios, $nok valid scenarios checked"
exit $status
