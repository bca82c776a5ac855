#!/bin/bash
# 74-stepper-browser.t - www/stepper.html in Chromium and Firefox against
# ./server --step: a WebSocket is accepted, its fd appears in rfds at the
# next step, its upgrade request and then one message are read on that fd,
# published and written back; a long poll is held and woken by a publish,
# each a step at a time.  Screenshot stepper.png.  The browser side is
# tests/browser/stepper.mjs.
. "$(dirname "$0")/lib.sh"

start_server -q -p 0 -S 0          # sets STEP_BASE from its "stepper on" line
[ -n "$STEP_BASE" ] || { echo "Bail out! no stepper line: $(cat "$SERVER_LOG")"; exit 1; }
run_node_tap tests/browser/stepper.mjs
done_testing
