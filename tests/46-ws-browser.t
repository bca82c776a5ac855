#!/bin/bash
# 46-ws-browser.t - the WebSocket pages in Chromium and Firefox (see
# tests/browser/ws-pages.mjs); screenshots websocket.png and chat.png in
# $SCREENSHOT_DIR, else $TMPDIR or /tmp.
. "$(dirname "$0")/lib.sh"
start_server
run_node_tap tests/browser/ws-pages.mjs
done_testing
