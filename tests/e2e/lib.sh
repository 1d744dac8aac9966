#!/bin/bash
# tests/e2e/lib.sh — helpers for crowd's end-to-end tests.  Source it:
#
#   . "$top_srcdir/tests/e2e/lib.sh"
#   demo_start                      # DEMO_URL=http://127.0.0.1:PORT, stats reset
#   http_req GET "$DEMO_URL/health"; [ "$HTTP_CODE" = 200 ] || fail "..."
#   [ "$(json_get "$(demo_stats_json)" total)" = 1 ] || fail "..."
#   demo_stop || fail "demo server exited with $?"
#
# `make check` exports top_srcdir, top_builddir, CROWDC and DEMO_SERVER
# (absolute paths); run by hand, they default to this source tree.  The
# library owns the EXIT trap: register clean-ups with at_exit, not trap.
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${CROWDC:=$top_builddir/crowdc}"
: "${DEMO_SERVER:=$top_builddir/crowd-demo-server}"
export top_srcdir top_builddir CROWDC DEMO_SERVER

# CROWD_TEST_CLIENT: the HTTP client the scenarios run on, http (the default) or
# fast; tests/e2e/*-fast.sh run a test again with it (see set_client).
: "${CROWD_TEST_CLIENT:=http}"
export CROWD_TEST_CLIENT
TEST_NAME=$(basename "$0" .sh)
[ "$CROWD_TEST_CLIENT" = http ] || TEST_NAME=$TEST_NAME-$CROWD_TEST_CLIENT
TEST_TMPDIR=$top_builddir/tests/tmp/$TEST_NAME
rm -rf "$TEST_TMPDIR" && mkdir -p "$TEST_TMPDIR" ||
  { echo "ERROR: cannot create $TEST_TMPDIR" >&2; exit 99; }
DEMO_PID=
DEMO_PORT=
DEMO_URL=
_lib_at_exit=()

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
skip() { echo "SKIP: $TEST_NAME: $*" >&2; exit 77; }
pass() { exit 0; }
note() { echo "# $*"; }

# need_cmd CMD... — skip the test when a tool it needs is missing.
need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "needs $c"
  done
}

# at_exit CMD — run CMD (eval'd) when the test exits, most recent first.
at_exit() { _lib_at_exit=("$1" "${_lib_at_exit[@]}"); }

_lib_on_exit() {
  local rc=$? c
  for c in "${_lib_at_exit[@]}"; do eval "$c"; done
  # Keep the files of a failed test for a look; CROWD_KEEP_TMP=1 keeps all.
  if [ "$rc" -eq 0 ] && [ -z "${CROWD_KEEP_TMP:-}" ]; then
    rm -rf "$TEST_TMPDIR"
    rmdir "$top_builddir/tests/tmp" 2>/dev/null
  fi
  return "$rc"
}
trap _lib_on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# tmpdir [NAME] — prints this test's scratch directory, TEST_TMPDIR =
# $top_builddir/tests/tmp/<script name>, emptied when the library is sourced
# and removed when the test passes.  With a NAME, $top_builddir/tests/tmp/NAME
# (created if need be; the same directory when NAME is the script's name).
tmpdir() {
  local d=$TEST_TMPDIR
  [ -n "${1:-}" ] && d=$top_builddir/tests/tmp/$1
  # the run on another client has its own (tests/e2e/*-fast.sh run in parallel)
  [ -n "${1:-}" ] && [ "$CROWD_TEST_CLIENT" != http ] && d=$d-$CROWD_TEST_CLIENT
  mkdir -p "$d" || { echo "ERROR: cannot create $d" >&2; exit 99; }
  echo "$d"
}

# set_client FILE — make the (scenario NAME ...) form of FILE, a copy of a
# scenario, say `:client $CROWD_TEST_CLIENT`, so one test runs on either client.
set_client() {
  [ "$CROWD_TEST_CLIENT" = http ] && return 0
  sed -i "s/^(scenario \([A-Za-z0-9_-]*\)/(scenario \1 :client $CROWD_TEST_CLIENT/" "$1" ||
    { echo "ERROR: cannot rewrite $1" >&2; exit 99; }
  grep -q ":client $CROWD_TEST_CLIENT" "$1" || { echo "ERROR: no (scenario ...) form in $1" >&2; exit 99; }
}

# free_port — prints a loopback TCP port that nothing listens on (yet).
free_port() {
  need_cmd python3
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# now_ms — a clock in milliseconds (wall time, for coarse checks only).
now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  echo $((t / 1000))
}

# demo_start [ARGS...] — starts $DEMO_SERVER on a free loopback port, waits
# (polling every 50 ms, at most 10 s) until /health answers, resets its
# /stats, and sets DEMO_PID, DEMO_PORT and DEMO_URL.  Stopped on exit.
demo_start() {
  need_cmd curl
  [ -x "$DEMO_SERVER" ] || { echo "ERROR: no $DEMO_SERVER" >&2; exit 99; }
  local dir=$TEST_TMPDIR/demo-server
  mkdir -p "$dir" || exit 99
  rm -f "$dir/port"
  "$DEMO_SERVER" --port 0 --port-file "$dir/port" "$@" \
    >"$dir/stdout" 2>"$dir/stderr" &
  DEMO_PID=$!
  at_exit demo_stop
  local deadline=$(( $(now_ms) + 10000 ))
  DEMO_PORT=
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if ! kill -0 "$DEMO_PID" 2>/dev/null; then
      wait "$DEMO_PID"
      local rc=$?
      DEMO_PID=
      fail "demo server exited with $rc: $(cat "$dir/stderr")"
    fi
    if [ -z "$DEMO_PORT" ] && [ -s "$dir/port" ]; then
      read -r DEMO_PORT <"$dir/port"
      DEMO_URL=http://127.0.0.1:$DEMO_PORT
    fi
    if [ -n "$DEMO_PORT" ] &&
       [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$DEMO_URL/health")" = 200 ]; then
      curl -s -o /dev/null -m 5 -X POST "$DEMO_URL/stats/reset" ||
        fail "cannot reset the demo server's stats"
      export DEMO_PORT DEMO_URL
      return 0
    fi
    sleep 0.05
  done
  fail "demo server not ready after 10 s: $(cat "$dir/stderr")"
}

# demo_stop — SIGTERM, then waits up to 5 s (SIGKILL after that); returns the
# server's exit status (0 for a clean stop).  Safe to call twice.
demo_stop() {
  [ -n "$DEMO_PID" ] || return 0
  local pid=$DEMO_PID i rc
  DEMO_PID=
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "demo server did not stop on SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid"
  rc=$?
  return "$rc"
}

# demo_stats_json — the server's request counters, e.g.
# {"total":3,"routes":{"GET /health":2,"POST /login":1}} (zeros left out;
# requests to /stats and /stats/reset are not counted).
demo_stats_json() { curl -s -m 5 "$DEMO_URL/stats"; }

# demo_stats_reset — zero the counters.
demo_stats_reset() {
  curl -s -o /dev/null -m 5 -X POST "$DEMO_URL/stats/reset" ||
    fail "cannot reset the demo server's stats"
}

# The JSON reader behind json_get and json_expect (python3's json module).
_LIB_JSON_PY='
import json, re, sys
mode, src = sys.argv[1], sys.argv[2]
try:
    if src == "-":
        doc = json.load(sys.stdin)
    else:
        try:
            with open(src) as f:
                doc = json.load(f)
        except OSError:
            doc = json.loads(src)
except ValueError as e:
    sys.exit("not JSON (%s): %.300s" % (e, src))
TOK = re.compile(r"\[(-?\d+)\]|\[\"((?:[^\"\\]|\\.)*)\"\]|\.?([^.\[]+)")
def get(path):
    p = path[1:] if path.startswith("$") else path
    v, pos = doc, 0
    while pos < len(p):
        m = TOK.match(p, pos)
        if not m or m.end() == pos:
            sys.exit("bad JSON path %r at %d" % (path, pos))
        pos = m.end()
        if m.group(1) is not None:
            v = v[int(m.group(1))]
        elif m.group(2) is not None:
            v = v[json.loads("\"" + m.group(2) + "\"")]
        else:
            v = v[m.group(3)]
    return v
def text(v):
    if isinstance(v, str):
        return v
    return json.dumps(v, separators=(",", ":"))
MISSING = (KeyError, IndexError, TypeError)
if mode == "get":
    try:
        print(text(get(sys.argv[3])))
    except MISSING:
        if len(sys.argv) <= 4:
            sys.exit("no %s in %.300s" % (sys.argv[3], json.dumps(doc)))
        print(sys.argv[4])
else:
    bad = []
    for kv in sys.argv[3:]:
        path, _, want = kv.partition("=")
        try:
            got = text(get(path))
        except MISSING:
            got = None
        if got != want:
            bad.append("%s is %s, expected %r" % (path, "missing" if got is None else repr(got), want))
    if bad:
        sys.exit("; ".join(bad) + " in " + json.dumps(doc)[:300])
'

# json_get FILE_OR_STRING PATH [DEFAULT] — prints the value at PATH in a JSON
# document (a file name, "-" for stdin, or the JSON text itself).  PATH is
# dotted with [N] indices and ["key"] for keys with dots or brackets, and an
# optional leading "$": items[0].name, $.count, routes["GET /health"], or
# routes.GET /health (a plain key runs up to the next "." or "[").  Strings
# print raw, other values as compact JSON (42, 1.5, true, null, [1,2]).
# A missing path prints DEFAULT if given, else fails (status 1).
json_get() {
  need_cmd python3
  python3 -c "$_LIB_JSON_PY" get "$@"
}

# json_expect FILE_OR_STRING PATH=VALUE... — fails the test unless every
# PATH holds VALUE (compared as json_get prints it); one python3 run.  The
# failure message starts with $JSON_WHAT when that is set.
json_expect() {
  need_cmd python3
  local msg
  msg=$(python3 -c "$_LIB_JSON_PY" expect "$@" 2>&1) ||
    fail "${JSON_WHAT:+$JSON_WHAT: }$msg"
}

# http_req METHOD URL [CURL-ARGS...] — one request (10 s limit; HEAD is sent
# with curl -I so that curl does not wait for a body).  Sets
# HTTP_CODE, HTTP_CTYPE (Content-Type), HTTP_TIME (seconds, e.g. 0.201),
# and HTTP_BODY; the body is also in $TEST_TMPDIR/last-body.  Fails the test
# only when curl itself fails (no connection, timeout).
http_req() {
  local method=$1 url=$2 out how=(-X "$1")
  shift 2
  [ "$method" = HEAD ] && how=(-I)
  out=$(curl -s -m 10 "${how[@]}" -o "$TEST_TMPDIR/last-body" \
    -w '%{http_code} %{time_total} %{content_type}' "$@" "$url") ||
    fail "curl $method $url failed ($?)"
  HTTP_CODE=${out%% *}
  out=${out#* }
  HTTP_TIME=${out%% *}
  HTTP_CTYPE=${out#* }
  HTTP_BODY=$(cat "$TEST_TMPDIR/last-body")
}
