"""ws_client.py - a small raw WebSocket client for the tests.

It is deliberately independent of ws.c: the handshake is checked with
hashlib and base64 from Python's standard library, and frames are built
byte by byte, so the tests can send what a well-behaved library never
would (unmasked frames, reserved bits, broken lengths, bad UTF-8,
frames cut into single bytes).  Only the standard library is used.
"""
import base64
import hashlib
import os
import socket
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PREFIX = "服务端已收到信息，您的信息是"   # ARTICLE §4.5's echo prefix

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA


class Closed(Exception):
    """The server closed the TCP connection."""


def build_frame(opcode, payload=b"", fin=True, rsv=0, mask=True,
                length_form=None, length_value=None):
    """One frame.  length_form forces 7, 16 or 64-bit length encoding
    (non-minimal ones included); length_value lies about the length."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload) if length_value is None else length_value
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    form = length_form or (7 if n < 126 else 16 if n < 65536 else 64)
    m = 0x80 if mask else 0
    if form == 7:
        head += bytes([m | n])
    elif form == 16:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) \
        if len(payload) < 4096 else _mask_fast(payload, key)
    return head + key + body


def _mask_fast(payload, key):
    k = int.from_bytes((key * ((len(payload) + 3) // 4))[:len(payload)], "big")
    v = int.from_bytes(payload, "big") ^ k
    return v.to_bytes(len(payload), "big")


class Client:
    def __init__(self, port, path="/testSocket", protocols=None,
                 timeout=3.0, extra_headers=""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        key = base64.b64encode(os.urandom(16))
        req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key.decode()}\r\n"
               "Sec-WebSocket-Version: 13\r\n")
        if protocols:
            req += f"Sec-WebSocket-Protocol: {protocols}\r\n"
        req += extra_headers + "\r\n"
        self.sock.sendall(req.encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/1.1 101 "):
            raise RuntimeError("handshake refused: " + lines[0])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        if self.headers.get("sec-websocket-accept") != want:
            raise RuntimeError("bad Sec-WebSocket-Accept")

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buf += data

    def send_raw(self, data, chop=None, delay=0.0):
        """Send bytes, optionally in pieces of `chop` bytes."""
        if not chop:
            self.sock.sendall(data)
            return
        for i in range(0, len(data), chop):
            self.sock.sendall(data[i:i + chop])
            if delay:
                time.sleep(delay)

    def send(self, opcode, payload=b"", **kw):
        chop = kw.pop("chop", None)
        self.send_raw(build_frame(opcode, payload, **kw), chop=chop)

    def recv_frame(self, timeout=None):
        """(fin, rsv, opcode, payload) of the next server frame.  Raises
        Closed if TCP closes, socket.timeout if nothing comes."""
        self.sock.settimeout(timeout or self.timeout)
        while len(self.buf) < 2:
            self._fill()
        b0, b1 = self.buf[0], self.buf[1]
        if b1 & 0x80:
            raise RuntimeError("server frame is masked")
        n, off = b1 & 0x7F, 2
        if n == 126:
            while len(self.buf) < 4:
                self._fill()
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            while len(self.buf) < 10:
                self._fill()
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        while len(self.buf) < off + n:
            self._fill()
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return (b0 >> 7, (b0 >> 4) & 7, b0 & 0x0F, payload)

    def recv_message(self, timeout=None):
        """(opcode, payload) of the next data message; answers nothing,
        returns control frames as they come if asked through recv_frame."""
        fin, _, op, data = self.recv_frame(timeout)
        while not fin:
            fin, _, _, more = self.recv_frame(timeout)
            data += more
        return op, data

    def tcp_closed(self, timeout=2.0):
        """True if the server closes TCP within timeout (after the bytes
        already buffered)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
