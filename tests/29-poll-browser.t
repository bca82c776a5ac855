#!/bin/bash
# 29-poll-browser.t - the four polling pages in Chromium and Firefox: a
# message published from outside shows within seconds, a hostile message
# shows as plain text, and the code === '1' ticket demo stops polling.
# Screenshots: poll-*.png in $SCREENSHOT_DIR (else $TMPDIR or /tmp).
. "$(dirname "$0")/lib.sh"

start_server
run_node_tap tests/browser/poll-pages.mjs
done_testing
