#!/bin/bash
# 54-sse-npm.t - GET /sseStream through npm `eventsource` (pinned in
# tests/package.json), an EventSource implementation independent of the
# browser's: testEvent, multi-line data, resume, reconnection after the
# server ends the response, and a 400 that stops retries.  The client
# side is tests/browser/sse-eventsource.mjs.
. "$(dirname "$0")/lib.sh"

start_server
run_node_tap tests/browser/sse-eventsource.mjs
done_testing
