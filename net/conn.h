/*
 * net/conn.h - the connection layer: what every technique file uses to
 * talk to a client, and what the loop (net/loop.c) uses to move bytes.
 *
 * One struct conn per TCP connection, with an explicit state, its own
 * input and output buffers (each with a cap), and one place where it is
 * closed (conn_free, called by the loop only).  Technique files never
 * call read(), write() or close(): they append to the output buffer with
 * conn_write(), ask for the connection to end with conn_close_after_flush()
 * or conn_drop(), and are called back through their struct stream_ops
 * when input, a hub event, a timer or shutdown arrives.
 *
 * This layer knows nothing above it.  Two things are installed from above
 * by main (server.c): the function that answers a complete request (the
 * route table's dispatcher) and an observer, through which the teaching
 * modes (the wire view, the stepper) watch bytes and changes without the
 * layer naming them.
 */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/chunked.h"
#include "core/http.h"
#include "core/hub.h"
#include "net/stats.h"

enum {
    CONN_INPUT_MAX = HTTP_MAX_HEAD_BYTES + HTTP_MAX_BODY_BYTES + 4096,
    CONN_OUTPUT_MAX = 256 * 1024,        /* unsent stream bytes; beyond this a reader is too slow */
    CONN_BODY_MAX = 1024 * 1024,         /* the largest complete response body (a static file) */
    HEADER_TIMEOUT_MS = 10 * 1000,       /* a request head must arrive within this */
    KEEPALIVE_TIMEOUT_MS = 30 * 1000,    /* an idle keep-alive connection is closed after this
                                            (one that never sent a request: HEADER_TIMEOUT_MS) */
    CLOSE_LINGER_MS = 5 * 1000,          /* time to flush a final response before cutting */
    CONN_READ_CHUNK = 16384,             /* bytes asked of read() at a time */
    CONN_KEEP_OUTPUT_BYTES = 1024,       /* a stream keeps a drained output buffer this
                                            small for its next event, not malloc/free
                                            per delivery */
    CONN_LOG_TARGET_MAX = 160            /* bytes of a request target in the log line */
};

/* The state of a connection.  Requests are read only in CONN_READING;
 * every other state belongs to one technique file. */
enum conn_state {
    CONN_READING,        /* reading a request (idle keep-alive included) */
    CONN_HELD_POLL,      /* a long poll waiting for an event (poll.c) */
    CONN_HELD_STEP,      /* a POST /step/next waiting for its iterations (teach/step.c) */
    CONN_FOREVER_FRAME,  /* an endless HTML response (iframe.c) */
    CONN_SSE,            /* an event stream (sse.c) */
    CONN_WEBSOCKET,      /* an open WebSocket (ws.c) */
    CONN_FETCH_STREAM,   /* an NDJSON stream read with fetch() (stream.c) */
    CONN_XHR_STREAM,     /* the same, for XHR streaming (stream.c) */
    CONN_STREAM_REPLY,   /* a streamed reply to a POST (stream.c) */
    CONN_CLOSING,        /* flushing the last bytes, then closed */
    CONN_STATE_COUNT
};

struct conn;

/* How a technique takes over a connection: conn_enter() with its ops and
 * its own state.  Any member may be NULL. */
struct stream_ops {
    /* New bytes were appended to c->in.  Consume what you use with
     * buf_consume(&c->in, n).  If NULL, input is kept (a held request:
     * pipelined requests wait their turn) or, on a stream, discarded. */
    void (*on_input)(struct conn *c);
    /* The hub published an event. */
    void (*on_event)(struct conn *c, const struct hub_event *ev);
    /* c->timer_ms has passed (the loop cleared it; set it again if you
     * want another call). */
    void (*on_timer)(struct conn *c);
    /* The server is shutting down: end the stream properly (final chunk,
     * close frame, empty poll answer).  The loop then flushes and closes. */
    void (*on_shutdown)(struct conn *c);
    /* The connection is leaving the technique, whatever the reason: free
     * c->tech.  Do not write; the socket may be gone. */
    void (*on_close)(struct conn *c);
};

struct conn {
    int fd;
    uint64_t id;                /* serial number, 1 for the first accepted (wire view, last_drop) */
    int plane;                  /* which of the loop's planes serves it (net/loop.h) */
    int local_port;             /* the listening port it came in on */
    int64_t opened_ms;          /* monotonic ms when it was accepted */
    enum conn_state state;
    enum technique technique;   /* what its bytes are counted under */
    const struct stream_ops *ops; /* set while not CONN_READING */
    void *tech;                 /* the technique's own state, or NULL */
    struct buf in;              /* received, not yet consumed */
    struct buf out;             /* to send; write interest only while non-empty */
    size_t output_max;          /* conn_write's cap: CONN_OUTPUT_MAX unless raised */
    int close_after_flush;      /* close once out is empty */
    int dead;                   /* close now, drop unsent output */
    int peer_closed;            /* read() returned 0 */
    int resume_pending;         /* back in CONN_READING: parse buffered input */
    int64_t close_deadline_ms;  /* when a closing connection is cut anyway */
    int64_t timer_ms;           /* monotonic ms when ops->on_timer runs; 0 = none */
    int64_t last_active_ms;     /* last successful read or write */
    unsigned long requests_served; /* requests dispatched on this connection */

    /* The request being read (net/conn.c, "reading requests"). */
    int64_t request_start_ms;   /* first byte of the request being read, 0 if idle */
    size_t head_scanned;        /* bytes of c->in already scanned for the head's end */
    size_t head_len;            /* the complete head's length, 0 until it is complete */
    enum http_body_kind body_kind; /* its body's framing, once the head is complete */
    uint64_t content_length;
    struct http_chunked chunked;/* where decoding a chunked body stopped */
    int sent_continue;          /* "100 Continue" sent for this request */

    /* The request being answered, kept for responses given later (a
     * held poll) and for the log line. */
    int head_only;              /* HEAD: send headers, no body */
    int keep_alive;             /* the request allows another after it */
    int minor_version;
    char log_method[16];
    char log_target[CONN_LOG_TARGET_MAX];  /* escaped for the log */
    int log_status;
    uint64_t log_bytes;         /* body bytes of the response */
    uint64_t bytes_sent;        /* total on this connection */
};

/* ---- what main installs ---- */

/* Answers one complete request (body read) in CONN_READING: either
 * answers it (conn_respond...) or takes the connection over (conn_enter). */
typedef void conn_handler(struct conn *c, const struct http_request *req);
void conn_set_dispatcher(conn_handler *dispatch);

/* What happened to a connection, for an observer. */
enum conn_change {
    CONN_OPENED,         /* accepted */
    CONN_READ_BYTES,     /* n bytes read; 0: the peer closed */
    CONN_WROTE_BYTES,    /* n bytes sent; more may be pending */
    CONN_NEW_STATE,      /* c->state changed; n is the state it left (to
                            CONN_CLOSING: all sent, shutdown(SHUT_WR), reading
                            until the peer closes) */
    CONN_DROPPED,        /* dropped; reason says why */
    CONN_CLOSED          /* about to be closed */
};

/* Watching the connection layer (the wire view, the stepper).  Either
 * member may be NULL; with no observer each hook costs one check. */
struct conn_observer {
    /* Bytes queued on c for sending (all of them, heads included). */
    void (*queued)(const struct conn *c, const void *data, size_t len);
    void (*changed)(const struct conn *c, enum conn_change what, long n,
                    const char *reason);
};
void conn_set_observer(const struct conn_observer *observer);

/* -q: no request log on stderr. */
void conn_set_quiet(int quiet);

/* ---- writing ---- */

/* Append to the output buffer.  0 on success; -1 if the connection is
 * already closing or dead, or if this would pass c->output_max: the
 * reader is too slow, so the connection is dropped (counted in /stats as
 * "slow_consumer").  Callers stop writing to c after -1. */
int conn_write(struct conn *c, const void *data, size_t len);
int conn_printf(struct conn *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Bytes waiting to be sent. */
size_t conn_pending(const struct conn *c);

/* Let conn_write() hold up to `max` unsent bytes on this connection
 * instead of CONN_OUTPUT_MAX, for a technique whose single reply can be
 * larger (a WebSocket echo of a message up to 1 MiB).  The technique
 * still has to keep a slow reader in check itself. */
void conn_set_output_max(struct conn *c, size_t max);

/* ---- responses ---- */

/* A complete response: status line, Content-Type (if not NULL),
 * Content-Length (except on 1xx and 204), Connection, the given extra
 * header lines (each ending in "\r\n", or NULL) and the body (left out
 * for HEAD).  Logs the request.  If the request did not allow
 * keep-alive, the connection closes after. */
void conn_respond(struct conn *c, int status, const char *content_type,
                  const char *extra_headers, const void *body, size_t len);

/* A JSON answer that any page may read (Access-Control-Allow-Origin: *:
 * the data is public) and no cache may keep (Cache-Control: no-store:
 * it is live).  /publish, /stats, /wire and the poll answers use it. */
void conn_respond_json(struct conn *c, int status, const char *body, size_t len);

/* Answer a body rendered into b: 200 with it when the rendering went
 * well (rc 0), else 500 "out of memory" (the only way a rendering into
 * a buffer with room enough fails).  b is freed either way. */
void conn_respond_rendered(struct conn *c, int rc, const char *content_type,
                           const char *extra_headers, struct buf *b);
/* The same with conn_respond_json's type and headers. */
void conn_respond_json_rendered(struct conn *c, int rc, struct buf *b);

/* An error response with a short text body, then close after flushing. */
void conn_respond_error(struct conn *c, int status, const char *message);
/* The same with a printf-formatted message, so that a limit is printed
 * from its constant, never restated in a string. */
void conn_respond_errorf(struct conn *c, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Start an endless response: the status line and headers only, with
 * Transfer-Encoding: chunked on HTTP/1.1 (close-delimited on 1.0) and
 * Connection: close, because a stream is the last response on its
 * connection (conn_end_stream closes it).  Returns 0: the technique then
 * writes chunks with conn_write_chunk().  Returns 1 for a HEAD request:
 * the head was the whole answer, the connection closes once it is sent,
 * and the technique writes nothing more. */
int conn_start_stream(struct conn *c, int status, const char *content_type,
                      const char *extra_headers);
/* One chunk (chunk-size CRLF data CRLF) on HTTP/1.1, raw bytes on 1.0.
 * Returns as conn_write. */
int conn_write_chunk(struct conn *c, const void *data, size_t len);
/* The last chunk (0 CRLF CRLF) on HTTP/1.1; then close after flush. */
void conn_end_stream(struct conn *c);

/* A held response was sent with conn_respond(): leave the technique's
 * state and read the next request on this connection (keep-alive), or
 * close it.  Calls ops->on_close first. */
void conn_resume_reading(struct conn *c);

/* ---- state and lifetime ---- */

/* Move into a technique's state, counting it under `tech` in /stats. */
void conn_enter(struct conn *c, enum conn_state state, enum technique tech,
                const struct stream_ops *ops, void *tech_state);

/* Close once the output buffer has drained (or CLOSE_LINGER_MS passed). */
void conn_close_after_flush(struct conn *c);

/* Close now, discarding output; `reason` (a string literal) is counted in
 * /stats ("slow_consumer", "protocol_error", "timeout", ...). */
void conn_drop(struct conn *c, const char *reason);

/* Call ops->on_timer at monotonic time `at_ms` (0 cancels). */
void conn_set_timer(struct conn *c, int64_t at_ms);

/* Count the request being answered under a technique, and the bytes of
 * its answer with it.  Call it once per HTTP request, before writing. */
void conn_count_request(struct conn *c, enum technique tech);

/* The name of a state in /stats ("held_poll", "sse" ...). */
const char *conn_state_name(enum conn_state state);

/* ---- for the loop (net/loop.c) ---- */

/* A new connection on descriptor fd (already non-blocking), or NULL. */
struct conn *conn_new(int fd, int local_port, int plane, uint64_t id);
/* The one place a connection is closed: on_close, the log line, close(),
 * free.  The loop calls it after taking c out of its table. */
void conn_free(struct conn *c);
/* 1 if the loop should watch c for reading. */
int conn_wants_read(const struct conn *c);
/* The descriptor is readable: read, then parse and answer requests or
 * hand the bytes to the technique. */
void conn_on_readable(struct conn *c);
/* Send as much output as the socket takes now. */
void conn_flush(struct conn *c);
/* The end of a loop turn: flush, go on with requests left waiting for
 * output room, turn a finished connection into a lingering close.
 * 1 if c is to be closed now (conn_free). */
int conn_end_turn(struct conn *c);
/* The server is stopping: no response from now on keeps its connection
 * alive. */
void conn_begin_shutdown(void);
/* The loop's timers: the request being read did not arrive in time. */
void conn_request_timed_out(struct conn *c);

#endif
