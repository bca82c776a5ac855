#!/usr/bin/env bash
# The security pass of issue 8, in one place.  Where another test already
# covers an item, it is named here instead of repeated:
#   path traversal in every encoding ......... tests/11-static.t,
#                                               fuzz/fuzz_static_path.c
#   request smuggling (CL+TE, duplicate CL, bad chunk sizes, bare LF,
#   obs-fold) .............................. tests/10-http.t, fuzz_http.c
#   JSONP callback injection ................. tests/23-poll-iframe-jsonp.t,
#                                               fuzz/fuzz_callback.c
#   script-context escaping, poll forms ...... tests/24-poll-hostile.t
#   SSE field injection (CR, LF, CRLF) ....... tests/51-sse-stream.t,
#                                               fuzz/fuzz_sse_event.c
#   WebSocket Origin allow-list (listed,
#   unlisted, two Origin fields) ............. tests/42-ws-handshake.t
#   oversize request line/headers/body ....... tests/10-http.t; message:
#   12-publish.t; frame and message: ws_conformance.py (43)
# Here: CRLF injection into every header the server builds from request
# data; SSE field injection through both ways of publishing (POST and a
# WebSocket message); script-context escaping in all three iframe
# transports side by side; the Origin allow-list's near misses; every
# oversize refusal in one run with a bystander served after each.
. "$(dirname "$0")/lib.sh"
start_server -q -p 0 -p 0 -o http://allowed.example

heads() { curl -s -D - -o /dev/null --max-time 3 "$@"; }
INJ='%0d%0aX-Injected:%20yes%0d%0aSet-Cookie:%20a=b'

# ---- CRLF injection into response headers ---------------------------------
# Every route that takes a query value, and the request target itself:
# the answer is a refusal or ignores it, and never grows a header.
for u in "/$INJ" "/poll?after=1$INJ" "/poll/jsonp?callback=cb$INJ" \
         "/poll/iframe?origin=http://a$INJ" "/poll/task?id=$INJ" \
         "/wire?tech=$INJ" "/sseStream?lastEventId=1$INJ" "/source?file=$INJ"; do
    h=$(heads "$BASE$u")
    unlike "$h" '^(X-Injected|Set-Cookie):' "no injected header from GET ${u%%$INJ*}<CRLF...>"
done
h=$(heads -H "Last-Event-ID: 1$(printf '\x0b')X-Injected: yes" --max-time 1 "$BASE/sseStream")
unlike "$h" '^X-Injected' "no injected header from a Last-Event-ID with a control character"
# A raw CR inside a header value is refused outright (RFC 9112 section 5).
r=$(raw "$PORT" 'GET /hub HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Protocol: echo\rX-Injected: yes\r\n\r\n' 1)
is "$(status_of "$r")" 400 "a bare CR inside a header value: 400"
unlike "$r" '^X-Injected' "... and nothing of it is echoed"
# The one reflected subprotocol is chosen from our own list, never copied.
KEY='dGhlIHNhbXBsZSBub25jZQ=='
WSH="Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: $KEY\r\nSec-WebSocket-Version: 13\r\n"
r=$(raw "$PORT" "GET /testSocket HTTP/1.1\r\nHost: a\r\n${WSH}Sec-WebSocket-Protocol: echo;X-Injected=1, echo x\r\n\r\n" 1)
unlike "$r" 'X-Injected' "Sec-WebSocket-Protocol: an unknown token is never echoed"
# The Host header lands in the forever frame's postMessage target.
r=$(raw "$PORT" 'GET /iframeLongConnection HTTP/1.1\r\nHost: a"+alert(1)+"\r\n\r\n' 1)
is "$(status_of "$r")" 400 "a Host that is not host[:port] is never put into the frame's script: 400"

# ---- SSE field injection via publish -----------------------------------------
curl -s -N --max-time 4 "$BASE/sseStream" >"$T_TMP/sse" &
sse_pid=$!
wait_stat .connections.sse 1
evil=$'x\n\nid: 999999\nevent: evil\ndata: injected\r\rretry: 1\n: comment'
id1=$(curl -s --data-binary "$evil" "$BASE/publish" | jq -r .id)
/usr/bin/python3 - "$PORT" "$evil" <<'PY'
import asyncio, sys, websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/hub" % sys.argv[1]) as w:
        await w.send(sys.argv[2])
        await asyncio.sleep(0.3)
asyncio.run(main())
PY
sleep 0.5
kill "$sse_pid" 2>/dev/null; wait "$sse_pid" 2>/dev/null
block=$(awk -v id="id: $id1" 'BEGIN{RS=""} $0 ~ "^" id "\n" || index($0, "\n" id "\n") {print; exit}' "$T_TMP/sse")
like "$block" "^id: $id1" "the POSTed message is one event, id $id1"
unlike "$(grep -v '^data: ' <<<"$block" | grep -v "^id: $id1\$")" '.' "... every other line of it is a data: line"
is "$(grep -c '^event: evil' "$T_TMP/sse")" 0 "no injected event: line (POST or WebSocket)"
is "$(grep -c '^id: 999999' "$T_TMP/sse")" 0 "no injected id: line"
is "$(grep -c '^retry: 1$' "$T_TMP/sse")" 0 "no injected retry: line"
is "$(grep -c '^: comment' "$T_TMP/sse")" 0 "no injected comment"
is "$(grep -c '^data: data: injected$' "$T_TMP/sse")" 2 "the injected text arrives as data, twice (POST and WebSocket)"

# ---- script-context escaping in every iframe transport ------------------------
L=$(curl -s "$BASE/poll" | jq .last)
curl -s -N --max-time 2 "$BASE/iframeLongConnection" >"$T_TMP/frame" &
frame_pid=$!
wait_stat .connections.forever_frame 1
hostile=$'</script><script>alert(1)</script><!--<script> \xe2\x80\xa8 \xe2\x80\xa9 ]]>'
hid=$(curl -s --data-binary "$hostile" "$BASE/publish" | jq -r .id)
wait "$frame_pid" 2>/dev/null
curl -s "$BASE/poll/iframe?after=$L&type=message&origin=http://127.0.0.1" >"$T_TMP/piframe"
curl -s "$BASE/poll/jsonp?after=$L&type=message&callback=cb" >"$T_TMP/pjsonp"
for f in frame piframe pjsonp; do
    like "$(cat "$T_TMP/$f")" "\"id\":$hid," "$f: holds the hostile event $hid"
    is "$(grep -o '</script' "$T_TMP/$f" | wc -l)" "$(grep -o '<script' "$T_TMP/$f" | wc -l)" "$f: every <script is the server's own (as many as </script)"
    unlike "$(grep -v '^<!-- This document never ends' "$T_TMP/$f")" '<!--' "$f: no <!-- but the frame's own comment (inside a script it changes how the element ends)"
    ok "$(! LC_ALL=C grep -q $'\xe2\x80[\xa8\xa9]' "$T_TMP/$f"; echo $?)" "$f: no raw U+2028/U+2029"
done

# ---- the WebSocket Origin allow-list's near misses -----------------------------
hs() { raw "$PORT" "GET /hub HTTP/1.1\r\nHost: 127.0.0.1\r\n${WSH}$1\r\n" 1; }
is "$(status_of "$(hs 'Origin: http://allowed.example\r\n')")" 101 "Origin: the listed origin is let in"
for o in 'http://allowed.example.evil.com' 'http://evil.com/http://allowed.example' \
         'https://allowed.example' 'http://allowed.example:80' 'http://ALLOWED.example' \
         'http://allowed.exampl' 'null' 'http://allowed.example/'; do
    is "$(status_of "$(hs "Origin: $o\\r\\n")")" 403 "Origin: $o is refused (exact match only)"
done

# ---- oversize everything, each with a bystander served after ---------------------
bystander() { is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$BASE/stats")" 200 "  ... a bystander is served after it"; }
long=$(head -c 9000 /dev/zero | tr '\0' a)
refused() { is "$(status_of "$(raw "$PORT" "$1" 2)")" "$2" "$3"; bystander; }
refused "GET /$long HTTP/1.1\r\nHost: a\r\n\r\n" 414 "request line of 9 KB: 414"
refused "GET / HTTP/1.1\r\nHost: a\r\nX: $long\r\n\r\n" 431 "one 9 KB header: 431"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n' 413 "a body of 99,999,999,999 bytes announced: 413 before reading it"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n' 413 "a chunk of 65,537 bytes: 413"
head -c 16385 /dev/zero | tr '\0' m >"$T_TMP/over"
is "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T_TMP/over" "$BASE/publish")" 413 "a published message of 16,385 bytes: 413"
bystander
out=$(/usr/bin/python3 - "$PORT" "$ROOT/tests" <<'PY'
import os, socket, struct, sys
sys.path.insert(0, sys.argv[2])
from ws_client import Client, build_frame, OP_TEXT, OP_CLOSE, OP_CONT
def close_code(path, frames):
    c = Client(int(sys.argv[1]), path)
    for f in frames:
        try:
            c.sock.sendall(f)
        except OSError:
            break
    try:
        while True:
            _, _, op, data = c.recv_frame(5)
            if op == OP_CLOSE:
                return int.from_bytes(data[:2], "big")
    except Exception as e:
        return repr(e)
# A frame announcing 2^40 bytes: refused from its header alone.
print("frame", close_code("/testSocket", [build_frame(OP_TEXT, b"", length_value=1 << 40)]))
# A hub message of 16,385 bytes in one frame; then in fragments.
print("hub", close_code("/hub", [build_frame(OP_TEXT, "h" * 16385)]))
print("fragments", close_code("/hub", [build_frame(OP_TEXT, "h" * 10000, fin=False),
                                       build_frame(OP_CONT, "h" * 10000)]))
# An echo message over 1 MiB, in fragments of 256 KiB.
part = "e" * (256 * 1024)
print("message", close_code("/testSocket", [build_frame(OP_TEXT, part, fin=False)]
      + [build_frame(OP_CONT, part, fin=False) for _ in range(3)]
      + [build_frame(OP_CONT, "e")]))
PY
)
like "$out" 'frame 1009' "a WebSocket frame announcing 2^40 bytes: closed with 1009"
like "$out" 'hub 1009' "a /hub message of 16,385 bytes: 1009"
like "$out" 'fragments 1009' "a /hub message of 20,000 bytes in two fragments: 1009"
like "$out" 'message 1009' "an echo message of 1 MiB + 1 byte in fragments: 1009"
bystander
ok "$(server_alive; echo $?)" "the server is still running"
done_testing
