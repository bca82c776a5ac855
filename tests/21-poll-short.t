#!/bin/bash
# 21-poll-short.t - GET /poll without wait= (ARTICLE §1.1 短连接轮询):
# headers, the cursor (no loss, no duplicate across consecutive polls),
# bad queries, HEAD, keep-alive, the ring overflow notice.
. "$(dirname "$0")/lib.sh"
start_server

# A poll answer's body, by URL.
poll() { curl -s --max-time 5 "$BASE/poll?$1"; }
publish() { curl -s --max-time 5 --data-binary "$1" "$BASE/publish" | jq -r .id; }

head=$(curl -s -D - -o /dev/null "$BASE/poll")
like "$head" $'^HTTP/1.1 200' "GET /poll answers 200"
like "$head" $'Content-Type: application/json\r' "as application/json"
like "$head" $'Cache-Control: no-store\r' "Cache-Control: no-store"
like "$head" $'Access-Control-Allow-Origin: \\*\r' "CORS: any origin may read it"
like "$head" $'X-Content-Type-Options: nosniff\r' "nosniff"

wait_stat .last_id 1 || true   # the clock has published its first event
body=$(poll "")
is "$(echo "$body" | jq '.events | length')" 1 "without after=: only the newest event"
is "$(echo "$body" | jq '.events[0].id == .last')" true "... and last is its id"

# Messages only: the clock's events are skipped but move the cursor.
L=$(poll "type=message" | jq .last)
id1=$(publish "one"); id2=$(publish "two"); id3=$(publish "three")
body=$(poll "after=$L&type=message")
is "$(echo "$body" | jq -c '[.events[].data]')" '["one","two","three"]' "after=N: the three messages, in order"
is "$(echo "$body" | jq -c '[.events[].id]')" "[$id1,$id2,$id3]" "... with their ids"
is "$(echo "$body" | jq -c '[.events[].type] | unique')" '["message"]' "type=message leaves the clock out"
ok $([ "$(echo "$body" | jq .last)" -ge "$id3" ]; echo $?) "last is at least the newest message id"
is "$(poll "after=$id3&type=message" | jq '.events | length')" 0 "after the newest message: nothing"

# Consecutive polls with every type: each id exactly once, none skipped.
cursor=$(poll "" | jq .last)
start=$cursor
: > "$T_TMP/ids"
for round in 1 2 3 4 5 6 7 8; do
    for _ in $(seq $((round % 3))); do publish "r$round" >/dev/null; done
    body=$(poll "after=$cursor")
    echo "$body" | jq '.events[].id' >> "$T_TMP/ids"
    cursor=$(echo "$body" | jq .last)
    sleep 0.2
done
n=$(wc -l < "$T_TMP/ids")
is "$(sort -n "$T_TMP/ids" | uniq -d | wc -l)" 0 "8 consecutive polls: no id twice ($n events)"
is "$(sort -n "$T_TMP/ids" | tr '\n' ' ')" "$(seq $((start + 1)) "$cursor" | tr '\n' ' ')" "... and none skipped: ids $((start + 1))..$cursor"
ok $([ "$(grep -c . "$T_TMP/ids")" -ge 10 ]; echo $?) "... including the 10 published messages"

# Bad queries: a clear 400, the connection and other clients unaffected.
for q in "after=abc" "after=-1" "after=" "after=1.5" "wait=soon" "type=chat" "after=%zz" "after=99999999999999999999999"; do
    r=$(curl -s -w '\n%{http_code}' "$BASE/poll?$q")
    is "$(echo "$r" | tail -n 1)" 400 "?$q is refused with 400"
done
like "$(curl -s "$BASE/poll?after=abc")" '^400 Bad Request: after must be an event id' "the 400 says what is wrong"
out=$(curl -s -w '%{http_code} %{num_connects}\n' -o /dev/null "$BASE/poll?after=abc" -o /dev/null "$BASE/poll?after=1")
is "$(echo $out)" "400 1 200 0" "after a 400 the same keep-alive connection answers the next poll"
is "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/poll")" 200 "another client is unaffected"

# A cursor from the future (a client of an earlier server run).
body=$(poll "after=1000000")
is "$(echo "$body" | jq .reset)" true "a cursor newer than every event: reset:true"
is "$(echo "$body" | jq '.events | length')" 1 "... with the newest event, like a fresh client"

# HEAD: the headers of the answer, no body, no holding.
r=$(curl -s -I --max-time 5 -w '%{time_total}' "$BASE/poll?after=$(poll '' | jq .last)&wait=10")
like "$r" $'^HTTP/1.1 200' "HEAD /poll answers 200"
like "$r" $'Content-Length: [0-9]+' "... with the Content-Length of the GET"
ok $(awk "BEGIN{exit !($(echo "$r" | tail -n 1) < 1)}"; echo $?) "HEAD with wait= is answered at once"

# Keep-alive: several polls on one connection.
out=$(curl -s -w '%{num_connects}\n' -o /dev/null "$BASE/poll" -o /dev/null "$BASE/poll?after=1" \
      -o /dev/null "$BASE/poll?after=2&type=message")
is "$(echo $out)" "1 0 0" "three polls, one connection (keep-alive)"

before=$(stat .techniques.short_poll.requests)
poll "" >/dev/null; poll "after=0" >/dev/null
is "$(stat .techniques.short_poll.requests)" $((before + 2)) "/stats counts short polls"

# The ring overflow: publish more than the ring holds (one keep-alive
# connection, HUB_RING_SIZE + 100 POSTs), then poll from before them.
ring=1024
L=$(poll "" | jq .last)
{
    echo 'silent'
    echo 'data = "m"'
    for _ in $(seq $((ring + 100))); do echo "url = \"$BASE/publish\""; echo 'output = "/dev/null"'; done
} > "$T_TMP/many.cfg"
curl -K "$T_TMP/many.cfg" --max-time 60
body=$(poll "after=$L")
missed=$(echo "$body" | jq '.missed // 0')
count=$(echo "$body" | jq '.events | length')
last=$(echo "$body" | jq .last)
ok $([ "$missed" -ge 100 ]; echo $?) "after $((ring + 100)) publishes the answer says missed:$missed"
is "$count" "$ring" "... and carries the whole ring ($ring events)"
is "$((count + missed))" "$((last - L))" "missed + delivered = every event after the cursor"
is "$(echo "$body" | jq '.events[0].id')" "$((L + missed + 1))" "... starting with the oldest still held"

done_testing
