#!/usr/bin/env bash
# The command line, the request log and a clean stop.
. "$(dirname "$0")/lib.sh"

help=$("$SERVER" -h)
for route in / /publish /stats /poll /poll/iframe /poll/jsonp /iframeLongConnection /testSocket /hub /sseStream; do
    like "$help" " $route( |,)" "-h lists $route"
done
like "$help" "3000, 3001 and 3002" "-h names the default ports"
# Each route's methods whole, then its path (they were cut to four
# characters: "GET, /stats", "GET, /poll").
like "$help" "GET, HEAD +/stats " "-h prints /stats's methods whole"
like "$help" "GET, HEAD, POST +/poll/task " "and /poll/task's three"
unlike "$help" "GET, /" "no method list is cut short"
"$SERVER" -p 70000 2>/dev/null; is "$?" 2 "a bad port is refused with status 2"
"$SERVER" -r /nonexistent/dir -p 0 2>"$T_TMP/err"; is "$?" 2 "a missing www root is refused"
like "$(cat "$T_TMP/err")" "not a directory" "and says why"
"$SERVER" -x 2>/dev/null; is "$?" 2 "an unknown flag -> usage, status 2"
"$SERVER" -r README.md -p 0 2>"$T_TMP/err"; is "$?" 2 "a www root that is a file is refused"
like "$(cat "$T_TMP/err")" "README.md is not a directory" "and says why"
"$SERVER" -p 0 -r www stray 2>"$T_TMP/err"; is "$?" 2 "an operand after the options -> status 2"
like "$(cat "$T_TMP/err")" "^usage: server" "with the usage"
"$SERVER" -p 0 -p 0 -p 0 -p 0 -p 0 -p 0 -p 0 -p 0 -r www 2>"$T_TMP/err"; is "$?" 2 "an 8th -p is refused (status 2)"
like "$(cat "$T_TMP/err")" "more than 7" "saying the limit"
"$SERVER" -q -p0 --step=nope -r www 2>"$T_TMP/err"; is "$?" 2 "-p0 (its value attached) leaves the next word an option: --step=nope is read"
like "$(cat "$T_TMP/err")" "bad -S \(--step\) port: nope" "... and refused as a port"
"$SERVER" -q -p 0 --step=123456789012345678901234567890123 -r www 2>/dev/null; is "$?" 2 \
    "a --step= value too long for a port is refused (status 2)"
"$SERVER" -p 0 -r www -- --article-mode 2>/dev/null; is "$?" 2 \
    "after --, --article-mode is an operand, not the option (status 2)"
origins=
for i in $(seq 17); do origins="$origins -o http://a$i.example"; done
# shellcheck disable=SC2086
"$SERVER" -p 0 -r www $origins 2>"$T_TMP/err"; is "$?" 2 "a 17th -o is refused (status 2)"
like "$(cat "$T_TMP/err")" "at most 16 -o" "saying the limit"
# Listening fails: status 1, naming the address and port.  Without -p the
# defaults are tried, 3000 first; an address that is not IPv4 fails
# before anything is bound.
"$SERVER" -q -r www -b 256.0.0.1 2>"$T_TMP/err"; is "$?" 1 "-b 256.0.0.1 (no IPv4 address): status 1"
like "$(cat "$T_TMP/err")" "cannot listen on 256\.0\.0\.1:3000: " \
    "naming the address and the first default port"
(ulimit -n 4; exec "$SERVER" -q -p 0 -r www) 2>"$T_TMP/err"; is "$?" 1 \
    "no descriptor left for the listening socket (ulimit -n 4): status 1"
like "$(cat "$T_TMP/err")" "cannot listen on 127\.0\.0\.1:0: Too many open files" "saying why"

# Three ports by -p, every route on each; the request log.
start_server -p 0 -p 0 -p 0
for p in "$PORT" "$PORT2" "$PORT3"; do
    is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/stats")" 200 "port $p answers /stats"
done
"$SERVER" -q -r www -p "$PORT" 2>"$T_TMP/err"; is "$?" 1 "a port in use (this server's): status 1"
like "$(cat "$T_TMP/err")" "cannot listen on 127\.0\.0\.1:$PORT: Address already in use" "saying so"
"$SERVER" -q -r www -p 0 -S "$PORT" 2>"$T_TMP/err"; is "$?" 1 "a stepper port in use: status 1"
like "$(cat "$T_TMP/err")" "cannot listen on 127\.0\.0\.1:$PORT: " "saying which"
curl -s -o /dev/null "$BASE/index.html"
curl -s -g -o /dev/null --path-as-is "$BASE/%0a%1b[31mfake"
curl -s -o /dev/null --path-as-is "$BASE/a\\b"
sleep 0.1
like "$(cat "$SERVER_LOG")" 'GET /index\.html 200 [0-9]+' "one log line per request: method, path, status, bytes"
like "$(cat "$SERVER_LOG")" 'GET /%0a%1b\[31mfake 404' "targets are logged as sent"
unlike "$(cat "$SERVER_LOG")" $'\x1b' "no raw escape bytes reach the log"
like "$(cat "$SERVER_LOG")" 'GET /a\\x5cb 404' "a backslash is logged as \\x5c (escapes in the log stay unambiguous)"

# SIGTERM: streams are ended, the process exits 0 (lib.sh also checks this).
stop_server
is "$SERVER_STATUS" 0 "SIGTERM stops the server with status 0"
like "$(cat "$SERVER_LOG")" "server: stopped" "and it says so"

start_server -q -p 0
curl -s -o /dev/null "$BASE/index.html"
sleep 0.1
unlike "$(cat "$SERVER_LOG")" 'GET /index' "-q silences the request log"
done_testing
