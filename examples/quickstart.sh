#!/bin/bash
# quickstart.sh — from a fresh checkout to a real load test in one command:
# installs missing Debian packages (as root), builds crowd, starts the demo
# shop server, compiles examples/checkout.crowd and runs it headless for
# about 20 seconds, then stops the server.
#   examples/quickstart.sh [extra options for the executable]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/deps.sh"

crowd_install_deps
crowd_build "$top"
cd "$top"

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

./crowd-demo-server --port 0 --port-file "$work/port" --quiet &
server_pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "quickstart: the demo server did not start" >&2; exit 1; }
host="http://127.0.0.1:$(cat "$work/port")"
echo "quickstart: demo server at $host"

./crowdc examples/checkout.crowd -o checkout
echo "quickstart: compiled examples/checkout.crowd into ./checkout"
echo "quickstart: ./checkout --headless -u 50 -r 10 -t 20s -H $host $*"
./checkout --headless -u 50 -r 10 -t 20s -H "$host" "$@"
