#!/bin/sh
# Every ```crowd block of doc/*.md and every examples/*.crowd must pass
# `crowdc --check` without a single diagnostic.
: "${top_srcdir:?}" "${CROWDC:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crowd-docex.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0
n=0

check() { # file label
  if ! timeout 10 "$CROWDC" --check "$1" > "$tmp/out" 2>&1 || [ -s "$tmp/out" ]; then
    echo "FAIL: $2:"
    cat "$tmp/out"
    status=1
  fi
  n=$((n + 1))
}

for doc in "$top_srcdir"/doc/*.md; do
  [ -f "$doc" ] || continue
  name=$(basename "$doc" .md)
  # One file per block, named after the line where the block starts.
  awk -v dir="$tmp" -v name="$name" '
    /^```crowd[ \t]*$/ { inblk = 1; file = sprintf("%s/%s-%d.crowd", dir, name, NR + 1); printf "" > file; next }
    /^```/ && inblk { inblk = 0; close(file); next }
    inblk { print > file }
  ' "$doc" || exit 99
done
for f in "$tmp"/*.crowd; do
  [ -f "$f" ] || continue
  b=$(basename "$f" .crowd)
  check "$f" "doc/${b%-*}.md, the crowd block at line ${b##*-}"
done
for f in "$top_srcdir"/examples/*.crowd; do
  [ -f "$f" ] || continue
  check "$f" "$f"
done
echo "doc-examples: $n scenarios checked"
[ "$n" -gt 0 ] || { echo "FAIL: no examples found"; exit 1; }
exit $status
