/* sse.c - ARTICLE §5 (SSE长连接): Server-Sent Events.  Not built yet. */
#include "routes.h"

void sse_handle(struct conn *c, const struct http_request *req) { (void)req; conn_respond_error(c, 501, "SSE is not implemented yet"); }
