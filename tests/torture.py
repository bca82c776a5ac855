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

The scenarios: a publish, a long poll woken, a forever frame, an SSE
resume, a WebSocket echo and a fragmented message, a static file (the
issue's list); then the answers built in one buffer from many appends,
each of which must come whole or not at all (a 200 whose JSON has a hole
is a failure): /stats, the wire view, /source and /source/files, the
three poll answer forms, a /hub message published and delivered back,
an SSE keep-alive comment (-T 100: after 150 ms of silence), article
mode (-A: its SSE stream, forever frame, unframed stream, JSONP and
/article/state) and the
stepper (--step=0: a step and /step/state, on the control port; there
the bystander is a step, since the data plane moves only when stepped).

The server runs with -N (no clock event), so nothing but the scenario
allocates.  Raw sockets and the raw tests/ws_client.py: nothing here is
the server's code.  Prints TAP.  Arguments after SERVER name the
scenarios to run (default: all).
"""
import base64
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
    def __init__(self, fail_at=None, args=()):
        env = dict(os.environ)
        env.pop("MEM_FAIL_AT", None)
        if fail_at is not None:
            env["MEM_FAIL_AT"] = str(fail_at)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([SERVER, "-q", "-N", "-p", "0", "-r", "www", *args],
                                     env=env, stderr=self.log)
        deadline = time.monotonic() + 10
        self.port = self.control_port = None
        stepping = "--step=0" in args
        while time.monotonic() < deadline:
            self.log.seek(0)
            text = self.log.read()
            m = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", text)
            c = re.search(rb"stepper on http://127\.0\.0\.1:(\d+)/", text)
            if m and (c or not stepping):
                self.port = int(m.group(1))
                self.control_port = int(c.group(1)) if c else None
                break
            if self.proc.poll() is not None:
                break
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
                if not (want(payload) if callable(want) else payload == want):
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


def scenario_ws_echo_large(port, out):
    # A large echo grows the connection's output buffer past what a
    # drained one may keep (CONN_KEEP_OUTPUT_BYTES), so it is given back;
    # the next frame's header then needs a new one.
    c = ws_connect(port, out)
    if c is None:
        return
    big = "x" * 3000
    c.send(OP_TEXT, big)
    ws_outcome(c, out, ECHO_PREFIX + big.encode(), "large echo")
    if out.kind == "ok":
        c.send(OP_TEXT, "hi")
        ws_outcome(c, out, ECHO_PREFIX + b"hi", "echo after it")
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


def json_answer(port, target, what, out, keys, method="GET", headers=""):
    """A JSON answer: its object, or None (out says why)."""
    status, body = http(port, method, target, headers=headers)
    if not out.http(status, what):
        return None
    try:
        obj = json.loads(body)
    except ValueError:
        out.cut(f"{what}: 200 with a body that is not JSON: {body[:80]!r}")
        return None
    if not all(k in obj for k in keys):
        out.cut(f"{what}: 200 without {keys}: {body[:80]!r}")
        return None
    return obj


def scenario_stats(port, out):
    json_answer(port, "/stats", "stats", out,
                ["connections", "techniques", "dropped", "last_drop", "accepted"])


def scenario_wire(port, out):
    status, _ = http(port, "POST", "/publish", b"on the wire")   # an answer on the http wire
    out.http(status, "publish")
    obj = json_answer(port, "/wire?tech=http", "wire", out, ["tech", "base64", "segments"])
    if obj is not None and out.kind == "ok" \
            and b'{"id":1}' not in base64.b64decode(obj["base64"]):
        out.cut("wire: the ring does not show the answer before it")


def scenario_source(port, out):
    status, body = http(port, "GET", "/source?file=core/buf.h")
    if out.http(status, "source file") and b"core/buf.h - " not in body:
        out.cut("source file: not the file")
    obj = json_answer(port, "/source/files", "source list", out, ["layers"])
    if obj is not None and not any(f["name"] == "core/buf.c" and f["about"]
                                   for l in obj["layers"] for f in l["files"]):
        out.cut("source list: core/buf.c or its about line is missing")


def scenario_poll_answers(port, out):
    for text in (b"first", b"second"):
        status, _ = http(port, "POST", "/publish", text)
        out.http(status, "publish")
    for target, what, want in (("/poll?after=0", "short poll", b'"data":"second"'),
                               ("/poll/iframe?after=0", "iframe poll", b"parent.postMessage({"),
                               ("/poll/jsonp?after=0&callback=cb", "JSONP poll", b"/**/cb({")):
        status, body = http(port, "GET", target)
        if out.http(status, what) and (want not in body or b'"data":"first"' not in body):
            out.cut(f"{what}: the answer is not whole")


def scenario_ws_hub(port, out):
    try:
        c = Client(port, "/hub", timeout=TIMEOUT)
    except RuntimeError as e:
        out.error(f"handshake: {e}")
        return
    except (Closed, ConnectionResetError, socket.timeout, OSError):
        out.cut("handshake: closed without an answer")
        return
    c.send(OP_TEXT, "to everyone")
    ws_outcome(c, out, lambda p: json.loads(p)["data"] == "to everyone", "hub message")
    c.close()


def scenario_article(port, out):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"GET /article/sseStream HTTP/1.1\r\nHost: a\r\n\r\n")
    data = read_some(s, b"data: ")
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if out.http(int(m.group(1)) if m else None, "article SSE") and b"id: testId" not in data:
        out.cut("article SSE: cut before its first block")
    for target, what in ((b"/article/iframeLongConnection", "article frame"),
                         (b"/article/unframed?framing=none", "article unframed")):
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n")
        data = read_some(s, b"\r\n\r\n")
        s.close()
        m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
        if out.http(int(m.group(1)) if m else None, what) and b"text/html" not in data:
            out.cut(f"{what}: not its head")
    status, body = http(port, "GET", "/article/poll/jsonp?callback=cb")
    if out.http(status, "article JSONP") and not body.startswith(b"cb({"):
        out.cut("article JSONP: not the script")
    time.sleep(SETTLE_S)     # the stream's close is seen before the state
    json_answer(port, "/article/state", "article state", out,
                ["dead_writes", "leaked_intervals", "open"])


def scenario_sse_keepalive(port, out):
    # -T 100: the keep-alive comment after 150 ms of silence, not 15 s.
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"GET /sseStream HTTP/1.1\r\nHost: a\r\n\r\n")
    data = read_some(s, b": keep-alive\n")
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    if out.http(int(m.group(1)) if m else None, "SSE") and b": keep-alive\n" not in data:
        out.cut("SSE: no keep-alive comment on a silent stream")


def scenario_stepper(port, out, control):
    step = json_answer(control, "/step/next?n=2", "step", out, ["iteration", "fds"], "POST",
                       "X-Stepper: step\r\n")
    if step is not None and step["iteration"] != 2:
        out.cut(f"step: not the record of iteration 2: {step}")
    json_answer(control, "/step/state", "step state", out, ["iteration", "fds", "notes"])


# (name, run, the server's extra arguments)
SCENARIOS = [
    ("publish", scenario_publish, ()),
    ("long poll woken", scenario_long_poll, ()),
    ("forever frame", scenario_forever_frame, ()),
    ("SSE resume", scenario_sse_resume, ()),
    ("WebSocket echo", scenario_ws_echo, ()),
    ("WebSocket echo, large then small", scenario_ws_echo_large, ()),
    ("WebSocket fragmented message", scenario_ws_fragmented, ()),
    ("static file", scenario_static, ()),
    ("stats", scenario_stats, ()),
    ("wire view", scenario_wire, ()),
    ("source", scenario_source, ()),
    ("poll answers", scenario_poll_answers, ()),
    ("WebSocket hub message", scenario_ws_hub, ()),
    ("SSE keep-alive", scenario_sse_keepalive, ("-T", "100")),
    ("article mode", scenario_article, ("-A",)),
    ("stepper", scenario_stepper, ("--step=0",)),
    ("fetch stream resume", scenario_fetch_stream, ()),
    ("XHR stream rotation", scenario_xhr_rotation, ()),
    ("streamed reply", scenario_stream_reply, ()),
]


def bystander(server):
    """Someone else, after the failure: a publish and a poll that sees it.
    In step mode the data plane moves only when stepped, so there the
    bystander is the stepper's reader: a step and its record."""
    if server.control_port is not None:
        status, body = http(server.control_port, "POST", "/step/next",
                            headers="X-Stepper: step\r\n")
        return status == 200 and b'"iteration":' in body
    status, body = http(server.port, "POST", "/publish", b"bystander")
    if status != 200:
        return False
    status, body = http(server.port, "GET", "/poll?after=0&type=message")
    return status == 200 and b"bystander" in body


def stats_of(server):
    """/stats (in step mode, after stepping the data plane to answer it)."""
    if server.control_port is None:
        return stats(server.port)
    result = {}

    def ask():
        result["st"] = stats(server.port)
    t = __import__("threading").Thread(target=ask)
    t.start()
    for _ in range(20):
        if not t.is_alive():
            break
        http(server.control_port, "POST", "/step/next?n=5", headers="X-Stepper: step\r\n")
    t.join(TIMEOUT)
    return result.get("st")


def run_scenario(run, server, out):
    if server.control_port is not None:
        run(server.port, out, server.control_port)
    else:
        run(server.port, out)


def counted_drops(st):
    """Connections the server gave up for want of memory: dropped as
    out_of_memory or output_full, or refused at accept (503)."""
    if st is None:
        return 0
    d = st["dropped"]
    return d.get("out_of_memory", 0) + d.get("output_full", 0) + st["refused"]


def main():
    for name, run, args in SCENARIOS:
        if ONLY and name not in ONLY:
            continue
        server = Server(args=args)
        out = Outcome()
        run_scenario(run, server, out)
        time.sleep(SETTLE_S)
        status, total, log = server.stop()
        if not ok(out.kind == "ok" and status == 0 and total,
                  f"{name}: runs clean and makes {total} allocations",
                  [f"{out.kind}: {out.why}", f"exit {status}"] + log.splitlines()[-20:]):
            continue
        for k in range(1, total + 1):
            server = Server(fail_at=k, args=args)
            out = Outcome()
            run_scenario(run, server, out)
            time.sleep(SETTLE_S)
            served = bystander(server)
            st = stats_of(server)       # after the bystander: the scenario's
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
