#!/usr/bin/env bash
# GET /iframeLongConnection (ARTICLE §2, iframe.c) with curl: the headers,
# the chunk framing byte by byte, the first event at once, one time event
# a second, published messages, the origin the scripts post to, refusals,
# HTTP/1.0, and the last chunk when the server stops.
. "$(dirname "$0")/lib.sh"
start_server

# Check the chunked framing of a raw HTTP response (curl -i --raw) and
# print one line per chunk: "prelude", "script <event-json> <origin>" or
# "OTHER <repr>"; then "end" if the last chunk (0 CRLF CRLF) came,
# "cut <n>" if the bytes stopped inside a chunk, "BAD <reason>" if the
# framing is wrong.  RFC 9112 section 7.1: chunk = size CRLF data CRLF.
chunks() {
    python3 - "$1" <<'EOF'
import json, re, sys
raw = open(sys.argv[1], 'rb').read()
head, sep, body = raw.partition(b'\r\n\r\n')
if not sep:
    print('BAD no end of head'); sys.exit()
script = re.compile(rb'^<script>window\.parent\.postMessage\((\{.*?\}), ("[^"]*")\);</script>\n$', re.S)
pos = 0
while True:
    eol = body.find(b'\r\n', pos)
    if eol < 0:
        print('cut %d' % (len(body) - pos)); break
    size_text = body[pos:eol]
    if not re.fullmatch(rb'[0-9a-f]+', size_text):
        print('BAD size line %r' % size_text[:40]); break
    size = int(size_text, 16)
    start = eol + 2
    if size == 0:
        print('end' if body[start:] == b'\r\n' else 'BAD after last chunk %r' % body[start:start + 40])
        break
    if len(body) < start + size + 2:
        print('cut %d' % (len(body) - pos)); break
    data = body[start:start + size]
    if body[start + size:start + size + 2] != b'\r\n':
        print('BAD no CRLF after chunk data'); break
    pos = start + size + 2
    m = script.match(data)
    if data.startswith(b'<!doctype html>') and b'<script' not in data:
        print('prelude')
    elif m:
        ev = json.loads(m.group(1))          # the event must be valid JSON
        print('script', json.dumps(ev, ensure_ascii=True, separators=(',', ':')), json.loads(m.group(2)))
    else:
        print('OTHER %r' % data[:80])
EOF
}

# --- headers ---------------------------------------------------------------
curl -s -i --raw -N --max-time 1.5 "$BASE/iframeLongConnection" >"$T_TMP/h.raw"
head=$(sed -n '1,/^\r$/p' "$T_TMP/h.raw")
is "$(status_of "$head")" 200 "GET /iframeLongConnection -> 200"
like "$head" $'Content-Type: text/html; charset=utf-8\r' "an HTML document with an explicit charset"
like "$head" $'Transfer-Encoding: chunked\r' "framed with chunked coding on HTTP/1.1"
like "$head" $'Connection: close\r' "Connection: close: a stream is the last response on its connection"
unlike "$head" 'Content-Length' "and no Content-Length"
like "$head" $'Cache-Control: no-store\r' "not cached"
like "$head" $'X-Content-Type-Options: nosniff\r' "not sniffed"

# --- the first event at once -------------------------------------------------
# Within 0.3 s of connecting the clock has ticked at most once in three
# tries; the stream must show a time event every time.
first_ok=0
for i in 1 2 3; do
    curl -s --raw -i -N --max-time 0.3 "$BASE/iframeLongConnection" >"$T_TMP/first.raw"
    if chunks "$T_TMP/first.raw" | sed -n 2p | grep -q '^script {"id":[0-9]*,"type":"time"'; then
        first_ok=$((first_ok + 1))
    fi
done
is "$first_ok" 3 "the first chunk after the prelude is the current time, sent at once"

# --- a stream of a few seconds, with messages, ended by the server --------
curl -s -i --raw -N "$BASE/iframeLongConnection?origin=http%3A%2F%2Flocalhost%3A8080" \
    >"$T_TMP/s.raw" 2>"$T_TMP/s.err" &
curl_pid=$!
wait_stat .connections.forever_frame 1 || diag "the stream did not open"
sleep 1.2
id=$(curl -s --data-binary 'hello, forever frame 世界' "$BASE/publish" | jq -r .id)
curl -s -o /dev/null --data-binary '</script><script>alert(1)</script><!--' "$BASE/publish"
curl -s -o /dev/null --data-binary $'quote " backslash \\ ls \u2028 ps \u2029 ctl \x01 end' "$BASE/publish"
sleep 2.1
stop_server                      # SIGTERM: streams end with the last chunk
is "$SERVER_STATUS" 0 "the server stops cleanly with a stream open"
wait "$curl_pid"
is "$?" 0 "curl saw a complete response (the last chunk ended the body)"

out=$(chunks "$T_TMP/s.raw")
is "$(printf '%s\n' "$out" | head -n 1)" prelude "the first chunk is the document's start"
is "$(printf '%s\n' "$out" | tail -n 1)" end "the last chunk (0 CRLF CRLF) ends the stream"
unlike "$out" '^(BAD|OTHER|cut)' "every chunk is well framed and holds exactly one script"
n_time=$(printf '%s\n' "$out" | grep -c '"type":"time"')
ok "$([ "$n_time" -ge 4 ] && [ "$n_time" -le 6 ] && echo 0 || echo 1)" \
   "about one time event a second ($n_time in ~3.5 s, the first at once)"
like "$out" '^script \{"id":'"$id"',"type":"message","data":"hello, forever frame \\u4e16\\u754c"\} ' \
   "a published message arrives, with its id"
like "$out" '"data":"</script><script>alert\(1\)</script><!--"' "the hostile message arrives intact (decoded)"
like "$out" '"data":"quote \\" backslash \\\\ ls \\u2028 ps \\u2029 ctl \\u0001 end"' \
   "quotes, backslashes, U+2028/9 and controls survive"
like "$(printf '%s\n' "$out" | sed -n 2p)" ' http://localhost:8080$' "the scripts post to the ?origin= given"
is "$(printf '%s\n' "$out" | grep -c ' http://localhost:8080$')" "$(printf '%s\n' "$out" | grep -c '^script')" \
   "every script posts to that origin (never *)"
body=$(sed '1,/^\r$/d' "$T_TMP/s.raw")
is "$(printf '%s' "$body" | grep -o -i '</script' | wc -l)" "$(printf '%s\n' "$out" | grep -c '^script')" \
   "the raw stream holds no \"</script\" but the closers"
is "$(printf '%s' "$body" | grep -c -i '<!--.*<')" 0 "and no \"<!--\" from a message"
ids=$(printf '%s\n' "$out" | sed -n 's/^script {"id":\([0-9]*\),.*/\1/p')
sorted=$(printf '%s\n' "$ids" | sort -n -u)
is "$ids" "$sorted" "events come in id order, none twice"

# --- the origin --------------------------------------------------------------
start_server
curl -s --raw -i -N --max-time 0.5 "$BASE/iframeLongConnection" >"$T_TMP/o.raw"
like "$(chunks "$T_TMP/o.raw" | sed -n 2p)" " http://127\.0\.0\.1:$PORT\$" \
     "without ?origin=, the origin is http:// + the Host header"
curl -s --raw -i -N --max-time 0.5 -H 'Host: localhost:3000' "$BASE/iframeLongConnection" >"$T_TMP/o.raw"
like "$(chunks "$T_TMP/o.raw" | sed -n 2p)" ' http://localhost:3000$' "Host: localhost:3000 -> http://localhost:3000"
curl -s --raw -i -N --max-time 0.5 "$BASE/iframeLongConnection?origin=https%3A%2F%2F%5B%3A%3A1%5D%3A8443" >"$T_TMP/o.raw"
like "$(chunks "$T_TMP/o.raw" | sed -n 2p)" ' https://\[::1\]:8443$' "an https IPv6 origin is taken as given"

# A good stream runs beside the bad requests, and must not notice them.
curl -s -N "$BASE/iframeLongConnection" >"$T_TMP/good.out" &
good_pid=$!
wait_stat .connections.forever_frame 1 || diag "the good stream did not open"
for bad in '*' 'http%3A%2F%2Flocalhost%3A3000%2Findex.html' 'javascript%3Aalert(1)' '' \
           'http%3A%2F%2Fa%22b' 'http%3A%2F%2Flocalhost%3A99999999' '%ZZ' "$(head -c 400 /dev/zero | tr '\0' a)"; do
    r=$(curl -s -i --max-time 2 "$BASE/iframeLongConnection?origin=$bad")
    is "$(status_of "$r")" 400 "?origin=$(printf '%s' "$bad" | cut -c1-40) -> 400"
done
like "$r" 'must be a serialized origin' "the refusal says what an origin is"
r=$(raw "$PORT" 'GET /iframeLongConnection HTTP/1.0\r\n\r\n' 2)
is "$(status_of "$r")" 400 "HTTP/1.0 without Host or ?origin= -> 400"
like "$r" 'no \?origin= and no usable Host' "and says why"
r=$(curl -s -i -X POST --data-binary x "$BASE/iframeLongConnection")
is "$(status_of "$r")" 405 "POST -> 405"
like "$r" 'Allow: GET' "with Allow"
head_of_stream /iframeLongConnection 'text/html; charset=utf-8'
is "$(stat .connections.forever_frame)" 1 "the refused and HEAD requests left no stream behind"
msg_id=$(curl -s --data-binary 'after the bad requests' "$BASE/publish" | jq -r .id)
sleep 0.3
like "$(cat "$T_TMP/good.out")" '"id":'"$msg_id"',"type":"message","data":"after the bad requests"' \
     "the good stream still gets events"
kill "$good_pid" 2>/dev/null; wait "$good_pid" 2>/dev/null

# --- HTTP/1.0: close-delimited -------------------------------------------------
curl -s -i --http1.0 -N --max-time 1.5 "$BASE/iframeLongConnection" >"$T_TMP/10.raw"
head=$(sed -n '1,/^\r$/p' "$T_TMP/10.raw")
is "$(status_of "$head")" 200 "HTTP/1.0 -> 200"
unlike "$head" 'Transfer-Encoding' "no chunked coding for HTTP/1.0"
like "$head" $'Connection: close\r' "the body ends when the connection closes"
body=$(sed '1,/^\r$/d' "$T_TMP/10.raw")
like "$(printf '%s' "$body" | head -n 1)" '^<!doctype html>$' "the body is the bare document"
like "$body" '<script>window\.parent\.postMessage\(\{"id":[0-9]+,"type":"time"' "with the scripts, unframed"

done_testing
