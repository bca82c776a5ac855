#!/bin/bash
# 53-sse-limit.t - www/sse-limit.html (ARTICLE §5.1, 性能限制) in Debian's
# Chromium and Firefox: the seventh EventSource to one host and port stays stalled,
# one on another port opens, closing one lets the seventh in.  Screenshot:
# sse-limit.png.  The browser side is tests/browser/sse-limit.mjs.
. "$(dirname "$0")/lib.sh"

start_server
run_node_tap tests/browser/sse-limit.mjs
done_testing
