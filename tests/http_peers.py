# SPDX-License-Identifier: MIT
# http_peers.py: misbehaving HTTP servers and probing clients for the fetch and serve tests (loopback only).
"""
  http_peers.py server MODE     serve 127.0.0.1 on a free port, print it, misbehave as MODE:
                                stall, reset, reset-mid, status404, truncated, malformed, silent-close,
                                endless (a body without end), endless-chunked, drip (a byte every 500 ms),
                                continue, early-hints, interim-split (1xx interim answers, then a valid 200),
                                switching (101 Switching Protocols), two-answers (a second 200 nobody asked for),
                                slow (a valid 200 after 500 ms); each request read is logged as a line
                                "request" on stdout, after the port
  http_peers.py probe KIND URL  check `simul serve` at URL; exit 0 if it behaved:
                                garbage, oversized, halfsent IDLE_MS, reset, noread IDLE_MS BYTES,
                                keepalive, pipelined, many N, parallel N MS, huge-header MB,
                                slowloris HEADER_MS, gone N (N clients that leave before their answer),
                                pipeline N, header-lines N STATUS
  http_peers.py freeport        print a free loopback port
"""
import resource
import selectors
import socket
import struct
import sys
import threading
import time
from urllib.parse import urlsplit


def serve(mode):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1024)
    print(ls.getsockname()[1], flush=True)
    log = threading.Lock()

    def handle(c):
        try:
            c.settimeout(30)
            data = b""
            while b"\r\n\r\n" not in data:
                d = c.recv(4096)
                if not d:
                    return
                data += d
            with log:
                sys.stdout.write("request\n")
                sys.stdout.flush()
            ok = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
            if mode == "continue":
                c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" + ok)
            elif mode == "early-hints":
                c.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
                          b"HTTP/1.1 103 Early Hints\r\nLink: </script.js>; rel=preload; as=script\r\n\r\n" + ok)
            elif mode == "interim-split":
                # Each piece in a read of its own: the interim answers, then the final one in two.
                for piece in (b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 102 Processing\r\nX: y\r\n\r\n",
                              ok[:20], ok[20:]):
                    c.sendall(piece)
                    time.sleep(0.02)
            elif mode == "switching":
                c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello")
                time.sleep(1)
            elif mode == "two-answers":
                c.sendall(ok.replace(b"Connection: close", b"X: 1") + ok)
            elif mode == "slow":
                time.sleep(0.5)
                c.sendall(ok)
            elif mode == "stall":
                time.sleep(30)
            elif mode == "reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "reset-mid":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 5000)
                time.sleep(0.05)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "status404":
                c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found")
            elif mode == "truncated":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            elif mode == "malformed":
                c.sendall(b"HTTP/1.1 2x0 WHAT\r\n\r\n")
            elif mode == "endless":
                c.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                block = b"x" * 65536
                while True:
                    c.sendall(block)
            elif mode == "endless-chunked":
                c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
                while True:
                    c.sendall(chunk)
            elif mode == "drip":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                while True:
                    c.sendall(b"x")
                    time.sleep(0.5)
            # silent-close: nothing at all
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


def addr(url):
    u = urlsplit(url)
    return (u.hostname, u.port)


def read_all(s, timeout=5):
    s.settimeout(timeout)
    out = b""
    while True:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            break
        if not d:
            break
        out += d
    return out


def get(url, path="/", extra=b""):
    s = socket.create_connection(addr(url), timeout=5)
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n")
    return read_all(s)


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def probe(kind, url, args):
    a = addr(url)
    if kind == "garbage":
        s = socket.create_connection(a, timeout=5)
        s.sendall(b"\x00\x01garbage \xff\xfe\r\n\r\n")
        r = read_all(s)
        if not r.startswith(b"HTTP/1.1 400 "):
            fail("garbage got %r" % r[:60])
    elif kind == "oversized":
        s = socket.create_connection(a, timeout=5)
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
        except OSError:
            pass  # the server may close before taking it all
        r = read_all(s)
        if not r.startswith(b"HTTP/1.1 431 "):
            fail("oversized headers got %r" % r[:60])
    elif kind == "huge-header":
        # A header of megabytes: the server answers 431 and reads on until we are done, so
        # the answer arrives whole, then EOF, and no reset destroys it.
        for _ in range(3):
            s = socket.create_connection(a, timeout=5)
            try:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (int(args[0]) << 20) + b"\r\n\r\n")
                s.shutdown(socket.SHUT_WR)
            except OSError as e:
                fail("sending the header: %s (the server did not read it)" % e)
            s.settimeout(10)
            r = b""
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    r += d
            except OSError as e:
                fail("after %r: %s" % (r[:40], e))
            if not r.startswith(b"HTTP/1.1 431 "):
                fail("a %s MiB header got %r" % (args[0], r[:60]))
            s.close()
    elif kind == "slowloris":
        # A byte every 100 ms is never idle; the header deadline answers 408 all the same.
        header_ms = int(args[0])
        s = socket.create_connection(a, timeout=5)
        t = time.monotonic()
        s.setblocking(False)
        r = b""
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
            try:
                s.send(bytes([byte]))
                d = s.recv(65536)
                if not d:
                    break
                r += d
            except BlockingIOError:
                pass
            except OSError:
                break
            if r or time.monotonic() - t > header_ms / 1000 * 3 + 2:
                break
            time.sleep(0.1)
        d = time.monotonic() - t
        if not r.startswith(b"HTTP/1.1 408 "):
            fail("a request sent a byte at a time got %r after %.2f s" % (r[:60], d))
        if d > header_ms / 1000 * 2 + 1:
            fail("a slow request got 408 only after %.2f s, header deadline %d ms" % (d, header_ms))
        print("408 after %.2f s" % d)
    elif kind == "gone":
        # N clients ask for an answer an hour away and close at once, half of them having
        # said Connection: close (after which the server reads no more requests).
        for i in range(int(args[0])):
            s = socket.create_connection(a, timeout=5)
            close = b"Connection: close\r\n" if i % 2 else b""
            s.sendall(b"GET /?latency-ms=3600000 HTTP/1.1\r\nHost: x\r\n" + close + b"\r\n")
            s.close()
    elif kind == "halfsent":
        idle_ms = int(args[0])
        s = socket.create_connection(a, timeout=5)
        t = time.monotonic()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        r = read_all(s, timeout=idle_ms / 1000 * 4 + 2)
        d = time.monotonic() - t
        if not r.startswith(b"HTTP/1.1 408 "):
            fail("half-sent request got %r" % r[:60])
        if d > idle_ms / 1000 * 3 + 1:
            fail("half-sent request closed after %.2f s, idle limit %d ms" % (d, idle_ms))
    elif kind == "reset":
        for _ in range(3):
            s = socket.create_connection(a, timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(1000)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
    elif kind == "noread":
        # Asks for a body bigger than the socket buffers and never reads it: once the write
        # has made no progress for --idle-ms, the server must drop the connection.
        idle_ms, full = int(args[0]), int(args[1])
        s = socket.create_connection(a, timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(idle_ms / 1000 * 3 + 1)
        got = 0
        try:
            while True:
                d = s.recv(1 << 20)
                if not d:
                    break
                got += len(d)
        except ConnectionResetError:
            pass
        except socket.timeout:
            fail("still open after %d bytes: a stalled write is never timed out" % got)
        if got >= full:
            fail("all %d bytes arrived: the stalled connection was kept open" % got)
        print("dropped after %d of %d body bytes" % (got, full))
    elif kind == "keepalive":
        s = socket.create_connection(a, timeout=5)
        s.settimeout(5)
        for i in range(3):
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            r = b""
            while b"\r\n\r\n" not in r:
                r += s.recv(65536)
            if not r.startswith(b"HTTP/1.1 200 ") or b"Connection: close" in r:
                fail("keep-alive request %d got %r" % (i, r[:80]))
            head, body = r.split(b"\r\n\r\n", 1)
            n = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
            while len(body) < n:
                body += s.recv(65536)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        r = read_all(s)  # returns only once the server closed
        if b"Connection: close" not in r:
            fail("Connection: close request got %r" % r[:80])
    elif kind == "pipelined":
        s = socket.create_connection(a, timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2 + b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        r = read_all(s)
        if r.count(b"HTTP/1.1 200 ") != 3:
            fail("3 pipelined requests got %d answers" % r.count(b"HTTP/1.1 200 "))
    elif kind == "pipeline":
        # N requests in one send, the last with Connection: close, read as they come: every
        # one answered, however many wait on the latency at once (back-pressure, no drop).
        n = int(args[0])
        s = socket.create_connection(a, timeout=30)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * (n - 1) + b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        r = read_all(s, timeout=30)
        got = r.count(b"HTTP/1.1 200 ")
        print("%d of %d answered" % (got, n))
        if got != n:
            fail("%d pipelined requests got %d answers" % (n, got))
    elif kind == "header-lines":
        # N short headers: the whole section counts (CRLFs too) against the 8,192-byte limit.
        n, want = int(args[0]), args[1].encode()
        s = socket.create_connection(a, timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-H: v\r\n" * n + b"Connection: close\r\n\r\n")
        r = read_all(s)
        if not r.startswith(b"HTTP/1.1 " + want + b" "):
            fail("%d header lines got %r, want %s" % (n, r[:60], want.decode()))
    elif kind in ("many", "parallel"):
        n = int(args[0])
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        path = b"/" if kind == "many" else b"/?latency-ms=" + args[1].encode()
        req = b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        sel = selectors.DefaultSelector()
        t = time.monotonic()
        socks = []
        for i in range(n):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(a)
            except BlockingIOError:
                pass
            socks.append(s)
            sel.register(s, selectors.EVENT_WRITE, [b"", False])
        # Every connection open at once before any is answered: then send, then read all.
        ok = 0
        deadline = time.monotonic() + 60
        while sel.get_map() and time.monotonic() < deadline:
            for key, ev in sel.select(timeout=1):
                s, st = key.fileobj, key.data
                if ev & selectors.EVENT_WRITE and not st[1]:
                    try:
                        s.send(req)
                    except OSError:
                        sel.unregister(s)
                        s.close()
                        continue
                    st[1] = True
                    sel.modify(s, selectors.EVENT_READ, st)
                    continue
                try:
                    d = s.recv(65536)
                except OSError:
                    d = b""
                if d:
                    st[0] += d
                    continue
                if st[0].startswith(b"HTTP/1.1 200 "):
                    ok += 1
                sel.unregister(s)
                s.close()
        d = time.monotonic() - t
        print("%d of %d answered 200 in %.2f s" % (ok, n, d))
        if ok != n:
            fail("%d of %d connections answered" % (ok, n))
    else:
        fail("unknown probe " + kind)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "server":
        serve(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "probe":
        probe(sys.argv[2], sys.argv[3], sys.argv[4:])
        print("ok")
    elif len(sys.argv) == 2 and sys.argv[1] == "freeport":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
