#!/bin/bash
# 70-article.t - article mode (article.c) with curl: without the flag every
# /article/ route is 404 and -h documents the flag; with --article-mode the
# article's own bytes (§5.3's SSE byte for byte, §2's template and framing,
# §1.2's unchecked callback), the writes its leaked intervals would make
# (counted, bounded, no socket held, the oldest retired past 64), the
# safe routes unchanged, and a stream cut (not ended) at shutdown.
. "$(dirname "$0")/lib.sh"

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
routes="/article/state /article/sseStream /article/iframeLongConnection /article/poll/jsonp?callback=f /article/unframed"

# ---- the default server: nothing of article mode ----
like "$("$SERVER" -h)" '-A, --article-mode' "-h documents -A / --article-mode"
like "$("$SERVER" -h)" 'UNSAFE' "... and says it is unsafe"
start_server -q -p 0
for r in $routes; do
    is "$(code "$BASE$r")" 404 "default mode: $r is 404"
done
like "$(curl -s "$BASE/article/sseStream")" 'article mode is off' "... saying how to turn it on"
safe_sse=$(curl -sN --max-time 1.5 "$BASE/sseStream")
like "$(printf '%s' "$safe_sse" | tr '\n' '~')" 'event: testEvent~id: [0-9]+~data: ' "default mode: our testEvent carries its data"
stop_server

# ---- --article-mode (the long spelling; -A is the same) ----
start_server -q --article-mode -p 0
like "$(cat "$SERVER_LOG")" 'ARTICLE MODE' "the server says article mode is on"
is "$(code "$BASE/article/state")" 200 "article mode: /article/state answers"
safe_sse2=$(curl -sN --max-time 1.5 "$BASE/sseStream")
like "$(printf '%s' "$safe_sse2" | tr '\n' '~')" 'event: testEvent~id: [0-9]+~data: ' "article mode: /sseStream unchanged"
is "$(code -G --data-urlencode 'callback=alert(1)//' "$BASE/poll/jsonp?after=0")" 400 "article mode: /poll/jsonp still refuses a script as callback"

# (a) SSE, byte for byte
curl -sN -D "$T_TMP/sse.h" --max-time 2.6 "$BASE/article/sseStream" >"$T_TMP/sse.b"
like "$(cat "$T_TMP/sse.h")" 'Content-Type: text/event-stream' "(a) text/event-stream"
like "$(cat "$T_TMP/sse.h")" 'Transfer-Encoding: chunked' "(a) chunked, one chunk per res.write, as Node sends it"
first=$(head -c 400 "$T_TMP/sse.b" | tr '\n' '~')
like "$first" '^retry: 10000~event: testEvent~id: testId~~data: [A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9]{4} [0-9:]{8} GMT[+-][0-9]{4} \([^)]*\)~~event: message~id: messageId~~data: ' \
    "(a) the article's exact sequence: the blank line comes before data"
ticks=$(grep -c '^event: message$' "$T_TMP/sse.b")
ok $([ "$ticks" -ge 2 ] && echo 0 || echo 1) "(a) one tick a second ($ticks in 2.6 s)"
raw_sse=$(curl -sN --raw --max-time 1.2 "$BASE/article/sseStream" | head -c 60 | tr '\r\n' '|~')
like "$raw_sse" '^d\|~retry: 10000~\|~11\|~event: testEvent~\|~c\|~id: testId~~\|~' "(a) the raw chunks: 'd' 'retry: 10000\\n', '11' 'event: testEvent\\n', 'c' 'id: testId\\n\\n'"

# (b) the forever frame, and the leaked interval
curl -sN -D "$T_TMP/fr.h" --max-time 2.4 "$BASE/article/iframeLongConnection" >"$T_TMP/fr.b"
like "$(cat "$T_TMP/fr.h")" 'Content-Type: text/html' "(b) text/html"
is "$(grep -c 'window.parent.postMessage(new Date().toLocaleTimeString(), "http://localhost:3000/index.html");' "$T_TMP/fr.b")" 2 \
    "(b) the article's template once a second, its hard-coded target included"
wait_stat .connections.forever_frame 0 3
ok $? "(b) the connection itself is closed and freed"
d1=$(curl -s "$BASE/article/state" | jq .dead_writes_by_route.iframeLongConnection)
sleep 2.1
d2=$(curl -s "$BASE/article/state" | jq .dead_writes_by_route.iframeLongConnection)
ok $([ "$d2" -ge $((d1 + 2)) ] && echo 0 || echo 1) "(b) its interval keeps 'writing' into the closed connection: $d1 -> $d2"
is "$(curl -s "$BASE/article/state" | jq -c '[.leaked_intervals, .ghost_limit, .ghost_lifetime_ms]')" '[1,64,600000]' \
    "(b) one leaked interval counted, at most 64, each for at most 10 minutes"
is "$(stat .connections.total)" 1 "(b) and no socket is held for it (only this /stats request is open)"

# (c) two SSE clients share the article's global interval
curl -sN --max-time 2.5 "$BASE/article/sseStream" >"$T_TMP/a.b" &
apid=$!
sleep 0.3
curl -sN --max-time 5.5 "$BASE/article/sseStream" >"$T_TMP/b.b" &
bpid=$!
wait $apid
sleep 0.3
bt1=$(grep -c '^data: ' "$T_TMP/b.b")
wait $bpid
bt2=$(grep -c '^data: ' "$T_TMP/b.b")
is "$bt2" "$bt1" "(a) A's close cleared B's interval: B got nothing more ($bt1 data lines, 2.7 s later $bt2)"
is "$(curl -s "$BASE/article/state" | jq .sse_intervals_cleared_by_others)" 1 "... counted"

# (d) JSONP: the callback echoed verbatim
r=$(curl -s -D - -G --data-urlencode 'callback=alert(document.domain)//' "$BASE/article/poll/jsonp")
like "$r" 'Content-Type: application/javascript' "(d) application/javascript"
like "$r" $'\r\n\r\nalert\\(document\\.domain\\)//\\(\\{"events":\\[\\{"id":[0-9]+,' "(d) the 'callback' is echoed verbatim: any script runs"
is "$(code "$BASE/article/poll/jsonp")" 400 "(d) no callback: 400"
is "$(code "$BASE/article/poll/jsonp?callback=$(head -c 1100 /dev/zero | tr '\0' a)")" 400 "(d) a callback over 1024 bytes: 400"

# (e) the unframed stream
curl -sv --max-time 5 "$BASE/article/unframed" >"$T_TMP/u.b" 2>"$T_TMP/u.v"
rc=$?
is "$rc" 0 "(e) framing=none: curl reads a cut stream as complete (exit 0)"
unlike "$(grep '^< ' "$T_TMP/u.v")" 'Content-Length|Transfer-Encoding|Connection' "(e) no Content-Length, no Transfer-Encoding, no Connection"
like "$(cat "$T_TMP/u.v")" 'no chunk, no close, no size' "(e) curl: 'no chunk, no close, no size. Assume close to signal end'"
is "$(grep -c '<script' "$T_TMP/u.b")" 3 "(e) three writes"
curl -s --max-time 5 "$BASE/article/unframed?framing=chunked&end=cut" >/dev/null
is "$?" 18 "(e) chunked and cut: curl sees the transfer was cut (exit 18)"
curl -s --max-time 5 "$BASE/article/unframed?framing=chunked&end=clean" >/dev/null
is "$?" 0 "(e) chunked and ended with the last chunk: complete (exit 0)"
is "$(code "$BASE/article/unframed?framing=gzip")" 400 "(e) an unknown framing: 400"
is "$(code "$BASE/article/unframed?end=later")" 400 "(e) an unknown end: 400"
is "$(code "$BASE/article/unframed?framing=%zz")" 400 "(e) a framing that is no escape: 400"

# (b) more leaked intervals than ARTICLE_GHOSTS_MAX (64): the oldest are
# retired, their writes so far kept in the totals; no more than 64 count.
before=$(curl -s "$BASE/article/state")
/usr/bin/python3 - "$PORT" <<'PYEOF'
import socket, sys, time
port = int(sys.argv[1])
socks = []
for _ in range(65):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /article/iframeLongConnection HTTP/1.1\r\nHost: a\r\n\r\n")
    socks.append(s)
for s in socks:
    s.recv(4096)          # its head: the stream (and its interval) started
    s.close()
PYEOF
wait_stat .connections.forever_frame 0 5
after=$(curl -s "$BASE/article/state")
is "$(printf '%s' "$after" | jq .leaked_ever)" "$(($(printf '%s' "$before" | jq .leaked_ever) + 65))" \
    "(b) 65 more frames closed: 65 more leaked intervals made"
is "$(printf '%s' "$after" | jq .leaked_intervals)" 64 "(b) but at most ARTICLE_GHOSTS_MAX (64) are counted at once"
ok $([ "$(printf '%s' "$after" | jq .dead_writes)" -ge "$(printf '%s' "$before" | jq .dead_writes)" ] && echo 0 || echo 1) \
    "(b) the retired ones' writes stay in the total"

# The server still serves others normally.
is "$(code "$BASE/stats")" 200 "/stats still answers"

# Stopping with an article stream open: the Node process would exit and
# the response stop where it is, so the stream is cut (curl: 18), not
# ended with a last chunk as /sseStream is; the server exits 0 at once.
curl -sN --max-time 10 "$BASE/article/sseStream" >/dev/null &
reader=$!
wait_stat .connections.sse 1
stop_server
is "$SERVER_STATUS" 0 "SIGTERM with an article stream open: exit 0"
wait "$reader"
is "$?" 18 "the article's stream is cut at shutdown, as the article's server's would be (curl: 18)"
done_testing
