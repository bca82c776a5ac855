/*
 * net/replay.h - catching a stream up from its cursor: every event of
 * the hub's ring after it, sent as fast as the reader takes them and no
 * faster, then the live stream.  SSE (sse.c, Last-Event-ID) and the
 * fetch and XHR streams (stream.c, ?after=) resume this way.
 *
 * Why pace it: the ring holds up to HUB_RING_SIZE events of up to
 * HUB_MESSAGE_MAX_BYTES, far more than a connection may hold unsent
 * (CONN_OUTPUT_MAX).  Written all at once, a replay would get its own
 * reader dropped as a slow consumer.  So the replay stops while
 * REPLAY_HIGH_WATER bytes wait unsent, looks again every REPLAY_POLL_MS,
 * and goes on as the socket drains; a reader that takes nothing at all
 * for REPLAY_STALL_TIMEOUT_MS while paused is dropped.
 */
#ifndef REPLAY_H
#define REPLAY_H

#include <stdint.h>

#include "core/hub.h"
#include "net/conn.h"

enum {
    REPLAY_HIGH_WATER = CONN_OUTPUT_MAX / 2, /* pause while this much output is unsent */
    REPLAY_POLL_MS = 10,                     /* then look again this often */
    REPLAY_STALL_TIMEOUT_MS = 30 * 1000      /* a paused reader that takes nothing this
                                                long is dropped (clock_timeout) */
};

/* Where a stream's replay stands. */
struct replay {
    uint64_t next_id;          /* the next hub id the reader is due */
    uint64_t progress_bytes;   /* c->bytes_sent when last seen moving ... */
    int64_t progress_ms;       /* ... and when */
};

/* How a technique writes what the replay hands it.  Each returns 0, or
 * -1 when nothing more may be written (the stream ended, or the
 * connection is being dropped). */
struct replay_ops {
    /* One event of the ring. */
    int (*send_event)(struct conn *c, const struct hub_event *ev);
    /* `missed` events after the cursor already left the ring; the replay
     * goes on from id `first`. */
    int (*send_missed)(struct conn *c, uint64_t missed, uint64_t first);
};

/* A replay whose reader is due every event from next_id on. */
void replay_start(struct replay *r, uint64_t next_id);

/* The live event ev was sent: the cursor moves past it. */
void replay_sent(struct replay *r, const struct hub_event *ev);

/* Send what is due, from r->next_id to the hub's newest event.
 * REPLAY_CAUGHT_UP: nothing more is due (the stream is live);
 * REPLAY_PAUSED: the reader is behind, c's timer is set to look again;
 * REPLAY_STOPPED: a send said stop. */
enum replay_state { REPLAY_CAUGHT_UP, REPLAY_PAUSED, REPLAY_STOPPED };
enum replay_state replay_pump(struct conn *c, struct replay *r,
                              const struct replay_ops *ops);

/* 1 while events of the ring are still due. */
int replay_behind(const struct replay *r);

/* The timer of a paused replay: 1 if its reader has taken nothing for
 * REPLAY_STALL_TIMEOUT_MS (drop it), else 0 (pump again). */
int replay_stalled(const struct conn *c, struct replay *r);

#endif
