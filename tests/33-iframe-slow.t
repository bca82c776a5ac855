#!/usr/bin/env bash
# A forever-frame reader that stops reading cannot make the server buffer
# without bound (iframe.c, CONN_OUTPUT_MAX in server.h): once its unsent
# output would pass the cap it is dropped as "slow_consumer", and the
# other readers go on getting every event.
. "$(dirname "$0")/lib.sh"
start_server

# The stuck reader: a tiny receive window, a request, then never a read.
python3 - "$PORT" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'GET /iframeLongConnection HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
time.sleep(30)
PY
stuck_pid=$!
curl -s -N "$BASE/iframeLongConnection" >"$T_TMP/good.out" &
good_pid=$!
wait_stat .connections.forever_frame 2
is "$(stat .connections.forever_frame)" 2 "a stuck reader and a good reader are connected"

# Publish 16 KiB messages over one keep-alive connection until the stuck
# reader is dropped (at most 600, about 10 MB).
sent=$(python3 - "$PORT" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=10)
body = b'm' * 16384
n = 0
for n in range(1, 601):
    c.request('POST', '/publish', body)
    c.getresponse().read()
    if n % 10 == 0:
        c.request('GET', '/stats')
        stats = json.loads(c.getresponse().read())
        if stats['dropped'].get('slow_consumer', 0) >= 1:
            break
print(n)
PY
)
diag "published $sent messages of 16 KiB"
is "$(stat '.dropped.slow_consumer')" 1 "the stuck reader was dropped as slow_consumer"
is "$(stat .connections.forever_frame)" 1 "the good reader is still connected"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
if server_rss_is_own; then   # not under valgrind or ASan (see lib.sh)
    ok "$([ "${rss:-999999}" -lt 65536 ] && echo 0 || echo 1)" "the server's memory stayed small (${rss} kB resident)"
else
    diag "server RSS ${rss} kB (instrumented build: not asserted)"
fi

id=$(curl -s --data-binary 'still flowing' "$BASE/publish" | jq -r .id)
i=0
until grep -q '"id":'"$id"',"type":"message","data":"still flowing"' "$T_TMP/good.out" || [ $i -ge 50 ]; do
    sleep 0.1; i=$((i + 1))
done
like "$(tail -c 2000 "$T_TMP/good.out")" '"data":"still flowing"' "the good reader gets the next message"
n_big=$(grep -o '"data":"mmmm' "$T_TMP/good.out" | wc -l)
is "$n_big" "$sent" "and got every one of the $sent large messages"

kill "$good_pid" "$stuck_pid" 2>/dev/null; wait "$good_pid" "$stuck_pid" 2>/dev/null
wait_stat .connections.forever_frame 0
is "$(stat .connections.forever_frame)" 0 "all gone at the end"
done_testing
