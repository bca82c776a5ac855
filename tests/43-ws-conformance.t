#!/bin/bash
# ARTICLE §4: a strict RFC 6455 conformance run in the spirit of
# Autobahn|Testsuite cases 1-7, 9 (up to 1 MiB) and 10, written as our
# own cases in tests/ws_conformance.py (raw frames, standard library).
# Each case's TAP line is repeated here; the server must stay up.
. "$(dirname "$0")/lib.sh"
start_server

run_python_tap tests/ws_conformance.py "$PORT"
ok "$(server_alive; echo $?)" "the server survived every case"
is "$(stat .connections.websocket)" 0 "every WebSocket connection was closed"
done_testing
