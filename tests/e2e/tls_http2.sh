#!/bin/bash
# HTTP/2 and TLS client certificates against a real server: nginx, started
# here on loopback with a throwaway CA, a server certificate and client
# certificates made by openssl.  Its access log records each request's
# protocol and the client certificate nginx verified, so the test knows:
#  - :http2 true sends HTTP/2.0 (ALPN), the same user class without it
#    HTTP/1.1, and the fast client HTTP/1.1;
#  - a server that requires a client certificate answers 200 to users of
#    both clients that present the scenario's (or their own) certificate,
#    400 to those that present none or one from another CA;
#  - --client-cert/--client-key give one to every user;
#  - a certificate without its key, a key that is not its key, or a file
#    that cannot be read stop the run before any request (exit code 4).
. "$(dirname "$0")/lib.sh"
need_cmd openssl python3
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip "needs nginx (nginx-light)"
dir=$(tmpdir)
cd "$dir" || exit 99

# ---- certificates ------------------------------------------------------------
ssl() { openssl "$@" >> "$dir/openssl.log" 2>&1 || fail "openssl $1 failed: $(tail -3 "$dir/openssl.log")"; }
ca() { # ca NAME: a self-signed CA
  ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$1" -keyout "$1.key" -out "$1.pem"
}
leaf() { # leaf NAME CA CN [EXTFILE]: a key and a certificate signed by CA
  ssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$3" -keyout "$1.key" -out "$1.csr"
  ssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 -out "$1.pem" ${4:+-extfile "$4"}
}
ca ca
ca rogue
printf 'subjectAltName=IP:127.0.0.1\n' > server.ext
leaf server ca 127.0.0.1 server.ext
leaf client ca crowd-client
leaf other rogue crowd-rogue
cat client.pem client.key > both.pem # one file holding both

# ---- nginx --------------------------------------------------------------------
p1=$(free_port)
p2=$(free_port)
[ "$p1" != "$p2" ] || p2=$(free_port)
mkdir -p nginx/tmp || exit 99
cat > nginx/nginx.conf <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 256; }
http {
  log_format proto '\$server_port \$uri \$status \$server_protocol "\$ssl_client_s_dn"';
  access_log $dir/nginx/access.log proto;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  ssl_certificate $dir/server.pem;
  ssl_certificate_key $dir/server.key;
  default_type text/plain;
  server {
    listen 127.0.0.1:$p1 ssl http2;
    location / { return 200 "\$server_protocol\n"; }
  }
  server {
    listen 127.0.0.1:$p2 ssl http2;
    ssl_verify_client on;
    ssl_client_certificate $dir/ca.pem;
    location / { return 200 "\$ssl_client_s_dn\n"; }
  }
}
EOF
"$NGINX" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" 2> nginx/stderr &
nginx_pid=$!
at_exit 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null'
for ((i = 0; i < 200; i++)); do
  kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited: $(cat nginx/stderr nginx/error.log 2>/dev/null)"
  [ "$(curl -sk -o /dev/null -m 1 -w '%{http_code}' "https://127.0.0.1:$p1/ready")" = 200 ] && break
  sleep 0.05
done
[ "$i" -lt 200 ] || fail "nginx not ready after 10 s: $(cat nginx/error.log)"

# log_for PORT PATH: the access log lines of PATH on PORT, without the port
log_for() { grep "^$1 $2 " nginx/access.log | cut -d' ' -f3-; }

# ---- :http2 --------------------------------------------------------------------
cat > h2.crowd <<EOF
(scenario h2 :host "https://127.0.0.1:$p1")
(user Two :client http :http2 true :verify false :wait (constant 50ms)
  (task t (get "/two" (expect (status 200) (body :contains "HTTP/2.0")))))
(user One :client http :verify false :wait (constant 50ms)
  (task t (get "/one" (expect (status 200) (body :contains "HTTP/1.1")))))
(user Fast :client fast :verify false :wait (constant 50ms)
  (task t (get "/fast" (expect (status 200)))))
EOF
"$CROWDC" h2.crowd -o h2 || fail "crowdc h2.crowd failed"
timeout 20 ./h2 --headless -u 3 -r 10 -t 1s 2> h2.stderr
code=$?
[ "$code" = 0 ] || { cat h2.stderr; fail ":http2 run: exit code $code, expected 0"; }
for want in "/two HTTP/2.0" "/one HTTP/1.1" "/fast HTTP/1.1"; do
  path=${want% *} proto=${want#* }
  n=$(log_for "$p1" "$path" | grep -c "^200 $proto ")
  other=$(log_for "$p1" "$path" | grep -vc "^200 $proto ")
  [ "$n" -ge 3 ] && [ "$other" = 0 ] ||
    fail "$path: $n requests with 200 $proto, $other others (expected >= 3 and 0): $(log_for "$p1" "$path" | sort | uniq -c)"
  note "$path: $n requests, all $proto"
done

# ---- client certificates --------------------------------------------------------
cat > certs.crowd <<EOF
(scenario certs :host "https://127.0.0.1:$p2" :client-cert "client.pem" :client-key "client.key")
(user A :client http :verify false :wait (constant 50ms)
  (task t (get "/a" (expect (status 200) (body :contains "CN=crowd-client")))))
(user B :client fast :verify false :wait (constant 50ms)
  (task t (get "/b" (expect (status 200) (body :contains "CN=crowd-client")))))
(user C :client http :verify false :wait (constant 50ms) :client-cert "both.pem" :client-key "both.pem"
  (task t (get "/c" (expect (status 200)))))
EOF
cat > nocert.crowd <<EOF
(scenario nocert :host "https://127.0.0.1:$p2")
(user D :client http :verify false :wait (constant 50ms)
  (task t (get "/d" (expect (status 400)))))
(user E :client fast :verify false :wait (constant 50ms)
  (task t (get "/e" (expect (status 400)))))
(user F :client fast :verify false :wait (constant 50ms) :client-cert "other.pem" :client-key "other.key"
  (task t (get "/f" (expect (status 400)))))
(user G :client http :verify false :wait (constant 50ms) :client-cert "other.pem" :client-key "other.key"
  (task t (get "/g" (expect (status 400)))))
EOF
mkdir -p elsewhere
"$CROWDC" certs.crowd -o certs && "$CROWDC" nocert.crowd -o nocert || fail "crowdc failed"
# run NAME EXE ARGS...: from another directory (the files are the scenario's)
run() {
  local name=$1 exe=$2
  shift 2
  (cd elsewhere && timeout 20 "../$exe" --headless -r 10 -t 1s "$@") 2> "$name.stderr"
  code=$?
  [ "$code" = 0 ] || { cat "$name.stderr"; fail "$name: exit code $code, expected 0"; }
}
run certs certs -u 3
run nocert nocert -u 4
# expect PATH STATUS DN: every request to PATH answered STATUS, nginx saw DN
# (- for no certificate)
expect() {
  local n other
  n=$(log_for "$p2" "$1" | grep -c "^$2 HTTP/1.1 \"$3\"$")
  other=$(log_for "$p2" "$1" | grep -vc "^$2 HTTP/1.1 \"$3\"$")
  [ "$n" -ge 3 ] && [ "$other" = 0 ] ||
    fail "$1: $n requests with $2 and \"$3\", $other others: $(log_for "$p2" "$1" | sort | uniq -c)"
  note "$1: $n requests, $2, client certificate: $3"
}
expect /a 200 CN=crowd-client
expect /b 200 CN=crowd-client
expect /c 200 CN=crowd-client
expect /d 400 -
expect /e 400 -
expect /f 400 CN=crowd-rogue
expect /g 400 CN=crowd-rogue

# --client-cert/--client-key: every user presents it (paths from the working directory)
sed -i 's/(expect (status 400))/(expect (status 200))/' nocert.crowd
"$CROWDC" nocert.crowd -o nocert2 || fail "crowdc failed"
(cd elsewhere && timeout 20 ../nocert2 --headless -u 4 -r 10 -t 1s --client-cert ../client.pem --client-key ../client.key) 2> override.stderr
code=$?
[ "$code" = 0 ] || { cat override.stderr; fail "--client-cert: exit code $code, expected 0"; }
for p in /d /e /f /g; do
  n=$(log_for "$p2" "$p" | grep -c "^200 HTTP/1.1 \"CN=crowd-client\"$")
  [ "$n" -ge 3 ] || fail "--client-cert: $p: $n requests with 200 and the client's certificate"
done
note "--client-cert: every user presented it"

# ---- certificates that cannot be used: errors before any request -------------------
before=$(wc -l < nginx/access.log)
# bad ARGS... -- MESSAGE: the run exits 4 with MESSAGE on stderr
bad() {
  local msg=${*: -1} args=("${@:1:$#-1}")
  (cd elsewhere && timeout 20 ../nocert --headless -u 1 -r 1 -t 1s "${args[@]}") 2> bad.stderr
  code=$?
  [ "$code" = 4 ] || { cat bad.stderr; fail "${args[*]}: exit code $code, expected 4"; }
  grep -qF -- "$msg" bad.stderr || { cat bad.stderr; fail "${args[*]}: expected '$msg'"; }
}
bad --client-cert ../client.pem "crowd: error: argument --client-cert: needs --client-key too"
bad --client-cert ../client.pem --client-key ../other.key "the key in ../other.key does not belong to the certificate in ../client.pem"
bad --client-cert ../nothere.pem --client-key ../client.key "cannot read the client certificate ../nothere.pem: No such file or directory"
bad --client-cert ../client.key --client-key ../client.key "../client.key holds no PEM certificate"
bad --client-cert ../client.pem --client-key ../client.pem "../client.pem holds no PEM private key"
sed 's/"client.key")$/"gone.key")/' certs.crowd > gone.crowd
"$CROWDC" gone.crowd -o gone || fail "crowdc gone.crowd failed"
(cd elsewhere && timeout 20 ../gone --headless -u 1 -r 1 -t 1s) 2> bad.stderr
code=$?
[ "$code" = 4 ] || { cat bad.stderr; fail "gone.key: exit code $code, expected 4"; }
grep -qF "crowd: error: user A (gone.crowd:1:" bad.stderr && grep -qF "cannot read the client key $dir/gone.key: No such file" bad.stderr ||
  { cat bad.stderr; fail "gone.key: not the expected message"; }
[ "$(wc -l < nginx/access.log)" = "$before" ] || fail "a request reached nginx after a certificate error"
pass
