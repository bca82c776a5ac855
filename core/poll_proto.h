/*
 * core/poll_proto.h - the pure half of polling (ARTICLE §1 轮询): reading a poll's
 * query string, checking a JSONP callback name, choosing the iframe's
 * postMessage target origin, rendering an answer in each of the three
 * forms, and the small ticket table behind the short-polling demo.
 *
 * Pure means: no sockets, no clock, no randomness.  Everything here reads
 * its arguments and the hub (core/hub.h) and writes into a struct buf, so the
 * unit tests (tests/unit/test_poll.c) drive it directly and a fuzzer can
 * too.  poll.c is the other half: it talks to the connection.
 */
#ifndef POLL_PROTO_H
#define POLL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/http.h"
#include "core/hub.h"

enum {
    /* Longest hold of a long poll, in seconds.  Proxies and browsers
     * commonly cut idle requests after 30-60 s, so a hold ends first
     * and the client simply polls again.  Larger wait= values are
     * lowered to this, not refused. */
    POLL_MAX_WAIT_S = 25,
    /* Longest JSONP callback name, e.g. "JSONP.cb12345".  A name is
     * code the page runs, so it is short and of a fixed shape. */
    POLL_CALLBACK_MAX = 64,
    /* An answer's events stop before the body passes this size; the
     * answer then says "more":true and the client polls again at once.
     * Below the server's output buffer cap (CONN_OUTPUT_MAX, 256 KiB),
     * and at least one event is always sent (one event's JSON is at most
     * 6 x HUB_MESSAGE_MAX_BYTES + 64 = about 96 KiB). */
    POLL_ANSWER_MAX_BYTES = 192 * 1024,
    /* The short-polling demo's ticket table: a fixed number of tickets,
     * each alive for a fixed time.  When all are taken the oldest is
     * given up (the demo keeps working; an old login page is stale). */
    POLL_TASK_MAX = 64,
    POLL_TASK_TTL_MS = 5 * 60 * 1000,
    POLL_TASK_ID_LEN = 16          /* hex digits of a ticket id */
};

/* Which event types a poll wants: a bit per enum hub_event_type. */
enum {
    POLL_TYPE_TIME = 1 << HUB_EVENT_TIME,
    POLL_TYPE_MESSAGE = 1 << HUB_EVENT_MESSAGE,
    POLL_TYPE_ALL = POLL_TYPE_TIME | POLL_TYPE_MESSAGE
};

/* The three wire forms of one answer. */
enum poll_form {
    POLL_FORM_JSON,     /* GET /poll: application/json */
    POLL_FORM_IFRAME,   /* GET /poll/iframe: text/html that postMessages */
    POLL_FORM_JSONP     /* GET /poll/jsonp: application/javascript */
};

/* A poll's query string, decoded and checked. */
struct poll_query {
    int has_after;          /* after= was given */
    uint64_t after;         /* the client's cursor: the last id it has */
    unsigned wait_s;        /* 0: answer at once; else hold up to this */
    int types;              /* POLL_TYPE_* bits */
    char callback[POLL_CALLBACK_MAX + 1]; /* JSONP only; "" if absent */
    char origin[HTTP_ORIGIN_MAX + 1];     /* iframe only; "" if absent */
    unsigned long error_limit;            /* the limit a refused value passed, or 0 */
};

/* Decode ?after=N&wait=S&type=T&callback=F&origin=O (every part
 * optional; unknown parameters are ignored).  0 on success; -1 with
 * *error set to a sentence for a 400 answer.  Checks the callback with
 * poll_callback_is_valid() and the origin with http_origin_is_valid(). */
int poll_parse_query(const char *query, size_t len, struct poll_query *q,
                     const char **error);

/* 1 if s is a plain JavaScript identifier path: identifiers of ASCII
 * letters, digits, '_' and '$', not starting with a digit, separated by
 * single dots, 1..POLL_CALLBACK_MAX bytes in all.  Anything else (a
 * parenthesis, a quote, a space, "a..b", "a.") is refused, because the
 * name is written into a script the browser runs: a free-form callback
 * lets any page run its own code in our origin's answer. */
int poll_callback_is_valid(const char *s, size_t len);

/* The origin the iframe document may postMessage its data to: the
 * query's origin= if given, else "http://" + the Host header, checked
 * with http_origin_is_valid().  0 and out filled, or -1 (no usable
 * origin: answer 400).  Never "*": the data would go to whoever framed
 * the document. */
int poll_iframe_origin(const struct poll_query *q, const struct http_request *req,
                       char *out, size_t out_size);

/* What an answer holds (filled in by poll_render). */
struct poll_answer {
    size_t count;       /* events in the answer */
    uint64_t last;      /* the cursor for the next poll */
    uint64_t missed;    /* events after the cursor that left the ring */
    int reset;          /* the cursor was newer than the newest event */
    int more;           /* stopped at POLL_ANSWER_MAX_BYTES: poll again */
};

/* Render the answer to q as it stands in the hub now, in `form` (origin
 * is used by POLL_FORM_IFRAME, q->callback by POLL_FORM_JSONP).  The
 * data object is always
 *
 *   {"events":[EV,...],"last":M[,"missed":K][,"reset":true][,"more":true]}
 *
 * with each EV the hub's pre-rendered event JSON.  Rules:
 *   - no after=: only the newest wanted event (a fresh client starts
 *     from now), "last" the newest id;
 *   - after=N: every wanted event with id > N still in the ring, in
 *     order; "missed" counts the events (of any type) after N that have
 *     already left the ring;
 *   - after=N with N newer than the newest id (the server restarted and
 *     ids began again at 1): answered like no after=, plus "reset":true,
 *     so the client takes the new "last" as its cursor.
 * Events of unwanted types are skipped but still move "last" past them.
 * 0, or -1 if b is full. */
int poll_render(struct buf *b, enum poll_form form, const struct poll_query *q,
                const char *origin, struct poll_answer *a);

/* ---- the short-polling demo's tickets (a QR-code-style login) ---- */

struct poll_task {
    char id[POLL_TASK_ID_LEN + 1];   /* "" for a free slot */
    int64_t expires_ms;              /* monotonic */
    int confirmed;
};

struct poll_task_table {
    struct poll_task slot[POLL_TASK_MAX];
};

/* Store a new ticket with this id (POLL_TASK_ID_LEN hex digits) in a
 * free or expired slot, else in place of the one closest to expiry.
 * Returns it (never NULL). */
struct poll_task *poll_task_create(struct poll_task_table *t, const char *id,
                                   int64_t now_ms);

/* The live ticket with this id, or NULL (unknown or expired). */
struct poll_task *poll_task_find(struct poll_task_table *t, const char *id,
                                 size_t len, int64_t now_ms);

#endif
