#!/usr/bin/env bash
# POST /publish and GET /stats: the hub's front door and its gauges.
. "$(dirname "$0")/lib.sh"
start_server

r=$(curl -s -i --data-binary 'hello, 世界' "$BASE/publish")
is "$(status_of "$r")" 200 "publishing UTF-8 text -> 200"
like "$r" 'Content-Type: application/json' "the answer is JSON"
like "$r" 'Access-Control-Allow-Origin: \*' "pages on any port may publish (CORS)"
id1=$(printf '%s' "$r" | tail -n 1 | jq -r .id)
id2=$(curl -s --data-binary 'second' "$BASE/publish" | jq -r .id)
ok "$([ "$id2" -gt "$id1" ] && echo 0 || echo 1)" "ids increase ($id1 then $id2)"
like "$(curl -s "$BASE/stats")" '"last_id":'"$id2" "/stats knows the newest id"

r=$(printf '\xff\xfe bad' | curl -s -i --data-binary @- "$BASE/publish")
is "$(status_of "$r")" 400 "invalid UTF-8 -> 400"
like "$r" "not valid UTF-8" "and says so"
r=$(printf '\xed\xa0\x80' | curl -s -i --data-binary @- "$BASE/publish")
is "$(status_of "$r")" 400 "a UTF-8-encoded surrogate -> 400"
r=$(curl -s -i -X POST "$BASE/publish")
is "$(status_of "$r")" 400 "an empty message -> 400"
head -c 16384 /dev/zero | tr '\0' 'm' >"$T_TMP/max"
head -c 16385 /dev/zero | tr '\0' 'm' >"$T_TMP/over"
is "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T_TMP/max" "$BASE/publish")" 200 "a 16384-byte message is accepted"
is "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T_TMP/over" "$BASE/publish")" 413 "a 16385-byte message -> 413"
last_before=$(stat .last_id)
curl -s -o /dev/null --data-binary @"$T_TMP/over" "$BASE/publish"
ok "$([ "$(stat .last_id)" -le "$((last_before + 1))" ] && echo 0 || echo 1)" "a refused message publishes nothing"

# The clock: a "time" event every second.
a=$(stat .last_id); sleep 2.2; b=$(stat .last_id)
ok "$([ $((b - a)) -ge 2 ] && [ $((b - a)) -le 3 ] && echo 0 || echo 1)" "about one time event a second ($a -> $b)"

s=$(curl -s "$BASE/stats")
for k in .connections.http .connections.held_poll .connections.forever_frame .connections.websocket \
         .connections.sse .events_published .techniques.short_poll.requests .techniques.long_poll.bytes \
         .techniques.iframe_poll.requests .techniques.jsonp_poll.requests .techniques.forever_frame.bytes \
         .techniques.websocket.bytes .techniques.sse.bytes .refused; do
    like "$(printf '%s' "$s" | jq -r "$k")" '^[0-9]+$' "/stats has $k"
done
# Requests and bytes are counted under the technique that answered them.
before=$(stat .techniques.short_poll.bytes)
n=$(curl -s "$BASE/poll?after=0" | wc -c)
after=$(stat .techniques.short_poll.bytes)
ok "$([ $((after - before)) -gt "$n" ] && echo 0 || echo 1)" "a short poll's answer counts under short_poll bytes ($before -> $after, body $n)"
is "$(stat .techniques.short_poll.requests)" 1 "and as one short_poll request"
like "$(curl -s -i "$BASE/stats")" 'Access-Control-Allow-Origin: \*' "/stats allows other ports' pages"
is "$(curl -s -o /dev/null -w '%{http_code}' -I "$BASE/stats")" 200 "HEAD /stats -> 200"
done_testing
