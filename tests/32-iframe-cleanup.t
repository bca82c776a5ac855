#!/usr/bin/env bash
# The forever frame lets go (ARTICLE §2, iframe.c): a client that closes
# its connection (the page's 断开连接 removes the iframe) is noticed and
# freed at once, and nothing is written for it any more.  The article's
# server keeps its setInterval writing to the dead response forever.
. "$(dirname "$0")/lib.sh"
start_server -p 0 -p 0 -p 0          # not -q: the request log is checked

frames() { stat .connections.forever_frame; }
stream_lines() { grep -c '^GET /iframeLongConnection 200 ' "$SERVER_LOG"; }

pids=()
for i in 1 2 3; do
    curl -s -N "$BASE/iframeLongConnection" >"$T_TMP/c$i.out" &
    pids+=($!)
done
wait_stat .connections.forever_frame 3
is "$(frames)" 3 "three forever frames open"
is "$(stream_lines)" 0 "an open stream is not logged yet"

kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
wait_stat .connections.forever_frame 2
is "$(frames)" 2 "one client closes: the server notices at once (2 left)"
is "$(stream_lines)" 1 "its stream is logged when it ends, with the bytes it sent"
like "$(grep '^GET /iframeLongConnection 200 ' "$SERVER_LOG")" ' 200 [1-9][0-9]*$' "a positive byte count"

kill "${pids[1]}" "${pids[2]}"; wait "${pids[1]}" "${pids[2]}" 2>/dev/null
wait_stat .connections.forever_frame 0
is "$(frames)" 0 "all clients closed: forever_frame back to 0"
ok "$([ "$(stat '.dropped.peer_closed')" -ge 3 ] && echo 0 || echo 1)" "counted as peer_closed"

# A client that resets instead of closing (SO_LINGER 0 sends RST).
python3 - "$PORT" <<'PY' &
import socket, struct, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'GET /iframeLongConnection HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
time.sleep(1.0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
s.close()
PY
rst_pid=$!
wait_stat .connections.forever_frame 1
is "$(frames)" 1 "a client that will reset is connected"
wait "$rst_pid"
wait_stat .connections.forever_frame 0
is "$(frames)" 0 "a reset connection is freed too"

# Nothing more is written: bytes and the log stay still.
b1=$(stat .techniques.forever_frame.bytes)
d1=$(stat .techniques.forever_frame.deliveries)
log1=$(wc -c <"$SERVER_LOG")
sleep 2.2                            # two clock ticks, no requests
log2=$(wc -c <"$SERVER_LOG")
is "$log2" "$log1" "the log does not grow after the clients left"
is "$(stat .techniques.forever_frame.bytes)" "$b1" "no forever-frame bytes are sent after the clients left"
is "$(stat .techniques.forever_frame.deliveries)" "$d1" "and no deliveries counted"
like "$(cat "$T_TMP/c3.out")" '"type":"time"' "(the clients did get events while connected)"
server_alive; ok $? "the server is alive"

done_testing
