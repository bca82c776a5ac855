#!/usr/bin/env bash
# Idle connections: one that never sends a request is closed after the
# header timeout (10 s), so silent sockets cannot hold every slot for the
# 30 s keep-alive timeout; one that was answered is kept for keep-alive.
. "$(dirname "$0")/lib.sh"
start_server

# A 408 after a HEAD on the same connection still carries the body its
# Content-Length announces: the HEAD's no-body rule is for the HEAD only.
/usr/bin/python3 - "$PORT" <<'PY' >"$T_TMP/head408.out" &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HEAD /stats HTTP/1.1\r\nHost: a\r\n\r\nGET /stats HTTP/1.1\r\n")
s.settimeout(15)
data = b""
while True:
    try:
        d = s.recv(65536)
    except OSError:
        break
    if not d:
        break
    data += d
i = data.find(b"HTTP/1.1 408")
head, _, body = data[i:].partition(b"\r\n\r\n")
cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
print("found408", 1 if i >= 0 else 0)
print("cl", int(cl[0].split(b":")[1]) if cl else -1, "body", len(body))
PY
head408_pid=$!

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
wait "$head408_pid"
h=$(cat "$T_TMP/head408.out")
like "$h" "found408 1" "a request left half-sent after a HEAD gets 408"
cl=$(printf '%s\n' "$h" | awk '/^cl/ {print $2}'); bl=$(printf '%s\n' "$h" | awk '/^cl/ {print $4}')
is "$bl" "$cl" "the 408 after a HEAD sends the body its Content-Length announces ($cl bytes)"
done_testing
