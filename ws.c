/* ws.c - ARTICLE §4 (Websocket长连接): RFC 6455.  Not built yet. */
#include "routes.h"

void ws_handle_echo(struct conn *c, const struct http_request *req) { (void)req; conn_respond_error(c, 501, "WebSocket is not implemented yet"); }
void ws_handle_hub(struct conn *c, const struct http_request *req) { (void)req; conn_respond_error(c, 501, "WebSocket is not implemented yet"); }
