#!/bin/bash
# 67-browser-streaming-reply.t - www/streaming-reply.html (a streamed
# reply over POST, read with fetch and the page's own event-stream parser)
# in a real browser (tests/browser/streaming-reply.mjs); screenshots
# streaming-reply.png and streaming-reply-faults.png in $SCREENSHOT_DIR,
# else $TMPDIR or /tmp.
. "$(dirname "$0")/lib.sh"
start_server
NODE_TAP_TIMEOUT=${NODE_TAP_TIMEOUT:-150} run_node_tap tests/browser/streaming-reply.mjs
done_testing
