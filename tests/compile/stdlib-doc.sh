#!/bin/sh
# doc/stdlib.md is generated from stdlib/builtins.def: it must be what
# `crowdc --builtins-md` prints now (regenerate: crowdc --builtins-md > doc/stdlib.md).
: "${top_srcdir:?}" "${CROWDC:?}"
tmp=$(mktemp "${TMPDIR:-/tmp}/crowd-stdlib.XXXXXX") || exit 99
trap 'rm -f "$tmp"' EXIT
timeout 10 "$CROWDC" --builtins-md > "$tmp" || { echo "FAIL: crowdc --builtins-md"; exit 1; }
if ! cmp -s "$tmp" "$top_srcdir/doc/stdlib.md"; then
  echo "FAIL: doc/stdlib.md is out of date; run: crowdc --builtins-md > doc/stdlib.md"
  diff -u "$top_srcdir/doc/stdlib.md" "$tmp"
  exit 1
fi
echo "stdlib-doc: doc/stdlib.md is up to date"
