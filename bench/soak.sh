#!/bin/bash
# bench/soak.sh — a constant-load soak run: memory and descriptors stay flat.
#
#   bench/soak.sh [--duration 600] [--client http|fast|both] [--users 200]
#                 [--rate 50] [--build DIR] [--samples FILE] [--keep]
#
# Starts the demo server on a free port and runs bench/soak.crowd (checks,
# saves, a feeder) at a constant --users with a 50-150 ms wait and the CSV
# report on. With --client both the two clients run at the same time, each
# its own executable for the whole duration. Every 10 s it samples each
# executable's RSS (VmRSS) and open descriptors into --samples (CSV), then
# prints RSS and fds at the 20% mark (minute 2 of 10) and at the end, the
# change, PASS/FAIL against "flat within 5%", and the final table's request
# and failure counts. doc/testing.md records the latest run. On demand
# only, never part of make check (without --samples the temporary directory
# is kept); everything listens on 127.0.0.1 and is
# stopped on exit.
set -u

duration=600 client=both users=200 rate=50 samples= keep=
src=$(cd "$(dirname "$0")/.." && pwd)
build=${CROWD_BUILD:-}
usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
  --duration) duration=${2:?}; shift 2 ;;
  --client) client=${2:?}; shift 2 ;;
  --users) users=${2:?}; shift 2 ;;
  --rate) rate=${2:?}; shift 2 ;;
  --build) build=${2:?}; shift 2 ;;
  --samples) samples=${2:?}; shift 2 ;;
  --keep) keep=1; shift ;;
  -h | --help) usage ;;
  *) echo "soak.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
case $client in http | fast) clients=("$client") ;; both) clients=(fast http) ;;
*) echo "soak.sh: --client is http, fast or both" >&2; usage ;; esac
case "$duration$users$rate" in *[!0-9]*) echo "soak.sh: numbers only" >&2; exit 2 ;; esac
[ "$duration" -ge 50 ] || { echo "soak.sh: --duration is at least 50 (seconds)" >&2; exit 2; }

say() { printf '%s\n' "$*" >&2; }
die() { say "soak.sh: $*"; exit 2; }

# ---- prerequisites ------------------------------------------------------------

if [ -z "$build" ]; then
  for d in "$src" "$PWD"; do [ -x "$d/crowdc" ] && build=$d && break; done
fi
missing=()
[ -n "$build" ] && [ -x "$build/crowdc" ] && [ -x "$build/crowd-demo-server" ] ||
  missing+=("the crowd build (crowdc, crowd-demo-server): build crowd, then pass --build DIR or run from the build dir")
command -v python3 >/dev/null 2>&1 || missing+=("python3 (Debian package python3)")
[ -r /proc/self/status ] && [ -d /proc/self/fd ] || missing+=("Linux /proc (VmRSS and fd/)")
need_files=$(((users + 50) * ${#clients[@]} + 100))
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge "$need_files" ] ||
  missing+=("an open-file limit of $need_files (ulimit -Hn is $hard)")
if [ ${#missing[@]} -gt 0 ]; then
  say "soak.sh: missing prerequisites:"
  for m in "${missing[@]}"; do say "  - $m"; done
  exit 2
fi
ulimit -n "$hard" 2>/dev/null || ulimit -n "$need_files" 2>/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crowd-soak.XXXXXX") || die "cannot make a temporary directory"
[ -n "$samples" ] || { samples=$tmp/samples.csv; keep=1; } # else they are lost
pids=()
cleanup() {
  local i
  # the generators first, then the server (else their last requests fail)
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[$i]}" 2>/dev/null && wait "${pids[$i]}" 2>/dev/null
  done
  if [ -n "$keep" ]; then say "soak.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The server on core 0, the generators on the others (when there are two or
# more cores): a busy server must not steal the generators' CPU.
ncpu=$(nproc)
core0=() gens=()
if [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
  core0=(taskset -c 0) gens=(taskset -c "1-$((ncpu - 1))")
fi

say "machine: $ncpu cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the demo server -------------------------------------------------------------

"${core0[@]}" "$build/crowd-demo-server" --port 0 --port-file "$tmp/demo.port" --quiet 2> "$tmp/demo.err" &
pids+=("$!")
for ((i = 0; i < 100; i++)); do [ -s "$tmp/demo.port" ] && break; sleep 0.05; done
[ -s "$tmp/demo.port" ] || die "the demo server did not start: $(cat "$tmp/demo.err")"
port=$(cat "$tmp/demo.port")

# ---- the generators ----------------------------------------------------------------

seq 1 100 | sed '1i id' > "$tmp/soak-products.csv"
declare -A gen_pid
for c in "${clients[@]}"; do
  sed "s/:client http/:client $c/" "$src/bench/soak.crowd" > "$tmp/soak-$c.crowd"
  "$build/crowdc" "$tmp/soak-$c.crowd" -o "$tmp/soak-$c" 2> "$tmp/crowdc-$c.err" ||
    die "crowdc refused bench/soak.crowd for the $c client: $(cat "$tmp/crowdc-$c.err")"
done
together=; [ ${#clients[@]} -gt 1 ] && together=" at the same time"
say "soak: ${clients[*]}$together, $users users each (spawn rate $rate/s), ${duration}s, demo server on 127.0.0.1:$port"
for c in "${clients[@]}"; do
  "${gens[@]}" timeout $((duration + 120)) "$tmp/soak-$c" --headless -u "$users" -r "$rate" \
    -t "${duration}s" -H "http://127.0.0.1:$port" --csv "$tmp/csv-$c" --only-summary \
    > "$tmp/out-$c" 2> "$tmp/err-$c" &
  pids+=("$!")
  # the executable is timeout's child: sample it, not timeout
  for ((i = 0; i < 100; i++)); do
    read -r child < "/proc/$!/task/$!/children" 2>/dev/null && [ -n "${child:-}" ] && break
    sleep 0.05
  done
  [ -n "${child:-}" ] || die "the $c executable did not start: $(cat "$tmp/err-$c")"
  gen_pid[$c]=$child child=
done

# Every 10 s from the start (not 10 s after the last sample: no drift).
sample() { # sample PID: "RSS_KB FDS", or nothing once it has exited
  local rss fds
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null)
  fds=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  [ -n "$rss" ] && echo "$rss $fds"
}
echo "client,seconds,rss_kb,fds" > "$samples"
start=$(date +%s%N)
for ((t = 10; ; t += 10)); do
  now=$(date +%s%N)
  wait_ns=$((start + t * 1000000000 - now))
  # in the background, so that a signal stops the script at once
  [ "$wait_ns" -gt 0 ] && { sleep "$(awk -v n="$wait_ns" 'BEGIN {printf "%.3f", n / 1e9}')" & wait $!; }
  alive=0
  for c in "${clients[@]}"; do
    s=$(sample "${gen_pid[$c]}") || continue
    [ -n "$s" ] || continue
    alive=1
    echo "$c,$t,${s// /,}" >> "$samples"
  done
  [ "$alive" = 1 ] || break
  [ $((t % 60)) = 0 ] && say "  ${t}s: $(grep ",$t," "$samples" | awk -F, '{printf "%s %.1f MB %d fds  ", $1, $3 / 1024, $4}')"
done
codes=() i=0
for c in "${clients[@]}"; do # the timeout processes, in launch order
  wait "${pids[$((i + 1))]}"
  codes+=("$?") i=$((i + 1))
done

# ---- the figures -------------------------------------------------------------------

# The 20% mark is the first sample at or after duration/5 (minute 2 of 10);
# the end is the last sample taken at or before the duration (the reports
# are being written after it).
mark=$((duration / 5))
echo
echo "Soak: ${duration}s, $users users per client, samples in $samples"
printf '%-6s %9s %9s %10s %10s %8s %6s %6s %8s  %s\n' client requests failures \
  "RSS@${mark}s" "RSS@end" change "fds@$mark" "fds@end" change verdict
verdict_all=PASS i=0
for c in "${clients[@]}"; do
  code=${codes[$i]}; i=$((i + 1))
  python3 "$src/tests/e2e/console.py" "$tmp/err-$c" > "$tmp/report-$c.json" 2>/dev/null
  read -r reqs fails < <(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["table"].get("Aggregated")
print(t["reqs"], t["fails"]) if t else print("- -")' "$tmp/report-$c.json" 2>/dev/null || echo "- -")
  read -r r0 f0 r1 f1 t1 < <(awk -F, -v c="$c" -v m="$mark" -v d="$duration" '
    $1 == c && $2 >= m && r0 == "" {r0 = $3; f0 = $4}
    $1 == c && $2 <= d {r1 = $3; f1 = $4; t1 = $2}
    END {print r0, f0, r1, f1, t1}' "$samples")
  if [ -z "${r1:-}" ] || [ -z "${r0:-}" ]; then
    printf '%-6s  FAILED: no samples (exit %s): %s\n' "$c" "$code" "$(tail -1 "$tmp/err-$c")"
    verdict_all=FAIL
    continue
  fi
  read -r dr df v < <(awk -v a="$r0" -v b="$r1" -v x="$f0" -v y="$f1" 'BEGIN {
    dr = (b - a) / a * 100; df = (y - x) / x * 100
    v = (dr <= 5 && dr >= -5 && df <= 5 && df >= -5) ? "PASS" : "FAIL"
    printf "%+.1f%% %+.1f%% %s\n", dr, df, v}')
  # the run must have ended by itself (0, or 1 when a request failed)
  [ "$code" = 0 ] || [ "$code" = 1 ] || v="FAIL(exit $code)"
  [ "$reqs" = - ] && v="FAIL(no final table)"
  [ "$v" = PASS ] || verdict_all=FAIL
  printf '%-6s %9s %9s %7.1f MB %7.1f MB %8s %6s %6s %8s  %s\n' "$c" "$reqs" "$fails" \
    "$(awk -v k="$r0" 'BEGIN {print k / 1024}')" "$(awk -v k="$r1" 'BEGIN {print k / 1024}')" \
    "$dr" "$f0" "$f1" "$df" "$v (end = ${t1}s)"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "verdict: $verdict_all (flat within 5% from the 20% mark to the end)"
[ "$verdict_all" = PASS ]
