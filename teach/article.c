/*
 * teach/article.c - article mode: the article's server code as it is, bugs
 * included, so that a reader can watch each bug happen.  UNSAFE BY
 * DESIGN: served only with ./server --article-mode (-A), only on routes
 * under /article/, and every page that uses them says so.  Without the
 * flag each of these routes answers 404.  The safe technique files
 * (poll.c, iframe.c, sse.c) know nothing of this file.
 *
 * The exhibits (www/article-mode.html shows each beside our fix):
 *
 *  (a) GET /article/sseStream - ARTICLE §5.3 (服务端代码实现), byte for
 *      byte, one chunk per res.write() as Node sends it on HTTP/1.1:
 *
 *        retry: 10000\n
 *        event: testEvent\n
 *        id: testId\n\n                 <- blank line, and no data line
 *        data: Wed Nov 26 2025 ...\n\n
 *        event: message\n               <- then each second
 *        id: messageId\n\n
 *        data: Wed Nov 26 2025 ...\n\n
 *
 *      WHATWG HTML "Interpreting an event stream": a blank line
 *      dispatches, and dispatching with an empty data buffer fires
 *      nothing and resets the event type.  So the page's testEvent
 *      listener never runs, and each date fires as a plain "message".
 *      The article also keeps its interval in an undeclared global
 *      (`interval = setInterval(...)`) and clears *that* when a client
 *      leaves: with two clients, the first one to leave stops the
 *      second one's ticks, and its own interval is never cleared.  We
 *      keep the same global (sse_global_interval below).
 *
 *  (b) GET /article/iframeLongConnection - ARTICLE §2 (服务器代码):
 *      circulate() writes the template every second with a setInterval
 *      that nothing clears.  When the iframe goes away the interval goes
 *      on writing into a closed connection until the process exits.  We
 *      do not keep the dead socket open to show it: the connection is
 *      closed as usual, and its interval becomes a "ghost" that counts
 *      the res.write() calls it would have made (GET /article/state),
 *      at most ARTICLE_GHOSTS_MAX of them, each for at most
 *      ARTICLE_GHOST_LIFETIME_MS (article.h).
 *
 *  (c) the same response: its scripts post to the hard-coded target
 *      "http://localhost:3000/index.html", whose origin is
 *      http://localhost:3000.  A page opened as http://127.0.0.1:3000
 *      (or on any other port) has another origin, so the browser drops
 *      every message (WHATWG HTML "Cross-document messaging").
 *
 *  (d) GET /article/poll/jsonp?callback=F - ARTICLE §1.2 (基于Jsonp的轮询)
 *      as it is usually written: F echoed verbatim before "(", so a
 *      "callback" can be any script at all, served from our origin.  The
 *      page only ever loads it inside <iframe sandbox="allow-scripts">
 *      (an opaque origin), so the injected script runs but cannot reach
 *      the page.
 *
 *  (e) GET /article/unframed?framing=none|chunked&end=cut|clean - ARTICLE
 *      §2: res.write() and never res.end().  Node hides the problem: on
 *      an HTTP/1.1 request it adds Transfer-Encoding: chunked by itself,
 *      and a stream cut without the last chunk is an error the browser
 *      sees.  Written as the article reads - a status line, a
 *      Content-Type and then bytes, as a port to any server that does not
 *      add framing would do - the body has no length, no chunks and no
 *      "Connection: close"; RFC 9112 section 6.3 then makes it end where
 *      the connection ends, so a stream cut by a crash reads exactly like
 *      one that ended on purpose.  framing=none is that; framing=chunked
 *      is what Node really sends.  Three writes ARTICLE_UNFRAMED_TICK_MS
 *      apart, then the connection closes (end=cut) or, chunked, sends the
 *      last chunk first (end=clean).
 *
 * Never exhibited: the path traversal of the article's read("." +
 * req.url) helper.  It is only explained (www/article-mode.html); static.c
 * is the fix.
 */
#include "teach/article.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hub.h"
#include "core/mem.h"
#include "net/clock.h"
#include "net/conn.h"

enum {
    ARTICLE_PARAM_MAX = 16,          /* bytes of framing= / end= */
    ARTICLE_STATE_MAX = 4096         /* bytes of GET /article/state */
};

static int article_mode;

void article_mode_set(int on)
{
    article_mode = on;
}

int article_mode_on(void)
{
    return article_mode;
}

/* ------------------------------------------------------------------ */
/* pure helpers                                                        */

uint64_t article_ghost_ticks(const struct article_ghost *g, int64_t now_ms)
{
    int64_t end = g->first_tick_ms + ARTICLE_GHOST_LIFETIME_MS;
    if (now_ms > end)
        now_ms = end;
    if (g->interval_ms <= 0 || now_ms < g->first_tick_ms)
        return 0;
    return (uint64_t)((now_ms - g->first_tick_ms) / g->interval_ms) + 1;
}

size_t article_js_date(char *out, size_t size, time_t t)
{
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL)
        return 0;
    /* V8's Date.prototype.toString: "Www Mmm DD YYYY HH:MM:SS GMT+hhmm (zone)". */
    return strftime(out, size, "%a %b %d %Y %H:%M:%S GMT%z (%Z)", &tm);
}

/* ------------------------------------------------------------------ */
/* ghosts: intervals that outlived their connection                    */

static const char ghost_sse_name[] = "sseStream";
static const char ghost_frame_name[] = "iframeLongConnection";

static struct article_ghost ghosts[ARTICLE_GHOSTS_MAX];
static size_t ghost_next;          /* the slot the next ghost takes */
static uint64_t ghosts_made;       /* every ghost ever */
static uint64_t retired_writes;    /* counts frozen when a slot was reused */
static uint64_t retired_bytes;
static uint64_t retired_by_kind[2];  /* the same writes, [0] sseStream, [1] the frame */

static void ghost_add(const char *what, int64_t first_tick_ms,
                      unsigned writes_per_tick, size_t bytes_per_tick)
{
    struct article_ghost *g = &ghosts[ghost_next];
    if (g->what != NULL) {         /* the table is full: retire the oldest */
        uint64_t ticks = article_ghost_ticks(g, clock_now_ms());
        retired_writes += ticks * g->writes_per_tick;
        retired_bytes += ticks * g->bytes_per_tick;
        retired_by_kind[g->what == ghost_frame_name] += ticks * g->writes_per_tick;
    }
    g->what = what;
    g->first_tick_ms = first_tick_ms;
    g->interval_ms = ARTICLE_TICK_MS;
    g->writes_per_tick = writes_per_tick;
    g->bytes_per_tick = bytes_per_tick;
    ghost_next = (ghost_next + 1) % ARTICLE_GHOSTS_MAX;
    ghosts_made++;
}

/* ------------------------------------------------------------------ */
/* the streams                                                         */

enum article_kind { KIND_SSE, KIND_FRAME, KIND_UNFRAMED };

static const char *const kind_names[] = {
    [KIND_SSE] = ghost_sse_name,
    [KIND_FRAME] = ghost_frame_name,
    [KIND_UNFRAMED] = "unframed"
};

struct article_stream {
    enum article_kind kind;
    struct conn *conn;
    int ticking;          /* its setInterval is still running */
    int chunked;          /* unframed exhibit: framing=chunked */
    int end_clean;        /* unframed exhibit: end=clean */
    unsigned writes;      /* res.write() calls made */
    size_t last_tick_bytes;
};

static size_t open_streams[3];
/* ARTICLE §5.3: `interval = setInterval(...)` with no let: one global,
 * overwritten by every new client.  The stream it names, or NULL. */
static struct article_stream *sse_global_interval;
static uint64_t sse_intervals_cleared_by_others;

/* One res.write(): a chunk when the response is chunked, as Node does. */
static int article_write(struct conn *c, struct article_stream *st, const char *s)
{
    size_t len = strlen(s);
    int rc = (st->kind == KIND_UNFRAMED && !st->chunked)
             ? conn_write(c, s, len) : conn_write_chunk(c, s, len);
    if (rc == 0) {
        st->writes++;
        st->last_tick_bytes += len;
    }
    return rc;
}

/* ARTICLE §2: getTemplate(), character for character. */
static const char frame_template[] =
    "\n    <script type=\"text/javascript\">\n"
    "        window.parent.postMessage(new Date().toLocaleTimeString(), "
    "\"http://localhost:3000/index.html\");\n"
    "    </script>\n  ";

static void sse_tick(struct conn *c, struct article_stream *st)
{
    char date[ARTICLE_DATE_MAX];
    char line[ARTICLE_DATE_MAX + 16];
    article_js_date(date, sizeof date, time(NULL));
    snprintf(line, sizeof line, "data: %s\n\n", date);
    st->last_tick_bytes = 0;
    /* ARTICLE §5.3: the blank line after the id dispatches an event
     * with no data: nothing fires; the date is a block of its own. */
    if (article_write(c, st, "event: message\n") == 0
        && article_write(c, st, "id: messageId\n\n") == 0)
        article_write(c, st, line);
}

static void article_on_timer(struct conn *c)
{
    struct article_stream *st = c->tech;
    if (!st->ticking)
        return;
    if (st->kind == KIND_SSE) {
        sse_tick(c, st);
    } else if (st->kind == KIND_FRAME) {
        st->last_tick_bytes = 0;
        article_write(c, st, frame_template);       /* ARTICLE §2: res.write(getTemplate()) */
    } else {
        article_write(c, st, frame_template);
        if (st->writes >= ARTICLE_UNFRAMED_WRITES) {
            st->ticking = 0;
            if (st->chunked && st->end_clean)
                conn_end_stream(c);                  /* the last chunk: a clean end */
            else
                conn_close_after_flush(c);           /* the end of the connection */
            return;
        }
    }
    if (!c->dead)
        conn_set_timer(c, clock_now_ms()
                       + (st->kind == KIND_UNFRAMED ? ARTICLE_UNFRAMED_TICK_MS
                                                    : ARTICLE_TICK_MS));
}

static void article_on_shutdown(struct conn *c)
{
    struct article_stream *st = c->tech;
    /* The Node process exits: the response stops where it is. */
    st->ticking = 0;
    conn_close_after_flush(c);
}

static void article_on_close(struct conn *c)
{
    struct article_stream *st = c->tech;
    if (st->kind == KIND_SSE) {
        /* ARTICLE §5.3: req.connection "close" -> clearInterval(interval),
         * the global, which names the newest client's interval. */
        struct article_stream *named = sse_global_interval;
        if (named != NULL) {
            named->ticking = 0;
            if (named != st) {
                conn_set_timer(named->conn, 0);    /* that client now starves */
                sse_intervals_cleared_by_others++;
            }
            sse_global_interval = NULL;
        }
    }
    /* An interval nobody cleared keeps writing into the closed connection. */
    if (st->ticking && st->kind != KIND_UNFRAMED) {
        int64_t next = c->timer_ms != 0 ? c->timer_ms : clock_now_ms() + ARTICLE_TICK_MS;
        ghost_add(kind_names[st->kind], next, st->kind == KIND_SSE ? 3 : 1,
                  st->last_tick_bytes != 0 ? st->last_tick_bytes : strlen(frame_template));
    }
    open_streams[st->kind]--;
    mem_free(st);
    c->tech = NULL;
}

static const struct stream_ops article_ops = {
    NULL,                 /* on_input: the loop discards what a reader sends */
    NULL,                 /* on_event: the article's streams tick on their own */
    article_on_timer,
    article_on_shutdown,
    article_on_close
};

/* Take the connection over; NULL (and a 503 sent) if out of memory.
 * Called before the stream's head is written, so that a failure is a
 * 503 of its own and not an error text inside a 200's body. */
static struct article_stream *start(struct conn *c, enum article_kind kind,
                                    enum conn_state state, enum technique tech)
{
    struct article_stream *st = mem_calloc(1, sizeof *st);
    if (st == NULL) {
        conn_respond_error(c, 503, "out of memory");
        return NULL;
    }
    st->kind = kind;
    st->conn = c;
    st->ticking = 1;
    conn_enter(c, state, tech, &article_ops, st);
    open_streams[kind]++;
    return st;
}

/* Every route: 404 unless article mode is on.  Returns 1 if refused. */
static int refuse_unless_on(struct conn *c)
{
    if (article_mode)
        return 0;
    conn_count_request(c, TECH_HTTP);
    conn_respond_error(c, 404, "article mode is off (start ./server --article-mode)");
    return 1;
}

/* ------------------------------------------------------------------ */
/* the routes                                                          */

void article_handle_sse(struct conn *c, const struct http_request *req)
{
    char date[ARTICLE_DATE_MAX];
    char line[ARTICLE_DATE_MAX + 16];
    (void)req;
    if (refuse_unless_on(c))
        return;
    conn_count_request(c, TECH_SSE);
    struct article_stream *st = start(c, KIND_SSE, CONN_SSE, TECH_SSE);
    if (st == NULL)
        return;
    /* ARTICLE §5.3: res.writeHead(200, {"Content-Type": "text/event-stream"}) */
    conn_start_stream(c, 200, "text/event-stream", NULL);
    article_js_date(date, sizeof date, time(NULL));
    snprintf(line, sizeof line, "data: %s\n\n", date);
    if (article_write(c, st, "retry: 10000\n") != 0
        || article_write(c, st, "event: testEvent\n") != 0
        || article_write(c, st, "id: testId\n\n") != 0
        || article_write(c, st, line) != 0)
        return;
    sse_global_interval = st;     /* interval = setInterval(...) */
    conn_set_timer(c, clock_now_ms() + ARTICLE_TICK_MS);
}

void article_handle_frame(struct conn *c, const struct http_request *req)
{
    (void)req;
    if (refuse_unless_on(c))
        return;
    conn_count_request(c, TECH_FOREVER_FRAME);
    if (start(c, KIND_FRAME, CONN_FOREVER_FRAME, TECH_FOREVER_FRAME) == NULL)
        return;
    /* ARTICLE §2: circulate(): res.writeHead(200, {"Content-Type": "text/html"}) */
    conn_start_stream(c, 200, "text/html", NULL);
    conn_set_timer(c, clock_now_ms() + ARTICLE_TICK_MS);
}

/* A query parameter that must be one of two words: 0 for the first
 * (or absent), 1 for the second, -1 otherwise. */
static int choice(const struct http_request *req, const char *name,
                  const char *first, const char *second)
{
    char v[ARTICLE_PARAM_MAX];
    long n = http_query_param(req->query, req->query_len, name, v, sizeof v);
    if (n == -1 || (n >= 0 && strcmp(v, first) == 0))
        return 0;
    if (n >= 0 && strcmp(v, second) == 0)
        return 1;
    return -1;
}

void article_handle_unframed(struct conn *c, const struct http_request *req)
{
    if (refuse_unless_on(c))
        return;
    int chunked = choice(req, "framing", "none", "chunked");
    int clean = choice(req, "end", "cut", "clean");
    if (chunked < 0 || clean < 0) {
        conn_count_request(c, TECH_HTTP);
        conn_respond_error(c, 400, "use framing=none|chunked and end=cut|clean");
        return;
    }
    conn_count_request(c, TECH_FOREVER_FRAME);
    struct article_stream *st = start(c, KIND_UNFRAMED, CONN_FOREVER_FRAME,
                                      TECH_FOREVER_FRAME);
    if (st == NULL)
        return;
    st->chunked = chunked;
    st->end_clean = clean;
    if (chunked) {
        /* The chunked framing Node adds (our stream head also says
         * Connection: close, where Node would keep the connection). */
        conn_start_stream(c, 200, "text/html", NULL);
    } else {
        /* As the article's code reads, with nothing added: no
         * Content-Length, no Transfer-Encoding, no Connection: close. */
        static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
        if (conn_write(c, head, sizeof head - 1) != 0)
            return;
        c->log_status = 200;
    }
    conn_set_timer(c, clock_now_ms() + ARTICLE_UNFRAMED_TICK_MS);
}

void article_handle_jsonp(struct conn *c, const struct http_request *req)
{
    char callback[ARTICLE_CALLBACK_MAX + 1];
    if (refuse_unless_on(c))
        return;
    conn_count_request(c, TECH_JSONP_POLL);
    long n = http_query_param(req->query, req->query_len, "callback",
                              callback, sizeof callback);
    if (n < 0) {
        conn_respond_errorf(c, 400, "callback is missing, badly encoded or "
                            "longer than %d bytes", ARTICLE_CALLBACK_MAX);
        return;
    }
    /* ARTICLE §1.2: the script "calls the callback at its end" - here as
     * such servers are commonly written: callback + "(" + JSON + ")",
     * with the callback unchecked.  This is the bug on show. */
    struct buf b = { NULL, 0, 0, ARTICLE_CALLBACK_MAX + HUB_MESSAGE_MAX_BYTES * 8 };
    const struct hub_event *ev = hub_get(hub_last_id());
    int rc = buf_append(&b, callback, (size_t)n);
    rc |= buf_append_str(&b, "({\"events\":[");
    if (ev != NULL)
        rc |= buf_append(&b, ev->json, ev->json_len);
    rc |= buf_printf(&b, "],\"last\":%llu});", (unsigned long long)hub_last_id());
    conn_respond_rendered(c, rc, "application/javascript", "Cache-Control: no-store\r\n", &b);
}

void article_handle_state(struct conn *c, const struct http_request *req)
{
    uint64_t writes = retired_writes, bytes = retired_bytes, counting = 0;
    uint64_t by_kind[2] = { retired_by_kind[0], retired_by_kind[1] };
    int64_t now = clock_now_ms();
    (void)req;
    if (refuse_unless_on(c))
        return;
    conn_count_request(c, TECH_HTTP);
    for (size_t i = 0; i < ARTICLE_GHOSTS_MAX; i++) {
        const struct article_ghost *g = &ghosts[i];
        if (g->what == NULL)
            continue;
        uint64_t ticks = article_ghost_ticks(g, now);
        writes += ticks * g->writes_per_tick;
        bytes += ticks * g->bytes_per_tick;
        by_kind[g->what == ghost_frame_name] += ticks * g->writes_per_tick;
        if (now < g->first_tick_ms + ARTICLE_GHOST_LIFETIME_MS)
            counting++;
    }
    struct buf b = { NULL, 0, 0, ARTICLE_STATE_MAX };
    /* Each part's result is kept, not only the last: one that failed for
     * want of memory would leave a hole in the JSON while the smaller
     * ones after it succeeded. */
    int rc = buf_printf(&b, "{\"article_mode\":true,\"dead_writes\":%llu,\"dead_bytes\":%llu,"
                        "\"leaked_intervals\":%llu,\"leaked_ever\":%llu,\"ghost_limit\":%d,"
                        "\"ghost_lifetime_ms\":%d,",
                        (unsigned long long)writes, (unsigned long long)bytes,
                        (unsigned long long)counting, (unsigned long long)ghosts_made,
                        ARTICLE_GHOSTS_MAX, ARTICLE_GHOST_LIFETIME_MS);
    rc |= buf_printf(&b, "\"dead_writes_by_route\":{\"sseStream\":%llu,"
                     "\"iframeLongConnection\":%llu},",
                     (unsigned long long)by_kind[0], (unsigned long long)by_kind[1]);
    rc |= buf_printf(&b, "\"open\":{\"sseStream\":%zu,\"iframeLongConnection\":%zu,"
                     "\"unframed\":%zu},\"sse_global_interval_fd\":%d,"
                     "\"sse_intervals_cleared_by_others\":%llu}\n",
                     open_streams[KIND_SSE], open_streams[KIND_FRAME],
                     open_streams[KIND_UNFRAMED],
                     sse_global_interval != NULL ? sse_global_interval->conn->fd : -1,
                     (unsigned long long)sse_intervals_cleared_by_others);
    conn_respond_rendered(c, rc, "application/json", "Cache-Control: no-store\r\n", &b);
}
