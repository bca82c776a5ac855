"""soak.py PORT SERVER_PID SECONDS - clients of every technique
connecting, publishing and leaving at random (issue 8's soak).

Stayers: one client of each technique (short poll, long poll, iframe
poll, JSONP poll, forever frame, WebSocket /hub, SSE, the fetch and XHR
streams; the XHR stream's responses end every 128 KiB and it reopens
after its last id) for the whole run.
Churn: every 20-150 ms a random client of a random technique starts and
leaves after 0.1-2 s, about one in four abruptly (a TCP reset); at
most CHURN_MAX at once.  Publishers: short-lived keep-alive connections
posting 1-2000 bytes of mixed text every ~20 ms.

Before the run the ring is filled with HUB_RING_SIZE messages of the
largest size used, so the hub's memory is already at its steady state
when the baseline RSS is taken.  Prints one JSON object: per-stayer
gaps, missed and missing ids, and the server's connections, descriptors
and RSS at the start and the end.
"""
import json
import random
import sys
import threading
import time

import rt_clients as rt

CHURN_MAX = 40
RING = 1024
MAX_TEXT = 2000
KINDS = ["short_poll", "long_poll", "iframe_poll", "jsonp_poll",
         "forever_frame", "websocket", "sse", "fetch_stream", "xhr_stream"]

port, pid, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 8)
ALPHABET = "abc xyz 0123 <>&\"' \\ 中文 \u2028 \U0001F600 \n\r\t"


def text(n):
    return "".join(rng.choice(ALPHABET) for _ in range(n))[:n] or "x"


def make(kind, after):
    if kind == "websocket":
        return rt.Hub(port)
    if kind == "sse":
        return rt.sse(port)
    if kind == "forever_frame":
        return rt.forever_frame(port)
    if kind == "fetch_stream":
        return rt.fetch_stream(port, after)
    if kind == "xhr_stream":
        return rt.xhr_stream(port, after)
    return rt.Poller(port, kind, after, interval=0.1)


# Fill the ring first (see above).
s = rt.connect(port)
r = rt.Reader(s)
for _ in range(RING):
    rt.publish(r, s, "w" * MAX_TEXT)
s.close()
time.sleep(0.3)

base = rt.stats(port)
time.sleep(0.2)   # let the server close the /stats connection first
start = {"connections": base["connections"]["total"], "fds": rt.fd_count(pid),
         "rss_kb": rt.rss_kb(pid)}
first = base["last_id"]
stayers = [make(k, first) for k in KINDS]
for c in stayers:
    c.start()
# WebSocket /hub and the forever frame have no cursor: a message published
# before their subscription is live is not theirs to miss.  Any event (the
# clock ticks every second) proves the subscription is live.
t0 = time.monotonic()
while time.monotonic() < t0 + 10 and not all(c.events for c in stayers):
    time.sleep(0.05)

published = []
errors = []
stop = threading.Event()


def publisher():
    while not stop.is_set():
        try:
            s = rt.connect(port)
            r = rt.Reader(s)
            for _ in range(rng.randint(1, 20)):
                published.append(rt.publish(r, s, text(rng.randint(1, MAX_TEXT))))
                stop.wait(0.02)
            s.close()
        except Exception as e:   # noqa: BLE001
            errors.append("publisher: %r" % e)
            stop.wait(0.1)


pub = threading.Thread(target=publisher, daemon=True)
pub.start()

churn, started, resets = [], 0, 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    now = time.monotonic()
    for c, leave_at, rude in list(churn):
        if now >= leave_at:
            churn.remove((c, leave_at, rude))
            c.close(reset=rude)
            resets += rude
            if c.error:
                errors.append(c.error)
    if len(churn) < CHURN_MAX:
        c = make(rng.choice(KINDS), published[-1] if published else first)
        c.start()
        started += 1
        churn.append((c, now + rng.uniform(0.1, 2.0), rng.random() < 0.25))
    time.sleep(rng.uniform(0.02, 0.15))

stop.set()
pub.join(5)
for c, _, _ in churn:
    c.close()
s = rt.connect(port)
last = rt.publish(rt.Reader(s), s, "the end")
s.close()
published.append(last)
t0 = time.monotonic()
while time.monotonic() < t0 + 10 and not all(last in c.ids() for c in stayers):
    time.sleep(0.05)

out = {"seconds": seconds, "published": len(published), "churn_clients": started,
       "resets": resets, "errors": errors[:5], "stayers": {}}
for c in stayers:
    got = set(c.ids())
    out["stayers"][c.kind] = {
        "events": len(c.events), "gaps": c.gaps()[:10],
        "missed": getattr(c, "missed", 0),
        "requests": getattr(c, "requests", None),
        "missing_published": [i for i in published if i not in got][:10],
        "error": c.error,
    }
    c.close()

# Everyone has left: wait for the server to notice, then compare.
t0 = time.monotonic()
while time.monotonic() < t0 + 15:
    st = rt.stats(port)
    time.sleep(0.2)
    fds = rt.fd_count(pid)
    if st["connections"]["total"] <= start["connections"] and fds <= start["fds"]:
        break
out["start"] = start
out["end"] = {"connections": st["connections"]["total"], "fds": fds,
              "rss_kb": rt.rss_kb(pid), "table": st["connections"]}
out["dropped"] = st["dropped"]
if out["end"]["connections"] != start["connections"]:
    import subprocess
    out["ss"] = subprocess.run(["ss", "-tnoi", "state", "established", "( sport = :%d or dport = :%d )" % (port, port)],
                               capture_output=True, text=True).stdout[-3000:]
print(json.dumps(out))
