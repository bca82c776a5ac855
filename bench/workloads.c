/*
 * bench/workloads.c - see workloads.h.
 *
 * Each technique is read in its own wire format (the formats are in the
 * header comments of poll.c, iframe.c, ws.c, sse.c and stream.c):
 *   - the four polls: HTTP/1.1 keep-alive responses with Content-Length;
 *     the body holds the events and "last":N, sent back as after=N;
 *   - the forever frame, SSE and the fetch and XHR streams: one endless
 *     chunked response, read as it comes (a marker is whole inside one
 *     event, so chunk boundaries never split it).  The XHR stream ends
 *     its response past 128 KiB; a run's few messages never get there;
 *   - WebSocket: the 101 handshake, then frames (RFC 6455 section 5.2).
 */
#include "workloads.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "client.h"
#include "proc.h"

const char *const tech_label[T_COUNT] = {
    "short poll", "long poll", "iframe poll", "JSONP poll",
    "forever frame", "WebSocket /hub", "SSE", "fetch stream", "XHR stream"
};
const char *const tech_stats[T_COUNT] = {
    "short_poll", "long_poll", "iframe_poll", "jsonp_poll",
    "forever_frame", "websocket", "sse", "fetch_stream", "xhr_stream"
};

enum {
    MAX_MESSAGES = 1 << 16,     /* published per workload run */
    STATS_MAX_BYTES = 16384
};

/* ------------------------------------------------------------------ */
/* samples and percentiles                                             */

static int64_t *samples;
static size_t n_samples, cap_samples;

static void sample_add(int64_t ns)
{
    if (n_samples == cap_samples) {
        size_t cap = cap_samples ? cap_samples * 2 : 65536;
        int64_t *p = realloc(samples, cap * sizeof *p);
        if (p == NULL)
            return;
        samples = p;
        cap_samples = cap;
    }
    samples[n_samples++] = ns;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of the samples, in ns; 0 if none. */
static double percentile_ns(double q)
{
    if (n_samples == 0)
        return 0;
    qsort(samples, n_samples, sizeof *samples, cmp_i64);
    size_t rank = (size_t)(q * (double)n_samples + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n_samples)
        rank = n_samples;
    return (double)samples[rank - 1];
}

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
            return hay + i;
    }
    return NULL;
}

/* One blocking GET with Connection: close (for /stats).  Returns the
 * bytes of the whole response in out (NUL-terminated), or -1. */
static long http_get_blocking(int port, const char *path, char *out, size_t size)
{
    struct sockaddr_in a;
    struct timeval tv = { 5, 0 };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Connection: close\r\n\r\n", path, port);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, out + got, size - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == size - 1)
            break;
    }
    close(fd);
    out[got] = '\0';
    return (long)got;
}

struct tech_counters wl_read_stats(int port, const char *tech)
{
    static char body[STATS_MAX_BYTES];
    struct tech_counters tc = { 0, 0, 0, 0 };
    char key[64];
    if (http_get_blocking(port, "/stats", body, sizeof body) <= 0)
        return tc;
    snprintf(key, sizeof key, "\"%s\":{", tech);
    const char *p = strstr(body, key);
    if (p != NULL && sscanf(p + strlen(key), "\"requests\":%llu,\"bytes\":%llu,\"deliveries\":%llu",
                            &tc.requests, &tc.bytes, &tc.deliveries) == 3)
        tc.ok = 1;
    return tc;
}

/* ------------------------------------------------------------------ */
/* subscribers: shared bookkeeping                                     */

static int64_t pub_ns[MAX_MESSAGES];     /* when message seq was published */
static uint32_t got[MAX_MESSAGES];       /* subscribers that received seq */
static int64_t last_ns[MAX_MESSAGES];    /* publish to the last receipt of seq */
static int n_published;

struct sub {
    enum tech tech;
    int ready;               /* connected and waiting for events */
    int failed;
    int head_done;           /* streams: the response head / 101 is in */
    int has_cursor;
    uint64_t cursor;         /* polls: "last" of the previous answer */
    int64_t next_poll_ns;    /* short polls: when the next one goes */
    long long next_seq;      /* the next seq not yet seen */
    uint64_t delivered, duplicates;
};

static struct sub *subs;
static int n_subs;

static void on_marker(struct sub *s, uint64_t seq, int64_t now)
{
    if (seq >= (uint64_t)n_published)
        return;                      /* not one of this run's messages */
    if ((long long)seq < s->next_seq) {
        s->duplicates++;
        return;
    }
    s->next_seq = (long long)seq + 1;
    s->delivered++;
    got[seq]++;
    if (got[seq] == (uint32_t)n_subs)
        last_ns[seq] = now - pub_ns[seq];
    sample_add(now - pub_ns[seq]);
}

/* Find every whole marker in p[0..n) (see workloads.h).  Returns how many
 * bytes may be dropped: all, or up to a marker cut off at the end. */
static size_t scan_markers(struct sub *s, const char *p, size_t n, int64_t now)
{
    size_t i = 0;
    while (i < n) {
        const char *b = memchr(p + i, 'B', n - i);
        if (b == NULL)
            return n;
        size_t at = (size_t)(b - p);
        if (n - at < 5)
            return memcmp(b, "BENCH", n - at) == 0 ? at : n;
        if (memcmp(b, "BENCH", 5) != 0) {
            i = at + 1;
            continue;
        }
        size_t j = at + 5;
        uint64_t seq = 0, ts = 0;
        while (j < n && p[j] >= '0' && p[j] <= '9')
            seq = seq * 10 + (uint64_t)(p[j++] - '0');
        if (j == n)
            return at;
        if (p[j] != '_') {
            i = at + 5;
            continue;
        }
        j++;
        while (j < n && p[j] >= '0' && p[j] <= '9')
            ts = ts * 10 + (uint64_t)(p[j++] - '0');
        if (j == n)
            return at;
        if (p[j] == 'Z')
            on_marker(s, seq, now);
        i = j + 1;
    }
    return n;
}

static void sub_failed(struct bc *c)
{
    struct sub *s = c->user;
    if (!s->failed)
        s->failed = 1;
    bc_close(c);
}

/* ---- polls ---- */

static void send_poll(struct bc *c)
{
    struct sub *s = c->user;
    static const char *const path[] = { "/poll", "/poll", "/poll/iframe", "/poll/jsonp" };
    char after[40] = "", req[256];
    if (s->has_cursor)
        snprintf(after, sizeof after, "after=%llu&", (unsigned long long)s->cursor);
    int n = snprintf(req, sizeof req,
                     "GET %s?%s%stype=message%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
                     path[s->tech], after,
                     s->tech == T_SHORT_POLL ? "" : "wait=25&",
                     s->tech == T_JSONP_POLL ? "&callback=cb" : "", c->port);
    c->requests++;
    bc_send(c, req, (size_t)n);
}

static void poll_timer(struct bc *c)
{
    send_poll(c);
}

static void poll_input(struct bc *c)
{
    struct sub *s = c->user;
    for (;;) {
        struct http_resp r;
        const char *p = bbuf_ptr(&c->in);
        size_t len = bbuf_len(&c->in);
        long h = http_resp_head(p, len, &r);
        if (h == 0)
            return;
        if (h < 0 || r.content_length < 0 || r.status != 200) {
            sub_failed(c);
            return;
        }
        if (len < (size_t)h + (size_t)r.content_length)
            return;
        const char *body = p + h;
        size_t blen = (size_t)r.content_length;
        int64_t now = now_ns();
        scan_markers(s, body, blen, now);
        const char *last = find(body, blen, "\"last\":");
        if (last != NULL) {
            s->cursor = strtoull(last + 7, NULL, 10);
            s->has_cursor = 1;
        }
        bbuf_consume(&c->in, (size_t)h + blen);
        if (r.close) {
            sub_failed(c);
            return;
        }
        if (s->tech == T_SHORT_POLL) {
            s->ready = 1;
            s->next_poll_ns += (int64_t)SHORT_POLL_INTERVAL_MS * 1000000;
            c->timer_ns = s->next_poll_ns > now ? s->next_poll_ns : now + 1;
        } else {
            send_poll(c);           /* held until the next event */
            s->ready = 1;
        }
    }
}

static void poll_connect(struct bc *c)
{
    send_poll(c);
}

/* ---- streams: forever frame, SSE, fetch and XHR streams ---- */

static const char *stream_path(enum tech t)
{
    switch (t) {
    case T_SSE: return "/sseStream";
    case T_FETCH_STREAM: return "/stream";
    case T_XHR_STREAM: return "/stream/xhr";
    default: return "/iframeLongConnection";
    }
}

static void stream_connect(struct bc *c)
{
    struct sub *s = c->user;
    char req[256];
    const char *path = stream_path(s->tech);
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n",
                     path, c->port, s->tech == T_SSE ? "Accept: text/event-stream\r\n" : "");
    c->requests++;
    bc_send(c, req, (size_t)n);
}

static void stream_input(struct bc *c)
{
    struct sub *s = c->user;
    if (!s->head_done) {
        struct http_resp r;
        long h = http_resp_head(bbuf_ptr(&c->in), bbuf_len(&c->in), &r);
        if (h == 0)
            return;
        if (h < 0 || r.status != 200) {
            sub_failed(c);
            return;
        }
        bbuf_consume(&c->in, (size_t)h);
        s->head_done = 1;
        s->ready = 1;
    }
    size_t drop = scan_markers(s, bbuf_ptr(&c->in), bbuf_len(&c->in), now_ns());
    bbuf_consume(&c->in, drop);
}

/* ---- WebSocket ---- */

/* Read the 101 answer; 1 once it is in, 0 if more is needed, -1 if it
 * was refused. */
static int ws_read_handshake(struct bc *c)
{
    struct http_resp r;
    long h = http_resp_head(bbuf_ptr(&c->in), bbuf_len(&c->in), &r);
    if (h == 0)
        return 0;
    if (h < 0 || r.status != 101)
        return -1;
    bbuf_consume(&c->in, (size_t)h);
    return 1;
}

/* Take the next whole frame off c->in: 1 with its opcode and payload,
 * 0 if incomplete, -1 if malformed.  The payload stays valid until the
 * next bbuf operation on c->in. */
static int ws_next_frame(struct bc *c, int *opcode, const char **payload, size_t *len)
{
    struct ws_in_frame f;
    const unsigned char *p = (const unsigned char *)bbuf_ptr(&c->in);
    size_t n = bbuf_len(&c->in);
    long h = ws_frame_head(p, n, &f);
    if (h <= 0)
        return (int)h;
    if (f.payload_len > n - (size_t)h)
        return 0;
    *opcode = f.opcode;
    *payload = (const char *)p + h;
    *len = (size_t)f.payload_len;
    bbuf_consume(&c->in, (size_t)h + *len);
    return 1;
}

/* Answer a ping with its pong (RFC 6455 section 5.5.2). */
static void ws_control(struct bc *c, int opcode, const char *payload, size_t len)
{
    if (opcode == 0x9)
        ws_send_frame(c, 0xA, payload, len);
}

static void hub_connect(struct bc *c)
{
    ws_send_handshake(c, "/hub");
}

static void hub_input(struct bc *c)
{
    struct sub *s = c->user;
    if (!s->head_done) {
        int rc = ws_read_handshake(c);
        if (rc <= 0) {
            if (rc < 0)
                sub_failed(c);
            return;
        }
        s->head_done = 1;
        s->ready = 1;
    }
    int opcode;
    const char *payload;
    size_t len;
    int rc;
    int64_t now = now_ns();
    while ((rc = ws_next_frame(c, &opcode, &payload, &len)) == 1) {
        if (opcode == 0x1)
            scan_markers(s, payload, len, now);
        else if (opcode == 0x8) {
            sub_failed(c);
            return;
        } else
            ws_control(c, opcode, payload, len);
    }
    if (rc < 0)
        sub_failed(c);
}

static struct bc *open_subscriber(int port, struct sub *s)
{
    switch (s->tech) {
    case T_SHORT_POLL: case T_LONG_POLL: case T_IFRAME_POLL: case T_JSONP_POLL: {
        struct bc *c = bc_open(port, poll_connect, poll_input, s);
        if (c != NULL)
            c->on_timer = poll_timer;
        return c;
    }
    case T_FOREVER_FRAME: case T_SSE: case T_FETCH_STREAM: case T_XHR_STREAM:
        return bc_open(port, stream_connect, stream_input, s);
    default:
        return bc_open(port, hub_connect, hub_input, s);
    }
}

static int all_ready(void *arg)
{
    (void)arg;
    for (int i = 0; i < n_subs; i++) {
        if (!subs[i].ready && !subs[i].failed)
            return 0;
    }
    return 1;
}

static int count_failed(void)
{
    int k = 0;
    for (int i = 0; i < n_subs; i++)
        k += subs[i].failed;
    return k;
}

static int start_subscribers(int port, enum tech t, int n)
{
    loop_reset();
    n_samples = 0;
    n_published = 0;
    memset(got, 0, sizeof got);
    free(subs);
    subs = calloc((size_t)n, sizeof *subs);
    if (subs == NULL)
        return -1;
    n_subs = n;
    int64_t now = now_ns();
    for (int i = 0; i < n; i++) {
        subs[i].tech = t;
        /* short pollers are spread evenly over one interval */
        subs[i].next_poll_ns = now + (int64_t)SHORT_POLL_INTERVAL_MS * 1000000 * i / n;
        if (open_subscriber(port, &subs[i]) == NULL)
            return -1;
    }
    loop_run(now_ns() + (int64_t)READY_TIMEOUT_MS * 1000000, all_ready, NULL);
    if (!all_ready(NULL) || count_failed() > 0) {
        fprintf(stderr, "bench: %s: %d of %d subscribers ready, %d failed\n",
                tech_label[t], n - count_failed(), n, count_failed());
        return -1;
    }
    /* Let the last long polls reach the server and be held. */
    loop_run(now_ns() + 100 * 1000000LL, NULL, NULL);
    return 0;
}

/* ------------------------------------------------------------------ */
/* publishers                                                          */

struct publisher {
    int in_flight;           /* a POST /publish awaits its answer */
    int is_ws;               /* publishes with WebSocket text frames */
    int ws_open;
    int failed;
};

static struct publisher pub;
static struct bc *pub_conn;

static void publish_next(void)
{
    char msg[64], req[256];
    if (n_published == MAX_MESSAGES || pub_conn == NULL)
        return;
    int seq = n_published;
    int64_t t = now_ns();
    int len = snprintf(msg, sizeof msg, "BENCH%d_%lldZ", seq, (long long)t);
    pub_ns[seq] = t;
    n_published++;
    if (pub.is_ws) {
        ws_send_frame(pub_conn, 0x1, msg, (size_t)len);
        bc_flush(pub_conn);
        return;
    }
    int n = snprintf(req, sizeof req,
                     "POST /publish HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %d\r\n\r\n%s", pub_conn->port, len, msg);
    pub.in_flight = 1;
    pub_conn->requests++;
    bc_send(pub_conn, req, (size_t)n);
}

static void http_pub_input(struct bc *c)
{
    for (;;) {
        struct http_resp r;
        long h = http_resp_head(bbuf_ptr(&c->in), bbuf_len(&c->in), &r);
        if (h == 0)
            return;
        if (h < 0 || r.status != 200 || r.content_length < 0) {
            pub.failed = 1;
            bc_close(c);
            return;
        }
        if (bbuf_len(&c->in) < (size_t)h + (size_t)r.content_length)
            return;
        bbuf_consume(&c->in, (size_t)h + (size_t)r.content_length);
        pub.in_flight = 0;
    }
}

static void ws_pub_connect(struct bc *c)
{
    ws_send_handshake(c, "/hub");
}

static void ws_pub_input(struct bc *c)
{
    if (!pub.ws_open) {
        int rc = ws_read_handshake(c);
        if (rc < 0)
            pub.failed = 1;
        if (rc <= 0)
            return;
        pub.ws_open = 1;
    }
    int opcode, rc;
    const char *payload;
    size_t len;
    while ((rc = ws_next_frame(c, &opcode, &payload, &len)) == 1)
        ws_control(c, opcode, payload, len);
    if (rc < 0)
        pub.failed = 1;
}

static int pub_open_done(void *arg)
{
    (void)arg;
    return pub.failed || (pub.is_ws ? pub.ws_open : pub_conn->connected);
}

static int open_publisher(int port, int is_ws)
{
    memset(&pub, 0, sizeof pub);
    pub.is_ws = is_ws;
    pub_conn = is_ws ? bc_open(port, ws_pub_connect, ws_pub_input, NULL)
                     : bc_open(port, NULL, http_pub_input, NULL);
    if (pub_conn == NULL)
        return -1;
    loop_run(now_ns() + 5000 * 1000000LL, pub_open_done, NULL);
    return pub.failed || !pub_open_done(NULL) ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* latency per technique                                               */

struct paced {
    int messages;
    int64_t spacing_ns;
    int64_t next_ns;
    int64_t drain_until_ns;  /* after the last publish */
    int64_t drain_ns;
};

/* Publish on schedule; done once every message reached every subscriber
 * or the drain time after the last one has passed. */
static int paced_step(void *arg)
{
    struct paced *p = arg;
    int64_t now = now_ns();
    if (n_published < p->messages) {
        if (now >= p->next_ns && !pub.in_flight) {
            publish_next();
            p->next_ns += p->spacing_ns;
            if (n_published == p->messages)
                p->drain_until_ns = now + p->drain_ns;
        }
        pub_conn->timer_ns = p->next_ns;   /* wake the loop in time */
        return pub.failed;
    }
    for (int i = 0; i < p->messages; i++) {
        if (got[i] < (uint32_t)n_subs)
            return now >= p->drain_until_ns;
    }
    return 1;
}

int wl_latency(int port, enum tech t, int subscribers, int messages,
               int spacing_ms, struct latency_result *r)
{
    memset(r, 0, sizeof *r);
    if (messages > MAX_MESSAGES)
        messages = MAX_MESSAGES;
    if (start_subscribers(port, t, subscribers) != 0 || open_publisher(port, 0) != 0) {
        loop_close_all();
        return -1;
    }
    struct tech_counters before = wl_read_stats(port, tech_stats[t]);
    struct paced p = { messages, (int64_t)spacing_ms * 1000000, now_ns(), 0,
                       (int64_t)(SHORT_POLL_INTERVAL_MS + MESSAGE_TIMEOUT_MS) * 1000000 };
    loop_run(now_ns() + (int64_t)(messages * spacing_ms + 10000) * 1000000, paced_step, &p);
    struct tech_counters after = wl_read_stats(port, tech_stats[t]);

    for (int i = 0; i < n_subs; i++) {
        r->delivered += subs[i].delivered;
        r->duplicates += subs[i].duplicates;
    }
    r->expected = (uint64_t)messages * (uint64_t)subscribers;
    r->p50_ms = percentile_ns(0.50) / 1e6;
    r->p99_ms = percentile_ns(0.99) / 1e6;
    if (before.ok && after.ok && after.deliveries > before.deliveries) {
        double d = (double)(after.deliveries - before.deliveries);
        r->requests_per_msg = (double)(after.requests - before.requests) / d;
        r->bytes_per_msg = (double)(after.bytes - before.bytes) / d;
    } else {
        r->requests_per_msg = r->bytes_per_msg = -1;   /* no /stats: a peer */
    }
    r->ok = !pub.failed && count_failed() == 0;
    loop_close_all();
    return r->ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* fan-out throughput                                                  */

struct closed_loop {
    int64_t end_ns;
    uint64_t lost;
    int cur_settled;         /* the newest message reached all, or timed out */
};

/* One message at a time: publish the next once the newest reached every
 * subscriber (or MESSAGE_TIMEOUT_MS passed: the missing ones are lost). */
static int closed_step(void *arg)
{
    struct closed_loop *cl = arg;
    int64_t now = now_ns();
    if (pub.failed)
        return 1;
    if (n_published > 0 && !cl->cur_settled) {
        int cur = n_published - 1;
        if (got[cur] < (uint32_t)n_subs) {
            if (now - pub_ns[cur] < (int64_t)MESSAGE_TIMEOUT_MS * 1000000)
                return 0;
            cl->lost += (uint64_t)n_subs - got[cur];
        }
        cl->cur_settled = 1;
    }
    if (now >= cl->end_ns || n_published == MAX_MESSAGES)
        return 1;
    if (pub.in_flight)
        return 0;            /* the previous POST /publish is unanswered */
    publish_next();
    cl->cur_settled = 0;
    return 0;
}

int wl_fanout(int port, enum fanout_kind kind, int subscribers, int duration_ms,
              struct rate_result *r)
{
    memset(r, 0, sizeof *r);
    enum tech t = kind == FANOUT_WS_HUB ? T_WS_HUB : T_SSE;
    if (start_subscribers(port, t, subscribers) != 0
        || open_publisher(port, kind == FANOUT_WS_HUB) != 0) {
        loop_close_all();
        return -1;
    }
    struct closed_loop cl = { now_ns() + (int64_t)duration_ms * 1000000, 0, 1 };
    int64_t start = now_ns();
    loop_run(cl.end_ns + (int64_t)MESSAGE_TIMEOUT_MS * 2 * 1000000, closed_step, &cl);
    double secs = (double)(now_ns() - start) / 1e9;
    for (int i = 0; i < n_subs; i++)
        r->count += subs[i].delivered;
    r->lost = cl.lost;
    r->per_s = (double)r->count / secs;
    r->p50_us = percentile_ns(0.50) / 1e3;
    r->p99_us = percentile_ns(0.99) / 1e3;
    n_samples = 0;                  /* now one sample per whole message */
    for (int i = 0; i < n_published; i++) {
        if (got[i] == (uint32_t)n_subs)
            sample_add(last_ns[i]);
    }
    r->last_p50_us = percentile_ns(0.50) / 1e3;
    r->last_p99_us = percentile_ns(0.99) / 1e3;
    r->ok = !pub.failed && count_failed() == 0;
    loop_close_all();
    return r->ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* WebSocket echo                                                      */

struct echo {
    int open, failed;
    int64_t sent[ECHO_MAX_DEPTH];   /* send times of the frames in flight */
    int head, count;
};

static struct echo *echoes;
static int n_echoes, echo_depth;
static int64_t echo_end_ns;
static uint64_t echo_replies;
static const char echo_payload[ECHO_PAYLOAD_BYTES + 1] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void echo_send_one(struct bc *c)
{
    struct echo *e = c->user;
    e->sent[(e->head + e->count) % ECHO_MAX_DEPTH] = now_ns();
    e->count++;
    ws_send_frame(c, 0x1, echo_payload, ECHO_PAYLOAD_BYTES);
}

static void echo_connect(struct bc *c)
{
    ws_send_handshake(c, "/testSocket");
}

static void echo_input(struct bc *c)
{
    struct echo *e = c->user;
    if (!e->open) {
        int rc = ws_read_handshake(c);
        if (rc < 0) {
            e->failed = 1;
            bc_close(c);
        }
        if (rc <= 0)
            return;
        e->open = 1;
    }
    int opcode, rc;
    const char *payload;
    size_t len;
    while ((rc = ws_next_frame(c, &opcode, &payload, &len)) == 1) {
        if (opcode == 0x1 || opcode == 0x2) {
            if (e->count == 0)
                continue;
            int64_t now = now_ns();
            sample_add(now - e->sent[e->head]);
            e->head = (e->head + 1) % ECHO_MAX_DEPTH;
            e->count--;
            echo_replies++;
            if (now < echo_end_ns)
                echo_send_one(c);
        } else if (opcode == 0x8) {
            e->failed = 1;
            bc_close(c);
            return;
        } else {
            ws_control(c, opcode, payload, len);
        }
    }
    if (rc < 0) {
        e->failed = 1;
        bc_close(c);
    }
}

static int echoes_open(void *arg)
{
    (void)arg;
    for (int i = 0; i < n_echoes; i++) {
        if (!echoes[i].open && !echoes[i].failed)
            return 0;
    }
    return 1;
}

static int echoes_drained(void *arg)
{
    (void)arg;
    for (int i = 0; i < n_echoes; i++) {
        if (echoes[i].count > 0 && !echoes[i].failed)
            return 0;
    }
    return 1;
}

int wl_echo(int port, int conns, int depth, int duration_ms, struct rate_result *r)
{
    memset(r, 0, sizeof *r);
    loop_reset();
    n_samples = 0;
    echo_replies = 0;
    echo_depth = depth > ECHO_MAX_DEPTH ? ECHO_MAX_DEPTH : depth;
    free(echoes);
    echoes = calloc((size_t)conns, sizeof *echoes);
    if (echoes == NULL)
        return -1;
    n_echoes = conns;
    for (int i = 0; i < conns; i++) {
        if (bc_open(port, echo_connect, echo_input, &echoes[i]) == NULL)
            return -1;
    }
    echo_end_ns = INT64_MAX;
    loop_run(now_ns() + (int64_t)READY_TIMEOUT_MS * 1000000, echoes_open, NULL);
    for (int i = 0; i < conns; i++) {
        if (echoes[i].failed || !echoes[i].open) {
            loop_close_all();
            return -1;
        }
    }
    int64_t start = now_ns();
    echo_end_ns = start + (int64_t)duration_ms * 1000000;
    for (int i = 0; i < conns; i++) {
        for (int k = 0; k < echo_depth; k++)
            echo_send_one(loop_conn((size_t)i));
        bc_flush(loop_conn((size_t)i));
    }
    loop_run(echo_end_ns, NULL, NULL);
    double secs = (double)(now_ns() - start) / 1e9;
    r->count = echo_replies;            /* replies within the time */
    r->per_s = (double)r->count / secs;
    loop_run(now_ns() + 2000 * 1000000LL, echoes_drained, NULL);
    r->p50_us = percentile_ns(0.50) / 1e3;
    r->p99_us = percentile_ns(0.99) / 1e3;
    r->ok = 1;
    for (int i = 0; i < conns; i++)
        r->ok &= !echoes[i].failed;
    loop_close_all();
    return r->ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* static keep-alive                                                   */

static const char *static_path;
static int64_t static_end_ns;
static uint64_t static_done, static_errors;

struct static_conn { int64_t sent_ns; };

static void static_send(struct bc *c)
{
    struct static_conn *s = c->user;
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
                     static_path, c->port);
    s->sent_ns = now_ns();
    c->requests++;
    bc_send(c, req, (size_t)n);
}

static void static_input(struct bc *c)
{
    struct static_conn *s = c->user;
    for (;;) {
        struct http_resp r;
        long h = http_resp_head(bbuf_ptr(&c->in), bbuf_len(&c->in), &r);
        if (h == 0)
            return;
        if (h < 0 || r.status != 200 || r.content_length < 0) {
            static_errors++;
            bc_close(c);
            return;
        }
        if (bbuf_len(&c->in) < (size_t)h + (size_t)r.content_length)
            return;
        bbuf_consume(&c->in, (size_t)h + (size_t)r.content_length);
        int64_t now = now_ns();
        sample_add(now - s->sent_ns);
        static_done++;
        if (now >= static_end_ns) {
            bc_close(c);
            return;
        }
        if (r.close) {           /* a server that limits requests per connection */
            static_errors++;
            bc_close(c);
            return;
        }
        static_send(c);
    }
}

int wl_static(int port, const char *path, int duration_ms, struct rate_result *r)
{
    static struct static_conn sc[STATIC_CONNECTIONS];
    memset(r, 0, sizeof *r);
    loop_reset();
    n_samples = 0;
    static_path = path;
    static_done = static_errors = 0;
    static_end_ns = INT64_MAX;
    for (int i = 0; i < STATIC_CONNECTIONS; i++) {
        if (bc_open(port, static_send, static_input, &sc[i]) == NULL)
            return -1;
    }
    /* Connect, and let one request per connection warm up. */
    loop_run(now_ns() + 300 * 1000000LL, NULL, NULL);
    uint64_t warm = static_done;
    int64_t start = now_ns();
    static_end_ns = start + (int64_t)duration_ms * 1000000;
    n_samples = 0;
    loop_run(static_end_ns, NULL, NULL);
    double secs = (double)(now_ns() - start) / 1e9;
    r->count = static_done - warm;
    r->per_s = (double)r->count / secs;
    r->lost = static_errors;
    r->p50_us = percentile_ns(0.50) / 1e3;
    r->p99_us = percentile_ns(0.99) / 1e3;
    r->ok = static_errors == 0 && r->count > 0;
    loop_close_all();
    return r->ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* idle connections                                                    */

static void idle_ws_connect(struct bc *c) { ws_send_handshake(c, "/testSocket"); }

static void idle_sse_connect(struct bc *c)
{
    char req[256];
    int n = snprintf(req, sizeof req, "GET /sseStream HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Accept: text/event-stream\r\n\r\n", c->port);
    bc_send(c, req, (size_t)n);
}

static void idle_input(struct bc *c)
{
    struct sub *s = c->user;
    if (!s->head_done) {
        struct http_resp r;
        long h = http_resp_head(bbuf_ptr(&c->in), bbuf_len(&c->in), &r);
        if (h == 0)
            return;
        if (h < 0 || (r.status != 101 && r.status != 200)) {
            sub_failed(c);
            return;
        }
        bbuf_consume(&c->in, (size_t)h);
        s->head_done = s->ready = 1;
    }
    if (s->tech == T_WS_HUB) {
        int opcode, rc;
        const char *payload;
        size_t len;
        while ((rc = ws_next_frame(c, &opcode, &payload, &len)) == 1)
            ws_control(c, opcode, payload, len);
        return;
    }
    bbuf_consume(&c->in, bbuf_len(&c->in));   /* SSE: events and comments */
}

int wl_idle(const struct server_proc *sp, enum idle_kind kind, int conns,
            struct idle_result *r)
{
    memset(r, 0, sizeof *r);
    loop_reset();
    free(subs);
    subs = calloc((size_t)conns, sizeof *subs);
    if (subs == NULL)
        return -1;
    n_subs = conns;
    /* Let the server settle after start-up before the baseline. */
    sleep_ms(200);
    r->rss_before_kib = server_rss_kib(sp);
    for (int i = 0; i < conns; i++) {
        subs[i].tech = kind == IDLE_WS ? T_WS_HUB : T_SSE;
        if (bc_open(sp->port, kind == IDLE_WS ? idle_ws_connect : idle_sse_connect,
                    idle_input, &subs[i]) == NULL)
            return -1;
    }
    loop_run(now_ns() + (int64_t)READY_TIMEOUT_MS * 1000000, all_ready, NULL);
    /* Idle for a while: a clock tick or two reaches SSE readers. */
    loop_run(now_ns() + 1500 * 1000000LL, NULL, NULL);
    r->rss_after_kib = server_rss_kib(sp);
    r->conns = conns;
    r->ok = all_ready(NULL) && count_failed() == 0 && r->rss_before_kib > 0;
    r->kib_per_conn = (double)(r->rss_after_kib - r->rss_before_kib) / conns;
    loop_close_all();
    return r->ok ? 0 : -1;
}
