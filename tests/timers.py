"""timers.py PORT DIVISOR - every timeout the server enforces, fired
through the real loop in a fraction of a second (tests/17-timers.t runs
the server with -T DIVISOR -N: timeouts DIVISOR times shorter, no clock
event, so silence is really silence).  Raw sockets: nothing here is the
server's code.  Prints TAP.

  HEADER_TIMEOUT_MS      10 s: a request head that stops arriving gets 408
  KEEPALIVE_TIMEOUT_MS   30 s: an idle keep-alive connection is closed
  SSE_KEEPALIVE_MS       15 s: a silent event stream gets ": keep-alive"
  SSE_STALL_TIMEOUT_MS   30 s: a replay its reader never takes is dropped
  WS_PING_INTERVAL_MS    15 s: a silent WebSocket peer is pinged ...
  WS_PONG_TIMEOUT_MS     10 s: ... and dropped if it never answers
  CLOSE_LINGER_MS         5 s: a last answer nobody reads is cut
"""
import json
import socket
import sys
import time
import urllib.request

from ws_client import OP_PING, OP_PONG, OP_TEXT, Client, Closed

PORT = int(sys.argv[1])
DIVISOR = int(sys.argv[2])
n = 0


def ok(cond, desc):
    global n
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {desc}", flush=True)
    return cond


def ms(full_ms):
    """A timeout as the server under test takes it."""
    return max(1, full_ms // DIVISOR)


def stats():
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/stats", timeout=5) as r:
        return json.load(r)


def dropped(reason):
    return stats()["dropped"].get(reason, 0)


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    return s


def read_until_closed(s, limit_s):
    """Everything the server sends until it closes; (bytes, seconds, closed)."""
    got, t0 = b"", time.monotonic()
    s.settimeout(limit_s)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return got, time.monotonic() - t0, True
            got += d
    except (socket.timeout, TimeoutError):
        return got, time.monotonic() - t0, False
    except ConnectionResetError:
        return got, time.monotonic() - t0, True


def publish(text):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}/publish",
                                 data=text.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)["id"]


def header_timeout():
    s = connect()
    s.sendall(b"GET /stats HTTP/1.1\r\nHost: a\r\n")   # and nothing more
    got, took, closed = read_until_closed(s, 5)
    ok(got.startswith(b"HTTP/1.1 408 "),
       f"a head that stops arriving gets 408 after HEADER_TIMEOUT_MS / {DIVISOR} "
       f"({ms(10000)} ms; took {took * 1000:.0f} ms)")
    ok(closed, "and the connection is closed")
    s.close()


def keepalive_timeout():
    s = connect()
    s.sendall(b"GET /stats HTTP/1.1\r\nHost: a\r\n\r\n")
    got, took, closed = read_until_closed(s, 5)
    ok(b"HTTP/1.1 200 " in got and b"Connection: close" not in got,
       "a keep-alive answer")
    ok(closed and took * 1000 >= ms(30000) * 0.9,
       f"then the idle connection is closed after KEEPALIVE_TIMEOUT_MS / {DIVISOR} "
       f"({ms(30000)} ms; took {took * 1000:.0f} ms)")
    s.close()


def sse_keepalive():
    s = connect()
    s.sendall(b"GET /sseStream HTTP/1.1\r\nHost: a\r\n\r\n")
    s.settimeout(0.2)
    got, deadline = b"", time.monotonic() + max(2.0, 4 * ms(15000) / 1000)
    while got.count(b": keep-alive") < 2 and time.monotonic() < deadline:
        try:
            d = s.recv(65536)
        except (socket.timeout, TimeoutError):
            continue
        if not d:
            break
        got += d
    ok(got.count(b": keep-alive") >= 2,
       f"a silent event stream gets a ': keep-alive' comment every SSE_KEEPALIVE_MS / "
       f"{DIVISOR} ({ms(15000)} ms; {got.count(b': keep-alive')} seen)")
    s.close()


def sse_stall():
    # A replay far above what the kernel's socket buffers take (the send
    # buffer grows to 4 MiB on this kernel) and the catch-up high water
    # (128 KiB), to a reader that takes nothing: the server pauses the
    # replay, sees no progress, and drops the reader.
    for i in range(400):
        publish("s" * 16000)
    before = dropped("slow_consumer")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", PORT))
    s.sendall(b"GET /sseStream?lastEventId=0 HTTP/1.1\r\nHost: a\r\n\r\n")
    deadline = time.monotonic() + max(3.0, 4 * ms(30000) / 1000)
    while dropped("slow_consumer") == before and time.monotonic() < deadline:
        time.sleep(0.05)
    after = stats()
    ok(after["dropped"].get("slow_consumer", 0) == before + 1
       and after["last_drop"]["technique"] == "sse",
       f"a replay its reader never takes is dropped after SSE_STALL_TIMEOUT_MS / {DIVISOR} "
       f"({ms(30000)} ms): slow_consumer, sse")
    s.close()


def ws_ping_pong():
    before = dropped("timeout")
    silent = Client(PORT, "/hub")            # never answers
    polite = Client(PORT, "/hub")            # answers every ping
    t0 = time.monotonic()
    try:
        _, _, op, payload = silent.recv_frame(timeout=max(2.0, 4 * ms(15000) / 1000))
    except (socket.timeout, TimeoutError, Closed):
        op, payload = None, b""
    took = time.monotonic() - t0
    ok(op == OP_PING, f"a silent WebSocket peer is pinged after WS_PING_INTERVAL_MS / "
       f"{DIVISOR} ({ms(15000)} ms; took {took * 1000:.0f} ms)")
    _, _, op, payload = polite.recv_frame(timeout=5)
    if op == OP_PING:
        polite.send(OP_PONG, payload)
    ok(silent.tcp_closed(timeout=max(2.0, 4 * ms(10000) / 1000)),
       f"one that never answers is dropped WS_PONG_TIMEOUT_MS / {DIVISOR} later ({ms(10000)} ms)")
    ok(dropped("timeout") == before + 1, "counted as dropped.timeout")
    publish("still there?")
    got = None
    for _ in range(10):
        _, _, op, payload = polite.recv_frame(timeout=5)
        if op == OP_PING:
            polite.send(OP_PONG, payload)
        elif op == OP_TEXT:
            got = json.loads(payload)["data"]
            break
    ok(got == "still there?", "the peer that answered its pings is still served")
    silent.close()
    polite.close()


def close_linger():
    # A client that asks for a large answer and never reads it: the
    # answer cannot drain, and the server cuts the connection after
    # CLOSE_LINGER_MS once it has decided to close (Connection: close).
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", PORT))
    s.sendall(b"GET /poll?after=0 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    time.sleep(max(0.5, 3 * ms(5000) / 1000))
    total = stats()["connections"]["total"]   # this /stats one is counted
    ok(total == 1, f"an answer nobody reads is cut CLOSE_LINGER_MS / {DIVISOR} "
       f"({ms(5000)} ms) after the server decided to close (open connections: {total})")
    s.close()


def main():
    header_timeout()
    keepalive_timeout()
    sse_keepalive()
    ws_ping_pong()
    sse_stall()
    close_linger()
    print(f"1..{n}")


if __name__ == "__main__":
    main()
