/*
 * core/stream_proto.c - the pure half of stream.c (see
 * core/stream_proto.h): the query of GET /stream and /stream/xhr, one
 * NDJSON line per event and the notices, UTF-8 characters, and the
 * streamed reply's events, written with core/sse_proto.c's event format.
 * No I/O and no global state: tests/unit/test_stream.c checks it byte by
 * byte.
 */
#include "core/stream_proto.h"

#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "core/http.h"
#include "core/sse_proto.h"

enum {
    /* One reply piece: a character is at most 6 bytes once JSON-escaped,
     * plus "data: {"text":""}" and the blank line. */
    STREAM_PIECE_OVERHEAD = 64
};

/* The type of the reply's last event. */
static const char reply_done_event[] = "done";

/* Read one decimal parameter into *out.  0 if absent (out untouched), 1
 * if read, -1 if present but not a number from 0 to max. */
static int number_param(const char *query, size_t len, const char *name,
                        uint64_t max, uint64_t *out)
{
    char value[STREAM_PARAM_MAX];
    uint64_t n;
    long got = http_query_param(query, len, name, value, sizeof value);
    if (got == -1)
        return 0;
    if (got < 0 || http_parse_u64(value, (size_t)got, &n) != 0 || n > max)
        return -1;
    *out = n;
    return 1;
}

int stream_parse_query(const char *query, size_t len, int xhr,
                       struct stream_query *q, char *error, size_t error_size)
{
    memset(q, 0, sizeof *q);
    q->limit = xhr ? STREAM_XHR_LIMIT_DEFAULT : 0;
    if (query == NULL)
        return 0;
    int rc = number_param(query, len, "after", UINT64_MAX, &q->after);
    if (rc < 0) {
        snprintf(error, error_size, "after must be a decimal event id");
        return -1;
    }
    q->has_after = rc;
    rc = number_param(query, len, "closeAfter", STREAM_CLOSE_AFTER_MAX, &q->close_after);
    if (rc < 0 || (rc == 1 && q->close_after == 0)) {
        snprintf(error, error_size, "closeAfter must be a number from 1 to %d",
                 STREAM_CLOSE_AFTER_MAX);
        return -1;
    }
    rc = xhr ? number_param(query, len, "limit", STREAM_XHR_LIMIT_MAX, &q->limit) : 0;
    if (rc < 0 || (rc == 1 && q->limit == 0)) {
        snprintf(error, error_size, "limit must be a number of bytes from 1 to %d",
                 STREAM_XHR_LIMIT_MAX);
        return -1;
    }
    return 0;
}

int stream_render_event(struct buf *b, const struct hub_event *ev)
{
    if (buf_append(b, ev->json, ev->json_len) != 0)
        return -1;
    return buf_append(b, "\n", 1);
}

size_t stream_notice_missed(char out[STREAM_NOTICE_MAX], uint64_t missed, uint64_t last)
{
    int n = snprintf(out, STREAM_NOTICE_MAX, "{\"notice\":\"missed\",\"missed\":%llu,\"last\":%llu}\n",
                     (unsigned long long)missed, (unsigned long long)last);
    return (size_t)n;
}

size_t stream_notice_reset(char out[STREAM_NOTICE_MAX], uint64_t last)
{
    int n = snprintf(out, STREAM_NOTICE_MAX, "{\"notice\":\"reset\",\"last\":%llu}\n",
                     (unsigned long long)last);
    return (size_t)n;
}

/* 1 for the first byte of a UTF-8 sequence (not 10xxxxxx). */
static int starts_char(unsigned char ch)
{
    return (ch & 0xC0) != 0x80;
}

size_t stream_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += (size_t)starts_char((unsigned char)s[i]);
    return n;
}

size_t stream_utf8_prefix(const char *s, size_t len, size_t chars)
{
    size_t seen = 0;   /* characters started before s[i] */
    for (size_t i = 0; i < len; i++) {
        if (!starts_char((unsigned char)s[i]))
            continue;
        if (seen == chars)
            return i;  /* the start of character number chars + 1 */
        seen++;
    }
    return len;
}

size_t stream_reply_chars_per_piece(size_t chars)
{
    if (chars <= STREAM_REPLY_MAX_TICKS)
        return 1;
    return (chars + STREAM_REPLY_MAX_TICKS - 1) / STREAM_REPLY_MAX_TICKS;
}

int stream_render_reply_piece(struct buf *b, const char *piece, size_t len)
{
    struct buf json = { NULL, 0, 0, len * 6 + STREAM_PIECE_OVERHEAD };
    int rc = -1;
    if (buf_append_str(&json, "{\"text\":") == 0
        && escape_json_string(&json, piece, len) == 0
        && buf_append(&json, "}", 1) == 0)
        rc = sse_format_event(b, NULL, 0, 0, json.data, json.len);
    buf_free(&json);
    return rc;
}

int stream_render_reply_done(struct buf *b, size_t chars, size_t bytes)
{
    char json[64];
    int n = snprintf(json, sizeof json, "{\"chars\":%zu,\"bytes\":%zu}", chars, bytes);
    return sse_format_event(b, reply_done_event, 0, 0, json, (size_t)n);
}
