/*
 * core/iframe_proto.h - the pure half of the forever frame (iframe.c):
 * the bytes of the prelude and of the <script> written for each event,
 * kept apart from the connection so a unit test can check them byte by
 * byte.
 */
#ifndef IFRAME_PROTO_H
#define IFRAME_PROTO_H

#include <stddef.h>

#include "core/buf.h"

enum {
    IFRAME_PRELUDE_MAX = 512    /* bytes of the prelude (it has 163) */
};

/* Append the start of the endless HTML document (doctype, charset,
 * title), sent before the first event; no padding (see
 * core/iframe_proto.c for why none is needed).  0, or -1 if b is full. */
int iframe_render_prelude(struct buf *b);

/* Append one event as the script the iframe runs:
 *
 *   <script>window.parent.postMessage(EVENT_JSON, "ORIGIN");</script>\n
 *
 * event_json must be hub.h's pre-rendered event object (its strings are
 * already escaped for the inside of a <script> element); the origin is
 * written as a JSON string literal with escape_json_string(), so neither
 * can end the script.  0, or -1 if b is full. */
int iframe_render_script(struct buf *b, const char *event_json, size_t json_len,
                         const char *origin, size_t origin_len);

#endif
