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
SERVER_PID=
PORT= PORT2= PORT3= BASE=

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
# and BASE (http://127.0.0.1:$PORT).
start_server() {
    local args="$*"
    [ -n "$args" ] || args="-q -p 0 -p 0 -p 0"
    case " $args " in *" -r "*) ;; *) args="$args -r www" ;; esac
    SERVER_LOG="$T_TMP/server.log"
    # shellcheck disable=SC2086
    $SERVER_WRAPPER "$SERVER" $args 2>"$SERVER_LOG" &
    SERVER_PID=$!
    local i=0
    while [ $i -lt 200 ]; do
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

# Send raw bytes (printf format) to a port and print the reply; closes
# after $3 seconds (default 2) or when the server closes.
raw() {   # raw PORT PRINTF-FORMAT [SECONDS]
    printf "$2" | timeout "${3:-2}" nc -q "${3:-2}" 127.0.0.1 "$1" 2>/dev/null
}

# The status code of a raw reply (first line).
status_of() { printf '%s' "$1" | head -n 1 | awk '{print $2}' | tr -d '\r'; }

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
    if [ -n "${_tap_done:-}" ]; then echo "1..$_tap_n"; fi
    rm -rf "$T_TMP"
    if [ "$_tap_failed" -ne 0 ]; then exit 1; fi
    exit $rc
}
trap _finish EXIT

# End of the script's assertions (the plan is printed after the server
# has been stopped, so its exit status is asserted too).
done_testing() { _tap_done=1; exit 0; }
