#!/bin/bash
# 73-step.t - the stepper (step.c) with curl: the command line (-S PORT,
# --step[=PORT], mistakes refused), the loop really waits for a step,
# each POST /step/next runs exactly the iterations asked for and answers
# with the last one's record, the guards (control port only, X-Stepper
# header, n bounds), and a default server has no stepper at all; then the
# record's edges (tests/step_edges.py).  The loopback-only rule is a unit
# test (tests/72-unit-exhibit.t): from here every peer is loopback.
. "$(dirname "$0")/lib.sh"

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
step() { curl -s --max-time 5 -X POST -H 'X-Stepper: step' "$CBASE/step/next${1:-}"; }

# ---- the command line ----
like "$("$SERVER" -h)" '-S PORT, --step\[=PORT\]' "-h documents -S / --step"
"$SERVER" -q -p 0 -S nope -r www 2>"$T_TMP/e1"; is "$?" 2 "-S with a bad port: exit 2"
like "$(cat "$T_TMP/e1")" 'bad -S \(--step\) port' "... saying so"
"$SERVER" -q -p 0 --stepper -r www 2>/dev/null; is "$?" 2 "an unknown long option: exit 2"
"$SERVER" -q -p 0 --article-mode=yes -r www 2>/dev/null; is "$?" 2 "--article-mode takes no value: exit 2"
# --step alone is port 3100: the server either listens there or cannot
# (another program has it); either way it says so, naming 3100.
"$SERVER" -q -p 0 -N --step -r www 2>"$T_TMP/e2" &
spid=$!
i=0
while ! grep -qE 'stepper on|cannot listen' "$T_TMP/e2" && kill -0 "$spid" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
like "$(cat "$T_TMP/e2")" '(stepper on http://127\.0\.0\.1:3100/|cannot listen on 127\.0\.0\.1:3100: )' \
    "--step alone means port 3100 (STEP_DEFAULT_PORT)"

# ---- a default server: no stepper ----
start_server -q -p 0
unlike "$(cat "$SERVER_LOG")" 'stepper' "default: no stepper port"
is "$(code "$BASE/step/state")" 404 "default: /step/state is 404"
is "$(code -X POST -H 'X-Stepper: step' "$BASE/step/next")" 404 "default: /step/next is 404"
stop_server

# ---- --step=0 ----
start_server -q -p 0 --step=0
CPORT=$(sed -n 's|^stepper on http://127\.0\.0\.1:\([0-9]*\)/stepper\.html.*|\1|p' "$SERVER_LOG")
ok $([ -n "$CPORT" ] && [ "$CPORT" != "$PORT" ] && echo 0 || echo 1) "the stepper listens on a port of its own ($CPORT)"
CBASE="http://127.0.0.1:$CPORT"
st=$(curl -s --max-time 5 "$CBASE/step/state")
is "$(printf '%s' "$st" | jq -c '[.stepping, .data_ports, .iteration]')" "[true,[$PORT],0]" "/step/state: stepping, the data port, no iteration yet"
is "$(code "$CBASE/stepper.html")" 200 "the control port serves the stepper page"
is "$(code "$CBASE/hub")" 404 "the control port serves no technique (/hub is 404 there)"
is "$(code -X POST --data x "$CBASE/publish")" 405 "... nor /publish (a static path there: 405)"

# The data plane does not move without a step.
curl -s --max-time 1.5 -o "$T_TMP/s1" -w '%{http_code}' "$BASE/stats" >"$T_TMP/c1"
is "$(cat "$T_TMP/c1")" 000 "a data-port request gets no answer while nobody steps"
is "$(code "$BASE/step/state")" 000 "(nor does /step/ on the data port: it waits its turn too)"
is "$(curl -s "$CBASE/step/state" | jq .iteration)" 0 "no iteration ran"

# A request, stepped through.
curl -s --max-time 5 "$BASE/stats" >"$T_TMP/s2" &
cpid=$!
sleep 0.3
r1=$(step)
is "$(printf '%s' "$r1" | jq .iteration)" 1 "POST /step/next runs one iteration and answers its record"
like "$(printf '%s' "$r1" | jq -r '.notes[].text')" "accepted fd [0-9]+ on port $PORT" "iteration 1: the connection is accepted"
like "$(printf '%s' "$r1" | jq -c '.fds[]')" "\"role\":\"listener :$PORT\",\"r\":1,\"w\":0,\"ready_r\":1" "iteration 1: the listener was in rfds and ready"
fd=$(printf '%s' "$r1" | jq -r '.notes[].text' | sed -n 's/^accepted fd \([0-9]*\) .*/\1/p' | tail -n 1)
r2=$(step)
like "$(printf '%s' "$r2" | jq -c ".fds[] | select(.fd == $fd)")" '"role":"http","r":1,"w":0,"ready_r":1' "iteration 2: fd $fd is in rfds and ready"
like "$(printf '%s' "$r2" | jq -r '.notes[].text')" "read [0-9]+ bytes on fd $fd \\(http\\)" "iteration 2: its request is read"
like "$(printf '%s' "$r2" | jq -r '.notes[].text')" "wrote [0-9]+ bytes to fd $fd \\(http\\)" "iteration 2: its answer is written"
wait $cpid
like "$(cat "$T_TMP/s2")" '"connections"' "the data-port client got its answer"
r3=$(step '?n=5')
is "$(printf '%s' "$r3" | jq .iteration)" 7 "?n=5 runs five more and answers the last"
is "$(curl -s "$CBASE/step/state" | jq .iteration)" 7 "GET /step/state runs none"

# Guards.
is "$(code -X POST "$CBASE/step/next")" 403 "POST /step/next without X-Stepper: 403"
like "$(curl -s -X POST "$CBASE/step/next")" 'X-Stepper: step' "... saying what is missing"
for n in 0 101 abc -1 '%zz'; do
    is "$(code -X POST -H 'X-Stepper: step' "$CBASE/step/next?n=$n")" 400 "n=$n: 400"
done
is "$(curl -s "$CBASE/step/state" | jq .iteration)" 7 "refused steps ran nothing"
is "$(code -X GET "$CBASE/step/next")" 405 "GET /step/next: 405"

# After the refusals, stepping goes on as before.
step '?n=1' >/dev/null
is "$(curl -s "$CBASE/step/state" | jq .iteration)" 8 "and the loop keeps stepping"

# A held POST /step/next is a connection of its own kind in /stats: the
# data-port /stats answered during the steps sees it as held_step (it was
# counted as a held long poll).
curl -s --max-time 5 "$BASE/stats" >"$T_TMP/s3" &
cpid=$!
sleep 0.3
step '?n=3' >/dev/null
wait $cpid
is "$(jq -c '[.connections.held_step, .connections.held_poll]' "$T_TMP/s3")" "[1,0]" \
   "/stats during a step: the waiting POST /step/next is held_step, not held_poll"
is "$(curl -s "$CBASE/step/state" | jq .iteration)" 11 "(three iterations ran)"

# ---- the record's edges (tests/step_edges.py): a timeout in a step, a
# drop, the listing limits, a fifth waiter ----
stop_server
start_server -q -p 0 -p 0 --step=0 -T 100 -N
CPORT=$(sed -n 's|^stepper on http://127\.0\.0\.1:\([0-9]*\)/stepper\.html.*|\1|p' "$SERVER_LOG")
run_python_tap tests/step_edges.py "$PORT" "$PORT2" "$CPORT" "$SERVER_PID" 100
done_testing
