/*
 * server.c - main(), the command line, and the one select() loop that
 * serves every technique on every port.
 *
 * The article runs a separate Node server per section (port 3000 for the
 * forever frame, 3001 for WebSocket, 3002 for SSE).  Here one process
 * listens on all three and answers every route on each, so the article's
 * URLs work as written and the techniques can be compared side by side.
 *
 * The loop (in the manner of Redis's ae_select.c) is deliberately dumb:
 *
 *   1. build the fd_sets: every listener, every connection for reading
 *      (to see requests, frames and hang-ups), and for writing only the
 *      connections that have output pending;
 *   2. select() with a timeout that ends at the next timer;
 *   3. publish the clock event if a second has passed;
 *   4. accept, read, write, run due timers;
 *   5. flush what the handlers wrote, then close every connection that
 *      was marked for closing (the one place where connections close).
 *
 * The protocols live in the technique files; this file only moves bytes
 * and calls them back (struct stream_ops in server.h).
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "escape.h"
#include "routes.h"
#include "static.h"
#include "step.h"
#include "utf8.h"
#include "wire.h"

enum {
    MAX_LISTENERS = 8,
    MAX_ALLOWED_ORIGINS = 16,
    READ_CHUNK = 16384,          /* bytes asked of read() at a time */
    ACCEPTS_PER_TURN = 64,       /* fairness: then serve the others */
    CLOCK_INTERVAL_MS = 1000,    /* the "time" event, as in the article */
    MAX_DROP_REASONS = 16,
    LISTEN_BACKLOG = 511
};

/* ---- settings from the command line ---- */
static int quiet;
static const char *allowed_origins[MAX_ALLOWED_ORIGINS];
static size_t n_allowed_origins;
/* Step mode (step.c): the data plane runs one select() iteration per step
 * and is recorded; the control plane (the stepper's own port) is served
 * in between.  Off by default: then every hook below is one flag check. */
static int step_mode;
enum plane { PLANE_DATA = 0, PLANE_CONTROL = 1 };

/* ---- the state of the loop ---- */
static struct conn *conns[FD_SETSIZE];   /* indexed by fd */
static size_t n_conns;
static int conns_end;                    /* every conns[fd] at fd >= this is NULL,
                                            so the loop's scans stop here */
static int listeners[MAX_LISTENERS];
static int listener_ports[MAX_LISTENERS];
static enum plane listener_planes[MAX_LISTENERS];
static size_t n_listeners;
static int spare_fd = -1;                /* given up to accept-and-refuse at EMFILE */
static int64_t now_ms;
static int64_t next_clock_ms;
static int64_t start_ms;
static volatile sig_atomic_t stop_requested;
static int shutting_down;
static int64_t shutdown_deadline_ms;

/* ---- /stats ---- */
static uint64_t tech_requests[TECH_COUNT];
static uint64_t tech_bytes[TECH_COUNT];
static uint64_t tech_deliveries[TECH_COUNT];
static uint64_t connections_accepted;
static uint64_t connections_refused;
static const char *drop_reasons[MAX_DROP_REASONS];
static uint64_t drop_counts[MAX_DROP_REASONS];
static struct {                          /* the latest conn_drop(), for the fault buttons */
    const char *reason;                  /* NULL until the first */
    enum technique technique;
    uint64_t conn_id;
    int64_t after_ms;                    /* how long the connection had been open */
    int64_t at_ms;                       /* uptime when it happened */
} last_drop;

static const char *const tech_names[TECH_COUNT] = {
    "http", "short_poll", "long_poll", "iframe_poll", "jsonp_poll",
    "forever_frame", "websocket", "sse", "fetch_stream", "xhr_stream", "stream_reply"
};

static const char *const state_names[CONN_STATE_COUNT] = {
    [CONN_READING] = "http", [CONN_HELD_POLL] = "held_poll",
    [CONN_FOREVER_FRAME] = "forever_frame", [CONN_SSE] = "sse",
    [CONN_WEBSOCKET] = "websocket", [CONN_FETCH_STREAM] = "fetch_stream",
    [CONN_XHR_STREAM] = "xhr_stream", [CONN_STREAM_REPLY] = "stream_reply",
    [CONN_CLOSING] = "closing"
};

/* 1 if this connection's doings go into the stepper's record. */
static int stepping(const struct conn *c)
{
    return step_mode && !c->control_plane;
}

/* ------------------------------------------------------------------ */
/* time                                                                */

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t server_now_ms(void)
{
    return now_ms;
}

int64_t server_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* stats                                                               */

void conn_count_request(struct conn *c, enum technique tech)
{
    tech_requests[tech]++;
    c->technique = tech;   /* the answer's bytes count under it too */
}

void stats_count_delivery(enum technique tech)
{
    tech_deliveries[tech]++;
}

const char *server_technique_name(enum technique tech)
{
    return (unsigned)tech < TECH_COUNT ? tech_names[tech] : "?";
}

static void count_drop(const char *reason)
{
    for (size_t i = 0; i < MAX_DROP_REASONS; i++) {
        if (drop_reasons[i] == NULL)
            drop_reasons[i] = reason;
        if (strcmp(drop_reasons[i], reason) == 0) {
            drop_counts[i]++;
            return;
        }
    }
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
/* closing: the one place                                              */

static void conn_close(struct conn *c)
{
    if (stepping(c))
        step_note(STEP_CLOSE, c->fd, "closed fd %d (%s)", c->fd, state_names[c->state]);
    if (c->ops != NULL && c->ops->on_close != NULL)
        c->ops->on_close(c);
    if (c->log_status != 0) {   /* a stream: log it with what it sent */
        c->log_bytes = c->bytes_sent;
        log_request(c);
    }
    close(c->fd);
    conns[c->fd] = NULL;
    while (conns_end > 0 && conns[conns_end - 1] == NULL)
        conns_end--;
    n_conns--;
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

void conn_close_after_flush(struct conn *c)
{
    if (!c->close_after_flush)
        c->close_deadline_ms = now_ms + CLOSE_LINGER_MS;
    c->close_after_flush = 1;
}

void conn_drop(struct conn *c, const char *reason)
{
    if (!c->dead && stepping(c))
        step_note(STEP_CLOSE, c->fd, "fd %d dropped: %s", c->fd, reason);
    if (!c->dead) {
        count_drop(reason);
        last_drop.reason = reason;
        last_drop.technique = c->technique;
        last_drop.conn_id = c->id;
        last_drop.after_ms = now_ms - c->opened_ms;
        last_drop.at_ms = now_ms - start_ms;
    }
    c->dead = 1;
}

void conn_set_timer(struct conn *c, int64_t at_ms)
{
    c->timer_ms = at_ms;
}

void conn_enter(struct conn *c, enum conn_state state, enum technique tech,
                const struct stream_ops *ops, void *tech_state)
{
    if (stepping(c))
        step_note(STEP_STATE, c->fd, "fd %d: %s -> %s (%s)", c->fd, state_names[c->state],
                  state_names[state], c->log_target);
    c->state = state;
    c->technique = tech;
    c->ops = ops;
    c->tech = tech_state;
    c->timer_ms = 0;
    if (state == CONN_WEBSOCKET && c->log_status == 0)
        c->log_status = 101;   /* logged when the connection ends */
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
    if (c->dead || (c->state == CONN_CLOSING))
        return -1;
    if (buf_append(&c->out, data, len) != 0) {
        conn_drop(c, "output_full");
        return -1;
    }
    /* Counted when written, under the technique of the request being
     * answered (by the time the socket takes them, a held poll may
     * already be back to reading its next request). */
    tech_bytes[c->technique] += (uint64_t)len;
    wire_record(c->technique, c->id, data, len);   /* one bounded copy (wire.h) */
    return 0;
}

int conn_write(struct conn *c, const void *data, size_t len)
{
    if (c->dead || c->state == CONN_CLOSING)
        return -1;
    if (c->out.len + len > c->output_max) {
        conn_drop(c, "slow_consumer");
        return -1;
    }
    return out_append(c, data, len);
}

void conn_set_output_max(struct conn *c, size_t max)
{
    c->output_max = max;
    if (c->out.max < max + 4096)
        c->out.max = max + 4096;   /* keep room for out_append's responses */
}

int conn_write_str(struct conn *c, const char *s)
{
    return conn_write(c, s, strlen(s));
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
    char tail[96];
    int keep = c->keep_alive && !c->close_after_flush && !shutting_down;

    write_head(c, status, content_type, extra_headers);
    /* RFC 9110 section 8.6: a server MUST NOT send Content-Length in a
     * 1xx or 204 response (they have no content by definition). */
    if (status >= 200 && status != 204) {
        int n = snprintf(tail, sizeof tail, "Content-Length: %zu\r\n", len);
        out_append(c, tail, (size_t)n);
    }
    int n = snprintf(tail, sizeof tail, "%s\r\n",
                     !keep ? "Connection: close\r\n"
                     : c->minor_version == 0 ? "Connection: keep-alive\r\n" : "");
    out_append(c, tail, (size_t)n);
    if (!c->head_only)
        out_append(c, body, len);
    c->log_status = status;
    c->log_bytes = c->head_only ? 0 : len;
    log_request(c);
    if (!keep)
        conn_close_after_flush(c);
}

void conn_respond_json(struct conn *c, int status, const char *body, size_t len)
{
    conn_respond(c, status, "application/json",
                 "Cache-Control: no-store\r\nAccess-Control-Allow-Origin: *\r\n",
                 body, len);
}

void conn_respond_error(struct conn *c, int status, const char *message)
{
    char body[256];
    int n = snprintf(body, sizeof body, "%d %s: %s\n", status,
                     http_status_text(status), message);
    c->keep_alive = 0;
    conn_respond(c, status, "text/plain; charset=utf-8",
                 "Cache-Control: no-store\r\n", body, (size_t)n);
}

int conn_start_stream(struct conn *c, int status, const char *content_type,
                      const char *extra_headers)
{
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
        out_append(c, "Transfer-Encoding: chunked\r\n", 28);
    out_append(c, "Connection: close\r\n\r\n", 21);
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
    if (c->out.len + (size_t)n + len + 2 > CONN_OUTPUT_MAX) {
        conn_drop(c, "slow_consumer");
        return -1;
    }
    if (conn_write(c, size_line, (size_t)n) != 0 || conn_write(c, data, len) != 0)
        return -1;
    return conn_write(c, "\r\n", 2);
}

void conn_end_stream(struct conn *c)
{
    if (c->minor_version >= 1)
        out_append(c, "0\r\n\r\n", 5);
    conn_close_after_flush(c);
}

void conn_resume_reading(struct conn *c)
{
    if (stepping(c))
        step_note(STEP_STATE, c->fd, "fd %d: %s -> http (answered; reading the next request)",
                  c->fd, state_names[c->state]);
    if (c->ops != NULL && c->ops->on_close != NULL)
        c->ops->on_close(c);
    c->ops = NULL;
    c->tech = NULL;
    c->state = CONN_READING;
    c->technique = TECH_HTTP;
    c->timer_ms = 0;
    c->resume_pending = 1;   /* parse buffered requests at the end of this turn */
}

/* Send as much output as the socket takes now. */
static void conn_flush(struct conn *c)
{
    uint64_t before = c->bytes_sent;
    while (c->out.len > 0 && !c->dead) {
        ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            conn_drop(c, "write_error");
            return;
        }
        buf_consume(&c->out, (size_t)n);
        c->bytes_sent += (uint64_t)n;
        c->last_active_ms = now_ms;
    }
    if (stepping(c) && c->bytes_sent != before)
        step_note(STEP_WRITE, c->fd, "wrote %llu bytes to fd %d (%s)%s",
                  (unsigned long long)(c->bytes_sent - before), c->fd,
                  state_names[c->state], c->out.len > 0 ? ", more pending" : "");
    if (c->out.len == 0)
        buf_free(&c->out);   /* idle connections hold no output buffer */
}

/* ------------------------------------------------------------------ */
/* requests                                                            */

static int allow_has_method(const char *allow, const struct http_request *req)
{
    const char *p = allow;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        if (n == req->method_len && memcmp(p, req->method, n) == 0)
            return 1;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

static const char cors_headers[] =
    "Access-Control-Allow-Origin: *\r\n";

/* OPTIONS: say what the path allows, and answer CORS preflights. */
static void respond_options(struct conn *c, const char *allow)
{
    char headers[256];
    snprintf(headers, sizeof headers,
             "Allow: %s, OPTIONS\r\n%s"
             "Access-Control-Allow-Methods: %s\r\n"
             "Access-Control-Allow-Headers: Content-Type, Last-Event-ID\r\n"
             "Access-Control-Max-Age: 600\r\n",
             allow, cors_headers, allow);
    conn_respond(c, 204, NULL, headers, "", 0);
}

static void respond_method_not_allowed(struct conn *c, const char *allow)
{
    char headers[128];
    char body[128];
    snprintf(headers, sizeof headers, "Allow: %s, OPTIONS\r\n", allow);
    int n = snprintf(body, sizeof body, "405 Method Not Allowed: use %s\n", allow);
    conn_respond(c, 405, "text/plain; charset=utf-8", headers, body, (size_t)n);
}

static void remember_request(struct conn *c, const struct http_request *req)
{
    c->technique = TECH_HTTP;   /* until a handler counts it as a technique */
    c->requests_served++;
    size_t mlen = req->method_len < sizeof c->log_method - 1
                  ? req->method_len : sizeof c->log_method - 1;
    memcpy(c->log_method, req->method, mlen);
    c->log_method[mlen] = '\0';
    log_escape(c->log_target, sizeof c->log_target, req->target, req->target_len);
    c->head_only = http_method_is(req, "HEAD");
    c->keep_alive = req->keep_alive;
    c->minor_version = req->minor_version;
}

static void dispatch(struct conn *c, const struct http_request *req)
{
    remember_request(c, req);
    if (req->path_len == 1 && req->path[0] == '*') {
        respond_options(c, "GET, HEAD, POST");   /* OPTIONS *: the whole server */
        return;
    }
    for (const struct route *r = routes; r->path != NULL; r++) {
        /* The stepper's control port serves /step/ and static files only:
         * nothing there may join the data plane it steers. */
        if (c->control_plane && strncmp(r->path, "/step/", 6) != 0)
            continue;
        if (strlen(r->path) != req->path_len
            || memcmp(r->path, req->path, req->path_len) != 0)
            continue;
        if (http_method_is(req, "OPTIONS")) {
            respond_options(c, r->allow);
            return;
        }
        if (!allow_has_method(r->allow, req)) {
            respond_method_not_allowed(c, r->allow);
            return;
        }
        r->handle(c, req);
        return;
    }
    if (http_method_is(req, "OPTIONS")) {
        respond_options(c, "GET, HEAD");
        return;
    }
    if (!http_method_is(req, "GET") && !http_method_is(req, "HEAD")) {
        respond_method_not_allowed(c, "GET, HEAD");
        return;
    }
    conn_count_request(c, TECH_HTTP);
    static_serve(c, req);
}

/* Input for a connection a technique has taken over: its on_input, or
 * kept (a held poll's pipelined requests wait their turn), or discarded
 * (nothing is expected from a stream's reader, or a closing peer). */
static void deliver_input(struct conn *c)
{
    if (c->in.len == 0)
        return;
    if (c->state == CONN_CLOSING)
        c->in.len = 0;
    else if (c->ops != NULL && c->ops->on_input != NULL)
        c->ops->on_input(c);
    else if (c->state != CONN_HELD_POLL)
        c->in.len = 0;
}

/* The decoded body of a chunked request lives here while it is handled. */
static char chunked_body[HTTP_MAX_BODY_BYTES];

/* Parse and answer every complete request in c->in, in order. */
static void process_requests(struct conn *c)
{
    while (c->state == CONN_READING && !c->close_after_flush && !c->dead
           && c->in.len > 0 && c->out.len < CONN_OUTPUT_MAX / 2) {
        struct http_request req;
        int rc = http_parse_request(c->in.data, c->in.len, &req);
        if (rc == HTTP_NEED_MORE)
            return;
        if (rc < 0) {
            snprintf(c->log_method, sizeof c->log_method, "-");
            snprintf(c->log_target, sizeof c->log_target, "-");
            c->minor_version = 1;
            c->head_only = 0;
            conn_respond_error(c, -rc, req.error ? req.error : "malformed request");
            return;
        }
        size_t head_len = (size_t)rc;
        size_t body_used = 0;
        if (req.body_kind == HTTP_BODY_LENGTH) {
            if (c->in.len - head_len < req.content_length)
                goto need_body;
            req.body = c->in.data + head_len;
            req.body_len = (size_t)req.content_length;
            body_used = req.body_len;
        } else if (req.body_kind == HTTP_BODY_CHUNKED) {
            long n = http_decode_chunked(c->in.data + head_len, c->in.len - head_len,
                                         chunked_body, sizeof chunked_body,
                                         &req.body_len);
            if (n == HTTP_NEED_MORE)
                goto need_body;
            if (n < 0) {
                remember_request(c, &req);
                conn_respond_error(c, (int)-n, n == -413
                                   ? "the request body is larger than 65536 bytes"
                                   : "the chunked body is malformed");
                return;
            }
            req.body = chunked_body;
            body_used = (size_t)n;
        }
        c->request_start_ms = 0;
        c->sent_continue = 0;
        dispatch(c, &req);
        buf_consume(&c->in, head_len + body_used);
        if (c->state != CONN_READING) {
            deliver_input(c);   /* e.g. WebSocket frames right behind the upgrade */
            return;
        }
        c->request_start_ms = c->in.len > 0 ? now_ms : 0;
        continue;
need_body:
        /* The input buffer is full and the body is still incomplete: that
         * is a chunked body whose framing (one-byte chunks, extensions)
         * passed CONN_INPUT_MAX.  No read can come (wants_read), so say so
         * now rather than letting the header timeout answer 408. */
        if (c->in.len >= c->in.max) {
            remember_request(c, &req);
            conn_respond_error(c, 413, "the chunked request body, with its framing, "
                               "is larger than the input buffer");
            return;
        }
        /* RFC 9110 section 10.1.1: a client that sent Expect: 100-continue
         * waits for this before sending the body. */
        if (!c->sent_continue && req.minor_version == 1
            && http_header_has_token(&req, "Expect", "100-continue")) {
            out_append(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
            c->sent_continue = 1;
        }
        return;
    }
    /* Stopped for lack of output room with requests still buffered
     * (pipelining): go on once the client has read (finish_turn).
     * Nothing else would, since no new input may ever come. */
    if (c->state == CONN_READING && c->in.len > 0 && !c->dead
        && !c->close_after_flush && c->out.len >= CONN_OUTPUT_MAX / 2)
        c->resume_pending = 1;
}

/* ------------------------------------------------------------------ */
/* /publish and /stats (the routes that belong to the server itself)   */

void publish_handle(struct conn *c, const struct http_request *req)
{
    char reply[64];
    conn_count_request(c, TECH_HTTP);
    if (req->body_len == 0) {
        conn_respond_error(c, 400, "the message is empty");
        return;
    }
    if (req->body_len > HUB_MESSAGE_MAX_BYTES) {
        conn_respond_error(c, 413, "the message is larger than 16384 bytes");
        return;
    }
    if (!utf8_valid(req->body, req->body_len)) {
        conn_respond_error(c, 400, "the message is not valid UTF-8");
        return;
    }
    const struct hub_event *ev = server_publish(HUB_EVENT_MESSAGE, req->body,
                                                req->body_len);
    if (ev == NULL) {
        conn_respond_error(c, 500, "out of memory");
        return;
    }
    int n = snprintf(reply, sizeof reply, "{\"id\":%llu}\n",
                     (unsigned long long)ev->id);
    conn_respond_json(c, 200, reply, (size_t)n);
}

void stats_handle(struct conn *c, const struct http_request *req)
{
    size_t by_state[CONN_STATE_COUNT] = { 0 };
    struct buf b = { NULL, 0, 0, 16384 };
    (void)req;

    conn_count_request(c, TECH_HTTP);
    for (int fd = 0; fd < conns_end; fd++) {
        if (conns[fd] != NULL)
            by_state[conns[fd]->state]++;
    }
    buf_append_str(&b, "{\"connections\":{");
    for (int s = 0; s < CONN_STATE_COUNT; s++)
        buf_printf(&b, "\"%s\":%zu,", state_names[s], by_state[s]);
    buf_printf(&b, "\"total\":%zu},", n_conns);
    buf_printf(&b, "\"events_published\":%llu,\"first_id\":%llu,\"last_id\":%llu,",
               (unsigned long long)hub_last_id(),
               (unsigned long long)hub_first_id(),
               (unsigned long long)hub_last_id());
    buf_append_str(&b, "\"techniques\":{");
    for (int t = 0; t < TECH_COUNT; t++) {
        buf_printf(&b, "%s\"%s\":{\"requests\":%llu,\"bytes\":%llu,\"deliveries\":%llu}",
                   t ? "," : "", tech_names[t],
                   (unsigned long long)tech_requests[t],
                   (unsigned long long)tech_bytes[t],
                   (unsigned long long)tech_deliveries[t]);
    }
    buf_append_str(&b, "},\"dropped\":{");
    for (size_t i = 0; i < MAX_DROP_REASONS && drop_reasons[i] != NULL; i++) {
        buf_printf(&b, "%s\"%s\":%llu", i ? "," : "", drop_reasons[i],
                   (unsigned long long)drop_counts[i]);
    }
    buf_append_str(&b, "},\"last_drop\":");
    if (last_drop.reason == NULL)
        buf_append_str(&b, "null");
    else
        buf_printf(&b, "{\"reason\":\"%s\",\"technique\":\"%s\",\"conn\":%llu,"
                   "\"after_ms\":%lld,\"at_ms\":%lld}", last_drop.reason,
                   tech_names[last_drop.technique], (unsigned long long)last_drop.conn_id,
                   (long long)last_drop.after_ms, (long long)last_drop.at_ms);
    buf_printf(&b, ",\"accepted\":%llu,\"refused\":%llu,\"uptime_ms\":%lld}\n",
               (unsigned long long)connections_accepted,
               (unsigned long long)connections_refused,
               (long long)(now_ms - start_ms));
    if (b.data == NULL) {
        conn_respond_error(c, 500, "out of memory");
        return;
    }
    conn_respond_json(c, 200, b.data, b.len);
    buf_free(&b);
}

const struct hub_event *server_publish(enum hub_event_type type,
                                       const char *data, size_t len)
{
    const struct hub_event *ev = hub_publish(type, data, len);
    if (ev == NULL)
        return NULL;
    if (step_mode)
        step_note(STEP_EVENT, -1, "published event %llu (%s): each stream's on_event runs",
                  (unsigned long long)ev->id, type == HUB_EVENT_TIME ? "time" : "message");
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (c != NULL && !c->dead && c->ops != NULL && c->ops->on_event != NULL)
            c->ops->on_event(c, ev);
    }
    return ev;
}

int server_origin_allowed(const char *origin, size_t len)
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

/* ------------------------------------------------------------------ */
/* the clock                                                           */

static void publish_clock(void)
{
    char text[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    size_t n = strftime(text, sizeof text, "%H:%M:%S", &tm);
    server_publish(HUB_EVENT_TIME, text, n);
}

/* ------------------------------------------------------------------ */
/* accepting                                                           */

/* Answer 503 and close, without a struct conn: the server is full, or the
 * descriptor is too large for select(). */
static void refuse(int fd)
{
    static const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 44\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        "503 Service Unavailable: too many clients.\n";
    ssize_t ignored = send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    close(fd);
    connections_refused++;
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0)
        return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void accept_one(int lfd, int port, enum plane plane)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
        /* Out of descriptors: free the spare one, take the connection off
         * the queue, refuse it, and keep the spare for the next time.
         * Without this the listener stays readable and the loop spins. */
        close(spare_fd);
        fd = accept(lfd, NULL, NULL);
        if (fd >= 0)
            refuse(fd);
        spare_fd = open("/dev/null", O_RDONLY);
        return;
    }
    if (fd < 0)
        return;
    /* select() cannot watch a descriptor >= FD_SETSIZE: FD_SET on it would
     * write past the end of the fd_set. */
    if (fd >= FD_SETSIZE || n_conns >= SERVER_MAX_CONNECTIONS || shutting_down) {
        refuse(fd);
        return;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL || set_nonblocking(fd) != 0) {
        free(c);
        refuse(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->id = connections_accepted + 1;
    c->opened_ms = now_ms;
    c->local_port = port;
    c->state = CONN_READING;
    c->technique = TECH_HTTP;
    c->in.max = CONN_INPUT_MAX;
    c->out.max = CONN_OUTPUT_MAX + STATIC_FILE_MAX_BYTES + 4096;
    c->output_max = CONN_OUTPUT_MAX;
    c->last_active_ms = now_ms;
    c->control_plane = plane == PLANE_CONTROL;
    conns[fd] = c;
    if (fd >= conns_end)
        conns_end = fd + 1;
    n_conns++;
    connections_accepted++;
    if (stepping(c))
        step_note(STEP_ACCEPT, fd, "accepted fd %d on port %d", fd, port);
}

/* ------------------------------------------------------------------ */
/* reading                                                             */

static int wants_read(const struct conn *c)
{
    return !c->dead && !c->peer_closed && c->in.len < c->in.max;
}

/* Every read lands here first, and only what arrived is copied into the
 * connection's input buffer: a connection holding half a request keeps a
 * few hundred bytes, not a READ_CHUNK reserved in advance (the slowloris
 * case: 1000 such connections would otherwise pin 16 MiB). */
static char read_scratch[READ_CHUNK];

static void conn_on_readable(struct conn *c)
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
    if (stepping(c)) {
        if (n == 0)
            step_note(STEP_READ, c->fd, "read 0 bytes on fd %d (%s): the peer closed",
                      c->fd, state_names[c->state]);
        else
            step_note(STEP_READ, c->fd, "read %zd bytes on fd %d (%s)", n, c->fd,
                      state_names[c->state]);
    }
    if (n == 0) {
        c->peer_closed = 1;
    } else {
        if (c->state == CONN_READING && c->in.len == 0 && c->request_start_ms == 0)
            c->request_start_ms = now_ms;
        if (buf_append(&c->in, read_scratch, (size_t)n) != 0) {
            conn_drop(c, "out_of_memory");
            return;
        }
        c->last_active_ms = now_ms;
    }

    if (c->state == CONN_READING)
        process_requests(c);
    else
        deliver_input(c);
    if (c->in.len == 0)
        buf_free(&c->in);

    if (c->peer_closed) {
        /* The client went away (or half-closed).  A held poll or a stream
         * has nobody left to talk to: free it now.  A plain request that
         * was answered still gets its answer flushed. */
        if (c->state == CONN_READING && c->out.len > 0)
            conn_close_after_flush(c);
        else if (c->state == CONN_READING || c->state == CONN_CLOSING)
            c->dead = 1;
        else
            conn_drop(c, "peer_closed");
    }
}

/* ------------------------------------------------------------------ */
/* timers                                                              */

/* The next moment something is due for this connection, or 0. */
static int64_t conn_deadline(const struct conn *c)
{
    if (c->close_after_flush)
        return c->close_deadline_ms;
    if (c->state == CONN_READING) {
        if (c->request_start_ms != 0)
            return c->request_start_ms + HEADER_TIMEOUT_MS;
        /* A connection that has never sent a request gets no more time
         * than a slow one: otherwise silent connections could hold every
         * slot for the whole keep-alive timeout. */
        if (c->requests_served == 0)
            return c->last_active_ms + HEADER_TIMEOUT_MS;
        return c->last_active_ms + KEEPALIVE_TIMEOUT_MS;
    }
    return c->timer_ms;
}

static void run_timers(struct conn *c)
{
    int64_t due = conn_deadline(c);
    if (due == 0 || now_ms < due || c->dead)
        return;
    if (stepping(c))
        step_note(STEP_TIMER, c->fd, "timer due on fd %d (%s%s)", c->fd,
                  state_names[c->state], c->close_after_flush ? ", closing"
                  : c->state == CONN_READING ? ", idle or slow request" : "");
    if (c->close_after_flush) {
        c->dead = 1;     /* the peer never drained its last response */
        return;
    }
    if (c->state == CONN_READING) {
        if (c->request_start_ms != 0) {
            snprintf(c->log_method, sizeof c->log_method, "-");
            snprintf(c->log_target, sizeof c->log_target, "-");
            count_drop("header_timeout");
            /* The 408 answers the request that did not arrive, not the
             * previous one on this connection: if that was a HEAD, its
             * head_only would leave out the body that Content-Length
             * announces (RFC 9110 section 9.3.2 is for HEAD only). */
            c->head_only = 0;
            conn_respond_error(c, 408, "the request did not arrive in time");
        } else {
            c->dead = 1;  /* idle keep-alive connection */
        }
        return;
    }
    c->timer_ms = 0;
    if (c->ops != NULL && c->ops->on_timer != NULL)
        c->ops->on_timer(c);
}

static const int default_ports[] = { 3000, 3001, 3002 };
static const char *bind_address = "127.0.0.1";

/* ------------------------------------------------------------------ */
/* the loop                                                            */

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void begin_shutdown(void)
{
    shutting_down = 1;
    shutdown_deadline_ms = now_ms + SHUTDOWN_GRACE_MS;
    for (size_t i = 0; i < n_listeners; i++)
        close(listeners[i]);
    n_listeners = 0;
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (c == NULL || c->dead)
            continue;
        if (c->ops != NULL && c->ops->on_shutdown != NULL)
            c->ops->on_shutdown(c);
        if (c->state == CONN_READING && c->out.len == 0)
            c->dead = 1;   /* idle or half-read: nothing owed */
        else
            conn_close_after_flush(c);
    }
}

static int64_t next_deadline(enum plane plane)
{
    int64_t due = shutting_down ? shutdown_deadline_ms
                  : plane == PLANE_DATA ? next_clock_ms : now_ms + STEP_IDLE_WAKE_MS;
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (c == NULL || c->control_plane != (plane == PLANE_CONTROL))
            continue;
        int64_t d = conn_deadline(c);
        if (d != 0 && d < due)
            due = d;
    }
    return due;
}

/* Flush what handlers wrote this turn, resume connections back from a
 * held state, close the ones marked. */
static void finish_turn(enum plane plane)
{
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (c == NULL || c->control_plane != (plane == PLANE_CONTROL))
            continue;
        if (c->out.len > 0 && !c->dead)
            conn_flush(c);
        /* Buffered requests wait while the output is half full.  Go on
         * until the socket takes no more (a connection left waiting then
         * keeps write interest, so select() wakes us when the client
         * reads) or the buffered input is used up. */
        while (c->resume_pending && c->out.len < CONN_OUTPUT_MAX / 2 && !c->dead) {
            c->resume_pending = 0;
            process_requests(c);
            if (c->out.len > 0 && !c->dead)
                conn_flush(c);
        }
        if (c->close_after_flush && c->out.len == 0 && !c->dead
            && c->state != CONN_CLOSING) {
            /* Lingering close (RFC 9112 section 9.6): stop sending, keep
             * reading until the peer closes, so unread input cannot turn
             * our close into a reset that destroys the response. */
            if (c->ops != NULL && c->ops->on_close != NULL)
                c->ops->on_close(c);
            c->ops = NULL;
            c->tech = NULL;
            if (stepping(c))
                step_note(STEP_STATE, fd, "fd %d: %s -> closing (all sent; shutdown(SHUT_WR))",
                          fd, state_names[c->state]);
            c->state = CONN_CLOSING;
            shutdown(c->fd, SHUT_WR);
        }
        if (c->dead || (c->state == CONN_CLOSING && c->peer_closed))
            conn_close(c);
    }
}

/* Record the fd_sets about to go to select() (step mode, data plane). */
static void step_record_sets(const fd_set *rfds, const fd_set *wfds, int maxfd)
{
    char role[STEP_ROLE_MAX];
    for (int fd = 0; fd <= maxfd; fd++) {
        int r = FD_ISSET(fd, rfds), w = FD_ISSET(fd, wfds);
        if (!r && !w)
            continue;
        snprintf(role, sizeof role, "%s", conns[fd] != NULL
                 ? state_names[conns[fd]->state] : "listener");
        for (size_t i = 0; i < n_listeners; i++) {
            if (listeners[i] == fd)
                snprintf(role, sizeof role, "listener :%d", listener_ports[i]);
        }
        step_watch(fd, role, r, w);
    }
}

static void step_record_ready(const fd_set *rfds, const fd_set *wfds, int maxfd)
{
    for (int fd = 0; fd <= maxfd; fd++) {
        if (FD_ISSET(fd, rfds) || FD_ISSET(fd, wfds))
            step_ready(fd, FD_ISSET(fd, rfds), FD_ISSET(fd, wfds));
    }
}

/* One turn of the loop over one plane: the data plane (the techniques)
 * always; the control plane only in step mode, between data turns (see
 * step.c for why).  Each plane's select() sees only its own descriptors. */
static void loop_once(enum plane plane)
{
    fd_set rfds, wfds;
    int maxfd = -1;
    int record = step_mode && plane == PLANE_DATA;

    FD_ZERO(&rfds);
    FD_ZERO(&wfds);
    for (size_t i = 0; i < n_listeners; i++) {
        if (listener_planes[i] != plane)
            continue;
        FD_SET(listeners[i], &rfds);
        if (listeners[i] > maxfd)
            maxfd = listeners[i];
    }
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (c == NULL || c->control_plane != (plane == PLANE_CONTROL))
            continue;
        if (wants_read(c))
            FD_SET(fd, &rfds);
        if (c->out.len > 0)
            FD_SET(fd, &wfds);
        if (fd > maxfd)
            maxfd = fd;
    }

    int64_t wait = next_deadline(plane) - monotonic_ms();
    if (wait < 0)
        wait = 0;
    if (record) {
        step_begin(now_ms, wait);
        step_record_sets(&rfds, &wfds, maxfd);
        wait = 0;     /* the wait for the step was the waiting */
    }
    struct timeval tv = { (time_t)(wait / 1000), (suseconds_t)(wait % 1000) * 1000 };
    int ready = select(maxfd + 1, &rfds, &wfds, NULL, &tv);
    now_ms = monotonic_ms();
    if (ready < 0 && errno != EINTR) {
        perror("select");
        exit(1);
    }
    if (ready < 0) {            /* EINTR: a signal; nothing is ready */
        FD_ZERO(&rfds);
        FD_ZERO(&wfds);
    }
    if (record)
        step_record_ready(&rfds, &wfds, maxfd);

    if (plane == PLANE_DATA && !shutting_down && now_ms >= next_clock_ms) {
        if (record)
            step_note(STEP_TIMER, -1, "timer due: the clock (every %d ms)", CLOCK_INTERVAL_MS);
        publish_clock();
        next_clock_ms += CLOCK_INTERVAL_MS;
        if (next_clock_ms <= now_ms)       /* we were stopped: do not burst */
            next_clock_ms = now_ms + CLOCK_INTERVAL_MS;
    }
    for (size_t i = 0; i < n_listeners; i++) {
        if (listener_planes[i] != plane || !FD_ISSET(listeners[i], &rfds))
            continue;
        for (int k = 0; k < ACCEPTS_PER_TURN; k++) {
            size_t before = connections_accepted + connections_refused;
            accept_one(listeners[i], listener_ports[i], plane);
            if (connections_accepted + connections_refused == before)
                break;
        }
    }
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (c == NULL || c->dead || c->control_plane != (plane == PLANE_CONTROL))
            continue;
        if (FD_ISSET(fd, &rfds))
            conn_on_readable(c);
        if (FD_ISSET(fd, &wfds) && !c->dead)
            conn_flush(c);
        run_timers(c);
    }
    finish_turn(plane);
    if (record)
        step_end();
}

/* Step mode: serve the control plane (the stepper page and its
 * requests) until the reader asks for a data iteration. */
static void wait_for_step(void)
{
    while (!step_take() && !stop_requested)
        loop_once(PLANE_CONTROL);
}

/* ------------------------------------------------------------------ */
/* start-up                                                            */

static int open_listener(int port, int *bound_port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, bind_address, &addr.sin_addr) != 1
        || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0
        || listen(fd, LISTEN_BACKLOG) != 0
        || set_nonblocking(fd) != 0
        || getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        close(fd);
        return -1;
    }
    *bound_port = ntohs(addr.sin_port);
    return fd;
}

/* Step mode: the stepper's control listener, its own plane (step.c). */
static int open_control_listener(int port)
{
    int bound;
    if (n_listeners == MAX_LISTENERS) {
        fprintf(stderr, "server: no room for the stepper's port (at most %d listeners)\n",
                MAX_LISTENERS);
        return -1;
    }
    int fd = open_listener(port, &bound);
    if (fd < 0) {
        fprintf(stderr, "server: cannot listen on %s:%d: %s\n", bind_address, port,
                strerror(errno));
        return -1;
    }
    listeners[n_listeners] = fd;
    listener_planes[n_listeners] = PLANE_CONTROL;
    listener_ports[n_listeners++] = bound;
    step_set_ports(listener_ports, (int)n_listeners - 1, bound);
    step_mode = 1;
    fprintf(stderr, "stepper on http://%s:%d/stepper.html (steered from loopback "
            "only; the loop waits for it)\n", bind_address, bound);
    return 0;
}

/* Let accept() return descriptors up to FD_SETSIZE and a little beyond,
 * so that the connection past the limit is answered 503 rather than left
 * in the kernel's queue. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = FD_SETSIZE + 64;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: server [-p PORT]... [-r DIR] [-b ADDR] [-o ORIGIN]... [-q] [-W]\n"
            "              [-A | --article-mode] [-S PORT | --step[=PORT]] [-h]\n"
            "  -p PORT    listen on PORT (repeatable; 0 = any free port);\n"
            "             default 3000, 3001 and 3002, the article's ports\n"
            "  -r DIR     serve static files from DIR (default ./www)\n"
            "  -b ADDR    listen on this IPv4 address (default 127.0.0.1)\n"
            "  -o ORIGIN  accept WebSocket handshakes only from this Origin\n"
            "             (repeatable; default: any origin)\n"
            "  -q         no request log on stderr\n"
            "  -W         no wire view: do not keep the last bytes sent per\n"
            "             technique, and answer GET /wire with 404\n"
            "  -A, --article-mode\n"
            "             UNSAFE, for watching the article's bugs: serve its code\n"
            "             as written on the /article/ routes (404 without it)\n"
            "  -S PORT, --step[=PORT]\n"
            "             run the select() loop one iteration at a time, steered\n"
            "             from http://127.0.0.1:PORT/stepper.html (loopback only;\n"
            "             --step alone: port 3100; 0 = any free port)\n"
            "  -h         this help\n"
            "\nroutes (on every port):\n"
            "  GET  /, /<file>              static files from the www root\n");
    for (const struct route *r = routes; r->path != NULL; r++)
        fprintf(out, "  %-4.4s %-24s %s\n", r->allow, r->path, r->summary);
}

static int parse_port(const char *s)
{
    uint64_t v;
    if (http_parse_u64(s, strlen(s), &v) != 0 || v > 65535)
        return -1;
    return (int)v;
}

/* POSIX getopt() knows no long options.  Before it runs, the two long
 * spellings become their short ones in place: "--article-mode" -> "-A",
 * "--step" -> "-S3100", "--step=PORT" -> "-S" "PORT" (as "-SPORT").
 * Only words in option position are rewritten: not the value of an
 * option that takes one ("-r --step" serves a directory so named), and
 * nothing after "--". */
static void translate_long_options(int argc, char **argv)
{
    static char article_short[] = "-A";
    static char step_default[] = "-S3100";
    static char step_with_port[32];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0 || a[0] != '-')
            return;            /* getopt stops here too */
        if (strcmp(a, "--article-mode") == 0) {
            argv[i] = article_short;
        } else if (strcmp(a, "--step") == 0) {
            argv[i] = step_default;
        } else if (strncmp(a, "--step=", 7) == 0
                   && strlen(a + 7) < sizeof step_with_port - 2) {
            snprintf(step_with_port, sizeof step_with_port, "-S%s", a + 7);
            argv[i] = step_with_port;
        } else if (a[1] != '-') {
            /* "-p 3000", "-qr www": the next word is an option's value */
            size_t k = strcspn(a + 1, "prboS");
            if (a[1 + k] != '\0' && a[2 + k] == '\0')
                i++;
        }
    }
}

int main(int argc, char **argv)
{
    int ports[MAX_LISTENERS];
    size_t n_ports = 0;
    const char *root = "./www";
    int opt;
    int control_port = -1;

    translate_long_options(argc, argv);
    while ((opt = getopt(argc, argv, "p:r:b:o:qWhAS:")) != -1) {
        switch (opt) {
        case 'p':
            if (n_ports == MAX_LISTENERS || (ports[n_ports] = parse_port(optarg)) < 0) {
                fprintf(stderr, "server: bad or too many -p: %s\n", optarg);
                return 2;
            }
            n_ports++;
            break;
        case 'r': root = optarg; break;
        case 'b': bind_address = optarg; break;
        case 'o':
            if (n_allowed_origins == MAX_ALLOWED_ORIGINS) {
                fprintf(stderr, "server: at most %d -o\n", MAX_ALLOWED_ORIGINS);
                return 2;
            }
            allowed_origins[n_allowed_origins++] = optarg;
            break;
        case 'q': quiet = 1; break;
        case 'W': wire_set_enabled(0); break;
        case 'A': article_mode_set(1); break;
        case 'S':
            if ((control_port = parse_port(optarg)) < 0) {
                fprintf(stderr, "server: bad -S (--step) port: %s\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (n_ports == 0) {
        for (size_t i = 0; i < sizeof default_ports / sizeof default_ports[0]; i++)
            ports[n_ports++] = default_ports[i];
    }
    if (static_set_root(root) != 0) {
        fprintf(stderr, "server: %s is not a directory (use -r DIR)\n", root);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);      /* a dead peer is an EPIPE, not a death */
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    raise_fd_limit();

    for (size_t i = 0; i < n_ports; i++) {
        int bound;
        int fd = open_listener(ports[i], &bound);
        if (fd < 0) {
            fprintf(stderr, "server: cannot listen on %s:%d: %s\n", bind_address,
                    ports[i], strerror(errno));
            return 1;
        }
        listeners[n_listeners] = fd;
        listener_planes[n_listeners] = PLANE_DATA;
        listener_ports[n_listeners++] = bound;
        fprintf(stderr, "listening on http://%s:%d\n", bind_address, bound);
    }
    if (control_port >= 0 && open_control_listener(control_port) != 0)
        return 1;
    if (article_mode_on())
        fprintf(stderr, "server: ARTICLE MODE: the article's unsafe code answers "
                "on /article/ (see /article-mode.html)\n");
    spare_fd = open("/dev/null", O_RDONLY);

    now_ms = monotonic_ms();
    start_ms = now_ms;
    next_clock_ms = now_ms;
    while (!shutting_down || (n_conns > 0 && now_ms < shutdown_deadline_ms)) {
        if (stop_requested && !shutting_down) {
            begin_shutdown();
            /* Close at once what begin_shutdown ended, and look at the
             * loop condition again: with nothing left open, waiting in
             * select() for the grace period would only delay the exit. */
            finish_turn(PLANE_DATA);
            finish_turn(PLANE_CONTROL);
            continue;
        }
        if (step_mode && !shutting_down) {
            wait_for_step();
            if (stop_requested)
                continue;
        }
        loop_once(PLANE_DATA);
    }

    for (int fd = 0; fd < conns_end; fd++) {
        if (conns[fd] != NULL)
            conn_close(conns[fd]);
    }
    if (spare_fd >= 0)
        close(spare_fd);
    hub_free_all();
    if (!quiet)
        fprintf(stderr, "server: stopped\n");
    return 0;
}
