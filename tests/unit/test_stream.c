/*
 * test_stream.c - the pure half of stream.c (core/stream_proto.h): the query of
 * GET /stream and /stream/xhr, one NDJSON line per hub event, the notice
 * lines, counting and cutting UTF-8 characters, and the event-stream
 * pieces of POST /stream/reply.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/hub.h"
#include "core/stream_proto.h"
#include "tap.h"

/* ---- helpers ---- */

static int bytes_are(const struct buf *b, const char *want, const char *what)
{
    int good = b->len == strlen(want) && memcmp(b->data, want, b->len) == 0;
    tap_ok(good, "%s", what);
    if (!good)
        tap_diag("got '%.*s'", (int)b->len, b->data ? b->data : "");
    return good;
}

/* 1 if needle (a C string) occurs in b (memmem is not POSIX). */
static int contains(const struct buf *b, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= b->len; i++) {
        if (memcmp(b->data + i, needle, n) == 0)
            return 1;
    }
    return 0;
}

/* Parse a query; 0 or -1, the error text in err. */
static int parse(const char *query, int xhr, struct stream_query *q, char *err)
{
    err[0] = '\0';
    return stream_parse_query(query, query ? strlen(query) : 0, xhr, q, err, 128);
}

static void refused(const char *query, int xhr, const char *why_re, const char *what)
{
    struct stream_query q;
    char err[128];
    int rc = parse(query, xhr, &q, err);
    tap_ok(rc == -1 && strstr(err, why_re) != NULL, "%s -> 400 (%s)", what, err);
}

/* ---- the query ---- */

static void test_query(void)
{
    struct stream_query q;
    char err[128];

    tap_ok(parse(NULL, 0, &q, err) == 0 && !q.has_after && q.close_after == 0 && q.limit == 0,
           "no query: no cursor, no closeAfter, no limit for fetch");
    tap_ok(parse(NULL, 1, &q, err) == 0 && q.limit == STREAM_XHR_LIMIT_DEFAULT
           && q.limit == 131072, "no query on /stream/xhr: the default limit, 128 KiB");
    tap_ok(parse("after=0", 0, &q, err) == 0 && q.has_after && q.after == 0,
           "after=0 is a cursor (everything in the ring)");
    tap_ok(parse("closeAfter=3&after=42", 0, &q, err) == 0 && q.has_after && q.after == 42
           && q.close_after == 3, "after=42&closeAfter=3, in any order");
    tap_ok(parse("after=9999999999999999999", 0, &q, err) == 0 && q.after == 9999999999999999999u,
           "after= of 19 digits, the most a number may have");
    tap_ok(parse("limit=100", 0, &q, err) == 0 && q.limit == 0,
           "limit= on /stream (fetch) is ignored: no rotation there");
    tap_ok(parse("limit=100", 1, &q, err) == 0 && q.limit == 100, "limit=100 on /stream/xhr");
    tap_ok(parse("limit=16777216", 1, &q, err) == 0 && q.limit == STREAM_XHR_LIMIT_MAX,
           "limit=16777216, the largest");
    tap_ok(parse("other=x&after=5", 1, &q, err) == 0 && q.after == 5,
           "unknown parameters are ignored");
    tap_ok(parse("closeAfter=1000000", 0, &q, err) == 0 && q.close_after == 1000000,
           "closeAfter=1000000, the largest");

    refused("after=abc", 0, "after must be a decimal event id", "after=abc");
    refused("after=", 0, "after must be", "after= (empty)");
    refused("after=-1", 0, "after must be", "after=-1");
    refused("after=1.5", 0, "after must be", "after=1.5");
    refused("after=%ZZ", 0, "after must be", "after=%ZZ (bad escape)");
    refused("after=12345678901234567890", 0, "after must be", "after= of 20 digits");
    refused("closeAfter=0", 0, "closeAfter must be a number from 1 to 1000000", "closeAfter=0");
    refused("closeAfter=1000001", 0, "closeAfter must be", "closeAfter=1000001");
    refused("closeAfter=x", 1, "closeAfter must be", "closeAfter=x on /stream/xhr");
    refused("limit=0", 1, "limit must be a number of bytes from 1 to 16777216", "limit=0");
    refused("limit=16777217", 1, "limit must be", "limit=16777217");
    refused("limit=1k", 1, "limit must be", "limit=1k");
}

/* ---- lines ---- */

/* 1 if s[0..len) holds no byte of a line end a JSON or JavaScript
 * reader could split on: LF, CR, U+2028, U+2029. */
static int no_raw_line_end(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n' || s[i] == '\r')
            return 0;
        if ((unsigned char)s[i] == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80
            && ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9))
            return 0;
    }
    return 1;
}

static void test_lines(void)
{
    struct buf b = { NULL, 0, 0, 1 << 20 };
    hub_reset();
    const struct hub_event *ev = hub_publish(HUB_EVENT_MESSAGE, "hello", 5);
    stream_render_event(&b, ev);
    bytes_are(&b, "{\"id\":1,\"type\":\"message\",\"data\":\"hello\"}\n",
              "an event is its hub JSON and one LF");
    buf_free(&b);

    static const char hostile[] = "a\nb\rc\r\nd\xe2\x80\xa8" "e\xe2\x80\xa9" "f\"g\\h</script><!--i\x01";
    ev = hub_publish(HUB_EVENT_MESSAGE, hostile, sizeof hostile - 1);
    stream_render_event(&b, ev);
    tap_ok(b.len > 1 && b.data[b.len - 1] == '\n' && no_raw_line_end(b.data, b.len - 1),
           "a message with LF, CR, CRLF, U+2028, U+2029 stays one line");
    tap_ok(!contains(&b, "</script") && !contains(&b, "<!--"), "... with no </script or <!-- in it");
    tap_ok(contains(&b, "\"data\":\"a\\nb\\rc\\r\\nd\\u2028e\\u2029f\\\"g\\\\h"
                    "\\u003c/script\\u003e\\u003c!--i\\u0001\"}\n"),
           "... and its JSON string decodes to exactly what was published");
    buf_free(&b);

    char notice[STREAM_NOTICE_MAX];
    size_t n = stream_notice_missed(notice, 5, 40);
    tap_ok(n == 41 && memcmp(notice, "{\"notice\":\"missed\",\"missed\":5,\"last\":40}\n", n) == 0,
           "the missed notice");
    n = stream_notice_reset(notice, 7);
    tap_ok(n == 28 && memcmp(notice, "{\"notice\":\"reset\",\"last\":7}\n", n) == 0, "the reset notice");
    n = stream_notice_missed(notice, UINT64_MAX, UINT64_MAX);
    tap_ok(n < STREAM_NOTICE_MAX && notice[n - 1] == '\n', "the longest notice fits (%zu bytes)", n);

    struct buf small = { NULL, 0, 0, 8 };
    tap_ok(stream_render_event(&small, ev) == -1, "a full buffer is an error, not a cut line");
    buf_free(&small);
    hub_free_all();
}

/* ---- characters ---- */

static void test_chars(void)
{
    static const char s[] = "a\xe4\xb8\xad\xf0\x9f\x98\x80z";   /* a 中 😀 z */
    size_t len = sizeof s - 1;
    tap_ok(stream_utf8_chars(s, len) == 4, "a, 中, 😀, z: 4 characters in 9 bytes");
    tap_ok(stream_utf8_prefix(s, len, 0) == 0, "0 characters: 0 bytes");
    tap_ok(stream_utf8_prefix(s, len, 1) == 1, "1 character: 1 byte");
    tap_ok(stream_utf8_prefix(s, len, 2) == 4, "2: up to the end of 中 (never half of it)");
    tap_ok(stream_utf8_prefix(s, len, 3) == 8, "3: up to the end of 😀");
    tap_ok(stream_utf8_prefix(s, len, 99) == len, "more than there are: all of it");

    tap_ok(stream_reply_chars_per_piece(1) == 1, "a short reply: one character a piece");
    tap_ok(stream_reply_chars_per_piece(STREAM_REPLY_MAX_TICKS) == 1,
           "up to STREAM_REPLY_MAX_TICKS characters: one a piece");
    tap_ok(stream_reply_chars_per_piece(STREAM_REPLY_MAX_TICKS + 1) == 2, "one more: two a piece");
    size_t longest = HUB_MESSAGE_MAX_BYTES + 14;
    size_t per = stream_reply_chars_per_piece(longest);
    tap_ok((longest + per - 1) / per <= STREAM_REPLY_MAX_TICKS,
           "the longest reply still takes at most STREAM_REPLY_MAX_TICKS pieces (%zu a piece)", per);
}

/* ---- the reply's events ---- */

static void test_reply(void)
{
    struct buf b = { NULL, 0, 0, 4096 };
    stream_render_reply_piece(&b, "\xe6\x9c\x8d", 3);
    bytes_are(&b, "data: {\"text\":\"\xe6\x9c\x8d\"}\n\n", "a piece: one data line of JSON, then the blank line");
    buf_free(&b);
    stream_render_reply_piece(&b, "\r", 1);
    bytes_are(&b, "data: {\"text\":\"\\r\"}\n\n", "a CR arrives as a CR (\\r), not as a line end");
    buf_free(&b);
    stream_render_reply_piece(&b, "\n\n", 2);
    bytes_are(&b, "data: {\"text\":\"\\n\\n\"}\n\n", "LFs cannot end the data line or dispatch early");
    buf_free(&b);
    stream_render_reply_piece(&b, "\xe2\x80\xa8</script>\"", 13);
    bytes_are(&b, "data: {\"text\":\"\\u2028\\u003c/script\\u003e\\\"\"}\n\n",
              "U+2028, </script> and a quote are escaped");
    buf_free(&b);
    stream_render_reply_done(&b, 16, 44);
    bytes_are(&b, "event: done\ndata: {\"chars\":16,\"bytes\":44}\n\n",
              "the end: an event of its own type, with a data line so it is dispatched");
    buf_free(&b);
}

int main(void)
{
    test_query();
    test_lines();
    test_chars();
    test_reply();
    return tap_done();
}
