/*
 * core/hub.c - see core/hub.h.
 *
 * The ring holds the last HUB_RING_SIZE events; event `id` lives in
 * slot id % HUB_RING_SIZE.  Because ids have no gaps, "is id N still
 * here?" is just first_id <= N <= last_id, and catching a client up is a
 * walk from its cursor to the newest id.  None of the article's servers
 * keep history: a client that blinks misses what was sent meanwhile.
 * The ring is what lets every technique here resume without loss.
 */
#include "core/hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/mem.h"

static struct hub_event ring[HUB_RING_SIZE];
static uint64_t last_id;   /* 0 before the first event */

static void event_free(struct hub_event *ev)
{
    mem_free(ev->data);
    mem_free(ev->json);
    memset(ev, 0, sizeof *ev);
}

void hub_free_all(void)
{
    for (size_t i = 0; i < HUB_RING_SIZE; i++)
        event_free(&ring[i]);
}

void hub_reset(void)
{
    hub_free_all();
    last_id = 0;
}

const char *hub_type_name(enum hub_event_type type)
{
    return type == HUB_EVENT_TIME ? "time" : "message";
}

/* Render {"id":N,"type":"...","data":"..."} once, for every technique. */
static char *render_json(uint64_t id, enum hub_event_type type,
                         const char *data, size_t len, size_t *json_len)
{
    /* Worst case: every byte becomes \u00XX (6 bytes), plus the frame. */
    struct buf b = { NULL, 0, 0, len * 6 + 128 };
    if (buf_printf(&b, "{\"id\":%llu,\"type\":\"%s\",\"data\":",
                   (unsigned long long)id, hub_type_name(type)) != 0
        || escape_json_string(&b, data, len) != 0
        || buf_append(&b, "}", 2) != 0) {   /* 2: the NUL too */
        buf_free(&b);
        return NULL;
    }
    *json_len = b.len - 1;
    return b.data;
}

const struct hub_event *hub_publish(enum hub_event_type type,
                                    const char *data, size_t len)
{
    uint64_t id = last_id + 1;
    size_t json_len = 0;
    char *copy = mem_alloc(len + 1);
    char *json = render_json(id, type, data, len, &json_len);
    if (copy == NULL || json == NULL) {
        mem_free(copy);
        mem_free(json);
        return NULL;
    }
    memcpy(copy, data, len);
    copy[len] = '\0';

    struct hub_event *ev = &ring[id % HUB_RING_SIZE];
    event_free(ev);            /* the oldest event leaves the ring */
    ev->id = id;
    ev->type = type;
    ev->data = copy;
    ev->data_len = len;
    ev->json = json;
    ev->json_len = json_len;
    last_id = id;
    return ev;
}

uint64_t hub_last_id(void)
{
    return last_id;
}

uint64_t hub_first_id(void)
{
    if (last_id == 0)
        return 1;
    if (last_id < HUB_RING_SIZE)
        return 1;
    return last_id - HUB_RING_SIZE + 1;
}

const struct hub_event *hub_get(uint64_t id)
{
    if (id == 0 || id > last_id || id < hub_first_id())
        return NULL;
    return &ring[id % HUB_RING_SIZE];
}

struct hub_range hub_after(uint64_t after)
{
    struct hub_range r;
    uint64_t first = hub_first_id();

    r.last = last_id;
    r.missed = 0;
    if (after >= last_id) {
        r.first = last_id + 1;   /* nothing due (or a cursor from the future) */
        return r;
    }
    r.first = after + 1;
    if (r.first < first) {
        r.missed = first - r.first;
        r.first = first;
    }
    return r;
}
