/*
 * bench/client.h - the load client's event loop and its two wire formats.
 *
 * One poll() loop drives every client connection of a workload (poll(),
 * unlike select(), has no FD_SETSIZE limit, so the client may hold more
 * descriptors than the server it measures).  A connection is a struct bc
 * with an input and an output buffer and callbacks; the workloads in
 * workloads.c give each connection its role (a poller, a stream reader,
 * a WebSocket echo client ...).
 *
 * The parsers here are pure (bytes in, length or "need more" out), like
 * the server's:
 *   - an HTTP/1.1 response head and its Content-Length body (RFC 9112);
 *   - a server-to-client WebSocket frame header (RFC 6455 section 5.2;
 *     a server frame is never masked), and a masked client frame.
 *
 * Everything talks to 127.0.0.1 only.
 */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

enum {
    BC_MAX_CONNS = 2048,          /* client connections in one loop */
    BC_READ_CHUNK = 65536,        /* bytes asked of read() at a time */
    BC_IN_MAX = 4 * 1024 * 1024,  /* unparsed input kept per connection */
    BC_CONNECTING_MAX = 64        /* connects in flight at once (the
                                     server's listen backlog is 511 and it
                                     accepts 64 per turn) */
};

/* A growable byte buffer (the client's; the server's buf.h has a cap
 * policy we do not need here). */
struct bbuf {
    char *data;
    size_t len, cap;
    size_t off;                   /* bytes already consumed from data */
};

int bbuf_append(struct bbuf *b, const void *p, size_t n);
void bbuf_consume(struct bbuf *b, size_t n);
void bbuf_free(struct bbuf *b);
static inline const char *bbuf_ptr(const struct bbuf *b) { return b->data + b->off; }
static inline size_t bbuf_len(const struct bbuf *b) { return b->len - b->off; }

struct bc;
typedef void (*bc_fn)(struct bc *c);

struct bc {
    int fd;                      /* -1 when closed */
    int connected;               /* the TCP connect completed */
    int port;
    struct bbuf in, out;
    uint64_t bytes_in, bytes_out;
    uint64_t requests;           /* HTTP requests this connection sent */
    int64_t timer_ns;            /* monotonic ns for on_timer; 0 = none */
    bc_fn on_connect, on_input, on_timer, on_close;
    void *user;                  /* the workload's per-connection state */
    int index;                   /* position in the loop's table */
};

/* ---- time ---- */
int64_t now_ns(void);
void sleep_ms(int ms);

/* ---- the loop ---- */
void loop_reset(void);
/* Start a connection to 127.0.0.1:port (queued if BC_CONNECTING_MAX are
 * already in flight).  NULL if the table is full. */
struct bc *bc_open(int port, bc_fn on_connect, bc_fn on_input, void *user);
/* Queue bytes; the loop sends them after the callback that queued them
 * returns, so a burst of frames leaves in one send(). */
void bc_queue(struct bc *c, const void *p, size_t n);
/* Queue and send at once. */
void bc_send(struct bc *c, const void *p, size_t n);
/* Send what is queued, as far as the socket takes it. */
void bc_flush(struct bc *c);
void bc_close(struct bc *c);
/* Run until `until_ns` or until done(arg) returns nonzero (checked after
 * every turn).  Returns 1 if done() ended it, 0 at the deadline. */
int loop_run(int64_t until_ns, int (*done)(void *arg), void *arg);
/* Close and free every connection (on_close is not called). */
void loop_close_all(void);
size_t loop_count(void);
struct bc *loop_conn(size_t i);

/* ---- HTTP responses (RFC 9112) ---- */
struct http_resp {
    int status;
    size_t head_len;             /* through the empty line */
    long long content_length;    /* -1 if absent */
    int chunked;
    int close;                   /* Connection: close */
};
/* Parse a response head.  >0: head_len; 0: need more; -1: malformed. */
long http_resp_head(const char *p, size_t n, struct http_resp *r);

/* ---- WebSocket (RFC 6455) ---- */
struct ws_in_frame {
    int fin, opcode;
    size_t header_len;
    uint64_t payload_len;
};
/* Parse a server frame header.  >0: header length; 0: need more; -1: a
 * masked frame or a bad length. */
long ws_frame_head(const unsigned char *p, size_t n, struct ws_in_frame *f);
/* Queue a masked client frame (FIN set) of `opcode` (bc_queue). */
void ws_send_frame(struct bc *c, int opcode, const void *payload, size_t len);
/* The opening handshake request for `path` (RFC 6455 section 4.1). */
void ws_send_handshake(struct bc *c, const char *path);

#endif
