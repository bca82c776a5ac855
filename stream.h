/*
 * stream.h - the routes of stream.c, ARTICLE §2 (iframe长连接) corrected:
 * streaming over fetch() (GET /stream) and XHR (GET /stream/xhr), and a
 * reply streamed over POST (POST /stream/reply).  The pure half (the
 * query, the NDJSON lines, the reply's events) is core/stream_proto.h.
 */
#ifndef STREAM_H
#define STREAM_H

#include "routes.h"

route_handler stream_handle_fetch, stream_handle_xhr, stream_handle_reply;

#endif
