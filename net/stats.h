/*
 * net/stats.h - the counters behind GET /stats: requests, bytes and
 * deliveries per technique, dropped connections by reason and the latest
 * drop, accepted and refused connections.
 *
 * Only counting lives here; the connection layer and the loop count, and
 * server.c's /stats handler reads them with stats_get() and renders the
 * JSON (with the loop's open connections, which only the loop knows).
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>

/* What a connection's requests and bytes are counted under in /stats,
 * and what the wire view (/wire?tech=) keeps bytes for. */
enum technique {
    TECH_HTTP,           /* static files, /publish, /stats */
    TECH_SHORT_POLL,
    TECH_LONG_POLL,
    TECH_IFRAME_POLL,
    TECH_JSONP_POLL,
    TECH_FOREVER_FRAME,
    TECH_WEBSOCKET,
    TECH_SSE,
    TECH_FETCH_STREAM,
    TECH_XHR_STREAM,
    TECH_STREAM_REPLY,
    TECH_COUNT
};

enum {
    STATS_MAX_DROP_REASONS = 16  /* distinct reasons counted (the code has about ten) */
};

/* The latest dropped connection, for the fault buttons. */
struct stats_drop {
    const char *reason;          /* NULL until the first drop */
    enum technique technique;
    uint64_t conn_id;
    int64_t after_ms;            /* how long the connection had been open */
    int64_t at_ms;               /* monotonic time of the drop */
};

struct stats {
    uint64_t requests[TECH_COUNT];
    uint64_t bytes[TECH_COUNT];
    uint64_t deliveries[TECH_COUNT];
    const char *drop_reasons[STATS_MAX_DROP_REASONS];  /* in first-seen order; NULL after the last */
    uint64_t drop_counts[STATS_MAX_DROP_REASONS];
    struct stats_drop last_drop;
    uint64_t accepted;
    uint64_t refused;
};

/* Everything counted so far. */
const struct stats *stats_get(void);

void stats_count_request(enum technique tech);
void stats_count_bytes(enum technique tech, size_t n);
/* An event delivered to one client of a technique. */
void stats_count_delivery(enum technique tech);
/* A connection ended for `reason` (a string literal: it is kept). */
void stats_count_drop(const char *reason);
/* The same, remembered as the latest drop. */
void stats_record_drop(const struct stats_drop *drop);
void stats_count_accepted(void);
void stats_count_refused(void);

/* The name a technique has in /stats and /wire ("sse", "long_poll" ...),
 * "?" for a value out of range. */
const char *stats_technique_name(enum technique tech);
/* The technique of that name, or -1. */
int stats_technique_by_name(const char *name);

#endif
