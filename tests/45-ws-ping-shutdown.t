#!/bin/bash
# ARTICLE §4.2 挥手 and keeping a connection alive: the server pings a
# silent peer after WS_PING_INTERVAL_MS (15 s), drops it when nothing
# comes back within WS_PONG_TIMEOUT_MS (10 s), keeps one that answers;
# and on SIGTERM it closes every WebSocket with 1001 (going away).
# Slow by nature: about 27 seconds.
. "$(dirname "$0")/lib.sh"
start_server
PY=/usr/bin/python3

"$PY" - "$PORT" > "$T_TMP/ping.out" 2>&1 <<'PYEOF'
import sys, time
sys.path.insert(0, "tests")
from ws_client import Client, Closed, PREFIX, OP_PING, OP_PONG, OP_TEXT
port = int(sys.argv[1])
answering, silent = Client(port), Client(port)
t0 = time.time()
_, _, op, payload = answering.recv_frame(17)
print("answering-first-frame", op == OP_PING, round(time.time() - t0))
answering.send(OP_PONG, payload)
_, _, op, _ = silent.recv_frame(2)
print("silent-first-frame", op == OP_PING)
t1 = time.time()
closed = silent.tcp_closed(12)
print("silent-dropped", closed, round(time.time() - t1))
answering.send(OP_TEXT, "alive")
_, _, op, data = answering.recv_frame(3)
print("answering-alive", data == (PREFIX + "alive").encode())
PYEOF
out=$(cat "$T_TMP/ping.out")
like "$out" "answering-first-frame True 1[456]" "a silent peer is pinged after about 15 s"
like "$out" "silent-first-frame True" "every silent peer is pinged"
like "$out" "silent-dropped True (9|10|11)" "a peer that does not answer is dropped about 10 s later"
like "$out" "answering-alive True" "a peer that answered with a pong is kept"
is "$(stat .dropped.timeout)" 1 "the drop is counted as a timeout"

# Shutdown: a connected client gets close 1001 and the server exits 0.
"$PY" - "$PORT" > "$T_TMP/shutdown.out" 2>&1 <<'PYEOF' &
import sys
sys.path.insert(0, "tests")
from ws_client import Client, OP_CLOSE
c = Client(int(sys.argv[1]), "/hub")
print("connected", flush=True)
while True:
    _, _, op, data = c.recv_frame(10)
    if op == OP_CLOSE:
        print("close", int.from_bytes(data[:2], "big"), flush=True)
        break
print("tcp-closed", c.tcp_closed(5))
PYEOF
client=$!
i=0
until grep -q connected "$T_TMP/shutdown.out" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
stop_server
wait "$client"
is "$SERVER_STATUS" 0 "the server exits cleanly on SIGTERM"
like "$(cat "$T_TMP/shutdown.out")" "close 1001" "an open WebSocket is closed with 1001 going away"
like "$(cat "$T_TMP/shutdown.out")" "tcp-closed True" "then TCP is closed"
done_testing
