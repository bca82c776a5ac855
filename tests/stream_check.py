#!/usr/bin/env python3
"""tests/stream_check.py - readers for the stream.c tests (tests/6*-stream*.t),
written from the specifications, independent of the server's code.

  stream_check.py chunks FILE
      FILE is a raw response (curl -i --raw).  Checks the chunked framing
      (RFC 9112 section 7.1) and prints one line per chunk:
        line <the JSON, compact>     an NDJSON chunk holding exactly one
                                     line (a JSON text and one LF)
        event <type> <data>          an event-stream chunk holding exactly
                                     one event (WHATWG HTML, "Server-sent
                                     events"), its data lines joined
        OTHER <repr>                 anything else
      then "end" (the last chunk came), "cut <n>" (the bytes stopped inside
      a chunk) or "BAD <why>".

  stream_check.py sse FILE
      FILE is a decoded event-stream body (curl -N without --raw).  Runs
      the WHATWG parsing steps and prints one JSON object per dispatched
      event: {"type": ..., "data": ..., "t": <ms since the first>} when
      FILE was written by `stream_check.py timed` (else without "t").

  stream_check.py timed URL BODY_FILE OUT [SECONDS]
      POSTs BODY_FILE to URL (HTTP/1.1, Content-Length) and writes the
      decoded body to OUT, each chunk prefixed by the ms it arrived at
      ("<ms> <len>\\n<bytes>"), until the response ends or SECONDS pass.

  stream_check.py xhr PORT AFTER LIMIT WANT_IDS [SECONDS]
      What an XHR-streaming page does: GET /stream/xhr?after=AFTER&limit=
      LIMIT, read lines until the response ends, then open the next one
      after the last id read; until every id in WANT_IDS (comma-separated)
      has been seen or SECONDS pass.  Prints one JSON summary line.
"""
import json
import re
import socket
import sys
import time


def split_head(raw):
    head, sep, body = raw.partition(b'\r\n\r\n')
    return head, sep, body


def dechunk(body):
    """Yield (kind, value): ('chunk', bytes) ..., then ('end'|'cut'|'BAD', x)."""
    pos = 0
    while True:
        eol = body.find(b'\r\n', pos)
        if eol < 0:
            yield 'cut', len(body) - pos
            return
        size_text = body[pos:eol]
        if not re.fullmatch(rb'[0-9a-f]+', size_text):
            yield 'BAD', 'size line %r' % size_text[:40]
            return
        size = int(size_text, 16)
        start = eol + 2
        if size == 0:
            if body[start:] == b'\r\n':
                yield 'end', 0
            else:
                yield 'BAD', 'after the last chunk %r' % body[start:start + 40]
            return
        if len(body) < start + size + 2:
            yield 'cut', len(body) - pos
            return
        if body[start + size:start + size + 2] != b'\r\n':
            yield 'BAD', 'no CRLF after the chunk data'
            return
        yield 'chunk', body[start:start + size]
        pos = start + size + 2


class SseParser:
    """WHATWG HTML, "Parsing an event stream" and "Interpreting an event
    stream": lines end at CRLF, LF or CR; a blank line dispatches."""

    def __init__(self):
        self.buf = ''
        self.data = ''
        self.type = ''
        self.events = []
        self.pending_cr = False

    def feed(self, text, t=None):
        self.buf += text
        while True:
            m = re.search(r'\r\n|\r|\n', self.buf)
            if m is None:
                return
            if m.group() == '\r' and m.end() == len(self.buf):
                return      # a CR at the end may be the start of CRLF
            line, self.buf = self.buf[:m.start()], self.buf[m.end():]
            self.line(line, t)

    def line(self, line, t):
        if line == '':
            if self.data == '':
                self.type = ''
                return
            ev = {'type': self.type or 'message', 'data': self.data[:-1]}
            if t is not None:
                ev['t'] = t
            self.events.append(ev)
            self.data = ''
            self.type = ''
            return
        if line.startswith(':'):
            return
        name, colon, value = line.partition(':')
        if colon and value.startswith(' '):
            value = value[1:]
        if name == 'event':
            self.type = value
        elif name == 'data':
            self.data += value + '\n'


def cmd_chunks(path):
    raw = open(path, 'rb').read()
    head, sep, body = split_head(raw)
    if not sep:
        print('BAD no end of head')
        return
    for kind, value in dechunk(body):
        if kind != 'chunk':
            print(kind if kind == 'end' else '%s %s' % (kind, value))
            return
        data = value
        if data.endswith(b'\n') and data.count(b'\n') == 1 and not data.startswith(b'data:') \
                and not data.startswith(b'event:'):
            try:
                obj = json.loads(data.decode('utf-8'))
                print('line', json.dumps(obj, ensure_ascii=True, separators=(',', ':')))
                continue
            except ValueError:
                pass
        p = SseParser()
        p.feed(data.decode('utf-8', 'replace'))
        if data.endswith(b'\n\n') and len(p.events) == 1 and p.buf == '':
            ev = p.events[0]
            print('event', ev['type'], ev['data'])
        else:
            print('OTHER %r' % data[:80])


def cmd_sse(path):
    raw = open(path, 'rb').read()
    p = SseParser()
    if raw.startswith(b'@timed\n'):
        pos = len(b'@timed\n')
        while pos < len(raw):
            eol = raw.index(b'\n', pos)
            t, n = raw[pos:eol].split()
            chunk = raw[eol + 1:eol + 1 + int(n)]
            pos = eol + 1 + int(n)
            p.feed(chunk.decode('utf-8'), int(t))
    else:
        p.feed(raw.decode('utf-8'))
    for ev in p.events:
        print(json.dumps(ev, ensure_ascii=True))


def read_head(sock):
    data = b''
    while b'\r\n\r\n' not in data:
        got = sock.recv(4096)
        if not got:
            raise EOFError('closed before the end of the head')
        data += got
    head, _, rest = data.partition(b'\r\n\r\n')
    return head.decode('latin-1'), rest


def chunks_of(sock, rest):
    """Yield decoded chunk data from a chunked body until the last chunk."""
    buf = rest
    while True:
        while b'\r\n' not in buf:
            got = sock.recv(65536)
            if not got:
                raise EOFError('closed inside the body')
            buf += got
        size_text, _, buf = buf.partition(b'\r\n')
        size = int(size_text, 16)
        while len(buf) < size + 2:
            got = sock.recv(65536)
            if not got:
                raise EOFError('closed inside a chunk')
            buf += got
        if size == 0:
            return
        yield buf[:size]
        buf = buf[size + 2:]


def cmd_timed(url, body_file, out, seconds='15'):
    m = re.match(r'http://([^:/]+):(\d+)(/.*)', url)
    host, port, path = m.group(1), int(m.group(2)), m.group(3)
    body = open(body_file, 'rb').read()
    sock = socket.create_connection((host, port), timeout=float(seconds))
    sock.sendall(b'POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: text/plain; charset=utf-8\r\n'
                 b'Content-Length: %d\r\n\r\n' % (path.encode(), host.encode(), port, len(body)) + body)
    t0 = time.monotonic()
    head, rest = read_head(sock)
    with open(out, 'wb') as f:
        f.write(b'@timed\n')
        try:
            for data in chunks_of(sock, rest):
                f.write(b'%d %d\n' % (int((time.monotonic() - t0) * 1000), len(data)) + data)
        except (EOFError, socket.timeout):
            pass
    sock.close()


def cmd_xhr(port, after, limit, want_ids, seconds='30'):
    port, cursor, limit = int(port), int(after), int(limit)
    want = set(int(x) for x in want_ids.split(',') if x)
    deadline = time.monotonic() + float(seconds)
    ids, requests, notices, bad = [], 0, [], []
    max_body = 0
    while want - set(ids) and time.monotonic() < deadline:
        sock = socket.create_connection(('127.0.0.1', port), timeout=10)
        sock.sendall(b'GET /stream/xhr?after=%d&limit=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
                     % (cursor, limit))
        requests += 1
        head, rest = read_head(sock)
        if not head.startswith('HTTP/1.1 200'):
            bad.append(head.split('\r\n')[0])
            break
        body = b''
        try:
            for data in chunks_of(sock, rest):
                body += data
        except (EOFError, socket.timeout) as e:
            bad.append('response %d: %s' % (requests, e))
            break
        sock.close()
        max_body = max(max_body, len(body))
        lines = body.split(b'\n')
        if lines[-1] != b'':
            bad.append('response %d does not end with a whole line' % requests)
        last_len = len(lines[-2]) + 1 if len(lines) >= 2 else 0
        if len(body) < limit or len(body) - last_len >= limit:
            bad.append('response %d: %d bytes, not ended at the first line past %d'
                       % (requests, len(body), limit))
        for line in lines[:-1]:
            obj = json.loads(line)
            if 'id' in obj:
                ids.append(obj['id'])
                cursor = obj['id']
            else:
                notices.append(obj)
    dup = len(ids) - len(set(ids))
    gaps = sum(1 for a, b in zip(ids, ids[1:]) if b != a + 1)
    print(json.dumps({'requests': requests, 'ids': len(ids), 'first': ids[0] if ids else None,
                      'last': ids[-1] if ids else None, 'missing': sorted(want - set(ids)),
                      'duplicates': dup, 'gaps': gaps, 'notices': notices, 'bad': bad,
                      'max_body': max_body}))


if __name__ == '__main__':
    commands = {'chunks': cmd_chunks, 'sse': cmd_sse, 'timed': cmd_timed, 'xhr': cmd_xhr}
    commands[sys.argv[1]](*sys.argv[2:])
