/*
 * core/sse_proto.h - the pure half of Server-Sent Events: writing one
 * event in the text/event-stream format, and reading a client's resume
 * cursor (sse.c serves the stream; stream.c's POST reply uses the format).
 *
 * Pure means no I/O and no global state, so both are unit-tested byte by
 * byte (tests/unit/test_sse.c) and can be fuzzed.  The format is WHATWG
 * HTML, "Server-sent events", section "Parsing an event stream":
 *
 *     stream = [ bom ] *event
 *     event  = *( comment / field ) end-of-line
 *     field  = 1*name-char [ colon [ space ] *any-char ] end-of-line
 *     end-of-line = ( cr lf / cr / lf )
 *
 * A line is a field "name: value"; one space after the colon is dropped
 * by the parser; a blank line dispatches the event; a line starting with
 * ':' is a comment.  CR, LF and CRLF all end a line.
 */
#ifndef SSE_PROTO_H
#define SSE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum {
    SSE_EVENT_NAME_MAX = 64    /* bytes of an event type we write */
};

/* Append one event to b:
 *
 *     event: <event>        (only if event is not NULL)
 *     id: <id>              (only if has_id)
 *     data: <line 1>
 *     data: <line 2>        (one data line per line of data)
 *     <blank line>
 *
 * data (len bytes, UTF-8) is split at CRLF, LF and CR, the parser's own
 * line ends, so no byte of it can end the data field early, start another
 * field or dispatch a second event.  Every data line is written as
 * "data: " + line: the parser drops the one space after the colon, so a
 * line that itself begins with a space keeps it.  Empty data is written
 * as one "data: " line, so the event still dispatches (an event whose
 * data buffer is empty is dropped by the parser).  A NUL in data is kept
 * (it is just a character to the parser).
 *
 * The event name must be 1..SSE_EVENT_NAME_MAX bytes with no CR, LF, NUL
 * or ':' (it is written verbatim); the id is a number, so it can never
 * hold the CR, LF or NUL that the parser forbids in ids.
 *
 * Returns 0, or -1 if the name is not acceptable or b is full (b may then
 * hold part of the event: give the caller a fresh buffer per event). */
int sse_format_event(struct buf *b, const char *event, int has_id,
                     uint64_t id, const char *data, size_t len);

/* Append a comment line (": text" and a blank line).  The text must not
 * hold CR or LF.  Returns 0, or -1 if it does or b is full. */
int sse_format_comment(struct buf *b, const char *text);

/* What a client's resume cursor (a Last-Event-ID header value, or the
 * lastEventId query parameter) says. */
enum sse_cursor {
    SSE_CURSOR_NONE,    /* absent or empty: a new client, start live */
    SSE_CURSOR_ID,      /* a hub id: resume after it */
    SSE_CURSOR_INVALID  /* not an id this server ever sent */
};

/* Parse a cursor value of len bytes (value may be NULL when absent).
 * Only a decimal number is an id (our ids are numbers; "testId", the
 * article's id, is not one).  Leading and trailing spaces and tabs are
 * ignored, as HTTP does for field values. */
enum sse_cursor sse_parse_cursor(const char *value, size_t len, uint64_t *id);

#endif
