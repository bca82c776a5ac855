"""ws_clients.py PORT PORT2 - happy paths of /testSocket and /hub through
an independent WebSocket client: Debian's python3-websockets (run with
/usr/bin/python3).  Prints TAP.

ARTICLE §4.4/§4.5: echo of text with the article's prefix, binary
unchanged, fragmented messages, ping/pong, the closing handshake with
codes; the hub: events as JSON, messages published to everyone,
deliveries counted; limits: 1009 for oversize, 1008 for a slow reader.
"""
import asyncio
import json
import os
import sys
import urllib.request

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from ws_client import Client, OP_CLOSE  # noqa: E402  (raw, for the slow reader)

PORT, PORT2 = int(sys.argv[1]), int(sys.argv[2])
PREFIX = "服务端已收到信息，您的信息是"
n = 0
failed = 0


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {name}")
    if not cond and diag is not None:
        print(f"#   {diag}")
    sys.stdout.flush()


def url(path, port=PORT):
    return f"ws://127.0.0.1:{port}{path}"


def stats():
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/stats", timeout=5) as r:
        return json.load(r)


def publish(text):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}/publish",
                                 data=text.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)


async def recv_until(ws, pred, timeout=5):
    """Receive hub events until pred(event) holds; return that event."""
    async def loop():
        while True:
            ev = json.loads(await ws.recv())
            if pred(ev):
                return ev
    return await asyncio.wait_for(loop(), timeout)


async def echo_cases():
    async with websockets.connect(url("/testSocket")) as ws:
        await ws.send("123")
        got = await asyncio.wait_for(ws.recv(), 5)
        ok(got == PREFIX + "123", "text 123 -> the article's reply", got)

        await ws.send("你好, κόσμε 🙂")
        got = await asyncio.wait_for(ws.recv(), 5)
        ok(got == PREFIX + "你好, κόσμε 🙂", "non-ASCII text echoed intact", got)

        await ws.send(bytes(range(256)))
        got = await asyncio.wait_for(ws.recv(), 5)
        ok(got == bytes(range(256)), "binary message echoed unchanged")

        await ws.send(["frag", "men", "ted"])   # three frames, one message
        got = await asyncio.wait_for(ws.recv(), 5)
        ok(got == PREFIX + "fragmented", "a fragmented text message is echoed whole", got)

        await ws.send([b"\x01\x02", b"\x03"])
        got = await asyncio.wait_for(ws.recv(), 5)
        ok(got == b"\x01\x02\x03", "a fragmented binary message is echoed whole")

        pong = await ws.ping(b"are you there")
        try:
            await asyncio.wait_for(pong, 5)
            ok(True, "ping answered by a pong with the same payload")
        except asyncio.TimeoutError:
            ok(False, "ping answered by a pong with the same payload")

        big = "x" * (1024 * 1024 - len(PREFIX.encode()))
        await ws.send(big)
        got = await asyncio.wait_for(ws.recv(), 10)
        ok(got == PREFIX + big, "a message near 1 MiB is echoed")

        await ws.close(code=4000, reason="再见")
    ok(ws.close_code == 4000, "closing with 4000: the server echoes 4000",
       ws.close_code)

    async with websockets.connect(url("/testSocket", PORT2),
                                  subprotocols=["chat", "echo"]) as ws:
        ok(ws.subprotocol == "echo", "subprotocol echo negotiated", ws.subprotocol)
        await ws.send("as is")
        got = await asyncio.wait_for(ws.recv(), 5)
        ok(got == "as is", "with subprotocol echo, text comes back unchanged", got)
    ok(ws.close_code == 1000, "a normal close is answered with 1000", ws.close_code)

    async with websockets.connect(url("/testSocket"), max_size=None) as ws:
        await ws.send("y" * (1024 * 1024 + 1))
        try:
            await asyncio.wait_for(ws.recv(), 10)
            ok(False, "a message over 1 MiB is refused with 1009")
        except websockets.ConnectionClosed:
            ok(ws.close_code == 1009, "a message over 1 MiB is refused with 1009",
               ws.close_code)


async def hub_cases():
    before = stats()["techniques"]["websocket"]["deliveries"]
    async with websockets.connect(url("/hub")) as a, \
            websockets.connect(url("/hub", PORT2)) as b:
        await a.send("hello from a </script>")
        ev = await recv_until(b, lambda e: e["type"] == "message")
        ok(ev["data"] == "hello from a </script>" and isinstance(ev["id"], int),
           "a message sent on /hub reaches another client as a JSON event", ev)
        ev = await recv_until(a, lambda e: e["type"] == "message")
        ok(ev["data"] == "hello from a </script>", "... and comes back to its sender", ev)

        pub = publish("published by curl-like POST")
        ev = await recv_until(a, lambda e: e["type"] == "message")
        ok(ev == {"id": pub["id"], "type": "message",
                  "data": "published by curl-like POST"},
           "a message from POST /publish arrives with its id", ev)

        ev = await recv_until(b, lambda e: e["type"] == "time", timeout=3)
        ok(set(ev) == {"id", "type", "data"}, "clock events arrive on /hub", ev)
    after = stats()["techniques"]["websocket"]["deliveries"]
    ok(after - before >= 4, "deliveries are counted under websocket in /stats",
       (before, after))


async def slow_reader_case():
    """A /hub client that never reads is closed with 1008; a client
    that reads is unaffected."""
    slow = Client(PORT, "/hub")
    chunk = "s" * 16000
    async with websockets.connect(url("/hub")) as fast:
        # 16 MB in all: more than the kernel's socket buffers take in
        # (about 4 MB with Linux defaults) plus WS_SLOW_READER_BYTES.
        for i in range(1000):
            await fast.send(chunk)
            await recv_until(fast, lambda e: e["type"] == "message")
        await fast.send("still fine")
        ev = await recv_until(fast, lambda e: e["data"] == "still fine")
        ok(ev["data"] == "still fine", "the reading client is unaffected")
    code = None
    try:
        while True:
            _, _, op, data = slow.recv_frame(5)
            if op == OP_CLOSE:
                code = int.from_bytes(data[:2], "big")
                break
    except Exception as e:   # closed or timed out: code stays None
        print(f"#   slow reader: {type(e).__name__} {e}")
    ok(code == 1008, "a reader that stays behind is closed with 1008", code)
    ok(slow.tcp_closed(), "... and its TCP connection is closed")
    ok(stats()["dropped"].get("slow_consumer", 0) == 0,
       "it was closed with a close frame before the loop had to drop it")


async def main():
    await echo_cases()
    await hub_cases()
    await slow_reader_case()
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
