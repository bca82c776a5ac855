#!/bin/bash
# 25-poll-task.t - the short-polling demo's tickets (ARTICLE §1.1
# 短连接轮询, "code === '1'"): POST /poll/task makes a ticket, GET
# /poll/task?id=T answers code "0" until POST /poll/task/confirm?id=T,
# then code "1".
. "$(dirname "$0")/lib.sh"
start_server

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }

r=$(curl -s -D "$T_TMP/h" -X POST "$BASE/poll/task")
T=$(echo "$r" | jq -r .id)
like "$T" '^[0-9a-f]{16}$' "POST /poll/task: a ticket of 16 hex digits"
is "$(echo "$r" | jq -r .code)" 0 "... code \"0\" (a string, as the article compares)"
is "$(echo "$r" | jq -r .state)" waiting "... state waiting"
like "$(cat "$T_TMP/h")" $'Cache-Control: no-store\r' "... not cacheable"
T2=$(curl -s -X POST "$BASE/poll/task" | jq -r .id)
ok $([ "$T" != "$T2" ]; echo $?) "two tickets differ"

is "$(curl -s "$BASE/poll/task?id=$T" | jq -r .code)" 0 "GET ?id=T before confirming: code \"0\""
before=$(curl -s "$BASE/stats" | jq .techniques.short_poll.requests)
curl -s "$BASE/poll/task?id=$T" >/dev/null
is "$(curl -s "$BASE/stats" | jq .techniques.short_poll.requests)" $((before + 1)) "each check counts as a short poll"
r=$(curl -s -X POST "$BASE/poll/task/confirm?id=$T")
is "$(echo "$r" | jq -r .code)" 1 "POST /poll/task/confirm?id=T: code \"1\""
r=$(curl -s "$BASE/poll/task?id=$T")
is "$(echo "$r" | jq -r .code)" 1 "GET ?id=T after confirming: code \"1\""
is "$(echo "$r" | jq -r .state)" confirmed "... state confirmed"
is "$(curl -s "$BASE/poll/task?id=$T2" | jq -r .code)" 0 "the other ticket is still waiting"
is "$(curl -s -X POST "$BASE/poll/task/confirm?id=$T" | jq -r .code)" 1 "confirming twice is harmless"

is "$(code "$BASE/poll/task?id=0123456789abcdef")" 404 "an unknown ticket: 404"
is "$(curl -s "$BASE/poll/task?id=0123456789abcdef" | jq -r .code)" -1 "... code \"-1\""
is "$(code -X POST "$BASE/poll/task/confirm?id=nope")" 404 "confirming an unknown ticket: 404"
is "$(code "$BASE/poll/task")" 400 "no id: 400"
is "$(code "$BASE/poll/task?id=$(printf 'f%.0s' $(seq 300))")" 400 "an id too long to be one: 400"
is "$(code "$BASE/poll/task/confirm?id=$T")" 405 "GET on confirm: 405"
is "$(code -X DELETE "$BASE/poll/task?id=$T")" 405 "DELETE on a ticket: 405"

# The table is bounded: 64 new tickets push the oldest out.
for _ in $(seq 64); do curl -s -X POST -o /dev/null "$BASE/poll/task"; done
is "$(code "$BASE/poll/task?id=$T")" 404 "after 64 more tickets the oldest is gone (table of 64)"
ok $(server_alive; echo $?) "the server is alive"
done_testing
