#!/bin/bash
# 35-iframe-browser.t - the forever-frame page in Chromium and Firefox (see
# tests/browser/iframe-page.mjs); screenshot iframe-long-connection.png in
# $SCREENSHOT_DIR, else $TMPDIR or /tmp.
. "$(dirname "$0")/lib.sh"
start_server
run_node_tap tests/browser/iframe-page.mjs
done_testing
