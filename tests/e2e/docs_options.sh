#!/bin/bash
# Every option an executable accepts (its --help) is documented in
# doc/running.md and in the crowd(1) man page, and so is every crowdc option.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir docs_options)
printf '(scenario s :host "http://127.0.0.1:9")\n(user U (task t (get "/")))\n' > "$dir/s.crowd"
"$CROWDC" "$dir/s.crowd" -o "$dir/s" || fail "crowdc failed"
"$dir/s" --help > "$dir/help" || fail "--help failed"
"$CROWDC" --help > "$dir/crowdc-help" 2>&1 || fail "crowdc --help failed"

missing=()
check() { # option doc-file roff?
  local pat=$1
  [ "$3" = roff ] && pat=${pat//-/\\-}
  grep -qF -- "$pat" "$top_srcdir/$2" || missing+=("$1 in $2")
}
for o in $(grep -oE -- '--[a-z][a-z0-9-]+' "$dir/help" | sort -u); do
  check "$o" doc/running.md
  check "$o" doc/crowd.1 roff
done
for o in $(grep -oE -- '--[a-z][a-z0-9-]+' "$dir/crowdc-help" | sort -u); do
  check "$o" doc/running.md
  check "$o" doc/crowdc.1 roff
done
[ ${#missing[@]} = 0 ] || fail "undocumented options: ${missing[*]}"
pass
