#!/usr/bin/env bash
# tests/soak.sh [SECONDS] - the soak (`make soak`; SOAK_SECONDS, default
# 120): clients of every technique connecting, publishing and leaving at
# random against one server (tests/soak.py), then the checks: every
# client that stayed got every event with no gap and nothing missed
# while it was in the ring, and the server's connection table, open
# descriptors and RSS are back where they started.
#
# RSS tolerance: 2 MB.  The ring is filled before the baseline, so the
# hub's own memory does not grow; what remains is malloc keeping freed
# per-connection buffers (16 KiB read buffers, output buffers, up to 40
# churning clients at once) in its free lists instead of returning them
# to the kernel.  A leak would grow with the run's length; 2 MB is less
# than the buffers of the 40 churning clients at their peak.
SOAK_SECONDS=${1:-${SOAK_SECONDS:-120}}
. "$(dirname "$0")/lib.sh"
start_server

PYTHONPATH="$ROOT/tests" timeout $((SOAK_SECONDS + 120)) python3 "$ROOT/tests/soak.py" \
    "$PORT" "$SERVER_PID" "$SOAK_SECONDS" >"$T_TMP/soak.json" 2>"$T_TMP/err"
ok $? "the soak ran for ${SOAK_SECONDS} s"
[ -s "$T_TMP/err" ] && diag "$(head -c 2000 "$T_TMP/err")"
r() { jq -r "$@" "$T_TMP/soak.json"; }

diag "$(r .published) events published, $(r .churn_clients) clients came and went ($(r .resets) by reset); drops: $(jq -c .dropped "$T_TMP/soak.json")"
is "$(r '.errors | length')" 0 "no publisher or client saw an error $(jq -c .errors "$T_TMP/soak.json")"
for k in short_poll long_poll iframe_poll jsonp_poll forever_frame websocket sse fetch_stream xhr_stream; do
    is "$(r ".stayers.$k.error")" null "stayer $k: no error"
    is "$(r ".stayers.$k.gaps | length")" 0 "stayer $k: no gap in ids ($(r ".stayers.$k.events") events)"
    is "$(r ".stayers.$k.missed")" 0 "stayer $k: no event left the ring before it was read"
    is "$(r ".stayers.$k.missing_published | length")" 0 "stayer $k: every published message arrived"
done
xhr_requests=$(r .stayers.xhr_stream.requests)
ok "$([ "${xhr_requests:-0}" -ge 2 ] && echo 0 || echo 1)" "the XHR stayer's responses ended at the limit and it reopened them ($xhr_requests requests)"
is "$(r .end.connections)" "$(r .start.connections)" "the connection table is back where it started ($(jq -c .end.table "$T_TMP/soak.json"))"
is "$(r .end.fds)" "$(r .start.fds)" "so are the open descriptors"
rs=$(r .start.rss_kb) re=$(r .end.rss_kb)
diag "server RSS ${rs} kB at the start (ring full), ${re} kB at the end"
if server_rss_is_own; then
    ok "$([ "$re" -le $((rs + 2048)) ] && echo 0 || echo 1)" "RSS back within 2 MB of the start (${rs} -> ${re} kB)"
else
    diag "instrumented build: RSS not asserted"
fi
ok "$(server_alive; echo $?)" "the server is still running"
done_testing
