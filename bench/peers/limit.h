/*
 * bench/peers/limit.h - the shared core of the "limit" peers (issue 15):
 * three minimal C servers that do the least a bench workload needs and
 * nothing else, so that `make bench-peers` can say what fraction of the
 * machine's limit a real server reaches:
 *
 *   limit-echo       WebSocket echo (what /testSocket does)
 *   limit-broadcast  WebSocket broadcast (what /hub does)
 *   limit-sse        SSE hub (POST /publish to every GET /sseStream)
 *
 * They are measuring tools, not servers to learn from or to deploy: Linux
 * epoll (level-triggered, one process, one thread), 127.0.0.1 only, no
 * limits, no checks, no timeouts.  They parse no more than each workload's
 * framing needs: the end of an HTTP head, one header (the WebSocket key,
 * or Content-Length), and WebSocket frame headers.
 *
 * This core is the loop (accept, read into a buffer, write what the
 * socket takes and keep the rest for EPOLLOUT, close) and the HTTP and
 * WebSocket bits the peers share.  Each peer supplies limit_input (called
 * after every read with the connection's unparsed bytes) and
 * limit_closed (to drop a connection from its list, if it keeps one).
 *
 * Usage of every peer: PEER [PORT]   (0 or nothing: the kernel picks);
 * it prints "listening on http://127.0.0.1:PORT" on stderr, as ./server
 * does, which is how the bench learns the port.
 */
#ifndef LIMIT_H
#define LIMIT_H

#include <stddef.h>
#include <stdint.h>

struct limit_conn {
    int fd;
    char *in;                 /* bytes read and not yet consumed */
    size_t in_len, in_cap;
    char *out;                /* bytes the socket did not take yet */
    size_t out_len, out_cap;
    int watching_out;         /* EPOLLOUT is asked for */
    int upgraded;             /* the handshake (or request head) is done */
    size_t index;             /* the peer's list position, if it keeps one */
};

/* ---- the peer's side ---- */
void limit_input(struct limit_conn *c);
void limit_closed(struct limit_conn *c);

/* ---- the loop ---- */
/* Listen on 127.0.0.1:argv[1] (or 0) and run forever. */
int limit_main(int argc, char **argv);
/* Drop the first n input bytes. */
void limit_consume(struct limit_conn *c, size_t n);
/* Append to the output without writing (replies to a batch of input). */
void limit_queue(struct limit_conn *c, const void *p, size_t n);
/* Write what is queued; keep what the socket refuses for EPOLLOUT. */
void limit_flush(struct limit_conn *c);
/* Write p, or queue it behind output already waiting.  A write error is
 * ignored: the reading side sees the connection go and closes it. */
void limit_send(struct limit_conn *c, const void *p, size_t n);

/* ---- HTTP (RFC 9112) ---- */
/* The size of the request head at the start of c->in (through the empty
 * line), or 0 if it is not all in. */
size_t limit_http_head_end(const struct limit_conn *c);
/* The value of header `name` ("Name:") in head[0..n), without spaces
 * around it, or NULL; *len gets its length.  Matched case-insensitively,
 * at the start of a line; nothing else is checked. */
const char *limit_http_header(const char *head, size_t n, const char *name, size_t *len);

/* ---- WebSocket (RFC 6455) ---- */
/* Answer the opening handshake once its head is in: 1 when done, 0 if
 * more bytes are needed.  No check of method, path, Upgrade or version:
 * only Sec-WebSocket-Key is read, for the Sec-WebSocket-Accept. */
int limit_ws_handshake(struct limit_conn *c);
/* The client frame at p[0..n): its total size, with the payload unmasked
 * in place at *payload (*len bytes); 0 if the frame is not all in.  FIN,
 * RSV and the opcode are not looked at. */
size_t limit_ws_frame(char *p, size_t n, char **payload, uint64_t *len);
/* Write a server text frame header for a len-byte payload into h (at
 * least 10 bytes); returns its size. */
size_t limit_ws_text_header(unsigned char *h, uint64_t len);

#endif
