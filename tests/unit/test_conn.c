/*
 * test_conn.c - the connection layer (net/conn.c) on its own, over a
 * socketpair: no loop, no listener, no route.  Possible since the split
 * of server.c (issue 17): the layer names nothing above it.
 *
 * What is checked: the output cap (a reader too slow is dropped as a
 * "slow_consumer" before a byte past the cap is queued, and a chunk is
 * measured against the same cap as a plain write: conn_write_chunk used
 * CONN_OUTPUT_MAX while conn_write used c->output_max), responses' heads
 * (Content-Length from the body, no Content-Length on 204), a stream's
 * head and chunk framing, the observer hook seeing every queued byte,
 * and a request read through the dispatcher that main installs.  Then
 * the smaller doors: a drop counted once, a cap raised past the buffer's
 * room, conn_printf's and conn_respond_error's length limits, an empty
 * chunk, an HTTP/1.0 stream, and reading's edges (nothing to read, a full
 * buffer, bytes on a stream, Expect: 100-continue on HTTP/1.0).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/mem.h"
#include "net/clock.h"
#include "net/conn.h"
#include "net/stats.h"
#include "tap.h"

static size_t observed;                 /* bytes the observer saw queued */
static int dispatched;                  /* requests the dispatcher got */
static char dispatched_path[64];

static void on_queued(const struct conn *c, const void *data, size_t len)
{
    (void)c;
    (void)data;
    observed += len;
}

static void dispatch(struct conn *c, const struct http_request *req)
{
    dispatched++;
    snprintf(dispatched_path, sizeof dispatched_path, "%.*s",
             (int)req->path_len, req->path);
    conn_respond(c, 200, "text/plain", NULL, "hi\n", 3);
}

static const struct conn_observer observer = { on_queued, NULL };

/* A connection on one end of a socketpair; the other end in *peer. */
static struct conn *pair(int *peer)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return NULL;
    *peer = sv[1];
    struct conn *c = conn_new(sv[0], 3000, 0, 1);
    c->minor_version = 1;
    c->keep_alive = 1;
    return c;
}

/* Read what the server side sent, after flushing it. */
static size_t drain(struct conn *c, int peer, char *out, size_t size)
{
    conn_flush(c);
    ssize_t n = recv(peer, out, size - 1, MSG_DONTWAIT);
    out[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

static uint64_t dropped(const char *reason)
{
    const struct stats *st = stats_get();
    for (size_t i = 0; i < STATS_MAX_DROP_REASONS && st->drop_reasons[i] != NULL; i++) {
        if (strcmp(st->drop_reasons[i], reason) == 0)
            return st->drop_counts[i];
    }
    return 0;
}

static void test_output_cap(void)
{
    int peer;
    static char big[CONN_OUTPUT_MAX];
    struct conn *c = pair(&peer);
    uint64_t slow = dropped("slow_consumer");
    memset(big, 'x', sizeof big);

    tap_ok(conn_write(c, big, CONN_OUTPUT_MAX) == 0, "a write up to the cap is queued");
    tap_ok(conn_write(c, "y", 1) == -1 && c->dead, "one byte past it drops the connection");
    tap_ok(dropped("slow_consumer") == slow + 1, "counted as a slow_consumer");
    conn_free(c);
    close(peer);

    /* A technique may raise the cap (the WebSocket echo does); a chunk
     * is then held to the raised cap like any write. */
    c = pair(&peer);
    conn_set_output_max(c, 2 * CONN_OUTPUT_MAX);
    tap_ok(conn_write_chunk(c, big, CONN_OUTPUT_MAX) == 0 && !c->dead,
           "with a raised cap, a chunk larger than CONN_OUTPUT_MAX is queued");
    tap_ok(conn_pending(c) == sizeof "40000\r\n" - 1 + CONN_OUTPUT_MAX + 2,
           "as size line (0x40000), data and CRLF");
    conn_free(c);
    close(peer);

    c = pair(&peer);
    tap_ok(conn_write_chunk(c, big, CONN_OUTPUT_MAX) == -1 && c->dead
           && conn_pending(c) == 0,
           "with the default cap the same chunk drops the reader, nothing half queued");
    conn_free(c);
    close(peer);
}

static void test_responses(void)
{
    int peer;
    char got[1024];
    struct conn *c = pair(&peer);
    observed = 0;
    conn_respond(c, 200, "text/plain", NULL, "hello", 5);
    size_t n = drain(c, peer, got, sizeof got);
    tap_ok(strstr(got, "HTTP/1.1 200 OK\r\n") == got, "a status line");
    tap_ok(strstr(got, "\r\nContent-Length: 5\r\n") != NULL, "Content-Length from the body");
    tap_ok(n >= 5 && memcmp(got + n - 5, "hello", 5) == 0, "the body last");
    tap_ok(observed == n, "the observer saw every byte queued (%zu of %zu)", observed, n);
    conn_respond(c, 204, NULL, NULL, "", 0);
    drain(c, peer, got, sizeof got);
    tap_ok(strstr(got, "Content-Length") == NULL, "no Content-Length on 204 (RFC 9110 8.6)");
    conn_free(c);
    close(peer);

    c = pair(&peer);
    tap_ok(conn_start_stream(c, 200, "text/event-stream", NULL) == 0, "a stream starts");
    conn_write_chunk(c, "abc", 3);
    conn_end_stream(c);
    drain(c, peer, got, sizeof got);
    tap_ok(strstr(got, "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
           != NULL, "chunked, Connection: close, one chunk, the last chunk");
    tap_ok(c->close_after_flush, "and the connection closes once it is sent");
    conn_free(c);
    close(peer);
}

static void test_reading(void)
{
    int peer;
    char got[1024];
    static const char request[] = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
    struct conn *c = pair(&peer);
    /* The head arrives a byte at a time: nothing is dispatched before
     * its last byte, then exactly once. */
    for (size_t i = 0; i + 1 < sizeof request - 1; i++) {
        send(peer, request + i, 1, 0);
        conn_on_readable(c);
    }
    tap_ok(dispatched == 0 && c->head_scanned == sizeof request - 2,
           "byte by byte: nothing dispatched yet, and the scan has kept up");
    send(peer, request + sizeof request - 2, 1, 0);
    conn_on_readable(c);
    tap_ok(dispatched == 1 && strcmp(dispatched_path, "/x") == 0, "the last byte dispatches it");
    drain(c, peer, got, sizeof got);
    tap_ok(strstr(got, "HTTP/1.1 200 OK") == got, "and its answer is written");
    conn_free(c);
    close(peer);
}

/* A connection dropped twice, for two reasons, is counted once, under
 * the first: the stats say why it went, not every complaint after. */
static void test_drop_once(void)
{
    int peer;
    struct conn *c = pair(&peer);
    uint64_t slow = dropped("slow_consumer"), timeout = dropped("timeout");
    conn_drop(c, "slow_consumer");
    conn_drop(c, "timeout");
    tap_ok(c->dead && dropped("slow_consumer") == slow + 1 && dropped("timeout") == timeout
           && strcmp(stats_get()->last_drop.reason, "slow_consumer") == 0,
           "a second drop of the same connection is not counted");
    conn_free(c);
    close(peer);
}

/* What a technique writes through the layer's smaller doors. */
static void test_writes(void)
{
    int peer;
    char got[1024];
    static char big[2 * CONN_OUTPUT_MAX + CONN_BODY_MAX];
    struct conn *c = pair(&peer);

    /* A cap raised past the output buffer's own room grows the room too. */
    conn_set_output_max(c, sizeof big);
    tap_ok(conn_write(c, big, sizeof big) == 0 && !c->dead && conn_pending(c) == sizeof big,
           "a raised cap of %zu bytes (past the buffer's default room) takes that much", sizeof big);
    conn_free(c);
    close(peer);

    c = pair(&peer);
    memset(big, 'p', 2000);
    big[2000] = '\0';
    tap_ok(conn_printf(c, "%s", big) == -1 && conn_pending(c) == 0 && !c->dead,
           "conn_printf refuses text longer than its 1024-byte line, nothing queued");
    tap_ok(conn_write_chunk(c, "", 0) == 0 && conn_pending(c) == 0,
           "an empty chunk writes nothing (a zero-size chunk would end the body)");

    /* An error message too long for the error body is cut, and the
     * Content-Length says what was sent. */
    big[400] = '\0';
    conn_respond_error(c, 500, big);
    size_t n = drain(c, peer, got, sizeof got);
    const char *body = strstr(got, "\r\n\r\n");
    const char *cl = strstr(got, "Content-Length: ");
    tap_ok(body != NULL && cl != NULL && strtoul(cl + 16, NULL, 10) == n - (size_t)(body + 4 - got)
           && n - (size_t)(body + 4 - got) == 255 && strncmp(body + 4, "500 Internal Server Error: ppp", 30) == 0,
           "a 400-byte error message is cut to the 255-byte body its Content-Length announces");
    conn_free(c);
    close(peer);
}

/* HTTP/1.0 has no chunked coding: a stream's body is the bytes
 * themselves, and its end is the end of the connection. */
static void test_stream_http_1_0(void)
{
    int peer;
    char got[1024];
    struct conn *c = pair(&peer);
    c->minor_version = 0;
    conn_start_stream(c, 200, "text/event-stream", NULL);
    conn_write_chunk(c, "data: x\n\n", 9);
    conn_end_stream(c);
    drain(c, peer, got, sizeof got);
    tap_ok(strstr(got, "Transfer-Encoding") == NULL && strstr(got, "\r\n\r\ndata: x\n\n") != NULL
           && strstr(got, "0\r\n\r\n") == NULL && c->close_after_flush,
           "an HTTP/1.0 stream: no chunks, no last chunk, closed to end it");
    conn_free(c);
    close(peer);
}

static void on_no_input_event(struct conn *c, const struct hub_event *ev)
{
    (void)c;
    (void)ev;
}

/* Reading: a full input buffer is not read (a read of 0 bytes would look
 * like the peer's close), a wake-up with nothing to read changes
 * nothing, bytes a stream's reader sends are discarded, and HTTP/1.0's
 * Expect: 100-continue is ignored (RFC 9110 section 10.1.1). */
static void test_reading_edges(void)
{
    int peer;
    char got[1024];
    static const struct stream_ops stream = { NULL, on_no_input_event, NULL, NULL, NULL };
    struct conn *c = pair(&peer);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL, 0) | O_NONBLOCK);   /* as the loop's are */

    conn_on_readable(c);
    tap_ok(!c->dead && !c->peer_closed && c->in.len == 0,
           "readable with nothing to read (EAGAIN): nothing happens");

    conn_enter(c, CONN_SSE, TECH_SSE, &stream, NULL);
    send(peer, "junk", 4, 0);
    conn_on_readable(c);
    tap_ok(!c->dead && c->in.len == 0 && c->state == CONN_SSE,
           "bytes sent on a stream that reads nothing are discarded; the stream goes on");

    c->in.max = 4;                       /* a full input buffer ... */
    buf_append(&c->in, "full", 4);
    send(peer, "more", 4, 0);
    conn_on_readable(c);
    tap_ok(!c->peer_closed && c->in.len == 4 && recv(peer, got, 1, MSG_DONTWAIT) < 0
           && recv(c->fd, got, sizeof got, MSG_DONTWAIT) == 4,
           "a full input buffer is not read: the bytes wait in the socket, no false EOF");
    conn_free(c);
    close(peer);

    c = pair(&peer);
    dispatched = 0;
    c->keep_alive = 0;
    static const char request[] = "POST /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    send(peer, request, sizeof request - 1, 0);
    conn_on_readable(c);
    tap_ok(dispatched == 0 && conn_pending(c) == 0,
           "HTTP/1.0 with Expect: 100-continue: no 100 Continue, the server waits for the body");
    send(peer, "ok", 2, 0);
    conn_on_readable(c);
    drain(c, peer, got, sizeof got);
    tap_ok(dispatched == 1 && strncmp(got, "HTTP/1.1 200 OK", 15) == 0,
           "and answers once the body came");
    conn_free(c);
    close(peer);
}

/* A client that sends a request and half-closes, before the answer is
 * sent: the answer still goes out, then the connection closes (the EOF is
 * read with the answer still in the output buffer). */
static void test_half_close_with_answer_pending(void)
{
    int peer;
    char got[512];
    static const char request[] = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
    struct conn *c = pair(&peer);
    send(peer, request, sizeof request - 1, 0);
    shutdown(peer, SHUT_WR);
    conn_on_readable(c);                     /* the request: answered, not sent */
    tap_ok(conn_pending(c) > 0, "half-close: the answer waits to be sent");
    conn_on_readable(c);                     /* the end of the stream */
    tap_ok(c->peer_closed && c->close_after_flush && !c->dead,
           "the EOF closes after the flush, not at once");
    drain(c, peer, got, sizeof got);
    tap_ok(strstr(got, "HTTP/1.1 200 OK") == got, "and the answer is delivered");
    conn_free(c);
    close(peer);
}

#ifdef MEM_FAIL_TESTING
/* Out of memory in the middle of a chunk (the output buffer must grow
 * for its data): the connection is dropped as output_full, and the
 * caller is told to stop. */
static void test_chunk_out_of_memory(void)
{
    int peer;
    static char data[4096];
    struct conn *c = pair(&peer);
    uint64_t full = dropped("output_full");
    conn_start_stream(c, 200, "text/plain", NULL);   /* the buffer exists now */
    mem_fail_at(1);
    tap_ok(conn_write_chunk(c, data, sizeof data) == -1 && c->dead,
           "a chunk whose data finds no memory: -1, and the connection dropped");
    tap_ok(dropped("output_full") == full + 1, "counted as output_full");
    mem_fail_at(0);
    conn_free(c);
    close(peer);
}
#endif

int main(void)
{
    clock_update();
    conn_set_quiet(1);
    conn_set_dispatcher(dispatch);
    conn_set_observer(&observer);
    test_output_cap();
    test_responses();
    test_reading();
    test_drop_once();
    test_writes();
    test_stream_http_1_0();
    test_reading_edges();
    test_half_close_with_answer_pending();
#ifdef MEM_FAIL_TESTING
    test_chunk_out_of_memory();
#endif
    return tap_done();
}
