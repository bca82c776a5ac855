#!/usr/bin/env bash
# A reader of GET /stream?after=N that stops reading while the ring is
# being replayed to it: the replay pauses at STREAM_CATCHUP_HIGH_WATER
# unsent (it is never dropped for the size of a replay, which can pass
# CONN_OUTPUT_MAX many times over), a live event meanwhile waits its turn
# behind the replay, and a reader that takes nothing for
# STREAM_STALL_TIMEOUT_MS is dropped as slow_consumer, while a reader of
# the same replay gets all of it and the live event, in order.  The
# server runs with -T 10, so the 30 s stall timeout is 3 s, and -N (no
# clock event), so the events are exactly the ones published here.
. "$(dirname "$0")/lib.sh"
start_server -q -p 0 -T 10 -N

publish() { curl -s --max-time 5 --data-binary "$1" "$BASE/publish" | jq -r .id; }

# 50 events of 16384 '<', 96 KiB each on the wire once escaped: a 4.8 MB
# replay, more than the kernel's buffers take for a reader that never
# reads, so the server has to pause it.
before=$(publish before-the-replay)
big=$(head -c 16384 /dev/zero | tr '\0' '<')
cfg="$T_TMP/big.cfg"; : > "$cfg"
for i in $(seq 1 50); do
    [ "$i" -gt 1 ] && echo next >> "$cfg"
    printf 'url = "%s/publish"\ndata = "%s"\n' "$BASE" "$big" >> "$cfg"
done
curl -s --max-time 30 -K "$cfg" > /dev/null

python3 - "$PORT" "$before" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'GET /stream?after=' + sys.argv[2].encode() + b' HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
time.sleep(20)
PY
stuck=$!
curl -s -N --max-time 20 "$BASE/stream?after=$before" > "$T_TMP/good" &
good=$!
wait_stat .connections.fetch_stream 2
ok $? "a stuck reader and a good reader of the same replay are connected"
sleep 0.5
live=$(publish "live while the replay is paused")
is "$(stat '.dropped.slow_consumer // 0')" 0 "the stuck reader is paused, not dropped, while its replay waits"
i=0
until [ "$(stat '.dropped.slow_consumer // 0')" = 1 ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(stat '.dropped.slow_consumer // 0')" 1 "after 3 s without taking a byte it is dropped as slow_consumer"
is "$(stat .last_drop.technique)" fetch_stream "last_drop names fetch_stream"
after_ms=$(stat .last_drop.after_ms)
ok "$([ "$after_ms" -ge 3000 ] && echo 0 || echo 1)" "... no sooner than the stall timeout ($after_ms ms after it connected)"
i=0
until grep -q '"data":"live while the replay is paused"' "$T_TMP/good" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
n_big=$(grep -c '"data":"\\u003c\\u003c' "$T_TMP/good")
is "$n_big" 50 "the good reader got the whole replay (50 events of 96 KiB)"
is "$(jq -r 'select(.id != null) | .id' "$T_TMP/good" | head -n 51 | tail -n 1)" "$live" \
   "... then the live event, which waited its turn behind the replay"
ok $(jq -r 'select(.id != null) | .id' "$T_TMP/good" | awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }'; echo $?) "... with no gap"
kill "$stuck" "$good" 2>/dev/null
wait "$stuck" "$good" 2>/dev/null
done_testing
