#!/usr/bin/env bash
# POST /stream/reply (stream.c): the article's echo (§4.5) as an event
# stream over a POST, as chat pages read an AI's answer.  The headers and
# framing; the reply read back with the WHATWG event-stream steps is
# exactly "服务端已收到信息，您的信息是" + the message, hostile text
# included, one character a piece, paced; then the "done" event (with a
# data line, so it is dispatched).  Nothing reaches the hub.  Bad input
# (empty, invalid UTF-8, too long, wrong methods) is refused beside a
# bystander; a client that aborts mid-reply is freed at once and counted;
# shutdown finishes a reply instead of cutting it.
. "$(dirname "$0")/lib.sh"
start_server

REPLY="$BASE/stream/reply"
PREFIX='服务端已收到信息，您的信息是'
check() { python3 tests/stream_check.py "$@"; }

# ---- headers and framing -----------------------------------------------
curl -s -i --raw -N --max-time 5 --data-binary 'hi' "$REPLY" > "$T_TMP/hi.raw"
is "$?" 0 "a short reply ends by itself, cleanly (curl saw the last chunk)"
head=$(sed -n '1,/^\r$/p' "$T_TMP/hi.raw")
is "$(status_of "$head")" 200 "POST /stream/reply answers 200"
like "$head" $'Content-Type: text/event-stream\r' "Content-Type: text/event-stream (over a POST)"
like "$head" $'Cache-Control: no-store\r' "Cache-Control: no-store"
like "$head" $'Transfer-Encoding: chunked\r' "chunked"
like "$head" $'Connection: close\r' "Connection: close"
unlike "$head" "Content-Length" "no Content-Length: the length is not known in advance"
check chunks "$T_TMP/hi.raw" > "$T_TMP/hi.chunks"
is "$(grep -c '^event message {"text":".*"}$' "$T_TMP/hi.chunks")" 16 "one chunk per piece: 16 characters, each an event whose data is one JSON line"
is "$(sed -n 17p "$T_TMP/hi.chunks")" 'event done {"chars":16,"bytes":44}' "then the done event: 16 characters, 44 bytes of UTF-8"
is "$(sed -n 18p "$T_TMP/hi.chunks")" "end" "then the last chunk"
texts=$(grep '^event message ' "$T_TMP/hi.chunks" | sed 's/^event message //' | jq -j .text)
is "$texts" "${PREFIX}hi" "the pieces spell the article's echo: ${PREFIX}hi"
is "$(grep '^event message ' "$T_TMP/hi.chunks" | sed 's/^event message //' | jq -r '.text | length' | sort -u)" 1 \
    "... one character a piece"

# ---- hostile text, read with the WHATWG steps, paced ---------------------
printf '%s' $'a\nb\rc\r\nd \u2028 \u2029 "quoted" \\ </script><script>x()</script> <!-- 😀\n\ndata: forged\nevent: done' > "$T_TMP/hostile"
check timed "$REPLY" "$T_TMP/hostile" "$T_TMP/hostile.timed" 20
check sse "$T_TMP/hostile.timed" > "$T_TMP/hostile.events"
n_events=$(wc -l < "$T_TMP/hostile.events")
is "$(tail -n 1 "$T_TMP/hostile.events" | jq -r .type)" done "the last event dispatched is 'done'"
is "$(jq -r .type "$T_TMP/hostile.events" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" \
   "done=1 message=$((n_events - 1)) " "every other event is a piece (a message can forge no event type)"
{ printf '%s' "$PREFIX"; cat "$T_TMP/hostile"; } > "$T_TMP/want"
head -n -1 "$T_TMP/hostile.events" | jq -j '.data | fromjson | .text' > "$T_TMP/got"
ok $(cmp -s "$T_TMP/want" "$T_TMP/got"; echo $?) "the pieces join to exactly the prefix + the message (LF, CR, CRLF, U+2028/9, quotes, </script> kept)"
chars=$(python3 -c 'import sys; print(len(open(sys.argv[1], encoding="utf-8", newline="").read()))' "$T_TMP/want")
bytes=$(wc -c < "$T_TMP/want")
is "$(tail -n 1 "$T_TMP/hostile.events" | jq -c '.data | fromjson')" "{\"chars\":$chars,\"bytes\":$bytes}" \
   "done's data counts the characters ($chars) and bytes ($bytes) sent"
is "$((n_events - 1))" "$chars" "one piece per character"
# Paced: the server writes a piece per 30 ms tick (STREAM_REPLY_TICK_MS), so
# the last piece cannot come before (pieces - 1) x 30 ms.  A lower bound
# only: a slow machine makes it later, never earlier.
last_t=$(head -n -1 "$T_TMP/hostile.events" | tail -n 1 | jq -r .t)
min=$(( (chars - 1) * 30 ))
ok $([ "$last_t" -ge "$min" ] && echo 0 || echo 1) "the reply is paced: its last piece came after $last_t ms (at least $min)"
first_t=$(head -n 1 "$T_TMP/hostile.events" | jq -r .t)
diag "first piece after $first_t ms"

# ---- nothing reaches the hub ---------------------------------------------
found=$(curl -s "$BASE/poll?after=0&type=message" | jq -r '.events | length')
is "$found" 0 "the reply is private to its request: no message event was published"

# ---- a long message: several characters a piece, at most 400 pieces -----
head -c 16384 /dev/zero | tr '\0' 'x' > "$T_TMP/long"
curl -sN --max-time 30 --data-binary "@$T_TMP/long" "$REPLY" > "$T_TMP/long.body"
is "$?" 0 "the largest message (16384 bytes) gets its whole reply"
check sse "$T_TMP/long.body" > "$T_TMP/long.events"
n=$(grep -c '"type": "message"' "$T_TMP/long.events")
ok $([ "$n" -le 400 ] && [ "$n" -ge 390 ] && echo 0 || echo 1) "... in at most 400 pieces ($n; STREAM_REPLY_MAX_TICKS)"
is "$(tail -n 1 "$T_TMP/long.events" | jq -c '.data | fromjson')" '{"chars":16398,"bytes":16426}' "... all 16398 characters"

# ---- bad input, a bystander unaffected ------------------------------------
curl -sN --max-time 5 "$BASE/stream" > "$T_TMP/bystander" &
bystander=$!
wait_stat .connections.fetch_stream 1
reply=$(curl -s -i --max-time 2 --data-binary '' "$REPLY")
is "$(status_of "$reply")" 400 "an empty message -> 400"
like "$reply" "the message is empty" "... saying why"
reply=$(printf 'ok \xc3\x28 bad' | curl -s -i --max-time 2 --data-binary @- "$REPLY")
is "$(status_of "$reply")" 400 "invalid UTF-8 -> 400"
like "$reply" "not valid UTF-8" "... saying why"
reply=$(printf '\xed\xa0\x80' | curl -s -i --max-time 2 --data-binary @- "$REPLY")
is "$(status_of "$reply")" 400 "a UTF-16 surrogate (ED A0 80) -> 400"
head -c 16385 /dev/zero | tr '\0' 'y' > "$T_TMP/toolong"
reply=$(curl -s -i --max-time 2 --data-binary "@$T_TMP/toolong" "$REPLY")
is "$(status_of "$reply")" 413 "16385 bytes (one more than HUB_MESSAGE_MAX_BYTES) -> 413"
like "$reply" "the message is larger than 16384 bytes" "... saying why"
head -c 70000 /dev/zero | tr '\0' 'y' > "$T_TMP/huge"
reply=$(curl -s -i --max-time 2 --data-binary "@$T_TMP/huge" "$REPLY")
is "$(status_of "$reply")" 413 "70000 bytes (past the request body limit) -> 413"
reply=$(curl -s -i --max-time 2 "$REPLY")
is "$(status_of "$reply")" 405 "GET /stream/reply -> 405"
like "$reply" $'Allow: POST, OPTIONS\r' "... with Allow: POST, OPTIONS"
reply=$(curl -s -i --max-time 2 -I "$REPLY")
is "$(status_of "$reply")" 405 "HEAD /stream/reply -> 405"
reply=$(curl -s -i --max-time 2 -X PUT --data-binary x "$REPLY")
is "$(status_of "$reply")" 405 "PUT /stream/reply -> 405"
reply=$(curl -s -i --max-time 2 -X OPTIONS -H 'Origin: http://example.com' \
        -H 'Access-Control-Request-Method: POST' "$REPLY")
is "$(status_of "$reply")" 204 "OPTIONS (a CORS preflight) -> 204"
like "$reply" $'Access-Control-Allow-Methods: POST\r' "... allowing POST"
is "$(stat .connections.stream_reply)" 0 "the refused requests left no reply behind"
wait "$bystander"
n=$(grep -c '"type":"time"' "$T_TMP/bystander")
ok $([ "$n" -ge 3 ] && echo 0 || echo 1) "a stream open meanwhile was not disturbed ($n clock events)"

# ---- a client that aborts mid-reply is freed at once ------------------------
head -c 300 /dev/zero | tr '\0' 'z' > "$T_TMP/300"
before=$(stat '.dropped.peer_closed // 0')
curl -sN --max-time 30 --data-binary "@$T_TMP/300" "$REPLY" > "$T_TMP/aborted" &
leaver=$!
wait_stat .connections.stream_reply 1
ok $? "a reply of 314 characters (about 9 s) is under way: connections.stream_reply 1"
sleep 0.5
kill "$leaver"
wait "$leaver" 2>/dev/null
wait_stat .connections.stream_reply 0 2
ok $? "the client went away: connections.stream_reply back to 0 within 2 s"
is "$(stat '.dropped.peer_closed // 0')" "$((before + 1))" "counted as dropped.peer_closed"
is "$(stat .last_drop.technique)" stream_reply "last_drop names stream_reply"
bytes=$(stat .techniques.stream_reply.bytes)
sleep 0.5
is "$(stat .techniques.stream_reply.bytes)" "$bytes" "nothing more is written for it (its timer is gone)"
got=$(grep -c '^data: ' "$T_TMP/aborted")
ok $([ "$got" -ge 3 ] && [ "$got" -lt 300 ] && echo 0 || echo 1) "it had received part of the reply ($got pieces)"

# ---- the counters --------------------------------------------------------
is "$(stat .techniques.stream_reply.requests)" 8 "requests are counted under stream_reply: 4 replies and the handler's 4 refusals (not the 405s, nor the body past the parser's limit)"
is "$(stat .techniques.stream_reply.deliveries)" 3 "deliveries: one per reply finished (3; not the aborted one)"
like "$(curl -s "$BASE/wire?tech=stream_reply" | jq -r .base64 | base64 -d | tr -d '\0')" 'event: done' "GET /wire?tech=stream_reply holds its bytes"

# ---- shutdown finishes a reply rather than cutting it ------------------------
curl -sN --max-time 10 --data-binary "@$T_TMP/300" "$REPLY" > "$T_TMP/shutdown" &
reader=$!
wait_stat .connections.stream_reply 1
sleep 0.3
stop_server
is "$SERVER_STATUS" 0 "the server exits cleanly on SIGTERM with a reply under way"
wait "$reader"
is "$?" 0 "the reply ended with the last chunk (not a cut)"
check sse "$T_TMP/shutdown" > "$T_TMP/shutdown.events"
is "$(tail -n 1 "$T_TMP/shutdown.events" | jq -c '.data | fromjson')" '{"chars":314,"bytes":342}' \
   "... the rest of it sent at once, then done"

done_testing
