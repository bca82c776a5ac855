"""slow_consumers.py PORT SERVER_PID - stuck readers of every streaming
technique at once beside good readers (tests/83-slow-consumers.t).

Stuck: /hub, /sseStream, /iframeLongConnection and a held long poll,
each a socket with a 4 KiB receive buffer that sends its request and
never reads.  Good: one reader of each streaming technique and a long
poller.  16 KiB messages are published on one keep-alive connection
until the three streams are gone from /stats's connection counts (at most MAX_MESSAGES, then
at most CLOSE_LINGER_S more seconds), then 20 more, then a short "end" marker.  Prints one JSON object: what the
test asserts (drops, connection counts, per-client gaps, missing
published ids, worst latency, RSS).
"""
import json
import os
import select
import sys
import time

import rt_clients as rt

MAX_MESSAGES = 400
AFTER_DROPS = 20
# The stuck WebSocket leaves /stats's websocket count once its 1008 close
# frame is sent, or CLOSE_LINGER_MS (net/conn.h, 5 s) after it was queued
# when the socket takes nothing more; how much the kernel still takes
# before that depends on the timing (under valgrind the frame often
# waits).  So the drops get that long, and a margin, after the publishes.
CLOSE_LINGER_S = 5
TIME_SCALE = float(os.environ.get("TIME_SCALE", "1"))
BIG = "m" * 16384

port, pid = int(sys.argv[1]), int(sys.argv[2])
start = rt.stats(port)
last = start["last_id"]
rss_start = rt.rss_kb(pid)

good = [rt.Hub(port), rt.sse(port), rt.forever_frame(port),
        rt.Poller(port, "long_poll", last)]
for c in good:
    c.start()
stuck = {k: rt.stuck(port, k, last)
         for k in ("websocket", "sse", "forever_frame", "long_poll")}


def connected():
    s = rt.stats(port)["connections"]
    return (s["websocket"], s["sse"], s["forever_frame"], s["held_poll"])


def stuck_streams_gone():
    """Only the good WebSocket, SSE and forever-frame readers are left."""
    return connected()[:3] == (1, 1, 1)


deadline = time.monotonic() + 10
while connected() != (2, 2, 2, 2) and time.monotonic() < deadline:
    time.sleep(0.05)
before = connected()

pub = rt.connect(port)
reader = rt.Reader(pub)
published, sent_at, rss_max = [], {}, rss_start
poll_answered_after = None
dropped_at = None
for n in range(1, MAX_MESSAGES + 1):
    t = time.monotonic()
    i = rt.publish(reader, pub, BIG)
    published.append(i)
    sent_at[i] = t
    if poll_answered_after is None and select.select([stuck["long_poll"]], [], [], 0.05)[0]:
        poll_answered_after = n
    if n % 10 == 0:
        rss_max = max(rss_max, rt.rss_kb(pid))
        if dropped_at is None and stuck_streams_gone():
            dropped_at = n
        if dropped_at is not None and n >= dropped_at + AFTER_DROPS:
            break
    time.sleep(0.005)   # 16 KiB every ~5 ms: about 3 MB/s for each reader
if dropped_at is None:
    deadline = time.monotonic() + (CLOSE_LINGER_S + 2) * TIME_SCALE
    while time.monotonic() < deadline:
        if stuck_streams_gone():
            dropped_at = len(published)
            break
        time.sleep(0.1)
end_id = rt.publish(reader, pub, "end")
published.append(end_id)
sent_at[end_id] = time.monotonic()

deadline = time.monotonic() + 10
while time.monotonic() < deadline and not all(end_id in c.ids() for c in good):
    time.sleep(0.05)
rss_max = max(rss_max, rt.rss_kb(pid))
after = rt.stats(port)

out = {
    "published": len(published), "dropped_at": dropped_at,
    "dropped": after["dropped"], "connections_before": before,
    "connections_after": [after["connections"][k] for k in
                          ("websocket", "sse", "forever_frame")],
    "poll_answered_after": poll_answered_after,
    "rss_start_kb": rss_start, "rss_max_kb": rss_max,
    "clients": {},
}
for c in good:
    got = set(c.ids())
    lat = [e[2] - sent_at[e[0]] for e in c.events if e[0] in sent_at]
    out["clients"][c.kind] = {
        "events": len(c.events), "gaps": c.gaps()[:10],
        "duplicates": c.duplicates(),
        "missing_published": [i for i in published if i not in got][:10],
        "max_latency_ms": round(1000 * max(lat), 1) if lat else None,
        "error": c.error,
    }
    c.close()

# The stuck long poll was answered once; now read it to its end: the
# server closes it after the keep-alive timeout (it never asked again).
sp = stuck["long_poll"]
sp.settimeout(40)
t0, got = time.monotonic(), b""
try:
    while True:
        d = sp.recv(65536)
        if not d:
            break
        got += d
except OSError as e:
    got += b"<" + repr(e).encode() + b">"
out["stuck_poll"] = {"bytes": len(got), "responses": got.count(b"HTTP/1.1 "),
                     "status": got[:12].decode("latin-1"),
                     "closed_after_s": round(time.monotonic() - t0, 1)}
# The stuck streams: the server has closed them (EOF once the kernel's
# buffers are read); the WebSocket one ends with a 1008 close frame if it
# still fitted in the socket buffers before the close linger ran out.
out["stuck_streams"] = {}
for k in ("websocket", "sse", "forever_frame"):
    s = stuck[k]
    s.settimeout(10)
    data, eof = b"", False
    try:
        while True:
            d = s.recv(1 << 20)
            if not d:
                eof = True
                break
            data += d
    except OSError:
        pass
    out["stuck_streams"][k] = {"bytes": len(data), "eof": eof,
                               "close_1008": b"\x88\x02\x03\xf0" in data[-64:]}
    s.close()
print(json.dumps(out))
