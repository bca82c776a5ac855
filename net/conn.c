/*
 * net/conn.c - the connection layer (see net/conn.h): one struct conn per
 * TCP connection, its capped buffers, writing, responses and streams,
 * reading requests, and the one place where a connection is closed.
 *
 * Everything here acts on one connection at a time; the table of all of
 * them, select() and the timers are the loop's (net/loop.c).  In the
 * manner of Mongoose: an explicit state per connection, write interest
 * only while output is pending, and closing in one place (conn_free).
 */
#include "net/conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "net/clock.h"

static conn_handler *dispatch;
static const struct conn_observer *observer;
static int quiet;
static int shutting_down;

static const char *const state_names[CONN_STATE_COUNT] = {
    [CONN_READING] = "http", [CONN_HELD_POLL] = "held_poll",
    [CONN_HELD_STEP] = "held_step", [CONN_FOREVER_FRAME] = "forever_frame",
    [CONN_SSE] = "sse", [CONN_WEBSOCKET] = "websocket", [CONN_FETCH_STREAM] = "fetch_stream",
    [CONN_XHR_STREAM] = "xhr_stream", [CONN_STREAM_REPLY] = "stream_reply",
    [CONN_CLOSING] = "closing"
};

void conn_set_dispatcher(conn_handler *handler)
{
    dispatch = handler;
}

void conn_set_observer(const struct conn_observer *obs)
{
    observer = obs;
}

void conn_set_quiet(int on)
{
    quiet = on;
}

void conn_begin_shutdown(void)
{
    shutting_down = 1;
}

const char *conn_state_name(enum conn_state state)
{
    return (unsigned)state < CONN_STATE_COUNT ? state_names[state] : "?";
}

/* Tell the observer, if there is one. */
static void changed(const struct conn *c, enum conn_change what, long n, const char *reason)
{
    if (observer != NULL && observer->changed != NULL)
        observer->changed(c, what, n, reason);
}

/* ------------------------------------------------------------------ */
/* the request log                                                     */

/* Copy s into out, non-printable bytes as \xHH, so that a request target
 * cannot forge log lines or send terminal escapes. */
static void log_escape(char *out, size_t out_size, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 5 < out_size; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x21 && ch < 0x7F && ch != '\\') {
            out[n++] = (char)ch;
        } else {
            snprintf(out + n, out_size - n, "\\x%02x", ch);
            n += 4;
        }
    }
    out[n] = '\0';
}

static void log_request(struct conn *c)
{
    if (!quiet && c->log_status != 0) {
        fprintf(stderr, "%s %s %d %llu\n", c->log_method, c->log_target,
                c->log_status, (unsigned long long)c->log_bytes);
    }
    c->log_status = 0;
}

/* ------------------------------------------------------------------ */
/* lifetime                                                            */

struct conn *conn_new(int fd, int local_port, int plane, uint64_t id)
{
    struct conn *c = mem_calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->fd = fd;
    c->id = id;
    c->plane = plane;
    c->local_port = local_port;
    c->opened_ms = clock_now_ms();
    c->state = CONN_READING;
    c->technique = TECH_HTTP;
    c->in.max = CONN_INPUT_MAX;
    /* Room for the stream cap, one complete response on top (a static
     * file) and its head. */
    c->out.max = CONN_OUTPUT_MAX + CONN_BODY_MAX + 4096;
    c->output_max = CONN_OUTPUT_MAX;
    c->last_active_ms = clock_now_ms();
    changed(c, CONN_OPENED, local_port, NULL);
    return c;
}

void conn_free(struct conn *c)
{
    changed(c, CONN_CLOSED, 0, NULL);
    if (c->ops != NULL && c->ops->on_close != NULL)
        c->ops->on_close(c);
    if (c->log_status != 0) {   /* a stream: log it with what it sent */
        c->log_bytes = c->bytes_sent;
        log_request(c);
    }
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    mem_free(c);
}

void conn_close_after_flush(struct conn *c)
{
    if (!c->close_after_flush)
        c->close_deadline_ms = clock_now_ms() + clock_timeout(CLOSE_LINGER_MS);
    c->close_after_flush = 1;
}

void conn_drop(struct conn *c, const char *reason)
{
    if (c->dead)
        return;
    struct stats_drop drop = {
        reason, c->technique, c->id, clock_now_ms() - c->opened_ms, clock_now_ms()
    };
    changed(c, CONN_DROPPED, 0, reason);
    stats_record_drop(&drop);
    c->dead = 1;
}

void conn_set_timer(struct conn *c, int64_t at_ms)
{
    c->timer_ms = at_ms;
}

/* Every change of state goes through here, so the observer sees it. */
static void set_state(struct conn *c, enum conn_state state)
{
    enum conn_state old = c->state;
    c->state = state;
    changed(c, CONN_NEW_STATE, (long)old, NULL);
}

void conn_enter(struct conn *c, enum conn_state state, enum technique tech,
                const struct stream_ops *ops, void *tech_state)
{
    c->technique = tech;
    c->ops = ops;
    c->tech = tech_state;
    c->timer_ms = 0;
    if (state == CONN_WEBSOCKET && c->log_status == 0)
        c->log_status = 101;   /* logged when the connection ends */
    set_state(c, state);
}

/* Leave the technique's state: its on_close frees what it kept. */
static void leave_technique(struct conn *c)
{
    if (c->ops != NULL && c->ops->on_close != NULL)
        c->ops->on_close(c);
    c->ops = NULL;
    c->tech = NULL;
    c->timer_ms = 0;
}

void conn_resume_reading(struct conn *c)
{
    leave_technique(c);
    c->technique = TECH_HTTP;
    c->resume_pending = 1;   /* parse buffered requests at the end of this turn */
    set_state(c, CONN_READING);
}

void conn_count_request(struct conn *c, enum technique tech)
{
    stats_count_request(tech);
    c->technique = tech;   /* the answer's bytes count under it too */
}

/* ------------------------------------------------------------------ */
/* writing                                                             */

size_t conn_pending(const struct conn *c)
{
    return c->out.len;
}

/* Append without the slow-reader check (complete responses, whose size
 * we decide, not the peer). */
static int out_append(struct conn *c, const void *data, size_t len)
{
    if (c->dead || c->state == CONN_CLOSING)
        return -1;
    if (buf_append(&c->out, data, len) != 0) {
        conn_drop(c, "output_full");
        return -1;
    }
    /* Counted when written, under the technique of the request being
     * answered (by the time the socket takes them, a held poll may
     * already be back to reading its next request). */
    stats_count_bytes(c->technique, len);
    if (observer != NULL && observer->queued != NULL)
        observer->queued(c, data, len);
    return 0;
}

/* 1 if len more unsent bytes would pass the connection's cap: then the
 * reader is too slow, and the connection is dropped. */
static int over_output_cap(struct conn *c, size_t len)
{
    if (c->out.len + len <= c->output_max)
        return 0;
    conn_drop(c, "slow_consumer");
    return 1;
}

int conn_write(struct conn *c, const void *data, size_t len)
{
    if (c->dead || c->state == CONN_CLOSING || over_output_cap(c, len))
        return -1;
    return out_append(c, data, len);
}

void conn_set_output_max(struct conn *c, size_t max)
{
    c->output_max = max;
    if (c->out.max < max + 4096)
        c->out.max = max + 4096;   /* keep room for out_append's responses */
}

int conn_printf(struct conn *c, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof small)
        return -1;   /* callers format short lines; longer text: conn_write */
    return conn_write(c, small, (size_t)n);
}

/* The Date header's value, recomputed at most once a second. */
static const char *http_date(void)
{
    static char date[64];
    static time_t cached;
    time_t t = time(NULL);
    if (t != cached) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached = t;
    }
    return date;
}

/* Status line and the headers every response carries. */
static void write_head(struct conn *c, int status, const char *content_type,
                       const char *extra_headers)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\n"
                     "X-Content-Type-Options: nosniff\r\n",
                     status, http_status_text(status), http_date());
    out_append(c, head, (size_t)n);
    if (content_type != NULL) {
        n = snprintf(head, sizeof head, "Content-Type: %s\r\n", content_type);
        out_append(c, head, (size_t)n);
    }
    if (extra_headers != NULL)
        out_append(c, extra_headers, strlen(extra_headers));
}

void conn_respond(struct conn *c, int status, const char *content_type,
                  const char *extra_headers, const void *body, size_t len)
{
    static const char close_line[] = "Connection: close\r\n\r\n";
    static const char keep_line_1_0[] = "Connection: keep-alive\r\n\r\n";
    char length_line[64];
    int keep = c->keep_alive && !c->close_after_flush && !shutting_down;

    write_head(c, status, content_type, extra_headers);
    /* RFC 9110 section 8.6: a server MUST NOT send Content-Length in a
     * 1xx or 204 response (they have no content by definition). */
    if (status >= 200 && status != 204) {
        int n = snprintf(length_line, sizeof length_line, "Content-Length: %zu\r\n", len);
        out_append(c, length_line, (size_t)n);
    }
    if (!keep)
        out_append(c, close_line, sizeof close_line - 1);
    else if (c->minor_version == 0)
        out_append(c, keep_line_1_0, sizeof keep_line_1_0 - 1);
    else
        out_append(c, "\r\n", 2);
    if (!c->head_only)
        out_append(c, body, len);
    c->log_status = status;
    c->log_bytes = c->head_only ? 0 : len;
    log_request(c);
    if (!keep)
        conn_close_after_flush(c);
}

/* JSON any page may read and no cache may keep (conn_respond_json). */
static const char json_headers[] =
    "Cache-Control: no-store\r\nAccess-Control-Allow-Origin: *\r\n";

void conn_respond_json(struct conn *c, int status, const char *body, size_t len)
{
    conn_respond(c, status, "application/json", json_headers, body, len);
}

void conn_respond_rendered(struct conn *c, int rc, const char *content_type,
                           const char *extra_headers, struct buf *b)
{
    if (rc != 0 || b->data == NULL)
        conn_respond_error(c, 500, "out of memory");
    else
        conn_respond(c, 200, content_type, extra_headers, b->data, b->len);
    buf_free(b);
}

void conn_respond_json_rendered(struct conn *c, int rc, struct buf *b)
{
    conn_respond_rendered(c, rc, "application/json", json_headers, b);
}

void conn_respond_error(struct conn *c, int status, const char *message)
{
    char body[256];
    int n = snprintf(body, sizeof body, "%d %s: %s\n", status,
                     http_status_text(status), message);
    if (n < 0 || (size_t)n >= sizeof body)
        n = (int)strlen(body);   /* cut, still a line */
    c->keep_alive = 0;
    conn_respond(c, status, "text/plain; charset=utf-8",
                 "Cache-Control: no-store\r\n", body, (size_t)n);
}

void conn_respond_errorf(struct conn *c, int status, const char *fmt, ...)
{
    char message[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    conn_respond_error(c, status, message);
}

int conn_start_stream(struct conn *c, int status, const char *content_type,
                      const char *extra_headers)
{
    static const char chunked_line[] = "Transfer-Encoding: chunked\r\n";
    static const char close_line[] = "Connection: close\r\n\r\n";

    write_head(c, status, content_type, extra_headers);
    /* RFC 9112 section 6.1: chunked framing tells the client where the
     * body ends, so the stream can end cleanly.  HTTP/1.0 has no chunked
     * coding: there the end of the body is the end of the connection.
     *
     * A stream is always the last response on its connection
     * (conn_end_stream closes it), and RFC 9112 section 9.6 says a server
     * that will close says "Connection: close".  Without it a client that
     * pools connections (node's fetch) may put the socket back in its pool
     * when the last chunk arrives and send its next request into the
     * close we are about to make: "other side closed". */
    if (c->minor_version >= 1)
        out_append(c, chunked_line, sizeof chunked_line - 1);
    out_append(c, close_line, sizeof close_line - 1);
    c->log_status = status;   /* logged at close, with the bytes sent */
    if (!c->head_only)
        return 0;
    /* RFC 9110 section 9.3.2: HEAD gets the head GET would get, and no
     * content; for a stream that is the whole answer. */
    conn_close_after_flush(c);
    return 1;
}

int conn_write_chunk(struct conn *c, const void *data, size_t len)
{
    char size_line[24];
    if (len == 0)
        return 0;            /* a zero-size chunk would end the body */
    if (c->minor_version == 0)
        return conn_write(c, data, len);
    int n = snprintf(size_line, sizeof size_line, "%zx\r\n", len);
    /* The whole chunk or nothing: a reader that cannot take it all is
     * dropped before a half chunk is queued. */
    if (c->dead || over_output_cap(c, (size_t)n + len + 2))
        return -1;
    if (conn_write(c, size_line, (size_t)n) != 0 || conn_write(c, data, len) != 0)
        return -1;
    return conn_write(c, "\r\n", 2);
}

void conn_end_stream(struct conn *c)
{
    static const char last_chunk[] = "0\r\n\r\n";
    if (c->minor_version >= 1)
        out_append(c, last_chunk, sizeof last_chunk - 1);
    conn_close_after_flush(c);
}

void conn_flush(struct conn *c)
{
    uint64_t before = c->bytes_sent;
    while (c->out.len > 0 && !c->dead) {
        ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            conn_drop(c, "write_error");
            return;
        }
        buf_consume(&c->out, (size_t)n);
        c->bytes_sent += (uint64_t)n;
        c->last_active_ms = clock_now_ms();
    }
    if (c->bytes_sent != before)
        changed(c, CONN_WROTE_BYTES, (long)(c->bytes_sent - before), NULL);
    /* An idle connection holds no output buffer; a stream keeps a small
     * drained one, since its next event comes soon (at 990 subscribers
     * a malloc and a free per delivery were 5-10% of a fan-out's time:
     * bench/PROFILE.md). */
    if (c->out.len == 0 && (c->state == CONN_READING || c->out.cap > CONN_KEEP_OUTPUT_BYTES))
        buf_free(&c->out);
}

/* ------------------------------------------------------------------ */
/* reading requests                                                    */

static void remember_request(struct conn *c, const struct http_request *req)
{
    c->technique = TECH_HTTP;   /* until a handler counts it as a technique */
    size_t mlen = req->method_len < sizeof c->log_method - 1
                  ? req->method_len : sizeof c->log_method - 1;
    memcpy(c->log_method, req->method, mlen);
    c->log_method[mlen] = '\0';
    log_escape(c->log_target, sizeof c->log_target, req->target, req->target_len);
    c->head_only = http_method_is(req, "HEAD");
    c->keep_alive = req->keep_alive;
    c->minor_version = req->minor_version;
}

/* An error answer whose message names the limit that was passed (0:
 * none), printed from the limit's constant. */
static void respond_limit_error(struct conn *c, int status, const char *why,
                                unsigned long limit)
{
    if (limit != 0)
        conn_respond_errorf(c, status, "%s (the limit is %lu)", why, limit);
    else
        conn_respond_error(c, status, why);
}

/* Answer a request that could not be read, with no request to log. */
static void refuse_unreadable(struct conn *c, int status, const char *why,
                              unsigned long limit)
{
    snprintf(c->log_method, sizeof c->log_method, "-");
    snprintf(c->log_target, sizeof c->log_target, "-");
    c->minor_version = 1;
    c->head_only = 0;
    respond_limit_error(c, status, why, limit);
}

void conn_request_timed_out(struct conn *c)
{
    stats_count_drop("header_timeout");
    /* The 408 answers the request that did not arrive, not the previous
     * one on this connection: refuse_unreadable clears head_only, which
     * a HEAD before it would have left set, leaving out the body that
     * Content-Length announces (RFC 9110 section 9.3.2 is for HEAD only). */
    refuse_unreadable(c, 408, "the request did not arrive in time", 0);
}

/* Input for a connection a technique has taken over: its on_input, or
 * kept (a held request's pipelined requests wait their turn), or
 * discarded (nothing is expected from a stream's reader, or a closing
 * peer). */
static void deliver_input(struct conn *c)
{
    if (c->in.len == 0)
        return;
    if (c->state == CONN_CLOSING)
        c->in.len = 0;
    else if (c->ops != NULL && c->ops->on_input != NULL)
        c->ops->on_input(c);
    else if (c->state != CONN_HELD_POLL && c->state != CONN_HELD_STEP)
        c->in.len = 0;
}

/* Forget the request just read, ready for the next one. */
static void next_request(struct conn *c)
{
    c->head_scanned = 0;
    c->head_len = 0;
    memset(&c->chunked, 0, sizeof c->chunked);
    c->sent_continue = 0;
}

/* 1 when the request's body is all here (*raw = its raw bytes after the
 * head), 0 while more must come, or -400 / -413.  A chunked body is
 * decoded in place as it arrives, from where the last read stopped
 * (c->chunked). */
static int body_ready(struct conn *c, size_t *raw)
{
    size_t have = c->in.len - c->head_len;
    *raw = 0;
    if (c->body_kind == HTTP_BODY_NONE)
        return 1;
    if (c->body_kind == HTTP_BODY_LENGTH) {
        if (have < c->content_length)
            return 0;
        *raw = (size_t)c->content_length;
        return 1;
    }
    long n = http_decode_chunked(&c->chunked, c->in.data + c->head_len, have,
                                 HTTP_MAX_BODY_BYTES);
    if (n <= 0)
        return (int)n;     /* HTTP_NEED_MORE is 0 */
    *raw = (size_t)n;
    return 1;
}

/* The body is not complete yet.  `fresh`: its head arrived just now.
 * 0, or -1 when the request was answered (refused). */
static int await_body(struct conn *c, const struct http_request *req, int fresh)
{
    static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";
    /* The input buffer is full and the body is still incomplete: that is
     * a chunked body whose framing (one-byte chunks, extensions) passed
     * CONN_INPUT_MAX.  No read can come (conn_wants_read), so say so now
     * rather than letting the header timeout answer 408. */
    if (c->in.len >= c->in.max) {
        respond_limit_error(c, 413, "the chunked request body, with its framing, "
                            "is larger than the input buffer", CONN_INPUT_MAX);
        return -1;
    }
    /* RFC 9110 section 10.1.1: a client that sent Expect: 100-continue
     * waits for this before sending the body. */
    if (fresh && req->minor_version == 1
        && http_header_has_token(req, "Expect", "100-continue")) {
        out_append(c, go_on, sizeof go_on - 1);
        c->sent_continue = 1;
    }
    return 0;
}

/* Parse the head as far as it has arrived: 1 when it is complete (its
 * length and the body's framing kept in c), 0 while more must come, -1
 * when it was refused.  Only the bytes new since the last read are
 * scanned for its end (c->head_scanned). */
static int read_head(struct conn *c, struct http_request *req)
{
    int rc = http_parse_request(c->in.data, c->in.len, c->head_scanned, req);
    if (rc == HTTP_NEED_MORE) {
        c->head_scanned = c->in.len;
        return 0;
    }
    if (rc < 0) {
        refuse_unreadable(c, -rc, req->error ? req->error : "malformed request",
                          req->error_limit);
        return -1;
    }
    c->head_len = (size_t)rc;
    c->body_kind = req->body_kind;
    c->content_length = req->content_length;
    return 1;
}

/* Read one request from c->in: 1 with *req and *used (its bytes) when it
 * is complete, 0 when more must come, -1 when it was answered with an
 * error.  While the body arrives the head is not parsed again; it is,
 * once, when the body is complete (at most HTTP_MAX_HEAD_BYTES per
 * request), so that nothing points into c->in while a read may move it. */
static int read_request(struct conn *c, struct http_request *req, size_t *used)
{
    int fresh = c->head_len == 0;
    if (fresh) {
        int rc = read_head(c, req);
        if (rc != 1)
            return rc;
    }
    size_t raw;
    int ready = body_ready(c, &raw);
    if (ready == 0 && !fresh && c->in.len < c->in.max)
        return 0;                    /* still waiting: nothing to parse again */
    if (!fresh)
        http_parse_request(c->in.data, c->head_len, 0, req);   /* it parsed before */
    remember_request(c, req);
    if (ready == -413) {
        respond_limit_error(c, 413, "the request body is too large", HTTP_MAX_BODY_BYTES);
        return -1;
    }
    if (ready < 0) {
        conn_respond_error(c, 400, "the chunked body is malformed");
        return -1;
    }
    if (ready == 0)
        return await_body(c, req, fresh);
    req->body = c->in.data + c->head_len;
    req->body_len = c->body_kind == HTTP_BODY_CHUNKED ? c->chunked.out_len : raw;
    *used = c->head_len + raw;
    return 1;
}

/* Parse and answer every complete request in c->in, in order. */
static void process_requests(struct conn *c)
{
    while (c->state == CONN_READING && !c->close_after_flush && !c->dead
           && c->in.len > 0 && c->out.len < CONN_OUTPUT_MAX / 2) {
        struct http_request req;
        size_t used;
        if (read_request(c, &req, &used) != 1)
            return;
        c->request_start_ms = 0;
        next_request(c);
        c->requests_served++;
        dispatch(c, &req);
        buf_consume(&c->in, used);
        if (c->state != CONN_READING) {
            deliver_input(c);   /* e.g. WebSocket frames right behind the upgrade */
            return;
        }
        c->request_start_ms = c->in.len > 0 ? clock_now_ms() : 0;
    }
    /* Stopped for lack of output room with requests still buffered
     * (pipelining): go on once the client has read (conn_end_turn).
     * Nothing else would, since no new input may ever come. */
    if (c->state == CONN_READING && c->in.len > 0 && !c->dead
        && !c->close_after_flush && c->out.len >= CONN_OUTPUT_MAX / 2)
        c->resume_pending = 1;
}

int conn_wants_read(const struct conn *c)
{
    return !c->dead && !c->peer_closed && c->in.len < c->in.max;
}

/* Every read lands here first, and only what arrived is copied into the
 * connection's input buffer: a connection holding half a request keeps a
 * few hundred bytes, not a CONN_READ_CHUNK reserved in advance (the
 * slowloris case: 1000 such connections would otherwise pin 16 MiB). */
static char read_scratch[CONN_READ_CHUNK];

/* The client went away (or half-closed).  A held request or a stream has
 * nobody left to talk to: free it now.  A plain request that was
 * answered still gets its answer flushed.  Pipelined requests still
 * buffered, waiting for output room (resume_pending), are answered
 * first: a half-close says no more requests will come, not that the
 * ones sent are unwanted; conn_end_turn comes back here once they are. */
static void on_peer_closed(struct conn *c)
{
    if (c->state == CONN_READING && c->resume_pending)
        return;
    if (c->state == CONN_READING && c->out.len > 0)
        conn_close_after_flush(c);
    else if (c->state == CONN_READING || c->state == CONN_CLOSING)
        c->dead = 1;
    else
        conn_drop(c, "peer_closed");
}

void conn_on_readable(struct conn *c)
{
    size_t room = c->in.max - c->in.len;
    if (room == 0)
        return;          /* full: a read of 0 bytes would look like EOF */
    if (room > sizeof read_scratch)
        room = sizeof read_scratch;
    ssize_t n = read(c->fd, read_scratch, room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n < 0) {
        conn_drop(c, "read_error");
        return;
    }
    changed(c, CONN_READ_BYTES, (long)n, NULL);
    if (n == 0) {
        c->peer_closed = 1;
    } else {
        if (c->state == CONN_READING && c->in.len == 0 && c->request_start_ms == 0)
            c->request_start_ms = clock_now_ms();
        if (buf_append(&c->in, read_scratch, (size_t)n) != 0) {
            conn_drop(c, "out_of_memory");
            return;
        }
        c->last_active_ms = clock_now_ms();
    }
    if (c->state == CONN_READING)
        process_requests(c);
    else
        deliver_input(c);
    if (c->in.len == 0)
        buf_free(&c->in);
    if (c->peer_closed)
        on_peer_closed(c);
}

int conn_end_turn(struct conn *c)
{
    if (c->out.len > 0 && !c->dead)
        conn_flush(c);
    /* Buffered requests wait while the output is half full.  Go on until
     * the socket takes no more (a connection left waiting then keeps
     * write interest, so select() wakes us when the client reads) or the
     * buffered input is used up. */
    while (c->resume_pending && c->out.len < CONN_OUTPUT_MAX / 2 && !c->dead) {
        c->resume_pending = 0;
        process_requests(c);
        if (c->out.len > 0 && !c->dead)
            conn_flush(c);
    }
    /* Half-closed with requests left to answer: once none is, close. */
    if (c->peer_closed && c->state == CONN_READING && !c->resume_pending
        && !c->close_after_flush && !c->dead)
        on_peer_closed(c);
    if (c->close_after_flush && c->out.len == 0 && !c->dead
        && c->state != CONN_CLOSING) {
        /* Lingering close (RFC 9112 section 9.6): stop sending, keep
         * reading until the peer closes, so unread input cannot turn our
         * close into a reset that destroys the response. */
        leave_technique(c);
        set_state(c, CONN_CLOSING);
        shutdown(c->fd, SHUT_WR);
    }
    return c->dead || (c->state == CONN_CLOSING && c->peer_closed);
}
