#!/bin/bash
# Event hooks (doc/language.md "Events", doc/extensions.md): the test-wide
# events fire once each, in order; a filtered request handler runs once per
# matching failure; a C extension sees the request; a missing extension
# function is crowdc's error at the call; an unwritable write-file path stops
# the run (exit 4) before any request.
. "$(dirname "$0")/lib.sh"
need_cmd python3 nm
dir=$(tmpdir)
demo_start

cat > "$dir/hooks.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <crowd/extension.h>

void record_failure(const crowd_event *ev);

/* one line per call: event|method|name|status|error|variable */
void record_failure(const crowd_event *ev)
{
  FILE *f = fopen(getenv("EVENTS_EXT_OUT"), "a");
  if (!f)
    return;
  const char *err = crowd_event_error(ev), *v = crowd_event_var(ev, "tag");
  fprintf(f, "%s|%s|%s|%ld|%s|%s\n", crowd_event_type_name(ev), crowd_event_method(ev),
          crowd_event_name(ev), crowd_event_status(ev), err ? err : "(none)", v ? v : "(nil)");
  fclose(f);
}
C

cat > "$dir/events.crowd" <<CROWD
(scenario events)
(user Client
  :wait (constant 50ms)
  (task ok (get "/health" :name "ok"))
  (task broken (get "/status/500" :name "boom")))
(on test-start (write-file "$dir/order.log" "test-start {users}"))
(on spawning-complete (write-file "$dir/order.log" "spawning-complete {users}"))
(on test-stop (write-file "$dir/order.log" "test-stop"))
(on quitting (write-file "$dir/order.log" "quitting"))
(on request :failure true :name "boom"
  (let tag "t-{status}")
  (write-file "$dir/fails.log" "{method} {name} {status}")
  (call record_failure))
(on request :method get :name "ok" :failure false (write-file "$dir/ok.log" "{name} {status}"))
CROWD
set_client "$dir/events.crowd"
"$CROWDC" --extension "$dir/hooks.c" "$dir/events.crowd" -o "$dir/events" 2> "$dir/crowdc.err" ||
  { cat "$dir/crowdc.err"; fail "crowdc failed"; }

EVENTS_EXT_OUT=$dir/ext.log timeout 20 "$dir/events" --headless -u 3 -r 30 -t 1s -H "$DEMO_URL" \
  2> "$dir/stderr"
code=$?
[ "$code" = 1 ] || { cat "$dir/stderr"; fail "exit code $code, expected 1 (failures)"; }
printf 'test-start 0\nspawning-complete 3\ntest-stop\nquitting\n' > "$dir/order.want"
cmp -s "$dir/order.want" "$dir/order.log" ||
  fail "test-wide events: $(cat "$dir/order.log" | tr '\n' ';'), expected $(tr '\n' ';' < "$dir/order.want")"
mv "$dir/order.log" "$dir/order.1.log"
cp "$dir/fails.log" "$dir/fails.1.log"; cp "$dir/ext.log" "$dir/ext.1.log"; cp "$dir/ok.log" "$dir/ok.1.log"

# With --processes the test-wide events still fire once each, in the parent.
EVENTS_EXT_OUT=$dir/ext.p.log timeout 20 "$dir/events" --headless -u 4 -r 40 -t 1s --processes 2 \
  -H "$DEMO_URL" 2> "$dir/stderr.p"
printf 'test-start 0\nspawning-complete 4\ntest-stop\nquitting\n' > "$dir/order.want"
cmp -s "$dir/order.want" "$dir/order.log" ||
  fail "--processes 2: test-wide events: $(tr '\n' ';' < "$dir/order.log"), expected $(tr '\n' ';' < "$dir/order.want")"
mv "$dir/fails.1.log" "$dir/fails.log"; mv "$dir/ext.1.log" "$dir/ext.log"; mv "$dir/ok.1.log" "$dir/ok.log"
python3 "$top_srcdir/tests/e2e/console.py" "$dir/stderr" > "$dir/report.json"
python3 - "$dir" <<'PY' || fail "request handlers do not match the report"
import json, sys
d = sys.argv[1]
t = json.load(open(d + "/report.json"))["table"]
lines = lambda n: open(d + "/" + n).read().splitlines()
fails, ext, ok = lines("fails.log"), lines("ext.log"), lines("ok.log")
boom = t["GET boom"]["fails"]
assert boom > 0 and t["GET boom"]["reqs"] == boom, t
assert len(fails) == boom and set(fails) == {"GET boom 500"}, (len(fails), boom, set(fails))
assert len(ext) == boom, (len(ext), boom)
assert set(ext) == {"request|GET|boom|500|HTTP 500|t-500"}, set(ext)
assert t["GET ok"]["fails"] == 0 and len(ok) == t["GET ok"]["reqs"] > 0, (len(ok), t["GET ok"])
assert set(ok) == {"ok 200"}, set(ok)
PY

# A (call NAME) that no extension defines: crowdc's error at the call, exit 1.
cat > "$dir/missing.crowd" <<'CROWD'
(scenario missing :host "http://127.0.0.1:1")
(user U (task t (get "/")))
(on request
  (call record_failure)
  (call no_such_hook))
CROWD
"$CROWDC" --extension "$dir/hooks.c" "$dir/missing.crowd" -o "$dir/missing" 2> "$dir/missing.err"
code=$?
[ "$code" = 1 ] || { cat "$dir/missing.err"; fail "missing extension function: exit $code, expected 1"; }
grep -q "^$dir/missing.crowd:5:9: error: .*no_such_hook" "$dir/missing.err" ||
  { cat "$dir/missing.err"; fail "missing extension function: no error at missing.crowd:5:9"; }
grep -q "record_failure" "$dir/missing.err" && fail "record_failure, which exists, was reported"
grep -qi "undefined reference\|collect2" "$dir/missing.err" && fail "the linker's message leaked"
[ -e "$dir/missing" ] && fail "an executable was written"

# An unwritable write-file path: exit 4 before any request.
cat > "$dir/unwritable.crowd" <<CROWD
(scenario unwritable)
(user U (task t (get "/health")))
(on request (write-file "$dir/no/such/dir/x.log" "{name}"))
CROWD
"$CROWDC" "$dir/unwritable.crowd" -o "$dir/unwritable" || fail "crowdc failed (unwritable)"
demo_stats_reset
timeout 10 "$dir/unwritable" --headless -u 2 -r 2 -t 1s -H "$DEMO_URL" 2> "$dir/unwritable.err"
code=$?
[ "$code" = 4 ] || { cat "$dir/unwritable.err"; fail "unwritable write-file: exit $code, expected 4"; }
grep -q "unwritable.crowd:3:25: cannot open '$dir/no/such/dir/x.log'" "$dir/unwritable.err" ||
  { cat "$dir/unwritable.err"; fail "unwritable write-file: no message naming the path and its line"; }
total=$(json_get "$(demo_stats_json)" total)
[ "$total" = 0 ] || fail "unwritable write-file: $total requests were sent"
pass
