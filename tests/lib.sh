# tests/lib.sh - the one shared helper of the shell tests: start and stop
# our server, and TAP assertions.  Source it from a tests/*.t script:
#
#   . "$(dirname "$0")/lib.sh"
#   start_server                 # ./server -q -p 0 -p 0 -p 0 on free ports
#   is "$(curl -s "$BASE/stats" | jq -r .events_published)" 0 "no events yet"
#   done_testing
#
# The server under test is $SERVER (default ./server; `make test-san`
# passes the sanitizer build), run under $SERVER_WRAPPER if set (several
# words allowed: `make test-valgrind` sets it to a valgrind command).  Each script starts its own on ports the
# kernel picks, reads them from the "listening on" lines, and stops it by
# PID when the script exits.  A server that died during the test (a
# crash, a sanitizer report) fails the script.

set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
SERVER=${SERVER:-./server}
SERVER_WRAPPER=${SERVER_WRAPPER:-}
BUILD=${BUILD:-build}
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rt-test.XXXXXX")
_tap_n=0
_tap_failed=0
SERVER_PID= SERVER_ARGS=
PORT= PORT2= PORT3= BASE= STEP_PORT= STEP_BASE=
# The engines a browser test runs in, one after the other (the Makefile
# passes BROWSERS; tests/browser/lib.mjs knows the names).
BROWSERS=${BROWSERS:-chromium firefox}

ok() {    # ok STATUS DESCRIPTION  (STATUS 0 means pass, as in shell)
    _tap_n=$((_tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $_tap_n - $2"
    else
        _tap_failed=$((_tap_failed + 1))
        echo "not ok $_tap_n - $2"
    fi
}

diag() { printf '# %s\n' "$*"; }

is() {    # is GOT EXPECTED DESCRIPTION
    if [ "$1" = "$2" ]; then ok 0 "$3"; else
        ok 1 "$3"
        diag "got:      '$1'"
        diag "expected: '$2'"
    fi
}

like() {  # like GOT EXTENDED-REGEX DESCRIPTION
    if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
        ok 1 "$3"
        diag "got:      '$(printf '%s' "$1" | head -c 600)'"
        diag "expected to match: $2"
    fi
}

unlike() { # unlike GOT EXTENDED-REGEX DESCRIPTION
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        ok 1 "$3"
        diag "got:      '$(printf '%s' "$1" | head -c 600)'"
        diag "expected not to match: $2"
    else ok 0 "$3"; fi
}

# Start the server.  Arguments replace the default "-q -p 0 -p 0 -p 0";
# "-r www" is added unless given.  Sets SERVER_PID, PORT, PORT2, PORT3
# and BASE (http://127.0.0.1:$PORT), and STEP_BASE (the stepper's
# control URL) when the server runs with -S.  run_node_tap starts it
# again with the same arguments for each engine after the first.
start_server() {
    local args="$*"
    SERVER_ARGS=$args
    [ -n "$args" ] || args="-q -p 0 -p 0 -p 0"
    case " $args " in *" -r "*) ;; *) args="$args -r www" ;; esac
    SERVER_LOG="$T_TMP/server.log"
    # shellcheck disable=SC2086
    $SERVER_WRAPPER "$SERVER" $args 2>"$SERVER_LOG" &
    SERVER_PID=$!
    # 10 s to say "listening on", stretched by TIME_SCALE (make
    # test-valgrind sets 3: valgrind's start-up is slow on a busy machine).
    local i=0 tries=$((200 * ${TIME_SCALE:-1}))
    while [ $i -lt $tries ]; do
        if grep -q '^listening on' "$SERVER_LOG" 2>/dev/null; then break; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.05
        i=$((i + 1))
    done
    sleep 0.05
    local ports
    ports=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$SERVER_LOG")
    PORT=$(echo "$ports" | sed -n 1p)
    PORT2=$(echo "$ports" | sed -n 2p)
    PORT3=$(echo "$ports" | sed -n 3p)
    BASE="http://127.0.0.1:$PORT"
    STEP_PORT=$(sed -n 's|^stepper on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$SERVER_LOG")
    STEP_BASE=${STEP_PORT:+http://127.0.0.1:$STEP_PORT}
    if [ -z "$PORT" ]; then
        echo "Bail out! server did not start: $(cat "$SERVER_LOG")"
        exit 1
    fi
}

# The server's resident memory in kB (VmRSS from /proc), or 0.
server_rss_kb() {
    awk '/^VmRSS:/ {print $2; found=1} END {if (!found) print 0}' \
        "/proc/$SERVER_PID/status" 2>/dev/null || echo 0
}

# 0 if the server's RSS measures its own memory: the plain build, not
# under valgrind (SERVER_WRAPPER) nor AddressSanitizer, whose allocators
# add tens of MB and keep freed memory.  RSS bounds assert only then.
server_rss_is_own() {
    [ -z "$SERVER_WRAPPER" ] \
        && ! grep -q asan "/proc/$SERVER_PID/maps" 2>/dev/null \
        && ! grep -qa __asan_init "$SERVER" 2>/dev/null
}

# The number of descriptors the server has open, or 0.
server_fd_count() {
    ls "/proc/$SERVER_PID/fd" 2>/dev/null | wc -l
}

# 0 if the server we started is still running.
server_alive() { kill -0 "$SERVER_PID" 2>/dev/null; }

# Stop the server with SIGTERM and wait (at most 5 s) for it to exit.
# Sets SERVER_STATUS to its exit status.
stop_server() {
    SERVER_STATUS=
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    local i=0
    while kill -0 "$SERVER_PID" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null
        SERVER_STATUS=killed
    else
        wait "$SERVER_PID" 2>/dev/null
        SERVER_STATUS=$?
    fi
    SERVER_PID=
}

# A number from /stats, by a jq path: stat .connections.sse
stat() { curl -s --max-time 5 "$BASE/stats" | jq -r "$1"; }

# Wait (at most $3 seconds, default 5) until `stat PATH` prints VALUE.
wait_stat() {
    local path=$1 want=$2 limit=${3:-5} i=0 got=
    while [ $i -lt $((limit * 20)) ]; do
        got=$(stat "$path")
        [ "$got" = "$want" ] && return 0
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

# Send raw bytes (printf format) to a port, half-close (nc -N), and print
# the reply until the server closes, or at most $3 seconds (default 3).
raw() {   # raw PORT PRINTF-FORMAT [SECONDS]
    printf "$2" | timeout "${3:-3}" nc -N 127.0.0.1 "$1" 2>/dev/null
}

# The status code of a raw reply (first line).
status_of() { printf '%s' "$1" | head -n 1 | awk '{print $2}' | tr -d '\r'; }

# How many bytes of a raw reply follow its head (the first empty line).
body_bytes_of() { printf '%s' "$1" | sed -n '/^\r$/,$p' | tail -n +2 | wc -c; }

# HEAD on an endless stream (RFC 9110 section 9.3.2): 200 with GET's
# Content-Type, no body, and the server closes the connection by itself:
# nc keeps its side open (no -N, unlike raw), so it returns before its
# 3 s timeout only if the server closes.  Four assertions.
head_of_stream() {   # head_of_stream PATH CONTENT-TYPE
    local reply rc
    reply=$(printf "HEAD $1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" | timeout 3 nc 127.0.0.1 "$PORT" 2>/dev/null)
    rc=$?
    is "$(status_of "$reply")" 200 "HEAD $1 -> 200"
    like "$reply" "Content-Type: $2"$'\r' "... with GET's Content-Type"
    is "$(body_bytes_of "$reply")" 0 "... and no body"
    is "$rc" 0 "... and the server closed the connection (nc did not time out)"
}

_finish() {
    local rc=$?
    if [ -n "$SERVER_PID" ]; then
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            _tap_n=$((_tap_n + 1))
            echo "not ok $_tap_n - server was still running at the end"
            _tap_failed=$((_tap_failed + 1))
            diag "$(tail -n 30 "$SERVER_LOG" 2>/dev/null)"
        else
            stop_server
            case "$SERVER_STATUS" in
            0) ;;
            *) _tap_n=$((_tap_n + 1))
               echo "not ok $_tap_n - server exited cleanly on SIGTERM (status $SERVER_STATUS)"
               _tap_failed=$((_tap_failed + 1))
               diag "$(tail -n 30 "$SERVER_LOG" 2>/dev/null)" ;;
            esac
        fi
    fi
    if [ "$_tap_n" -eq 0 ]; then   # a script that asserted nothing has failed
        _tap_n=1
        _tap_failed=$((_tap_failed + 1))
        echo "not ok 1 - the script ran no assertion"
    fi
    echo "1..$_tap_n"
    rm -rf "$T_TMP"
    if [ "$_tap_failed" -ne 0 ]; then exit 1; fi
    exit $rc
}
trap _finish EXIT

# End of the script's assertions (the plan is printed after the server
# has been stopped, so its exit status is asserted too).  A script that
# stops early still prints its plan, with its count so far, and fails.
done_testing() { exit 0; }

# Run a Debian-python3 script that prints TAP (the raw-socket WebSocket
# clients) and relay its ok / not ok / # lines through our counter; the
# script's own plan must come last, so a run cut short fails.
#   run_python_tap tests/ws_conformance.py "$PORT"
run_python_tap() {
    local out="$T_TMP/$(basename "$1").tap" line
    /usr/bin/python3 "$@" >"$out" 2>&1
    while IFS= read -r line; do
        case "$line" in
        "ok "*)     ok 0 "${line#ok * - }" ;;
        "not ok "*) ok 1 "${line#not ok * - }" ;;
        "#"*)       echo "$line" ;;
        esac
    done <"$out"
    like "$(tail -n 1 "$out")" '^1\.\.[0-9]+$' "$(basename "$1") ran to its plan"
}

# Run a node script that prints TAP (a browser test under tests/browser/,
# or a client test using the npm packages) and relay its results through
# our counter, so that the .t prints one plan.  BASE, PORT, PORT2, PORT3
# and STEP_BASE are exported to it.  Its own plan is checked: no plan,
# fewer or more assertions than planned, or a non-zero exit without a
# failed assertion to show for it, each add a failure.  "Bail out!" is
# passed on; other output becomes diagnostics.  NODE_TAP_TIMEOUT
# (seconds, default 120) bounds each run even if its own timeout fails.
#   run_node_tap tests/browser/index.mjs [ARGS...]
#
# A browser test (a script that imports ./lib.mjs) runs once per engine
# in BROWSERS, with BROWSER set to it, so a new browser test runs in
# every engine without a line for it.  Each engine after the first gets a
# server of its own, started again with the arguments start_server had
# (new ports): both engines begin from the same state, and the first
# server's exit status is asserted like the last one's.
run_node_tap() {
    local engine first=1
    if ! grep -Eq "from ['\"]\./lib\.mjs['\"]" "$1"; then
        _run_node_tap_once "" "$@"
        return
    fi
    for engine in $BROWSERS; do
        if [ -z "$first" ] && [ -n "$SERVER_PID" ]; then
            _restart_server_for "$engine"
        fi
        first=
        BROWSER=$engine _run_node_tap_once "$engine" "$@"
    done
}

# Stop the server (it must still be running and exit cleanly: under
# valgrind that is the leak check) and start a fresh one with the same
# arguments.
_restart_server_for() {
    if ! server_alive; then
        ok 1 "the server was still running before the $1 run"
        diag "$(tail -n 30 "$SERVER_LOG" 2>/dev/null)"
        SERVER_PID=
    else
        stop_server
        is "$SERVER_STATUS" 0 "the server exited cleanly before the $1 run"
    fi
    # shellcheck disable=SC2086
    start_server $SERVER_ARGS
}

_run_node_tap_once() {   # _run_node_tap_once ENGINE-OR-EMPTY SCRIPT [ARGS...]
    local engine=$1 script=$2 line rest plan= n=0 failures=0 rc tag=
    shift
    [ -n "$engine" ] && tag="[$engine] "
    export BASE PORT PORT2 PORT3 STEP_BASE
    while IFS= read -r line; do
        case $line in
        "ok "* | "not ok "*)
            n=$((n + 1))
            _tap_n=$((_tap_n + 1))
            rest=${line#not }
            rest=${rest#ok }
            rest=${rest#"${rest%%[!0-9]*}"}         # drop the script's number
            case $line in
            "not ok "*)
                echo "not ok $_tap_n$rest"
                case $rest in
                *"# TODO"* | *"# todo"*) ;;
                *) _tap_failed=$((_tap_failed + 1)); failures=$((failures + 1)) ;;
                esac ;;
            *) echo "ok $_tap_n$rest" ;;
            esac ;;
        1..*) plan=${line#1..}; plan=${plan%%[!0-9]*} ;;
        "Bail out!"*) echo "$line"; failures=$((failures + 1)) ;;
        "#"*) echo "$line" ;;
        *) [ -n "$line" ] && diag "$line" ;;
        esac
    done < <(timeout -k 5 "${NODE_TAP_TIMEOUT:-120}" node "$@")
    wait $! 2>/dev/null
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$failures" -eq 0 ]; then
        ok 1 "$tag$script exited with status 0"
        diag "it exited with status $rc$([ "$rc" -eq 124 ] && echo ' (killed after NODE_TAP_TIMEOUT)')"
    fi
    if [ -z "$plan" ]; then
        ok 1 "$tag$script printed its plan"
    elif [ "$plan" -ne "$n" ]; then
        ok 1 "$tag$script ran the $plan tests it planned"
        diag "it ran $n"
    fi
}
