#!/bin/bash
# 71-article-browser.t - www/article-mode.html in Chromium and Firefox, twice:
# with ./server --article-mode each of the article's bugs happens (the
# testEvent listener never fires, the localhost:3000 target drops every
# message, the leaked interval keeps writing, the JSONP callback runs as a
# script inside the sandbox, a cut unframed stream reads as an end), and
# our side of each exhibit does not; then with a default server every
# /article/ route is 404 and our side behaves the same.  Screenshots
# article-mode.png and article-mode-off.png.  The browser side is
# tests/browser/article-mode.mjs.
. "$(dirname "$0")/lib.sh"

start_server -q -A -p 0
ARTICLE_MODE=on run_node_tap tests/browser/article-mode.mjs
stop_server
is "$SERVER_STATUS" 0 "the article-mode server stopped cleanly"

start_server -q -p 0
ARTICLE_MODE=off run_node_tap tests/browser/article-mode.mjs
done_testing
