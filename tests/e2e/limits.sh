#!/bin/bash
# Limits of the machine: the executable raises its open-file limit to the
# hard limit, and when -u users cannot fit the descriptors or the ephemeral
# ports it says so with the numbers and exits 4 (could not start) before sending anything.
. "$(dirname "$0")/lib.sh"
dir=$(tmpdir limits)
demo_start
cat > "$dir/lim.crowd" <<'CROWD'
(scenario lim)
(user Client
  :wait (constant 100ms)
  (task health (get "/health")))
CROWD
"$CROWDC" "$dir/lim.crowd" -o "$dir/lim" || fail "crowdc failed"

nothing_sent() {
  json_expect "$(demo_stats_json)" total=0
}

# 1. The hard limit itself is too low: an error with the numbers, exit 4.
(ulimit -n 64 && exec "$dir/lim" --headless -u 100 -r 100 -t 1s -H "$DEMO_URL") 2> "$dir/err1"
code=$?
cat "$dir/err1"
[ "$code" = 4 ] || fail "-u 100 with 64 files: exit code $code, expected 4"
grep -q "100 users need about 1[0-9][0-9] open files.*the open file limit is 64 (hard limit 64)" \
  "$dir/err1" || fail "no open-files message with the numbers"
nothing_sent

# 2. Only the soft limit is low: raised to the hard one, the run works.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 300 ]; then
  (ulimit -Sn 64 && exec "$dir/lim" --headless -u 100 -r 100 -t 1s -H "$DEMO_URL") 2> "$dir/err2"
  code=$?
  [ "$code" = 0 ] || { cat "$dir/err2"; fail "-u 100 with a soft limit of 64: exit code $code"; }
  grep -q "All users spawned.*(100 total users)" "$dir/err2" || fail "100 users did not spawn"
  demo_stats_reset
else
  note "hard open-file limit $hard: the raise is not tested"
fi

# 3. More users than ephemeral ports to one target: an error, exit 4.
read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range ||
  skip "no /proc/sys/net/ipv4/ip_local_port_range"
users=$((hi - lo + 2))
"$dir/lim" --headless -u "$users" -r 100 -t 1s -H "$DEMO_URL" 2> "$dir/err3"
code=$?
cat "$dir/err3"
[ "$code" = 4 ] || fail "-u $users: exit code $code, expected 4"
grep -q "$users users need $users connections to 127.0.0.1:$DEMO_PORT, but the ephemeral port range $lo-$hi (net.ipv4.ip_local_port_range) has only $((hi - lo + 1)) ports" \
  "$dir/err3" || fail "no ephemeral-port message with the numbers"
nothing_sent
pass
