/*
 * core/sse_proto.c - the pure half of Server-Sent Events (see
 * core/sse_proto.h): writing one event in the text/event-stream format,
 * and reading a client's resume cursor.  No I/O and no global state, so
 * both are unit-tested byte by byte (tests/unit/test_sse.c) and fuzzed
 * (fuzz/fuzz_sse_event.c, fuzz/fuzz_cursor.c).  sse.c (GET /sseStream)
 * and stream.c (the streamed reply over POST) write their events with it.
 */
#include "core/sse_proto.h"

#include <string.h>

#include "core/http.h"

static int name_is_valid(const char *name)
{
    size_t n = strlen(name);
    return n >= 1 && n <= SSE_EVENT_NAME_MAX && strcspn(name, "\r\n:") == n;
}

/* The length of the line that starts at data[0], and (in *eol) the bytes
 * of its line end: 2 for CRLF, 1 for CR or LF, 0 at the end of data. */
static size_t line_length(const char *data, size_t len, size_t *eol)
{
    size_t n = 0;
    while (n < len && data[n] != '\r' && data[n] != '\n')
        n++;
    if (n == len)
        *eol = 0;
    else if (data[n] == '\r' && n + 1 < len && data[n + 1] == '\n')
        *eol = 2;
    else
        *eol = 1;
    return n;
}

int sse_format_event(struct buf *b, const char *event, int has_id,
                     uint64_t id, const char *data, size_t len)
{
    if (event != NULL && !name_is_valid(event))
        return -1;
    if (event != NULL && buf_printf(b, "event: %s\n", event) != 0)
        return -1;
    if (has_id && buf_printf(b, "id: %llu\n", (unsigned long long)id) != 0)
        return -1;
    /* One data line per line.  A line end at the very end of data still
     * starts one more (empty) line, so "a\n" round-trips as "a\n": the
     * parser joins data lines with LF and removes only the last LF. */
    size_t pos = 0;
    for (;;) {
        size_t eol;
        size_t n = line_length(data + pos, len - pos, &eol);
        if (buf_append(b, "data: ", 6) != 0 || buf_append(b, data + pos, n) != 0
            || buf_append(b, "\n", 1) != 0)
            return -1;
        pos += n + eol;
        if (eol == 0)
            break;
    }
    return buf_append(b, "\n", 1);   /* the blank line: dispatch */
}

int sse_format_comment(struct buf *b, const char *text)
{
    if (strcspn(text, "\r\n") != strlen(text))
        return -1;
    if (buf_printf(b, ": %s\n\n", text) != 0)
        return -1;
    return 0;
}

enum sse_cursor sse_parse_cursor(const char *value, size_t len, uint64_t *id)
{
    if (value == NULL)
        return SSE_CURSOR_NONE;
    while (len > 0 && (value[0] == ' ' || value[0] == '\t')) {
        value++;
        len--;
    }
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    if (len == 0)
        return SSE_CURSOR_NONE;
    if (http_parse_u64(value, len, id) != 0)
        return SSE_CURSOR_INVALID;
    return SSE_CURSOR_ID;
}
