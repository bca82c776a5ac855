/*
 * teach/article.h - article mode (./server --article-mode, or -A): the article's
 * own code, bugs included, on routes of its own under /article/, so a
 * reader can watch each bug happen beside our fix (www/article-mode.html).
 * Without the flag every /article/ route answers 404, and the safe routes
 * never change behaviour either way.  See article.c.
 */
#ifndef ARTICLE_H
#define ARTICLE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "routes.h"

enum {
    /* The article's setInterval()s that are never cleared keep "writing"
     * after their client left.  We do not keep the dead socket: each one
     * becomes a ghost that only counts the writes it would have made.
     * At most this many are counted at once; beyond, the oldest is
     * retired (its count frozen into the total). */
    ARTICLE_GHOSTS_MAX = 64,
    /* A ghost stops counting after this long (the article's would run
     * until the process exits). */
    ARTICLE_GHOST_LIFETIME_MS = 10 * 60 * 1000,
    ARTICLE_TICK_MS = 1000,               /* the article's setInterval period */
    ARTICLE_UNFRAMED_TICK_MS = 250,       /* sped up: the framing exhibit */
    ARTICLE_UNFRAMED_WRITES = 3,          /* writes before that exhibit ends */
    ARTICLE_CALLBACK_MAX = 1024,          /* bytes of an echoed JSONP callback */
    ARTICLE_DATE_MAX = 96                 /* a JavaScript Date string */
};

/* The /article/ routes: 404 unless article mode is on. */
route_handler article_handle_state, article_handle_sse, article_handle_frame;
route_handler article_handle_jsonp, article_handle_unframed;

/* Turn article mode on (server.c, for --article-mode / -A). */
void article_mode_set(int on);
int article_mode_on(void);

/* One leaked interval: it would have run `writes_per_tick` res.write()s
 * of `bytes_per_tick` bytes in all, every `interval_ms`, from
 * `first_tick_ms` on (monotonic), until `first_tick_ms` +
 * ARTICLE_GHOST_LIFETIME_MS. */
struct article_ghost {
    const char *what;          /* "sseStream" or "iframeLongConnection" */
    int64_t first_tick_ms;
    int64_t interval_ms;
    unsigned writes_per_tick;
    size_t bytes_per_tick;
};

/* Pure: the ticks a ghost has made by `now_ms` (bounded by its lifetime). */
uint64_t article_ghost_ticks(const struct article_ghost *g, int64_t now_ms);

/* Pure: what JavaScript's String(new Date()) gives for `t` in the local
 * time zone, e.g. "Wed Nov 26 2025 08:27:00 GMT+0800 (CST)" (the zone's
 * name is the C library's abbreviation, not V8's long name).  Returns
 * the length, 0 if it did not fit. */
size_t article_js_date(char *out, size_t size, time_t t);

#endif
