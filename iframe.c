/*
 * iframe.c - ARTICLE §2 (iframe长连接): the forever frame.
 *
 * The page puts a hidden <iframe> on /iframeLongConnection.  The answer
 * is an HTML document that never ends: the server keeps the response
 * open and, for every hub event (the clock each second, as in the
 * article, and every message published to /publish), appends one
 * <script> element.  The browser parses the document as it arrives and
 * runs each script at once; the script hands the event to the parent
 * page with postMessage.  The bytes themselves (the prelude, one script
 * per event) are rendered by the pure core/iframe_proto.c.
 *
 * Wire format (HTTP/1.1; sizes in hex as RFC 9112 section 7.1 wants):
 *
 *   HTTP/1.1 200 OK
 *   Content-Type: text/html; charset=utf-8
 *   X-Content-Type-Options: nosniff
 *   Cache-Control: no-store
 *   Transfer-Encoding: chunked
 *   Connection: close                             <- a stream is the connection's last response
 *
 *   a3                                            <- the prelude (163 bytes)
 *   <!doctype html>...<body>
 *   70                                            <- one chunk per event
 *   <script>window.parent.postMessage({"id":7,"type":"time","data":"12:00:07"}, "http://127.0.0.1:3000");</script>
 *   ...
 *   0                                             <- only at shutdown
 *
 * Specifications followed:
 *   - RFC 9112 section 7.1 (chunked transfer coding) and section 6.3
 *     (message body length: close-delimited for HTTP/1.0);
 *   - WHATWG HTML "Restrictions for contents of script elements": the
 *     event JSON is escaped so that no "</script" or "<!--" appears in it
 *     (escape.h), whatever was published;
 *   - WHATWG HTML "Cross-document messaging": postMessage's targetOrigin
 *     is a serialized origin (scheme://host[:port], RFC 6454 section 6.2).
 *
 * What it fixes in the article's server:
 *   - the article writes an unframed body on an HTTP/1.1 response (it
 *     relies on Node adding chunked for it, which it does not say); here
 *     the framing is explicit, see conn_start_stream() in iframe_handle();
 *   - the article's targetOrigin "http://localhost:3000/index.html" is a
 *     URL, not an origin, and is hard-coded: opened as 127.0.0.1 the page
 *     receives nothing.  Here the page tells us its origin (?origin=),
 *     checked against the origin grammar, else it is taken from Host;
 *   - the article's setInterval is never cleared, so it keeps writing to
 *     a response whose client has gone.  Here the loop sees the client
 *     close (read() returns 0), calls on_close, and the state is freed at
 *     once; nothing is ever written to that connection again;
 *   - the article buffers without bound for a client that stops reading;
 *     here conn_write_chunk() refuses to pass CONN_OUTPUT_MAX (net/conn.h)
 *     and the loop drops that reader ("slow_consumer" in /stats);
 *   - Content-Type gets a charset and the response is not cached.
 */
#include "iframe.h"

#include <stdlib.h>
#include <string.h>

#include "core/hub.h"
#include "core/iframe_proto.h"
#include "core/mem.h"
#include "net/conn.h"

/* The state of one forever frame. */
struct iframe_stream {
    char origin[HTTP_ORIGIN_MAX + 1];     /* where its scripts post to */
    size_t origin_len;
    int ended;                            /* the last chunk has been written */
};

/* ------------------------------------------------------------------ */
/* the stream                                                          */

/* Write one event as one chunk.  -1 if the connection is gone (too slow
 * a reader: conn_write_chunk() has already dropped it). */
static int send_event(struct conn *c, const struct hub_event *ev)
{
    const struct iframe_stream *s = c->tech;
    /* Room for the script around the JSON and the escaped origin (at
     * most 6 bytes per origin byte, as \u00XX). */
    struct buf script = { NULL, 0, 0, ev->json_len + 6 * s->origin_len + 128 };
    int rc = -1;

    if (iframe_render_script(&script, ev->json, ev->json_len,
                             s->origin, s->origin_len) == 0)
        rc = conn_write_chunk(c, script.data, script.len);
    else
        conn_drop(c, "out_of_memory");   /* the room was reserved: only memory fails */
    buf_free(&script);
    if (rc == 0)
        stats_count_delivery(TECH_FOREVER_FRAME);
    return rc;
}

static void iframe_on_event(struct conn *c, const struct hub_event *ev)
{
    const struct iframe_stream *s = c->tech;
    if (s->ended)
        return;   /* nothing may follow the last chunk */
    send_event(c, ev);
}

/* The server is stopping: end the document with the last chunk, so the
 * browser sees a complete response rather than a cut connection. */
static void iframe_on_shutdown(struct conn *c)
{
    struct iframe_stream *s = c->tech;
    s->ended = 1;
    conn_end_stream(c);
}

/* The client closed the iframe (or was dropped): free everything. */
static void iframe_on_close(struct conn *c)
{
    mem_free(c->tech);
    c->tech = NULL;
}

/* Input on the stream is discarded by the loop (on_input NULL); the
 * clock's event each second is the keep-alive, so no timer either. */
static const struct stream_ops iframe_ops = {
    NULL,                 /* on_input */
    iframe_on_event,
    NULL,                 /* on_timer */
    iframe_on_shutdown,
    iframe_on_close
};

/* The newest "time" event still in the hub, or NULL: the clock publishes
 * one each second, so it is at most a second old. */
static const struct hub_event *newest_time_event(void)
{
    for (uint64_t id = hub_last_id(); id >= hub_first_id() && id > 0; id--) {
        const struct hub_event *ev = hub_get(id);
        if (ev != NULL && ev->type == HUB_EVENT_TIME)
            return ev;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* the request                                                         */

/* Where the scripts post to: the ?origin= parameter the page sends
 * (encodeURIComponent(location.origin)), else "http://" + Host.  Never
 * "*": the events are public here, but the page is the only intended
 * receiver, and a page that embeds the frame should get used to saying
 * who it is.  Returns the origin's length, or -1 with *why set. */
static long parent_origin(const struct http_request *req, char *out,
                          size_t out_size, const char **why)
{
    long n = http_query_param(req->query, req->query_len, "origin", out, out_size);
    if (n >= 0 && http_origin_is_valid(out, (size_t)n))
        return n;
    if (n != -1) {   /* present but malformed */
        *why = "?origin= must be a serialized origin, e.g. "
               "origin=http%3A%2F%2F127.0.0.1%3A3000";
        return -1;
    }
    n = http_default_origin(req, out, out_size);   /* RFC 9112 3.2.2 */
    if (n < 0)
        *why = "no ?origin= and no usable Host header (host[:port])";
    return n;
}

/* ARTICLE §2 (circulate): start the endless response. */
void iframe_handle(struct conn *c, const struct http_request *req)
{
    struct iframe_stream *s;
    const char *why = NULL;
    char origin[HTTP_ORIGIN_MAX + 1];

    conn_count_request(c, TECH_FOREVER_FRAME);
    long origin_len = parent_origin(req, origin, sizeof origin, &why);
    if (origin_len < 0) {
        conn_respond_error(c, 400, why);
        return;
    }
    s = mem_calloc(1, sizeof *s);
    if (s == NULL) {
        conn_respond_error(c, 503, "out of memory");
        return;
    }
    memcpy(s->origin, origin, (size_t)origin_len + 1);
    s->origin_len = (size_t)origin_len;

    /* The framing.  The article calls res.write() on an HTTP/1.1
     * response and never res.end(): such a body has no end marker, and
     * an HTTP/1.1 client (or a proxy between) cannot tell where it ends
     * except by the connection closing, which the server then has to do
     * and which looks the same as a crash.  Chunked coding (RFC 9112
     * section 7.1) marks each piece with its size, so the server can end
     * the document cleanly with the last chunk (at shutdown), a proxy
     * can forward each chunk as it comes, and the connection is framed
     * at every moment.  (Node adds chunked by itself when no length is
     * set; here it is said out loud.)  An HTTP/1.0 client does not know
     * chunked: conn_start_stream() sends it a close-delimited body. */
    if (conn_start_stream(c, 200, "text/html; charset=utf-8",
                          "Cache-Control: no-store\r\n") != 0) {
        mem_free(s);                        /* HEAD: the head was the answer */
        return;
    }
    conn_enter(c, CONN_FOREVER_FRAME, TECH_FOREVER_FRAME, &iframe_ops, s);

    struct buf start = { NULL, 0, 0, IFRAME_PRELUDE_MAX };
    if (iframe_render_prelude(&start) != 0) {    /* out of memory */
        buf_free(&start);
        conn_drop(c, "out_of_memory");
        return;
    }
    int rc = conn_write_chunk(c, start.data, start.len);
    buf_free(&start);
    if (rc != 0)
        return;

    /* The first event at once: the page shows the time immediately
     * instead of after the next tick (the article waits a second). */
    const struct hub_event *now = newest_time_event();
    if (now != NULL)
        send_event(c, now);
}
