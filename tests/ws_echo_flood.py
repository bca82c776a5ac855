"""ws_echo_flood.py PORT ROUNDS - /testSocket peers that send large
messages and never read (tests/47-ws-echo-flood.t).

Each peer sends text messages of 900 KiB to 1 MiB, as fast as the server
takes them, without reading, until the server stops taking them; then it
reads.  The server must end every such peer the same way: its echoes
whole, then a close frame with 1008 (policy violation), never a frame
cut off by its output cap.  The sizes vary so that the unread output the
server holds when a new message arrives lands in different places.  (The
case ws.c's echo_message now guards, a 1 MiB echo arriving while just
under 128 KiB is unread, depends on how much the kernel's socket buffers
took and is not reliably reached on loopback; this is regression cover
for the ending every such peer must get.)
Prints TAP.
"""
import json
import random
import socket
import struct
import sys
import time
import urllib.request

from ws_client import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, Client, Closed, build_frame

PORT = int(sys.argv[1])
PING_FLOOD_BYTES = 8 * 1024 * 1024   # of pings, more than the kernel buffers hold
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
SEND_LIMIT = 16            # messages per peer (~16 MiB: more than the socket buffers hold)
READ_SECONDS = 20          # bound on reading back what the server sent
n = 0


def ok(cond, desc):
    global n
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {desc}", flush=True)
    return cond


def stats():
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/stats", timeout=5) as r:
        return json.load(r)


def flood(rng):
    """One peer: returns (messages sent, frames read, close code or None,
    how the reading ended)."""
    c = Client(PORT, "/testSocket", protocols="echo", timeout=5.0)
    c.sock.settimeout(1.0)      # the server stopped taking input: stop
    # Then read at once: the server gives a closing peer CLOSE_LINGER_MS
    # (5 s) to take its last bytes.
    sent = 0
    try:
        while sent < SEND_LIMIT:
            size = rng.randint(900 * 1024, 1024 * 1024 - 64)
            c.send_raw(build_frame(OP_TEXT, b"x" * size))
            sent += 1
    except (socket.timeout, TimeoutError, OSError):
        pass
    frames, code, end = 0, None, "timeout"
    deadline = time.monotonic() + READ_SECONDS
    try:
        while time.monotonic() < deadline:
            _, _, op, payload = c.recv_frame(timeout=READ_SECONDS)
            frames += 1
            if op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                end = "close frame"
                break
            if op != OP_TEXT:
                end = f"unexpected opcode {op}"
                break
    except Closed:
        end = "TCP closed before a close frame"
    except (socket.timeout, TimeoutError):
        end = "timeout"
    except ConnectionResetError:
        end = "reset before a close frame"
    c.close()
    return sent, frames, code, end


def read_to_close(c, want_op):
    """Read frames until a close frame: (frames of want_op, close code or
    None, how the reading ended).  Text frames may come between (/hub's
    clock events)."""
    frames, code, end = 0, None, "timeout"
    deadline = time.monotonic() + READ_SECONDS
    try:
        while time.monotonic() < deadline:
            _, _, op, payload = c.recv_frame(timeout=READ_SECONDS)
            if op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                end = "close frame"
                break
            if op not in (want_op, OP_TEXT):
                end = f"unexpected opcode {op}"
                break
            frames += op == want_op
    except Closed:
        end = "TCP closed before a close frame"
    except (socket.timeout, TimeoutError):
        end = "timeout"
    except ConnectionResetError:
        end = "reset before a close frame"
    return frames, code, end


def ping_flood(path, protocols):
    """A peer that sends pings and never reads: the pongs pile up.  The
    server must end it with a 1008 close frame, as it does an echo flood,
    never by cutting it at the output cap (found in review: pongs had no
    room check)."""
    c = Client(PORT, path, protocols=protocols, timeout=5.0)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.sock.settimeout(1.0)
    batch = b"".join(build_frame(OP_PING, b"p" * 125) for _ in range(1000))
    sent = 0
    try:
        while sent < PING_FLOOD_BYTES:
            c.send_raw(batch)
            sent += len(batch)
    except (socket.timeout, TimeoutError, OSError):
        pass
    frames, code, end = read_to_close(c, OP_PONG)
    c.close()
    return sent, frames, code, end


def main():
    rng = random.Random(6455)
    before = stats()["dropped"].get("slow_consumer", 0)
    for r in range(ROUNDS):
        sent, frames, code, end = flood(rng)
        ok(end == "close frame" and code == 1008,
           f"peer {r + 1}: sent {sent} large messages without reading; "
           f"read back {frames} whole frames, the last {end} "
           f"(code {code}; want a close frame with 1008)")
    for path, protocols in (("/testSocket", "echo"), ("/hub", None)):
        sent, frames, code, end = ping_flood(path, protocols)
        ok(end == "close frame" and code == 1008,
           f"{path}: a peer sent {sent // 1024} KiB of pings without reading; "
           f"read back {frames} pongs, then a {end} (code {code}; want a "
           f"close frame with 1008)")
    after = stats()["dropped"].get("slow_consumer", 0)
    ok(after == before,
       f"no peer was cut off as a slow_consumer without its close frame "
       f"(dropped.slow_consumer {before} -> {after})")
    c = Client(PORT, "/testSocket", protocols="echo")
    c.send(OP_TEXT, "still here?")
    ok(c.recv_message() == (OP_TEXT, b"still here?"),
       "a new peer is echoed as usual afterwards")
    c.close()
    print(f"1..{n}")


if __name__ == "__main__":
    main()
