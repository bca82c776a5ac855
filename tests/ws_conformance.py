"""ws_conformance.py PORT [FILTER] - an Autobahn|Testsuite-like strict
conformance run against /testSocket and /hub, printing TAP.

Our own cases, grouped like Autobahn's categories 1-7, 9 and 10:
framing, ping/pong, reserved bits, opcodes, fragmentation, UTF-8,
close handling, limits and miscellany.  Each case asserts the exact
server behaviour: the reply frames, the close code, and that TCP is
closed afterwards.  Raw bytes come from tests/ws_client.py (standard
library only), so broken frames can be sent.
"""
import socket
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from ws_client import (Client, Closed, build_frame, PREFIX, OP_CONT,  # noqa: E402
                       OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG)

PORT = int(sys.argv[1])
FILTER = sys.argv[2] if len(sys.argv) > 2 else ""
CASES = []


def case(name):
    def register(fn):
        CASES.append((name, fn))
        return fn
    return register


class Fail(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Fail(why)


def echo_of(text):
    return (PREFIX + text).encode("utf-8")


def expect_frame(c, opcode, payload, timeout=3):
    try:
        fin, rsv, op, data = c.recv_frame(timeout)
    except Closed:
        raise Fail(f"TCP closed, expected opcode {opcode}")
    except (socket.timeout, TimeoutError):
        raise Fail(f"no frame within {timeout}s, expected opcode {opcode}")
    check(fin == 1 and rsv == 0, "server frame not FIN or has RSV bits")
    check(op == opcode, f"opcode {op}, expected {opcode} (payload {data[:40]!r})")
    if payload is not None:
        check(data == payload,
              f"payload {data[:60]!r}... ({len(data)} bytes), "
              f"expected {payload[:60]!r}... ({len(payload)} bytes)")
    return data


def expect_echo_text(c, text, timeout=3):
    expect_frame(c, OP_TEXT, echo_of(text), timeout)


def expect_close(c, code, timeout=3):
    """The next frame is a close with this code, then TCP closes."""
    data = expect_frame(c, OP_CLOSE, None, timeout)
    check(len(data) >= 2, f"close frame without a code: {data!r}")
    got = int.from_bytes(data[:2], "big")
    check(got == code, f"close code {got}, expected {code}")
    check(c.tcp_closed(), "TCP not closed after the close frame")


def expect_nothing(c, timeout=0.5):
    try:
        frame = c.recv_frame(timeout)
        raise Fail(f"unexpected frame {frame!r}")
    except (socket.timeout, TimeoutError):
        pass


def client(path="/testSocket", **kw):
    return Client(PORT, path, **kw)


def clean_close(c):
    c.send(OP_CLOSE, b"\x03\xe8")
    expect_close(c, 1000)


# ---- 1 framing ----------------------------------------------------------

for n in (0, 125, 126, 127, 128, 65535, 65536):
    def text_len(n=n):
        c = client()
        c.send(OP_TEXT, "*" * n)
        expect_echo_text(c, "*" * n)
        clean_close(c)
    case(f"1.1 text message of {n} bytes is echoed with the article's prefix")(text_len)

    def binary_len(n=n):
        c = client()
        c.send(OP_BINARY, bytes([0xFE]) * n)
        expect_frame(c, OP_BINARY, bytes([0xFE]) * n)
        clean_close(c)
    case(f"1.2 binary message of {n} bytes is echoed unchanged")(binary_len)


@case("1.1.8 65536-byte text sent in chops of 997 bytes")
def _():
    c = client()
    c.send(OP_TEXT, "*" * 65536, chop=997)
    expect_echo_text(c, "*" * 65536)
    clean_close(c)


@case("1.3 a frame sent one byte per write (partial frames over many reads)")
def _():
    c = client()
    c.send(OP_TEXT, "héllo", chop=1)
    expect_echo_text(c, "héllo")
    clean_close(c)


@case("1.4 many frames in one write are all answered in order")
def _():
    c = client()
    c.send_raw(b"".join(build_frame(OP_TEXT, str(i)) for i in range(50)))
    for i in range(50):
        expect_echo_text(c, str(i))
    clean_close(c)


@case("1.5 subprotocol echo: text comes back byte for byte")
def _():
    c = client(protocols="chat, echo")
    check(c.headers.get("sec-websocket-protocol") == "echo", "echo not selected")
    c.send(OP_TEXT, "plain")
    expect_frame(c, OP_TEXT, b"plain")
    clean_close(c)


@case("1.6 unmasked client frame -> 1002")
def _():
    c = client()
    c.send(OP_TEXT, "hi", mask=False)
    expect_close(c, 1002)


@case("1.7 16-bit length used for 5 bytes (not minimal) -> 1002")
def _():
    c = client()
    c.send(OP_TEXT, "hello", length_form=16)
    expect_close(c, 1002)


@case("1.8 64-bit length used for 200 bytes (not minimal) -> 1002")
def _():
    c = client()
    c.send(OP_TEXT, "x" * 200, length_form=64)
    expect_close(c, 1002)


@case("1.9 64-bit length with the top bit set -> 1002")
def _():
    c = client()
    c.send_raw(bytes([0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1]) + b"\0\0\0\0")
    expect_close(c, 1002)


@case("1.10 a frame sent in the same write as the handshake is answered")
def _():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=3)
    s.sendall(b"GET /testSocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\n\r\n" + build_frame(OP_TEXT, "early"))
    want = echo_of("early")
    data = b""
    while not data.endswith(want):
        more = s.recv(4096)
        check(more, f"closed; got {data!r}")
        data += more
    check(data.startswith(b"HTTP/1.1 101 "), "no 101 first")
    s.close()


@case("1.11 16-bit length used for 125 bytes (the 7-bit boundary) -> 1002")
def _():
    c = client()
    c.send(OP_TEXT, "x" * 125, length_form=16)
    expect_close(c, 1002)


@case("1.12 64-bit length used for 65535 bytes (the 16-bit boundary) -> 1002")
def _():
    c = client()
    c.send(OP_BINARY, b"x" * 65535, length_form=64)
    expect_close(c, 1002)


@case("1.13 ping with a 16-bit length form (5 bytes) -> 1002")
def _():
    c = client()
    c.send(OP_PING, "hello", length_form=16)
    expect_close(c, 1002)


@case("1.14 frames behind a Content-Length body in the handshake's write")
def _():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=3)
    s.sendall(b"GET /testSocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\nContent-Length: 3\r\n\r\nabc"
              + build_frame(OP_TEXT, "after the body") + build_frame(OP_CLOSE, b"\x03\xe8"))
    want = echo_of("after the body") + b"\x88\x02\x03\xe8"
    data = b""
    deadline = time.time() + 3
    while not data.endswith(want) and time.time() < deadline:
        more = s.recv(4096)
        if not more:
            break
        data += more
    check(data.startswith(b"HTTP/1.1 101 ") and data.endswith(want),
          f"got {data[-80:]!r}")
    s.close()


@case("1.15 an HTTP request pipelined behind the upgrade is not a frame -> 1002")
def _():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=3)
    s.sendall(b"GET /testSocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    deadline = time.time() + 3
    while time.time() < deadline:
        more = s.recv(4096)
        if not more:
            break
        data += more
    check(data.startswith(b"HTTP/1.1 101 "), "no 101")
    check(data.endswith(b"\r\n\r\n\x88\x02\x03\xea"), f"got {data[-20:]!r}")
    s.close()


# ---- 2 ping/pong --------------------------------------------------------

@case("2.1 ping without payload -> pong without payload")
def _():
    c = client()
    c.send(OP_PING)
    expect_frame(c, OP_PONG, b"")
    clean_close(c)


@case("2.2 ping with text payload -> pong with the same payload")
def _():
    c = client()
    c.send(OP_PING, "Hello, world!")
    expect_frame(c, OP_PONG, b"Hello, world!")
    clean_close(c)


@case("2.3 ping with binary payload -> same payload")
def _():
    c = client()
    c.send(OP_PING, bytes([0, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0, 0xFF]))
    expect_frame(c, OP_PONG, bytes([0, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0, 0xFF]))
    clean_close(c)


@case("2.4 ping with 125-byte payload -> pong with it")
def _():
    c = client()
    c.send(OP_PING, b"\xfe" * 125)
    expect_frame(c, OP_PONG, b"\xfe" * 125)
    clean_close(c)


@case("2.5 ping with 126-byte payload -> 1002")
def _():
    c = client()
    c.send(OP_PING, b"\xfe" * 126)
    expect_close(c, 1002)


@case("2.6 ping with 125-byte payload sent one byte at a time")
def _():
    c = client()
    c.send(OP_PING, b"\xfe" * 125, chop=1)
    expect_frame(c, OP_PONG, b"\xfe" * 125)
    clean_close(c)


@case("2.7 unsolicited pong is ignored")
def _():
    c = client()
    c.send(OP_PONG)
    expect_nothing(c)
    clean_close(c)


@case("2.8 unsolicited pong, then ping -> only the pong for the ping")
def _():
    c = client()
    c.send(OP_PONG, "unsolicited")
    c.send(OP_PING, "ping")
    expect_frame(c, OP_PONG, b"ping")
    clean_close(c)


@case("2.10 ten pings in one write -> ten pongs in order")
def _():
    c = client()
    c.send_raw(b"".join(build_frame(OP_PING, f"p{i}") for i in range(10)))
    for i in range(10):
        expect_frame(c, OP_PONG, f"p{i}".encode())
    clean_close(c)


@case("2.11 fragmented ping (FIN clear) -> 1002")
def _():
    c = client()
    c.send(OP_PING, "x", fin=False)
    expect_close(c, 1002)


# ---- 3 reserved bits ----------------------------------------------------

for rsv in range(1, 8):
    def rsv_text(rsv=rsv):
        c = client()
        c.send(OP_TEXT, "ok")
        c.send(OP_TEXT, "bad", rsv=rsv)
        c.send(OP_PING)
        expect_echo_text(c, "ok")
        expect_close(c, 1002)
    case(f"3.{rsv} text with RSV={rsv} after a good one -> echo, then 1002, no pong")(rsv_text)


@case("3.8 ping with RSV1 -> 1002")
def _():
    c = client()
    c.send(OP_PING, "x", rsv=4)
    expect_close(c, 1002)


@case("3.9 close with RSV2 -> 1002")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8", rsv=2)
    expect_close(c, 1002)


# ---- 4 opcodes ----------------------------------------------------------

for op in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF):
    def bad_opcode(op=op):
        c = client()
        c.send(OP_TEXT, "ok")
        c.send(op, "payload")
        c.send(OP_PING)
        expect_echo_text(c, "ok")
        expect_close(c, 1002)
    case(f"4 reserved opcode {op:#x} after a good message -> echo, then 1002")(bad_opcode)


# ---- 5 fragmentation ----------------------------------------------------

@case("5.1 ping in two fragments -> 1002")
def _():
    c = client()
    c.send(OP_PING, "frag", fin=False)
    c.send(OP_CONT, "ment")
    expect_close(c, 1002)


@case("5.3 text in two fragments -> one echo")
def _():
    c = client()
    c.send(OP_TEXT, "frag", fin=False)
    c.send(OP_CONT, "ment")
    expect_echo_text(c, "fragment")
    clean_close(c)


@case("5.5 text in two fragments, one byte per write")
def _():
    c = client()
    c.send(OP_TEXT, "frag", fin=False, chop=1)
    c.send(OP_CONT, "ment", chop=1)
    expect_echo_text(c, "fragment")
    clean_close(c)


@case("5.6 text in two fragments with a ping between -> pong, then echo")
def _():
    c = client()
    c.send(OP_TEXT, "frag", fin=False)
    c.send(OP_PING, "between")
    c.send(OP_CONT, "ment")
    expect_frame(c, OP_PONG, b"between")
    expect_echo_text(c, "fragment")
    clean_close(c)


@case("5.9 continuation without a message -> 1002")
def _():
    c = client()
    c.send(OP_CONT, "nothing to continue")
    expect_close(c, 1002)


@case("5.11 continuation without a message, FIN clear -> 1002")
def _():
    c = client()
    c.send(OP_CONT, "x", fin=False)
    expect_close(c, 1002)


@case("5.15 a new text frame while a message is in progress -> 1002")
def _():
    c = client()
    c.send(OP_TEXT, "one", fin=False)
    c.send(OP_TEXT, "two")
    expect_close(c, 1002)


@case("5.16 binary frame interrupting a fragmented text -> 1002")
def _():
    c = client()
    c.send(OP_TEXT, "one", fin=False)
    c.send(OP_BINARY, b"two")
    expect_close(c, 1002)


@case("5.19 five fragments with pings between -> pongs, then one echo")
def _():
    c = client()
    parts = ["a", "b", "c", "d", "e"]
    for i, p in enumerate(parts):
        c.send(OP_TEXT if i == 0 else OP_CONT, p, fin=(i == 4))
        if i < 4:
            c.send(OP_PING, f"p{i}")
    for i in range(4):
        expect_frame(c, OP_PONG, f"p{i}".encode())
    expect_echo_text(c, "abcde")
    clean_close(c)


@case("5.20 empty fragments are allowed")
def _():
    c = client()
    c.send(OP_TEXT, "", fin=False)
    c.send(OP_CONT, "", fin=False)
    c.send(OP_CONT, "x")
    expect_echo_text(c, "x")
    clean_close(c)


@case("5.21 fragmented binary message -> echoed whole")
def _():
    c = client()
    c.send(OP_BINARY, b"\x00\x01", fin=False)
    c.send(OP_CONT, b"\x02\x03")
    expect_frame(c, OP_BINARY, b"\x00\x01\x02\x03")
    clean_close(c)


@case("5.22 close in the middle of a fragmented message -> close echoed")
def _():
    c = client()
    c.send(OP_TEXT, "half", fin=False)
    c.send(OP_CLOSE, b"\x03\xe8")
    expect_close(c, 1000)


@case("5.23 pong between fragments is ignored, the message completes")
def _():
    c = client()
    c.send(OP_TEXT, "frag", fin=False)
    c.send(OP_PONG, "unsolicited")
    c.send(OP_CONT, "ment")
    expect_echo_text(c, "fragment")
    clean_close(c)


@case("5.24 reserved opcode between fragments -> 1002")
def _():
    c = client()
    c.send(OP_TEXT, "frag", fin=False)
    c.send(0xB, "x")
    c.send(OP_CONT, "ment")
    expect_close(c, 1002)


@case("5.25 continuation with RSV1 -> 1002")
def _():
    c = client()
    c.send(OP_TEXT, "frag", fin=False)
    c.send(OP_CONT, "ment", rsv=4)
    expect_close(c, 1002)


@case("5.26 a new message after a fragmented one completes is fine")
def _():
    c = client()
    c.send(OP_TEXT, "a", fin=False)
    c.send(OP_CONT, "b")
    c.send(OP_TEXT, "c")
    expect_echo_text(c, "ab")
    expect_echo_text(c, "c")
    clean_close(c)


@case("5.27 continuation after a complete message -> echo, then 1002")
def _():
    c = client()
    c.send(OP_TEXT, "a")
    c.send(OP_CONT, "b")
    expect_echo_text(c, "a")
    expect_close(c, 1002)


# ---- 6 UTF-8 ------------------------------------------------------------

VALID = ["κόσμε", "Hello-µ@ßöäüàá-UTF-8!!", "\u0080", "\u07ff", "\u0800",
         "\uffff", "\U00010000", "\U0010ffff", "\ufffd", "中文"]
for i, s in enumerate(VALID):
    def valid_text(s=s):
        c = client()
        c.send(OP_TEXT, s)
        expect_echo_text(c, s)
        clean_close(c)
    case(f"6.{i + 1} valid UTF-8 {s.encode()!r} echoed")(valid_text)

INVALID = {
    "lone continuation byte 0x80": b"\x80",
    "overlong '/' C0 AF": b"\xc0\xaf",
    "overlong NUL E0 80 80": b"\xe0\x80\x80",
    "overlong F0 80 80 80": b"\xf0\x80\x80\x80",
    "surrogate U+D800 ED A0 80": b"\xed\xa0\x80",
    "surrogate U+DFFF ED BF BF": b"\xed\xbf\xbf",
    "above U+10FFFF F4 90 80 80": b"\xf4\x90\x80\x80",
    "byte FE": b"\xfe",
    "byte FF": b"\xff",
    "F5 start byte": b"\xf5\x80\x80\x80",
    "truncated at the end E2 82": b"ok\xe2\x82",
    "valid then invalid": "κόσμε".encode() + b"\xed\xa0\x80edited",
}
for name, data in INVALID.items():
    def invalid_text(data=data):
        c = client()
        c.send(OP_TEXT, data)
        expect_close(c, 1007)
    case(f"6 invalid UTF-8 ({name}) -> 1007")(invalid_text)


@case("6.3 valid character split across fragments -> echoed")
def _():
    c = client()
    b = "κόσμε".encode()
    c.send(OP_TEXT, b[:3], fin=False)
    c.send(OP_CONT, b[3:])
    expect_echo_text(c, "κόσμε")
    clean_close(c)


@case("6.4.1 fail fast: invalid first fragment -> 1007 before the rest")
def _():
    c = client()
    c.send(OP_TEXT, "κόσμε".encode() + b"\xf4\x90\x80\x80", fin=False)
    expect_close(c, 1007, timeout=1)   # the rest is never sent


@case("6.4.2 fail fast: invalid bytes mid-frame -> 1007 before the frame ends")
def _():
    c = client()
    payload = b"\xce\xba\xe1\xbd\xb9\xf4\x90\x80\x80" + b"x" * 1000
    frame = build_frame(OP_TEXT, payload)
    c.send_raw(frame[:6 + 9 + 4])   # header, mask, bad bytes; not the rest
    expect_close(c, 1007, timeout=1)


@case("6.4.3 fail fast on a fragment boundary: 'F4' then '90' -> 1007")
def _():
    c = client()
    c.send(OP_TEXT, b"\xf4", fin=False)
    c.send(OP_CONT, b"\x90", fin=False)
    expect_close(c, 1007, timeout=1)


@case("6.4.4 fail fast across TCP reads: 'F4' and '90' in one frame, separate writes")
def _():
    c = client()
    frame = build_frame(OP_TEXT, b"ab\xf4\x90" + b"x" * 100)
    c.send_raw(frame[:6 + 3])       # header, mask, "ab", F4
    time.sleep(0.2)
    c.send_raw(frame[9:10])         # 90; the rest of the frame never comes
    expect_close(c, 1007, timeout=1)


@case("6.6 binary payload is not checked as UTF-8")
def _():
    c = client()
    c.send(OP_BINARY, b"\xff\xc0\xaf\xed\xa0\x80")
    expect_frame(c, OP_BINARY, b"\xff\xc0\xaf\xed\xa0\x80")
    clean_close(c)


@case("6.5 a message ending inside a character across fragments -> 1007")
def _():
    c = client()
    c.send(OP_TEXT, b"a", fin=False)
    c.send(OP_CONT, b"\xe2\x82")
    expect_close(c, 1007)


# ---- 7 close handling ---------------------------------------------------

@case("7.1.1 text, then close 1000 -> echo, close 1000, TCP closed")
def _():
    c = client()
    c.send(OP_TEXT, "Hello")
    c.send(OP_CLOSE, b"\x03\xe8")
    expect_echo_text(c, "Hello")
    expect_close(c, 1000)


@case("7.1.3 ping after close -> no pong, only the close")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8")
    c.send(OP_PING, "late")
    expect_close(c, 1000)


@case("7.1.4 text after close -> not echoed")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8")
    c.send(OP_TEXT, "late")
    expect_close(c, 1000)


@case("7.1.6 256 KiB text, close, ping -> echo, close; nothing else")
def _():
    c = client()
    big = "B" * (256 * 1024)
    c.send_raw(build_frame(OP_TEXT, big) + build_frame(OP_CLOSE, b"\x03\xe8")
               + build_frame(OP_PING))
    expect_echo_text(c, big, timeout=5)
    expect_close(c, 1000)


@case("7.1.7 a second close frame is not answered again")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x0b\xb8")
    c.send(OP_CLOSE, b"\x03\xe8")
    expect_close(c, 3000)


@case("7.1.8 text and close, then the client half-closes: echo and close still come")
def _():
    c = client()
    c.send_raw(build_frame(OP_TEXT, "bye") + build_frame(OP_CLOSE, b"\x03\xe8"))
    c.sock.shutdown(socket.SHUT_WR)
    expect_echo_text(c, "bye")
    expect_close(c, 1000)


@case("7.3.7 close reason with an overlong NUL (C0 80) -> 1007")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8\xc0\x80")
    expect_close(c, 1007)


@case("7.3.8 close frame with a 16-bit length form -> 1002")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8", length_form=16)
    expect_close(c, 1002)


@case("7.3.9 close frame with FIN clear -> 1002")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8", fin=False)
    expect_close(c, 1002)


@case("7.3.1 close without payload -> close 1000")
def _():
    c = client()
    c.send(OP_CLOSE)
    expect_close(c, 1000)


@case("7.3.2 close with a 1-byte payload -> 1002")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03")
    expect_close(c, 1002)


@case("7.3.3 close 1000 without reason -> close 1000")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8")
    expect_close(c, 1000)


@case("7.3.4 close 1000 with a reason -> close 1000")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8" + "再见".encode())
    expect_close(c, 1000)


@case("7.3.5 close with a 123-byte reason (125 in all) -> close 1000")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8" + b"*" * 123)
    expect_close(c, 1000)


@case("7.3.6 close with a 124-byte reason (126 in all) -> 1002")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8" + b"*" * 124)
    expect_close(c, 1002)


@case("7.5.1 close reason that is not UTF-8 -> 1007")
def _():
    c = client()
    c.send(OP_CLOSE, b"\x03\xe8" + b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")
    expect_close(c, 1007)


for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
             1013, 1014, 3000, 3999, 4000, 4999):
    def valid_code(code=code):
        c = client()
        c.send(OP_CLOSE, code.to_bytes(2, "big"))
        expect_close(c, code)
    case(f"7.7 valid close code {code} is echoed")(valid_code)

for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
             65535):
    def invalid_code(code=code):
        c = client()
        c.send(OP_CLOSE, code.to_bytes(2, "big"))
        expect_close(c, 1002)
    case(f"7.9 invalid close code {code} -> 1002")(invalid_code)


@case("7.13 client closes TCP without a close frame: server survives")
def _():
    c = client()
    c.send(OP_TEXT, "bye", chop=None)
    c.close()
    c2 = client()
    c2.send(OP_TEXT, "still here")
    expect_echo_text(c2, "still here")
    clean_close(c2)


# ---- 9 limits -----------------------------------------------------------

for size in (64 * 1024, 256 * 1024, 1024 * 1024):
    def big_text(size=size):
        c = client()
        c.send(OP_TEXT, "*" * size)
        expect_echo_text(c, "*" * size, timeout=10)
        clean_close(c)
    case(f"9.1 text message of {size} bytes in one frame")(big_text)

    def big_binary(size=size):
        c = client()
        c.send(OP_BINARY, b"\xfe" * size)
        expect_frame(c, OP_BINARY, b"\xfe" * size, timeout=10)
        clean_close(c)
    case(f"9.2 binary message of {size} bytes in one frame")(big_binary)


for frag in (64, 4096, 65536):
    def fragmented_mib(frag=frag):
        c = client()
        size = 1024 * 1024
        data = b"*" * size
        frames = []
        for off in range(0, size, frag):
            frames.append(build_frame(OP_TEXT if off == 0 else OP_CONT,
                                      data[off:off + frag],
                                      fin=(off + frag >= size)))
        c.send_raw(b"".join(frames))
        expect_echo_text(c, "*" * size, timeout=20)
        clean_close(c)
    case(f"9.3 1 MiB text message in fragments of {frag} bytes")(fragmented_mib)


@case("9.5 1 MiB binary message sent in chops of 65536 bytes")
def _():
    c = client()
    c.send(OP_BINARY, b"\x01" * (1024 * 1024), chop=65536)
    expect_frame(c, OP_BINARY, b"\x01" * (1024 * 1024), timeout=10)
    clean_close(c)


@case("9.7 100 text messages one after another, each answered")
def _():
    c = client()
    for i in range(100):
        c.send(OP_TEXT, "m" * (i * 10))
        expect_echo_text(c, "m" * (i * 10))
    clean_close(c)


@case("9.x a text message of 1 MiB + 1 byte -> 1009")
def _():
    c = client()
    c.send_raw(build_frame(OP_TEXT, b"", length_value=1024 * 1024 + 1))
    expect_close(c, 1009)


@case("9.x fragments adding up to more than 1 MiB -> 1009")
def _():
    c = client()
    c.send(OP_BINARY, b"\0" * (1024 * 1024), fin=False)
    c.send(OP_CONT, b"\0")
    expect_close(c, 1009, timeout=10)


# ---- 10 miscellaneous ---------------------------------------------------

@case("10.1.1 65536-byte text auto-fragmented in 1300-byte frames")
def _():
    c = client()
    data = b"*" * 65536
    frames = [build_frame(OP_TEXT if off == 0 else OP_CONT, data[off:off + 1300],
                          fin=(off + 1300 >= len(data)))
              for off in range(0, len(data), 1300)]
    c.send_raw(b"".join(frames))
    expect_echo_text(c, "*" * 65536)
    clean_close(c)


@case("10.2 /hub: binary message -> 1003 (the hub holds text)")
def _():
    c = client("/hub")
    c.send(OP_BINARY, b"\x00")
    data = None
    while True:   # clock events may come first
        fin, rsv, op, data = c.recv_frame(3)
        if op == OP_CLOSE:
            break
        check(op == OP_TEXT, f"unexpected opcode {op}")
    check(int.from_bytes(data[:2], "big") == 1003, f"close {data!r}")
    check(c.tcp_closed(), "TCP not closed")


@case("10.3 /hub: text larger than HUB_MESSAGE_MAX_BYTES (16384) -> 1009")
def _():
    c = client("/hub")
    c.send(OP_TEXT, "x" * 16385)
    while True:
        fin, rsv, op, data = c.recv_frame(3)
        if op == OP_CLOSE:
            break
    check(int.from_bytes(data[:2], "big") == 1009, f"close {data!r}")
    check(c.tcp_closed(), "TCP not closed")


@case("10.4 a bad client does not disturb another one")
def _():
    good = client()
    bad = client()
    bad.send_raw(b"\xff\xff\xff\xff garbage")
    expect_close(bad, 1002)
    good.send(OP_TEXT, "unaffected")
    expect_echo_text(good, "unaffected")
    clean_close(good)


def main():
    n = failed = 0
    for name, fn in CASES:
        if FILTER and FILTER not in name:
            continue
        n += 1
        try:
            fn()
            print(f"ok {n} - {name}")
        except Exception as e:   # a failed assertion or a broken socket
            failed += 1
            print(f"not ok {n} - {name}")
            print(f"#   {type(e).__name__}: {e}")
        sys.stdout.flush()
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
