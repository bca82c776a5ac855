"""sse_edges.py PORT - the event stream (sse.c) at its edges, with raw
sockets (tests/51-sse-stream.t runs a server with -N for it: no clock
event, so every event is one this script published).  Prints TAP.

  - HTTP/1.0: no chunked coding, the events are the body itself, and
    ?closeAfter ends the response by closing the connection;
  - two events published in one turn (two pipelined publishes) to a
    stream with ?closeAfter=1: the first ends the stream, the second
    finds it ended and writes nothing after the last chunk;
  - an event published while a stream is still replaying the ring (the
    replay paused, its reader behind): it waits its turn, and the reader
    gets every event once, in order, that one last.
"""
import http.client
import json
import socket
import sys
import time

PORT = int(sys.argv[1])
REPLAY_EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 300
n = 0


def ok(cond, desc):
    global n
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {desc}", flush=True)
    return cond


def publisher():
    return http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)


def publish(conn, text):
    conn.request("POST", "/publish", body=text.encode())
    r = conn.getresponse()
    return json.loads(r.read())["id"]


def read_all(s, limit=10):
    data, deadline = b"", time.monotonic() + limit
    s.settimeout(limit)
    while time.monotonic() < deadline:
        try:
            d = s.recv(1 << 20)
        except (socket.timeout, TimeoutError):
            break
        if not d:
            break
        data += d
    return data


def dechunk(body):
    """The data of a chunked body (its complete chunks), and whether its
    last chunk came."""
    out, pos = b"", 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol <= pos:
            return out, False
        size = int(body[pos:eol], 16)
        if size == 0:
            return out, body[eol + 2:eol + 4] == b"\r\n"
        if len(body) < eol + 2 + size + 2:
            return out, False
        out += body[eol + 2:eol + 2 + size]
        pos = eol + 2 + size + 2


def ids_of(data):
    return [int(line[4:]) for line in data.split(b"\n") if line.startswith(b"id: ")]


def http_1_0():
    pub = publisher()
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"GET /sseStream?closeAfter=2 HTTP/1.0\r\n\r\n")
    time.sleep(0.1)
    first, second = publish(pub, "one"), publish(pub, "two")
    data = read_all(s)
    head, _, body = data.partition(b"\r\n\r\n")
    ok(head.startswith(b"HTTP/1.1 200 ") and b"Transfer-Encoding" not in head,
       "HTTP/1.0: 200 without Transfer-Encoding")
    ok(body.endswith(f"id: {second}\ndata: two\n\n".encode()) and f"id: {first}\n".encode() in body
       and b"0\r\n\r\n" not in body,
       "the two events are the body itself; the connection's close ends it (no last chunk)")
    s.close()
    pub.close()


def two_events_one_turn():
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"GET /sseStream?closeAfter=1 HTTP/1.1\r\nHost: a\r\n\r\n")
    time.sleep(0.1)
    p = socket.create_connection(("127.0.0.1", PORT))
    one = b"POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirst"
    two = b"POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecond"
    p.sendall(one + two)                  # one read: both published in one turn
    answers = read_all(p)
    p.close()
    data = read_all(s)
    s.close()
    body, ended = dechunk(data.partition(b"\r\n\r\n")[2])
    ok(answers.count(b"HTTP/1.1 200 ") == 2, "two pipelined publishes, both answered")
    ok(ended and b"data: first\n" in body and b"data: second" not in body,
       "closeAfter=1: the first ends the stream; the second, in the same turn, writes nothing "
       "after the last chunk")


def event_during_replay():
    # A replay (300 events of 16 KB) larger than the socket buffers take
    # (the send buffer grows to 4 MiB here; fewer events were all taken),
    # to a reader that does not read yet: the server pauses it above
    # SSE_CATCHUP_HIGH_WATER.  Then one more event, then read.
    pub = publisher()
    start = publish(pub, "start")
    for i in range(REPLAY_EVENTS):
        publish(pub, f"{i:04d}" + "r" * 16000)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", PORT))
    s.sendall(f"GET /sseStream?lastEventId={start} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
    time.sleep(0.5)                       # the replay fills the buffers and pauses
    live = publish(pub, "live")
    pub.close()
    data, deadline = b"", time.monotonic() + 30
    s.settimeout(2)
    while f"id: {live}\n".encode() not in data and time.monotonic() < deadline:
        try:
            d = s.recv(1 << 20)
        except (socket.timeout, TimeoutError):
            continue
        if not d:
            break
        data += d
    s.close()
    body, _ = dechunk(data.partition(b"\r\n\r\n")[2])
    ids = ids_of(body)[1:]                # after the testEvent's
    ok(ids == list(range(start + 1, live + 1)),
       f"an event published mid-replay waits its turn: ids {start + 1}..{live} once, in order "
       f"({len(ids)} received)")
    ok(body.rstrip(b"\n").endswith(b"data: live"), "the live event comes last")


def main():
    http_1_0()
    two_events_one_turn()
    event_during_replay()
    print(f"1..{n}")


if __name__ == "__main__":
    main()
