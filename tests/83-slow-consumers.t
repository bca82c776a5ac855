#!/usr/bin/env bash
# Slow consumers of every technique at once (issue 8): a stuck reader on
# /hub, /sseStream, /iframeLongConnection and a held long poll, each a
# raw socket with a 4 KiB receive buffer that sends its request and never
# reads, beside a good reader of each.  16 KiB messages are published
# (at most 400) until the three stuck streams are gone, then 20 more.
#
# What "dropped" means per technique:
#   - the forever frame and SSE: the write that would pass
#     CONN_OUTPUT_MAX (256 KiB unsent) drops the stream, counted in
#     /stats as dropped.slow_consumer;
#   - WebSocket: past WS_SLOW_READER_BYTES (128 KiB unsent) before an
#     event, ws.c starts the closing handshake with 1008 and closes the
#     TCP connection once that is sent or CLOSE_LINGER_MS (5 s) passed.
#     That is a clean close, not a drop, so /stats does not count it
#     under dropped (tests/ws_clients.py asserts that); it leaves the
#     websocket count once the close frame is sent, or when the 5 s run
#     out if the kernel takes nothing more (often so under valgrind), so
#     the drops may come up to that long after the last publish;
#   - long polling: a held poll that does not read owes only one answer.
#     It is answered at the first event (an answer is bounded by
#     POLL_ANSWER_MAX_BYTES, 192 KiB), then it is an idle keep-alive
#     connection that never asks again: nothing more is queued for it,
#     and KEEPALIVE_TIMEOUT_MS (30 s) closes it.  So no long-poll drop
#     exists to count; the test checks it got exactly one answer and was
#     closed by the keep-alive timer.
# Everyone else must receive every event (ids with no gaps, every
# published id) within a second.  RSS: the hub's ring itself holds the
# published messages (about 37 KiB per 16 KiB message in its forms), so
# a reference server that gets the same publishes and no clients is
# measured too, and the difference is what the slow consumers cost.
. "$(dirname "$0")/lib.sh"
start_server

PYTHONPATH="$ROOT/tests" python3 "$ROOT/tests/slow_consumers.py" "$PORT" "$SERVER_PID" >"$T_TMP/out.json" 2>"$T_TMP/err"
ok $? "the slow-consumer run finished"
[ -s "$T_TMP/err" ] && diag "$(head -c 2000 "$T_TMP/err")"
r() { jq -r "$1" "$T_TMP/out.json"; }

published=$(r .published)
diag "published $published messages; the stuck streams were gone after $(r .dropped_at)"
is "$(r '.connections_before | join(",")')" "2,2,2,2" "a stuck and a good client of each technique were connected (websocket, sse, forever_frame, held_poll)"
ok "$([ "$(r .dropped_at)" != null ] && echo 0 || echo 1)" "the three stuck streams were dropped before $published messages"
is "$(r '.dropped.slow_consumer // 0')" 2 "/stats counts the stuck SSE and forever-frame streams as slow_consumer drops"
is "$(r '.connections_after | join(",")')" "1,1,1" "only the good websocket, sse and forever_frame readers are left"
for k in websocket sse forever_frame; do
    is "$(r ".stuck_streams.$k.eof")" true "the server closed the stuck $k connection ($(r ".stuck_streams.$k.bytes") bytes reached it; 1008 close frame among them: $(r ".stuck_streams.$k.close_1008"))"
done
is "$(r .poll_answered_after)" 1 "the stuck long poll was answered at the first event"
is "$(r .stuck_poll.responses)" 1 "... with exactly one answer, and nothing queued after it"
like "$(r .stuck_poll.status)" '^HTTP/1.1 200' "... a 200"
closed=$(r .stuck_poll.closed_after_s)
ok "$(awk -v c="$closed" 'BEGIN { exit !(c <= 35) }'; echo $?)" "... and its idle connection was closed by the keep-alive timeout (${closed} s after the run)"

# "On time": within a second of the publish (5 s under valgrind, which
# runs the server some 20 times slower).
on_time_ms=1000
[ -n "$SERVER_WRAPPER" ] && on_time_ms=5000
for k in websocket sse forever_frame long_poll; do
    is "$(r ".clients.$k.error")" null "good $k reader: no error"
    is "$(r ".clients.$k.gaps | length")" 0 "good $k reader: no gap in ids ($(r ".clients.$k.events") events)"
    is "$(r ".clients.$k.duplicates")" 0 "good $k reader: no duplicate"
    is "$(r ".clients.$k.missing_published | length")" 0 "good $k reader: every published message arrived"
    lat=$(r ".clients.$k.max_latency_ms")
    ok "$(awk -v l="$lat" -v max="$on_time_ms" 'BEGIN { exit !(l != "null" && l < max) }'; echo $?)" "good $k reader: on time (slowest ${lat} ms after its publish)"
done

rss_max=$(r .rss_max_kb)
diag "server RSS $(r .rss_start_kb) kB at the start, at most ${rss_max} kB during the run"
if server_rss_is_own; then
    # The reference: the same publishes, no clients.
    "$SERVER" -q -p 0 2>"$T_TMP/ref.log" &
    ref_pid=$!
    i=0
    until grep -q '^listening on' "$T_TMP/ref.log" || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
    ref_port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$T_TMP/ref.log" | head -n 1)
    ref_rss=$(PYTHONPATH="$ROOT/tests" python3 - "$ref_port" "$ref_pid" "$published" <<'PY'
import sys, rt_clients as rt
port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = rt.connect(port); r = rt.Reader(s)
for _ in range(n - 1):
    rt.publish(r, s, "m" * 16384)
rt.publish(r, s, "end")
print(rt.rss_kb(pid))
PY
)
    kill "$ref_pid"; wait "$ref_pid" 2>/dev/null
    extra=$((rss_max - ref_rss))
    diag "reference server, same publishes, no clients: ${ref_rss} kB; the slow consumers cost ${extra} kB"
    ok "$([ "$extra" -lt 8192 ] && echo 0 || echo 1)" "the slow consumers cost less than 8 MB of RSS (${extra} kB; caps: 3 x 256 KiB of output + one poll answer)"
else
    diag "instrumented build: RSS not asserted"
fi
ok "$(server_alive; echo $?)" "the server is still running"
done_testing
