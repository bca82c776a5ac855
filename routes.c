/*
 * routes.c - the public interface: every URL the server answers, on
 * every port it listens on, and the dispatcher that finds a request's
 * route.  Anything not listed is a static file from the www root (GET
 * and HEAD only).  The server's own two routes (/publish, /stats) are in
 * server.c's table, which main hands over with routes_add_own(): the
 * table stays below main.  Keep both and the README's route table the
 * same.
 *
 * The dispatcher is the one function the connection layer calls for a
 * complete request (main installs it with conn_set_dispatcher).  Before
 * a handler runs it answers what is the same for every route: OPTIONS
 * and CORS preflights (204 with Allow), a method the route does not
 * allow (405 with Allow), and OPTIONS * for the whole server.
 */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include "iframe.h"
#include "net/loop.h"
#include "poll.h"
#include "sse.h"
#include "static.h"
#include "stream.h"
#include "teach/article.h"
#include "teach/source.h"
#include "teach/step.h"
#include "teach/wire.h"
#include "ws.h"

const struct route routes[] = {
    { "/wire", "GET, HEAD", wire_handle,
      "?tech=NAME: the last bytes the server wrote for a technique, JSON (off with -W)" },
    { "/source", "GET, HEAD", source_handle,
      "?file=NAME: one of the server's own source files, as text (an allow-list)" },
    { "/source/files", "GET, HEAD", source_files_handle,
      "JSON: the server's source files by layer, for the annotated source" },
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

static const struct route *own_routes;

void routes_add_own(const struct route *table)
{
    own_routes = table;
}

void routes_print(FILE *out, const struct route *table)
{
    for (const struct route *r = table; r->path != NULL; r++)
        fprintf(out, "  %-16s %-30s %s\n", r->allow, r->path, r->summary);
}

static int allow_has_method(const char *allow, const struct http_request *req)
{
    const char *p = allow;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        if (n == req->method_len && memcmp(p, req->method, n) == 0)
            return 1;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

/* OPTIONS: say what the path allows, and answer CORS preflights. */
static void respond_options(struct conn *c, const char *allow)
{
    char headers[256];
    snprintf(headers, sizeof headers,
             "Allow: %s, OPTIONS\r\n"
             "Access-Control-Allow-Origin: *\r\n"
             "Access-Control-Allow-Methods: %s\r\n"
             "Access-Control-Allow-Headers: Content-Type, Last-Event-ID\r\n"
             "Access-Control-Max-Age: 600\r\n",
             allow, allow);
    conn_respond(c, 204, NULL, headers, "", 0);
}

static void respond_method_not_allowed(struct conn *c, const char *allow)
{
    char headers[128];
    char body[128];
    snprintf(headers, sizeof headers, "Allow: %s, OPTIONS\r\n", allow);
    int n = snprintf(body, sizeof body, "405 Method Not Allowed: use %s\n", allow);
    conn_respond(c, 405, "text/plain; charset=utf-8", headers, body, (size_t)n);
}

/* The route for this request's path, or NULL.  The stepper's control
 * port serves /step/ and static files only: nothing there may join the
 * data plane it steers. */
static const struct route *find_route(const struct route *table, const struct conn *c,
                                      const struct http_request *req)
{
    for (const struct route *r = table; r != NULL && r->path != NULL; r++) {
        if (c->plane == LOOP_PLANE_CONTROL && strncmp(r->path, "/step/", 6) != 0)
            continue;
        if (strlen(r->path) == req->path_len
            && memcmp(r->path, req->path, req->path_len) == 0)
            return r;
    }
    return NULL;
}

void routes_dispatch(struct conn *c, const struct http_request *req)
{
    if (req->path_len == 1 && req->path[0] == '*') {
        respond_options(c, "GET, HEAD, POST");   /* OPTIONS *: the whole server */
        return;
    }
    const struct route *r = find_route(own_routes, c, req);
    if (r == NULL)
        r = find_route(routes, c, req);
    const char *allow = r != NULL ? r->allow : "GET, HEAD";
    if (http_method_is(req, "OPTIONS")) {
        respond_options(c, allow);
        return;
    }
    if (!allow_has_method(allow, req)) {
        respond_method_not_allowed(c, allow);
        return;
    }
    if (r != NULL) {
        r->handle(c, req);
        return;
    }
    conn_count_request(c, TECH_HTTP);
    static_serve(c, req);
}
