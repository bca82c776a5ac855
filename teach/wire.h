/*
 * teach/wire.h - the wire view: the last bytes the server wrote, per technique.
 *
 * What a reader of the article cannot see is what actually travels on
 * the wire: status lines, chunk sizes, the forever frame's prelude and
 * escapes, SSE field lines, WebSocket frame headers.  The loop hands
 * every byte it queues for sending to the observer main installs,
 * wire_on_queued() (one bounded copy, nothing else), which keeps the last WIRE_RING_BYTES of them for each
 * technique in a fixed ring, together with which connection wrote which
 * run of them.  GET /wire?tech=NAME serves one ring as JSON; the pages'
 * www/wire.js decodes it.  ./server -W turns all of it off.
 *
 * The bytes are those appended to a connection's output buffer: what the
 * server handed over for sending.  A connection dropped before its
 * buffer drained never sent its last ones.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "net/conn.h"
#include "routes.h"

enum {
    WIRE_RING_BYTES = 4096,     /* bytes kept per technique */
    WIRE_MAX_SEGMENTS = 128     /* runs of one connection's bytes remembered per technique */
};

/* A run of bytes written by one connection, contiguous in the ring. */
struct wire_segment {
    uint64_t conn_id;           /* the connection's serial number (struct conn id) */
    uint64_t start;             /* offset of its first byte in the ring's stream */
    uint64_t len;
};

/* One technique's ring.  The byte at stream offset o lives at
 * bytes[o % WIRE_RING_BYTES]; the ring holds the last
 * min(total, WIRE_RING_BYTES) of them.  Fixed size: it never grows. */
struct wire_ring {
    unsigned char bytes[WIRE_RING_BYTES];
    uint64_t total;             /* bytes ever recorded */
    struct wire_segment seg[WIRE_MAX_SEGMENTS];
    size_t seg_next;            /* where the next new segment goes */
    size_t seg_count;           /* segments in use, at most WIRE_MAX_SEGMENTS */
};

/* ---- pure: the ring itself (unit-tested in tests/unit/test_wire.c) ---- */

/* Record len bytes written by connection conn_id.  Copies at most
 * WIRE_RING_BYTES bytes, whatever len is. */
void wire_ring_record(struct wire_ring *r, uint64_t conn_id,
                      const void *data, size_t len);

/* Bytes the ring holds now: min(total, WIRE_RING_BYTES). */
size_t wire_ring_kept(const struct wire_ring *r);

/* Copy the kept bytes, oldest first, into out (WIRE_RING_BYTES bytes
 * available).  Returns how many. */
size_t wire_ring_copy(const struct wire_ring *r, unsigned char *out);

/* Append the ring as the members of a JSON object (no braces):
 * "capacity":4096,"bytes_total":N,"kept":K,"base64":"...",
 * "segments":[{"conn":C,"len":L[,"cut":true]},...]
 * The segments cover the kept bytes in order; the first is "cut" when
 * its earlier bytes have left the ring, and has conn 0 when the
 * connection that wrote it is no longer remembered.  0, or -1 if b is
 * full. */
int wire_ring_json(const struct wire_ring *r, struct buf *b);

/* ---- the server's rings ---- */

/* On by default; ./server -W turns recording and GET /wire off. */
void wire_set_enabled(int on);

/* The connection layer's observer hook (struct conn_observer's queued,
 * installed by main): record bytes queued on c, under its technique. */
void wire_on_queued(const struct conn *c, const void *data, size_t len);

route_handler wire_handle;

#endif
