#!/bin/sh
# corpus.sh DIR — write the fuzzers' seed corpus into DIR: every
# examples/*.crowd, tests/compile/{ok,fail}/*.crowd and every ```crowd block
# of doc/*.md (made at test time, so it follows the sources; nothing is
# committed twice).  Prints the number of seeds.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
dir=${1:?usage: corpus.sh DIR}
mkdir -p "$dir" || exit 99
n=0
for f in "$top_srcdir"/examples/*.crowd "$top_srcdir"/tests/compile/ok/*.crowd \
         "$top_srcdir"/tests/compile/fail/*.crowd; do
  [ -f "$f" ] || continue
  sub=$(basename "$(dirname "$f")")
  cp "$f" "$dir/$sub-$(basename "$f")" || exit 99
  n=$((n + 1))
done
for doc in "$top_srcdir"/doc/*.md; do
  [ -f "$doc" ] || continue
  name=$(basename "$doc" .md)
  awk -v dir="$dir" -v name="$name" '
    /^```crowd[ \t]*$/ { inblk = 1; file = sprintf("%s/doc-%s-%d.crowd", dir, name, NR + 1); printf "" > file; next }
    /^```/ && inblk { inblk = 0; close(file); next }
    inblk { print > file }
  ' "$doc" || exit 99
done
n=$(find "$dir" -type f | wc -l)
echo "$n"
