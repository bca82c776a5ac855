/*
 * bench/reply.c - the streamed reply workload (see workloads.h):
 * POST /stream/reply, read as the event stream it is (stream.c): the
 * first "data: " line is the first piece, "event: done" the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "workloads.h"

enum {
    REPLY_TAIL_KEEP = 16,        /* bytes kept between reads: a marker cut in two */
    REPLY_MAX_SAMPLES = 65536,
    REPLY_TIMEOUT_MS = 60 * 1000 /* the whole workload */
};

struct replier {
    int left;                    /* replies still to ask for */
    int head_done, got_first;
    int64_t sent_ns;
};

static struct replier *repliers;
static int64_t first_ns[REPLY_MAX_SAMPLES], done_ns[REPLY_MAX_SAMPLES];
static size_t n_first, n_done;
static int reply_failures;
static uint64_t reply_expected;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of v[0..n), in ms; 0 if none. */
static double quantile_ms(int64_t *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    size_t rank = (size_t)(q * (double)n + 0.999999);
    rank = rank < 1 ? 1 : rank > n ? n : rank;
    return (double)v[rank - 1] / 1e6;
}

static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    }
    return NULL;
}

static void reply_input(struct bc *c);
static void reply_closed(struct bc *c);

static void reply_connect(struct bc *c)
{
    struct replier *r = c->user;
    char req[256];
    int n = snprintf(req, sizeof req, "POST /stream/reply HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s",
                     c->port, sizeof REPLY_MESSAGE - 1, REPLY_MESSAGE);
    r->head_done = 0;
    r->got_first = 0;
    r->sent_ns = now_ns();
    c->requests++;
    bc_send(c, req, (size_t)n);
}

/* This reply is over (done or failed): ask for the next, if any. */
static void reply_next(struct bc *c)
{
    struct replier *r = c->user;
    int port = c->port;
    bc_close(c);
    if (--r->left <= 0)
        return;
    struct bc *next = bc_open(port, reply_connect, reply_input, r);
    if (next == NULL) {
        reply_failures += r->left;
        r->left = 0;
        return;
    }
    next->on_close = reply_closed;
}

static void reply_closed(struct bc *c)
{
    reply_failures++;            /* closed before its done event */
    reply_next(c);
}

static void reply_input(struct bc *c)
{
    struct replier *r = c->user;
    int64_t now = now_ns();
    if (!r->head_done) {
        struct http_resp h;
        long n = http_resp_head(bbuf_ptr(&c->in), bbuf_len(&c->in), &h);
        if (n == 0)
            return;
        if (n < 0 || h.status != 200) {
            reply_failures++;
            reply_next(c);
            return;
        }
        bbuf_consume(&c->in, (size_t)n);
        r->head_done = 1;
    }
    const char *p = bbuf_ptr(&c->in);
    size_t len = bbuf_len(&c->in);
    if (!r->got_first && find(p, len, "data: ") != NULL) {
        r->got_first = 1;
        if (n_first < REPLY_MAX_SAMPLES)
            first_ns[n_first++] = now - r->sent_ns;
    }
    if (find(p, len, "event: done") != NULL) {
        if (n_done < REPLY_MAX_SAMPLES)
            done_ns[n_done++] = now - r->sent_ns;
        reply_next(c);
        return;
    }
    if (len > REPLY_TAIL_KEEP)
        bbuf_consume(&c->in, len - REPLY_TAIL_KEEP);
}

static int replies_over(void *arg)
{
    (void)arg;
    return n_done + (size_t)reply_failures >= reply_expected;
}

int wl_reply(int port, int clients, int replies, struct reply_result *r)
{
    memset(r, 0, sizeof *r);
    loop_reset();
    n_first = n_done = 0;
    reply_failures = 0;
    reply_expected = (uint64_t)clients * (uint64_t)replies;
    free(repliers);
    repliers = calloc((size_t)clients, sizeof *repliers);
    if (repliers == NULL)
        return -1;
    struct tech_counters before = wl_read_stats(port, "stream_reply");
    for (int i = 0; i < clients; i++) {
        repliers[i].left = replies;
        struct bc *c = bc_open(port, reply_connect, reply_input, &repliers[i]);
        if (c == NULL) {
            loop_close_all();
            return -1;
        }
        c->on_close = reply_closed;
    }
    loop_run(now_ns() + (int64_t)REPLY_TIMEOUT_MS * 1000000, replies_over, NULL);
    struct tech_counters after = wl_read_stats(port, "stream_reply");
    loop_close_all();

    r->expected = reply_expected;
    r->replies = n_done;
    r->first_p50_ms = quantile_ms(first_ns, n_first, 0.50);
    r->first_p99_ms = quantile_ms(first_ns, n_first, 0.99);
    r->done_p50_ms = quantile_ms(done_ns, n_done, 0.50);
    r->done_p99_ms = quantile_ms(done_ns, n_done, 0.99);
    if (before.ok && after.ok && after.deliveries > before.deliveries) {
        double d = (double)(after.deliveries - before.deliveries);
        r->requests_per_reply = (double)(after.requests - before.requests) / d;
        r->bytes_per_reply = (double)(after.bytes - before.bytes) / d;
    }
    r->ok = reply_failures == 0 && n_done == reply_expected;
    return r->ok ? 0 : -1;
}
