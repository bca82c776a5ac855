/*
 * net/stats.c - the counters behind GET /stats (see net/stats.h).
 */
#include "net/stats.h"

#include <string.h>

static struct stats counters;

static const char *const tech_names[TECH_COUNT] = {
    [TECH_HTTP] = "http", [TECH_SHORT_POLL] = "short_poll",
    [TECH_LONG_POLL] = "long_poll", [TECH_IFRAME_POLL] = "iframe_poll",
    [TECH_JSONP_POLL] = "jsonp_poll", [TECH_FOREVER_FRAME] = "forever_frame",
    [TECH_WEBSOCKET] = "websocket", [TECH_SSE] = "sse",
    [TECH_FETCH_STREAM] = "fetch_stream", [TECH_XHR_STREAM] = "xhr_stream",
    [TECH_STREAM_REPLY] = "stream_reply"
};

const struct stats *stats_get(void)
{
    return &counters;
}

void stats_count_request(enum technique tech)
{
    counters.requests[tech]++;
}

void stats_count_bytes(enum technique tech, size_t n)
{
    counters.bytes[tech] += (uint64_t)n;
}

void stats_count_delivery(enum technique tech)
{
    counters.deliveries[tech]++;
}

void stats_count_drop(const char *reason)
{
    for (size_t i = 0; i < STATS_MAX_DROP_REASONS; i++) {
        if (counters.drop_reasons[i] == NULL)
            counters.drop_reasons[i] = reason;
        if (strcmp(counters.drop_reasons[i], reason) == 0) {
            counters.drop_counts[i]++;
            return;
        }
    }
}

void stats_record_drop(const struct stats_drop *drop)
{
    stats_count_drop(drop->reason);
    counters.last_drop = *drop;
}

void stats_count_accepted(void)
{
    counters.accepted++;
}

void stats_count_refused(void)
{
    counters.refused++;
}

const char *stats_technique_name(enum technique tech)
{
    return (unsigned)tech < TECH_COUNT ? tech_names[tech] : "?";
}

int stats_technique_by_name(const char *name)
{
    for (int t = 0; t < TECH_COUNT; t++) {
        if (strcmp(tech_names[t], name) == 0)
            return t;
    }
    return -1;
}
