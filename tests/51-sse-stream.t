#!/usr/bin/env bash
# GET /sseStream (sse.c, ARTICLE §5.3) seen through curl -N: the headers,
# the field syntax, retry, the testEvent that fires, one event per hub
# event with its id, hostile messages kept inside data lines, resuming
# with Last-Event-ID (header or ?lastEventId=) with no gap and no
# duplicate, the notice when the ring was overtaken, bad cursors, ending
# after ?closeAfter=N, clean-up when a client leaves, a stuck reader
# dropped as a slow consumer while others carry on, and the last chunk
# at shutdown; then the edges (tests/sse_edges.py): HTTP/1.0, two events
# in one turn after ?closeAfter, an event published mid-replay.
. "$(dirname "$0")/lib.sh"
start_server

SSE="$BASE/sseStream"

# publish TEXT -> prints the id the server gave it
publish() {
    curl -s --max-time 5 --data-binary "$1" "$BASE/publish" | jq -r .id
}

# publish_many COUNT PREFIX: COUNT messages over one keep-alive connection
publish_many() {
    local i cfg="$T_TMP/publish.cfg"
    : > "$cfg"
    for i in $(seq 1 "$1"); do
        [ "$i" -gt 1 ] && echo next >> "$cfg"
        printf 'url = "%s/publish"\ndata = "%s%d"\n' "$BASE" "$2" "$i" >> "$cfg"
    done
    curl -s --max-time 30 -K "$cfg" > /dev/null
}

# ids FILE: the id lines' values, in order
ids() { sed -n 's/^id: //p' "$1"; }

# consecutive: stdin holds numbers; 0 if each is the previous plus one
consecutive() { awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }'; }

# ---- headers --------------------------------------------------------
head_and_body=$(curl -sN -i --max-time 2.5 "$SSE")
headers=$(printf '%s' "$head_and_body" | sed '/^\r$/q')
is "$(status_of "$headers")" 200 "GET /sseStream answers 200"
like "$headers" $'Content-Type: text/event-stream\r' "Content-Type is exactly text/event-stream"
like "$headers" $'Cache-Control: no-cache\r' "Cache-Control: no-cache"
like "$headers" $'Access-Control-Allow-Origin: \\*\r' "CORS lets a page on another port read it"
like "$headers" $'X-Accel-Buffering: no\r' "proxies are asked not to buffer"
like "$headers" $'Transfer-Encoding: chunked\r' "chunked on HTTP/1.1"
# Regression: without it, node's fetch pooled the socket of a stream that
# ?closeAfter ended and sent the next request into our close ("other side
# closed", seen in tests/54 under load).
like "$headers" $'Connection: close\r' "Connection: close: the stream is the last response on its connection"
unlike "$headers" "Content-Length" "no Content-Length on an endless response"

# ---- the body -------------------------------------------------------
curl -sN --max-time 2.5 "$SSE" > "$T_TMP/body"
is "$(head -n 1 "$T_TMP/body")" "retry: 3000" "retry: comes first"
is "$(sed -n 2p "$T_TMP/body")" "" "... as a block of its own"
is "$(sed -n 3p "$T_TMP/body")" "event: testEvent" "then the article's custom event"
like "$(sed -n 4p "$T_TMP/body")" '^id: [0-9]+$' "testEvent's id is a number (the resume cursor)"
like "$(sed -n 5p "$T_TMP/body")" '^data: connected: live events after id [0-9]+ follow$' \
    "testEvent carries data, so it is dispatched"
unlike "$(cat "$T_TMP/body")" $'\r' "the body has no CR: every line ends in LF"
bad_lines=$(grep -Ev '^$|^(retry|event|id|data): ' "$T_TMP/body" | head -3)
is "$bad_lines" "" "every line is a field 'name: value' or blank"
n_time=$(grep -Ec '^data: [0-9]{2}:[0-9]{2}:[0-9]{2}$' "$T_TMP/body")
ok $([ "$n_time" -ge 2 ] && echo 0 || echo 1) "the clock arrives each second ($n_time in 2.5 s)"
cursor=$(sed -n 4p "$T_TMP/body" | sed 's/^id: //')
first_live=$(ids "$T_TMP/body" | sed -n 2p)
is "$first_live" "$((cursor + 1))" "the first live id follows testEvent's cursor"
ok $(ids "$T_TMP/body" | tail -n +2 | consecutive; echo $?) "live ids have no gap"
unlike "$(cat "$T_TMP/body")" '^event: (time|message)' "hub events use the default type (message)"

# ---- hostile and multi-line messages --------------------------------
curl -sN --max-time 3 "$SSE" > "$T_TMP/hostile" &
reader=$!
wait_stat .connections.sse 1
ok $? "the stream shows in /stats connections.sse"
id_crlf=$(publish $'one\r\ntwo\rthree\nfour')
id_evil=$(publish $'x\n\nid: 999\nevent: evil\nretry: 1\ndata: forged\n\n:')
id_space=$(publish ' leading space')
id_blank=$(publish $'\n')
wait "$reader"
body=$(cat "$T_TMP/hostile")
like "$body" "id: $id_crlf"$'\n'"data: one"$'\n'"data: two"$'\n'"data: three"$'\n'"data: four"$'\n\n' \
    "CRLF, CR and LF each start a new data line"
like "$body" "id: $id_evil"$'\n'"data: x"$'\n'"data: "$'\n'"data: id: 999"$'\n'"data: event: evil"$'\n'"data: retry: 1"$'\n'"data: data: forged"$'\n'"data: "$'\n'"data: :"$'\n\n' \
    "a message cannot forge an id, an event, a retry or a dispatch"
is "$(grep -Ec '^(id: 999|event: evil|retry: 1)$' "$T_TMP/hostile")" 0 "no forged field reached the stream"
like "$body" "id: $id_space"$'\n'"data:  leading space"$'\n' "a leading space survives (data: + space)"
like "$body" "id: $id_blank"$'\n'"data: "$'\n'"data: "$'\n\n' "a lone LF is two empty data lines"
unlike "$body" $'\r' "no CR reached the stream"

# ---- resume ---------------------------------------------------------
a=$(publish resume-a)
b=$(publish resume-b)
c=$(publish resume-c)
curl -sN --max-time 1.5 -H "Last-Event-ID: $a" "$SSE" > "$T_TMP/resume"
like "$(sed -n 4,5p "$T_TMP/resume")" "^id: $a"$'\n'"data: resumed after id $a: " \
    "testEvent says where it resumes; its id is the client's cursor"
is "$(ids "$T_TMP/resume" | sed -n 2p)" "$b" "Last-Event-ID: the first event after the cursor comes first"
like "$(cat "$T_TMP/resume")" "id: $c"$'\n'"data: resume-c" "... and the next one"
ok $(ids "$T_TMP/resume" | tail -n +2 | consecutive; echo $?) "replay then live: no gap"
is "$(ids "$T_TMP/resume" | tail -n +2 | sort | uniq -d)" "" "... and no duplicate"

curl -sN --max-time 1 "$SSE?lastEventId=$b" > "$T_TMP/resume-q"
now_id=$(stat .last_id)
curl -sN --max-time 1 -H "Last-Event-ID: $now_id" "$SSE" > "$T_TMP/resume-now"
like "$(sed -n 5p "$T_TMP/resume-now")" "^data: resumed after id $now_id: [01] events follow, then live$" \
    "a client that missed nothing (or a clock tick) is told so"
is "$(ids "$T_TMP/resume-q" | sed -n 2p)" "$c" "?lastEventId= resumes too (clients that cannot set headers)"
curl -sN --max-time 1 -H "Last-Event-ID: $b" "$SSE?lastEventId=$a" > "$T_TMP/resume-both"
is "$(ids "$T_TMP/resume-both" | sed -n 2p)" "$c" \
    "the header wins over the URL's parameter (the browser's reconnect sends the newer one)"
curl -sN --max-time 1 -H "Last-Event-ID: 999999999" "$SSE" > "$T_TMP/future"
like "$(sed -n 5p "$T_TMP/future")" "^data: id 999999999 is newer than this server's events \(an earlier run\?\): live events after id [0-9]+ follow$" \
    "a cursor from the future (an earlier server run) starts live"
future_cursor=$(ids "$T_TMP/future" | head -n 1)
ok $([ "$future_cursor" -lt 999999999 ] && echo 0 || echo 1) "... and testEvent's id brings the client back to our ids"

# ---- bad cursors ----------------------------------------------------
curl -sN --max-time 3 "$SSE" > "$T_TMP/bystander" &
bystander=$!
wait_stat .connections.sse 1
curl -sN --max-time 1 -H "Last-Event-ID: testId" "$SSE" > "$T_TMP/badhdr"
like "$(sed -n 5p "$T_TMP/badhdr")" "^data: Last-Event-ID is not an id of this server: ignored" \
    "a non-numeric Last-Event-ID (the article's testId) is ignored and said so"
like "$(cat "$T_TMP/badhdr")" $'\nid: [0-9]+\ndata: [0-9:]{8}\n' "... and the stream goes on live"
reply=$(curl -s -i --max-time 2 "$SSE?lastEventId=abc")
is "$(status_of "$reply")" 400 "?lastEventId=abc -> 400"
like "$reply" "lastEventId must be a decimal event id" "... saying why"
reply=$(curl -s -i --max-time 2 "$SSE?lastEventId=%ZZ")
is "$(status_of "$reply")" 400 "?lastEventId=%ZZ (bad escape) -> 400"
reply=$(curl -s -i --max-time 2 "$SSE?closeAfter=0")
is "$(status_of "$reply")" 400 "?closeAfter=0 -> 400"
reply=$(curl -s -i --max-time 2 "$SSE?closeAfter=%zz")
is "$(status_of "$reply")" 400 "?closeAfter=%zz (not an escape) -> 400"
reply=$(curl -s -i --max-time 2 "$SSE?closeAfter=99999999")
is "$(status_of "$reply")" 400 "?closeAfter=99999999 (over SSE_CLOSE_AFTER_MAX) -> 400"
like "$reply" "closeAfter must be a number" "... saying why"
reply=$(curl -s -i --max-time 2 -X POST -d x "$SSE")
is "$(status_of "$reply")" 405 "POST /sseStream -> 405"
head_of_stream /sseStream text/event-stream
wait "$bystander"
n=$(grep -c '^data: [0-9:]\{8\}$' "$T_TMP/bystander")
ok $([ "$n" -ge 2 ] && echo 0 || echo 1) "a stream open meanwhile was not disturbed ($n clock events)"

# ---- closeAfter: the server ends the response ------------------------
curl -sN --max-time 10 "$SSE?closeAfter=3" > "$T_TMP/close3"
is "$?" 0 "?closeAfter=3: the response ends cleanly (curl saw the last chunk)"
is "$(ids "$T_TMP/close3" | tail -n +2 | wc -l | tr -d ' ')" 3 "... after exactly three hub events"

# ---- HTTP/1.0: no chunked coding, the end is the close --------------
curl -sN -0 -i --max-time 1.5 "$SSE" > "$T_TMP/http10"
unlike "$(cat "$T_TMP/http10")" "Transfer-Encoding" "HTTP/1.0: no chunked coding"
like "$(cat "$T_TMP/http10")" $'\nretry: 3000\n' "HTTP/1.0: the same stream, close-delimited"

# ---- the ring overtaken ---------------------------------------------
behind=$(publish behind)
publish_many 1100 flood-
curl -sN --max-time 3 -H "Last-Event-ID: $behind" "$SSE" > "$T_TMP/missed"
is "$(sed -n 6,7p "$T_TMP/missed" | tr '\n' '|')" "|event: missed|" \
    "a client older than the ring gets an 'missed' event right after testEvent"
missed_id=$(sed -n 8p "$T_TMP/missed" | sed 's/^id: //')
missed_count=$(sed -n 9p "$T_TMP/missed" | sed 's/^data: //')
is "$missed_count" "$((missed_id - behind))" "its data is how many were lost ($missed_count), its id the last lost one"
is "$(ids "$T_TMP/missed" | sed -n 3p)" "$((missed_id + 1))" "the replay starts at the oldest event still held"
n_replayed=$(ids "$T_TMP/missed" | tail -n +3 | wc -l | tr -d ' ')
ok $([ "$n_replayed" -ge 1024 ] && echo 0 || echo 1) "the whole ring is replayed ($n_replayed events)"
ok $(ids "$T_TMP/missed" | tail -n +3 | consecutive; echo $?) "... without a gap"
like "$(cat "$T_TMP/missed")" $'\ndata: flood-1100\n' "... up to the newest"

# ---- a replay larger than the output cap is paced, not dropped -------
# 30 messages of 16000 bytes (480 KB) are more than CONN_OUTPUT_MAX
# (256 KB): written at once they would drop the reader as a slow consumer.
start_big=$(publish before-big)
big=$(head -c 16000 /dev/zero | tr '\0' 'y')
cfg="$T_TMP/replay.cfg"; : > "$cfg"
for i in $(seq 1 30); do
    [ "$i" -gt 1 ] && echo next >> "$cfg"
    printf 'url = "%s/publish"\ndata = "%s"\n' "$BASE" "$big" >> "$cfg"
done
curl -s --max-time 10 -K "$cfg" > /dev/null
slow_before=$(stat '.dropped.slow_consumer // 0')
curl -sN --max-time 2 --limit-rate 400k -H "Last-Event-ID: $start_big" "$SSE" > "$T_TMP/replay"
is "$(grep -c "^data: yyyy" "$T_TMP/replay")" 30 "a 480 KB replay reaches a slowish reader whole (30 big events)"
is "$(stat '.dropped.slow_consumer // 0')" "$slow_before" "... without a slow_consumer drop"
ok $(ids "$T_TMP/replay" | tail -n +2 | consecutive; echo $?) "... in order, without a gap"

# ---- a client that leaves is freed at once --------------------------
wait_stat .connections.sse 0
curl -sN --max-time 30 "$SSE" > /dev/null &
leaver=$!
wait_stat .connections.sse 1
ok $? "a stream is open"
before=$(stat '.dropped.peer_closed // 0')
kill "$leaver"
wait "$leaver" 2>/dev/null
wait_stat .connections.sse 0 2
ok $? "the client hung up: connections.sse back to 0 within 2 s"
is "$(stat '.dropped.peer_closed // 0')" "$((before + 1))" "counted as peer_closed"

# ---- a stuck reader is dropped, a good one is not --------------------
# The stuck reader asks for the stream with a 4 KB receive window and
# never reads.  Large messages pile up in its output buffer until
# CONN_OUTPUT_MAX (256 KB) and it is dropped as a slow consumer.
/usr/bin/python3 - "$PORT" > "$T_TMP/stuck.log" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /sseStream HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(25)
EOF
stuck=$!
curl -sN --max-time 25 "$SSE" > "$T_TMP/good" &
good=$!
wait_stat .connections.sse 2
ok $? "a stuck reader and a good reader are connected"
big=$(head -c 16000 /dev/zero | tr '\0' 'z')
for round in $(seq 1 40); do
    cfg="$T_TMP/big.cfg"; : > "$cfg"
    for i in 1 2 3 4 5 6 7 8 9 10; do
        [ "$i" -gt 1 ] && echo next >> "$cfg"
        printf 'url = "%s/publish"\ndata = "%s"\n' "$BASE" "$big" >> "$cfg"
    done
    curl -s --max-time 10 -K "$cfg" > /dev/null
    [ "$(stat '.dropped.slow_consumer // 0')" -ge 1 ] && break
done
is "$(stat '.dropped.slow_consumer // 0')" 1 "the stuck reader was dropped as a slow_consumer (after $((round * 10)) 16 KB messages)"
is "$(stat .connections.sse)" 1 "the good reader is still connected"
last=$(publish after-the-drop)
sleep 0.5
like "$(tail -c 2000 "$T_TMP/good")" "id: $last"$'\n'"data: after-the-drop" "... and still receives events"
kill "$stuck" "$good" 2>/dev/null
wait "$stuck" "$good" 2>/dev/null

# ---- shutdown ends the stream with the last chunk --------------------
curl -sN --max-time 10 "$SSE" > "$T_TMP/shutdown" &
reader=$!
wait_stat .connections.sse 1
stop_server
is "$SERVER_STATUS" 0 "the server exits cleanly on SIGTERM with a stream open"
wait "$reader"
is "$?" 0 "the stream ended with the last chunk (curl: clean end, not a cut)"

# ---- the edges, against a server without the clock event (-N): an
# HTTP/1.0 stream, two events in one turn after closeAfter, an event
# published mid-replay (tests/sse_edges.py) --------------------------
start_server -q -p 0 -N
run_python_tap tests/sse_edges.py "$PORT"
done_testing
