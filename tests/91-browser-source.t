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
like "$(curl -s "$BASE/source?file=core/hub.h")" "core/hub.h - the event hub" "a file is named by its path from /source/files"
is "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/source?file=http.h")" 200 "a unique base name still works (http.h)"
run_node_tap tests/browser/source.mjs
stop_server

# The sources come from the server's own source directory, never from
# beside the www root: with -r /x/www, /source?file=server.c read
# /x/server.c.
mkdir -p "$T_TMP/x/www"
cp www/index.html "$T_TMP/x/www/"
echo "not the server's source" >"$T_TMP/x/server.c"
start_server -q -p 0 -r "$T_TMP/x/www"
got=$(curl -s "$BASE/source?file=server.c")
like "$got" "server.c - main\(\)" "with -r elsewhere, /source?file=server.c is still the server's own"
unlike "$got" "not the server's source" "not the server.c beside the other www root"
done_testing
