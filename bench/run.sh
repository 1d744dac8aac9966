#!/bin/bash
# bench/run.sh — crowd measured side by side with wrk and Locust, in one run.
#
#   bench/run.sh [--mode MODE] [--duration 10] [--repeat 3] [--users 50]
#                [--build DIR] [--port 18080] [--keep]
#
# MODE: throughput (default; wrk, Locust, a bare libcurl loop, crowd),
# memory, latency, startup, compile, stats, scaling (--processes), all.
# doc/performance.md explains the method and records the latest figures.
# Run on demand on a Debian machine with two or more cores; never part of
# make check.  Every server it starts listens on 127.0.0.1 only, every run
# is bounded in time, and everything it starts is stopped on exit.
set -u

mode=throughput duration=10 repeat=3 users=50 port=18080 keep=
src=$(cd "$(dirname "$0")/.." && pwd)
build=${CROWD_BUILD:-}
usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
  --mode) mode=${2:?}; shift 2 ;;
  --duration) duration=${2:?}; shift 2 ;;
  --repeat) repeat=${2:?}; shift 2 ;;
  --users) users=${2:?}; shift 2 ;;
  --build) build=${2:?}; shift 2 ;;
  --port) port=${2:?}; shift 2 ;;
  --keep) keep=1; shift ;;
  -h | --help) usage ;;
  *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
case $mode in throughput | memory | latency | startup | compile | stats | scaling | all) ;;
*) echo "run.sh: unknown mode '$mode'" >&2; usage ;; esac
case "$duration$repeat$users$port" in *[!0-9]*) echo "run.sh: numbers only" >&2; exit 2 ;; esac
want() { [ "$mode" = all ] || [ "$mode" = "$1" ]; }

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 2; }

# ---- prerequisites ------------------------------------------------------------

# The crowd build: an out-of-tree build dir (--build, $CROWD_BUILD) or the
# source tree itself.
if [ -z "$build" ]; then
  for d in "$src" "$PWD"; do [ -x "$d/crowdc" ] && build=$d && break; done
fi
missing=() install=()
[ -n "$build" ] && [ -x "$build/crowdc" ] ||
  missing+=("the crowd build (crowdc): build crowd, then pass --build DIR or run from the build dir")
need_bin() { # need_bin PROGRAM DEBIAN-PACKAGE [MODE...]
  local prog=$1 pkg=$2
  shift 2
  local m needed=
  for m in "$@"; do want "$m" && needed=1; done
  [ -z "$needed" ] && return 0
  command -v "$prog" >/dev/null 2>&1 || [ -x "/usr/sbin/$prog" ] || {
    missing+=("$prog (Debian package $pkg)")
    install+=("$pkg")
  }
}
need_bin nginx nginx-light throughput memory scaling
need_bin wrk wrk throughput latency startup
need_bin locust python3-locust throughput memory
need_bin taskset util-linux throughput memory latency scaling
need_bin /usr/bin/time time throughput memory compile scaling
need_bin python3 python3 throughput memory latency startup scaling

if [ ${#install[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "run.sh: installing ${install[*]} (apt-get)"
  if apt-get install -y -q "${install[@]}" >/dev/null 2>&1 ||
     { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${install[@]}" >/dev/null 2>&1; }; then
    missing=()
    [ -n "$build" ] && [ -x "$build/crowdc" ] || missing+=("the crowd build (crowdc)")
    # the install may start a system nginx on port 80: it is not ours, and
    # does not disturb a server on $port
  fi
fi
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || missing+=("two CPU cores (this machine has $ncpu): the server and the generator each get one")
# the open-file limit: 10,000 connections in the memory mode, a few hundred otherwise
need_files=$(want memory && echo 10100 || echo 1024)
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge "$need_files" ] ||
  missing+=("an open-file limit of $need_files (ulimit -Hn is $hard: raise it in /etc/security/limits.conf)")
if [ ${#missing[@]} -gt 0 ]; then
  say "run.sh: missing prerequisites:"
  for m in "${missing[@]}"; do say "  - $m"; done
  [ ${#install[@]} -gt 0 ] && say "  install with: sudo apt-get install ${install[*]}"
  exit 2
fi
ulimit -n "$hard" 2>/dev/null || ulimit -n "$need_files" 2>/dev/null

CROWDC=$build/crowdc
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PY=/usr/bin/python3 # Debian's python, the one python3-locust is installed for
LOCUST=$(command -v locust)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crowd-bench.XXXXXX") || die "cannot make a temporary directory"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  if [ -n "$keep" ]; then say "run.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Background jobs (other builds, fuzzers) would skew the figures: as root the
# server and the generators run at a higher priority.
prio=()
[ "$(id -u)" = 0 ] && prio=(nice -n -10)
core0=(taskset -c 0) core1=(taskset -c 1)

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ms_now() { date +%s%3N; }

# ---- the machine ------------------------------------------------------------------

machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  say "machine: $ncpu cores, ${cpu:-unknown CPU}, Linux $(uname -r)"
  say "tools: $("$NGINX" -v 2>&1 | sed 's/.*: //'), wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), locust $(dpkg-query -W -f '${Version}' python3-locust 2>/dev/null), $(curl-config --version 2>/dev/null || echo libcurl)"
}

# ---- nginx -------------------------------------------------------------------------

nginx_pid= nginx_workers=1
nginx_start() { # nginx_start WORKER_CONNECTIONS
  mkdir -p "$tmp/nginx"
  cat > "$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process $([ "$nginx_workers" -gt 1 ] && echo on || echo off);
worker_processes $nginx_workers;
worker_rlimit_nofile 20000;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections $1; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  keepalive_requests 1000000000;
  keepalive_timeout 600s;
  server {
    listen 127.0.0.1:$port backlog=8192;
    location = /nginx_status { stub_status; }
    location / {
      default_type application/json;
      return 200 '{"status":"ok","items":[1,2,3]}';
    }
  }
}
EOF
  "${prio[@]}" "${core0[@]}" "$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2> "$tmp/nginx/stderr" &
  nginx_pid=$!
  pids+=("$nginx_pid")
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$nginx_pid" 2>/dev/null || break
    case $(nginx_requests 2>/dev/null) in '' | *[!0-9]*) ;; *) return 0 ;; esac
    sleep 0.05
  done
  die "nginx did not start: $(cat "$tmp/nginx/stderr" "$tmp/nginx/error.log" 2>/dev/null)"
}
nginx_stop() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  nginx_pid=
}
# Requests nginx has served so far (stub_status), and its open connections.
nginx_status() { "$PY" - "$port" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/nginx_status", timeout=5).read().decode()
lines = body.split("\n")
print(lines[2].split()[2], lines[0].split(":")[1].strip())
PY
}
nginx_requests() { nginx_status | awk '{print $1}'; }

# ---- the generators ----------------------------------------------------------------

# Compile bench/NAME.crowd for CLIENT; prints the executable, or nothing when
# crowdc does not accept that client.
compile() { # compile NAME CLIENT
  local out=$tmp/$1-$2
  [ -x "$out" ] && { echo "$out"; return; }
  sed "s/:client http/:client $2/; s|127.0.0.1:18080|127.0.0.1:$port|" "$src/bench/$1.crowd" > "$out.crowd"
  if "$CROWDC" "$out.crowd" -o "$out" 2> "$out.cc"; then echo "$out"; fi
}

# Each run writes $tmp/run/{out,err,time}; run_parse prints
# "REQS RPS CPU_SECONDS PEAK_RSS_KB" or "FAILED reason".
run_gen() { # run_gen GENERATOR SECONDS USERS [PATH]
  local g=$1 d=$2 u=$3 path=${4:-/} host=http://127.0.0.1:$port
  rm -rf "$tmp/run" && mkdir -p "$tmp/run"
  local time=(/usr/bin/time -o "$tmp/run/time" -f "%e %U %S %M")
  case $g in
  wrk)
    "${time[@]}" "${prio[@]}" "${core1[@]}" wrk -t1 -c"$u" -d"${d}s" --latency "$host$path" \
      > "$tmp/run/out" 2> "$tmp/run/err" ;;
  locust-fast | locust-http)
    BENCH_PATH=$path BENCH_WAIT=${BENCH_WAIT:-0} "${time[@]}" "${prio[@]}" "${core1[@]}" \
      timeout $((d + 60)) "$PY" "$LOCUST" --headless -f "$src/bench/locustfile_${g#locust-}.py" \
      -u "$u" -r "$u" -t "${d}s" -H "$host" --only-summary --loglevel WARNING --stop-timeout 2 \
      > "$tmp/run/out" 2> "$tmp/run/err" ;;
  curl-loop)
    "${time[@]}" "${prio[@]}" "${core1[@]}" timeout $((d + 60)) "$build/bench/curl_loop" "$host$path" "$u" "$d" \
      > "$tmp/run/out" 2> "$tmp/run/err" ;;
  crowd-http | crowd-fast)
    local exe
    exe=$(compile "${SCENARIO:-throughput}" "${g#crowd-}")
    [ -n "$exe" ] || { echo "crowdc refused the scenario" > "$tmp/run/err"; return 1; }
    "${time[@]}" "${prio[@]}" "${core1[@]}" timeout $((d + 60)) "$exe" --headless \
      -u "$u" -r "${RATE:-$u}" -t "${d}s" -H "$host" --only-summary ${PROCS:+--processes "$PROCS"} \
      > "$tmp/run/out" 2> "$tmp/run/err" ;;
  esac
  echo $? > "$tmp/run/code"
}

run_parse() { # run_parse GENERATOR
  local g=$1 code
  code=$(cat "$tmp/run/code" 2>/dev/null || echo 1)
  read -r wall user sys rss < <(tail -1 "$tmp/run/time" 2>/dev/null)
  local reqs= rps= fails=0
  if [ "$g" = wrk ]; then
    reqs=$(awk '/requests in/ {print $1}' "$tmp/run/out")
    rps=$(awk '/^Requests\/sec/ {print $2}' "$tmp/run/out")
    fails=$(awk '/Non-2xx|Socket errors/ {n += $NF} END {print n + 0}' "$tmp/run/out")
  elif [ "$g" = curl-loop ]; then
    read -r _ reqs _ fails _ _ _ rps < "$tmp/run/out"
  else
    "$PY" "$src/tests/e2e/console.py" "$tmp/run/err" > "$tmp/run/report.json" 2>/dev/null &&
      read -r reqs rps fails < <("$PY" -c '
import json, sys
t = json.load(open(sys.argv[1]))["table"].get("Aggregated")
print(t["reqs"], t["rps"], t["fails"]) if t else print("")' "$tmp/run/report.json")
  fi
  # crowd and Locust exit 1 when a request failed: reported below, not dropped
  if [ -z "$reqs" ] || [ "$reqs" = 0 ] || { [ "$code" != 0 ] && [ "$code" != 1 ]; }; then
    local why
    why=$(grep -v '^\s*$' "$tmp/run/err" | grep -iE 'error|exception|refused|killed' | tail -1)
    [ -z "$why" ] && why=$(grep -v '^\s*$' "$tmp/run/err" | tail -1)
    echo "FAILED exit $code: ${why:0:80}"
    return
  fi
  [ "$fails" != 0 ] && say "  ($g: $fails failed requests)"
  echo "$reqs $rps $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}') $rss"
}

available() { # available GENERATOR: 0, or 1 with a note
  case $1 in
  curl-loop)
    make -s -C "$build" bench/curl_loop >/dev/null 2>&1 && return 0
    say "note: cannot build bench/curl_loop; curl-loop skipped"
    return 1 ;;
  crowd-fast)
    [ -n "$(compile "${SCENARIO:-throughput}" fast)" ] && return 0
    say "note: crowdc does not accept ':client fast' yet; crowd-fast skipped"
    return 1 ;;
  esac
  return 0
}

# ---- throughput ------------------------------------------------------------------------

throughput() {
  say ""
  say "== throughput: nginx on core 0, each generator on core 1, $users connections, closed loop, ${duration}s x $repeat"
  nginx_start 4096
  local gens=() g r
  for g in wrk locust-fast locust-http curl-loop crowd-http crowd-fast; do available "$g" && gens+=("$g"); done
  for g in "${gens[@]}"; do : > "$tmp/tp-$g"; done
  for ((r = 1; r <= repeat; r++)); do
    for g in "${gens[@]}"; do # alternate: round r runs every generator once
      local before after res
      before=$(nginx_requests)
      run_gen "$g" "$duration" "$users"
      after=$(nginx_requests)
      res=$(run_parse "$g")
      echo "$res $((after - before - 1))" >> "$tmp/tp-$g"
      say "  round $r $(printf '%-12s' "$g") $res (nginx served $((after - before - 1)))"
    done
  done
  nginx_stop
  tp_table "${gens[@]}"
}

tp_table() {
  local g base_wrk base_lf
  for g in "$@"; do
    local ok
    ok=$(grep -v '^FAILED' "$tmp/tp-$g")
    if [ -n "$ok" ]; then
      echo "$g $(echo "$ok" | awk '{print $2}' | median) $(echo "$ok" | awk '{print $3 / $1 * 100000}' | median) $(echo "$ok" | awk '{print $4}' | sort -n | tail -1) $(echo "$ok" | wc -l) $(grep -c '^FAILED' "$tmp/tp-$g")"
    else
      echo "$g - - - 0 $(grep -c '^FAILED' "$tmp/tp-$g")"
    fi
  done > "$tmp/tp-summary"
  base_wrk=$(awk '$1 == "wrk" {print $2}' "$tmp/tp-summary")
  base_lf=$(awk '$1 == "locust-fast" {print $2}' "$tmp/tp-summary")
  echo
  echo "Throughput ($users connections, closed loop, ${duration}s runs, median of $repeat)"
  printf '%-12s %10s %7s %12s %15s %9s  %s\n' generator "req/s" "x wrk" "x locust-f" "CPU s/100k req" "peak RSS" runs
  while read -r g rps cpu rss ok failed; do
    local xw=- xl=- mem=-
    if [ "$rps" != - ]; then
      [ -n "$base_wrk" ] && [ "$base_wrk" != - ] && xw=$(awk -v a="$rps" -v b="$base_wrk" 'BEGIN {printf "%.2f", a / b}')
      [ -n "$base_lf" ] && [ "$base_lf" != - ] && xl=$(awk -v a="$rps" -v b="$base_lf" 'BEGIN {printf "%.2f", a / b}')
      mem=$(awk -v k="$rss" 'BEGIN {printf "%.1f MB", k / 1024}')
      rps=$(printf '%.0f' "$rps") cpu=$(printf '%.2f' "$cpu")
    fi
    local runs="$ok ok"
    [ "$failed" != 0 ] && runs="$runs, $failed FAILED (see above)"
    printf '%-12s %10s %7s %12s %15s %9s  %s\n' "$g" "$rps" "$xw" "$xl" "$cpu" "$mem" "$runs"
  done < "$tmp/tp-summary"
  # the http client against its library's ceiling: the bare libcurl loop
  awk '$1 == "curl-loop" && $2 != "-" {l = $2; lc = $3} $1 == "crowd-http" && $2 != "-" {h = $2; hc = $3}
       END {if (l && h) printf "crowd-http: %.2fx the bare libcurl loop'"'"'s req/s, %.2fx its CPU per request\n", h / l, hc / lc}' \
    "$tmp/tp-summary"
}

# ---- memory per user ----------------------------------------------------------------------

memory() {
  local n=10000 nl=5000 hold=20
  say ""
  say "== memory: $n users (Locust: $nl), each on its own keep-alive connection, one GET every 5 s"
  nginx_start 20000
  echo
  echo "Memory per connected user (peak RSS above a 1-user run, same scenario)"
  printf '%-12s %7s %12s %12s %10s %8s  %s\n' generator users "peak RSS" "1-user RSS" "per user" conns failures
  local g
  for g in crowd-http crowd-fast locust-fast; do
    available "$g" || continue
    local u=$n rate=1000 d=$hold
    [ "$g" = locust-fast ] && u=$nl rate=500 d=$((hold + 5))
    SCENARIO=memory BENCH_WAIT=5 RATE=1 run_gen "$g" 8 1
    local base
    base=$(run_parse "$g")
    # sample nginx's open connections near the end of the big run
    ( sleep $((d - 3)); nginx_status | awk '{print $2}' > "$tmp/conns" ) &
    local sampler=$!
    SCENARIO=memory BENCH_WAIT=5 RATE=$rate run_gen "$g" "$d" "$u"
    wait "$sampler"
    local big
    big=$(run_parse "$g")
    local conns
    conns=$(( $(cat "$tmp/conns" 2>/dev/null || echo 1) - 1 ))
    if [[ $big == FAILED* ]] || [[ $base == FAILED* ]]; then
      printf '%-12s %7s  %s\n' "$g" "$u" "${big#FAILED } ${base#FAILED }"
      continue
    fi
    local fails
    fails=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["table"]["Aggregated"]["fails"])' "$tmp/run/report.json" 2>/dev/null)
    read -r _ _ _ rss_big <<< "$big"
    read -r _ _ _ rss_one <<< "$base"
    printf '%-12s %7s %9.1f MB %9.1f MB %7.1f KB %8s  %s\n' "$g" "$u" "$(awk -v k="$rss_big" 'BEGIN {print k / 1024}')" \
      "$(awk -v k="$rss_one" 'BEGIN {print k / 1024}')" \
      "$(awk -v a="$rss_big" -v b="$rss_one" -v u="$u" 'BEGIN {print (a - b) / (u - 1)}')" "$conns" "${fails:-?}"
  done
  nginx_stop
}

# ---- latency fidelity ------------------------------------------------------------------------

latency() {
  local dport=$((port + 1))
  say ""
  say "== latency: the demo server's /delay/10 on core 0, $users connections, ${duration}s"
  [ -x "$build/crowd-demo-server" ] || { say "no $build/crowd-demo-server: latency skipped"; return; }
  "${prio[@]}" "${core0[@]}" "$build/crowd-demo-server" --port "$dport" --threads 1 --quiet \
    --port-file "$tmp/demo.port" 2> "$tmp/demo.err" &
  local demo=$!
  pids+=("$demo")
  local i
  for ((i = 0; i < 100; i++)); do [ -s "$tmp/demo.port" ] && break; sleep 0.05; done
  [ -s "$tmp/demo.port" ] || { say "the demo server did not start: $(cat "$tmp/demo.err")"; return; }
  local save_port=$port
  port=$dport
  echo
  echo "Latency of /delay/10 ($users connections, ${duration}s; ms)"
  printf '%-12s %8s %8s %12s %12s\n' generator p50 p99 "p50 - wrk" "p99 - wrk"
  local g w50= w99=
  # wrk runs again last: its difference from the first run is the noise
  # between runs, the yardstick for the others' differences
  local label
  for label in wrk crowd-http crowd-fast wrk-again; do
    g=${label%-again}
    available "$g" || continue
    CROWD_REPORT_JSON=$tmp/run/crowd.json SCENARIO=latency run_gen "$g" "$duration" "$users" /delay/10
    local p50 p99
    if [ "$g" = wrk ]; then
      p50=$(awk '$1 == "50%" {print $2}' "$tmp/run/out") p99=$(awk '$1 == "99%" {print $2}' "$tmp/run/out")
      # wrk prints 10.21ms, 980.00us or 1.02s
      to_ms() { awk -v v="$1" 'BEGIN {n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; print n}'; }
      p50=$(to_ms "$p50") p99=$(to_ms "$p99")
      [ "$label" = wrk ] && w50=$p50 w99=$p99
    else
      # the exact percentiles (the console's are whole milliseconds, as Locust's)
      read -r p50 p99 < <("$PY" -c '
import json, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    if e["name"] == "/delay/10":
        p = e["response_time_ms"]["percentiles"]
        print(p["50%"], p["99%"])' "$tmp/run/crowd.json" 2>/dev/null)
    fi
    if [ -z "$p50" ]; then
      printf '%-12s  FAILED: %s\n' "$g" "$(tail -1 "$tmp/run/err")"
      continue
    fi
    printf '%-12s %8.2f %8.2f %12s %12s\n' "$label" "$p50" "$p99" \
      "$(awk -v a="$p50" -v b="$w50" 'BEGIN {printf "%+.2f", a - b}')" \
      "$(awk -v a="$p99" -v b="$w99" 'BEGIN {printf "%+.2f", a - b}')"
  done
  port=$save_port
  kill "$demo" 2>/dev/null && wait "$demo" 2>/dev/null
}

# ---- start-up: time to the first request -----------------------------------------------------------

# A one-shot listener takes the time just before it starts the executable
# and again when the first request's bytes arrive: process start, dynamic
# linking, option parsing, the first user and its first connect and send.
startup() {
  say ""
  say "== start-up: time from exec to the first request's bytes at a listener (median of 9)"
  local exe g
  echo
  echo "Start-up: exec to first request (ms, median of 9)"
  for g in crowd-http crowd-fast wrk; do
    available "$g" || continue
    case $g in
    wrk) exe=wrk ;;
    *) exe=$(compile throughput "${g#crowd-}") ;;
    esac
    local t
    t=$("$PY" - "$g" "$exe" <<'PY'
import socket, statistics, subprocess, sys, time
g, exe = sys.argv[1], sys.argv[2]
times = []
for _ in range(9):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0)); s.listen(16)
    url = "http://127.0.0.1:%d" % s.getsockname()[1]
    cmd = ["wrk", "-t1", "-c1", "-d1s", url + "/"] if g == "wrk" else \
          [exe, "--headless", "-u", "1", "-r", "1", "-t", "2s", "-H", url, "--only-summary"]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s.settimeout(5)
    c, _ = s.accept(); c.recv(1)
    times.append((time.monotonic() - t0) * 1000)
    p.kill(); p.wait(); c.close(); s.close()
print("%.1f" % statistics.median(times))
PY
)
    printf '%-12s %8s ms\n' "$g" "${t:-FAILED}"
  done
}

# ---- crowdc compile time ------------------------------------------------------------------------

compile_time() {
  say ""
  say "== compile: crowdc on a generated 100-task scenario (median of 3)"
  local f=$tmp/tasks100.crowd i
  {
    echo ';; 100 tasks, generated by bench/run.sh'
    echo '(scenario hundred :host "http://127.0.0.1:8080")'
    echo '(user Many :wait (between 1s 2s)'
    for ((i = 1; i <= 100; i++)); do
      echo "  (task t$i :weight $((i % 5 + 1)) (let id (random-int 1 100))"
      echo "    (get \"/api/products/{id}\" :name \"/api/products/[id] $i\")"
      echo "    (post \"/orders\" :json {:sku \"s$i\" :qty $i} :headers {\"X-Task\" \"t$i\"}))"
    done
    echo ')'
  } > "$f"
  local emit=() full=() r t0
  for r in 1 2 3; do # wall-clock milliseconds
    t0=$(ms_now)
    "$CROWDC" --emit-c "$f" -o "$tmp/h.c" 2> /dev/null || { echo "crowdc --emit-c failed"; return; }
    emit+=("$(awk -v a="$(ms_now)" -v b="$t0" 'BEGIN {print (a - b) / 1000}')")
    t0=$(ms_now)
    "$CROWDC" "$f" -o "$tmp/h" 2> /dev/null || { echo "crowdc failed"; return; }
    full+=("$(awk -v a="$(ms_now)" -v b="$t0" 'BEGIN {print (a - b) / 1000}')")
  done
  local e fu
  e=$(printf '%s\n' "${emit[@]}" | median) fu=$(printf '%s\n' "${full[@]}" | median)
  echo
  echo "crowdc, 100 tasks ($(wc -l < "$tmp/h.c") lines of C):"
  printf '  crowdc alone (--emit-c) %6.3f s\n  full build               %6.3f s  (the C compiler and linker: %.3f s)\n' \
    "$e" "$fu" "$(awk -v a="$fu" -v b="$e" 'BEGIN {print a - b}')"
}

# ---- scaling: --processes -------------------------------------------------------------------------

# Does one crowd executable scale with cores?  With 2C cores nginx gets the
# first C (C workers) and crowd-fast the other C, run with --processes 1 and
# then C: the req/s ratio is the speed-up.  On a 2-core machine (C = 1) both
# runs share one core, so the figure is what --processes costs (CPU per
# request with 2 processes against 1, merging included), not a speed-up.
scaling() {
  local half=$((ncpu / 2)) procs p r
  local save0=("${core0[@]}") save1=("${core1[@]}")
  core0=(taskset -c "0-$((half - 1))") core1=(taskset -c "$half-$((half * 2 - 1))")
  procs=(1 "$half")
  [ "$half" = 1 ] && procs=(1 2)
  say ""
  say "== scaling: nginx ($half workers) on cores 0-$((half - 1)), crowd-fast on cores $half-$((half * 2 - 1)), $users connections, ${duration}s x $repeat"
  [ "$half" = 1 ] && say "   (2 cores: both runs share one core; the ratio is --processes' cost, not a speed-up)"
  available crowd-fast || return
  nginx_workers=$half
  nginx_start 4096
  for p in "${procs[@]}"; do : > "$tmp/sc-$p"; done
  for ((r = 1; r <= repeat; r++)); do
    for p in "${procs[@]}"; do
      PROCS=$p run_gen crowd-fast "$duration" "$users"
      local res
      res=$(run_parse crowd-fast)
      echo "$res" >> "$tmp/sc-$p"
      say "  round $r processes $p: $res"
    done
  done
  nginx_stop
  nginx_workers=1 core0=("${save0[@]}") core1=("${save1[@]}")
  echo
  echo "Scaling (crowd-fast --processes, $users connections, ${duration}s runs, median of $repeat)"
  printf '%-10s %10s %12s %15s  %s\n' processes "req/s" "x 1 process" "CPU s/100k req" runs
  local base=
  for p in "${procs[@]}"; do
    local ok rps cpu
    ok=$(grep -v '^FAILED' "$tmp/sc-$p")
    if [ -z "$ok" ]; then
      printf '%-10s %10s  %s\n' "$p" - "all runs FAILED (see above)"
      continue
    fi
    rps=$(echo "$ok" | awk '{print $2}' | median)
    cpu=$(echo "$ok" | awk '{print $3 / $1 * 100000}' | median)
    [ -z "$base" ] && base=$rps
    printf '%-10s %10.0f %12.2f %15.2f  %s ok\n' "$p" "$rps" "$(awk -v a="$rps" -v b="$base" 'BEGIN {print a / b}')" \
      "$cpu" "$(echo "$ok" | wc -l)"
  done
}

# ---- stats micro-benchmark ---------------------------------------------------------------------------

stats() {
  say ""
  say "== stats: make bench/stats_bench"
  make -s -C "$build" bench/stats_bench >/dev/null 2> "$tmp/make.err" ||
    { echo "cannot build bench/stats_bench: $(tail -3 "$tmp/make.err")"; return; }
  echo
  echo "Stats micro-benchmark (bench/stats_bench on core 1)"
  "${prio[@]}" "${core1[@]}" "$build/bench/stats_bench" | sed 's/^/  /'
}

machine
want throughput && throughput
want memory && memory
want latency && latency
want startup && startup
want compile && compile_time
want stats && stats
want scaling && scaling
exit 0
