/*
 * routes.c - the public interface: every URL the server answers, on
 * every port it listens on.  Anything not listed here is a static file
 * from the www root (GET and HEAD only).  Keep this table and the
 * README's route table the same.
 */
#include <stddef.h>

#include "routes.h"

const struct route routes[] = {
    { "/publish",              "POST",      publish_handle },
    { "/stats",                "GET, HEAD", stats_handle },
    { "/poll",                 "GET, HEAD", poll_handle_ajax },     /* ARTICLE §1.1 */
    { "/poll/iframe",          "GET, HEAD", poll_handle_iframe },   /* ARTICLE §1.2 */
    { "/poll/jsonp",           "GET, HEAD", poll_handle_jsonp },    /* ARTICLE §1.2 */
    { "/iframeLongConnection", "GET",       iframe_handle },        /* ARTICLE §2 */
    { "/testSocket",           "GET",       ws_handle_echo },       /* ARTICLE §4 */
    { "/hub",                  "GET",       ws_handle_hub },        /* ARTICLE §4 */
    { "/sseStream",            "GET",       sse_handle },           /* ARTICLE §5 */
    { NULL, NULL, NULL }
};
