"""rt_clients.py - one small raw client per technique, for the load tests
(tests/slow_consumers.py, tests/soak.py).

Standard library only, independent of the server's code: HTTP/1.1 and
chunked decoding, the WebSocket handshake and frames are done here by
hand.  Each client runs in a thread and records every event it sees as
(id, type, monotonic receive time); `gaps()` says which ids between the
first and the last it saw are missing.  A "stuck" client connects with a
small receive buffer, sends its request and never reads.
"""
import base64
import hashlib
import json
import os
import re
import socket
import struct
import threading
import time

EVENT_RE = re.compile(rb'\{"id":(\d+),"type":"(\w+)"')
LAST_RE = re.compile(rb'"last":(\d+)')
STUCK_RCVBUF = 4096


def connect(port, rcvbuf=None, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def request(path, extra=b""):
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + extra + b"\r\n")


def ws_upgrade(path):
    key = base64.b64encode(os.urandom(16))
    return request(path, b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key
                   + b"\r\nOrigin: http://127.0.0.1\r\n"), key


class Reader:
    """Buffered reads on a socket, with an overall stop flag."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        lines = []
        while True:
            line = self.line()
            if not line:
                return lines
            lines.append(line)

    def chunk(self):
        size = int(self.line().split(b";")[0], 16)
        data = self.exactly(size)
        self.line()
        return data

    def response(self):
        """One whole response: (status, headers lines, body)."""
        head = self.head()
        status = int(head[0].split()[1])
        fields = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip()
                  for l in head[1:]}
        if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = b""
            while True:
                c = self.chunk()
                if not c:
                    self.line() if self.buf.startswith(b"\r\n") else None
                    break
                body += c
        else:
            body = self.exactly(int(fields.get(b"content-length", b"0")))
        return status, fields, body


class Client(threading.Thread):
    kind = "?"

    def __init__(self, port, after=None):
        super().__init__(daemon=True)
        self.port, self.after = port, after
        self.events, self.error = [], None
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sock = None

    def record(self, data):
        now = time.monotonic()
        with self.lock:
            for m in EVENT_RE.finditer(data):
                self.events.append((int(m.group(1)), m.group(2).decode(), now))

    def ids(self):
        with self.lock:
            return [e[0] for e in self.events]

    def gaps(self):
        ids = sorted(set(self.ids()))
        if not ids:
            return []
        have = set(ids)
        return [i for i in range(ids[0], ids[-1] + 1) if i not in have]

    def duplicates(self):
        ids = self.ids()
        return len(ids) - len(set(ids))

    def run(self):
        try:
            self.loop()
        except Exception as e:   # noqa: BLE001 - reported, not hidden
            if not self.stop.is_set():
                self.error = "%s: %r" % (self.kind, e)
        finally:
            # Only this thread closes its socket: closing it from another
            # thread while a recv() is in progress here lets the number
            # be reused by a new socket that this thread then reads from.
            if self.sock is not None:
                self.sock.close()

    def close(self, reset=False):
        """Leave: FIN (or, with reset, RST once the thread closes).  The
        shutdown wakes the thread's recv(); the thread closes."""
        self.stop.set()
        sock = self.sock
        if sock is None:
            return
        try:
            if reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RD)
            else:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.join(5)


class Stream(Client):
    """The forever frame, or SSE: one chunked response that never ends."""

    def __init__(self, port, path, kind):
        super().__init__(port)
        self.path, self.kind = path, kind

    def loop(self):
        self.sock = connect(self.port, timeout=None)
        r = Reader(self.sock)
        self.sock.sendall(request(self.path))
        head = r.head()
        if b" 200 " not in head[0]:
            raise RuntimeError(head[0])
        pending = b""
        while not self.stop.is_set():
            data = r.chunk()
            if not data:
                return
            if self.kind == "sse":
                pending += data
                while b"\n\n" in pending:
                    block, pending = pending.split(b"\n\n", 1)
                    m = re.search(rb"^id: (\d+)$", block, re.M)
                    t = re.search(rb"^event: (\w+)$", block, re.M)
                    if m:
                        with self.lock:
                            self.events.append((int(m.group(1)),
                                                t.group(1).decode() if t else "message",
                                                time.monotonic()))
            else:
                self.record(data)


class NdjsonStream(Client):
    """GET /stream or /stream/xhr: one NDJSON line per event.  When the
    server ends a response (the XHR limit, ?closeAfter=) the client opens
    the next one after the last id it read, as the pages do; "missed"
    counts events a notice says left the ring."""

    def __init__(self, port, path, kind, after=None):
        super().__init__(port, after)
        self.path, self.kind = path, kind
        self.missed = self.requests = 0

    def loop(self):
        while not self.stop.is_set():
            self.sock = connect(self.port, timeout=None)
            r = Reader(self.sock)
            query = "" if self.after is None else "?after=%d" % self.after
            self.sock.sendall(request(self.path + query))
            self.requests += 1
            head = r.head()
            if b" 200 " not in head[0]:
                raise RuntimeError(head[0])
            while not self.stop.is_set():
                data = r.chunk()
                if not data:
                    break                      # the last chunk: reopen
                self.record(data)
                for line in data.split(b"\n"):
                    event = EVENT_RE.match(line)
                    notice = LAST_RE.search(line) if line.startswith(b'{"notice"') else None
                    if event:
                        self.after = int(event.group(1))
                    elif notice:
                        self.after = int(notice.group(1))
                        m = re.search(rb'"missed":(\d+)', line)
                        self.missed += int(m.group(1)) if m else 0
            if not self.stop.is_set():
                self.sock.close()              # (chunk() read the trailer too)
                self.sock = None


def fetch_stream(port, after=None):
    return NdjsonStream(port, "/stream", "fetch_stream", after)


def xhr_stream(port, after=None):
    return NdjsonStream(port, "/stream/xhr", "xhr_stream", after)


def forever_frame(port):
    return Stream(port, "/iframeLongConnection", "forever_frame")


def sse(port):
    return Stream(port, "/sseStream", "sse")


class Hub(Client):
    kind = "websocket"

    def loop(self):
        self.sock = connect(self.port, timeout=None)
        r = Reader(self.sock)
        req, key = ws_upgrade("/hub")
        self.sock.sendall(req)
        head = r.head()
        want = base64.b64encode(hashlib.sha1(
            key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        if b" 101 " not in head[0] or not any(want in l for l in head):
            raise RuntimeError(head[0])
        while not self.stop.is_set():
            b0, b1 = r.exactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", r.exactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", r.exactly(8))[0]
            payload = r.exactly(n)
            if b0 & 0x0F == 0x8:
                return
            if b0 & 0x0F == 0x9:      # a ping: answer with a masked pong
                self.send(0xA, payload)
            if b0 & 0x0F == 0x1:
                self.record(payload)


    def send(self, opcode, payload):
        mask = os.urandom(4)
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)


class Poller(Client):
    """Polls with a cursor: short (wait=0), long, iframe or JSONP."""

    PATHS = {
        "short_poll": "/poll?after=%d",
        "long_poll": "/poll?after=%d&wait=25",
        "iframe_poll": "/poll/iframe?after=%d&origin=http://127.0.0.1",
        "jsonp_poll": "/poll/jsonp?after=%d&callback=JSONP.cb1",
    }

    def __init__(self, port, kind, after, interval=0.2):
        super().__init__(port, after)
        self.kind, self.interval = kind, interval
        self.missed = 0

    def loop(self):
        self.sock = connect(self.port, timeout=40)
        r = Reader(self.sock)
        while not self.stop.is_set():
            self.sock.sendall(request(self.PATHS[self.kind] % self.after))
            status, _, body = r.response()
            if status != 200:
                raise RuntimeError("status %d" % status)
            self.record(body)
            m = re.search(rb'"missed":(\d+)', body)
            if m:
                self.missed += int(m.group(1))
            self.after = int(LAST_RE.search(body).group(1))
            if self.kind != "long_poll" and b'"more":true' not in body:
                self.stop.wait(self.interval)


def stuck(port, kind, after=0):
    """A client that sends its request and never reads."""
    s = connect(port, rcvbuf=STUCK_RCVBUF)
    if kind == "websocket":
        s.sendall(ws_upgrade("/hub")[0])
    elif kind == "sse":
        s.sendall(request("/sseStream"))
    elif kind == "forever_frame":
        s.sendall(request("/iframeLongConnection"))
    elif kind == "long_poll":
        s.sendall(request("/poll?after=%d&wait=25" % after))
    return s


def stats(port):
    s = connect(port)
    try:
        s.sendall(request("/stats", b"Connection: close\r\n"))
        return json.loads(Reader(s).response()[2])
    finally:
        s.close()


def publish(conn_reader, sock, text):
    """POST /publish on a keep-alive socket; returns the new id."""
    body = text.encode() if isinstance(text, str) else text
    sock.sendall(b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body) + body)
    status, _, out = conn_reader.response()
    if status != 200:
        raise RuntimeError("publish: status %d" % status)
    return json.loads(out)["id"]


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return 0
