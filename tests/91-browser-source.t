#!/bin/bash
# 91-browser-source.t - the annotated-source page in Chromium, and the
# /source allow-list from curl.
. "$(dirname "$0")/lib.sh"
start_server

is "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/source?file=server.c")" 200 "/source?file=server.c -> 200"
like "$(curl -s "$BASE/source?file=hub.h")" "hub.h - the event hub" "it is the file itself"
for bad in ../server.c /etc/passwd server.c%00 www/index.html .git/config server tests/lib.sh; do
    is "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/source?file=$bad")" 404 "/source?file=$bad -> 404"
done
is "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/source")" 404 "/source without a file -> 404"
run_node_tap tests/browser/source.mjs
done_testing
