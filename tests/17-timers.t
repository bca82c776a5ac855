#!/bin/bash
# 17-timers.t - every timeout the server enforces, each fired through the
# real loop in a fraction of a second: the server runs with the
# test-only -T 100 (timeouts 100 times shorter) and -N (no clock event,
# so a silent stream is really silent).  The 15 s SSE keep-alive comment,
# the 30 s SSE stall timeout, the 10 s header and 30 s keep-alive
# timeouts, the WebSocket ping (15 s) and pong (10 s) timeouts and the
# 5 s closing linger (tests/timers.py, raw sockets).
. "$(dirname "$0")/lib.sh"

start_server -q -p 0 -T 100 -N
PYTHONPATH="$ROOT/tests" run_python_tap tests/timers.py "$PORT" 100
"$SERVER" -q -p 0 -T 0 -r www 2>/dev/null; is "$?" 2 "-T 0 is refused (status 2)"
"$SERVER" -q -p 0 -T 1001 -r www 2>/dev/null; is "$?" 2 "-T above 1000 is refused"
like "$("$SERVER" -h)" "testing only:" "-h lists -T and -N apart, under testing"
done_testing
