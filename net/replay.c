/*
 * net/replay.c - catching a stream up from its cursor, paced by its
 * reader (see net/replay.h).
 */
#include "net/replay.h"

#include "net/clock.h"

void replay_start(struct replay *r, uint64_t next_id)
{
    r->next_id = next_id;
    r->progress_bytes = 0;
    r->progress_ms = clock_now_ms();
}

void replay_sent(struct replay *r, const struct hub_event *ev)
{
    r->next_id = ev->id + 1;
}

int replay_behind(const struct replay *r)
{
    return r->next_id <= hub_last_id();
}

enum replay_state replay_pump(struct conn *c, struct replay *r,
                              const struct replay_ops *ops)
{
    while (replay_behind(r)) {
        if (conn_pending(c) >= REPLAY_HIGH_WATER) {
            conn_set_timer(c, clock_now_ms() + REPLAY_POLL_MS);
            return REPLAY_PAUSED;
        }
        const struct hub_event *ev = hub_get(r->next_id);
        if (ev == NULL) {                    /* overtaken by the ring */
            struct hub_range range = hub_after(r->next_id - 1);
            r->next_id = range.first;
            if (ops->send_missed(c, range.missed, range.first) != 0)
                return REPLAY_STOPPED;
            continue;
        }
        r->next_id = ev->id + 1;
        if (ops->send_event(c, ev) != 0)
            return REPLAY_STOPPED;
    }
    return REPLAY_CAUGHT_UP;
}

int replay_stalled(const struct conn *c, struct replay *r)
{
    int64_t now = clock_now_ms();
    if (c->bytes_sent != r->progress_bytes) {
        r->progress_bytes = c->bytes_sent;
        r->progress_ms = now;
        return 0;
    }
    return now - r->progress_ms >= clock_timeout(REPLAY_STALL_TIMEOUT_MS);
}
