#!/bin/bash
# 96-browser-i18n.t - every page in Chinese and in English (issue 14), in
# Chromium and Firefox: with ?lang=zh and ?lang=en, <html lang>, the
# toggle, and no visible text of the other language outside the
# article's words, code and data, before and after a switch; the choice
# stored and remembered, ?lang= over it, navigator.languages of a
# Chinese browser; a switch keeps sse.html's EventSource and
# compare.html's clients running.  Screenshots i18n-zh-<page>.png.  The
# browser side is tests/browser/i18n.mjs.
. "$(dirname "$0")/lib.sh"

# The script checks some twenty pages twice each: minutes, not the 120 s
# run_node_tap allows by default.
NODE_TAP_TIMEOUT=$((900 * ${TIME_SCALE:-1}))

# Article mode, so article-mode.html runs its exhibits as a reader of it
# would; the other routes are the same.
start_server -q -A -p 0 -p 0 -p 0
NODE_TAP_TIMEOUT=$NODE_TAP_TIMEOUT run_node_tap tests/browser/i18n.mjs
stop_server
is "$SERVER_STATUS" 0 "the server stopped cleanly"

# stepper.html, against a server in step mode (on its control port).
start_server -q -p 0 -S 0
[ -n "$STEP_BASE" ] || { echo "Bail out! no stepper line: $(cat "$SERVER_LOG")"; exit 1; }
NODE_TAP_TIMEOUT=$NODE_TAP_TIMEOUT run_node_tap tests/browser/i18n.mjs
done_testing
