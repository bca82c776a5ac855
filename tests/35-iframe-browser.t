#!/bin/bash
# 35-iframe-browser.t - the forever-frame page in Chromium (see
# tests/browser/iframe-page.mjs); screenshot iframe-long-connection.png in
# $SCREENSHOT_DIR, else $TMPDIR or /tmp.
. "$(dirname "$0")/lib.sh"
start_server
run_node_tap tests/browser/iframe-page.mjs
done_testing
