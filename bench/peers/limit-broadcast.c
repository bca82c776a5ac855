/*
 * bench/peers/limit-broadcast.c - the least a WebSocket broadcast can do:
 * the limit `make bench-peers` measures /hub's fan-out against.
 *
 * Every frame a client sends goes, as one text frame with the same
 * payload, to every upgraded connection (the sender too, as /hub and the
 * ws peer do), in the order they joined: one send() each, from one
 * buffer built once.
 *
 * Deliberately skipped (a real server must do them; see ws.c, hub.c):
 * the handshake's checks (any request with a Sec-WebSocket-Key joins),
 * FIN and fragments, RSV bits, opcodes (a ping or a close frame is
 * broadcast like text), UTF-8 validation, the JSON envelope and event id
 * (the payload goes out as it came), a ring to catch up from, size
 * limits, a cap on a slow reader's backlog, close handshakes, timeouts.
 * Linux epoll.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limit.h"

static struct limit_conn **joined;      /* upgraded connections */
static size_t n_joined, cap_joined;
static unsigned char *frame;             /* the frame being broadcast */
static size_t cap_frame;

static void join(struct limit_conn *c)
{
    if (n_joined == cap_joined) {
        cap_joined = cap_joined ? cap_joined * 2 : 1024;
        joined = realloc(joined, cap_joined * sizeof *joined);
        if (joined == NULL) {
            perror("limit-broadcast: realloc");
            exit(1);
        }
    }
    c->index = n_joined;
    joined[n_joined++] = c;
}

static void broadcast(const char *payload, size_t len)
{
    if (cap_frame < len + 10) {
        cap_frame = len + 10;
        frame = realloc(frame, cap_frame);
        if (frame == NULL) {
            perror("limit-broadcast: realloc");
            exit(1);
        }
    }
    size_t h = limit_ws_text_header(frame, len);
    memcpy(frame + h, payload, len);
    for (size_t i = 0; i < n_joined; i++)
        limit_send(joined[i], frame, h + len);
}

void limit_input(struct limit_conn *c)
{
    if (!c->upgraded) {
        if (!limit_ws_handshake(c))
            return;
        join(c);
    }
    size_t used = 0, size;
    char *payload;
    uint64_t len;
    while ((size = limit_ws_frame(c->in + used, c->in_len - used, &payload, &len)) > 0) {
        broadcast(payload, (size_t)len);
        used += size;
    }
    limit_consume(c, used);
}

void limit_closed(struct limit_conn *c)
{
    if (!c->upgraded)
        return;
    joined[c->index] = joined[--n_joined];
    joined[c->index]->index = c->index;
}

int main(int argc, char **argv)
{
    return limit_main(argc, argv);
}
