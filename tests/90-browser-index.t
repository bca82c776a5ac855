#!/bin/bash
# 90-browser-index.t - the index page in Chromium and Firefox: title, the
# article's section headings, every link answering, no page error, and a
# screenshot ($SCREENSHOT_DIR, else $TMPDIR or /tmp: index.png).  The
# browser side is tests/browser/index.mjs (see tests/browser/lib.mjs).
. "$(dirname "$0")/lib.sh"

start_server
run_node_tap tests/browser/index.mjs
done_testing
