/* iframe.c - ARTICLE §2 (iframe长连接): the forever frame.  Not built yet. */
#include "routes.h"

void iframe_handle(struct conn *c, const struct http_request *req) { (void)req; conn_respond_error(c, 501, "the forever frame is not implemented yet"); }
