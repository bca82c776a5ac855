#!/bin/bash
# 22-poll-long.t - GET /poll?after=N&wait=S (ARTICLE §1.1 长连接轮询): a
# held request answered on publish and on timeout, 50 held polls woken by
# one publish, a client vanishing mid-hold, pipelining and keep-alive,
# and an empty answer when the server stops.
. "$(dirname "$0")/lib.sh"
start_server

poll() { curl -s --max-time 5 "$BASE/poll?$1"; }
publish() { curl -s --max-time 5 --data-binary "$1" "$BASE/publish" | jq -r .id; }
now_ms() { date +%s%3N; }

# Held, then answered by a publish.
L=$(poll "type=message" | jq .last)
t0=$(now_ms)
curl -s --max-time 15 -o "$T_TMP/held" -w '%{time_total}' "$BASE/poll?after=$L&wait=10&type=message" > "$T_TMP/held.time" &
pid=$!
ok $(wait_stat .connections.held_poll 1; echo $?) "the long poll is held (/stats held_poll = 1)"
sleep 0.5
ok $(kill -0 $pid 2>/dev/null; echo $?) "... still waiting after 0.5 s"
id=$(publish "wake up")
wait $pid
is "$(jq -r '.events[0].data' < "$T_TMP/held")" "wake up" "a publish answers it with the message"
is "$(jq -r '.events[0].id' < "$T_TMP/held")" "$id" "... and its id"
ok $(awk "BEGIN{exit !($(cat "$T_TMP/held.time") < 3)}"; echo $?) "... at once, not at the end of wait"
ok $(wait_stat .connections.held_poll 0; echo $?) "held_poll is back to 0"

# Held, then answered by the timeout with no events.
L=$(poll "type=message" | jq .last)
t=$(curl -s --max-time 10 -o "$T_TMP/timeout" -w '%{time_total}' "$BASE/poll?after=$L&wait=2&type=message")
is "$(jq -c .events < "$T_TMP/timeout")" "[]" "wait=2 with nothing new: an empty answer"
ok $(awk "BEGIN{exit !($t >= 1.9 && $t < 4)}"; echo $?) "... after about 2 s ($t s)"
ok $([ "$(jq .last < "$T_TMP/timeout")" -ge "$L" ]; echo $?) "... whose last moved past the clock's events"

# Without type=, the clock (one event a second) answers a held poll.
L=$(poll "" | jq .last)
t=$(curl -s --max-time 10 -o "$T_TMP/clock" -w '%{time_total}' "$BASE/poll?after=$L&wait=20")
is "$(jq -r '.events[0].type' < "$T_TMP/clock")" time "without type=, the next clock event answers"
ok $(awk "BEGIN{exit !($t < 2.5)}"; echo $?) "... within about a second ($t s)"

# 50 long polls, one publish.
L=$(poll "type=message" | jq .last)
pids=
for i in $(seq 50); do
    curl -s --max-time 15 -o "$T_TMP/many.$i" "$BASE/poll?after=$L&wait=20&type=message" &
    pids="$pids $!"
done
ok $(wait_stat .connections.held_poll 50 10; echo $?) "50 long polls are held"
t0=$(now_ms)
id=$(publish "everyone")
for p in $pids; do wait "$p"; done
elapsed=$(( $(now_ms) - t0 ))
got=0
for i in $(seq 50); do
    [ "$(jq -r '.events[0].data' < "$T_TMP/many.$i" 2>/dev/null)" = everyone ] && got=$((got + 1))
done
is "$got" 50 "one publish answered all 50 with the message"
ok $([ "$elapsed" -lt 3000 ]; echo $?) "... within 3 s (${elapsed} ms)"
ok $(wait_stat .connections.held_poll 0; echo $?) "held_poll is back to 0"
ok $([ "$(stat .techniques.long_poll.deliveries)" -ge 51 ]; echo $?) "/stats counts long-poll deliveries"

# A client that goes away mid-hold is noticed at once.
L=$(poll "type=message" | jq .last)
drops=$(stat '.dropped.peer_closed // 0')
curl -s --max-time 30 -o /dev/null "$BASE/poll?after=$L&wait=25&type=message" &
pid=$!
ok $(wait_stat .connections.held_poll 1; echo $?) "a long poll is held"
kill "$pid"; wait "$pid" 2>/dev/null
ok $(wait_stat .connections.held_poll 0 2; echo $?) "its client vanished: held_poll goes back to 0 within 2 s"
is "$(stat '.dropped.peer_closed')" $((drops + 1)) "... counted as dropped: peer_closed"
is "$(poll "after=0&type=message" | jq '.events | length > 0')" true "the server still answers others"

# Keep-alive: one connection carries poll after poll, each held until the
# next clock event.
L=$(poll "" | jq .last)
out=$(curl -s --max-time 10 -w '%{http_code} %{num_connects}\n' \
      -o /dev/null "$BASE/poll?after=$L&wait=5" \
      -o /dev/null "$BASE/poll?after=$((L + 1))&wait=5" \
      -o /dev/null "$BASE/poll?after=$((L + 2))&wait=5")
is "$(echo $out)" "200 1 200 0 200 0" "three held polls, one after another, on one connection"

# Pipelining: two long polls sent at once wait their turn.
L=$(poll "type=message" | jq .last)
req="GET /poll?after=$L&wait=10&type=message HTTP/1.1\r\nHost: x\r\n\r\n"
( printf "$req$req"; sleep 3 ) | timeout 5 nc 127.0.0.1 "$PORT" > "$T_TMP/pipe" &
pid=$!
ok $(wait_stat .connections.held_poll 1; echo $?) "the first of two pipelined polls is held"
publish "piped" >/dev/null
wait $pid
is "$(grep -c '^HTTP/1.1 200' "$T_TMP/pipe")" 2 "after a publish both pipelined polls are answered"
is "$(grep -o '"data":"piped"' "$T_TMP/pipe" | wc -l)" 2 "... both with the message"

# HEAD is never held.
t=$(curl -s -I --max-time 5 -o /dev/null -w '%{time_total}' "$BASE/poll?after=$L&wait=10&type=message")
ok $(awk "BEGIN{exit !($t < 1)}"; echo $?) "HEAD with wait= is answered at once ($t s)"

# The server stops: a held poll gets an empty answer and Connection: close.
L=$(poll "type=message" | jq .last)
curl -s -D "$T_TMP/stop.head" --max-time 10 -o "$T_TMP/stop" "$BASE/poll?after=$L&wait=20&type=message" &
pid=$!
ok $(wait_stat .connections.held_poll 1; echo $?) "a long poll is held"
stop_server
wait $pid
is "$SERVER_STATUS" 0 "the server exits cleanly on SIGTERM"
is "$(jq -c .events < "$T_TMP/stop")" "[]" "the held poll got an empty answer"
like "$(cat "$T_TMP/stop.head")" $'Connection: close\r' "... with Connection: close"

done_testing
