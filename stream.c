/*
 * stream.c - ARTICLE §2 (iframe长连接), corrected: HTTP streaming read
 * with fetch() and with XHR, and a streamed reply to a POST.
 *
 * §2's 原理 paragraph says that a long connection cannot be built
 * directly on fetch or XHR, because they only receive a message once,
 * and so the article falls back to the forever frame.  That was never
 * true of XHR: while a response is loading, XHR fires "progress" events
 * and responseText grows, which is the classic "XHR streaming" transport
 * (SockJS's xhr-streaming, Comet before it).  And it is not true of
 * fetch: a Response's body is a ReadableStream that the page reads chunk
 * by chunk with getReader(), in every browser since 2019.  What the
 * article had in mind is `await response.text()`, which indeed resolves
 * only when the response ends: www/fetch-streaming.html shows both side
 * by side on the same endless response.
 *
 * Streaming over fetch is also what readers meet most today: chat pages
 * that stream an AI's answer POST the prompt and read the reply as it is
 * written, since EventSource can only GET and cannot send a body.
 * POST /stream/reply is that, with the article's echo (§4.5) as the
 * "answer".
 *
 * The wire, GET /stream (fetch) and GET /stream/xhr (XHR):
 *
 *   HTTP/1.1 200 OK
 *   Content-Type: application/x-ndjson
 *   X-Content-Type-Options: nosniff     (net/conn.c sends it always: without
 *                                        it Chromium holds back the first
 *                                        KiB of an unknown type to sniff it)
 *   Cache-Control: no-store
 *   Access-Control-Allow-Origin: *
 *   X-Accel-Buffering: no
 *   Transfer-Encoding: chunked          (close-delimited on HTTP/1.0)
 *   Connection: close
 *
 *   2a                                   one chunk per line
 *   {"id":7,"type":"time","data":"12:00:07"}\n
 *   3c
 *   {"notice":"missed","missed":5,"last":40}\n     (only when resuming
 *                                        from a cursor older than the ring)
 *   ...
 *   0                                    ?closeAfter=N, the XHR limit, or
 *                                        shutdown: the last chunk
 *
 * Without ?after= the stream starts with the newest event, so the page
 * shows something at once and learns its cursor (as /poll without
 * after=); with ?after=N it starts with every event after N still in the
 * hub's ring, then goes on live: a client that reconnects with the id of
 * the last line it read loses nothing and sees nothing twice.
 *
 * POST /stream/reply, body "hi":
 *
 *   HTTP/1.1 200 OK
 *   Content-Type: text/event-stream
 *   ...
 *   data: {"text":"服"}                  one character every 30 ms
 *
 *   data: {"text":"务"}
 *   ...
 *   event: done                          the end, an event of its own
 *   data: {"chars":16,"bytes":44}        type, with a data line
 *
 *   0
 *
 * Why NDJSON for the streams: a line is the simplest frame a reader can
 * split on, and the hub's event JSON never holds a raw line end
 * (core/escape.h escapes LF, CR, U+2028 and U+2029), so each event is
 * exactly one line whatever was published, and JSON.parse gives back
 * exactly the text.  Chunk boundaries mean nothing to the reader (a
 * proxy may merge or split chunks, the browser hands the page whatever
 * arrived), so the page keeps the tail after the last LF until the rest
 * comes.  Why the event-stream format for the reply: it is what chat APIs
 * send over their POSTs, a browser-defined format with its own named
 * events, and core/sse_proto.c already writes it (sse_format_event); the
 * page parses it with about 40 lines of the WHATWG algorithm, since
 * EventSource cannot POST.
 *
 * Specifications followed:
 *   - WHATWG Fetch, "Response class" (body) and WHATWG Streams,
 *     "ReadableStreamDefaultReader" (read() per chunk), what the pages use;
 *   - WHATWG Encoding, TextDecoder.decode with {stream: true}: a
 *     character split across two chunks is held until it is whole;
 *   - WHATWG XMLHttpRequest, "progress" events while loading (at most
 *     every 50 ms) and responseText, which holds the whole response;
 *   - RFC 9112 section 7.1 (chunked transfer coding), section 6.3 (a
 *     close-delimited body for HTTP/1.0) and section 9.6 (Connection: close);
 *   - the NDJSON convention (ndjson.org): UTF-8, one JSON text per line, LF;
 *   - WHATWG HTML, "Server-sent events": the reply's framing.
 *
 * What it fixes in the article (beyond the claim in §2 itself): the
 * forever frame has no cursor, so a page that reconnects loses what was
 * sent meanwhile; these streams resume from ?after=.  A slow reader is
 * dropped at CONN_OUTPUT_MAX (conn_write_chunk), a reader that leaves is
 * freed at once (the loop sees the close in any stream state), and a
 * replay larger than the output cap is paced as the reader drains it.
 */
#include "stream.h"

#include <stdio.h>
#include <string.h>

#include "core/hub.h"
#include "core/mem.h"
#include "core/stream_proto.h"
#include "core/utf8.h"
#include "net/clock.h"
#include "net/conn.h"
#include "net/replay.h"

enum {
    /* One reply event: a character is at most 6 bytes once JSON-escaped,
     * plus "data: {"text":""}" (or the done event) and the blank line. */
    STREAM_EVENT_OVERHEAD = 64
};

static const char ndjson_type[] = "application/x-ndjson";
static const char stream_headers[] =
    "Cache-Control: no-store\r\n"          /* a live stream is never stored */
    "Access-Control-Allow-Origin: *\r\n"   /* compare.html reads it from another port */
    "X-Accel-Buffering: no\r\n";           /* nginx and alike: pass bytes on at once */

/* ARTICLE §4.5: the echo server's reply, conn.sendText(`...${text}`). */
static const char reply_prefix[] = "服务端已收到信息，您的信息是";

/* ------------------------------------------------------------------ */
/* GET /stream and GET /stream/xhr                                     */

/* What one stream remembers. */
struct ndjson_stream {
    enum technique technique;  /* TECH_FETCH_STREAM or TECH_XHR_STREAM */
    struct replay replay;      /* the cursor: the next hub id this client is due */
    uint64_t sent;             /* hub events sent */
    uint64_t close_after;      /* end after this many events (0: never) */
    uint64_t limit;            /* end once the body passed this (0: never) */
    uint64_t body_bytes;       /* body bytes written (the lines) */
    int ended;                 /* the last chunk is written */
};

/* End the response with the last chunk; the loop flushes and closes. */
static void end_stream(struct conn *c, struct ndjson_stream *st)
{
    st->ended = 1;
    conn_set_timer(c, 0);
    conn_end_stream(c);
}

/* Send one line as one chunk.  0, or -1 once the connection is being
 * dropped (a reader too slow). */
static int send_line(struct conn *c, struct ndjson_stream *st, const char *line, size_t len)
{
    st->body_bytes += len;
    return conn_write_chunk(c, line, len);
}

/* The XHR rotation: the first line boundary past the limit ends this
 * response, and the page opens the next one after the last id it read.
 * -1 if it ended. */
static int rotate_if_full(struct conn *c, struct ndjson_stream *st)
{
    if (st->limit == 0 || st->body_bytes < st->limit)
        return 0;
    end_stream(c, st);
    return -1;
}

/* One hub event as one line.  -1 once the stream is over (dropped, or
 * ended by ?closeAfter= or the XHR limit). */
static int send_event(struct conn *c, struct ndjson_stream *st,
                      const struct hub_event *ev)
{
    struct buf line = { NULL, 0, 0, ev->json_len + 1 };
    if (stream_render_event(&line, ev) != 0) {   /* out of memory */
        buf_free(&line);
        conn_drop(c, "out_of_memory");
        return -1;
    }
    int rc = send_line(c, st, line.data, line.len);
    buf_free(&line);
    if (rc != 0)
        return -1;
    st->sent++;
    stats_count_delivery(st->technique);
    if (st->close_after != 0 && st->sent >= st->close_after) {
        end_stream(c, st);
        return -1;
    }
    return rotate_if_full(c, st);
}

/* The client's cursor is older than the ring: say how many events it
 * will never get (the replay moves its cursor past them). */
static int send_missed(struct conn *c, uint64_t missed, uint64_t first)
{
    struct ndjson_stream *st = c->tech;
    char line[STREAM_NOTICE_MAX];
    size_t n = stream_notice_missed(line, missed, first - 1);
    return send_line(c, st, line, n) != 0 ? -1 : rotate_if_full(c, st);
}

static int send_replayed(struct conn *c, const struct hub_event *ev)
{
    return send_event(c, c->tech, ev);
}

static const struct replay_ops ndjson_replay = { send_replayed, send_missed };

/* Replay what is due (net/replay.c paces it by the reader). */
static void pump(struct conn *c, struct ndjson_stream *st)
{
    if (!st->ended)
        replay_pump(c, &st->replay, &ndjson_replay);
}

/* ARTICLE §2: where the forever frame appends a <script> per event
 * (circulate's setInterval), these streams append one line. */
static void ndjson_on_event(struct conn *c, const struct hub_event *ev)
{
    struct ndjson_stream *st = c->tech;
    /* Live: write it now, whatever is unsent.  A reader that stops
     * reading reaches CONN_OUTPUT_MAX and is dropped as a slow_consumer
     * (conn_write_chunk) instead of holding ever more memory. */
    if (!st->ended && st->replay.next_id == ev->id) {
        replay_sent(&st->replay, ev);
        send_event(c, st, ev);
    } else
        pump(c, st);   /* replaying the ring: this event waits its turn
                          (or the stream ended: pump writes nothing) */
}

/* Only set while a replay is paused: go on, or drop a reader that has
 * taken nothing for REPLAY_STALL_TIMEOUT_MS. */
static void ndjson_on_timer(struct conn *c)
{
    struct ndjson_stream *st = c->tech;   /* (end_stream cancels the timer) */
    if (replay_stalled(c, &st->replay))
        conn_drop(c, "slow_consumer");
    else
        pump(c, st);
}

/* The server is stopping: the last chunk, a clean end.  The pages
 * reconnect with their cursor, into the next run if there is one. */
static void ndjson_on_shutdown(struct conn *c)
{
    struct ndjson_stream *st = c->tech;
    if (!st->ended)   /* (else its last bytes are still going out) */
        end_stream(c, st);
}

static void ndjson_on_close(struct conn *c)
{
    mem_free(c->tech);
    c->tech = NULL;
}

/* Input from the reader is discarded by the loop (on_input NULL); the
 * clock's event each second keeps the response busy, so there is no
 * keep-alive timer. */
static const struct stream_ops ndjson_ops = {
    NULL,                 /* on_input */
    ndjson_on_event,
    ndjson_on_timer,
    ndjson_on_shutdown,
    ndjson_on_close
};

/* Where the stream starts, from the client's cursor.  Writes the notice
 * a cursor from the future gets, and returns the first id due. */
static uint64_t first_due(struct conn *c, struct ndjson_stream *st,
                          const struct stream_query *q)
{
    uint64_t newest = hub_last_id();
    if (q->has_after && q->after <= newest)
        return q->after + 1;        /* a replay (the missed notice in pump) */
    /* No cursor: a new client starts with the newest event, so it shows
     * something at once and has a cursor from its first line.  A cursor
     * newer than every event (the client saw an earlier server run) is
     * told so, then starts the same way. */
    uint64_t start = newest > 0 ? newest : 1;
    if (q->has_after) {
        char line[STREAM_NOTICE_MAX];
        size_t n = stream_notice_reset(line, start - 1);
        if (send_line(c, st, line, n) == 0)
            rotate_if_full(c, st);
    }
    return start;
}

static void ndjson_handle(struct conn *c, const struct http_request *req,
                          enum conn_state state, enum technique tech)
{
    struct stream_query q;
    char error[128];

    conn_count_request(c, tech);
    if (stream_parse_query(req->query, req->query_len, tech == TECH_XHR_STREAM,
                           &q, error, sizeof error) != 0) {
        conn_respond_error(c, 400, error);
        return;
    }
    struct ndjson_stream *st = mem_calloc(1, sizeof *st);
    if (st == NULL) {
        conn_respond_error(c, 503, "out of memory");
        return;
    }
    st->technique = tech;
    st->close_after = q.close_after;
    st->limit = q.limit;

    /* The same framing as the forever frame (iframe.c says why chunked);
     * a fetch() or XHR reader sees only the decoded body. */
    if (conn_start_stream(c, 200, ndjson_type, stream_headers) != 0) {
        mem_free(st);                       /* HEAD: the head was the answer */
        return;
    }
    conn_enter(c, state, tech, &ndjson_ops, st);
    replay_start(&st->replay, first_due(c, st, &q));
    if (!c->dead && !st->ended)
        pump(c, st);
}

void stream_handle_fetch(struct conn *c, const struct http_request *req)
{
    ndjson_handle(c, req, CONN_FETCH_STREAM, TECH_FETCH_STREAM);
}

void stream_handle_xhr(struct conn *c, const struct http_request *req)
{
    ndjson_handle(c, req, CONN_XHR_STREAM, TECH_XHR_STREAM);
}

/* ------------------------------------------------------------------ */
/* POST /stream/reply                                                  */

/* What one reply remembers: its whole text, and how far it has got. */
struct reply {
    char *text;              /* reply_prefix + the message, UTF-8 */
    size_t len;
    size_t pos;              /* bytes sent */
    size_t chars_sent;
    size_t chars_per_piece;  /* stream_reply_chars_per_piece() */
    int ended;               /* the done event and the last chunk are written */
};

/* Write one event (piece or done) as one chunk.  0, or -1 once the
 * connection is being dropped. */
static int reply_send(struct conn *c, struct buf *event)
{
    if (event->data == NULL) {
        conn_drop(c, "out_of_memory");
        return -1;
    }
    int rc = conn_write_chunk(c, event->data, event->len);
    buf_free(event);
    return rc;
}

/* The next `chars` characters (all that is left if fewer). */
static int reply_send_piece(struct conn *c, struct reply *r, size_t chars)
{
    size_t n = stream_utf8_prefix(r->text + r->pos, r->len - r->pos, chars);
    struct buf event = { NULL, 0, 0, n * 6 + STREAM_EVENT_OVERHEAD };
    if (stream_render_reply_piece(&event, r->text + r->pos, n) != 0)
        buf_free(&event);
    r->chars_sent += stream_utf8_chars(r->text + r->pos, n);
    r->pos += n;
    return reply_send(c, &event);
}

/* The done event, then the last chunk: the reply is complete. */
static void reply_finish(struct conn *c, struct reply *r)
{
    struct buf event = { NULL, 0, 0, STREAM_EVENT_OVERHEAD };
    if (stream_render_reply_done(&event, r->chars_sent, r->pos) != 0)
        buf_free(&event);
    r->ended = 1;
    conn_set_timer(c, 0);
    if (reply_send(c, &event) != 0)
        return;
    stats_count_delivery(TECH_STREAM_REPLY);
    conn_end_stream(c);
}

/* One piece per tick, then the end. */
static void reply_on_timer(struct conn *c)
{
    struct reply *r = c->tech;            /* (reply_finish cancels the timer) */
    if (reply_send_piece(c, r, r->chars_per_piece) != 0)
        return;
    if (r->pos == r->len)
        reply_finish(c, r);
    else
        conn_set_timer(c, clock_now_ms() + STREAM_REPLY_TICK_MS);
}

/* The server is stopping: the rest of the reply at once, then the end,
 * rather than a reply cut off in the middle. */
static void reply_on_shutdown(struct conn *c)
{
    struct reply *r = c->tech;
    /* Not ended, so some of it is still to send (it ends at its last piece). */
    if (!r->ended && reply_send_piece(c, r, r->len) == 0)
        reply_finish(c, r);
}

static void reply_on_close(struct conn *c)
{
    struct reply *r = c->tech;
    mem_free(r->text);
    mem_free(r);
    c->tech = NULL;
}

/* No on_event: a reply is private to its request, nothing of the hub
 * goes into it.  A client that aborts the fetch closes its connection,
 * and the loop drops a connection in any stream state as soon as read()
 * says so ("peer_closed" in /stats), which frees the reply and cancels
 * its timer: nothing is written for a reader who has gone. */
static const struct stream_ops reply_ops = {
    NULL,                 /* on_input: the request was the whole input */
    NULL,                 /* on_event */
    reply_on_timer,
    reply_on_shutdown,
    reply_on_close
};

/* The message must be what /publish would take: 1 to
 * HUB_MESSAGE_MAX_BYTES bytes of UTF-8.  0, or -1 after answering. */
static int check_message(struct conn *c, const struct http_request *req)
{
    if (req->body_len == 0) {
        conn_respond_error(c, 400, "the message is empty");
        return -1;
    }
    if (req->body_len > HUB_MESSAGE_MAX_BYTES) {
        conn_respond_errorf(c, 413, "the message is larger than %d bytes",
                            HUB_MESSAGE_MAX_BYTES);
        return -1;
    }
    if (!utf8_valid(req->body, req->body_len)) {
        conn_respond_error(c, 400, "the message is not valid UTF-8");
        return -1;
    }
    return 0;
}

static struct reply *reply_new(const char *message, size_t len)
{
    size_t prefix_len = sizeof reply_prefix - 1;
    struct reply *r = mem_calloc(1, sizeof *r);
    char *text = mem_alloc(prefix_len + len);
    if (r == NULL || text == NULL) {
        mem_free(r);
        mem_free(text);
        return NULL;
    }
    /* ARTICLE §4.5: `服务端已收到信息，您的信息是${text}` */
    memcpy(text, reply_prefix, prefix_len);
    memcpy(text + prefix_len, message, len);
    r->text = text;
    r->len = prefix_len + len;
    r->chars_per_piece = stream_reply_chars_per_piece(stream_utf8_chars(text, r->len));
    return r;
}

void stream_handle_reply(struct conn *c, const struct http_request *req)
{
    conn_count_request(c, TECH_STREAM_REPLY);
    if (check_message(c, req) != 0)
        return;
    struct reply *r = reply_new(req->body, req->body_len);
    if (r == NULL) {
        conn_respond_error(c, 503, "out of memory");
        return;
    }
    /* The event-stream format over a POST: EventSource cannot send one,
     * so the page reads this with fetch() and parses it itself.  The
     * route takes POST only, so this is never a HEAD: the stream starts
     * (conn_start_stream returns 1 only for a HEAD). */
    conn_start_stream(c, 200, "text/event-stream", stream_headers);
    conn_enter(c, CONN_STREAM_REPLY, TECH_STREAM_REPLY, &reply_ops, r);
    reply_on_timer(c);   /* the first piece at once, then one per tick */
}
