#!/usr/bin/env bash
# 47-ws-echo-flood.t - /testSocket peers that send 1 MiB messages and
# never read: each gets its echoes whole and then a 1008 close frame,
# wherever the server's unread output stood when the last message came
# (ws.c echo_message checks the room for the whole reply first).  The
# same for peers that flood pings and never read, on /testSocket and
# /hub: the pongs pile up, and the ending is a 1008 close frame, never a
# cut at the output cap (pongs had no room check; found in review).  The
# client is tests/ws_echo_flood.py on the raw tests/ws_client.py.
. "$(dirname "$0")/lib.sh"

start_server
PYTHONPATH="$ROOT/tests" run_python_tap tests/ws_echo_flood.py "$PORT" 8
done_testing
