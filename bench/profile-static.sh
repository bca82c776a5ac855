#!/bin/bash
# bench/profile-static.sh - where a keep-alive static request goes, ours
# against nginx (issue 15; the figures are in bench/PROFILE.md).
#
#   bash bench/profile-static.sh [SERVER...]     (default: ./server nginx)
#
# For each server, in turns, ROUNDS times (default 3): wrk -t1 -c50 for
# PROFILE_SECONDS (default 3) on /small.html of bench/www, the server on CPU 0 and
# wrk on CPU 1 as in `make bench`, and
#   - the server's CPU time per request (perf stat -e task-clock), the
#     figure that a busy shared machine disturbs least;
#   - requests/s (wrk), which it disturbs most;
# then, once per server, the system calls per request (strace -c -f, which
# slows the server: its counts matter, not its times).
# Needs wrk, perf, strace, taskset; nginx for the "nginx" entry.  Loopback
# only; every server started here is stopped here, by PID.
set -u
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${PROFILE_SECONDS:-3}
servers=("$@")
[ ${#servers[@]} -eq 0 ] && servers=(./server nginx)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/profile-static.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
url_path=/small.html

# start NAME: start it on CPU 0; sets pid (the process that serves) and port.
start() {
    if [ "$1" = nginx ]; then
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        taskset -c 0 sh bench/peers/nginx.sh "$port" 2>"$tmp/log" &
        master=$!
        for _ in $(seq 50); do
            pid=$(pgrep -P "$master" -f 'nginx: worker' | head -n 1)
            [ -n "$pid" ] && curl -s -o /dev/null "http://127.0.0.1:$port$url_path" && return
            sleep 0.1
        done
    else
        taskset -c 0 "$1" -q -p 0 -r bench/www 2>"$tmp/log" &
        master=$!
        pid=$master
        for _ in $(seq 50); do
            port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/log" | head -n 1)
            [ -n "$port" ] && return
            sleep 0.1
        done
    fi
    echo "profile-static: $1 did not start" >&2
    exit 1
}
stop() { kill "$master" 2>/dev/null; wait "$master" 2>/dev/null; }
load() { taskset -c 1 wrk -t1 -c50 -d"${SECONDS_EACH}s" "http://127.0.0.1:$port$url_path"; }

echo "| server | round | requests/s | server CPU µs per request |"
echo "|---|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
    for s in "${servers[@]}"; do
        start "$s"
        perf stat -x, -e task-clock -p "$pid" -o "$tmp/stat" &
        perf_pid=$!
        sleep 0.2
        rps=$(load | awk '/^Requests\/sec/ {print $2}')
        kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null
        ms=$(awk -F, '/task-clock/ {print $1}' "$tmp/stat")
        awk -v s="$(basename "$s")" -v r="$round" -v rps="$rps" -v ms="$ms" -v d="$SECONDS_EACH" \
            'BEGIN { printf "| %s | %d | %.0f | %.1f |\n", s, r, rps, ms * 1000 / (rps * d) }'
        stop
    done
done

echo
echo "System calls per request (strace -c -f; one run each):"
for s in "${servers[@]}"; do
    start "$s"
    strace -c -f -p "$pid" -o "$tmp/strace" 2>/dev/null &
    strace_pid=$!
    sleep 0.5
    n=$(load | awk '/requests in/ {print $1}')
    kill -INT "$strace_pid"; wait "$strace_pid" 2>/dev/null
    stop
    echo "- $(basename "$s") ($n requests):"
    awk -v n="$n" '$1 ~ /^[0-9.]+$/ && $NF != "total" { printf "  %-12s %6.2f\n", $NF, $4 / n }' "$tmp/strace"
done
