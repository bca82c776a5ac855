/*
 * core/poll_proto.c - the pure half of polling, declared in
 * core/poll_proto.h; poll.c is the half that talks to the connection.
 *
 * The article's pollers fetch "/xxx/yyy" and leave the answer's shape to
 * the reader.  Here every form carries the same data object, and a
 * cursor ("after") makes consecutive polls seamless: each answer says
 * the last id it covered, the next poll asks for what came after it, so
 * no event still in the hub's ring is delivered twice or skipped.
 */
#include "core/poll_proto.h"

#include <string.h>

#include "core/escape.h"

/* ------------------------------------------------------------------ */
/* the query string                                                    */

static int is_ident_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
           || ch == '_' || ch == '$';
}

static int is_ident_char(char ch)
{
    return is_ident_start(ch) || (ch >= '0' && ch <= '9');
}

int poll_callback_is_valid(const char *s, size_t len)
{
    int at_start = 1;   /* at the first character of an identifier */

    if (len == 0 || len > POLL_CALLBACK_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (at_start)
                return 0;       /* ".a", "a..b" */
            at_start = 1;
        } else if (at_start ? is_ident_start(s[i]) : is_ident_char(s[i])) {
            at_start = 0;
        } else {
            return 0;
        }
    }
    return !at_start;           /* "a." */
}

static int parse_types(const char *v, int *types)
{
    if (strcmp(v, "all") == 0)
        *types = POLL_TYPE_ALL;
    else if (strcmp(v, "message") == 0)
        *types = POLL_TYPE_MESSAGE;
    else if (strcmp(v, "time") == 0)
        *types = POLL_TYPE_TIME;
    else
        return -1;
    return 0;
}

int poll_parse_query(const char *query, size_t len, struct poll_query *q,
                     const char **error)
{
    char v[HTTP_ORIGIN_MAX + 1];
    long n;
    uint64_t num;

    memset(q, 0, sizeof *q);
    q->types = POLL_TYPE_ALL;
    if (query == NULL) {
        query = "";
        len = 0;
    }

    n = http_query_param(query, len, "after", v, sizeof v);
    if (n != -1) {
        if (n < 0 || http_parse_u64(v, (size_t)n, &num) != 0) {
            *error = "after must be an event id: a decimal number";
            return -1;
        }
        q->has_after = 1;
        q->after = num;
    }
    n = http_query_param(query, len, "wait", v, sizeof v);
    if (n != -1) {
        if (n < 0 || http_parse_u64(v, (size_t)n, &num) != 0) {
            *error = "wait must be a number of seconds";
            return -1;
        }
        q->wait_s = num > POLL_MAX_WAIT_S ? POLL_MAX_WAIT_S : (unsigned)num;
    }
    n = http_query_param(query, len, "type", v, sizeof v);
    if (n != -1 && (n < 0 || parse_types(v, &q->types) != 0)) {
        *error = "type must be all, message or time";
        return -1;
    }
    n = http_query_param(query, len, "callback", q->callback, sizeof q->callback);
    if (n == -1) {
        q->callback[0] = '\0';
    } else if (n < 0 || !poll_callback_is_valid(q->callback, (size_t)n)) {
        q->callback[0] = '\0';
        *error = "callback must be a JavaScript name like JSONP.cb1 "
                 "(letters, digits, _ and $, dots between)";
        q->error_limit = POLL_CALLBACK_MAX;
        return -1;
    }
    n = http_query_param(query, len, "origin", q->origin, sizeof q->origin);
    if (n == -1) {
        q->origin[0] = '\0';
    } else if (n < 0 || !http_origin_is_valid(q->origin, (size_t)n)) {
        q->origin[0] = '\0';
        *error = "origin must be a page origin like http://127.0.0.1:3000";
        return -1;
    }
    return 0;
}

int poll_iframe_origin(const struct poll_query *q, const struct http_request *req,
                       char *out, size_t out_size)
{
    if (q->origin[0] != '\0') {
        size_t len = strlen(q->origin);
        if (len + 1 > out_size)
            return -1;
        memcpy(out, q->origin, len + 1);
        return 0;
    }
    /* Without origin=, the page is assumed to come from this server, as
     * the demo page does: its origin is this scheme, host and port. */
    return http_default_origin(req, out, out_size) < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* the answer                                                          */

static int wanted(const struct poll_query *q, const struct hub_event *ev)
{
    return (q->types & (1 << ev->type)) != 0;
}

/* The newest event of a wanted type still in the ring, or NULL. */
static const struct hub_event *newest_wanted(const struct poll_query *q)
{
    uint64_t first = hub_first_id();
    for (uint64_t id = hub_last_id(); id >= first && id > 0; id--) {
        const struct hub_event *ev = hub_get(id);
        if (ev != NULL && wanted(q, ev))
            return ev;
    }
    return NULL;
}

/* The "events" array and the cursor, without the surrounding object. */
static int render_events(struct buf *b, const struct poll_query *q,
                         struct poll_answer *a)
{
    uint64_t newest = hub_last_id();
    size_t start = b->len;

    if (buf_append_str(b, "\"events\":[") != 0)
        return -1;
    if (!q->has_after || q->after > newest) {
        /* A fresh client, or one whose cursor is from another server run. */
        const struct hub_event *ev = newest_wanted(q);
        a->reset = q->has_after;
        a->last = newest;
        if (ev != NULL) {
            if (buf_append(b, ev->json, ev->json_len) != 0)
                return -1;
            a->count = 1;
        }
        return buf_append_str(b, "]");
    }

    struct hub_range r = hub_after(q->after);   /* ARTICLE §1.1: what is new */
    a->missed = r.missed;
    a->last = r.first - 1;
    for (uint64_t id = r.first; id <= r.last; id++) {
        const struct hub_event *ev = hub_get(id);
        if (ev == NULL)
            return -1;                  /* cannot happen: ids have no gaps */
        if (wanted(q, ev)) {
            if (a->count > 0 && b->len - start + ev->json_len + 1 > POLL_ANSWER_MAX_BYTES) {
                a->more = 1;
                break;
            }
            if ((a->count > 0 && buf_append(b, ",", 1) != 0)
                || buf_append(b, ev->json, ev->json_len) != 0)
                return -1;
            a->count++;
        }
        a->last = id;
    }
    return buf_append_str(b, "]");
}

/* {"events":[...],"last":M,...}: the data object every form carries. */
static int render_object(struct buf *b, const struct poll_query *q,
                         struct poll_answer *a)
{
    if (buf_append_str(b, "{") != 0 || render_events(b, q, a) != 0
        || buf_printf(b, ",\"last\":%llu", (unsigned long long)a->last) != 0)
        return -1;
    if (a->missed > 0
        && buf_printf(b, ",\"missed\":%llu", (unsigned long long)a->missed) != 0)
        return -1;
    if (a->reset && buf_append_str(b, ",\"reset\":true") != 0)
        return -1;
    if (a->more && buf_append_str(b, ",\"more\":true") != 0)
        return -1;
    return buf_append_str(b, "}");
}

/* ARTICLE §1.2 基于Iframe的轮询: "fill" an HTML document with the data
 * and let its script hand the data to the page that framed it.  The
 * object literal is the hub's JSON, whose strings escape < > & and
 * U+2028/U+2029, so no message can close the <script> element or open
 * an HTML comment in it; the origin passed http_origin_is_valid() and
 * goes through the same escaping anyway. */
static int render_iframe(struct buf *b, const struct poll_query *q,
                         const char *origin, struct poll_answer *a)
{
    if (buf_append_str(b, "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                          "<title>poll</title></head><body>\n<script>\n"
                          "parent.postMessage(") != 0
        || render_object(b, q, a) != 0
        || buf_append_str(b, ", ") != 0
        || escape_json_string(b, origin, strlen(origin)) != 0)
        return -1;
    return buf_append_str(b, ");\n</script>\n</body></html>\n");
}

/* ARTICLE §1.2 基于Jsonp的轮询: a script that calls the page's callback
 * with the data.  The leading empty comment keeps the body from starting
 * with bytes the caller chose: some old plug-ins (the 2014 "Rosetta
 * Flash" attack) sniffed a response that began with a crafted callback
 * name as their own content. */
static int render_jsonp(struct buf *b, const struct poll_query *q,
                        struct poll_answer *a)
{
    if (buf_printf(b, "/**/%s(", q->callback) != 0 || render_object(b, q, a) != 0)
        return -1;
    return buf_append_str(b, ");\n");
}

int poll_render(struct buf *b, enum poll_form form, const struct poll_query *q,
                const char *origin, struct poll_answer *a)
{
    memset(a, 0, sizeof *a);
    switch (form) {
    case POLL_FORM_IFRAME:
        return render_iframe(b, q, origin, a);
    case POLL_FORM_JSONP:
        return render_jsonp(b, q, a);
    case POLL_FORM_JSON:
    default:
        if (render_object(b, q, a) != 0)
            return -1;
        return buf_append_str(b, "\n");
    }
}

/* ------------------------------------------------------------------ */
/* the tickets                                                         */

static int task_live(const struct poll_task *t, int64_t now_ms)
{
    return t->id[0] != '\0' && now_ms < t->expires_ms;
}

struct poll_task *poll_task_create(struct poll_task_table *t, const char *id,
                                   int64_t now_ms)
{
    struct poll_task *slot = &t->slot[0];

    for (size_t i = 0; i < POLL_TASK_MAX; i++) {
        struct poll_task *s = &t->slot[i];
        if (!task_live(s, now_ms)) {
            slot = s;
            break;
        }
        if (s->expires_ms < slot->expires_ms)
            slot = s;
    }
    memcpy(slot->id, id, POLL_TASK_ID_LEN);
    slot->id[POLL_TASK_ID_LEN] = '\0';
    slot->expires_ms = now_ms + POLL_TASK_TTL_MS;
    slot->confirmed = 0;
    return slot;
}

struct poll_task *poll_task_find(struct poll_task_table *t, const char *id,
                                 size_t len, int64_t now_ms)
{
    if (len != POLL_TASK_ID_LEN)
        return NULL;
    for (size_t i = 0; i < POLL_TASK_MAX; i++) {
        struct poll_task *s = &t->slot[i];
        if (task_live(s, now_ms) && memcmp(s->id, id, len) == 0)
            return s;
    }
    return NULL;
}
