/*
 * bench/peers/limit-sse.c - the least an SSE hub can do: the limit
 * `make bench-peers` measures /sseStream's fan-out against.
 *
 * A GET (any path) becomes a stream: a 200 head, then "data: TEXT\n\n"
 * for every publish.  A POST (any path) with a Content-Length body
 * publishes the body, as it came, to every stream in the order they
 * joined (one send() each, from one buffer built once), then answers 200
 * with an empty body, keeping the connection for the next POST.
 *
 * Deliberately skipped (a real server must do them; see sse.c, http.c):
 * parsing the request line and headers (only the method's first letter
 * and Content-Length are looked at), chunked bodies and responses (a
 * stream's body ends with the connection, RFC 9112 6.3), event ids and
 * Last-Event-ID, the JSON envelope, splitting multi-line data into data:
 * lines, the clock, keep-alive comments, size limits, a cap on a slow
 * reader's backlog, timeouts.  Linux epoll.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limit.h"

static const char stream_head[] = "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
static const char published[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

static struct limit_conn **streams;
static size_t n_streams, cap_streams;
static char *event;                      /* the event being published */
static size_t cap_event;

static void *grow(void *p, size_t size)
{
    p = realloc(p, size);
    if (p == NULL) {
        perror("limit-sse: realloc");
        exit(1);
    }
    return p;
}

static void add_stream(struct limit_conn *c)
{
    if (n_streams == cap_streams) {
        cap_streams = cap_streams ? cap_streams * 2 : 1024;
        streams = grow(streams, cap_streams * sizeof *streams);
    }
    c->index = n_streams;
    streams[n_streams++] = c;
    c->upgraded = 1;
    limit_send(c, stream_head, sizeof stream_head - 1);
}

static void publish(const char *body, size_t len)
{
    if (cap_event < len + 8) {
        cap_event = len + 8;
        event = grow(event, cap_event);
    }
    memcpy(event, "data: ", 6);
    memcpy(event + 6, body, len);
    memcpy(event + 6 + len, "\n\n", 2);
    for (size_t i = 0; i < n_streams; i++)
        limit_send(streams[i], event, len + 8);
}

void limit_input(struct limit_conn *c)
{
    size_t end;
    while (!c->upgraded && (end = limit_http_head_end(c)) > 0) {
        if (c->in[0] == 'G') {
            limit_consume(c, end);
            add_stream(c);
            break;
        }
        size_t n = 0;
        const char *v = limit_http_header(c->in, end, "Content-Length:", &n);
        size_t body = v != NULL ? (size_t)strtoul(v, NULL, 10) : 0;
        if (c->in_len - end < body)
            return;
        publish(c->in + end, body);
        limit_send(c, published, sizeof published - 1);
        limit_consume(c, end + body);
    }
    if (c->upgraded)
        c->in_len = 0;        /* a stream's reader says nothing we need */
}

void limit_closed(struct limit_conn *c)
{
    if (!c->upgraded)
        return;
    streams[c->index] = streams[--n_streams];
    streams[c->index]->index = c->index;
}

int main(int argc, char **argv)
{
    return limit_main(argc, argv);
}
