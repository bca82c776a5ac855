#!/bin/bash
# tests/95-bench-quick.t - `make bench` in its short mode (BENCH_QUICK=1):
# the load client starts the server under test itself, runs every
# workload once, small and short, and prints the tables.  This proves the
# bench works (every technique delivers every message, every table is
# filled, the Markdown and SVG are written); it asserts no timing.  Then
# `bench -p` with the limit peers only (bench/peers/limit-*.c).
. "$(dirname "$0")/lib.sh"

BENCH_BIN=${BENCH_BIN:-$BUILD/bench/bench}
if [ ! -x "$BENCH_BIN" ]; then
    make -s "$BENCH_BIN" >/dev/null 2>&1
fi
[ -x "$BENCH_BIN" ]; ok $? "the bench is built ($BENCH_BIN)"

out="$T_TMP/bench"
BENCH_QUICK=1 timeout 120 "$BENCH_BIN" -s "$SERVER" -o "$out" >"$T_TMP/stdout" 2>"$T_TMP/stderr"
is "$?" 0 "BENCH_QUICK=1 bench exits 0 against $SERVER"
printed=$(cat "$T_TMP/stdout")
[ -n "$(cat "$T_TMP/stderr")" ] && diag "stderr: $(head -c 600 "$T_TMP/stderr")"

for t in "short poll" "long poll" "iframe poll" "JSONP poll" "forever frame" "WebSocket /hub" "SSE" \
         "fetch stream" "XHR stream"; do
    # | technique | subscribers | p50 | p99 | delivered n/n | requests/msg | bytes/msg |
    row1=$(printf '%s\n' "$printed" | grep -F "| $t | 1 |")
    rowN=$(printf '%s\n' "$printed" | grep -F "| $t | 50 |")
    like "$row1" '\| ([0-9]+)/\1 \| [0-9.]+ \| [0-9.]+ \|$' "$t, 1 subscriber: every message delivered once, costs counted"
    like "$rowN" '\| ([0-9]+)/\1 \| [0-9.]+ \| [0-9.]+ \|$' "$t, 50 subscribers: every message delivered once, costs counted"
done
like "$printed" '\| 1 x 1 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|' "echo, 1 connection at depth 1"
like "$printed" '\| 1 x 32 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|' "echo, 1 connection at depth 32"
like "$printed" '\| 100 x 1 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|' "echo, 100 connections"
like "$printed" '\| /hub \(WebSocket text\) \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| 0 \|' "fan-out on /hub, nothing lost"
like "$printed" '\| /sseStream \(POST /publish\) \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| 0 \|' "fan-out on /sseStream, nothing lost"
like "$printed" '\| 100 idle WebSocket \| [0-9]+ \| [0-9]+ \| [0-9.-]+ \|' "idle WebSocket memory"
like "$printed" '\| 100 idle SSE \| [0-9]+ \| [0-9]+ \| [0-9.-]+ \|' "idle SSE memory"
like "$printed" '\| /small.html \(bench/www\) \| 50 \| [0-9.]+ \|' "static keep-alive rate"
# | clients | replies n/n | first p50 | p99 | done p50 | p99 | requests/reply | bytes/reply |
like "$printed" '\| 1 \| ([0-9]+)/\1 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| 1\.00 \| [0-9.]+ \|' "streamed reply, 1 client: every reply done, one request each"
like "$printed" '\| 100 \| ([0-9]+)/\1 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| 1\.00 \| [0-9.]+ \|' "streamed reply, 100 clients at once"
like "$printed" 'Placement: ' "the CPU placement is printed with the figures"
unlike "$printed" 'error' "no workload reported errors"

md=$(cat "$out/results.md" 2>/dev/null)
is "$md" "$printed" "results.md holds the same tables as printed"
svg=$(cat "$out/latency.svg" 2>/dev/null)
like "$svg" '^<svg xmlns="http://www.w3.org/2000/svg"' "latency.svg is an SVG"
like "$svg" '</svg>$' "latency.svg is complete"
is "$(printf '%s' "$svg" | grep -c '<rect x="300"')" 36 "latency.svg has a p50 and a p99 bar for 9 techniques x 2 sizes"

# bench -p with the limit peers alone (bench/peers/limit-*.c; the npm
# peers and nginx left out): each limit server answers the bench's own
# client in its workload, nothing lost, and every echo and fan-out figure
# gets its fraction of the limit, in the table, the goals and the chart.
LIMIT_DIR=${BENCH_LIMIT_DIR:-$BUILD/bench/peers}
if [ "$(uname -s)" != Linux ]; then
    diag "the limit peers use epoll (Linux only): not run on $(uname -s)"
else
    [ -x "$LIMIT_DIR/limit-sse" ] || make -s bench-limit >/dev/null 2>&1
    [ -x "$LIMIT_DIR/limit-echo" ] && [ -x "$LIMIT_DIR/limit-broadcast" ] && [ -x "$LIMIT_DIR/limit-sse" ]
    ok $? "the limit peers are built ($LIMIT_DIR)"
    lim="$T_TMP/limit"
    BENCH_QUICK=1 BENCH_ONLY="echo fanout" BENCH_PEER_LIMIT_ECHO="$LIMIT_DIR/limit-echo" \
        BENCH_PEER_LIMIT_BROADCAST="$LIMIT_DIR/limit-broadcast" \
        BENCH_PEER_LIMIT_SSE="$LIMIT_DIR/limit-sse" BENCH_PEER_WS= BENCH_PEER_NWS= \
        BENCH_PEER_SSE= BENCH_PEER_NGINX= \
        timeout 120 "$BENCH_BIN" -p -s "$SERVER" -o "$lim" >"$T_TMP/limit.out" 2>"$T_TMP/limit.err"
    is "$?" 0 "BENCH_QUICK=1 bench -p exits 0 with the limit peers"
    printed=$(cat "$T_TMP/limit.out")
    [ -n "$(cat "$T_TMP/limit.err")" ] && diag "stderr: $(head -c 600 "$T_TMP/limit.err")"
    like "$printed" 'ws: skipped \(not available\)' "a peer not given is reported as skipped"
    num='[0-9][0-9.]*'
    for fig in "echo 1 conn x depth 1, msgs/s" "echo 1 conn x depth 32, msgs/s" \
               "echo 100 conn x depth 1, msgs/s" "/hub fan-out to 50, deliveries/s" \
               "/sseStream fan-out to 50, deliveries/s"; do
        like "$printed" "\| $fig \| $num \| $num \| $num \|" "$fig: ours, the limit's and the fraction"
        base="${fig%, *}"
        like "$printed" "\| $base, p99 µs \| $num \| $num \| $num \|" "$base, p99 µs: ours, the limit's and the fraction"
        case $base in
        *fan-out*) like "$printed" "\| $base, last delivery p99 µs \| $num \| $num \| $num \|" \
                       "$base, last delivery p99 µs: ours, the limit's and the fraction" ;;
        esac
    done
    like "$printed" '\| /hub fan-out to 50, messages lost \| 0 \| 0 \|' "/hub: neither ours nor the limit lost a message"
    like "$printed" '\| /sseStream fan-out to 50, messages lost \| 0 \| 0 \|' "/sseStream: neither ours nor the limit lost a message"
    like "$printed" "\| echo 1 conn x depth 1, msgs/s: at least 0.9 of the limit \| $num \| ≥ 0.90 \| (met|\*\*missed\*\*) \|" \
        "the goal against the limit is checked, met or missed"
    like "$printed" '\*\*[0-9]+ goals? met, [0-9]+ missed, [0-9]+ not measured\.\*\*' "the goals are counted plainly"
    unlike "$printed" 'error' "no workload reported errors"
    is "$(cat "$lim/peers.md" 2>/dev/null)" "$printed" "peers.md holds the same tables as printed"
    svg=$(cat "$lim/peers.svg" 2>/dev/null)
    like "$svg" '</svg>$' "peers.svg is complete"
    is "$(printf '%s' "$svg" | grep -c 'fill="#9ecae1"')" 12 "peers.svg has a fraction-of-the-limit bar for each of the 12 echo and fan-out figures"
fi

# A server that does not start is reported, not waited on forever.
BENCH_QUICK=1 BENCH_ONLY=static timeout 30 "$BENCH_BIN" -s /bin/false -o "$T_TMP/bad" >/dev/null 2>"$T_TMP/bad.err"
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; ok $? "a server that cannot start fails the bench (exit $rc), without hanging"
like "$(cat "$T_TMP/bad.err")" 'did not start listening' "and says which server did not start"

done_testing
