/*
 * poll.c - ARTICLE §1 轮询 (polling): short polling and long polling
 * (§1.1 轮询的形式: 短连接轮询, 长连接轮询), carried by fetch, by a
 * reloaded hidden iframe and by JSONP script tags (§1.2 轮询的实现:
 * 基于Ajax技术轮询, 基于Iframe的轮询, 基于Jsonp的轮询).  This file talks to
 * the connection; the pure half (queries, callbacks, the three answer
 * forms, the tickets) is core/poll_proto.c.
 *
 * Wire format (the data object is the same in every form):
 *
 *   GET /poll?after=N[&wait=S][&type=message]         application/json
 *       {"events":[{"id":7,"type":"message","data":"hi"}],"last":7}
 *   GET /poll/iframe?after=N[&wait=S][&origin=O]       text/html
 *       <script>parent.postMessage({...same object...}, "O");</script>
 *   GET /poll/jsonp?after=N&callback=F[&wait=S]        application/javascript
 *       / * * /F({...same object...});   (an empty comment: no spaces)
 *   POST /poll/task            -> {"id":"T","expires_in_s":300}
 *   GET  /poll/task?id=T       -> {"code":"0","state":"waiting",...}
 *                                 or {"code":"1","state":"confirmed",...}
 *   POST /poll/task/confirm?id=T -> {"code":"1",...}
 *
 * "last" is the cursor: the next poll sends it back as after=, so
 * consecutive polls neither repeat nor skip an event still in the hub's
 * ring.  "missed":K says K events after the cursor already left the
 * ring; "reset":true says the cursor was newer than every event (the
 * server restarted; take "last" and go on); "more":true says the answer
 * stopped at POLL_ANSWER_MAX_BYTES (poll again at once).  Without
 * after= only the newest event is sent.  type=message leaves out the
 * clock's "time" events (they still move "last").
 *
 * What each form costs:
 *   - short polling (no wait=): one request and response per interval,
 *     whether or not anything happened, and an event waits up to one
 *     interval before the client sees it;
 *   - long polling (wait=S, at most POLL_MAX_WAIT_S = 25 s): a held
 *     connection (and a held struct conn here) per waiting client, one
 *     request per event (or per S seconds when idle), latency about one
 *     round trip.  On keep-alive the next poll reuses the connection.
 *   - iframe and JSONP polling cost the same as their fetch twin, plus
 *     a document or a script to build and run per answer.
 *
 * Specs followed: RFC 9110 (methods, status codes, HEAD answers at once
 * with the headers a GET would get), RFC 9111 section 5.2.2.5
 * (Cache-Control: no-store: a poll answer is never reused), RFC 8259
 * (JSON), WHATWG HTML "Restrictions for contents of script elements" and
 * "Cross-document messaging" (postMessage to an exact target origin),
 * WHATWG Fetch (CORS: Access-Control-Allow-Origin: *, and
 * X-Content-Type-Options: nosniff, which the server sends on every
 * response, so the JSONP script is only run as a script when served as
 * one).
 *
 * What this fixes in the article's client code:
 *   - the article polls '/xxx/yyy' with no cursor, so an event between
 *     two polls is lost or repeated; here after=/last make it exact;
 *   - its long poll re-polls at once even after an error, hammering a
 *     server that is down; our pages back off exponentially;
 *   - its "code === '1'" is a placeholder; here it means a ticket was
 *     confirmed (a QR-code-style login), so the stop condition fires;
 *   - JSONP: the callback name is checked (else any page could make our
 *     origin serve its script), and since a script tag cannot be
 *     aborted, the page ignores a late answer by its per-request name;
 *   - iframe: postMessage goes to the parent's real origin, never "*".
 */
#include "poll.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/poll_proto.h"
#include "net/clock.h"
#include "net/conn.h"

/* Headers every poll answer carries: pages on any of our ports (and
 * anywhere else: the data is public) may read it, and no cache may
 * answer a poll in the server's place. */
#define POLL_HEADERS "Cache-Control: no-store\r\nAccess-Control-Allow-Origin: *\r\n"

enum {
    /* An answer body: the events (POLL_ANSWER_MAX_BYTES, overshot by at
     * most one event, about 96 KiB) plus the form's frame. */
    POLL_RENDER_MAX = POLL_ANSWER_MAX_BYTES + 128 * 1024,
    TASK_ANSWER_MAX = 256
};

/* A long poll waiting for an event (c->tech while CONN_HELD_POLL). */
struct held_poll {
    struct poll_query q;
    enum poll_form form;
    enum technique tech;
    char origin[HTTP_ORIGIN_MAX + 1];   /* POLL_FORM_IFRAME's target */
};

static const char *content_type_of(enum poll_form form)
{
    switch (form) {
    case POLL_FORM_IFRAME: return "text/html; charset=utf-8";
    case POLL_FORM_JSONP:  return "application/javascript; charset=utf-8";
    case POLL_FORM_JSON:
    default:               return "application/json";
    }
}

/* The iframe document runs one inline script and loads nothing: say so,
 * so that even a flaw in our escaping could not pull in other code. */
static const char *headers_of(enum poll_form form)
{
    if (form == POLL_FORM_IFRAME)
        return POLL_HEADERS
               "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'\r\n";
    return POLL_HEADERS;
}

/* 400 with the reason.  A bad query is not a broken connection, so it
 * stays open for the next request (conn_respond_error would close it). */
/* A 400 with the message, and the limit it is about if any (printed
 * from its constant: poll_query's error_limit). */
static void respond_bad_request(struct conn *c, const char *message,
                                unsigned long limit)
{
    char body[300];
    int n = limit != 0
        ? snprintf(body, sizeof body, "400 Bad Request: %s, at most %lu bytes\n", message, limit)
        : snprintf(body, sizeof body, "400 Bad Request: %s\n", message);
    conn_respond(c, 400, "text/plain; charset=utf-8", POLL_HEADERS, body,
                 (size_t)n);
}

/* Send a rendered answer and count its events as deliveries. */
static void send_answer(struct conn *c, const struct buf *b,
                        const struct poll_answer *a, enum poll_form form,
                        enum technique tech)
{
    conn_respond(c, 200, content_type_of(form), headers_of(form), b->data, b->len);
    for (size_t i = 0; i < a->count; i++)
        stats_count_delivery(tech);
}

/* Render the answer to q as the hub stands now and send it (500 if it
 * could not be built). */
static void answer(struct conn *c, const struct poll_query *q, enum poll_form form,
                   const char *origin, enum technique tech)
{
    struct buf b = { NULL, 0, 0, POLL_RENDER_MAX };
    struct poll_answer a;

    if (poll_render(&b, form, q, origin, &a) != 0)
        conn_respond_error(c, 500, "out of memory");
    else
        send_answer(c, &b, &a, form, tech);
    buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* the held long poll                                                  */

/* ARTICLE §1.1 长连接轮询: the held request is answered, and (unlike the
 * article's Node server, which ends the response and the connection)
 * the connection goes back to reading, so the client's next poll reuses
 * it.  Pipelined requests that arrived meanwhile are parsed then. */
static void answer_held(struct conn *c)
{
    struct held_poll *hp = c->tech;
    answer(c, &hp->q, hp->form, hp->origin, hp->tech);
    conn_resume_reading(c);   /* frees hp through on_close */
}

static void held_on_event(struct conn *c, const struct hub_event *ev)
{
    struct held_poll *hp = c->tech;
    if ((hp->q.types & (1 << ev->type)) == 0)
        return;               /* not what this client waits for */
    answer_held(c);
}

/* wait=S ran out: answer with no events (and the cursor moved past any
 * events of unwanted types), so the client polls again. */
static void held_on_timer(struct conn *c)
{
    answer_held(c);
}

/* The server is stopping: an empty answer with Connection: close. */
static void held_on_shutdown(struct conn *c)
{
    answer_held(c);
}

/* Closed (answered, or the client went away mid-hold: the loop saw
 * read() return 0 and dropped it).  Free the slot. */
static void held_on_close(struct conn *c)
{
    mem_free(c->tech);
    c->tech = NULL;
}

static const struct stream_ops held_poll_ops = {
    NULL,                 /* on_input: pipelined requests wait their turn */
    held_on_event,
    held_on_timer,
    held_on_shutdown,
    held_on_close
};

static void hold(struct conn *c, const struct poll_query *q, enum poll_form form,
                 const char *origin, enum technique tech)
{
    struct held_poll *hp = mem_alloc(sizeof *hp);
    if (hp == NULL) {
        conn_respond_error(c, 500, "out of memory");
        return;
    }
    hp->q = *q;
    hp->form = form;
    hp->tech = tech;
    snprintf(hp->origin, sizeof hp->origin, "%s", origin);
    conn_enter(c, CONN_HELD_POLL, tech, &held_poll_ops, hp);
    conn_set_timer(c, clock_now_ms() + (int64_t)q->wait_s * 1000);
}

/* ------------------------------------------------------------------ */
/* the three routes                                                    */

static void handle_poll(struct conn *c, const struct http_request *req,
                        enum poll_form form, enum technique tech)
{
    struct poll_query q;
    const char *error = NULL;
    char origin[HTTP_ORIGIN_MAX + 1] = "";

    if (poll_parse_query(req->query, req->query_len, &q, &error) != 0) {
        conn_count_request(c, tech);
        respond_bad_request(c, error, q.error_limit);
        return;
    }
    if (form == POLL_FORM_JSON && q.wait_s > 0)
        tech = TECH_LONG_POLL;
    conn_count_request(c, tech);
    if (form == POLL_FORM_JSONP && q.callback[0] == '\0') {
        respond_bad_request(c, "callback is required, e.g. callback=JSONP.cb1", 0);
        return;
    }
    if (form == POLL_FORM_IFRAME
        && poll_iframe_origin(&q, req, origin, sizeof origin) != 0) {
        respond_bad_request(c, "no usable origin: pass origin=<your page's "
                               "location.origin>, or a valid Host", 0);
        return;
    }

    struct buf b = { NULL, 0, 0, POLL_RENDER_MAX };
    struct poll_answer a;
    if (poll_render(&b, form, &q, origin, &a) != 0) {
        buf_free(&b);
        conn_respond_error(c, 500, "out of memory");
        return;
    }
    /* ARTICLE §1.1 长连接轮询: nothing new yet, so hold the request.  Only
     * a client with an up-to-date cursor that asked to wait is held; HEAD
     * is answered at once (it would only ever get headers). */
    if (a.count == 0 && !a.reset && q.has_after && q.wait_s > 0 && !c->head_only)
        hold(c, &q, form, origin, tech);
    else
        send_answer(c, &b, &a, form, tech);
    buf_free(&b);
}

/* ARTICLE §1.2 基于Ajax技术轮询 (both forms of §1.1). */
void poll_handle_ajax(struct conn *c, const struct http_request *req)
{
    handle_poll(c, req, POLL_FORM_JSON, TECH_SHORT_POLL);
}

/* ARTICLE §1.2 基于Iframe的轮询. */
void poll_handle_iframe(struct conn *c, const struct http_request *req)
{
    handle_poll(c, req, POLL_FORM_IFRAME, TECH_IFRAME_POLL);
}

/* ARTICLE §1.2 基于Jsonp的轮询. */
void poll_handle_jsonp(struct conn *c, const struct http_request *req)
{
    handle_poll(c, req, POLL_FORM_JSONP, TECH_JSONP_POLL);
}

/* ------------------------------------------------------------------ */
/* ARTICLE §1.1 短连接轮询: "code === '1'", a ticket to confirm          */

/* The tickets of a QR-code-style login: one page shows a ticket and
 * polls it; another device (here: a button, another tab or curl)
 * confirms it; the next poll answers code "1" and the page stops. */
static struct poll_task_table tasks;

/* A fresh ticket id: POLL_TASK_ID_LEN hex digits from the kernel's
 * random source, so a ticket cannot be guessed and confirmed by
 * someone else.  0 or -1 (errno says why when open() failed). */
static int random_task_id(char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char bytes[POLL_TASK_ID_LEN / 2];
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t got = read(fd, bytes, sizeof bytes);
    close(fd);
    if (got != (ssize_t)sizeof bytes)
        return -1;
    for (size_t i = 0; i < sizeof bytes; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 0x0F];
    }
    out[POLL_TASK_ID_LEN] = '\0';
    return 0;
}

/* The ticket named by ?id=, NULL after answering 400 or 404. */
static struct poll_task *find_task(struct conn *c, const struct http_request *req)
{
    char id[POLL_TASK_ID_LEN + 2];
    char body[TASK_ANSWER_MAX];
    long n = http_query_param(req->query != NULL ? req->query : "", req->query_len,
                              "id", id, sizeof id);
    if (n < 0) {
        respond_bad_request(c, "id is required: a ticket id from POST /poll/task", 0);
        return NULL;
    }
    struct poll_task *t = poll_task_find(&tasks, id, (size_t)n, clock_now_ms());
    if (t == NULL) {
        int len = snprintf(body, sizeof body,
                           "{\"code\":\"-1\",\"state\":\"unknown\","
                           "\"error\":\"no such ticket, or it expired\"}\n");
        conn_respond_json(c, 404, body, (size_t)len);
    }
    return t;
}

static void respond_task(struct conn *c, const struct poll_task *t)
{
    char body[TASK_ANSWER_MAX];
    int64_t left = t->expires_ms - clock_now_ms();
    int n = snprintf(body, sizeof body,
                     "{\"code\":\"%s\",\"id\":\"%s\",\"state\":\"%s\",\"expires_in_s\":%lld}\n",
                     t->confirmed ? "1" : "0", t->id,
                     t->confirmed ? "confirmed" : "waiting",
                     (long long)(left / 1000));
    conn_respond_json(c, 200, body, (size_t)n);
}

/* POST /poll/task: a new ticket.  GET /poll/task?id=T: the article's
 * short poll asks this every few seconds until "code" is "1". */
void poll_handle_task(struct conn *c, const struct http_request *req)
{
    conn_count_request(c, TECH_SHORT_POLL);
    if (http_method_is(req, "POST")) {
        char id[POLL_TASK_ID_LEN + 1];
        errno = 0;
        int rc = random_task_id(id);
        if (rc != 0 && (errno == EMFILE || errno == ENFILE)) {
            /* A connection flood took every descriptor: try again, as
             * for a static file (static.c), not "no random source". */
            conn_respond_error(c, 503, "the server is out of file descriptors");
            return;
        }
        if (rc != 0) {
            conn_respond_error(c, 500, "no random source");
            return;
        }
        respond_task(c, poll_task_create(&tasks, id, clock_now_ms()));
        return;
    }
    struct poll_task *t = find_task(c, req);
    if (t != NULL)
        respond_task(c, t);
}

/* POST /poll/task/confirm?id=T: "scan the code" and confirm.
 * Confirming twice is harmless. */
void poll_handle_task_confirm(struct conn *c, const struct http_request *req)
{
    conn_count_request(c, TECH_HTTP);
    struct poll_task *t = find_task(c, req);
    if (t == NULL)
        return;
    t->confirmed = 1;
    respond_task(c, t);
}
