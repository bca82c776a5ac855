#!/bin/bash
# 94-browser-wire-fault.t - the wire view and the fault buttons in
# Chromium and Firefox (tests/browser/wire-fault.mjs); screenshots
# wire-websocket.png, fault-sse.png, fault-forever-frame.png,
# fault-long-polling.png.
. "$(dirname "$0")/lib.sh"
start_server
NODE_TAP_TIMEOUT=170 run_node_tap tests/browser/wire-fault.mjs
done_testing
