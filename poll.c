/* poll.c - ARTICLE §1 (轮询): short, long, iframe and JSONP polling.  Not built yet. */
#include "routes.h"

static void not_yet(struct conn *c) { conn_respond_error(c, 501, "polling is not implemented yet"); }
void poll_handle_ajax(struct conn *c, const struct http_request *req) { (void)req; not_yet(c); }
void poll_handle_iframe(struct conn *c, const struct http_request *req) { (void)req; not_yet(c); }
void poll_handle_jsonp(struct conn *c, const struct http_request *req) { (void)req; not_yet(c); }
