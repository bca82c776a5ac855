#!/bin/bash
# ARTICLE §4.2 (Websocket建立与销毁): the opening handshake of RFC 6455
# section 4.2, accepted and refused, through curl and raw requests.
. "$(dirname "$0")/lib.sh"
start_server -q -p 0 -p 0 -o http://allowed.example

KEY='dGhlIHNhbXBsZSBub25jZQ=='
ACCEPT='s3pPLMBiTxaQ9kYGzzhZRbK+xOo='

# The RFC 6455 section 1.3 example, through curl.
out=$(curl -s -i -N --max-time 1 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
      -H 'Sec-WebSocket-Version: 13' -H "Sec-WebSocket-Key: $KEY" "$BASE/testSocket")
is "$(status_of "$out")" 101 "curl: /testSocket answers 101 Switching Protocols"
like "$out" "Sec-WebSocket-Accept: ${ACCEPT//+/\\+}" "curl: the RFC 6455 example key gives $ACCEPT"
like "$out" $'Upgrade: websocket\r' "curl: Upgrade: websocket"
like "$out" $'Connection: Upgrade\r' "curl: Connection: Upgrade"
unlike "$out" "Sec-WebSocket-Extensions" "no extension is accepted"
unlike "$out" "Sec-WebSocket-Protocol" "no subprotocol when none was asked for"
out=$(curl -s -i -N --max-time 1 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
      -H 'Sec-WebSocket-Version: 13' -H "Sec-WebSocket-Key: $KEY" "http://127.0.0.1:$PORT2/hub")
is "$(status_of "$out")" 101 "curl: /hub on the second port answers 101 too"

# A raw handshake with the given extra header lines (printf format).
hs() {   # hs [METHOD] [VERSION] EXTRA-HEADERS
    raw "$PORT" "$1 /testSocket HTTP/$2\r\nHost: 127.0.0.1\r\n$3\r\n" 1
}
GOOD="Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: $KEY\r\nSec-WebSocket-Version: 13\r\n"

out=$(hs GET 1.1 "$GOOD")
is "$(status_of "$out")" 101 "raw: a minimal valid handshake"
out=$(hs GET 1.1 "upgrade: WebSocket\r\nconnection: keep-alive, UPGRADE\r\nsec-websocket-key: $KEY\r\nsec-websocket-version: 13\r\n")
is "$(status_of "$out")" 101 "header names, Upgrade and a Connection list are case-insensitive"
out=$(hs GET 1.1 "${GOOD}Sec-WebSocket-Protocol: chat, echo\r\n")
like "$out" $'Sec-WebSocket-Protocol: echo\r' "subprotocol: echo is selected from 'chat, echo'"
out=$(hs GET 1.1 "${GOOD}Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: echo\r\n")
like "$out" $'Sec-WebSocket-Protocol: echo\r' "subprotocol: the list may span two fields"
out=$(hs GET 1.1 "${GOOD}Sec-WebSocket-Protocol: chat, Echo\r\n")
is "$(status_of "$out")" 101 "subprotocol: none we know is still a 101 ..."
unlike "$out" "Sec-WebSocket-Protocol" "... without Sec-WebSocket-Protocol (tokens are case-sensitive)"
out=$(hs GET 1.1 "${GOOD}Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")
is "$(status_of "$out")" 101 "extensions offered: accepted ..."
unlike "$out" "Sec-WebSocket-Extensions" "... and declined by leaving the header out"
out=$(hs GET 1.1 "${GOOD}Origin: http://allowed.example\r\n")
is "$(status_of "$out")" 101 "Origin on the -o allow-list"

refused() {   # refused STATUS DESCRIPTION METHOD VERSION HEADERS
    local t0 t1 out
    t0=$(date +%s%N)
    out=$(raw "$PORT" "$3 /testSocket HTTP/$4\r\nHost: 127.0.0.1\r\n$5\r\n" 3)
    t1=$(date +%s%N)
    is "$(status_of "$out")" "$1" "$2 -> $1"
    ok $(( (t1 - t0) / 1000000 < 2000 ? 0 : 1 )) "$2: connection closed, not left half-open"
    LAST=$out
}
refused 405 "POST" POST 1.1 "${GOOD}Content-Length: 0\r\n"
like "$LAST" "Allow: GET" "405 says Allow: GET"
refused 400 "HTTP/1.0" GET 1.0 "$GOOD"
refused 400 "no Upgrade" GET 1.1 "Connection: Upgrade\r\nSec-WebSocket-Key: $KEY\r\nSec-WebSocket-Version: 13\r\n"
refused 400 "Upgrade: h2c" GET 1.1 "Upgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Key: $KEY\r\nSec-WebSocket-Version: 13\r\n"
refused 400 "Connection without upgrade" GET 1.1 "Upgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: $KEY\r\nSec-WebSocket-Version: 13\r\n"
refused 400 "no Sec-WebSocket-Key" GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
refused 400 "a key of 15 bytes" GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\nSec-WebSocket-Version: 13\r\n"
refused 400 "a key of 17 bytes" GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSE=\r\nSec-WebSocket-Version: 13\r\n"
refused 400 "a key that is not base64" GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZ*==\r\nSec-WebSocket-Version: 13\r\n"
refused 400 "a key with non-zero leftover bits" GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\nSec-WebSocket-Version: 13\r\n"
refused 400 "two keys" GET 1.1 "${GOOD}Sec-WebSocket-Key: $KEY\r\n"
refused 400 "no Sec-WebSocket-Version" GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: $KEY\r\n"
refused 426 "Sec-WebSocket-Version: 8" GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: $KEY\r\nSec-WebSocket-Version: 8\r\n"
like "$LAST" $'Sec-WebSocket-Version: 13\r' "426 names the version we speak"
refused 426 "Sec-WebSocket-Version: 14" GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: $KEY\r\nSec-WebSocket-Version: 14\r\n"
refused 403 "an Origin not on the -o list" GET 1.1 "${GOOD}Origin: http://evil.example\r\n"
refused 403 "two Origin fields" GET 1.1 "${GOOD}Origin: http://allowed.example\r\nOrigin: http://evil.example\r\n"
refused 400 "two Sec-WebSocket-Version: 13 fields (RFC 6455 11.3.5: at most one)" GET 1.1 "${GOOD}Sec-WebSocket-Version: 13\r\n"
unlike "$LAST" "Sec-WebSocket-Version" "... a malformed request, not a version we lack: no Sec-WebSocket-Version"

# RFC 9110 section 15.5.22: a 426 MUST carry Upgrade; section 7.8: with
# "upgrade" in Connection.  RFC 9112 section 9.6: a refusal that closes
# says Connection: close.
out=$(hs GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: $KEY\r\nSec-WebSocket-Version: 8\r\n")
like "$out" $'^Upgrade: websocket\r$' "426 carries Upgrade: websocket"
like "$out" $'^Connection: Upgrade\r$' "426 lists upgrade in Connection"
like "$out" $'^Connection: close\r$' "426 says Connection: close"
out=$(hs GET 1.1 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
is "$(status_of "$out")" 400 "no key -> 400 ..."
like "$out" $'^Connection: close\r$' "... saying Connection: close"
out=$(hs GET 1.1 "${GOOD}Origin: http://evil.example\r\n")
like "$out" $'^Connection: close\r$' "403 says Connection: close"

# RFC 6455 section 4.1 item 4: Host holds the server's host; empty is refused.
out=$(raw "$PORT" "GET /testSocket HTTP/1.1\r\nHost:\r\n$GOOD\r\n" 3)
is "$(status_of "$out")" 400 "an empty Host -> 400"

# Sec-WebSocket-Protocol is a comma-separated list (1#token): whitespace
# alone separates nothing, but may surround each element.
out=$(hs GET 1.1 "${GOOD}Sec-WebSocket-Protocol: chat echo\r\n")
is "$(status_of "$out")" 101 "subprotocol 'chat echo' (not a list of two): still a 101 ..."
unlike "$out" "Sec-WebSocket-Protocol" "... selecting nothing"
out=$(hs GET 1.1 "${GOOD}Sec-WebSocket-Protocol: chat ,\techo\t, x\r\n")
like "$out" $'Sec-WebSocket-Protocol: echo\r' "subprotocol: whitespace around list elements is allowed"

# The refusals were counted, and the server still upgrades the next one.
out=$(curl -s -i -N --max-time 1 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
      -H 'Sec-WebSocket-Version: 13' -H "Sec-WebSocket-Key: $KEY" "$BASE/testSocket")
is "$(status_of "$out")" 101 "after all the refusals a good handshake still works"
done_testing
