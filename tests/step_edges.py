"""step_edges.py PORT PORT2 CONTROL_PORT SERVER_PID DIVISOR - the
stepper's record at its edges, with raw sockets (tests/73-step.t runs the
server with two data ports, --step=0 -T DIVISOR -N).  Prints TAP.

  - a connection's timeout fires during a step: "timer due on fd N";
    one on the control port times out too, outside the record; a
    closing connection's linger and a stream's timer are noted as such;
  - a stream whose reader went away: "fd N dropped: peer_closed";
  - more descriptors than STEP_MAX_FDS (64) and more actions than
    STEP_MAX_NOTES (48) in one iteration: listed up to the limit, the
    rest counted in fds_more and notes_more;
  - a fifth POST /step/next while four are held: 429.  The server is
    stopped (SIGSTOP) while the five requests are sent, so that one
    control turn reads them all, as it would five pages asking at once.
"""
import json
import os
import signal
import socket
import sys
import time

PORT, PORT2, CONTROL, PID, DIVISOR = (int(a) for a in sys.argv[1:6])
n = 0


def ok(cond, desc):
    global n
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {desc}", flush=True)
    return cond


def request(port, method, target, headers=""):
    """(status, body) of one request on a new connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"{method} {target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n{headers}\r\n".encode())
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def step(n_iter=1):
    status, body = request(CONTROL, "POST", f"/step/next?n={n_iter}", "X-Stepper: step\r\n")
    return json.loads(body) if status == 200 else {"status": status}


def notes(record):
    return [note["text"] for note in record.get("notes", [])]


def accepted_fd(record):
    for text in notes(record):
        if text.startswith("accepted fd "):
            return int(text.split()[2])
    return None


def timer_note():
    s = socket.create_connection(("127.0.0.1", PORT))     # and silence
    fd = accepted_fd(step())
    time.sleep(3 * 10000 / DIVISOR / 1000)                # past HEADER_TIMEOUT_MS / DIVISOR
    texts = notes(step())
    ok(fd is not None and f"timer due on fd {fd} (http, idle or slow request)" in texts,
       f"a silent connection's timeout fires in a step: 'timer due on fd {fd} (http, ...)'")
    ok(any(t.startswith(f"closed fd {fd} ") for t in texts), "and it is closed in that step")
    s.close()


def timer_kinds():
    # The note says what kind of timer came due: a closing connection's
    # linger (its peer never closed), a stream's own (SSE keep-alive).
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"GET /stats HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    fd = accepted_fd(step())
    step()                                       # answered; all sent, half-closed
    time.sleep(3 * 5000 / DIVISOR / 1000)        # past CLOSE_LINGER_MS / DIVISOR
    ok(f"timer due on fd {fd} (closing, closing)" in notes(step()),
       "a closing connection whose peer never closes: its linger ends in a step, noted as closing")
    s.close()
    e = socket.create_connection(("127.0.0.1", PORT))
    e.sendall(b"GET /sseStream HTTP/1.1\r\nHost: a\r\n\r\n")
    fd = accepted_fd(step())
    step()                                       # the stream starts
    time.sleep(3 * 15000 / DIVISOR / 1000)       # past SSE_KEEPALIVE_MS / DIVISOR
    texts = notes(step())
    ok(f"timer due on fd {fd} (sse)" in texts, "a silent SSE stream's keep-alive timer comes due in a step")
    e.close()
    record = step(2)
    ok(record["data_ports"] == [PORT, PORT2], f"the record lists both data ports ({record['data_ports']})")


def control_timeout():
    # The control plane's connections time out like any others (its
    # turns run the same timers), and its descriptors and timers are
    # never part of the data plane's record.
    c = socket.create_connection(("127.0.0.1", CONTROL), timeout=5)   # and silence
    c.settimeout(max(2.0, 4 * 10000 / DIVISOR / 1000))
    try:
        closed = c.recv(1) == b""
    except (socket.timeout, TimeoutError):
        closed = False
    c.close()
    ok(closed, f"a silent connection to the control port is closed after HEADER_TIMEOUT_MS / {DIVISOR}")
    record = step()
    ok(not any("timer due on fd" in t for t in notes(record)),
       "and the data plane's record shows no timer of it")


def dropped_note():
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"GET /sseStream HTTP/1.1\r\nHost: a\r\n\r\n")
    fd = accepted_fd(step())
    seen = notes(step())                         # its request read, the stream started
    ok(any(t.startswith(f"fd {fd}: http -> sse") for t in seen), "a stream starts, stepped")
    s.shutdown(socket.SHUT_WR)                   # gone (a close with unread bytes would be a reset)
    time.sleep(0.1)
    texts = notes(step())
    ok(f"fd {fd} dropped: peer_closed" in texts,
       f"its reader leaves: 'fd {fd} dropped: peer_closed' in the step's notes")
    s.close()


def limits():
    socks = [socket.create_connection(("127.0.0.1", PORT)) for _ in range(70)]
    time.sleep(0.2)
    first = step()
    second = step()
    ok(len(first["notes"]) == 48 and first["notes_more"] == 64 - 48,
       f"64 accepts in one iteration: 48 notes listed (STEP_MAX_NOTES), "
       f"{first['notes_more']} more counted")
    ok(len(second["fds"]) == 64 and second["fds_more"] == 2,
       f"66 descriptors in the next select() (two listeners, 64 connections): 64 listed "
       f"(STEP_MAX_FDS), {second['fds_more']} more counted")
    for s in socks:
        s.close()
    time.sleep(0.1)
    step(3)


def too_many_waiters():
    os.kill(PID, signal.SIGSTOP)
    socks = [socket.create_connection(("127.0.0.1", CONTROL), timeout=10) for _ in range(5)]
    try:
        for s in socks:
            s.sendall(b"POST /step/next HTTP/1.1\r\nHost: a\r\nX-Stepper: step\r\n"
                      b"Connection: close\r\n\r\n")
    finally:
        os.kill(PID, signal.SIGCONT)
    statuses = []
    for s in socks:
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        statuses.append((int(data.split(b" ")[1]) if data else None, data))
    codes = sorted(code or 0 for code, _ in statuses)
    ok(codes == [200, 200, 200, 200, 429],
       f"five step requests at once: four held and answered, the fifth 429 ({codes})")
    ok(any(b"too many step requests waiting" in d for c, d in statuses if c == 429),
       "saying too many step requests are waiting")


def main():
    timer_note()
    timer_kinds()
    control_timeout()
    dropped_note()
    limits()
    too_many_waiters()
    print(f"1..{n}")


if __name__ == "__main__":
    main()
