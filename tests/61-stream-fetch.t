#!/usr/bin/env bash
# GET /stream (stream.c, ARTICLE §2 corrected: streaming over fetch) seen
# through curl -N: the headers, the chunk framing (one NDJSON line per
# chunk), the newest event at once, a published message within a second,
# hostile messages kept on one line and given back exactly, resuming with
# ?after= with no gap and no duplicate, the notice when the ring was
# overtaken and when the cursor is from the future, ?closeAfter=, HEAD,
# bad input with a bystander unaffected, HTTP/1.0, a paced replay, a
# client that leaves freed at once, and the last chunk at shutdown.
. "$(dirname "$0")/lib.sh"
start_server

STREAM="$BASE/stream"
check() { python3 tests/stream_check.py "$@"; }

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
    curl -s --max-time 60 -K "$cfg" > /dev/null
}

# ids FILE: the ids of the event lines, in order (notices have none)
ids() { jq -r 'select(.id != null) | .id' "$1"; }

# consecutive: stdin holds numbers; 0 if each is the previous plus one
consecutive() { awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }'; }

# wait_for FILE PATTERN [SECONDS]: until grep -q finds it (default 3 s)
wait_for() {
    local i=0
    while [ $i -lt $((${3:-3} * 20)) ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

# ---- headers ----------------------------------------------------------
curl -s -i --raw -N --max-time 2.5 "$STREAM" > "$T_TMP/h.raw"
head=$(sed -n '1,/^\r$/p' "$T_TMP/h.raw")
is "$(status_of "$head")" 200 "GET /stream answers 200"
like "$head" $'Content-Type: application/x-ndjson\r' "Content-Type: application/x-ndjson"
like "$head" $'X-Content-Type-Options: nosniff\r' "nosniff: Chromium would hold back the first KiB of an unknown type to sniff it"
like "$head" $'Cache-Control: no-store\r' "Cache-Control: no-store"
like "$head" $'Access-Control-Allow-Origin: \\*\r' "CORS: a page on another port may read it"
like "$head" $'Transfer-Encoding: chunked\r' "chunked on HTTP/1.1"
like "$head" $'Connection: close\r' "Connection: close: the stream is the last response on its connection"
unlike "$head" "Content-Length" "no Content-Length on an endless response"

# ---- the framing: one line per chunk -----------------------------------
check chunks "$T_TMP/h.raw" > "$T_TMP/h.chunks"
is "$(grep -vc '^line ' "$T_TMP/h.chunks")" 1 "every chunk holds exactly one JSON line ending in LF (and the stream is still open: one 'cut' line)"
is "$(tail -n 1 "$T_TMP/h.chunks" | cut -c1-3)" "cut" "... the response did not end by itself"
n=$(grep -c '^line {"id":[0-9]*,"type":"time","data":"[0-9:]\{8\}"}$' "$T_TMP/h.chunks")
ok $([ "$n" -ge 2 ] && echo 0 || echo 1) "the clock's events arrive as event JSON, one a second ($n in 2.5 s)"

# ---- the newest event at once ------------------------------------------
# Not a timing: the first line is an event that existed before we asked.
before=$(stat .last_id)
curl -sN --max-time 0.5 "$STREAM" > "$T_TMP/first"
first=$(head -n 1 "$T_TMP/first" | jq -r .id)
ok $([ -n "$first" ] && [ "$first" -ge "$before" ] && [ "$first" -le "$((before + 1))" ] && echo 0 || echo 1) \
    "without after= the stream starts with the newest event, not the next one (id $first, newest was $before)"

# ---- a published message within a second, hostile text exact -----------
curl -sN --max-time 8 "$STREAM" > "$T_TMP/live" &
reader=$!
wait_stat .connections.fetch_stream 1
ok $? "the stream shows in /stats connections.fetch_stream"
t0=$(date +%s%N)
id_live=$(publish 'live message')
wait_for "$T_TMP/live" "\"id\":$id_live," 1
ok $? "a published message arrives within a second"
diag "it took $(( ($(date +%s%N) - t0) / 1000000 )) ms"

i=0
for msg in $'two\nlines' $'cr\ronly' $'crlf\r\nend' $'sep\u2028para\u2029end' 'quote " back \ slash' \
           '</script><script>alert(1)</script>' '<!-- comment' $'tab\tand\x01control' '中文 😀 emoji'; do
    i=$((i + 1))
    printf '%s' "$msg" > "$T_TMP/sent.$i"
    id=$(curl -s --max-time 5 --data-binary "@$T_TMP/sent.$i" "$BASE/publish" | jq -r .id)
    echo "$id" > "$T_TMP/id.$i"
done
wait_for "$T_TMP/live" "\"id\":$(cat "$T_TMP/id.$i")," 3
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
for k in $(seq 1 $i); do
    id=$(cat "$T_TMP/id.$k")
    is "$(grep -c "^{\"id\":$id," "$T_TMP/live")" 1 "hostile message $k ($(head -c 16 "$T_TMP/sent.$k" | od -An -c | tr -s ' \n' ' ')) is one line"
    jq -j "select(.id == $id) | .data" "$T_TMP/live" > "$T_TMP/got.$k"
    ok $(cmp -s "$T_TMP/sent.$k" "$T_TMP/got.$k"; echo $?) "... and decodes to exactly the bytes published"
done
unlike "$(cat "$T_TMP/live")" $'\r' "no raw CR anywhere in the stream"
unlike "$(cat "$T_TMP/live")" '</script|<!--' "no </script or <!-- anywhere in the stream"
is "$(jq -c 'select(.id == null)' "$T_TMP/live")" "" "every line is an event (no notice on a fresh stream)"
ok $(ids "$T_TMP/live" | consecutive; echo $?) "the ids have no gap"

# ---- resume ------------------------------------------------------------
a=$(publish resume-a)
b=$(publish resume-b)
c=$(publish resume-c)
curl -sN --max-time 1.5 "$STREAM?after=$a" > "$T_TMP/resume"
is "$(ids "$T_TMP/resume" | head -n 1)" "$((a + 1))" "?after=N: the first line is the event after N"
is "$(jq -r 'select(.id == '"$b"' or .id == '"$c"') | .data' "$T_TMP/resume" | tr '\n' ' ')" "resume-b resume-c " "... and the messages published after it follow"
ok $(ids "$T_TMP/resume" | consecutive; echo $?) "replay then live: no gap"
is "$(ids "$T_TMP/resume" | sort | uniq -d)" "" "... and no duplicate"
newest=$(stat .last_id)
curl -sN --max-time 0.5 "$STREAM?after=$newest" > "$T_TMP/caught-up"
first=$(ids "$T_TMP/caught-up" | head -n 1)
ok $([ -z "$first" ] || [ "$first" -gt "$newest" ] && echo 0 || echo 1) \
    "?after=<newest>: nothing is sent again (first id '${first:-none}' > $newest)"

# ---- a cursor from the future (an earlier server run) --------------------
curl -sN --max-time 0.5 "$STREAM?after=999999999" > "$T_TMP/future"
notice=$(head -n 1 "$T_TMP/future")
like "$notice" '^\{"notice":"reset","last":[0-9]+\}$' "a cursor newer than every event gets a reset notice first"
last=$(printf '%s' "$notice" | jq -r .last)
is "$(sed -n 2p "$T_TMP/future" | jq -r .id)" "$((last + 1))" "... whose last is the id the stream goes on after"

# ---- the ring overtaken ------------------------------------------------
behind=$(publish behind)
publish_many 1100 flood-
curl -sN --max-time 3 "$STREAM?after=$behind" > "$T_TMP/missed"
notice=$(head -n 1 "$T_TMP/missed")
like "$notice" '^\{"notice":"missed","missed":[0-9]+,"last":[0-9]+\}$' "a cursor older than the ring gets a missed notice first"
missed=$(printf '%s' "$notice" | jq -r .missed)
last=$(printf '%s' "$notice" | jq -r .last)
is "$missed" "$((last - behind))" "it counts the events that left the ring ($missed), its last is the last one lost"
is "$(ids "$T_TMP/missed" | head -n 1)" "$((last + 1))" "the replay starts at the oldest event still held"
n_replayed=$(ids "$T_TMP/missed" | wc -l | tr -d ' ')
ok $([ "$n_replayed" -ge 1024 ] && echo 0 || echo 1) "the whole ring is replayed ($n_replayed events)"
ok $(ids "$T_TMP/missed" | consecutive; echo $?) "... without a gap"
is "$(jq -r 'select(.data == "flood-1100") | .data' "$T_TMP/missed")" "flood-1100" "... up to the newest"
is "$(jq -c 'select(.id == null)' "$T_TMP/missed" | wc -l | tr -d ' ')" 1 "one notice only"

# ---- a replay larger than the output cap is paced, not dropped ------------
start_big=$(publish before-big)
big=$(head -c 16000 /dev/zero | tr '\0' 'y')
cfg="$T_TMP/replay.cfg"; : > "$cfg"
for i in $(seq 1 30); do
    [ "$i" -gt 1 ] && echo next >> "$cfg"
    printf 'url = "%s/publish"\ndata = "%s"\n' "$BASE" "$big" >> "$cfg"
done
curl -s --max-time 10 -K "$cfg" > /dev/null
slow_before=$(stat '.dropped.slow_consumer // 0')
curl -sN --max-time 3 --limit-rate 400k "$STREAM?after=$start_big" > "$T_TMP/replay"
is "$(grep -c '"data":"yyyy' "$T_TMP/replay")" 30 "a 480 KB replay (more than CONN_OUTPUT_MAX) reaches a slowish reader whole"
is "$(stat '.dropped.slow_consumer // 0')" "$slow_before" "... without a slow_consumer drop"
ok $(ids "$T_TMP/replay" | consecutive; echo $?) "... in order, without a gap"

# ---- closeAfter: the server ends the response ---------------------------
curl -sN --max-time 10 "$STREAM?closeAfter=3" > "$T_TMP/close3"
is "$?" 0 "?closeAfter=3: the response ends cleanly (curl saw the last chunk)"
is "$(ids "$T_TMP/close3" | wc -l | tr -d ' ')" 3 "... after exactly three events"
curl -s -i --raw -N --max-time 10 "$STREAM?closeAfter=2" > "$T_TMP/close2.raw"
is "$(check chunks "$T_TMP/close2.raw" | tail -n 1)" "end" "... with the last chunk (0 CRLF CRLF)"
d=$(publish close-d)
publish close-e > /dev/null
publish close-f > /dev/null
curl -sN --max-time 10 "$STREAM?after=$d&closeAfter=2" > "$T_TMP/close-resume"
is "$?" 0 "?after= and ?closeAfter= together: the response ends cleanly"
is "$(ids "$T_TMP/close-resume" | tr '\n' ' ')" "$((d + 1)) $((d + 2)) " "... after the two events that follow the cursor"

# ---- HEAD, bad input, a bystander unaffected ------------------------------
curl -sN --max-time 6 "$STREAM" > "$T_TMP/bystander" &
bystander=$!
wait_stat .connections.fetch_stream 1
head_of_stream /stream application/x-ndjson
reply=$(curl -s -i --max-time 2 "$STREAM?after=abc")
is "$(status_of "$reply")" 400 "?after=abc -> 400"
like "$reply" "after must be a decimal event id" "... saying why"
reply=$(curl -s -i --max-time 2 "$STREAM?after=-1")
is "$(status_of "$reply")" 400 "?after=-1 -> 400"
reply=$(curl -s -i --max-time 2 "$STREAM?after=%ZZ")
is "$(status_of "$reply")" 400 "?after=%ZZ (bad escape) -> 400"
reply=$(curl -s -i --max-time 2 "$STREAM?closeAfter=0")
is "$(status_of "$reply")" 400 "?closeAfter=0 -> 400"
like "$reply" "closeAfter must be a number from 1 to 1000000" "... saying why"
reply=$(curl -s -i --max-time 2 -X POST -d x "$STREAM")
is "$(status_of "$reply")" 405 "POST /stream -> 405"
like "$reply" $'Allow: GET, HEAD, OPTIONS\r' "... with Allow"
reply=$(curl -s -i --max-time 2 -X DELETE "$STREAM")
is "$(status_of "$reply")" 405 "DELETE /stream -> 405"
reply=$(curl -s -i --max-time 2 -X OPTIONS "$STREAM")
is "$(status_of "$reply")" 204 "OPTIONS /stream -> 204 (CORS preflight)"
is "$(stat .connections.fetch_stream)" 1 "the refused and HEAD requests left no stream behind"
wait "$bystander"
n=$(grep -c '"type":"time"' "$T_TMP/bystander")
ok $([ "$n" -ge 4 ] && echo 0 || echo 1) "a stream open meanwhile was not disturbed ($n clock events in 6 s)"
ok $(ids "$T_TMP/bystander" | consecutive; echo $?) "... and has no gap"

# ---- HTTP/1.0: no chunked coding, the end is the close ---------------------
curl -sN -0 -i --max-time 1.5 "$STREAM" > "$T_TMP/http10"
unlike "$(cat "$T_TMP/http10")" "Transfer-Encoding" "HTTP/1.0: no chunked coding"
like "$(cat "$T_TMP/http10")" $'\r\n\r\n\\{"id":[0-9]+,"type":"time"' "HTTP/1.0: the same lines, close-delimited"

# ---- a client that leaves is freed at once --------------------------------
wait_stat .connections.fetch_stream 0
curl -sN --max-time 30 "$STREAM" > /dev/null &
leaver=$!
wait_stat .connections.fetch_stream 1
ok $? "a stream is open"
before=$(stat '.dropped.peer_closed // 0')
kill "$leaver"
wait "$leaver" 2>/dev/null
wait_stat .connections.fetch_stream 0 2
ok $? "the client hung up: connections.fetch_stream back to 0 within 2 s"
is "$(stat '.dropped.peer_closed // 0')" "$((before + 1))" "counted as peer_closed"
is "$(stat .last_drop.technique)" "fetch_stream" "last_drop names the technique"
bytes=$(stat .techniques.fetch_stream.bytes)
sleep 1.2
is "$(stat .techniques.fetch_stream.bytes)" "$bytes" "no fetch_stream bytes are written after it left"
ok $([ "$(stat .techniques.fetch_stream.requests)" -ge 10 ] && echo 0 || echo 1) "requests are counted under fetch_stream"
ok $([ "$(stat .techniques.fetch_stream.deliveries)" -ge 1000 ] && echo 0 || echo 1) "deliveries are counted under fetch_stream"

# ---- the wire view keeps this technique's bytes ----------------------------
wire=$(curl -s "$BASE/wire?tech=fetch_stream")
is "$(printf '%s' "$wire" | jq -r .tech)" fetch_stream "GET /wire?tech=fetch_stream answers"
like "$(printf '%s' "$wire" | jq -r .base64 | base64 -d | tr -d '\0')" '"type":"time"' "... with the stream's last bytes"

# ---- shutdown ends the stream with the last chunk ---------------------------
curl -sN --max-time 10 "$STREAM" > "$T_TMP/shutdown" &
reader=$!
wait_stat .connections.fetch_stream 1
stop_server
is "$SERVER_STATUS" 0 "the server exits cleanly on SIGTERM with a stream open"
wait "$reader"
is "$?" 0 "the stream ended with the last chunk (curl: clean end, not a cut)"

done_testing
