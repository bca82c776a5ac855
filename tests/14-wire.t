#!/bin/bash
# 14-wire.t - GET /wire (wire.c): the last bytes the server wrote per
# technique, as JSON with base64.  The bytes are exactly those curl
# received; the ring never keeps more than its 4096 bytes; a bad tech
# is a clear 400 that leaves other clients alone; ./server -W turns it
# off (404) and says so in -h.  Also /stats last_drop.
. "$(dirname "$0")/lib.sh"
start_server

wire() { curl -s --max-time 5 "$BASE/wire?tech=$1"; }

# --- exact bytes: a short poll's whole response -----------------------------
curl -si --max-time 5 "$BASE/poll?after=0&type=message" > "$T_TMP/poll.got"
j=$(wire short_poll)
is "$(printf '%s' "$j" | jq -r '.tech')" short_poll "the answer names its technique"
is "$(printf '%s' "$j" | jq -r '.capacity')" 4096 "capacity is WIRE_RING_BYTES, 4096"
printf '%s' "$j" | jq -r .base64 | base64 -d > "$T_TMP/poll.ring"
cmp -s "$T_TMP/poll.got" "$T_TMP/poll.ring"
ok $? "the base64 decodes to exactly the bytes curl received (status line, headers, body)"
is "$(printf '%s' "$j" | jq -r '.kept')" "$(wc -c < "$T_TMP/poll.got" | tr -d ' ')" "kept counts them"
is "$(printf '%s' "$j" | jq -r '[.segments[].len] | add')" "$(printf '%s' "$j" | jq -r .kept)" \
   "the segments cover the kept bytes"
is "$(printf '%s' "$j" | jq -r '.segments | length')" 1 "one connection wrote them: one segment"
like "$(printf '%s' "$j" | jq -r '.segments[0].conn')" '^[0-9]+$' "the segment names its connection"

# --- bounded: a stream far longer than the ring -----------------------------
curl -sN --raw --max-time 4 "$BASE/sseStream" > "$T_TMP/sse.raw" &
CURL=$!
wait_stat .connections.sse 1 || diag "the stream did not open"
big=$(head -c 6000 /dev/zero | tr '\0' 'x')
for i in 1 2 3; do curl -s -d "$big$i" "$BASE/publish" > /dev/null; done
sleep 0.3
j=$(wire sse)
is "$(printf '%s' "$j" | jq -r '.kept')" 4096 "after 18 KB of stream the ring keeps 4096 bytes"
ok "$([ "$(printf '%s' "$j" | jq -r '.bytes_total')" -gt 18000 ] && echo 0 || echo 1)" "bytes_total counts all of them"
printf '%s' "$j" | jq -r .base64 | base64 -d > "$T_TMP/sse.ring"
is "$(wc -c < "$T_TMP/sse.ring" | tr -d ' ')" 4096 "the base64 holds 4096 bytes, no more"
is "$(printf '%s' "$j" | jq -r '.segments[0].cut')" true "the first segment says its start left the ring"
wait $CURL 2>/dev/null
like "$(/usr/bin/python3 -c 'import sys; raw=open(sys.argv[1],"rb").read(); ring=open(sys.argv[2],"rb").read(); print(ring in raw)' "$T_TMP/sse.raw" "$T_TMP/sse.ring")" '^True$' \
     "the ring is a run of exactly the bytes curl --raw received (chunk size lines included)"
like "$(cat "$T_TMP/sse.ring")" 'x3' "it ends with the newest message"

# --- last_drop: a stream cut by its client --------------------------------
is "$(stat '.last_drop.reason')" peer_closed "/stats last_drop: the closed stream, reason peer_closed"
is "$(stat '.last_drop.technique')" sse "... technique sse"
like "$(stat '.last_drop.after_ms')" '^[0-9]{3,}$' "... after_ms: how long it had been open"

# --- bad input --------------------------------------------------------------
r=$(curl -si --max-time 5 "$BASE/wire?tech=nope")
is "$(status_of "$r")" 400 "an unknown technique is a 400"
like "$r" 'names a technique: http, short_poll' "... that lists the names"
is "$(status_of "$(curl -si --max-time 5 "$BASE/wire")")" 400 "no tech at all is a 400 too"
is "$(curl -s --max-time 5 "$BASE/wire?tech=short_poll" | jq -r .tech)" short_poll "another client is unaffected"
is "$(status_of "$(curl -si -X POST --max-time 5 "$BASE/wire?tech=sse")")" 405 "POST is 405"

# --- off with -W ------------------------------------------------------------
like "$("$SERVER" -h)" '-W +no wire view' "-h explains -W"
stop_server
start_server -q -W -p 0
curl -s --max-time 5 "$BASE/poll?after=0" > /dev/null
r=$(curl -si --max-time 5 "$BASE/wire?tech=short_poll")
is "$(status_of "$r")" 404 "with -W, /wire is 404"
like "$r" 'the wire view is off' "... and says why"
is "$(curl -s --max-time 5 "$BASE/poll?after=0" | jq -r 'has("events")')" true "the rest of the server works as before"
done_testing
