/*
 * iframe.h - the pure parts of the forever frame (iframe.c): the bytes
 * of the prelude and of the <script> written for each event, kept apart
 * from the connection so a unit test can check them byte by byte.
 */
#ifndef IFRAME_H
#define IFRAME_H

#include <stddef.h>

#include "buf.h"

enum {
    /* A serialized origin longer than this is refused (400).  "https://"
     * + a 253-byte DNS name + ":65535" fits in 267; no real origin needs
     * more. */
    IFRAME_ORIGIN_MAX = 300
};

/* Append the start of the endless HTML document (doctype, charset,
 * title), sent before the first event; no padding (see iframe.c for
 * why none is needed).  0, or -1 if b is full. */
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
