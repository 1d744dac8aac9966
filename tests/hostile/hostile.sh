#!/bin/bash
# Hostile servers: tests/hostile/server.py misbehaves per path (resets,
# stalls, silence, garbage, broken chunking, huge headers, a 100 MB body,
# gzip and brotli bodies).  A scenario requests every path with :timeout 1s,
# on each client (http, fast), the compressed bodies again with a check that
# reads them, and the 100 MB body once more with a check that keeps it.
# Each bad answer must be a failure with a clear message, the run must go
# on to its end, memory must stay bounded (a body is streamed, and kept only
# up to 16 MiB when a check reads it) and no descriptor may leak.
#   CROWD_HOSTILE_RSS_MB   the most resident memory allowed (default 80: 2 users
#                          each keeping at most 16 MiB of body, plus the rest;
#                          not checked in sanitizer builds)
. "$(dirname "$0")/../e2e/lib.sh"
need_cmd python3
dir=$(tmpdir hostile)
# The brotli body needs python3's brotli module (Debian's python3-brotli, in
# /usr/bin/python3 when python3 is another one): without it, that case skips.
py=python3
if ! python3 -c 'import brotli' 2>/dev/null; then
  if /usr/bin/python3 -c 'import brotli' 2>/dev/null; then py=/usr/bin/python3
  else py=; note "python3's brotli module is missing (apt-get install python3-brotli): the brotli case skips"; fi
fi
rss_max_mb=${CROWD_HOSTILE_RSS_MB:-80}

${py:-python3} "$top_srcdir/tests/hostile/server.py" "$dir/port" 2> "$dir/server.err" &
server_pid=$!
at_exit "kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null"
for ((i = 0; i < 200; i++)); do [ -s "$dir/port" ] && break; sleep 0.05; done
[ -s "$dir/port" ] || fail "the hostile server did not start: $(cat "$dir/server.err")"
port=$(cat "$dir/port")

paths=(ok reset-early reset-headers reset-body never stall-headers stall-body garbage
       bad-chunked huge-headers gzip bad-gzip)
kept=(gzip)  # compressed bodies fetched again with a check that reads them
[ -n "$py" ] && paths+=(brotli) kept+=(brotli)
sanitized=
for client in http fast; do
  # Two users run the hostile paths; two others fetch the 100 MB body, once
  # streamed and once kept for a check (up to the 16 MiB cap), with a long
  # timeout: its time depends on the machine.
  {
    echo "(scenario hostile :host \"http://127.0.0.1:$port\" :client $client)"
    echo '(user Hostile :wait (constant 100ms) (task all'
    for p in "${paths[@]}"; do echo "  (get \"/$p\" :name \"$p\" :timeout 1s)"; done
    for p in "${kept[@]}"; do
      echo "  (get \"/$p\" :name \"$p-kept\" :timeout 1s (expect (body :contains \"\\\"ok\\\":true\")))"
    done
    echo '))'
    echo '(user Big :wait (constant 100ms) (task big'
    echo '  (get "/big-body" :name "big-body" :timeout 60s)'
    echo '  (get "/big-body" :name "big-body-kept" :timeout 60s (expect (body :contains "xxxx")))))'
  } > "$dir/$client.crowd"
  "$CROWDC" -v "$dir/$client.crowd" -o "$dir/$client" 2> "$dir/$client.cc" ||
    { cat "$dir/$client.cc"; fail "crowdc failed"; }
  # Sanitizers make everything slower: a longer run.
  secs=6
  grep -q -- -fsanitize "$dir/$client.cc" && { sanitized=1; secs=15; }

  "$dir/$client" --headless -u 4 -r 4 -t "${secs}s" 2> "$dir/$client.err" &
  pid=$!
  # Sample the resident memory and the open descriptors while it runs.
  rss=0 fd_early= fd_late= t0=$(now_ms)
  while kill -0 "$pid" 2>/dev/null; do
    r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    [ -n "$r" ] && [ "$r" -gt "$rss" ] && rss=$r
    el=$(( $(now_ms) - t0 ))
    n=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
    if [ "$n" -gt 0 ]; then
      [ "$el" -ge 2500 ] && [ -z "$fd_early" ] && fd_early=$n
      [ "$el" -ge 2500 ] && [ "$el" -le $((secs * 1000 - 400)) ] && fd_late=$n
    fi
    sleep 0.1
  done
  wait "$pid"
  code=$?
  [ "$code" = 1 ] || { cat "$dir/$client.err"; fail ":client $client: exit code $code, expected 1 (failures)"; }
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/$client.err" > "$dir/$client.json" ||
    fail ":client $client: cannot read the report"
  python3 - "$dir/$client.json" "${kept[@]}" <<'PY' || { cat "$dir/$client.err"; fail ":client $client: report check failed"; }
import json, sys
rep = json.load(open(sys.argv[1])); t = rep["table"]
errs = {}
for e in rep["errors"]:
    name, _, msg = e["error"].partition(": ")
    errs.setdefault(name.split(" ", 1)[1], []).append(msg.lower())
# Each bad answer fails, every time, with a message that says what happened.
want = {
    "reset-early": ("reset", "closed", "empty reply"), "reset-headers": ("reset", "closed"),
    "reset-body": ("reset", "closed"), "never": ("timed out",), "stall-headers": ("timed out",),
    "stall-body": ("timed out",), "garbage": ("http/0.9", "status", "malformed", "weird"),
    "bad-chunked": ("chunk",), "huge-headers": ("header",),
}
for name, words in want.items():
    e = t.get("GET " + name)
    assert e and e["reqs"] >= 2 and e["fails"] == e["reqs"], (name, e)
    msgs = errs.get(name, [])
    assert msgs and all(any(w in m for w in words) for m in msgs), (name, msgs)
# The good ones go through, the 100 MB body included; the run went on.
kept = sys.argv[2:]
for name in ["ok", "big-body", "big-body-kept"] + kept + [k + "-kept" for k in kept]:
    e = t.get("GET " + name)
    assert e and e["reqs"] >= (1 if name.startswith("big") else 2) and e["fails"] == 0, (name, e)
assert t["GET bad-gzip"]["reqs"] >= 2
PY
  note ":client $client: max RSS $((rss / 1024)) MB, descriptors ${fd_early:-?} early and ${fd_late:-?} late"
  if [ -z "$sanitized" ]; then
    [ "$rss" -le $((rss_max_mb * 1024)) ] ||
      fail ":client $client: resident memory reached $((rss / 1024)) MB (limit $rss_max_mb MB)"
  fi
  [ -n "$fd_early" ] && [ -n "$fd_late" ] || fail ":client $client: could not sample /proc/$pid/fd"
  [ "$fd_late" -le $((fd_early + 2)) ] ||
    fail ":client $client: descriptors grew from $fd_early to $fd_late (a leak)"
done
pass
