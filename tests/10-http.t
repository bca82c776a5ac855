#!/usr/bin/env bash
# The HTTP/1.1 front door: every malformed or refused request gets its
# status and a clear message, the connection closes, and a client on
# another connection is not disturbed.  Raw bytes go through nc so that
# nothing normalises them first.
. "$(dirname "$0")/lib.sh"
start_server

# refused REQUEST-PRINTF-FORMAT STATUS DESCRIPTION
refused() {
    local reply
    reply=$(raw "$PORT" "$1")
    is "$(status_of "$reply")" "$2" "$3 -> $2"
    like "$reply" "Connection: close" "$3: the connection is closed after the answer"
}

refused 'GET / HTTP/1.1\r\n\r\n' 400 "HTTP/1.1 without Host"
like "$(raw "$PORT" 'GET / HTTP/1.1\r\n\r\n')" "requires a Host header" "the 400 says why"
refused 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' 400 "two Host headers"
refused 'GARBAGE\r\n\r\n' 400 "a request line that is not one"
refused 'GET / HTTP/1.1\nHost: a\n\n' 400 "bare LF line endings"
# RFC 9112 section 2.2: a bare CR MUST be refused (or read as SP), never
# taken for a line end that hides the next byte.
refused 'GET /stats HTTP/1.1\r\nX: a\rzHost: a\r\n\r\n' 400 "a bare CR hiding a Host line"
refused 'GET /stats HTTP/1.1\rzHost: a\r\n\r\n' 400 "a bare CR ending the request line"
refused 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n' 400 "obs-fold"
refused 'GET / HTTP/1.1\r\nHost : a\r\n\r\n' 400 "space before the colon"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' 400 "Content-Length with Transfer-Encoding (smuggling)"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!' 400 "conflicting Content-Lengths"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello' 400 "a repeated Content-Length"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\nhello' 400 "a Content-Length that is not a number"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' 400 "a bad chunk size"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' 501 "an unsupported transfer coding before chunked"
# RFC 9112 section 6.3: a request whose final coding is not chunked MUST get 400.
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n' 400 "a transfer coding without chunked"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n' 400 "chunked not the final transfer coding"
# Chunk extensions may have BWS before ';' (section 7.1.1).
r=$(raw "$PORT" 'POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5 ;a="b c"\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n')
is "$(status_of "$r")" 200 "a chunk extension after BWS, with a quoted value, and a trailer field"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a b\r\nhello\r\n0\r\n\r\n' 400 "a chunk extension that is not name[=value]"
refused 'GET / HTTP/2.0\r\nHost: a\r\n\r\n' 505 "HTTP/2.0 in HTTP/1 syntax"
refused 'GET / HTTP/0.9\r\nHost: a\r\n\r\n' 505 "HTTP/0.9"
# RFC 9110 section 2.5: a later 1.x minor is read as 1.1 (505 is for the
# major version, section 15.6.6).
r=$(raw "$PORT" 'GET /stats HTTP/1.9\r\nHost: a\r\nConnection: close\r\n\r\n')
is "$(status_of "$r")" 200 "HTTP/1.9 is served as HTTP/1.1"
r=$(raw "$PORT" 'GET /stats HTTP/1.2\r\nHost: a\r\n\r\nGET /stats HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
is "$(printf '%s' "$r" | grep -c '^HTTP/1.1 200')" 2 "... with 1.1's keep-alive: two pipelined answers"
refused 'GET / HTTP/1.2\r\n\r\n' 400 "HTTP/1.2 without Host (1.1's rule)"

# Host (RFC 9112 section 3.2): a server MUST answer 400 to a Host field
# with an invalid value, which must be uri-host [ ":" port ].
refused 'GET /stats HTTP/1.1\r\nHost: a b\r\n\r\n' 400 "a Host with a space"
refused 'GET /stats HTTP/1.1\r\nHost: a/b\r\n\r\n' 400 "a Host with a path"
refused 'GET /stats HTTP/1.1\r\nHost: user@a\r\n\r\n' 400 "a Host with user info"
refused 'GET /stats HTTP/1.1\r\nHost: a:80x\r\n\r\n' 400 "a Host with a non-numeric port"
refused 'GET /stats HTTP/1.0\r\nHost: <b>\r\n\r\n' 400 "an invalid Host on HTTP/1.0 too"
refused 'GET http://a b/ HTTP/1.1\r\nHost: a\r\n\r\n' 400 "(a space ends the target anyway)"
refused 'GET http://a<b/ HTTP/1.1\r\nHost: a\r\n\r\n' 400 "an absolute-form host that is no uri-host"
for h in 'a' '127.0.0.1:3000' '[::1]:3000' 'my_host.example' '' 'xn--bcher-kva.example:80' 'a%%41'; do
    r=$(raw "$PORT" "GET /stats HTTP/1.1\r\nHost: $h\r\nConnection: close\r\n\r\n")
    is "$(status_of "$r")" 200 "Host: '$h' is valid"
done

# Section 9.3: "close" wins over HTTP/1.0's "keep-alive".
r=$(raw "$PORT" 'GET /stats HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n')
like "$r" "Connection: close" "HTTP/1.0 with Connection: keep-alive, close -> close"
unlike "$r" "Connection: keep-alive" "... and not keep-alive"
r=$(raw "$PORT" 'GET /stats HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /stats HTTP/1.0\r\n\r\n')
is "$(printf '%s' "$r" | grep -c '^HTTP/1.1 200')" 2 "HTTP/1.0 with Connection: Keep-Alive persists for the next request"
like "$r" "Connection: keep-alive" "... and says so"
refused 'POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n\r\n' 413 "a body over 65536 bytes"

# Request-target forms (RFC 9112 section 3.2): origin-form is what
# browsers send; a server MUST also accept absolute-form (3.2.2), serving
# its path and ignoring Host; asterisk-form is for OPTIONS only (3.2.4).
refused 'GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n' 400 "a target in no form of RFC 9112 section 3.2"
refused 'GET http://user@a/ HTTP/1.1\r\nHost: a\r\n\r\n' 400 "absolute-form with user info"
refused 'GET * HTTP/1.1\r\nHost: a\r\n\r\n' 400 "asterisk-form on GET"
r=$(raw "$PORT" 'GET http://127.0.0.1:1/index.html HTTP/1.1\r\nHost: elsewhere\r\nConnection: close\r\n\r\n')
is "$(status_of "$r")" 200 "absolute-form GET http://host/index.html -> 200"
like "$r" "Content-Length: $(curl -s "$BASE/index.html" | wc -c)" "... the same file as origin-form (its length)"
like "$r" "<title[ >]" "... an HTML page"
r=$(raw "$PORT" 'GET HTTP://127.0.0.1?after=0 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
is "$(status_of "$r")" 200 "absolute-form without a path is /"
r=$(curl -s --max-time 3 --request-target "http://example.invalid/poll?after=0" "$BASE/")
like "$r" '"last":[0-9]+' "curl --request-target http://.../poll?after=0 reaches /poll with its query"
r=$(raw "$PORT" 'OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
is "$(status_of "$r")" 204 "OPTIONS * -> 204"
like "$r" "Allow: GET, HEAD, POST, OPTIONS" "... with the server's methods in Allow"
# RFC 9110 section 8.6: no Content-Length in a 204; a 204 ends at its head,
# so a keep-alive connection goes on with the next pipelined request.
unlike "$r" "Content-Length" "... and no Content-Length (a 204 MUST NOT have one)"
r=$(raw "$PORT" 'OPTIONS /publish HTTP/1.1\r\nHost: a\r\n\r\nGET /stats HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
unlike "$r" "Content-Length: 0" "OPTIONS /publish: 204 without Content-Length"
like "$(printf '%s' "$r" | grep -a '^HTTP/1.1' | tr -d '\r' | paste -sd,)" '^HTTP/1.1 204 No Content,HTTP/1.1 200 OK$' "... then the pipelined GET is answered"

long_target=$(head -c 5000 /dev/zero | tr '\0' 'a')
refused "GET /$long_target HTTP/1.1\r\nHost: a\r\n\r\n" 414 "a 5000-byte request target"
big_header=$(head -c 9000 /dev/zero | tr '\0' 'b')
refused "GET / HTTP/1.1\r\nHost: a\r\nX-Big: $big_header\r\n\r\n" 431 "a 9000-byte header"
many=$(for i in $(seq 1 70); do printf 'X-H%d: v\\r\\n' "$i"; done)
refused "GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n" 431 "70 header fields"

# Methods: 405 with Allow on a known route; OPTIONS lists what is allowed.
r=$(curl -s -i -X DELETE "$BASE/publish")
is "$(status_of "$r")" 405 "DELETE /publish -> 405"
like "$r" "Allow: POST, OPTIONS" "405 carries Allow"
r=$(curl -s -i -X PUT "$BASE/index.html")
is "$(status_of "$r")" 405 "PUT on a static file -> 405"
like "$r" "Allow: GET, HEAD" "with Allow: GET, HEAD"
r=$(curl -s -i -X GET "$BASE/publish")
is "$(status_of "$r")" 405 "GET /publish -> 405"
r=$(curl -s -i -X OPTIONS -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: POST' "$BASE/publish")
is "$(status_of "$r")" 204 "a CORS preflight for /publish -> 204"
like "$r" "Access-Control-Allow-Origin: \*" "preflight allows any origin"
like "$r" "Access-Control-Allow-Methods: POST" "and POST"

# HEAD: the headers of GET, no body.
r=$(curl -s -I "$BASE/index.html")
is "$(status_of "$r")" 200 "HEAD /index.html -> 200"
get_len=$(curl -s "$BASE/index.html" | wc -c)
like "$r" "Content-Length: $get_len" "HEAD's Content-Length is GET's body length"
r=$(raw "$PORT" 'HEAD /index.html HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
is "$(body_bytes_of "$r")" 0 "HEAD has no body on the wire"

# Keep-alive and pipelining: three requests in one write, three answers in order.
r=$(raw "$PORT" 'GET /index.html HTTP/1.1\r\nHost: a\r\n\r\nPOST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\npipelinedGET /stats HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
is "$(printf '%s' "$r" | grep -c '^HTTP/1.1 200')" 3 "three pipelined requests get three 200s"
like "$(printf '%s' "$r" | grep -a '^{"id"')" '^\{"id":[0-9]+\}' "the pipelined POST was answered between them"
is "$(curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' "$BASE/index.html" "$BASE/stats" | paste -sd+ | bc)" 1 "curl reuses one keep-alive connection for two requests"

# A chunked request body is decoded.
# (Its event is read back by id: /stats' last_id may already be the
# clock's next tick.)
id=$(printf 'chunked body' | curl -s -H 'Transfer-Encoding: chunked' --data-binary @- "$BASE/publish" | jq -r .id)
is "$(curl -s "$BASE/poll?after=$((id - 1))" | jq -c '.events[0] | [.id, .type, .data]')" \
   "[$id,\"message\",\"chunked body\"]" "a chunked POST /publish is accepted"

# A chunked body whose framing passes the input buffer (15000 one-byte
# chunks: 90 KB on the wire for 15 KB of data) is 413 at once; it used to
# stall, unread, until the header timeout answered 408 ten seconds later.
r=$(/usr/bin/python3 - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(5)
s.sendall(b"POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
t = time.time()
try:
    s.sendall(b"1\r\nx\r\n" * 15000 + b"0\r\n\r\n")
except OSError:
    pass
try:
    d = s.recv(100)
except OSError:
    d = b""
print(d.split(b"\r\n")[0].decode(), "after", round(time.time() - t, 1))
PY
)
like "$r" '^HTTP/1.1 413 .* after 0\.[0-9]$' "a chunked body framed past the input buffer: 413 at once ($r)"

# Expect: 100-continue is honoured (curl sends it for bodies over 1 KiB).
body=$(head -c 2000 /dev/zero | tr '\0' 'c')
t0=$(date +%s%N)
r=$(curl -s -i -H 'Expect: 100-continue' --data-binary "$body" "$BASE/publish")
t1=$(date +%s%N)
like "$r" "HTTP/1.1 100 Continue" "100 Continue is sent"
ok "$([ $(( (t1 - t0) / 1000000 )) -lt 900 ] && echo 0 || echo 1)" "so curl does not wait a second for it"

# A bad request on one connection does not disturb another.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /index.html HTTP/1.1\r\nHost: a\r\n' >&3
raw "$PORT" 'NOT HTTP AT ALL\r\n\r\n' >/dev/null
printf '\r\n' >&3
read -r -t 3 line <&3
is "$(printf '%s' "$line" | tr -d '\r')" "HTTP/1.1 200 OK" "a half-sent request on another connection still completes after a bad client"
exec 3>&-

# A request whose head never completes is answered 408 (checked with a short wait: the limit is 10 s).
ok "$(server_alive; echo $?)" "the server is still running"
done_testing
