/*
 * server.h - what the select() loop offers the technique files.
 *
 * One struct conn per TCP connection, with an explicit state, its own
 * input and output buffers (each with a cap), and one place where it is
 * closed.  Technique files (poll.c, iframe.c, sse.c, ws.c) never call
 * read(), write() or close(): they append to the output buffer with
 * conn_write(), ask for the connection to end with conn_close_after_flush()
 * or conn_drop(), and are called back by the loop through their
 * struct stream_ops when input, a hub event, a timer or shutdown arrives.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "hub.h"

enum {
    SERVER_MAX_CONNECTIONS = 1000,       /* below FD_SETSIZE (1024), leaves room for listeners */
    CONN_INPUT_MAX = HTTP_MAX_HEAD_BYTES + HTTP_MAX_BODY_BYTES + 4096,
    CONN_OUTPUT_MAX = 256 * 1024,        /* unsent bytes; beyond this a reader is too slow */
    HEADER_TIMEOUT_MS = 10 * 1000,       /* a request head must arrive within this */
    KEEPALIVE_TIMEOUT_MS = 30 * 1000,    /* an idle keep-alive connection is closed after this
                                            (one that never sent a request: HEADER_TIMEOUT_MS) */
    CLOSE_LINGER_MS = 5 * 1000,          /* time to flush a final response before cutting */
    SHUTDOWN_GRACE_MS = 2 * 1000         /* time to end streams cleanly on SIGINT/SIGTERM */
};

/* The state of a connection.  The loop reads requests only in
 * CONN_READING; every other state belongs to one technique file. */
enum conn_state {
    CONN_READING,        /* reading a request (idle keep-alive included) */
    CONN_HELD_POLL,      /* a long poll waiting for an event (poll.c) */
    CONN_FOREVER_FRAME,  /* an endless HTML response (iframe.c) */
    CONN_SSE,            /* an event stream (sse.c) */
    CONN_WEBSOCKET,      /* an open WebSocket (ws.c) */
    CONN_FETCH_STREAM,   /* an NDJSON stream read with fetch() (stream.c) */
    CONN_XHR_STREAM,     /* the same, for XHR streaming (stream.c) */
    CONN_STREAM_REPLY,   /* a streamed reply to a POST (stream.c) */
    CONN_CLOSING,        /* flushing the last bytes, then closed */
    CONN_STATE_COUNT
};

/* What a connection's requests and bytes are counted under in /stats. */
enum technique {
    TECH_HTTP,           /* static files, /publish, /stats */
    TECH_SHORT_POLL,
    TECH_LONG_POLL,
    TECH_IFRAME_POLL,
    TECH_JSONP_POLL,
    TECH_FOREVER_FRAME,
    TECH_WEBSOCKET,
    TECH_SSE,
    TECH_FETCH_STREAM,
    TECH_XHR_STREAM,
    TECH_STREAM_REPLY,
    TECH_COUNT
};

struct conn;

/* How a technique takes over a connection: set c->ops (and c->tech for
 * its own state) when leaving CONN_READING.  Any member may be NULL. */
struct stream_ops {
    /* New bytes were appended to c->in.  Consume what you use with
     * buf_consume(&c->in, n).  If NULL, input is kept (held poll:
     * pipelined requests wait their turn) or, in the stream states,
     * discarded. */
    void (*on_input)(struct conn *c);
    /* The hub published an event. */
    void (*on_event)(struct conn *c, const struct hub_event *ev);
    /* c->timer_ms has passed (the loop cleared it; set it again if you
     * want another call). */
    void (*on_timer)(struct conn *c);
    /* The server is shutting down: end the stream properly (final chunk,
     * close frame, empty poll answer).  The loop then flushes and closes. */
    void (*on_shutdown)(struct conn *c);
    /* The connection is being closed, for whatever reason: free c->tech.
     * Do not write; the socket may be gone. */
    void (*on_close)(struct conn *c);
};

struct conn {
    int fd;
    uint64_t id;                /* serial number, 1 for the first accepted (wire view, last_drop) */
    int64_t opened_ms;          /* monotonic ms when it was accepted */
    int local_port;             /* the listening port it came in on */
    enum conn_state state;
    enum technique technique;   /* what its bytes are counted under */
    const struct stream_ops *ops; /* set while not CONN_READING */
    void *tech;                 /* the technique's own state, or NULL */
    struct buf in;              /* received, not yet consumed */
    struct buf out;             /* to send; write interest only while non-empty */
    int close_after_flush;      /* close once out is empty */
    int dead;                   /* close now, drop unsent output */
    int peer_closed;            /* read() returned 0 */
    int resume_pending;         /* back in CONN_READING: parse buffered input */
    int sent_continue;          /* "100 Continue" sent for this request */
    int control_plane;          /* came in on the stepper's control port (step.c) */
    int64_t close_deadline_ms;  /* when a closing connection is cut anyway */
    int64_t timer_ms;           /* monotonic ms when ops->on_timer runs; 0 = none */
    int64_t request_start_ms;   /* first byte of the request being read, 0 if idle */
    int64_t last_active_ms;     /* last successful read or write */
    unsigned long requests_served; /* requests dispatched on this connection */
    size_t output_max;          /* conn_write's cap: CONN_OUTPUT_MAX unless raised */

    /* The request being answered, kept for responses given later (a
     * held poll) and for the log line. */
    int head_only;              /* HEAD: send headers, no body */
    int keep_alive;             /* the request allows another after it */
    int minor_version;
    char log_method[16];
    char log_target[160];       /* escaped for the log */
    int log_status;
    uint64_t log_bytes;         /* body bytes of the response */
    uint64_t bytes_sent;        /* total on this connection */
};

/* ---- time ---- */

/* Monotonic milliseconds, as read at the top of this loop iteration. */
int64_t server_now_ms(void);
/* Wall clock milliseconds since the epoch (for event timestamps). */
int64_t server_wall_ms(void);

/* ---- writing ---- */

/* Append to the output buffer.  0 on success; -1 if the connection is
 * already closing or dead, or if this would pass CONN_OUTPUT_MAX: the
 * reader is too slow, so the connection is dropped (counted in /stats as
 * "slow_consumer").  Callers stop writing to c after -1. */
int conn_write(struct conn *c, const void *data, size_t len);
int conn_write_str(struct conn *c, const char *s);
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
 * Content-Length, Connection, the given extra header lines (each ending in
 * "\r\n", or NULL) and the body (left out for HEAD).  Logs the request.
 * If the request did not allow keep-alive, the connection closes after. */
void conn_respond(struct conn *c, int status, const char *content_type,
                  const char *extra_headers, const void *body, size_t len);

/* A JSON answer that any page may read (Access-Control-Allow-Origin: *:
 * the data is public) and no cache may keep (Cache-Control: no-store:
 * it is live).  /publish, /stats, /wire and the poll answers use it. */
void conn_respond_json(struct conn *c, int status, const char *body, size_t len);

/* An error response with a short text body, then close after flushing. */
void conn_respond_error(struct conn *c, int status, const char *message);

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

/* Close now, discarding output; `reason` is counted in /stats
 * ("slow_consumer", "protocol_error", "timeout", ...). */
void conn_drop(struct conn *c, const char *reason);

/* Call ops->on_timer at monotonic time `at_ms` (0 cancels). */
void conn_set_timer(struct conn *c, int64_t at_ms);

/* ---- stats ---- */

/* Count the request being answered under a technique, and the bytes of
 * its answer with it.  Call it once per HTTP request, before writing. */
void conn_count_request(struct conn *c, enum technique tech);
/* Count a delivered event under a technique. */
void stats_count_delivery(enum technique tech);
/* The name a technique has in /stats and /wire ("sse", "long_poll" ...). */
const char *server_technique_name(enum technique tech);

/* ---- the hub ---- */

/* Publish and deliver to every connection whose ops has on_event.
 * Returns the event, or NULL (out of memory). */
const struct hub_event *server_publish(enum hub_event_type type,
                                       const char *data, size_t len);

/* ---- command-line settings the techniques read ---- */

/* 1 if a WebSocket Origin header value is allowed (-o flag); with no -o
 * flag every origin is allowed. */
int server_origin_allowed(const char *origin, size_t len);

#endif
