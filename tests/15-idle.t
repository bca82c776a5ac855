#!/usr/bin/env bash
# Idle connections: one that never sends a request is closed after the
# header timeout (10 s), so silent sockets cannot hold every slot for the
# 30 s keep-alive timeout; one that was answered is kept for keep-alive.
. "$(dirname "$0")/lib.sh"
start_server

/usr/bin/python3 - "$PORT" <<'PY' >"$T_TMP/idle.out"
import socket, sys, time
port = int(sys.argv[1])
silent = socket.create_connection(("127.0.0.1", port))
served = socket.create_connection(("127.0.0.1", port))
served.sendall(b"GET /stats HTTP/1.1\r\nHost: a\r\n\r\n")
served.settimeout(3)
served.recv(65536)
silent.settimeout(15)
t0 = time.time()
data = silent.recv(1)          # b"" when the server closes
print("silent_closed_after", round(time.time() - t0, 1), "bytes", len(data))
served.settimeout(0.5)
try:
    served.sendall(b"GET /stats HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    reply = served.recv(65536)
    print("served_still_open", 1 if reply.startswith(b"HTTP/1.1 200") else 0)
except OSError:
    print("served_still_open", 0)
PY
out=$(cat "$T_TMP/idle.out")
secs=$(printf '%s\n' "$out" | awk '/silent_closed_after/ {print $2}')
ok "$(awk -v s="$secs" 'BEGIN { exit !(s >= 9 && s <= 12) }'; echo $?)" "a connection that sends nothing is closed after about 10 s (took $secs s)"
like "$out" "bytes 0" "silently, with no response"
like "$out" "served_still_open 1" "a connection that was answered is still open for its next request"
done_testing
