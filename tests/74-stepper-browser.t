#!/bin/bash
# 74-stepper-browser.t - www/stepper.html in Debian's Chromium against
# ./server --step: a WebSocket is accepted, its fd appears in rfds at the
# next step, its upgrade request and then one message are read on that fd,
# published and written back; a long poll is held and woken by a publish,
# each a step at a time.  Screenshot stepper.png.  The browser side is
# tests/browser/stepper.mjs.
. "$(dirname "$0")/lib.sh"

start_server -q -p 0 -S 0
STEP_PORT=$(sed -n 's|^stepper on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$SERVER_LOG")
[ -n "$STEP_PORT" ] || { echo "Bail out! no stepper line: $(cat "$SERVER_LOG")"; exit 1; }
export STEP_BASE="http://127.0.0.1:$STEP_PORT"
run_node_tap tests/browser/stepper.mjs
done_testing
