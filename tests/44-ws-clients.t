#!/bin/bash
# ARTICLE §4: a strict RFC 6455 conformance run in the spirit of
# Autobahn|Testsuite cases 1-7, 9 (up to 1 MiB) and 10, written as our
# own cases in tests/ws_conformance.py (raw frames, standard library).
# Each case's TAP line is repeated here; the server must stay up.
. "$(dirname "$0")/lib.sh"
start_server

PY=/usr/bin/python3
"$PY" tests/ws_clients.py "$PORT" "$PORT2" > "$T_TMP/conformance.tap" 2>&1
while IFS= read -r line; do
    case "$line" in
    "ok "*)     ok 0 "${line#ok * - }" ;;
    "not ok "*) ok 1 "${line#not ok * - }" ;;
    "#"*)       echo "$line" ;;
    esac
done < "$T_TMP/conformance.tap"
like "$(tail -n 1 "$T_TMP/conformance.tap")" '^1\.\.[0-9]+$' "the conformance run finished"
ok "$(server_alive; echo $?)" "the server survived every case"
is "$(stat .connections.websocket)" 0 "every WebSocket connection was closed"
done_testing
