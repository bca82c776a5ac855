#!/bin/bash
# tests/95-bench-quick.t - `make bench` in its short mode (BENCH_QUICK=1):
# the load client starts the server under test itself, runs every
# workload once, small and short, and prints the tables.  This proves the
# bench works (every technique delivers every message, every table is
# filled, the Markdown and SVG are written); it asserts no timing.
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

# A server that does not start is reported, not waited on forever.
BENCH_QUICK=1 BENCH_ONLY=static timeout 30 "$BENCH_BIN" -s /bin/false -o "$T_TMP/bad" >/dev/null 2>"$T_TMP/bad.err"
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; ok $? "a server that cannot start fails the bench (exit $rc), without hanging"
like "$(cat "$T_TMP/bad.err")" 'did not start listening' "and says which server did not start"

done_testing
