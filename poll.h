/*
 * poll.h - the routes of poll.c, ARTICLE §1 (轮询): short and long polling
 * over Ajax, iframe polling, JSONP polling, and the short-polling demo's
 * tickets.  The pure half (queries, callbacks, answers) is
 * core/poll_proto.h.
 */
#ifndef POLL_H
#define POLL_H

#include "routes.h"

route_handler poll_handle_ajax, poll_handle_iframe, poll_handle_jsonp;
route_handler poll_handle_task, poll_handle_task_confirm;

#endif
