#!/bin/bash
# The web UI in a real browser: headless Chromium (Debian's chromium) driven
# by playwright-core (npm, pinned by tests/e2e/browser/package-lock.json and
# installed under $top_builddir/tests/e2e/browser/node_modules when missing).
# Fills the start form, watches the table and the charts, stops the test,
# compares the CSV download with /stats/requests.  Screenshots are kept in
# tests/tmp/webui_browser/shots (CROWD_KEEP_TMP=1 keeps them after a pass).
# Skips (77) only when chromium, node or playwright-core cannot be installed.
. "$(dirname "$0")/lib.sh"
need_cmd curl python3

# chromium and node from Debian, installed when missing and root
missing=()
command -v chromium > /dev/null 2>&1 || missing+=(chromium)
command -v node > /dev/null 2>&1 || missing+=(nodejs)
command -v npm > /dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      > "$TEST_TMPDIR/apt.log" 2>&1
  command -v chromium > /dev/null 2>&1 && command -v node > /dev/null 2>&1 && command -v npm > /dev/null 2>&1 ||
    skip "needs ${missing[*]} (Debian packages), which could not be installed"
fi
# playwright-core, at the version the lock file pins
pw=$top_builddir/tests/e2e/browser
if [ ! -f "$pw/node_modules/playwright-core/package.json" ] ||
   ! cmp -s "$top_srcdir/tests/e2e/browser/package-lock.json" "$pw/package-lock.json"; then
  mkdir -p "$pw" || exit 99
  [ "$pw" -ef "$top_srcdir/tests/e2e/browser" ] ||
    cp "$top_srcdir/tests/e2e/browser/package.json" "$top_srcdir/tests/e2e/browser/package-lock.json" "$pw/"
  ( cd "$pw" && timeout 300 npm ci --no-audit --no-fund --ignore-scripts > "$TEST_TMPDIR/npm.log" 2>&1 ) ||
    skip "cannot install playwright-core from npm: $(tail -n 3 "$TEST_TMPDIR/npm.log")"
fi

dir=$(tmpdir webui_browser)
shots=$dir/shots
mkdir -p "$shots" || exit 99
cat > "$dir/b.crowd" <<'CROWD'
(scenario browser)
(user Browser :weight 3 :wait (constant 20ms)
  (task health (get "/health" :name "health"))
  (task tricky (get "/health" :name "<b>bold</b> & \"quoted\"")))
(user Broken :weight 1 :wait (constant 50ms)
  (task missing (get "/api/products/0" :name "product 0")))
(threshold fail-ratio < 50%)
CROWD
"$CROWDC" "$dir/b.crowd" -o "$dir/b" || fail "crowdc failed"
demo_start

port=$(free_port)
"$dir/b" -H "$DEMO_URL" -P "$port" > "$dir/ui.out" 2> "$dir/ui.err" &
ui_pid=$!
at_exit "kill -TERM $ui_pid 2>/dev/null; wait $ui_pid 2>/dev/null"
for ((i = 0; i < 200; i++)); do
  curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/" && break
  kill -0 "$ui_pid" 2>/dev/null || fail "the UI exited: $(cat "$dir/ui.err")"
  sleep 0.05
done

NODE_PATH=$pw/node_modules timeout 120 node "$top_srcdir/tests/e2e/browser/webui.js" \
  "http://127.0.0.1:$port/" "$shots" > "$dir/node.out" 2>&1
code=$?
cat "$dir/node.out"
[ "$code" = 0 ] || fail "the browser test failed (exit $code); screenshots in $shots"
note "screenshots: $(cd "$shots" && ls ./*.png | tr '\n' ' ')"
pass
