#!/usr/bin/env bash
# A reader of GET /stream that stops reading cannot make the server buffer
# without bound: once its unsent output would pass CONN_OUTPUT_MAX (256
# KiB) it is dropped as "slow_consumer", and the good readers of /stream
# and /stream/xhr go on getting every event, none lost.  The same for an
# XHR reader given a large ?limit=.  At the default limit an XHR reader
# never gets that far: its response ends at 128 KiB, below the cap.
. "$(dirname "$0")/lib.sh"
start_server

# stuck PATH SECONDS: a reader with a 4 KiB receive window that sends its
# request and never reads.
stuck() {
    python3 - "$PORT" "$1" "$2" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'GET ' + sys.argv[2].encode() + b' HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
time.sleep(float(sys.argv[3]))
PY
}

# publish_until_drop N: 16 KiB messages over one keep-alive connection
# until dropped.slow_consumer reaches N (at most 600, about 10 MB);
# prints how many were sent.
publish_until_drop() {
    python3 - "$PORT" "$1" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=10)
body = b'<' * 16384
n = 0
for n in range(1, 601):
    c.request('POST', '/publish', body)
    c.getresponse().read()
    if n % 10 == 0:
        c.request('GET', '/stats')
        stats = json.loads(c.getresponse().read())
        if stats['dropped'].get('slow_consumer', 0) >= int(sys.argv[2]):
            break
print(n)
PY
}

# ---- /stream ----------------------------------------------------------------
stuck /stream 40
stuck_pid=$!
curl -s -N --max-time 60 "$BASE/stream" > "$T_TMP/good.out" &
good_pid=$!
curl -s -N --max-time 60 "$BASE/stream/xhr?limit=16777216" > "$T_TMP/good-xhr.out" &
good_xhr_pid=$!
wait_stat .connections.fetch_stream 2
is "$(stat .connections.fetch_stream)" 2 "a stuck reader and a good reader of /stream are connected"
first=$(stat .last_id)
sent=$(publish_until_drop 1)
diag "published $sent messages of 16 KiB (96 KiB each on the wire: < is escaped as \\u003c)"
is "$(stat '.dropped.slow_consumer')" 1 "the stuck reader was dropped as slow_consumer"
is "$(stat .last_drop.technique)" fetch_stream "last_drop names fetch_stream"
is "$(stat .connections.fetch_stream)" 1 "the good reader is still connected"
is "$(stat .connections.xhr_stream)" 1 "and so is the good XHR reader"
rss=$(server_rss_kb)
if server_rss_is_own; then   # not under valgrind or ASan (see lib.sh)
    ok "$([ "$rss" -lt 65536 ] && echo 0 || echo 1)" "the server's memory stayed small (${rss} kB resident)"
else
    diag "server RSS ${rss} kB (instrumented build: not asserted)"
fi
id=$(curl -s --data-binary 'still flowing' "$BASE/publish" | jq -r .id)
i=0
until grep -q "\"id\":$id,\"type\":\"message\",\"data\":\"still flowing\"" "$T_TMP/good.out" "$T_TMP/good-xhr.out" 2>/dev/null \
      && [ "$(grep -c "\"id\":$id," "$T_TMP/good.out" "$T_TMP/good-xhr.out" | grep -c ':1$')" = 2 ] || [ $i -ge 100 ]; do
    sleep 0.1; i=$((i + 1))
done
for f in good good-xhr; do
    like "$(tail -c 2000 "$T_TMP/$f.out")" '"data":"still flowing"' "$f: gets the next message"
    n_big=$(jq -r "select(.id > $first and .type == \"message\" and (.data | startswith(\"<<<<\"))) | .id" "$T_TMP/$f.out" | wc -l)
    is "$n_big" "$sent" "$f: got every one of the $sent large messages"
    ok $(jq -r "select(.id > $first) | .id" "$T_TMP/$f.out" | awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }'; echo $?) "$f: with no gap"
done
kill "$stuck_pid" 2>/dev/null; wait "$stuck_pid" 2>/dev/null

# ---- /stream/xhr with a large limit: dropped the same way -------------------
stuck '/stream/xhr?limit=16777216' 40
stuck_pid=$!
wait_stat .connections.xhr_stream 2
is "$(stat .connections.xhr_stream)" 2 "a stuck XHR reader with limit=16777216 is connected"
sent=$(publish_until_drop 2)
is "$(stat '.dropped.slow_consumer')" 2 "it is dropped as slow_consumer too (after $sent messages)"
is "$(stat .last_drop.technique)" xhr_stream "last_drop names xhr_stream"
is "$(stat .connections.xhr_stream)" 1 "the good XHR reader is still connected"
kill "$stuck_pid" 2>/dev/null; wait "$stuck_pid" 2>/dev/null

# ---- /stream/xhr at the default limit: the response ends first ---------------
stuck /stream/xhr 40
stuck_pid=$!
wait_stat .connections.xhr_stream 2
for i in 1 2 3 4 5 6 7 8 9 10; do
    curl -s --max-time 5 --data-binary "$(head -c 16384 /dev/zero | tr '\0' '<')" "$BASE/publish" > /dev/null
done
# Ten events of 96 KiB: the second takes the body past 128 KiB and ends
# the response, about 192 KiB owed in all, under the 256 KiB cap; the
# connection leaves the stream state (it is closing) and nothing more is
# queued for it, however much is published.
wait_stat .connections.xhr_stream 1 10
ok $? "the stuck XHR reader at the default limit: its response ended at the limit"
is "$(stat '.dropped.slow_consumer')" 2 "... without a slow_consumer drop: the rotation kept it under the cap"
kill "$stuck_pid" "$good_pid" "$good_xhr_pid" 2>/dev/null
wait "$stuck_pid" "$good_pid" "$good_xhr_pid" 2>/dev/null
wait_stat .connections.total 1
is "$(stat .connections.total)" 1 "all gone at the end (only the /stats request itself)"
done_testing
