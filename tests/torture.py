"""torture.py SERVER - every allocation of each scenario fails, in turn.

In the spirit of curl's `runtests.pl -t`.  SERVER is a test build of the
server (-DMEM_FAIL_TESTING, `make torture`: with AddressSanitizer and
UndefinedBehaviorSanitizer): it fails allocation number $MEM_FAIL_AT,
counted from its first request, and prints "server: N allocations" when
it stops.  For each scenario below:

  1. run it once against a fresh server, to count its allocations (N);
  2. then N times more, each against a fresh server with allocation k
     failing, k = 1 .. N, and require for each run:
       - the scenario's client sees a clear error (an HTTP status of 400
         or more with its reason, or a WebSocket close frame), or its
         connection is dropped and /stats counts the drop (dropped.* or
         refused);
       - the server still serves everyone else: a bystander's publish
         and poll get their answers afterwards;
       - the server exits 0 on SIGTERM: no crash, and no leak (the
         sanitizer's leak check fails the exit status).

The server runs with -N (no clock event), so nothing but the scenario
allocates.  Raw sockets and the raw tests/ws_client.py: nothing here is
the server's code.  Prints TAP.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

from ws_client import OP_CLOSE, OP_TEXT, Client, Closed, build_frame

SERVER = sys.argv[1]
ONLY = sys.argv[2:]          # scenario names, or all
TIMEOUT = float(os.environ.get("TORTURE_TIMEOUT", "5"))
# After a scenario, time for the server to handle its last bytes (the
# clients' goodbyes), so that they are part of its allocation count in
# every run, before the bystander comes.
SETTLE_S = 0.2 * float(os.environ.get("TIME_SCALE", "1"))
ECHO_PREFIX = "服务端已收到信息，您的信息是".encode()
n = 0
failed = 0


def ok(cond, desc, details=()):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {desc}", flush=True)
    for d in details if not cond else ():
        print(f"# {d}", flush=True)
    return cond


class Server:
    def __init__(self, fail_at=None):
        env = dict(os.environ)
        env.pop("MEM_FAIL_AT", None)
        if fail_at is not None:
            env["MEM_FAIL_AT"] = str(fail_at)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([SERVER, "-q", "-N", "-p", "0", "-r", "www"],
                                     env=env, stderr=self.log)
        deadline = time.monotonic() + 10
        self.port = None
        while self.port is None and time.monotonic() < deadline:
            self.log.seek(0)
            m = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", self.log.read())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.02)
        if self.port is None:
            raise RuntimeError("server did not start")

    def stop(self):
        """(exit status, allocations, log text)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = "killed"
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace")
        m = re.search(r"server: (\d+) allocations", text)
        return status, int(m.group(1)) if m else None, text


# ---- a small HTTP client on raw sockets ----

def http(port, method, target, body=b"", headers=""):
    """(status or None, body) of one request on a new connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        s.sendall(f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Content-Length: {len(body)}\r\nConnection: close\r\n{headers}\r\n"
                  .encode() + body)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, ConnectionResetError, OSError):
        pass
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    head, _, rest = data.partition(b"\r\n\r\n")
    return (int(m.group(1)) if m else None), rest


def stats(port):
    status, body = http(port, "GET", "/stats")
    return json.loads(body) if status == 200 else None


class Outcome:
    """What the scenario's clients saw: 'ok', or 'error' with why, or
    'cut' (closed without an answer)."""

    def __init__(self):
        self.kind, self.why = "ok", ""

    def error(self, why):
        if self.kind == "ok":
            self.kind, self.why = "error", why

    def cut(self, why):
        if self.kind == "ok":
            self.kind, self.why = "cut", why

    def http(self, status, what):
        """Judge an HTTP answer; True if it was the normal one."""
        if status is None:
            self.cut(f"{what}: closed without an answer")
            return False
        if status >= 400:
            self.error(f"{what}: {status}")
            return False
        return True


# ---- the scenarios ----

def scenario_publish(port, out):
    status, body = http(port, "POST", "/publish", b"hello")
    if out.http(status, "publish") and b'"id"' not in body:
        out.cut("publish: no id")


def scenario_long_poll(port, out):
    # The poll is held (nothing after id 0 yet), a publish wakes it.
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"GET /poll?after=0&wait=3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    time.sleep(0.05)
    status, _ = http(port, "POST", "/publish", b"wake up")
    out.http(status, "publish")
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, ConnectionResetError, OSError):
        pass
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if out.http(int(m.group(1)) if m else None, "long poll") and b"wake up" not in data:
        out.error("long poll: answered without the event (the publish failed)")


def read_some(s, want, limit=TIMEOUT):
    """Read until `want` is in what came, or the connection closes."""
    data, deadline = b"", time.monotonic() + limit
    s.settimeout(0.2)
    while want not in data and time.monotonic() < deadline:
        try:
            d = s.recv(65536)
        except (socket.timeout, TimeoutError):
            continue
        except (ConnectionResetError, OSError):
            break
        if not d:
            break
        data += d
    return data


def scenario_forever_frame(port, out):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"GET /iframeLongConnection HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = read_some(s, b"<body>")
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if not out.http(int(m.group(1)) if m else None, "forever frame"):
        s.close()
        return
    if b"<body>" not in data:
        out.cut("forever frame: cut before its prelude")
    status, _ = http(port, "POST", "/publish", b"to the frame")
    out.http(status, "publish")
    data += read_some(s, b"to the frame", 1.0)
    if out.kind == "ok" and b"to the frame" not in data:
        out.cut("forever frame: the event never came")
    s.close()


def scenario_sse_resume(port, out):
    for text in (b"one", b"two", b"three"):
        status, _ = http(port, "POST", "/publish", text)
        out.http(status, "publish")
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"GET /sseStream HTTP/1.1\r\nHost: a\r\nLast-Event-ID: 1\r\n\r\n")
    data = read_some(s, b"data: three")
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if out.http(int(m.group(1)) if m else None, "SSE") and out.kind == "ok" \
            and (b"data: two" not in data or b"data: three" not in data):
        out.cut("SSE: the replay after id 1 did not arrive whole")


def ws_outcome(c, out, want, what):
    """Read the echo (or the close frame that ends the connection)."""
    try:
        while True:
            _, _, op, payload = c.recv_frame(timeout=TIMEOUT)
            if op == OP_CLOSE:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                out.error(f"{what}: close frame {code}")
                return
            if op == OP_TEXT:
                if payload != want:
                    out.cut(f"{what}: wrong echo")
                return
    except (Closed, socket.timeout, TimeoutError, ConnectionResetError, OSError):
        out.cut(f"{what}: closed without a close frame")


def ws_connect(port, out):
    try:
        return Client(port, "/testSocket", timeout=TIMEOUT)
    except RuntimeError as e:             # a refused handshake: its status
        out.error(f"handshake: {e}")
    except (Closed, ConnectionResetError, socket.timeout, OSError):
        out.cut("handshake: closed without an answer")
    return None


def scenario_ws_echo(port, out):
    c = ws_connect(port, out)
    if c is None:
        return
    c.send(OP_TEXT, "hi")
    ws_outcome(c, out, ECHO_PREFIX + b"hi", "echo")
    c.close()


def scenario_ws_fragmented(port, out):
    c = ws_connect(port, out)
    if c is None:
        return
    c.send_raw(build_frame(OP_TEXT, b"frag", fin=False) + build_frame(0x0, b"mented", fin=True))
    ws_outcome(c, out, ECHO_PREFIX + b"fragmented", "fragmented echo")
    c.close()


def scenario_fetch_stream(port, out):
    for text in (b"one", b"two", b"three"):
        status, _ = http(port, "POST", "/publish", text)
        out.http(status, "publish")
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"GET /stream?after=1 HTTP/1.1\r\nHost: a\r\n\r\n")
    data = read_some(s, b'"data":"three"')
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if out.http(int(m.group(1)) if m else None, "fetch stream") and out.kind == "ok" \
            and (b'"data":"two"' not in data or b'"data":"three"' not in data):
        out.cut("fetch stream: the replay after id 1 did not arrive whole")


def scenario_xhr_rotation(port, out):
    for text in (b"one", b"two"):
        status, _ = http(port, "POST", "/publish", text)
        out.http(status, "publish")
    # limit=10: the first line passes it, and the response ends.
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"GET /stream/xhr?after=0&limit=10 HTTP/1.1\r\nHost: a\r\n\r\n")
    data = read_some(s, b"\r\n0\r\n\r\n")
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if out.http(int(m.group(1)) if m else None, "XHR stream") and out.kind == "ok" \
            and (b'"data":"one"' not in data or not data.endswith(b"\r\n0\r\n\r\n")):
        out.cut("XHR stream: the response did not end after its first line")


def scenario_stream_reply(port, out):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"POST /stream/reply HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
    data = read_some(s, b"event: done")
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if out.http(int(m.group(1)) if m else None, "streamed reply") and b"event: done" not in data:
        out.cut("streamed reply: cut before its done event")


def scenario_static(port, out):
    status, body = http(port, "GET", "/index.html")
    if out.http(status, "static file") and b"<html" not in body.lower():
        out.cut("static file: not the page")


SCENARIOS = [
    ("publish", scenario_publish),
    ("long poll woken", scenario_long_poll),
    ("forever frame", scenario_forever_frame),
    ("SSE resume", scenario_sse_resume),
    ("WebSocket echo", scenario_ws_echo),
    ("WebSocket fragmented message", scenario_ws_fragmented),
    ("static file", scenario_static),
    ("fetch stream resume", scenario_fetch_stream),
    ("XHR stream rotation", scenario_xhr_rotation),
    ("streamed reply", scenario_stream_reply),
]


def bystander(port):
    """Someone else, after the failure: a publish and a poll that sees it."""
    status, body = http(port, "POST", "/publish", b"bystander")
    if status != 200:
        return False
    status, body = http(port, "GET", "/poll?after=0&type=message")
    return status == 200 and b"bystander" in body


def counted_drops(st):
    """Connections the server gave up for want of memory: dropped as
    out_of_memory or output_full, or refused at accept (503)."""
    if st is None:
        return 0
    d = st["dropped"]
    return d.get("out_of_memory", 0) + d.get("output_full", 0) + st["refused"]


def main():
    for name, run in SCENARIOS:
        if ONLY and name not in ONLY:
            continue
        server = Server()
        out = Outcome()
        run(server.port, out)
        time.sleep(SETTLE_S)
        status, total, log = server.stop()
        if not ok(out.kind == "ok" and status == 0 and total,
                  f"{name}: runs clean and makes {total} allocations",
                  [f"{out.kind}: {out.why}", f"exit {status}"] + log.splitlines()[-20:]):
            continue
        for k in range(1, total + 1):
            server = Server(fail_at=k)
            out = Outcome()
            run(server.port, out)
            time.sleep(SETTLE_S)
            served = bystander(server.port)
            st = stats(server.port)     # after the bystander: the scenario's
                                        # last bytes (a close) are handled
            status, _, log = server.stop()
            drops = counted_drops(st)
            # An error the client saw, or a drop the server counted (also
            # when the client had already got its answer: the failing
            # allocation was for what came after, such as its goodbye).
            seen = out.kind == "error" or drops > 0
            ok(seen and served and status == 0,
               f"{name}, allocation {k} of {total} fails: {out.kind}"
               f"{' (' + out.why + ')' if out.why else ''}, {drops} counted drop(s); "
               f"bystander {'served' if served else 'NOT served'}; exit {status}",
               [] if seen and status == 0 else log.splitlines()[-30:])
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
