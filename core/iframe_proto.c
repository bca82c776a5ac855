/*
 * core/iframe_proto.c - the pure half of the forever frame (see
 * core/iframe_proto.h): the bytes of the document's prelude and of the
 * <script> element written for each event, kept apart from the
 * connection so that tests/unit/test_iframe.c checks them byte by byte.
 * iframe.c (GET /iframeLongConnection) writes them.
 */
#include "core/iframe_proto.h"

#include "core/escape.h"

/*
 * The prelude: the start of the document, so the parser is in <body>
 * before the first script arrives.
 *
 * Comet libraries of the Ajax era padded this to 256 bytes to 1 KiB,
 * because browsers held back the first bytes of a response: the MIME
 * sniffer wanted up to 512 bytes (more in some) before it decided what
 * the response was, and the HTML encoding prescan may look at the first
 * 1024 bytes for a <meta charset>.  Neither applies here: the response
 * says "X-Content-Type-Options: nosniff" (net/conn.c sends it always) and
 * an explicit charset, so there is nothing to sniff and nothing to
 * prescan.  Measured with headless Chromium 156 (the browser the tests
 * use): the first script of an unpadded stream ran within a few ms of
 * its bytes arriving, with or without nosniff and charset, so no padding
 * is sent.  tests/browser/iframe-page.mjs checks that the first event
 * shows at once.
 */
static const char prelude[] =
    "<!doctype html>\n"
    "<html lang=\"en\"><meta charset=\"utf-8\"><title>forever frame</title>\n"
    "<body>\n"
    "<!-- This document never ends: one script element follows per event. -->\n";

int iframe_render_prelude(struct buf *b)
{
    return buf_append(b, prelude, sizeof prelude - 1);
}

int iframe_render_script(struct buf *b, const char *event_json, size_t json_len,
                         const char *origin, size_t origin_len)
{
    /* ARTICLE §2: the article's template, with the event in place of
     * toLocaleTimeString() and a real origin in place of the URL. */
    if (buf_append_str(b, "<script>window.parent.postMessage(") != 0
        || buf_append(b, event_json, json_len) != 0
        || buf_append_str(b, ", ") != 0
        || escape_json_string(b, origin, origin_len) != 0
        || buf_append_str(b, ");</script>\n") != 0)
        return -1;
    return 0;
}
