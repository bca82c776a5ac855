/*
 * routes.h - the handlers that routes.c maps URLs to.  Each is called
 * with a complete request (body read) in CONN_READING and must either
 * answer it (conn_respond / conn_respond_error) or take the connection
 * over with conn_enter().
 */
#ifndef ROUTES_H
#define ROUTES_H

#include "http.h"
#include "server.h"

typedef void route_handler(struct conn *c, const struct http_request *req);

struct route {
    const char *path;     /* exact match on the decoded path */
    const char *allow;    /* methods, as sent in Allow: "GET, HEAD" */
    route_handler *handle;
    const char *summary;  /* one line for ./server -h */
};

/* The table, ending with an entry whose path is NULL. */
extern const struct route routes[];

/* server.c */
route_handler publish_handle, stats_handle;
/* wire.c */
route_handler wire_handle;
/* static.c */
route_handler source_handle;
/* poll.c - ARTICLE §1 */
route_handler poll_handle_ajax, poll_handle_iframe, poll_handle_jsonp;
route_handler poll_handle_task, poll_handle_task_confirm;
/* iframe.c - ARTICLE §2 */
route_handler iframe_handle;
/* ws.c - ARTICLE §4 */
route_handler ws_handle_echo, ws_handle_hub;
/* sse.c - ARTICLE §5 */
route_handler sse_handle;
/* stream.c - ARTICLE §2, corrected: streaming over fetch() and XHR */
route_handler stream_handle_fetch, stream_handle_xhr, stream_handle_reply;
/* article.c - the article's own code, bugs included (--article-mode) */
route_handler article_handle_state, article_handle_sse, article_handle_frame;
route_handler article_handle_jsonp, article_handle_unframed;
/* step.c - the event-loop stepper (--step); its control port only */
route_handler step_handle_state, step_handle_next;

#endif
