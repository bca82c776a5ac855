/*
 * sse.c - ARTICLE §5 (SSE长连接): Server-Sent Events.
 *
 *   §5.1 综述          what SSE is: plain HTTP, one long response, server
 *                      to browser only; the 6-connections-per-host limit
 *                      (demonstrated live by www/sse-limit.html)
 *   §5.2 客户端代码实现 the page: www/sse.html (EventSource, "open",
 *                      "error", "message" and "testEvent" listeners)
 *   §5.3 服务端代码实现 this file: GET /sseStream; the format itself, pure
 *                      and unit-tested, is core/sse_proto.c
 *
 * The wire format (WHATWG HTML, "Server-sent events": "Parsing an event
 * stream", "Interpreting an event stream"), one response per stream:
 *
 *     HTTP/1.1 200 OK
 *     Content-Type: text/event-stream
 *     Cache-Control: no-cache
 *     Access-Control-Allow-Origin: *
 *     X-Accel-Buffering: no
 *     Transfer-Encoding: chunked
 *     Connection: close                 the last response on this connection
 *
 *     retry: 3000                       reconnection delay, ms
 *
 *     event: testEvent                  the article's custom event...
 *     id: 41                            ...its id is the resume cursor
 *     data: connected: live events after id 41 follow
 *
 *     id: 42                            one event per hub event: the
 *     data: 12:00:01                    clock each second, and every
 *                                       published message
 *     id: 43
 *     data: first line of a message     (one data line per line)
 *     data: second line
 *
 *     : keep-alive                      a comment when idle
 *
 * What it fixes in the article's server (§5.3):
 *
 *  - Its custom event never fires.  It writes "event: testEvent",
 *    "id: testId" and a blank line, with no "data:" line.  The blank line
 *    dispatches the event, and the spec's dispatch steps begin: if the
 *    data buffer is empty, reset the buffers and return - nothing is
 *    fired.  Its "data: <date>" that follows is a block of its own with no
 *    event type, so it fires as a plain "message".  Every later tick does
 *    the same ("event: message" and "id: messageId" end in a blank line
 *    before their data).  Here every event's fields are in one block,
 *    with at least one data line, so testEvent fires.
 *  - Its ids mean nothing ("testId", "messageId"), so a browser that
 *    reconnects (it does so by itself, after the retry delay) sends a
 *    Last-Event-ID the server cannot use, and whatever was sent while it
 *    was away is lost.  Here an id is the hub's event id, and a client
 *    that comes back with Last-Event-ID gets every event it missed that
 *    is still in the hub's ring, then the live stream, none twice.
 *  - A message holding a line break would end its data field and could
 *    write fields of its own ("id: ..." or a second event); here data is
 *    split at every CR, LF and CRLF into data lines (sse_format_event).
 *  - Its response has no Cache-Control and no CORS header, so its page on
 *    port 3000 cannot read port 3002's stream; here both are sent.
 *  - It never ends its response; here shutdown ends every stream with the
 *    last chunk, and the browser reconnects after the retry delay.
 */
#include "sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hub.h"
#include "core/mem.h"
#include "core/sse_proto.h"
#include "net/clock.h"
#include "net/conn.h"
#include "net/replay.h"

enum {
    SSE_RETRY_MS = 3000,            /* "retry:" we send: the article's 10 s is
                                       a long wait after a server restart;
                                       3 s is the usual browser default */
    SSE_KEEPALIVE_MS = 15 * 1000,   /* a comment after this long without
                                       output (proxies cut idle responses,
                                       commonly after 30-60 s) */
    SSE_CLOSE_AFTER_MAX = 1000000,  /* largest ?closeAfter=N */
    SSE_PARAM_MAX = 32,             /* bytes of a query parameter we read */
    SSE_NOTE_MAX = 160,             /* bytes of testEvent's text */
    /* One formatted event: at worst every byte of a message is a line end
     * and becomes "data: \n" (7 bytes), plus the id and event lines. */
    SSE_EVENT_MAX_BYTES = HUB_MESSAGE_MAX_BYTES * 7 + 256
};

/* The name of the article's custom event (§5.2 listens for it). */
static const char test_event_name[] = "testEvent";
/* Sent when a client's cursor is older than the ring; data = how many. */
static const char missed_event_name[] = "missed";

/* What one stream remembers. */
struct sse_stream {
    struct replay replay;    /* the cursor: the next hub id this client is due */
    uint64_t sent;           /* hub events sent on this stream */
    uint64_t close_after;    /* end the response after this many (0: never) */
    int ended;               /* the last chunk is written: write nothing more */
    int64_t last_write_ms;   /* for the keep-alive comment */
};

/* ------------------------------------------------------------------ */
/* writing to one stream                                               */

/* Send one formatted block as one chunk.  0, or -1 if the connection is
 * being dropped (its reader is too slow) or out of memory. */
static int send_block(struct conn *c, struct sse_stream *st, struct buf *b)
{
    if (b->data == NULL) {          /* formatting ran out of memory */
        conn_drop(c, "out_of_memory");
        return -1;
    }
    int rc = conn_write_chunk(c, b->data, b->len);
    buf_free(b);
    if (rc != 0)
        return -1;
    st->last_write_ms = clock_now_ms();
    return 0;
}

static int send_event(struct conn *c, struct sse_stream *st, const char *event,
                      int has_id, uint64_t id, const char *data, size_t len)
{
    struct buf b = { NULL, 0, 0, SSE_EVENT_MAX_BYTES };
    if (sse_format_event(&b, event, has_id, id, data, len) != 0) {
        buf_free(&b);
        conn_drop(c, "out_of_memory");
        return -1;
    }
    return send_block(c, st, &b);
}

/* End the response (the last chunk); the loop flushes and closes. */
static void end_stream(struct conn *c, struct sse_stream *st)
{
    if (st->ended)
        return;
    st->ended = 1;
    conn_set_timer(c, 0);
    conn_end_stream(c);
}

/* ARTICLE §5.3: the setInterval that writes the date each second.  Here
 * one hub event: "id: N" and its text as data, type "message" (no event
 * field, the default: the article's explicit "event: message" means the
 * same).  The article's page listens for "message", and both the clock
 * and published messages are shown by that listener; an "event: time"
 * would hide the clock from it.  -1 once the stream ended or was dropped. */
/* The last hub event formatted as a block: every stream it is sent to
 * gets the same bytes, so it is formatted once, not once per subscriber
 * (at 990 subscribers that was a buffer and a formatting pass per
 * delivery: bench/PROFILE.md).  Known by the event's id and data, which
 * together never name two events. */
static struct {
    uint64_t id;
    const char *data;
    struct buf block;
} rendered;

void sse_free_rendered(void)
{
    buf_free(&rendered.block);
    rendered.data = NULL;
}

static const struct buf *render_hub_event(const struct hub_event *ev)
{
    if (rendered.data == ev->data && rendered.id == ev->id && rendered.block.data != NULL)
        return &rendered.block;
    sse_free_rendered();
    rendered.block.max = SSE_EVENT_MAX_BYTES;
    if (sse_format_event(&rendered.block, NULL, 1, ev->id, ev->data, ev->data_len) != 0) {
        sse_free_rendered();
        return NULL;                    /* out of memory */
    }
    rendered.id = ev->id;
    rendered.data = ev->data;
    return &rendered.block;
}

static int send_hub_event(struct conn *c, struct sse_stream *st,
                          const struct hub_event *ev)
{
    const struct buf *block = render_hub_event(ev);
    if (block == NULL) {
        conn_drop(c, "out_of_memory");
        return -1;
    }
    if (conn_write_chunk(c, block->data, block->len) != 0)
        return -1;
    st->last_write_ms = clock_now_ms();
    st->sent++;
    stats_count_delivery(TECH_SSE);
    if (st->close_after != 0 && st->sent >= st->close_after) {
        end_stream(c, st);
        return -1;
    }
    return 0;
}

/* The client is due events that already left the ring: say how many in
 * an event of its own.  Its id moves the cursor past them, so a client
 * that reconnects after this is not told twice. */
static int send_missed(struct conn *c, uint64_t missed, uint64_t now_first)
{
    char count[24];
    int n = snprintf(count, sizeof count, "%llu", (unsigned long long)missed);
    return send_event(c, c->tech, missed_event_name, 1, now_first - 1, count, (size_t)n);
}

static int send_replayed(struct conn *c, const struct hub_event *ev)
{
    return send_hub_event(c, c->tech, ev);
}

static const struct replay_ops sse_replay = { send_replayed, send_missed };

static void arm_keepalive(struct conn *c, struct sse_stream *st)
{
    conn_set_timer(c, st->last_write_ms + clock_timeout(SSE_KEEPALIVE_MS));
}

/* Replay what is due (net/replay.c paces it by the reader); once caught
 * up, the keep-alive timer takes over. */
static void pump(struct conn *c, struct sse_stream *st)
{
    if (replay_pump(c, &st->replay, &sse_replay) == REPLAY_CAUGHT_UP && !st->ended)
        arm_keepalive(c, st);
}

/* ------------------------------------------------------------------ */
/* the loop's callbacks                                                */

static void sse_on_event(struct conn *c, const struct hub_event *ev)
{
    struct sse_stream *st = c->tech;
    if (st->ended)
        return;
    if (st->replay.next_id == ev->id) {
        /* Live: write it now, whatever is unsent.  A reader that stops
         * reading reaches CONN_OUTPUT_MAX and is dropped as a
         * slow_consumer rather than holding ever more memory. */
        replay_sent(&st->replay, ev);
        if (send_hub_event(c, st, ev) == 0)
            arm_keepalive(c, st);
        return;
    }
    pump(c, st);   /* still replaying the ring: this event waits its turn */
}

static void sse_on_timer(struct conn *c)
{
    struct sse_stream *st = c->tech;
    int64_t now = clock_now_ms();
    if (st->ended)
        return;
    if (replay_behind(&st->replay)) {         /* catching up, paused */
        if (replay_stalled(c, &st->replay))
            conn_drop(c, "slow_consumer");
        else
            pump(c, st);
        return;
    }
    if (now - st->last_write_ms >= clock_timeout(SSE_KEEPALIVE_MS)) {
        /* A comment line: the parser ignores it, but bytes flow, so
         * proxies and NAT boxes do not time the response out. */
        struct buf b = { NULL, 0, 0, 64 };
        sse_format_comment(&b, "keep-alive");   /* as the retry line above */
        if (send_block(c, st, &b) != 0)
            return;
    }
    arm_keepalive(c, st);
}

static void sse_on_shutdown(struct conn *c)
{
    /* The last chunk: a clean end of the response.  EventSource treats
     * any end as a lost connection and reconnects after "retry" ms, with
     * Last-Event-ID - into the next server run, if there is one. */
    end_stream(c, c->tech);
}

static void sse_on_close(struct conn *c)
{
    mem_free(c->tech);
    c->tech = NULL;
}

static const struct stream_ops sse_ops = {
    NULL,            /* on_input: a client sends nothing; the loop discards it */
    sse_on_event,
    sse_on_timer,
    sse_on_shutdown,
    sse_on_close
};

/* ------------------------------------------------------------------ */
/* GET /sseStream                                                      */

/* The response head.  The charset parameter is left out: the spec
 * decodes every event stream as UTF-8 whatever the header says, and it
 * matches the MIME type's essence, so "; charset=utf-8" would carry no
 * information, while a few older clients compare the whole value. */
static const char sse_content_type[] = "text/event-stream";
static const char sse_headers[] =
    "Cache-Control: no-cache\r\n"          /* never a stored copy of a live stream */
    "Access-Control-Allow-Origin: *\r\n"   /* the article's page on 3000 reads 3002 */
    "X-Accel-Buffering: no\r\n";           /* nginx and alike: pass bytes on at once */

/* Where the client wants to start.  The Last-Event-ID header wins over
 * the ?lastEventId= parameter: the browser sends the header when it
 * reconnects by itself, to the URL the page first gave, so the URL's
 * cursor is the older one.  Returns the parsed cursor; *bad_param is set
 * when the parameter is present but not a number (answered with 400). */
static enum sse_cursor read_cursor(const struct http_request *req,
                                   uint64_t *id, int *bad_param)
{
    char param[SSE_PARAM_MAX];
    size_t len = 0;
    uint64_t header_id = 0, param_id = 0;
    const char *header = http_header_value(req, "Last-Event-ID", &len);
    enum sse_cursor from_header = sse_parse_cursor(header, len, &header_id);
    long n = http_query_param(req->query, req->query_len, "lastEventId",
                              param, sizeof param);
    enum sse_cursor from_param = n == -1 ? SSE_CURSOR_NONE
        : n < 0 ? SSE_CURSOR_INVALID
        : sse_parse_cursor(param, (size_t)n, &param_id);

    *bad_param = from_param == SSE_CURSOR_INVALID;
    if (from_header == SSE_CURSOR_ID) {
        *id = header_id;
        return SSE_CURSOR_ID;
    }
    if (from_param == SSE_CURSOR_ID) {
        *id = param_id;
        return SSE_CURSOR_ID;
    }
    return from_header;   /* NONE, or INVALID (ignored, see sse_handle) */
}

/* ?closeAfter=N: end the response after N events, so the browser's own
 * reconnection (after "retry", with Last-Event-ID) can be watched and
 * tested.  0 if absent, -1 if malformed or out of range. */
static int read_close_after(const struct http_request *req, uint64_t *n)
{
    char param[SSE_PARAM_MAX];
    long len = http_query_param(req->query, req->query_len, "closeAfter",
                                param, sizeof param);
    *n = 0;
    if (len == -1)
        return 0;
    if (len < 0 || http_parse_u64(param, (size_t)len, n) != 0
        || *n == 0 || *n > SSE_CLOSE_AFTER_MAX)
        return -1;
    return 0;
}

void sse_handle(struct conn *c, const struct http_request *req)
{
    uint64_t cursor = 0;
    uint64_t close_after = 0;
    int bad_param;
    char note[SSE_NOTE_MAX];

    conn_count_request(c, TECH_SSE);
    enum sse_cursor kind = read_cursor(req, &cursor, &bad_param);
    if (bad_param) {
        conn_respond_error(c, 400, "lastEventId must be a decimal event id");
        return;
    }
    if (read_close_after(req, &close_after) != 0) {
        conn_respond_errorf(c, 400, "closeAfter must be a number from 1 to %d",
                            SSE_CLOSE_AFTER_MAX);
        return;
    }
    struct sse_stream *st = mem_calloc(1, sizeof *st);
    if (st == NULL) {
        conn_respond_error(c, 503, "out of memory");
        return;
    }

    /* A Last-Event-ID that is not a number was not sent by us (the
     * article's Node server sends "testId" on the same origin): it is
     * ignored and the client starts live.  Answering 400 would be worse:
     * EventSource treats any non-200 answer as fatal and never retries. */
    uint64_t newest = hub_last_id();
    struct hub_range r = hub_after(kind == SSE_CURSOR_ID ? cursor : newest);
    if (kind == SSE_CURSOR_ID && cursor <= newest)
        snprintf(note, sizeof note, "resumed after id %llu: %llu events follow, "
                 "then live", (unsigned long long)cursor,
                 (unsigned long long)(r.last + 1 - r.first));
    else if (kind == SSE_CURSOR_ID)
        snprintf(note, sizeof note, "id %llu is newer than this server's events "
                 "(an earlier run?): live events after id %llu follow",
                 (unsigned long long)cursor, (unsigned long long)newest);
    else if (kind == SSE_CURSOR_INVALID)
        snprintf(note, sizeof note, "Last-Event-ID is not an id of this server: "
                 "ignored; live events after id %llu follow", (unsigned long long)newest);
    else
        snprintf(note, sizeof note, "connected: live events after id %llu follow",
                 (unsigned long long)newest);
    /* The cursor this stream starts from: the client's, or the newest id
     * (a client from the future - an earlier server run - starts live). */
    uint64_t start = r.first - 1 - r.missed;

    replay_start(&st->replay, start + 1);
    st->close_after = close_after;
    st->last_write_ms = clock_now_ms();

    /* ARTICLE §5.3: res.writeHead(200, {"Content-Type": "text/event-stream"}).
     * On HTTP/1.1 the body is chunked: EventSource reads the decoded body
     * as a byte stream, so chunk boundaries mean nothing to it, and the
     * last chunk lets us end a stream cleanly (shutdown, ?closeAfter). */
    if (conn_start_stream(c, 200, sse_content_type, sse_headers) != 0) {
        mem_free(st);                       /* HEAD: the head was the answer */
        return;
    }
    conn_enter(c, CONN_SSE, TECH_SSE, &sse_ops, st);

    /* ARTICLE §5.3: res.write("retry: 10000\n") */
    struct buf b = { NULL, 0, 0, 64 };
    buf_printf(&b, "retry: %d\n\n", SSE_RETRY_MS);   /* fails only out of memory: */
    if (send_block(c, st, &b) != 0)                   /* then send_block drops c */
        return;
    /* ARTICLE §5.3: the custom event, now with data so that it fires.
     * Its id is the cursor this stream starts from, not the article's
     * "testId": the browser keeps the last id it saw and sends it back
     * when it reconnects, so even a client that loses the connection
     * before the first hub event resumes where it joined. */
    if (send_event(c, st, test_event_name, 1, start, note, strlen(note)) != 0)
        return;
    pump(c, st);   /* the missed notice and the replay, if any */
}
