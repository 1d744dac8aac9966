#!/bin/bash
# Safe defaults (doc/running.md, "Safe defaults"):
#  1. TLS certificates are verified: a self-signed server fails each request
#     with a certificate error (both clients), while curl trusting that
#     certificate gets through (the server works).
#  2. Nothing of crowdc's environment is baked into an executable.
#  3. The executable talks only to the hosts it is given: *_proxy
#     environment variables do not reroute it (both clients).
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir safe_defaults)

# ---- 2. no build-machine environment in executables (first: no server)
cat > "$dir/env.crowd" <<'CROWD'
(scenario env)
(user U (task t (get "/health")))
CROWD
secret=crowd-secret-$$-$RANDOM
CROWD_TEST_SECRET=$secret API_TOKEN=$secret "$CROWDC" "$dir/env.crowd" -o "$dir/env" ||
  fail "crowdc failed"
CROWD_TEST_SECRET=$secret "$CROWDC" --emit-c "$dir/env.crowd" -o "$dir/env.c" || fail "crowdc failed"
if grep -q -a -- "$secret" "$dir/env" "$dir/env.c"; then
  fail "an environment value of crowdc ended up in the executable"
fi
note "no environment value in the executable"

# ---- 3. *_proxy variables do not reroute requests
demo_start
proxy_dir=$dir/proxy
mkdir -p "$proxy_dir"
python3 - "$proxy_dir" <<'PY' &
import os, socket, sys
d = sys.argv[1]
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
with open(d + "/port.tmp", "w") as f: f.write(str(s.getsockname()[1]))
os.rename(d + "/port.tmp", d + "/port")
s.settimeout(30)
try:
    while True:
        c, _ = s.accept()
        with open(d + "/connections", "a") as f: f.write("1\n")
        c.close()
except OSError:
    pass
PY
proxy_pid=$!
at_exit "kill $proxy_pid 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ -s "$proxy_dir/port" ] && break; sleep 0.05; done
proxy=http://127.0.0.1:$(cat "$proxy_dir/port")
for client in http fast; do
  printf '(scenario px :client %s)\n(user U :wait (constant 100ms) (task t (get "/health")))\n' \
    "$client" > "$dir/px-$client.crowd"
  "$CROWDC" "$dir/px-$client.crowd" -o "$dir/px-$client" || fail "crowdc failed"
  demo_stats_reset
  http_proxy=$proxy HTTP_PROXY=$proxy https_proxy=$proxy HTTPS_PROXY=$proxy \
    ALL_PROXY=$proxy all_proxy=$proxy no_proxy= NO_PROXY= \
    "$dir/px-$client" --headless -u 2 -r 2 -t 1s -H "$DEMO_URL" 2> "$dir/px-$client.err"
  code=$?
  [ "$code" = 0 ] || { cat "$dir/px-$client.err"; fail ":client $client with *_proxy set: exit code $code"; }
  n=$(json_get "$(demo_stats_json)" total)
  [ "$n" -gt 0 ] || fail ":client $client: no request reached the server"
  [ -s "$proxy_dir/connections" ] && fail ":client $client: connected to the *_proxy address"
  note ":client $client: $n requests to the host, none to the proxy"
done

# ---- 1. TLS verification on by default
need_cmd openssl curl
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" \
  > "$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log"; fail "openssl req failed"; }
port=$(free_port)
openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$dir/cert.pem" \
  -key "$dir/key.pem" > "$dir/s_server.log" 2>&1 < /dev/null &
tls_pid=$!
at_exit "kill $tls_pid 2>/dev/null"
ok=
for ((i = 0; i < 100; i++)); do
  curl -s -o /dev/null -m 2 --cacert "$dir/cert.pem" "https://127.0.0.1:$port/" && { ok=1; break; }
  sleep 0.05
done
[ -n "$ok" ] || fail "the TLS test server does not answer curl --cacert: $(cat "$dir/s_server.log")"
for client in http fast; do
  printf '(scenario tls :host "https://127.0.0.1:%s" :client %s)\n(user U :wait (constant 200ms) (task t (get "/" :name "tls")))\n' \
    "$port" "$client" > "$dir/tls-$client.crowd"
  "$CROWDC" "$dir/tls-$client.crowd" -o "$dir/tls-$client" || fail "crowdc failed"
  "$dir/tls-$client" --headless -u 1 -r 1 -t 1s 2> "$dir/tls-$client.err"
  code=$?
  [ "$code" = 1 ] || { cat "$dir/tls-$client.err"; fail ":client $client: exit code $code against a self-signed certificate, expected 1"; }
  python3 "$top_srcdir/tests/e2e/console.py" "$dir/tls-$client.err" > "$dir/tls-$client.json" ||
    fail "cannot read the report"
  python3 - "$dir/tls-$client.json" <<'PY' || { cat "$dir/tls-$client.err"; fail ":client $client: no certificate error"; }
import json, sys
rep = json.load(open(sys.argv[1])); t = rep["table"]["GET tls"]
assert t["reqs"] >= 1 and t["fails"] == t["reqs"], t
errs = [e["error"] for e in rep["errors"]]
assert errs and all("certificate" in e for e in errs), errs
PY
  note ":client $client: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errors"][0]["error"])' "$dir/tls-$client.json")"
done
pass
