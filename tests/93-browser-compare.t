#!/bin/bash
# 93-browser-compare.t - www/compare.html in Chromium and Firefox: the nine
# techniques, spread over the server's three ports, each receive every
# message published with the page's button, once, and show latency,
# requests and bytes per message; screenshot compare.png.  The browser
# side is tests/browser/compare.mjs.
. "$(dirname "$0")/lib.sh"

start_server
run_node_tap tests/browser/compare.mjs
done_testing
