#!/bin/bash
# 65-browser-fetch-streaming.t - www/fetch-streaming.html (§2 corrected:
# streaming over fetch) in a real browser (tests/browser/fetch-streaming.mjs);
# screenshots fetch-streaming.png, fetch-streaming-text.png and
# fetch-streaming-faults.png in $SCREENSHOT_DIR, else $TMPDIR or /tmp.
. "$(dirname "$0")/lib.sh"
start_server
NODE_TAP_TIMEOUT=${NODE_TAP_TIMEOUT:-170} run_node_tap tests/browser/fetch-streaming.mjs
done_testing
