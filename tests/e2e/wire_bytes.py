#!/usr/bin/env python3
"""wire_bytes.py — the scenario and the expected bytes of tests/e2e/wire_bytes.sh.

  wire_bytes.py gen HOST_URL OUT.crowd [CLIENT]
                                         write the adversarial scenario (on
                                         :client CLIENT when given)
  wire_bytes.py check ECHOES.json        compare what the demo server's
                                         GET /echoes recorded with what each
                                         request means (exit 1 on a difference)
  wire_bytes.py dir BASE                 make a directory with a nasty name
                                         under BASE (quotes, backslash, comment
                                         ends, trigraphs, %n, UTF-8) and print it
  wire_bytes.py log STDERR               check the (log ...) lines the run wrote

Every string a scenario can put on the wire gets the same nasty bytes:
quotes, backslashes, C comment ends, trigraphs, newlines, NUL (both escapes),
printf conversions, invalid UTF-8, escaped braces, valid UTF-8; and 100 KB
strings in the bodies.  The expected bytes follow doc/language.md
("What goes on the wire").  The scenario also sits in a directory with a
nasty name and reads a feeder whose CSV file has a nasty name (the file must
be found), and logs nasty strings (the log line must show them, control
bytes escaped).
"""
import base64
import json
import sys

# (crowd source text inside "...", the bytes it means)
PIECES = [
    (r'q\"uo' + "'" + 'te', b'q"uo\'te'),
    (r'a\\b\\\\c', b'a\\b\\\\c'),
    (r'*/ /* end', b'*/ /* end'),
    (r'??/ ??= ??( ??!', b'??/ ??= ??( ??!'),
    (r'l1\nl2\r\nl3\t', b'l1\nl2\r\nl3\t'),
    (r'n\0u\x00l', b'n\x00u\x00l'),
    (r'%n%s%d%%%', b'%n%s%d%%%'),
    (r'\xff\xfe\xc3(\x80', b'\xff\xfe\xc3(\x80'),
    (r'\{x\}', b'{x}'),
    ('\u00e9\u4e2d', '\u00e9\u4e2d'.encode()),
    (r'<>^`|#&=+;,', b'<>^`|#&=+;,'),
]
NASTY_SRC = ''.join(p[0] for p in PIECES) + 'Z'
NASTY = b''.join(p[1] for p in PIECES) + b'Z'
# A nasty string without '#' and '?' for URL paths (a '#' starts a
# fragment, which is not sent; a '?' starts the query).
PATH_SRC = NASTY_SRC.replace('#', '').replace('??/ ??= ??( ??!', '')
PATH = NASTY.replace(b'#', b'').replace(b'??/ ??= ??( ??!', b'')
LONG_UNIT_SRC, LONG_UNIT = r'ab\"\\\n\0\xff*/??/%n', b'ab"\\\n\x00\xff*/??/%n'
LONG_N = 100 * 1024 // len(LONG_UNIT) + 1          # > 100 KB in bodies
MID_N = 4 * 1024 // len(LONG_UNIT)                 # ~4 KB in the request head


def url_text(b):
    """Bytes that cannot appear in a URL are percent-encoded."""
    out = bytearray()
    for c in b:
        if c <= 0x20 or c >= 0x7f or bytes([c]) in b'"<>\\^`{|}':
            out += b'%%%02X' % c
        else:
            out.append(c)
    return bytes(out)


def urlenc(b):
    """Query and form parameters: all but unreserved characters encoded."""
    out = bytearray()
    for c in b:
        if chr(c).isascii() and (chr(c).isalnum() or chr(c) in '-._~'):
            out.append(c)
        else:
            out += b'%%%02X' % c
    return bytes(out)


def header_value(b):
    """CR, LF and NUL become spaces; the server drops leading blanks."""
    return bytes(0x20 if c in (0x0d, 0x0a, 0x00) else c for c in b).lstrip(b' \t')


def utf8_len(b, i):
    c = b[i]
    if 0xc2 <= c <= 0xdf: n = 2
    elif 0xe0 <= c <= 0xef: n = 3
    elif 0xf0 <= c <= 0xf4: n = 4
    else: return 0
    try:
        b[i:i + n].decode('utf-8')
    except UnicodeDecodeError:
        return 0
    return n if i + n <= len(b) else 0


def json_str(b):
    """JSON string: escapes, and \\u00XX for bytes that are not UTF-8."""
    out = bytearray(b'"')
    esc = {0x22: b'\\"', 0x5c: b'\\\\', 0x08: b'\\b', 0x0c: b'\\f',
           0x0a: b'\\n', 0x0d: b'\\r', 0x09: b'\\t'}
    i = 0
    while i < len(b):
        c = b[i]
        if c in esc:
            out += esc[c]; i += 1
        elif c < 0x20:
            out += b'\\u%04x' % c; i += 1
        elif c < 0x80:
            out.append(c); i += 1
        else:
            n = utf8_len(b, i)
            if n:
                out += b[i:i + n]; i += n
            else:
                out += b'\\u%04x' % c; i += 1
    return bytes(out + b'"')


def requests(host_path):
    """[(crowd request form, method, target, {header: value}, body)]"""
    long_src, long_b = LONG_UNIT_SRC * LONG_N, LONG_UNIT * LONG_N
    mid_src, mid_b = LONG_UNIT_SRC * MID_N, LONG_UNIT * MID_N
    hp = host_path
    return [
        # path, literal and interpolated
        (f'(get "/echo/p/{PATH_SRC}")', b'GET', url_text(hp + b'/echo/p/' + PATH), {}, b''),
        (f'(get "/echo/i/{{pv}}" :name "{NASTY_SRC}")', b'GET', url_text(hp + b'/echo/i/' + PATH), {}, b''),
        (f'(delete "/echo/m/{mid_src}")', b'DELETE', url_text(hp + b'/echo/m/' + mid_b), {}, b''),
        # headers: values (literal, interpolated, ~4 KB) and token names
        (f'(get "/echo/h" :headers {{"X-Nasty" "{NASTY_SRC}" :X-Kw "{{nv}}" '
         f'"X-Mid" "{mid_src}" "!#$%&\'*+-.^_`|~" "t"}})',
         b'GET', url_text(hp + b'/echo/h'),
         {b'X-Nasty': header_value(NASTY), b'X-Kw': header_value(NASTY),
          b'X-Mid': header_value(mid_b), b"!#$%&'*+-.^_`|~": b't'}, b''),
        # query keys and values, on a path that already has a query
        (f'(get "/echo/q?a=1" :query {{"{NASTY_SRC}" "{NASTY_SRC}" :k "{{nv}}"}})', b'GET',
         url_text(hp + b'/echo/q?a=1') + b'&' + urlenc(NASTY) + b'=' + urlenc(NASTY)
         + b'&k=' + urlenc(NASTY), {}, b''),
        # JSON keys and values, nested, 100 KB
        (f'(post "/echo/j" :json {{"{NASTY_SRC}" "{NASTY_SRC}" :v ["{{nv}}" 1 true nil] '
         f':long "{long_src}"}})', b'POST', url_text(hp + b'/echo/j'),
         {b'Content-Type': b'application/json'},
         b'{' + json_str(NASTY) + b':' + json_str(NASTY) + b',"v":[' + json_str(NASTY)
         + b',1,true,null],"long":' + json_str(long_b) + b'}'),
        # form fields, 100 KB
        (f'(put "/echo/f" :form {{"{NASTY_SRC}" "{NASTY_SRC}" :long "{long_src}"}})', b'PUT',
         url_text(hp + b'/echo/f'), {b'Content-Type': b'application/x-www-form-urlencoded'},
         urlenc(NASTY) + b'=' + urlenc(NASTY) + b'&long=' + urlenc(long_b)),
    ]


def host_path():
    """The nasty base path the scenario's :host carries (no spaces or
    controls: crowdc refuses those in :host; no '?', which would make every
    path a query)."""
    return b'/echo/host"*/%n%s\\{}'


# The feeder's CSV file, next to the scenario: its name in crowd source and
# as bytes (quotes, a backslash, braces, %s, an invalid UTF-8 byte, UTF-8).
# (no '/': one file in the scenario's directory)
CSV_SRC = 'da\\"ta\\\\ \'\\{x\\} %s*??\\xff \u00e9.csv'
CSV_NAME = b'da"ta\\ \'{x} %s*??\xff \xc3\xa9.csv'
NASTY_DIR = 's p"a\'c\\e*/??/ %n \u00e9\u4e2d'


def log_text(b):
    """A (log ...) message as the log line shows it (runtime/flow.c)."""
    out = bytearray()
    for c in b:
        if c >= 0x20 and c != 0x7f or c == 0x09:
            out.append(c)
        else:
            out += {0: b'\\0', 0x0a: b'\\n', 0x0d: b'\\r'}.get(c, b'\\x%02x' % c)
    return bytes(out)


LOGS = [(NASTY_SRC, log_text(NASTY)), ('{nv}', log_text(NASTY)), ('row {r.v}', b'row feeder-ok')]


def gen(host, out, client=None):
    hp_src = r'/echo/host\"*/%n%s\\\{\}'
    import os
    with open(os.path.join(os.path.dirname(os.fsencode(out)), CSV_NAME), 'wb') as f:
        f.write(b'v\nfeeder-ok\n')
    with open(out, 'w', encoding='utf-8', newline='\n') as f:
        f.write(';; generated by tests/e2e/wire_bytes.py\n')
        f.write(f'(scenario wire :host "{host}{hp_src}"'
                + (f' :client {client}' if client else '') + ')\n')
        f.write(f'(feeder data (csv "{CSV_SRC}"))\n')
        f.write('(user Nasty\n  :wait (constant 60s)\n')
        f.write(f'  (let nv "{NASTY_SRC}")\n')
        f.write(f'  (let pv "{PATH_SRC}")\n')
        f.write('  (task all\n')
        f.write('    (let r (next data))\n')
        for src, _ in LOGS:
            f.write(f'    (log "{src}")\n')
        for r in requests(host_path()):
            f.write('    ' + r[0] + '\n')
        f.write('))\n')


def check(path):
    with open(path) as f:
        got = json.load(f)
    want = requests(host_path())
    if len(got) < len(want):
        sys.exit(f'{len(got)} requests recorded, expected {len(want)}')
    got = got[-len(want):]
    bad = 0
    for i, (g, w) in enumerate(zip(got, want)):
        d = lambda s: base64.b64decode(s)
        method, target, body = d(g['method']), d(g['target']), d(g['body'])
        headers = {d(n): d(v) for n, v in g['headers']}
        what = w[0][:60]
        for name, a, b in (('method', method, w[1]), ('target', target, w[2]), ('body', body, w[4])):
            if a != b:
                bad += 1
                k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
                print(f'request {i + 1} {what}: {name} differs at byte {k}:\n'
                      f'  sent     {a[max(0, k - 20):k + 40]!r} ({len(a)} bytes)\n'
                      f'  expected {b[max(0, k - 20):k + 40]!r} ({len(b)} bytes)')
        for hn, hv in w[3].items():
            if headers.get(hn) != hv:
                bad += 1
                print(f'request {i + 1} {what}: header {hn!r} is {headers.get(hn)!r:.200}, '
                      f'expected {hv!r:.200}')
    if bad:
        sys.exit(f'{bad} differences')
    print(f'{len(want)} requests, every byte as meant')


def make_dir(base):
    import os
    d = os.path.join(base, NASTY_DIR)
    os.makedirs(d, exist_ok=True)
    print(d)


def check_log(path):
    with open(path, 'rb') as f:
        lines = f.read().split(b'\n')
    mark = b'/INFO/crowd.scenario: Nasty: '
    got = [l.split(mark, 1)[1] for l in lines if mark in l]
    want = [w for _, w in LOGS]
    if got != want:
        for g, w in zip(got + [None] * len(want), want):
            if g != w:
                print(f'log line {g!r:.300}\n  expected {w!r:.300}')
        sys.exit(f'{len(got)} log lines, expected {len(want)} as meant')
    print(f'{len(want)} log lines as meant')


if __name__ == '__main__':
    if sys.argv[1] == 'gen':
        gen(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif sys.argv[1] == 'dir':
        make_dir(sys.argv[2])
    elif sys.argv[1] == 'log':
        check_log(sys.argv[2])
    else:
        check(sys.argv[2])
