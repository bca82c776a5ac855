/*
 * bench/workloads.h - what the bench measures.  Each workload runs
 * against a server already listening on `port` and fills a result; it
 * opens its own client connections and closes them all before returning.
 *
 * Message marker: every message the bench publishes is the text
 *
 *     BENCH<seq>_<ns>Z
 *
 * (seq counts from 0; ns is the client's CLOCK_MONOTONIC at publish
 * time).  It is plain ASCII, so it reaches every technique's wire
 * unchanged (JSON, HTML script, SSE data line, WebSocket text), and a
 * receiver finds it in the bytes of its technique's answer and computes
 * the delivery latency from the timestamp in the message itself.
 */
#ifndef BENCH_WORKLOADS_H
#define BENCH_WORKLOADS_H

#include <stdint.h>

/* The seven techniques of the article and the two streams that correct
 * its §2, as the latency table lists them. */
enum tech {
    T_SHORT_POLL, T_LONG_POLL, T_IFRAME_POLL, T_JSONP_POLL,
    T_FOREVER_FRAME, T_WS_HUB, T_SSE, T_FETCH_STREAM, T_XHR_STREAM, T_COUNT
};

extern const char *const tech_label[T_COUNT];   /* "short poll", ... */
extern const char *const tech_stats[T_COUNT];   /* its /stats key */

enum {
    SHORT_POLL_INTERVAL_MS = 200,  /* a short poller's period (the article's
                                      pages use 5 s; the latency is about
                                      half of it on average, whatever it is) */
    LONG_POLL_WAIT_S = 25,         /* wait= of the long polls, as the pages */
    READY_TIMEOUT_MS = 20 * 1000,  /* every client connected and waiting */
    MESSAGE_TIMEOUT_MS = 2000,     /* a fan-out message not delivered to all
                                      by then is counted as lost */
    ECHO_PAYLOAD_BYTES = 64,       /* as the peer figures */
    ECHO_MAX_DEPTH = 64,
    STATIC_CONNECTIONS = 50        /* as `wrk -c50` in the issue */
};

/* Delivery latency of one technique to N subscribers, publishing with
 * POST /publish every spacing_ms. */
struct latency_result {
    double p50_ms, p99_ms;
    uint64_t delivered, expected, duplicates;
    double requests_per_msg;   /* server's /stats: requests / deliveries */
    double bytes_per_msg;      /* server's /stats: bytes / deliveries */
    int ok;                    /* every subscriber got ready */
};
int wl_latency(int port, enum tech t, int subscribers, int messages,
               int spacing_ms, struct latency_result *r);

/* Fan-out throughput: one message at a time, the next once all N got it
 * (or after MESSAGE_TIMEOUT_MS).  /hub publishes with a WebSocket text
 * message on a publisher connection; /sseStream with POST /publish. */
enum fanout_kind { FANOUT_WS_HUB, FANOUT_SSE };
struct rate_result {
    double per_s;              /* messages (echo), deliveries (fan-out), requests (static) */
    double p50_us, p99_us;     /* round trip or delivery latency */
    double last_p50_us, last_p99_us;   /* fan-out: per message, publish to
                                          its last subscriber's receipt */
    uint64_t count, lost;
    int ok;
};
int wl_fanout(int port, enum fanout_kind kind, int subscribers, int duration_ms,
              struct rate_result *r);

/* WebSocket echo on /testSocket: `conns` connections, each keeping
 * `depth` ECHO_PAYLOAD_BYTES text messages in flight. */
int wl_echo(int port, int conns, int depth, int duration_ms, struct rate_result *r);

/* Keep-alive GET of `path` on STATIC_CONNECTIONS connections, one
 * request in flight each. */
int wl_static(int port, const char *path, int duration_ms, struct rate_result *r);

/* Streamed replies (POST /stream/reply): `clients` clients, each asking
 * for `replies` replies one after the other (a reply is the last
 * response on its connection, so each is a new one).  The message is
 * REPLY_MESSAGE; its reply is paced by the server (STREAM_REPLY_TICK_MS
 * per character), so what is measured is the time to the first piece and
 * to the done event, and what each reply cost in requests and bytes. */
#define REPLY_MESSAGE "BENCH"
enum { REPLY_PREFIX_CHARS = 14 };   /* 服务端已收到信息，您的信息是, before the message */
struct reply_result {
    double first_p50_ms, first_p99_ms;   /* POST sent -> the first piece read */
    double done_p50_ms, done_p99_ms;     /* POST sent -> the done event read */
    uint64_t replies, expected;
    double requests_per_reply, bytes_per_reply;   /* server's /stats */
    int ok;
};
int wl_reply(int port, int clients, int replies, struct reply_result *r);

/* A technique's counters from the server's /stats (ok = 0 if unread). */
struct tech_counters { unsigned long long requests, bytes, deliveries; int ok; };
struct tech_counters wl_read_stats(int port, const char *tech);

/* Open `conns` idle connections (WebSocket /testSocket or /sseStream),
 * and report how much the server's RSS grew per connection. */
enum idle_kind { IDLE_WS, IDLE_SSE };
struct idle_result {
    double kib_per_conn;
    long rss_before_kib, rss_after_kib;
    int conns;
    int ok;
};
struct server_proc;
int wl_idle(const struct server_proc *s, enum idle_kind kind, int conns,
            struct idle_result *r);

#endif
