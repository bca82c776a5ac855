#!/bin/bash
# 23-poll-iframe-jsonp.t - GET /poll/iframe and GET /poll/jsonp (ARTICLE
# §1.2 基于Iframe的轮询, 基于Jsonp的轮询): content types, the postMessage
# target origin (never "*"), callback validation, and holding.
. "$(dirname "$0")/lib.sh"
start_server

poll() { curl -s --max-time 5 "$BASE/poll?$1"; }
publish() { curl -s --max-time 5 --data-binary "$1" "$BASE/publish" | jq -r .id; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }

# ---- iframe ----
r=$(curl -s -D - "$BASE/poll/iframe?after=0")
like "$r" $'Content-Type: text/html; charset=utf-8\r' "iframe: text/html; charset=utf-8"
like "$r" $'Cache-Control: no-store\r' "iframe: Cache-Control: no-store"
like "$r" $'Content-Security-Policy: default-src \'none\'' "iframe: a CSP that loads nothing else"
like "$r" "parent\\.postMessage\\(\\{\"events\":\\[.*\\],\"last\":[0-9]+\\}, \"http://127\\.0\\.0\\.1:$PORT\"\\);" \
     "without origin=: postMessage to http:// + Host"
unlike "$r" '"\*"' "never to \"*\""
r=$(curl -s "$BASE/poll/iframe?after=0&origin=http%3A%2F%2Flocalhost%3A$PORT2")
like "$r" "\\}, \"http://localhost:$PORT2\"\\);" "origin= is the target when given"
for o in '*' 'null' 'javascript:alert(1)' 'http://a.b/path' 'http://a"b' "http://a'b" 'http://a b' 'http://a:99999999' 'http://a:65536' 'ftp://a'; do
    is "$(code -G --data-urlencode "origin=$o" "$BASE/poll/iframe")" 400 "iframe origin=$o is refused with 400"
done
like "$(curl -s "$BASE/poll/iframe?origin=*")" '^400 Bad Request: origin must be' "... saying why"
is "$(code -H 'Host: a"b' "$BASE/poll/iframe")" 400 "no origin= and a Host that is no origin: 400"
# RFC 9112 section 3.2.2: with an absolute-form target the server MUST
# ignore Host and use the target's host, so that is the default origin.
r=$(raw "$PORT" 'GET http://localhost:4000/poll/iframe?after=0 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nConnection: close\r\n\r\n')
like "$r" '\}, "http://localhost:4000"\);' "absolute-form: postMessage to the target's host, not Host's"
r=$(raw "$PORT" 'GET http://localhost:4000/iframeLongConnection HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n' 1)
like "$r" '"http://localhost:4000"' "absolute-form: the forever frame posts to the target's host too"
unlike "$r" '127\.0\.0\.1:1' "... never to Host's"

L=$(poll "type=message" | jq .last)
curl -s --max-time 10 -o "$T_TMP/iframe" "$BASE/poll/iframe?after=$L&wait=10&type=message" &
pid=$!
ok $(wait_stat .connections.held_poll 1; echo $?) "iframe with wait= is held"
publish "to the frame" >/dev/null
wait $pid
like "$(cat "$T_TMP/iframe")" '"data":"to the frame"' "... and answered by a publish"
ok $([ "$(stat .techniques.iframe_poll.requests)" -ge 3 ]; echo $?) "/stats counts iframe polls"
ok $([ "$(stat .techniques.iframe_poll.deliveries)" -ge 1 ]; echo $?) "... and their deliveries"

# ---- JSONP ----
r=$(curl -s -D - "$BASE/poll/jsonp?after=0&callback=JSONP.cb1")
like "$r" $'Content-Type: application/javascript; charset=utf-8\r' "jsonp: application/javascript"
like "$r" $'X-Content-Type-Options: nosniff\r' "jsonp: nosniff"
like "$r" $'Cache-Control: no-store\r' "jsonp: no-store"
like "$r" $'\r\n\r\n/\\*\\*/JSONP\\.cb1\\(\\{"events":\\[.*\\],"last":[0-9]+\\}\\);$' "jsonp: /**/F({...});"
is "$(code "$BASE/poll/jsonp?after=0")" 400 "jsonp without callback: 400"
like "$(curl -s "$BASE/poll/jsonp?after=0")" 'callback is required' "... saying so"

long=$(printf 'a%.0s' $(seq 65))
for cb in 'alert(1)' 'a;alert(1)' '</script>' 'a b' '1a' 'a..b' 'a.' '.a' 'a[0]' 'a=1' \
          "a'b" 'a"b' 'a-b' $'a\nb' 'é' '%00' 'x/**/' "$long"; do
    is "$(code -G --data-urlencode "callback=$cb" "$BASE/poll/jsonp?after=0")" 400 \
       "callback $(printf '%q' "$cb" | head -c 30) is refused with 400"
done
is "$(code "$BASE/poll/jsonp?after=0&callback=a%00b")" 400 "a percent-encoded NUL is refused"
is "$(code "$BASE/poll/jsonp?after=0&callback=$(printf 'a%.0s' $(seq 64))")" 200 "a 64-byte callback is accepted"
for cb in f '$' _x 'jQuery123_456' 'a.b.c' '$.cb'; do
    is "$(code -G --data-urlencode "callback=$cb" "$BASE/poll/jsonp?after=0")" 200 "callback $cb is accepted"
done
is "$(code "$BASE/poll?after=0")" 200 "another client is unaffected by the refusals"

L=$(poll "type=message" | jq .last)
curl -s --max-time 10 -o "$T_TMP/jsonp" "$BASE/poll/jsonp?after=$L&wait=10&type=message&callback=cb" &
pid=$!
ok $(wait_stat .connections.held_poll 1; echo $?) "jsonp with wait= is held"
publish "to the script" >/dev/null
wait $pid
like "$(cat "$T_TMP/jsonp")" '^/\*\*/cb\(.*"data":"to the script"' "... and answered by a publish"
ok $([ "$(stat .techniques.jsonp_poll.requests)" -ge 20 ]; echo $?) "/stats counts JSONP polls"

# The answer runs in a JavaScript engine and calls the callback.
got=$(curl -s "$BASE/poll/jsonp?after=$L&type=message&callback=JSONP.cb7" | node -e '
  let src = require("fs").readFileSync(0, "utf8"), got;
  require("vm").runInNewContext(src, { JSONP: { cb7: (d) => { got = d; } } });
  process.stdout.write(got.events[0].data);')
is "$got" "to the script" "node runs the JSONP answer: the callback gets the message"

# One origin limit for iframe polling and the forever frame
# (HTTP_ORIGIN_MAX, 300 bytes): they did one job with two caps (255 and
# 300), so a 276-byte origin was refused by one and accepted by the other.
label=$(printf 'a%.0s' $(seq 62))
long="http://$label.$label.$label.$label.example.com:65535"
longer="http://$label.$label.$label.$label.$label.example.com"
diag "origins of ${#long} and ${#longer} bytes"
is "$(code -G --data-urlencode "origin=$long" "$BASE/poll/iframe")" 200 "a ${#long}-byte origin: /poll/iframe accepts it"
is "$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' -G --data-urlencode "origin=$long" "$BASE/iframeLongConnection")" 200 \
   "and so does /iframeLongConnection"
is "$(code -G --data-urlencode "origin=$longer" "$BASE/poll/iframe")" 400 "a ${#longer}-byte origin: /poll/iframe refuses it"
is "$(code -G --data-urlencode "origin=$longer" "$BASE/iframeLongConnection")" 400 "and so does /iframeLongConnection"

# Without origin= the target is http:// + Host; a request with no Host
# to take it from (HTTP/1.0 may leave it out; HTTP/1.1 may send it
# empty) gets 400 saying what to send, not a document posting to "*".
r=$(raw "$PORT" 'GET /poll/iframe?after=0 HTTP/1.0\r\n\r\n')
is "$(status_of "$r")" 400 "HTTP/1.0 without Host or origin=: /poll/iframe is 400"
like "$r" 'no usable origin: pass origin=' "... saying to pass origin="
r=$(raw "$PORT" 'GET /poll/iframe?after=0 HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n')
is "$(status_of "$r")" 400 "an empty Host and no origin=: 400"
is "$(code "$BASE/poll/iframe?after=0")" 200 "a bystander's /poll/iframe is served"

done_testing
