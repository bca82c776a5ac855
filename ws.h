/*
 * ws.h - the routes of ws.c, ARTICLE §4 (Websocket长连接): the article's
 * echo and the event hub, and the Origin allow-list main fills from -o.
 * The pure half (frames, handshake checks) is core/ws_proto.h.
 */
#ifndef WS_H
#define WS_H

#include "routes.h"

enum {
    WS_MAX_ALLOWED_ORIGINS = 16    /* -o flags */
};

route_handler ws_handle_echo, ws_handle_hub;

/* Accept handshakes only from this Origin (and the others so given);
 * with none given, every origin is accepted (RFC 6455 section 10.2
 * leaves the policy to the server).  0, or -1 when
 * WS_MAX_ALLOWED_ORIGINS are already listed.  The string is kept. */
int ws_allow_origin(const char *origin);

#endif
