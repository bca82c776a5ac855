/*
 * bench/peers/limit-echo.c - the least a WebSocket echo can do: the
 * limit `make bench-peers` measures /testSocket's echo against.
 *
 * Every frame a client sends comes back as one text frame holding the
 * article's prefix (§4.5) and the frame's payload, as /testSocket and the
 * ws peer answer.  All the frames of one read are answered with one
 * write.
 *
 * Deliberately skipped (a real server must do them; see ws.c): the
 * handshake's checks (method, path, Upgrade, Connection, version: any
 * request with a Sec-WebSocket-Key is upgraded), FIN and fragments, RSV
 * bits, opcodes (a ping or a close frame is echoed like text), UTF-8
 * validation, size limits, close handshakes, timeouts.  Linux epoll.
 */
#include <string.h>

#include "limit.h"

static const char prefix[] = "服务端已收到信息，您的信息是";

void limit_input(struct limit_conn *c)
{
    if (!c->upgraded && !limit_ws_handshake(c))
        return;
    size_t used = 0, size;
    char *payload;
    uint64_t len;
    while ((size = limit_ws_frame(c->in + used, c->in_len - used, &payload, &len)) > 0) {
        unsigned char h[10];
        limit_queue(c, h, limit_ws_text_header(h, sizeof prefix - 1 + len));
        limit_queue(c, prefix, sizeof prefix - 1);
        limit_queue(c, payload, (size_t)len);
        used += size;
    }
    limit_consume(c, used);
    limit_flush(c);
}

void limit_closed(struct limit_conn *c)
{
    (void)c;                  /* no list to leave */
}

int main(int argc, char **argv)
{
    return limit_main(argc, argv);
}
