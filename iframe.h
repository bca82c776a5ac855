/*
 * iframe.h - the route of iframe.c, ARTICLE §2 (iframe长连接): the forever
 * frame.  The pure half (the bytes) is core/iframe_proto.h.
 */
#ifndef IFRAME_H
#define IFRAME_H

#include "routes.h"

route_handler iframe_handle;

#endif
