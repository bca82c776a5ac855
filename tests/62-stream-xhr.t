#!/usr/bin/env bash
# GET /stream/xhr (stream.c, XHR streaming): the same NDJSON lines as
# /stream, with the rotation that keeps XHR's responseText bounded: the
# response ends at the first line boundary past ?limit= bytes (default
# 131072, SockJS's response_limit), cleanly, with the last chunk; a client
# that reopens after the last id it read loses nothing and sees nothing
# twice across many rotations.  Also: a bad limit, HEAD, the counters.
. "$(dirname "$0")/lib.sh"
start_server

XHR="$BASE/stream/xhr"
check() { python3 tests/stream_check.py "$@"; }
publish() { curl -s --max-time 5 --data-binary "$1" "$BASE/publish" | jq -r .id; }
ids() { jq -r 'select(.id != null) | .id' "$1"; }
consecutive() { awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }'; }

# ---- the same stream as /stream ------------------------------------------
curl -s -i --raw -N --max-time 1.5 "$XHR" > "$T_TMP/h.raw"
head=$(sed -n '1,/^\r$/p' "$T_TMP/h.raw")
is "$(status_of "$head")" 200 "GET /stream/xhr answers 200"
like "$head" $'Content-Type: application/x-ndjson\r' "Content-Type: application/x-ndjson"
like "$head" $'X-Content-Type-Options: nosniff\r' "nosniff"
like "$head" $'Transfer-Encoding: chunked\r' "chunked"
like "$head" $'Connection: close\r' "Connection: close"
like "$(check chunks "$T_TMP/h.raw" | head -n 1)" '^line \{"id":[0-9]+,"type":"time"' "the newest event comes first, one line per chunk"
head_of_stream /stream/xhr application/x-ndjson

# ---- the rotation at ?limit= ---------------------------------------------
# Ten messages of 1000 bytes after a cursor: with limit=2500 the response
# must end right after the line that takes the body past 2500 bytes (the
# third, unless a clock tick came between the publishes).
start=$(publish rotate-start)
m=$(head -c 1000 /dev/zero | tr '\0' 'r')
for i in $(seq 1 10); do publish "$m" > /dev/null; done
curl -s -i --raw -N --max-time 5 "$XHR?after=$start&limit=2500" > "$T_TMP/r.raw"
is "$?" 0 "?limit=2500: the server ends the response by itself (curl saw the last chunk, no timeout)"
check chunks "$T_TMP/r.raw" > "$T_TMP/r.chunks"
is "$(tail -n 1 "$T_TMP/r.chunks")" "end" "... with the last chunk"
is "$(grep -vc '^line ' "$T_TMP/r.chunks")" 1 "... every chunk before it one whole line"
curl -sN --max-time 5 "$XHR?after=$start&limit=2500" > "$T_TMP/r.body"
bytes=$(wc -c < "$T_TMP/r.body")
without_last=$(head -n 2 "$T_TMP/r.body" | wc -c)
ok $([ "$bytes" -ge 2500 ] && [ "$without_last" -lt 2500 ] && echo 0 || echo 1) \
    "the body ($bytes bytes) passed the limit with its last line only ($without_last before it)"
is "$(ids "$T_TMP/r.body" | head -n 1)" "$((start + 1))" "... and began right after the cursor"

# The default limit: 128 KiB.  Nine 16000-byte lines pass 131072 bytes,
# eight do not.
big_start=$(publish big-start)
big=$(head -c 16000 /dev/zero | tr '\0' 'b')
cfg="$T_TMP/big.cfg"; : > "$cfg"
for i in $(seq 1 12); do
    [ "$i" -gt 1 ] && echo next >> "$cfg"
    printf 'url = "%s/publish"\ndata = "%s"\n' "$BASE" "$big" >> "$cfg"
done
curl -s --max-time 10 -K "$cfg" > /dev/null
curl -sN --max-time 5 "$XHR?after=$big_start" > "$T_TMP/default"
is "$?" 0 "without ?limit= the response ends by itself too"
n_big=$(grep -c '"data":"bbbb' "$T_TMP/default")
bytes=$(wc -c < "$T_TMP/default")
without_last=$(head -n $(( $(wc -l < "$T_TMP/default") - 1 )) "$T_TMP/default" | wc -c)
ok $([ "$bytes" -ge 131072 ] && [ "$without_last" -lt 131072 ] && echo 0 || echo 1) \
    "at the first line past 131072 bytes, the default limit ($n_big big lines, $bytes bytes)"

# ---- many rotations, nothing lost, nothing twice ---------------------------
# A client that reopens after the last id it read, with limit=400 (about
# ten lines a response), while 60 messages are published.
first=$(publish xhr-first)
( for i in $(seq 1 60); do
      curl -s --max-time 5 --data-binary "xhr message $i" "$BASE/publish" > /dev/null
      sleep 0.03
  done
  # keep the last response filling up until the client has everything
  for i in $(seq 1 40); do
      curl -s --max-time 5 --data-binary "xhr filler $i" "$BASE/publish" > /dev/null
      sleep 0.1
  done ) &
publisher=$!
want=$(seq -s, $((first + 1)) $((first + 60)))
summary=$(check xhr "$PORT" "$first" 400 "$want" 30)
kill "$publisher" 2>/dev/null
wait "$publisher" 2>/dev/null
diag "$summary"
is "$(printf '%s' "$summary" | jq -r '.missing | length')" 0 "across the rotations every event arrived"
is "$(printf '%s' "$summary" | jq -r .duplicates)" 0 "... none twice"
is "$(printf '%s' "$summary" | jq -r .gaps)" 0 "... with no gap in the ids"
is "$(printf '%s' "$summary" | jq -c .bad)" "[]" "... every response ended at the first line past its limit, with whole lines"
requests=$(printf '%s' "$summary" | jq -r .requests)
ok $([ "$requests" -ge 5 ] && echo 0 || echo 1) "... over $requests responses (the rotation happened)"
ok $([ "$(printf '%s' "$summary" | jq -r .max_body)" -lt 800 ] && echo 0 || echo 1) \
    "... none holding much more than the limit ($(printf '%s' "$summary" | jq -r .max_body) bytes)"

# ---- bad input, a bystander unaffected --------------------------------------
curl -sN --max-time 4 "$XHR" > "$T_TMP/bystander" &
bystander=$!
wait_stat .connections.xhr_stream 1
ok $? "the stream shows in /stats connections.xhr_stream"
reply=$(curl -s -i --max-time 2 "$XHR?limit=0")
is "$(status_of "$reply")" 400 "?limit=0 -> 400"
like "$reply" "limit must be a number of bytes from 1 to 16777216" "... saying why"
reply=$(curl -s -i --max-time 2 "$XHR?limit=16777217")
is "$(status_of "$reply")" 400 "?limit=16777217 -> 400"
reply=$(curl -s -i --max-time 2 "$XHR?limit=1e6")
is "$(status_of "$reply")" 400 "?limit=1e6 -> 400"
reply=$(curl -s -i --max-time 2 "$XHR?after=x")
is "$(status_of "$reply")" 400 "?after=x -> 400"
reply=$(curl -s -i --max-time 2 -X POST -d x "$XHR")
is "$(status_of "$reply")" 405 "POST /stream/xhr -> 405"
wait "$bystander"
n=$(grep -c '"type":"time"' "$T_TMP/bystander")
ok $([ "$n" -ge 3 ] && echo 0 || echo 1) "a stream open meanwhile was not disturbed ($n clock events)"

# ---- the counters -----------------------------------------------------------
wait_stat .connections.xhr_stream 0
ok $([ "$(stat .techniques.xhr_stream.requests)" -ge 8 ] && echo 0 || echo 1) "requests are counted under xhr_stream"
ok $([ "$(stat .techniques.xhr_stream.deliveries)" -ge 60 ] && echo 0 || echo 1) "deliveries are counted under xhr_stream"
is "$(stat .techniques.fetch_stream.requests)" 0 "... and not under fetch_stream"
like "$(curl -s "$BASE/wire?tech=xhr_stream" | jq -r .base64 | base64 -d | tr -d '\0')" 'HTTP/1.1 200 OK' "GET /wire?tech=xhr_stream holds its bytes"

done_testing
