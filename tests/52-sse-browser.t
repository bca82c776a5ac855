#!/bin/bash
# 52-sse-browser.t - www/sse.html (ARTICLE §5.2) in Chromium and Firefox
# against sse.c: testEvent fires, messages show as text, close and reopen
# resumes, the browser's own reconnection resumes with Last-Event-ID with
# no loss, and the cross-port case.  Screenshots: sse.png and
# sse-cross-port.png ($SCREENSHOT_DIR, else $TMPDIR or /tmp).  The browser
# side is tests/browser/sse-page.mjs.
. "$(dirname "$0")/lib.sh"

start_server
run_node_tap tests/browser/sse-page.mjs
done_testing
