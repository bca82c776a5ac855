/*
 * routes.h - the route table and its dispatcher (routes.c).  A handler
 * is called with a complete request (body read) in CONN_READING and must
 * either answer it (conn_respond / conn_respond_error) or take the
 * connection over with conn_enter().  Each technique declares its
 * handlers in its own header (poll.h, ws.h, ...).
 */
#ifndef ROUTES_H
#define ROUTES_H

#include <stdio.h>

#include "core/http.h"
#include "net/conn.h"

typedef conn_handler route_handler;

struct route {
    const char *path;     /* exact match on the decoded path */
    const char *allow;    /* methods, as sent in Allow: "GET, HEAD" */
    route_handler *handle;
    const char *summary;  /* one line for ./server -h */
};

/* The table, ending with an entry whose path is NULL. */
extern const struct route routes[];

/* The routes of main itself (/publish, /stats), looked up first. */
void routes_add_own(const struct route *table);

/* Find the request's route and call it (main installs this with
 * conn_set_dispatcher). */
void routes_dispatch(struct conn *c, const struct http_request *req);

/* One line per route of a table, for ./server -h: methods, path, summary. */
void routes_print(FILE *out, const struct route *table);

#endif
