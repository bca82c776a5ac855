/*
 * teach/wire.c - the wire view (see teach/wire.h): a fixed ring of the
 * last bytes written per technique, and GET /wire?tech=NAME, which serves one ring
 * as JSON, base64-encoded (RFC 4648 section 4) so that every byte,
 * CR, LF, NUL and invalid UTF-8 included, arrives exactly.
 *
 * This is no technique of the article: it shows what the article's code
 * puts on the wire without saying so (the chunked framing Node adds to
 * res.write, the frame headers nodejs-websocket writes, the SSE field
 * lines), next to what ours writes.
 *
 * Cost on the write path: with -W, nothing (main installs no hook);
 * without, wire_on_queued() makes at most two memcpy()s of at most
 * WIRE_RING_BYTES in total and a few integer updates.  No allocation,
 * ever: the rings are static.
 */
#include "teach/wire.h"

#include <string.h>

#include "base64.h"
#include "net/stats.h"

/* ------------------------------------------------------------------ */
/* the ring (pure)                                                     */

size_t wire_ring_kept(const struct wire_ring *r)
{
    return r->total < WIRE_RING_BYTES ? (size_t)r->total : WIRE_RING_BYTES;
}

/* The newest segment, or NULL. */
static struct wire_segment *newest_segment(struct wire_ring *r)
{
    if (r->seg_count == 0)
        return NULL;
    size_t i = (r->seg_next + WIRE_MAX_SEGMENTS - 1) % WIRE_MAX_SEGMENTS;
    return &r->seg[i];
}

void wire_ring_record(struct wire_ring *r, uint64_t conn_id,
                      const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len == 0)
        return;

    /* Who wrote it: a run of the same connection grows its segment. */
    struct wire_segment *s = newest_segment(r);
    if (s != NULL && s->conn_id == conn_id && s->start + s->len == r->total) {
        s->len += len;
    } else {
        s = &r->seg[r->seg_next];
        s->conn_id = conn_id;
        s->start = r->total;
        s->len = len;
        r->seg_next = (r->seg_next + 1) % WIRE_MAX_SEGMENTS;
        if (r->seg_count < WIRE_MAX_SEGMENTS)
            r->seg_count++;
    }

    /* Only the last WIRE_RING_BYTES of a long write can stay. */
    if (len > WIRE_RING_BYTES) {
        r->total += len - WIRE_RING_BYTES;
        p += len - WIRE_RING_BYTES;
        len = WIRE_RING_BYTES;
    }
    size_t at = (size_t)(r->total % WIRE_RING_BYTES);
    size_t first = WIRE_RING_BYTES - at < len ? WIRE_RING_BYTES - at : len;
    memcpy(r->bytes + at, p, first);
    memcpy(r->bytes, p + first, len - first);
    r->total += len;
}

size_t wire_ring_copy(const struct wire_ring *r, unsigned char *out)
{
    size_t kept = wire_ring_kept(r);
    size_t at = (size_t)((r->total - kept) % WIRE_RING_BYTES);
    size_t first = WIRE_RING_BYTES - at < kept ? WIRE_RING_BYTES - at : kept;
    memcpy(out, r->bytes + at, first);
    memcpy(out + first, r->bytes, kept - first);
    return kept;
}

static int segment_json(struct buf *b, int comma, uint64_t conn, uint64_t len, int cut)
{
    return buf_printf(b, "%s{\"conn\":%llu,\"len\":%llu%s}", comma ? "," : "",
                      (unsigned long long)conn, (unsigned long long)len,
                      cut ? ",\"cut\":true" : "");
}

int wire_ring_json(const struct wire_ring *r, struct buf *b)
{
    static unsigned char bytes[WIRE_RING_BYTES];
    static char text[BASE64_ENCODED_SIZE(WIRE_RING_BYTES) + 1];
    size_t kept = wire_ring_copy(r, bytes);
    uint64_t window = r->total - kept;      /* stream offset of bytes[0] */
    base64_encode(bytes, kept, text);

    if (buf_printf(b, "\"capacity\":%d,\"bytes_total\":%llu,\"kept\":%zu,"
                   "\"base64\":\"%s\",\"segments\":[", WIRE_RING_BYTES,
                   (unsigned long long)r->total, kept, text) != 0)
        return -1;
    /* Oldest remembered segment first; bytes older than it (their
     * segment was forgotten) are one segment of an unknown connection. */
    size_t oldest = (r->seg_next + WIRE_MAX_SEGMENTS - r->seg_count) % WIRE_MAX_SEGMENTS;
    uint64_t pos = window;
    int comma = 0;
    for (size_t k = 0; k < r->seg_count; k++) {
        const struct wire_segment *s = &r->seg[(oldest + k) % WIRE_MAX_SEGMENTS];
        uint64_t end = s->start + s->len;
        if (end <= window)
            continue;                       /* wholly out of the ring */
        if (s->start > pos) {
            if (segment_json(b, comma, 0, s->start - pos, 1) != 0)
                return -1;
            comma = 1;
            pos = s->start;
        }
        if (segment_json(b, comma, s->conn_id, end - pos, s->start < pos) != 0)
            return -1;
        comma = 1;
        pos = end;
    }
    return buf_append_str(b, "]");
}

/* ------------------------------------------------------------------ */
/* the server's rings                                                  */

static int enabled = 1;
static struct wire_ring rings[TECH_COUNT];

void wire_set_enabled(int on)
{
    enabled = on;
}

void wire_on_queued(const struct conn *c, const void *data, size_t len)
{
    if ((unsigned)c->technique < TECH_COUNT)
        wire_ring_record(&rings[c->technique], c->id, data, len);
}

/* The 400 answer's text: every name tech= may take, from net/stats.c. */
static void respond_usage(struct conn *c)
{
    char usage[256];
    size_t n = (size_t)snprintf(usage, sizeof usage, "the tech parameter names a technique:");
    for (int t = 0; t < TECH_COUNT && n < sizeof usage; t++)
        n += (size_t)snprintf(usage + n, sizeof usage - n, "%s %s", t ? "," : "",
                              stats_technique_name((enum technique)t));
    conn_respond_error(c, 400, usage);
}

/* GET /wire?tech=NAME: {"tech":NAME,...wire_ring_json...}.  The answer
 * is written after the ring is read, so asking for tech=http shows the
 * answers before this one, never a half of itself. */
void wire_handle(struct conn *c, const struct http_request *req)
{
    char name[32];

    conn_count_request(c, TECH_HTTP);
    if (!enabled) {
        conn_respond_error(c, 404, "the wire view is off (the server runs with -W)");
        return;
    }
    long n = http_query_param(req->query, req->query_len, "tech", name, sizeof name);
    int tech = n > 0 ? stats_technique_by_name(name) : -1;
    if (tech < 0) {
        respond_usage(c);
        return;
    }
    struct buf b = { NULL, 0, 0, 2 * BASE64_ENCODED_SIZE(WIRE_RING_BYTES) + 64 * WIRE_MAX_SEGMENTS };
    int rc = buf_printf(&b, "{\"tech\":\"%s\",", name);
    rc |= wire_ring_json(&rings[tech], &b);
    rc |= buf_append_str(&b, "}\n");
    conn_respond_json_rendered(c, rc, &b);
}
