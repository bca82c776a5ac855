/*
 * core/hub.h - the event hub that every technique delivers from.
 *
 * The hub is a ring of the most recent events.  An event has an id (1, 2,
 * 3, ... with no gaps), a type ("time" for the clock, "message" for a
 * published text) and its UTF-8 data.  Each event is rendered once, when
 * it is published, as the JSON object all techniques share:
 *
 *     {"id":7,"type":"message","data":"hello"}
 *
 * A client that remembers the last id it saw asks for "everything after
 * id N" (a poll cursor, an SSE Last-Event-ID) and gets every event still
 * in the ring, in order, none twice; if N is older than the ring holds it
 * is told how many it missed.
 *
 * core/hub.c only stores events.  Handing each new event to the
 * connections that wait for it is the loop's job (loop_publish in
 * net/loop.c), so the hub can be tested on its own.
 */
#ifndef HUB_H
#define HUB_H

#include <stddef.h>
#include <stdint.h>

enum {
    HUB_RING_SIZE = 1024,         /* events kept for catching up */
    HUB_MESSAGE_MAX_BYTES = 16384 /* a published message's UTF-8 text */
};

enum hub_event_type { HUB_EVENT_TIME, HUB_EVENT_MESSAGE };

struct hub_event {
    uint64_t id;
    enum hub_event_type type;
    char *data;             /* UTF-8, NUL-terminated, data_len bytes */
    size_t data_len;
    char *json;             /* {"id":..,"type":..,"data":..}, NUL-terminated */
    size_t json_len;
};

/* What "everything after id N" resolves to. */
struct hub_range {
    uint64_t first;    /* first id to deliver (if first <= last) */
    uint64_t last;     /* newest id in the hub (0 if none yet) */
    uint64_t missed;   /* events after N that have already left the ring */
};

/* Empty the hub (ids start again at 1). */
void hub_reset(void);

/* Store a new event and return it, or NULL if out of memory.  The data
 * must already be valid UTF-8 of at most HUB_MESSAGE_MAX_BYTES. */
const struct hub_event *hub_publish(enum hub_event_type type,
                                    const char *data, size_t len);

/* The event with this id while it is in the ring, else NULL. */
const struct hub_event *hub_get(uint64_t id);

/* Newest id (0 before the first event) and oldest id still held. */
uint64_t hub_last_id(void);
uint64_t hub_first_id(void);

/* Resolve "after id N": which ids to deliver and how many were missed.
 * A cursor newer than the newest event (a client of an earlier server
 * run) is treated as "after the newest": nothing missed, nothing due. */
struct hub_range hub_after(uint64_t after);

/* "time" or "message". */
const char *hub_type_name(enum hub_event_type type);

/* Free every event (used at exit so leak checkers see a clean heap). */
void hub_free_all(void);

#endif
