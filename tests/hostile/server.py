#!/usr/bin/env python3
"""server.py — a hostile HTTP server for crowd's tests (tests/hostile/run.sh).

    server.py PORT_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE when ready) and
misbehaves per path; every connection serves one request, then closes:

  /ok              200, a small body (the control)
  /reset-early     reads the request, then resets the connection (RST)
  /reset-headers   sends half a status line and headers, then resets
  /reset-body      Content-Length 100000, sends 1000 bytes, then resets
  /never           reads the request and never answers (until the client leaves)
  /stall-headers   sends the status line, then nothing more
  /stall-body      Content-Length 100000, sends 1000 bytes, then nothing more
  /garbage         a garbage status line
  /bad-chunked     chunked encoding with an invalid chunk size
  /huge-headers    200 with 20 MB of headers
  /big-body        200 with a 100 MB body (valid: must stream, not pile up)
  /gzip            200, a valid gzip body (Content-Encoding: gzip)
  /bad-gzip        200, Content-Encoding: gzip over bytes that are not gzip
  /brotli          200, a valid brotli body (Content-Encoding: br); 404 when
                   python3's brotli module (Debian: python3-brotli) is missing
  anything else    404
"""
import asyncio
import gzip
import os
import socket
import struct
import sys

try:
    import brotli
except ImportError:
    brotli = None

BIG = 100 * 1024 * 1024
CHUNK = b'x' * (1 << 20)


def reset(writer):
    """Close with RST: SO_LINGER with a zero timeout."""
    sock = writer.get_extra_info('socket')
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    writer.transport.abort()


async def handle(reader, writer):
    try:
        head = await reader.readuntil(b'\r\n\r\n')
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    line = head.split(b'\r\n', 1)[0].split(b' ')
    path = line[1].decode('latin-1') if len(line) > 1 else '/'
    path = path.split('?', 1)[0]
    w = writer.write
    try:
        if path == '/ok':
            w(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')
        elif path == '/reset-early':
            reset(writer)
            return
        elif path == '/reset-headers':
            w(b'HTTP/1.1 200 OK\r\nContent-Type: text/pl')
            await writer.drain()
            await asyncio.sleep(0.05)
            reset(writer)
            return
        elif path == '/reset-body':
            w(b'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n' + b'y' * 1000)
            await writer.drain()
            await asyncio.sleep(0.05)
            reset(writer)
            return
        elif path == '/never':
            await reader.read()  # until the client gives up
        elif path == '/stall-headers':
            w(b'HTTP/1.1 200 OK\r\n')
            await writer.drain()
            await reader.read()
        elif path == '/stall-body':
            w(b'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n' + b'y' * 1000)
            await writer.drain()
            await reader.read()
        elif path == '/garbage':
            w(b'HTXP/9.9 banana split\r\n\r\n\x00\x01\x02garbage')
        elif path == '/bad-chunked':
            w(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
              b'5\r\nhello\r\nzz\r\nnot a chunk\r\n0\r\n\r\n')
        elif path == '/huge-headers':
            w(b'HTTP/1.1 200 OK\r\n')
            line = b'X-Junk: ' + b'j' * 1000 + b'\r\n'
            for _ in range(20 * 1024):
                if writer.is_closing():
                    return  # the client gave up, as it should
                w(line)
                if writer.transport.get_write_buffer_size() > (1 << 18):
                    await writer.drain()
            w(b'Content-Length: 0\r\n\r\n')
        elif path == '/big-body':
            # the server closes after each answer: say so, or a client may
            # reuse the connection and see a reset
            w(b'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n' % BIG)
            for _ in range(BIG // len(CHUNK)):
                if writer.is_closing():
                    return
                w(CHUNK)
                await writer.drain()
        elif path == '/gzip':
            body = gzip.compress(b'{"ok":true}' * 1000)
            w(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\nContent-Length: %d\r\n\r\n'
              % len(body) + body)
        elif path == '/brotli' and brotli is not None:
            body = brotli.compress(b'{"ok":true}' * 1000)
            w(b'HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nConnection: close\r\nContent-Length: %d\r\n\r\n'
              % len(body) + body)
        elif path == '/bad-gzip':
            body = b'this is not gzip at all' * 10
            w(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\nContent-Length: %d\r\n\r\n'
              % len(body) + body)
        else:
            w(b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
        await writer.drain()
        writer.close()
    except (ConnectionError, OSError):
        writer.transport.abort()


async def main(port_file):
    server = await asyncio.start_server(handle, '127.0.0.1', 0, limit=1 << 16)
    port = server.sockets[0].getsockname()[1]
    with open(port_file + '.tmp', 'w') as f:
        f.write(str(port))
    os.rename(port_file + '.tmp', port_file)
    async with server:
        await server.serve_forever()


if __name__ == '__main__':
    try:
        asyncio.run(main(sys.argv[1]))
    except KeyboardInterrupt:
        pass
