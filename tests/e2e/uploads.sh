#!/bin/bash
# Bodies from files and multipart bodies, on both clients: one iteration
# sends a :multipart body (text parts, interpolated, and file parts with
# their filename and type) to the demo server's /upload, which parses it
# and says what arrived, byte for byte; the same body to /echo, compared
# byte for byte with what the rules say (one boundary per run, CRLF line
# ends, '"' in a filename as %22); a :body (file ...) and a :body string.
# The files are found from the scenario's directory, not the working
# directory.  Then the files that cannot be read: missing, a directory, over
# 16 MiB — each an error naming the file before any request (exit code 4).
. "$(dirname "$0")/lib.sh"
need_cmd python3
dir=$(tmpdir)
demo_start
mkdir -p "$dir/scen/data" "$dir/cwd" || fail "mkdir"
python3 - "$dir/scen/data" <<'PY' || fail "cannot write the data files"
import os, random, sys
d = sys.argv[1]
rnd = random.Random(5)
open(os.path.join(d, "cat.png"), "wb").write(bytes(range(256)) + bytes(rnd.randrange(256) for _ in range(40000)))
# bytes that a sloppy multipart writer or reader would trip on
open(os.path.join(d, "payload.bin"), "wb").write(b"\x00\r\n--\r\n\r\n--crowd-\xff end")
PY

cat > "$dir/scen/up.crowd" <<'CROWD'
(scenario up)
(user U
  (task t
    (let who "ann")
    (let n (+ 40 2))
    (post "/upload" :name "upload"
      :multipart {"title" "photo of {who}" :count n
                  "photo" (file "data/cat.png" :type "image/png" :filename "my \"cat\".png")
                  "raw" (file "data/payload.bin")}
      (expect (status 200) (json "$.count" = 4))
      (save parts (body)))
    (write-file "parts.json" "{parts}")
    (post "/echo" :name "echo-multipart"
      :multipart {"title" "photo of {who}" :count n
                  "photo" (file "data/cat.png" :type "image/png" :filename "my \"cat\".png")
                  "raw" (file "data/payload.bin")})
    (put "/echo" :name "echo-file" :body (file "data/payload.bin" :type "application/x-thing"))
    (post "/echo" :name "echo-text" :body "hello {who}" :headers {"Content-Type" "text/plain"})))
CROWD

for client in http fast; do
  sed "s/^(scenario up)/(scenario up :client $client)/" "$dir/scen/up.crowd" > "$dir/scen/up-$client.crowd"
  "$CROWDC" "$dir/scen/up-$client.crowd" -o "$dir/up-$client" || fail ":client $client: crowdc failed"
  demo_stats_reset
  rm -f "$dir/cwd/parts.json"
  (cd "$dir/cwd" && timeout 20 "$dir/up-$client" --headless -u 1 -r 1 --iterations 1 -t 10s -H "$DEMO_URL") \
    2> "$dir/stderr-$client"
  code=$?
  [ "$code" = 0 ] || { cat "$dir/stderr-$client"; fail ":client $client: exit code $code, expected 0"; }
  curl -s -m 10 "$DEMO_URL/echoes" > "$dir/echoes-$client.json" || fail "cannot read /echoes"
  python3 - "$dir/scen/data" "$dir/cwd/parts.json" "$dir/echoes-$client.json" <<'PY' || fail ":client $client: what arrived differs"
import base64, json, os, re, sys
d = sys.argv[1]
cat = open(os.path.join(d, "cat.png"), "rb").read()
raw = open(os.path.join(d, "payload.bin"), "rb").read()
b64 = lambda b: base64.b64encode(b).decode()
# what /upload parsed
got = json.load(open(sys.argv[2]))
want = [
    {"name": "title", "filename": None, "content_type": None, "length": 12, "base64": b64(b"photo of ann")},
    {"name": "count", "filename": None, "content_type": None, "length": 2, "base64": b64(b"42")},
    {"name": "photo", "filename": "my %22cat%22.png", "content_type": "image/png", "length": len(cat), "base64": b64(cat)},
    {"name": "raw", "filename": "payload.bin", "content_type": "application/octet-stream", "length": len(raw), "base64": b64(raw)},
]
assert got == {"parts": want, "count": 4}, json.dumps(got)[:400]
# the bytes on the wire
echoes = json.load(open(sys.argv[3]))[-3:]
dec = lambda s: base64.b64decode(s)
def hdr(e, name):
    vals = [dec(v) for k, v in e["headers"] if dec(k).lower() == name.lower().encode()]
    return vals[0] if vals else None
mp, fb, tb = echoes
assert dec(mp["method"]) == b"POST" and dec(fb["method"]) == b"PUT", (mp["method"], fb["method"])
ct = hdr(mp, "Content-Type")
m = re.fullmatch(rb"multipart/form-data; boundary=(crowd-[0-9a-f]{32})", ct or b"")
assert m, ct
bd = b"--" + m.group(1)
def part(name, value, fn=None, ctype=None):
    h = b'Content-Disposition: form-data; name="' + name + b'"'
    if fn is not None:
        h += b'; filename="' + fn + b'"\r\nContent-Type: ' + ctype
    return bd + b"\r\n" + h + b"\r\n\r\n" + value + b"\r\n"
body = (part(b"title", b"photo of ann") + part(b"count", b"42") +
        part(b"photo", cat, b"my %22cat%22.png", b"image/png") +
        part(b"raw", raw, b"payload.bin", b"application/octet-stream") + bd + b"--\r\n")
assert dec(mp["body"]) == body, "multipart body differs"
assert hdr(mp, "Content-Length") == str(len(body)).encode()
assert dec(fb["body"]) == raw and hdr(fb, "Content-Type") == b"application/x-thing", fb
assert dec(tb["body"]) == b"hello ann" and hdr(tb, "Content-Type") == b"text/plain", tb
print("ok: /upload saw 4 parts, %d bytes of multipart body exact" % len(body))
PY
  json_expect "$(demo_stats_json)" total=4 'routes["POST /upload"]=1'
done

# Files that cannot be read: an error before any load, exit code 4.
mkdir -p "$dir/scen/data/adir"
truncate -s 17M "$dir/scen/data/big.bin" || fail "truncate"
for bad in missing.bin adir big.bin; do
  sed 's|"data/payload.bin" :type|"data/'"$bad"'" :type|' "$dir/scen/up.crowd" > "$dir/scen/bad.crowd"
  "$CROWDC" "$dir/scen/bad.crowd" -o "$dir/bad" || fail "crowdc failed on bad.crowd"
  demo_stats_reset
  (cd "$dir/cwd" && timeout 20 "$dir/bad" --headless -u 1 -r 1 --iterations 1 -t 10s -H "$DEMO_URL") 2> "$dir/stderr-bad"
  code=$?
  [ "$code" = 4 ] || { cat "$dir/stderr-bad"; fail "$bad: exit code $code, expected 4"; }
  case $bad in
    missing.bin) why="No such file or directory" ;;
    adir) why="Is a directory" ;;
    big.bin) why="larger than 16 MiB" ;;
  esac
  grep -qF "crowd: error: (file \"data/$bad\") at $dir/scen/bad.crowd:17:42: cannot read $dir/scen/data/$bad: $why" \
    "$dir/stderr-bad" || { cat "$dir/stderr-bad"; fail "$bad: not the expected message"; }
  json_expect "$(demo_stats_json)" total=0
done
pass
