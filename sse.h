/*
 * sse.h - the route of sse.c, ARTICLE §5 (SSE长连接): Server-Sent Events.
 * The pure half (the event-stream format, the resume cursor) is
 * core/sse_proto.h.
 */
#ifndef SSE_H
#define SSE_H

#include "routes.h"

route_handler sse_handle;

#endif
