#!/bin/bash
# 66-browser-xhr-streaming.t - www/xhr-streaming.html (§2 corrected: XHR
# streaming, the rotation at ?limit=) in a real browser
# (tests/browser/xhr-streaming.mjs); screenshots xhr-streaming.png and
# xhr-streaming-faults.png in $SCREENSHOT_DIR, else $TMPDIR or /tmp.
. "$(dirname "$0")/lib.sh"
start_server
NODE_TAP_TIMEOUT=${NODE_TAP_TIMEOUT:-170} run_node_tap tests/browser/xhr-streaming.mjs
done_testing
