/*
 * routes.c - the public interface: every URL the server answers, on
 * every port it listens on.  Anything not listed here is a static file
 * from the www root (GET and HEAD only).  Keep this table and the
 * README's route table the same.
 */
#include <stddef.h>

#include "routes.h"

const struct route routes[] = {
    { "/publish", "POST", publish_handle,
      "publish the UTF-8 request body as a \"message\" event; answers {\"id\":N}" },
    { "/stats", "GET, HEAD", stats_handle,
      "JSON: open connections by kind, events, requests and bytes per technique" },
    { "/wire", "GET, HEAD", wire_handle,
      "?tech=NAME: the last 4096 bytes the server wrote for a technique, JSON (off with -W)" },
    { "/source", "GET, HEAD", source_handle,
      "?file=NAME: one of the server's own source files, as text (an allow-list)" },
    { "/poll", "GET, HEAD", poll_handle_ajax,                  /* ARTICLE §1.1 */
      "?after=N[&wait=S]: short polling, or long polling with wait" },
    { "/poll/iframe", "GET, HEAD", poll_handle_iframe,         /* ARTICLE §1.2 */
      "?after=N[&wait=S]: iframe polling (an HTML page that postMessages the events)" },
    { "/poll/jsonp", "GET, HEAD", poll_handle_jsonp,           /* ARTICLE §1.2 */
      "?after=N&callback=F[&wait=S]: JSONP polling" },
    { "/poll/task", "GET, HEAD, POST", poll_handle_task,       /* ARTICLE §1.1 */
      "POST: a new ticket; GET ?id=T: {\"code\":\"1\"} once confirmed (short-polling demo)" },
    { "/poll/task/confirm", "POST", poll_handle_task_confirm,  /* ARTICLE §1.1 */
      "?id=T: confirm a ticket (the \"scan\" of the QR-code-style login)" },
    { "/iframeLongConnection", "GET, HEAD", iframe_handle,           /* ARTICLE §2 */
      "the forever frame: an endless HTML page, one <script> per event" },
    { "/testSocket", "GET", ws_handle_echo,                    /* ARTICLE §4 */
      "WebSocket: the article's echo" },
    { "/hub", "GET", ws_handle_hub,                            /* ARTICLE §4 */
      "WebSocket: every event as JSON; text sent is published" },
    { "/sseStream", "GET, HEAD", sse_handle,                         /* ARTICLE §5 */
      "[?lastEventId=N][&closeAfter=N]: Server-Sent Events, resumable with Last-Event-ID" },
    { "/stream", "GET, HEAD", stream_handle_fetch,                   /* ARTICLE §2 */
      "[?after=N][&closeAfter=N]: NDJSON, one event per line, for fetch() streaming" },
    { "/stream/xhr", "GET, HEAD", stream_handle_xhr,                 /* ARTICLE §2 */
      "[?after=N][&limit=BYTES]: the same lines for XHR, ended past limit (default 131072)" },
    { "/stream/reply", "POST", stream_handle_reply,            /* ARTICLE §2, §4.5 */
      "the echo of the UTF-8 body, streamed as text/event-stream a character at a time" },
    /* Article mode (article.c): 404 unless ./server --article-mode. */
    { "/article/state", "GET, HEAD", article_handle_state,
      "article mode: JSON, writes the article's leaked intervals would have made" },
    { "/article/sseStream", "GET", article_handle_sse,         /* ARTICLE §5.3 */
      "article mode: the article's SSE bytes (testEvent never fires)" },
    { "/article/iframeLongConnection", "GET", article_handle_frame, /* ARTICLE §2 */
      "article mode: the article's forever frame (localhost:3000 target, leaked interval)" },
    { "/article/poll/jsonp", "GET", article_handle_jsonp,      /* ARTICLE §1.2 */
      "article mode: ?callback=F echoed unchecked (open it sandboxed only)" },
    { "/article/unframed", "GET", article_handle_unframed,     /* ARTICLE §2 */
      "article mode: ?framing=none|chunked&end=cut|clean, res.write without res.end" },
    /* The stepper (step.c): only on the control port of ./server --step. */
    { "/step/state", "GET, HEAD", step_handle_state,
      "stepper: JSON record of the last select() iteration (control port)" },
    { "/step/next", "POST", step_handle_next,
      "stepper: ?n=K run K loop iterations, answer the last one's record (control port)" },
    { NULL, NULL, NULL, NULL }
};
