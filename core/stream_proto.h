/*
 * core/stream_proto.h - the pure half of stream.c (HTTP streaming over
 * fetch() and XHR, and the streamed reply to a POST): reading the query,
 * rendering one NDJSON line or notice, cutting a reply into characters
 * and rendering its event-stream pieces.
 *
 * Pure means no I/O and no global state, so tests/unit/test_stream.c
 * drives it byte by byte.
 *
 * NDJSON (the "newline-delimited JSON" convention, ndjson.org): one JSON
 * text per line, each line ending in LF, no LF inside a line.  The hub's
 * event JSON already has no raw LF, CR, U+2028 or U+2029 in it
 * (core/escape.h), so it is written as it is.
 */
#ifndef STREAM_PROTO_H
#define STREAM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/hub.h"

enum {
    /* GET /stream/xhr ends its response at the first event boundary
     * once the body has passed this many bytes, and the page opens the
     * next one with its cursor: XHR's responseText keeps every byte of
     * a response, so an endless one is an endless allocation in the
     * browser.  The default is SockJS's response_limit. */
    STREAM_XHR_LIMIT_DEFAULT = 128 * 1024,
    STREAM_XHR_LIMIT_MAX = 16 * 1024 * 1024,   /* largest ?limit= */
    STREAM_CLOSE_AFTER_MAX = 1000000,          /* largest ?closeAfter= */
    STREAM_PARAM_MAX = 32,                     /* bytes of a parameter we read */
    STREAM_NOTICE_MAX = 96,                    /* bytes of a notice line */

    /* POST /stream/reply: one piece every STREAM_REPLY_TICK_MS.  A piece
     * is one character, as a chat page shows a reply typed out, but no
     * reply takes more than STREAM_REPLY_MAX_TICKS pieces: a long
     * message is sent several characters a piece (at most 12 s). */
    STREAM_REPLY_TICK_MS = 30,
    STREAM_REPLY_MAX_TICKS = 400
};

/* The query of GET /stream and GET /stream/xhr. */
struct stream_query {
    int has_after;          /* after= was given */
    uint64_t after;         /* the last id the client has */
    uint64_t close_after;   /* end after this many events (0: never) */
    uint64_t limit;         /* XHR: the rotation limit in body bytes */
};

/* Decode ?after=N&closeAfter=N (and for XHR &limit=BYTES; every part
 * optional, unknown parameters ignored; limit defaults to
 * STREAM_XHR_LIMIT_DEFAULT for XHR and is 0, none, for fetch).  0 on
 * success; -1 with a sentence for the 400 answer written to error. */
int stream_parse_query(const char *query, size_t len, int xhr,
                       struct stream_query *q, char *error, size_t error_size);

/* Append one NDJSON line: the event's JSON and LF.  0, or -1 if b is full. */
int stream_render_event(struct buf *b, const struct hub_event *ev);

/* Write a notice line into out (STREAM_NOTICE_MAX bytes), a JSON object
 * with no "id" (so a client that reads events by id passes over it):
 *
 *   {"notice":"missed","missed":K,"last":L}   K events after the client's
 *                                             cursor left the ring
 *   {"notice":"reset","last":L}               the cursor was newer than
 *                                             every event (an earlier run)
 *
 * L is the id the stream goes on after: the client's new cursor.  Returns
 * the line's length (it always fits: two 20-digit numbers at most). */
size_t stream_notice_missed(char out[STREAM_NOTICE_MAX], uint64_t missed, uint64_t last);
size_t stream_notice_reset(char out[STREAM_NOTICE_MAX], uint64_t last);

/* The number of characters (code points) in valid UTF-8 s[0..len). */
size_t stream_utf8_chars(const char *s, size_t len);

/* The bytes taken by the first `chars` characters of valid UTF-8
 * s[0..len) (all of it if it has fewer). */
size_t stream_utf8_prefix(const char *s, size_t len, size_t chars);

/* Characters per piece for a reply of `chars` characters: 1 up to
 * STREAM_REPLY_MAX_TICKS characters, then as many as keep the number of
 * pieces at STREAM_REPLY_MAX_TICKS. */
size_t stream_reply_chars_per_piece(size_t chars);

/* Append one piece of a reply as an event-stream event of the default
 * type, its data one line of JSON:
 *
 *     data: {"text":"<the piece, JSON-escaped>"}
 *     <blank line>
 *
 * JSON, not the text itself: the event-stream parser turns CR, LF and
 * CRLF alike into LF, so a reply holding a CR would not arrive as sent.
 * 0, or -1 if b is full. */
int stream_render_reply_piece(struct buf *b, const char *piece, size_t len);

/* Append the last event, of its own type, with a data line (an event
 * with none is never dispatched: the article's testEvent, §5.3):
 *
 *     event: done
 *     data: {"chars":N,"bytes":M}
 *     <blank line>
 *
 * N characters and M bytes of UTF-8 were sent before it. */
int stream_render_reply_done(struct buf *b, size_t chars, size_t bytes);

#endif
