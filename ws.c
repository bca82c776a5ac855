/*
 * ws.c - ARTICLE §4 (Websocket长连接) and §4.2 (Websocket建立与销毁):
 * a WebSocket server, RFC 6455, on every port the server listens on.
 *
 * Routes:
 *   GET /testSocket  the article's echo server (§4.5): a text message
 *                    comes back as "服务端已收到信息，您的信息是" + text,
 *                    a binary message comes back unchanged.  With the
 *                    subprotocol "echo" text comes back unchanged too.
 *   GET /hub         the event hub: every event (clock ticks, published
 *                    messages) arrives as a text frame holding the JSON
 *                    event object; each text message the client sends is
 *                    published to every client of every technique.
 *
 * Wire format: an HTTP/1.1 Upgrade handshake (RFC 6455 section 4), then
 * frames both ways (section 5.2), parsed by the pure functions of
 * core/ws_proto.c (see core/ws_proto.h):
 *
 *   client: GET /testSocket HTTP/1.1 ... Upgrade: websocket,
 *           Connection: Upgrade, Sec-WebSocket-Key: <16 random bytes,
 *           base64>, Sec-WebSocket-Version: 13
 *   server: HTTP/1.1 101 Switching Protocols, Upgrade: websocket,
 *           Connection: Upgrade, Sec-WebSocket-Accept: base64(SHA-1(key
 *           + GUID))
 *   then:   [FIN|RSV|opcode][MASK|len][ext len][mask key][payload] ...
 *
 * Spec sections followed: RFC 6455 section 4.2 (handshake), 5 (framing,
 * masking, fragmentation, control frames), 7 (closing, status codes),
 * 8.1 (UTF-8 text), 10.2 (Origin).
 *
 * What this fixes or adds to the article's server (which uses the
 * nodejs-websocket library on a separate port 3001):
 *   - It is one server: every port serves every route, so the page can
 *     connect back to the host it came from.
 *   - Everything the library hid is here and strict: bad handshakes are
 *     refused with a status (never a half-open socket), broken frames
 *     fail the connection with the right close code, text is checked as
 *     UTF-8 as it arrives, and messages are limited in size.
 *   - The article calls the Sec-WebSocket-Key check "like encryption";
 *     it is not (see ws_accept_key() in core/ws_proto.c).
 *   - Idle peers are pinged and dropped when they stop answering; the
 *     closing handshake (挥手) has a timeout; a slow reader is closed.
 *
 * Limits (named below): a message of at most WS_MAX_MESSAGE_BYTES (1009
 * beyond), a /hub message of at most HUB_MESSAGE_MAX_BYTES, a ping after
 * WS_PING_INTERVAL_MS of silence, dropped WS_PONG_TIMEOUT_MS later, the
 * closing handshake cut after the loop's CLOSE_LINGER_MS, and close 1008
 * when more than WS_SLOW_READER_BYTES wait unsent.
 */
#include "ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "core/ws_proto.h"
#include "net/clock.h"
#include "net/loop.h"

enum {
    /* The largest message, reassembled from its fragments; 1009 beyond.
     * 1 MiB covers Autobahn|Testsuite case 9 up to its 1 MiB cases.  The
     * buffer exists only while a message is in progress. */
    WS_MAX_MESSAGE_BYTES = 1024 * 1024,
    /* An echo reply is the message plus our prefix and a frame header;
     * conn_write() may hold this much for a /testSocket connection. */
    WS_ECHO_OUTPUT_MAX = WS_MAX_MESSAGE_BYTES + 1024,
    /* Before a hub event or an echo is written: more unsent bytes than
     * this and the reader is too slow, so it is closed with 1008 rather
     * than buffering without end.  Below CONN_OUTPUT_MAX, so the close
     * frame itself still fits. */
    WS_SLOW_READER_BYTES = CONN_OUTPUT_MAX / 2,
    /* A close frame from us: 2 header bytes and a 2-byte code. */
    WS_CLOSE_FRAME_ROOM = 4,
    /* Ping a peer that has sent nothing for this long ... */
    WS_PING_INTERVAL_MS = 15 * 1000,
    /* ... and drop it if nothing at all comes back within this. */
    WS_PONG_TIMEOUT_MS = 10 * 1000,
    WS_CLOSE_UNSUPPORTED_DATA = 1003   /* binary sent to /hub */
};

/* ARTICLE §4.5: the article's server answers with this and the text. */
static const char echo_prefix[] = "服务端已收到信息，您的信息是";

enum ws_route { WS_ROUTE_ECHO, WS_ROUTE_HUB };

struct ws {
    enum ws_route route;
    int plain_echo;              /* subprotocol "echo": no prefix */

    /* The frame being received: its header is parsed, its payload is
     * consumed as it arrives (a 1 MiB frame never sits in c->in). */
    int in_frame;
    struct ws_frame frame;
    uint64_t frame_done;         /* payload bytes of it seen so far */

    /* The data message being reassembled from its fragments. */
    int in_message;
    enum ws_opcode message_opcode;   /* WS_OP_TEXT or WS_OP_BINARY */
    struct buf message;              /* freed once delivered */
    struct utf8_state utf8;          /* carries a character across frames */

    int finished;                /* our close frame is written (closing or
                                    failed): send and read nothing more */
    int64_t last_input_ms;       /* last bytes received */
    int64_t ping_sent_ms;        /* our ping waiting for an answer, or 0 */
};

static const struct stream_ops ws_echo_ops, ws_hub_ops;

/* ---- writing frames ---- */

/* One unfragmented, unmasked frame.  0, or -1 if the connection is gone. */
static int send_frame(struct conn *c, enum ws_opcode opcode,
                      const void *payload, size_t len)
{
    unsigned char header[WS_MAX_HEADER_BYTES];
    size_t n = ws_build_header(header, opcode, len);

    if (conn_write(c, header, n) != 0)
        return -1;
    return conn_write(c, payload, len);
}

/* A close frame with a status code (section 5.5.1). */
static void send_close(struct conn *c, unsigned code)
{
    unsigned char payload[2];

    payload[0] = (unsigned char)(code >> 8);
    payload[1] = (unsigned char)code;
    send_frame(c, WS_OP_CLOSE, payload, sizeof payload);
}

/* End the connection with a close code: ARTICLE §4.2 挥手.  Used both to
 * answer the peer's close frame and to _Fail the WebSocket Connection_
 * (section 7.1.7).  Read nothing more; close TCP once the frame is sent.
 * Called once: every caller is one that runs only while ws->finished is
 * 0 (process_input stops reading at it, and on_event, on_timer and
 * on_shutdown check it), so one close frame is ever sent.
 * The server closes TCP first, as section 7.1.1 asks of servers.  The
 * loop's lingering close is the closing-handshake timeout: it half-closes
 * (so the close frame is not lost to a reset), reads and discards the
 * peer's reply, and cuts the connection after CLOSE_LINGER_MS. */
static void finish(struct conn *c, struct ws *ws, unsigned code)
{
    send_close(c, code);
    ws->finished = 1;
    conn_close_after_flush(c);
}

/* ---- receiving ---- */

static uint64_t message_limit(const struct ws *ws, enum ws_opcode opcode)
{
    if (ws->route == WS_ROUTE_HUB && opcode == WS_OP_TEXT)
        return HUB_MESSAGE_MAX_BYTES;   /* what the hub accepts */
    return WS_MAX_MESSAGE_BYTES;
}

static void end_message(struct ws *ws)
{
    ws->in_message = 0;
    buf_free(&ws->message);
}

/* The reply of /testSocket (ARTICLE §4.5: conn.sendText). */
static void echo_message(struct conn *c, struct ws *ws)
{
    const struct buf *m = &ws->message;
    int unchanged = ws->message_opcode == WS_OP_BINARY || ws->plain_echo;
    size_t prefix_len = unchanged ? 0 : sizeof echo_prefix - 1;
    size_t reply_max = WS_MAX_HEADER_BYTES + prefix_len + m->len;

    /* A peer that sends but does not read gets 1008.  Checked before a
     * byte of the reply is written, and against the room the whole reply
     * needs (a close frame's worth kept free): otherwise a large echo
     * behind a little unread output would overrun the output cap halfway
     * through its frame, and the connection would be cut with no close
     * frame at all. */
    if (conn_pending(c) > WS_SLOW_READER_BYTES
        || conn_pending(c) + reply_max + WS_CLOSE_FRAME_ROOM > WS_ECHO_OUTPUT_MAX) {
        finish(c, ws, WS_CLOSE_POLICY);
        return;
    }
    if (unchanged) {
        send_frame(c, ws->message_opcode, m->data, m->len);
        return;
    }
    unsigned char header[WS_MAX_HEADER_BYTES];
    size_t n = ws_build_header(header, WS_OP_TEXT, prefix_len + m->len);
    if (conn_write(c, header, n) == 0 &&
        conn_write(c, echo_prefix, prefix_len) == 0)
        conn_write(c, m->data, m->len);
}

/* A whole data message has arrived (FIN of its last frame). */
static void deliver_message(struct conn *c, struct ws *ws)
{
    if (ws->message_opcode == WS_OP_TEXT && !utf8_complete(&ws->utf8)) {
        finish(c, ws, WS_CLOSE_INVALID_DATA);   /* ends inside a character */
        return;
    }
    if (ws->route == WS_ROUTE_ECHO) {
        echo_message(c, ws);
        end_message(ws);
        return;
    }
    /* /hub: publish.  The hub copies the text; the event comes back to
     * this client too, through on_event, like to everyone else. */
    if (ws->message.len > 0 &&
        loop_publish(HUB_EVENT_MESSAGE, ws->message.data,
                       ws->message.len) == NULL)
        finish(c, ws, WS_CLOSE_INTERNAL_ERROR);   /* an empty one says nothing */
    end_message(ws);
}

/* A control frame whose payload (at most 125 bytes) is unmasked in p. */
static void handle_control(struct conn *c, struct ws *ws,
                           const struct ws_frame *f, const unsigned char *p)
{
    unsigned code;
    int rc;

    switch (f->opcode) {
    case WS_OP_PING:
        /* A peer that pings but does not read gets 1008, as for an echo:
         * the pong is written only if it and a close frame still fit, so
         * the output cap is never what ends the connection. */
        if (conn_pending(c) > WS_SLOW_READER_BYTES
            || conn_pending(c) + WS_MAX_HEADER_BYTES + (size_t)f->payload_len
               + WS_CLOSE_FRAME_ROOM > c->output_max) {
            finish(c, ws, WS_CLOSE_POLICY);
            return;
        }
        send_frame(c, WS_OP_PONG, p, (size_t)f->payload_len);
        return;
    case WS_OP_PONG:
        return;   /* any input already counts as an answer; see on_input */
    case WS_OP_CLOSE:
        rc = ws_check_close_payload(p, (size_t)f->payload_len, &code);
        if (rc < 0) {
            finish(c, ws, (unsigned)-rc);   /* 1002 or 1007 */
            return;
        }
        /* Echo the code (section 5.5.1); a close without one is
         * answered with 1000, a normal closure. */
        finish(c, ws, code != 0 ? code : WS_CLOSE_NORMAL);
        return;
    default:
        return;
    }
}

/* A new frame header has been parsed: check it against the message in
 * progress and the limits.  0 to go on, or the close code to fail with. */
static unsigned start_frame(struct ws *ws, const struct ws_frame *f)
{
    if (ws_check_frame_order(ws->in_message, f) < 0)
        return WS_CLOSE_PROTOCOL_ERROR;
    if (f->opcode == WS_OP_CONTINUATION) {
        if (f->payload_len > message_limit(ws, ws->message_opcode) -
                             ws->message.len)
            return WS_CLOSE_TOO_BIG;
        return 0;
    }
    /* A new text or binary message. */
    if (ws->route == WS_ROUTE_HUB && f->opcode == WS_OP_BINARY)
        return WS_CLOSE_UNSUPPORTED_DATA;   /* the hub holds text */
    if (f->payload_len > message_limit(ws, f->opcode))
        return WS_CLOSE_TOO_BIG;
    ws->in_message = 1;
    ws->message_opcode = f->opcode;
    ws->message.len = 0;
    ws->message.max = (size_t)message_limit(ws, f->opcode);
    utf8_init(&ws->utf8);
    return 0;
}

/* Take what has arrived of the current data frame's payload.  Returns 0
 * to go on, or the close code to fail with. */
static unsigned take_payload(struct conn *c, struct ws *ws)
{
    uint64_t due = ws->frame.payload_len - ws->frame_done;
    size_t take = c->in.len < due ? c->in.len : (size_t)due;
    unsigned char *p = (unsigned char *)c->in.data;

    ws_unmask(p, take, ws->frame.mask, ws->frame_done);
    /* Fail fast (Autobahn case 6.4): judge the text as it arrives, not
     * when the message is complete. */
    if (ws->message_opcode == WS_OP_TEXT &&
        utf8_feed(&ws->utf8, p, take) != UTF8_OK)
        return WS_CLOSE_INVALID_DATA;
    if (buf_append(&ws->message, p, take) != 0)
        return WS_CLOSE_INTERNAL_ERROR;   /* out of memory: size was checked */
    buf_consume(&c->in, take);
    ws->frame_done += take;
    return 0;
}

/* Handle every complete piece of input.  Data payloads are taken as
 * they arrive; a frame header, or a control frame, waits until whole. */
static void process_input(struct conn *c, struct ws *ws)
{
    for (;;) {
        if (ws->finished) {
            buf_consume(&c->in, c->in.len);
            return;
        }
        if (ws->in_frame) {
            unsigned code = take_payload(c, ws);
            if (code != 0) {
                finish(c, ws, code);
                continue;
            }
            if (ws->frame_done < ws->frame.payload_len)
                return;   /* the rest has not arrived */
            ws->in_frame = 0;
            if (ws->frame.fin)
                deliver_message(c, ws);
            continue;
        }

        struct ws_frame f;
        int rc = ws_parse_frame_header((unsigned char *)c->in.data, c->in.len,
                                       WS_FROM_CLIENT, &f);
        if (rc == WS_NEED_MORE)
            return;
        if (rc < 0) {
            finish(c, ws, (unsigned)-rc);
            continue;
        }
        if (f.opcode & 0x8) {   /* control: wait for its whole payload */
            if (c->in.len < f.header_len + f.payload_len)
                return;
            unsigned char *p = (unsigned char *)c->in.data + f.header_len;
            ws_unmask(p, (size_t)f.payload_len, f.mask, 0);
            handle_control(c, ws, &f, p);
            buf_consume(&c->in, f.header_len + (size_t)f.payload_len);
            continue;
        }
        unsigned code = start_frame(ws, &f);
        if (code != 0) {
            finish(c, ws, code);
            continue;
        }
        buf_consume(&c->in, f.header_len);
        ws->frame = f;
        ws->frame_done = 0;
        ws->in_frame = 1;
    }
}

/* ---- the stream_ops callbacks ---- */

static void schedule_timer(struct conn *c, struct ws *ws);

static void ws_on_input(struct conn *c)
{
    struct ws *ws = c->tech;

    /* Called only with new bytes (net/conn.c), and any bytes prove the
     * peer alive: it answered, or it is busy sending (a pong may wait
     * behind a long frame). */
    ws->last_input_ms = clock_now_ms();
    ws->ping_sent_ms = 0;
    process_input(c, ws);
    schedule_timer(c, ws);
}

/* ARTICLE §4 on /hub: every hub event, as its JSON object. */
static void ws_on_event(struct conn *c, const struct hub_event *ev)
{
    struct ws *ws = c->tech;

    if (ws->finished)
        return;
    if (conn_pending(c) > WS_SLOW_READER_BYTES) {
        finish(c, ws, WS_CLOSE_POLICY);
        return;
    }
    if (send_frame(c, WS_OP_TEXT, ev->json, ev->json_len) == 0)
        stats_count_delivery(TECH_WEBSOCKET);
}

/* The next moment on_timer has something to do. */
static void schedule_timer(struct conn *c, struct ws *ws)
{
    if (ws->finished)
        conn_set_timer(c, 0);   /* the loop's close timeout takes over */
    else if (ws->ping_sent_ms != 0)
        conn_set_timer(c, ws->ping_sent_ms + clock_timeout(WS_PONG_TIMEOUT_MS));
    else
        conn_set_timer(c, ws->last_input_ms + clock_timeout(WS_PING_INTERVAL_MS));
}

static void ws_on_timer(struct conn *c)
{
    struct ws *ws = c->tech;
    int64_t now = clock_now_ms();

    if (ws->finished)
        return;
    if (ws->ping_sent_ms != 0 && now >= ws->ping_sent_ms + clock_timeout(WS_PONG_TIMEOUT_MS)) {
        conn_drop(c, "timeout");   /* stopped answering */
        return;
    }
    if (ws->ping_sent_ms == 0 &&
        now >= ws->last_input_ms + clock_timeout(WS_PING_INTERVAL_MS)) {
        static const char payload[] = "are you there?";
        send_frame(c, WS_OP_PING, payload, sizeof payload - 1);
        ws->ping_sent_ms = now;
    }
    schedule_timer(c, ws);
}

/* The server is stopping: 1001 "going away" (section 7.4.1). */
static void ws_on_shutdown(struct conn *c)
{
    struct ws *ws = c->tech;

    if (!ws->finished)
        finish(c, ws, WS_CLOSE_GOING_AWAY);
}

static void ws_on_close(struct conn *c)
{
    struct ws *ws = c->tech;

    buf_free(&ws->message);
    mem_free(ws);
    c->tech = NULL;
}

static const struct stream_ops ws_echo_ops = {
    ws_on_input, NULL, ws_on_timer, ws_on_shutdown, ws_on_close
};
static const struct stream_ops ws_hub_ops = {
    ws_on_input, ws_on_event, ws_on_timer, ws_on_shutdown, ws_on_close
};

/* ---- the opening handshake: ARTICLE §4.2 (Http握手) ---- */

/* Subprotocols each route offers (Sec-WebSocket-Protocol). */
static const char *const echo_protocols[] = { "echo", NULL };
static const char *const hub_protocols[] = { NULL };

static void refuse_handshake(struct conn *c, int status, const char *extra,
                             const char *why)
{
    /* Never leave a half-open upgrade: the connection closes after the
     * refusal, so the refusal says so (RFC 9112 section 9.6: a sender
     * that intends to close SHOULD send "Connection: close"), or a
     * client that pools connections sends its next request into the
     * close.  conn_respond adds the header and closes after the flush. */
    c->keep_alive = 0;
    conn_respond(c, status, "text/plain; charset=utf-8", extra, why,
                 strlen(why));
}

/* The -o allow-list (ws_allow_origin); empty: every origin. */
static const char *allowed_origins[WS_MAX_ALLOWED_ORIGINS];
static size_t n_allowed_origins;

int ws_allow_origin(const char *origin)
{
    if (n_allowed_origins == WS_MAX_ALLOWED_ORIGINS)
        return -1;
    allowed_origins[n_allowed_origins++] = origin;
    return 0;
}

static int origin_listed(const char *origin, size_t len)
{
    if (n_allowed_origins == 0)
        return 1;
    for (size_t i = 0; i < n_allowed_origins; i++) {
        if (strlen(allowed_origins[i]) == len
            && memcmp(allowed_origins[i], origin, len) == 0)
            return 1;
    }
    return 0;
}

/* 1 if the request's Origin is acceptable (RFC 6455 section 10.2). */
static int origin_allowed(const struct http_request *req)
{
    size_t len;
    const char *origin = http_header_value(req, "Origin", &len);

    if (http_header_count(req, "Origin") > 1)
        return 0;
    /* Browsers always send Origin; the allow-list (-o) protects users of
     * browsers from other sites' pages.  A client without Origin is not
     * a browser and could claim any origin anyway. */
    if (origin == NULL)
        return 1;
    return origin_listed(origin, len);
}

static void handshake(struct conn *c, const struct http_request *req,
                      enum ws_route route)
{
    conn_count_request(c, TECH_WEBSOCKET);

    /* Only a GET gets here: the route table answers any other method
     * with 405 and Allow (routes.c), so ws_check_handshake's 405 is
     * never the answer. */
    int status = ws_check_handshake(req);
    if (status == 426) {
        /* RFC 9110 section 15.5.22: a 426 MUST carry Upgrade naming
         * the protocol, and section 7.8: a sender of Upgrade MUST list
         * "upgrade" in Connection (conn_respond adds "close" too). */
        char extra[96], why[64];
        snprintf(extra, sizeof extra, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Version: %d\r\n", WS_VERSION);
        snprintf(why, sizeof why, "this server speaks WebSocket version %d only\n",
                 WS_VERSION);
        refuse_handshake(c, 426, extra, why);
        return;
    }
    if (status != 0) {
        refuse_handshake(c, 400, NULL, "not a valid WebSocket handshake "
                         "(RFC 6455 section 4.2.1)\n");
        return;
    }
    if (!origin_allowed(req)) {
        refuse_handshake(c, 403, NULL, "this Origin may not open a WebSocket here\n");
        return;
    }

    struct ws *ws = mem_calloc(1, sizeof *ws);
    if (ws == NULL) {
        conn_respond_error(c, 503, "out of memory");
        return;
    }
    ws->route = route;
    ws->last_input_ms = clock_now_ms();

    const char *protocol = ws_select_protocol(
        req, route == WS_ROUTE_ECHO ? echo_protocols : hub_protocols);
    ws->plain_echo = protocol != NULL;

    size_t key_len;
    const char *key = http_header_value(req, "Sec-WebSocket-Key", &key_len);
    char accept[WS_ACCEPT_CHARS + 1];
    ws_accept_key(key, key_len, accept);

    /* Sec-WebSocket-Extensions is declined by leaving it out: the only
     * common extension, permessage-deflate (RFC 7692), would add a
     * compressor to a zero-dependency teaching server and brings its own
     * risks (compression side channels, decompression bombs).  Without
     * it the RSV bits must stay 0.  ARTICLE §4.2's response table also
     * lists Sec-WebSocket-Version; RFC 6455 sends it only with a 426, so
     * the 101 leaves it out. */
    if (conn_printf(c, "HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: %s\r\n"
                       "%s%s%s"
                       "\r\n",
                    accept,
                    protocol ? "Sec-WebSocket-Protocol: " : "",
                    protocol ? protocol : "", protocol ? "\r\n" : "") != 0) {
        mem_free(ws);
        return;
    }
    if (route == WS_ROUTE_ECHO)
        conn_set_output_max(c, WS_ECHO_OUTPUT_MAX);
    conn_enter(c, CONN_WEBSOCKET, TECH_WEBSOCKET,
               route == WS_ROUTE_ECHO ? &ws_echo_ops : &ws_hub_ops, ws);
    /* Frames sent right behind the request reach ws_on_input: the loop
     * hands over what is left in c->in once the request is consumed. */
    schedule_timer(c, ws);
}

/* GET /testSocket - ARTICLE §4.4/§4.5, the article's URL. */
void ws_handle_echo(struct conn *c, const struct http_request *req)
{
    handshake(c, req, WS_ROUTE_ECHO);
}

/* GET /hub - the event hub over WebSocket. */
void ws_handle_hub(struct conn *c, const struct http_request *req)
{
    handshake(c, req, WS_ROUTE_HUB);
}
