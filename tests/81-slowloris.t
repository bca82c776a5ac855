#!/bin/bash
# Slowloris: 300 clients each send a request head one byte every 0.5 s
# and never finish it.  The server gives a request head HEADER_TIMEOUT_MS
# (10 s) from its first byte: then it answers 408 and closes.  Meanwhile
# a normal client is answered promptly, because the loop never waits on
# one connection.  Bounded: the attack stops itself after 14 s.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"
CLIENTS=300

# slowloris.py PORT CLIENTS: prints, per client, the seconds from its
# first byte to the 408 (or "none"), and a summary line.
cat >"$T_TMP/slowloris.py" <<'PYEOF'
import socket, sys, time, select
port, n = int(sys.argv[1]), int(sys.argv[2])
HEAD = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
BYTE_EVERY, STOP_AFTER = 0.5, 14.0
clients = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    clients.append({"s": s, "sent": 0, "first": None, "reply": b"", "eof_at": None,
                    "send_error": False})
start = time.time()
next_tick = start
while time.time() - start < STOP_AFTER:
    now = time.time()
    if now >= next_tick:
        for c in clients:
            if c["eof_at"] is not None or c["send_error"]:
                continue
            try:
                c["s"].send(HEAD[c["sent"]:c["sent"] + 1])
                if c["first"] is None:
                    c["first"] = now
                c["sent"] += 1
            except OSError:
                c["send_error"] = True
        next_tick += BYTE_EVERY
    live = [c["s"] for c in clients if c["eof_at"] is None]
    if not live:
        break
    r, _, _ = select.select(live, [], [], max(0.0, min(0.05, next_tick - time.time())))
    for s in r:
        c = next(c for c in clients if c["s"] is s)
        try:
            d = s.recv(4096)
        except OSError:
            d = b""
        if d:
            c["reply"] += d
        else:
            c["eof_at"] = time.time()
got408 = [c for c in clients if c["reply"].startswith(b"HTTP/1.1 408 ")]
closed = [c for c in clients if c["eof_at"] is not None]
times = sorted(c["eof_at"] - c["first"] for c in got408 if c["eof_at"])
print("clients=%d got408=%d closed=%d" % (n, len(got408), len(closed)))
if times:
    print("timeout_min=%.1f timeout_max=%.1f" % (times[0], times[-1]))
print("max_bytes_sent=%d" % max(c["sent"] for c in clients))
for c in clients:
    c["s"].close()
PYEOF

start_server
base_total=$(stat .connections.total)
rss0=$(server_rss_kb)
"$PY" "$T_TMP/slowloris.py" "$PORT" "$CLIENTS" >"$T_TMP/slow.out" 2>&1 &
attack=$!

# While the attack runs: a normal client every half second.
sleep 1
worst=0 served=0 tries=0
while kill -0 "$attack" 2>/dev/null && [ $tries -lt 40 ]; do
    t0=$(date +%s%N)
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/index.html")
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ "$code" = 200 ] && served=$((served + 1))
    [ $ms -gt $worst ] && worst=$ms
    tries=$((tries + 1))
    [ $tries -eq 5 ] && during=$(stat .connections.total) && rss1=$(server_rss_kb)
    sleep 0.5
done
wait "$attack"
out=$(cat "$T_TMP/slow.out")
diag "$(echo "$out" | tr '\n' ' ')"
diag "normal client: $served/$tries answered 200, slowest ${worst} ms; connections during the attack: $during"
diag "server RSS: ${rss0} kB before, ${rss1} kB during the attack, $(server_rss_kb) kB after"

ok $([ "$during" -gt "$CLIENTS" ] && echo 0 || echo 1) "all $CLIENTS slow clients were connected at once ($during)"
like "$out" "clients=$CLIENTS got408=$CLIENTS closed=$CLIENTS" "every slow client got 408 and was closed"
t_min=$(echo "$out" | sed -n 's/.*timeout_min=\([0-9.]*\).*/\1/p')
t_max=$(echo "$out" | sed -n 's/.*timeout_max=\([0-9.]*\).*/\1/p')
ok $(awk -v a="$t_min" -v b="$t_max" 'BEGIN { exit !(a >= 9.5 && b <= 12.5) }'; echo $?) \
    "each was cut 10 s after its first byte (between $t_min and $t_max s)"
is "$served" "$tries" "the normal client was answered every time during the attack"
ok $([ "$worst" -lt 1000 ] && echo 0 || echo 1) "promptly: the slowest answer took ${worst} ms (< 1000)"
is "$(stat .dropped.header_timeout)" "$CLIENTS" "/stats counts $CLIENTS header timeouts"
ok $(wait_stat .connections.total "$base_total" 10 && echo 0 || echo 1) \
    "the connection table is back to $base_total"
server_alive; ok $? "the server is alive after the attack"
done_testing
