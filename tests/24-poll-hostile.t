#!/bin/bash
# 24-poll-hostile.t - a published message made to break out of its
# context: </script>, <!--, quotes, backslashes, U+2028/U+2029, control
# characters.  In each form (JSON, JSONP, iframe) it must stay inside its
# string, and parse back to exactly the bytes published.
. "$(dirname "$0")/lib.sh"
start_server

poll() { curl -s --max-time 5 "$BASE/poll?$1"; }

# The message, as bytes in a file.
printf '</script><script>alert(1)</script><!-- "dq" '"'"'sq'"'"' back\\slash \\u0041 \xe2\x80\xa8LS \xe2\x80\xa9PS \x01\x1f\x7f\ttab\r\nnew ]]> ${x} & < >' > "$T_TMP/msg"
L=$(poll "type=message" | jq .last)
id=$(curl -s --data-binary @"$T_TMP/msg" "$BASE/publish" | jq .id)
ok $([ "$id" -gt "$L" ]; echo $?) "the hostile message is published (id $id)"

# ---- JSON ----
poll "after=$L&type=message" > "$T_TMP/json"
jq -j '.events[0].data' < "$T_TMP/json" > "$T_TMP/json.data"
ok $(cmp -s "$T_TMP/msg" "$T_TMP/json.data"; echo $?) "JSON: jq gets back exactly the bytes published"
node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).events[0].data)' \
    < "$T_TMP/json" > "$T_TMP/json.node"
ok $(cmp -s "$T_TMP/msg" "$T_TMP/json.node"; echo $?) "JSON: node's JSON.parse gets back exactly the same"
body=$(cat "$T_TMP/json")
unlike "$body" '</|<!--|<script' "JSON: no </, <!-- or <script in the body"
ok $(! LC_ALL=C grep -q $'\xe2\x80[\xa8\xa9]' "$T_TMP/json"; echo $?) "JSON: no raw U+2028/U+2029"
ok $(! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]' "$T_TMP/json"; echo $?) "JSON: no raw control characters"

# ---- JSONP ----
poll_jsonp=$(curl -s "$BASE/poll/jsonp?after=$L&type=message&callback=JSONP.cb1")
printf '%s' "$poll_jsonp" > "$T_TMP/jsonp"
unlike "$poll_jsonp" '</|<!--' "JSONP: no </ or <!-- in the script"
node -e '
  const src = require("fs").readFileSync(process.argv[1], "utf8");
  let calls = 0, got;
  require("vm").runInNewContext(src, { JSONP: { cb1: (d) => { calls++; got = d; } } });
  if (calls !== 1) process.exit(3);
  process.stdout.write(got.events[0].data);' "$T_TMP/jsonp" > "$T_TMP/jsonp.data"
is "$?" 0 "JSONP: node runs it and the callback is called once"
ok $(cmp -s "$T_TMP/msg" "$T_TMP/jsonp.data"; echo $?) "JSONP: the callback gets exactly the bytes published"

# ---- iframe ----
curl -s "$BASE/poll/iframe?after=$L&type=message" > "$T_TMP/iframe"
is "$(grep -o '</script' "$T_TMP/iframe" | wc -l)" 1 "iframe: one </script, our own"
is "$(grep -o '<script' "$T_TMP/iframe" | wc -l)" 1 "iframe: one <script, our own"
is "$(grep -c '<!--' "$T_TMP/iframe")" 0 "iframe: no <!--"
node -e '
  const html = require("fs").readFileSync(process.argv[1], "utf8");
  const m = /<script>([\s\S]*?)<\/script>/.exec(html);
  let got, target;
  const parent = { postMessage: (d, o) => { got = d; target = o; } };
  require("vm").runInNewContext(m[1], { parent });
  if (target !== process.argv[2]) process.exit(4);
  process.stdout.write(got.events[0].data);' "$T_TMP/iframe" "http://127.0.0.1:$PORT" > "$T_TMP/iframe.data"
is "$?" 0 "iframe: its script posts to http://127.0.0.1:$PORT"
ok $(cmp -s "$T_TMP/msg" "$T_TMP/iframe.data"; echo $?) "iframe: the parent gets exactly the bytes published"

ok $(server_alive; echo $?) "the server is alive"
done_testing
