/*
 * test_sse.c - the pure parts of sse.c: sse_format_event(),
 * sse_format_comment() and sse_parse_cursor().
 *
 * The writer is checked twice: against the exact bytes expected, and by
 * feeding its output to a small independent parser written here from the
 * WHATWG HTML steps ("Parsing an event stream", "Interpreting an event
 * stream", "dispatch the event"), which must give back exactly one event
 * with the original data, whatever line ends the data holds.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/sse_proto.h"
#include "tap.h"

enum { MAX_EVENTS = 8, FIELD_MAX = 4096 };

/* ---- a reference event-stream parser (the spec's steps) ---- */

struct parsed_event {
    char type[64];
    char data[FIELD_MAX];
    char last_id[64];
};

struct parser {
    char data[FIELD_MAX];
    size_t data_len;
    char type[64];
    char id_buffer[64];     /* the "last event ID buffer": kept across events */
    struct parsed_event events[MAX_EVENTS];
    int n_events;
    int n_comments;
    long retry;
};

static void copy_field(char *dst, size_t dst_size, const char *v, size_t n)
{
    if (n >= dst_size)
        n = dst_size - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static void dispatch(struct parser *p)
{
    if (p->data_len == 0) {          /* step: empty data buffer -> no event */
        p->type[0] = '\0';
        return;
    }
    p->data_len--;                   /* remove the last LF */
    if (p->n_events < MAX_EVENTS) {
        struct parsed_event *e = &p->events[p->n_events++];
        copy_field(e->type, sizeof e->type, p->type[0] ? p->type : "message",
                   strlen(p->type[0] ? p->type : "message"));
        copy_field(e->data, sizeof e->data, p->data, p->data_len);
        copy_field(e->last_id, sizeof e->last_id, p->id_buffer, strlen(p->id_buffer));
    }
    p->data_len = 0;
    p->type[0] = '\0';
}

static void process_line(struct parser *p, const char *line, size_t n)
{
    if (n == 0) {
        dispatch(p);
        return;
    }
    if (line[0] == ':') {
        p->n_comments++;
        return;
    }
    const char *colon = memchr(line, ':', n);
    size_t name_len = colon ? (size_t)(colon - line) : n;
    const char *value = colon ? colon + 1 : line + n;
    size_t value_len = colon ? n - name_len - 1 : 0;
    if (value_len > 0 && value[0] == ' ') {
        value++;
        value_len--;
    }
    if (name_len == 5 && memcmp(line, "event", 5) == 0) {
        copy_field(p->type, sizeof p->type, value, value_len);
    } else if (name_len == 4 && memcmp(line, "data", 4) == 0) {
        if (p->data_len + value_len + 1 < sizeof p->data) {
            memcpy(p->data + p->data_len, value, value_len);
            p->data_len += value_len;
            p->data[p->data_len++] = '\n';
        }
    } else if (name_len == 2 && memcmp(line, "id", 2) == 0) {
        if (memchr(value, '\0', value_len) == NULL)
            copy_field(p->id_buffer, sizeof p->id_buffer, value, value_len);
    } else if (name_len == 5 && memcmp(line, "retry", 5) == 0) {
        p->retry = strtol(value, NULL, 10);
    }
}

static void parse_stream(struct parser *p, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\r' && s[i] != '\n')
            continue;
        process_line(p, s + start, i - start);
        if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    /* an incomplete last line is discarded, as at the end of a stream */
}

/* ---- helpers ---- */

static int format_is(const char *event, int has_id, uint64_t id,
                     const char *data, size_t len, const char *want,
                     const char *what)
{
    struct buf b = { NULL, 0, 0, 65536 };
    int rc = sse_format_event(&b, event, has_id, id, data, len);
    int good = rc == 0 && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
    tap_ok(good, "%s", what);
    if (!good)
        tap_diag("got %d '%.*s'", rc, (int)b.len, b.data ? b.data : "");
    buf_free(&b);
    return good;
}

/* Format data, parse it back: one event, same data, same id. */
static void round_trip(const char *data, size_t len, const char *want_data,
                       const char *what)
{
    struct buf b = { NULL, 0, 0, 65536 };
    static struct parser p;
    memset(&p, 0, sizeof p);
    sse_format_event(&b, NULL, 1, 42, data, len);
    parse_stream(&p, b.data, b.len);
    int good = p.n_events == 1 && strcmp(p.events[0].data, want_data) == 0
               && strcmp(p.events[0].last_id, "42") == 0
               && strcmp(p.events[0].type, "message") == 0;
    tap_ok(good, "round trip: %s", what);
    if (!good)
        tap_diag("events %d, data '%s'", p.n_events,
                 p.n_events ? p.events[0].data : "");
    buf_free(&b);
}

static void test_format(void)
{
    format_is(NULL, 1, 7, "hello", 5, "id: 7\ndata: hello\n\n", "id and data");
    format_is("testEvent", 1, 0, "x", 1, "event: testEvent\nid: 0\ndata: x\n\n",
              "event, id 0, data");
    format_is(NULL, 0, 0, "x", 1, "data: x\n\n", "no id field without has_id");
    format_is(NULL, 1, UINT64_MAX, "x", 1, "id: 18446744073709551615\ndata: x\n\n",
              "the largest id");
    format_is(NULL, 1, 1, "", 0, "id: 1\ndata: \n\n",
              "empty data still writes one data line (so it dispatches)");
    format_is(NULL, 1, 1, "a\nb", 3, "id: 1\ndata: a\ndata: b\n\n", "LF splits");
    format_is(NULL, 1, 1, "a\rb", 3, "id: 1\ndata: a\ndata: b\n\n", "CR splits");
    format_is(NULL, 1, 1, "a\r\nb", 4, "id: 1\ndata: a\ndata: b\n\n",
              "CRLF is one line end, not two");
    format_is(NULL, 1, 1, "a\n\rb", 4, "id: 1\ndata: a\ndata: \ndata: b\n\n",
              "LF CR is two line ends");
    format_is(NULL, 1, 1, "a\n", 2, "id: 1\ndata: a\ndata: \n\n",
              "a trailing line end keeps an empty last line");
    format_is(NULL, 1, 1, " x", 2, "id: 1\ndata:  x\n\n",
              "a leading space survives (data: + space + line)");
    format_is(NULL, 1, 1, "\n\nid: 9\n\ndata: evil", 19,
              "id: 1\ndata: \ndata: \ndata: id: 9\ndata: \ndata: data: evil\n\n",
              "an injection attempt stays inside data lines");
}

static void test_bad_names(void)
{
    struct buf b = { NULL, 0, 0, 1024 };
    tap_ok(sse_format_event(&b, "a\nb", 1, 1, "x", 1) == -1, "event name with LF refused");
    tap_ok(sse_format_event(&b, "a\rb", 1, 1, "x", 1) == -1, "event name with CR refused");
    tap_ok(sse_format_event(&b, "a:b", 1, 1, "x", 1) == -1, "event name with ':' refused");
    tap_ok(sse_format_event(&b, "", 1, 1, "x", 1) == -1, "empty event name refused");
    tap_ok(b.len == 0, "nothing written for a refused name");
    char longname[SSE_EVENT_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    tap_ok(sse_format_event(&b, longname, 1, 1, "x", 1) == -1, "over-long event name refused");
    buf_free(&b);

    struct buf tiny = { NULL, 0, 0, 10 };
    tap_ok(sse_format_event(&tiny, NULL, 1, 1, "0123456789", 10) == -1,
           "a full buffer is reported, not overrun");
    tap_ok(tiny.len <= 10, "and the cap held");
    buf_free(&tiny);
}

static void test_round_trips(void)
{
    round_trip("hello", 5, "hello", "plain text");
    round_trip("a\r\nb\rc\nd", 8, "a\nb\nc\nd", "CRLF, CR and LF all become LF");
    round_trip("\n", 1, "\n", "a lone LF");
    round_trip("\r\n\r\n", 4, "\n\n", "blank lines cannot dispatch early");
    round_trip("x\n\nevent: other\ndata: y\n\n", 25,
               "x\n\nevent: other\ndata: y\n\n", "a forged second event stays data");
    round_trip("  two spaces", 12, "  two spaces", "leading spaces kept");
    round_trip(":not a comment", 14, ":not a comment", "a leading colon is data, not a comment");
    round_trip("\xe4\xbd\xa0\xe5\xa5\xbd", 6, "\xe4\xbd\xa0\xe5\xa5\xbd", "UTF-8 text");
    round_trip("", 0, "", "empty data dispatches an empty message");

    /* Every byte string of length <= 3 over { a, CR, LF, ' ', ':' }. */
    static const char alphabet[] = "a\r\n :";
    int all_good = 1;
    for (int len = 0; len <= 3; len++) {
        int total = 1;
        for (int i = 0; i < len; i++)
            total *= 5;
        for (int k = 0; k < total; k++) {
            char s[4], want[8];
            size_t w = 0;
            int v = k;
            for (int i = 0; i < len; i++) {
                s[i] = alphabet[v % 5];
                v /= 5;
            }
            for (int i = 0; i < len; i++) {   /* CRLF and CR read as LF */
                if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
                    continue;
                want[w++] = s[i] == '\r' ? '\n' : s[i];
            }
            want[w] = '\0';
            struct buf b = { NULL, 0, 0, 1024 };
            static struct parser p;
            memset(&p, 0, sizeof p);
            sse_format_event(&b, NULL, 1, 3, s, (size_t)len);
            parse_stream(&p, b.data, b.len);
            if (p.n_events != 1 || strcmp(p.events[0].data, want) != 0)
                all_good = 0;
            buf_free(&b);
        }
    }
    tap_ok(all_good, "every short string of a, CR, LF, space, ':' round-trips as one event");
}

/* The article's own stream (§5.3), through the reference parser: its
 * testEvent never fires and its data arrives as "message". */
static void test_article_stream(void)
{
    static const char article[] =
        "retry: 10000\n"
        "event: testEvent\n"
        "id: testId\n\n"
        "data: Thu Jan 01 2025\n\n"
        "event: message\n"
        "id: messageId\n\n"
        "data: Thu Jan 01 2025\n\n";
    static struct parser p;
    memset(&p, 0, sizeof p);
    parse_stream(&p, article, sizeof article - 1);
    tap_ok(p.retry == 10000, "article: retry read");
    tap_ok(p.n_events == 2, "article: two events dispatched, not four");
    tap_ok(strcmp(p.events[0].type, "message") == 0,
           "article: the first one is a plain message, not testEvent");
    tap_ok(strcmp(p.events[0].last_id, "testId") == 0,
           "article: ... carrying the id \"testId\" from the empty block");

    struct buf b = { NULL, 0, 0, 1024 };
    memset(&p, 0, sizeof p);
    sse_format_event(&b, "testEvent", 1, 5, "hi", 2);
    parse_stream(&p, b.data, b.len);
    tap_ok(p.n_events == 1 && strcmp(p.events[0].type, "testEvent") == 0,
           "ours: testEvent is dispatched as testEvent");
    buf_free(&b);
}

static void test_comment(void)
{
    struct buf b = { NULL, 0, 0, 64 };
    tap_ok(sse_format_comment(&b, "keep-alive") == 0
           && b.len == 14 && memcmp(b.data, ": keep-alive\n\n", 14) == 0,
           "comment line");
    static struct parser p;
    memset(&p, 0, sizeof p);
    parse_stream(&p, b.data, b.len);
    tap_ok(p.n_comments == 1 && p.n_events == 0, "a comment dispatches nothing");
    buf_free(&b);
    tap_ok(sse_format_comment(&b, "a\nb") == -1, "comment with LF refused");
    tap_ok(sse_format_comment(&b, "a\rb") == -1, "comment with CR refused");
    buf_free(&b);
}

/* An event or comment formatted into a buffer whose cap is any size
 * short of the whole fails (-1): never a cut event, which a parser would
 * read as a different one.  Every cap from 0 up is tried. */
static void test_caps(void)
{
    struct buf whole = { NULL, 0, 0, 1024 };
    int all = sse_format_event(&whole, "testEvent", 1, 42, "a\nb\r\nc", 6) == 0;
    for (size_t max = 0; all && max < whole.len; max++) {
        struct buf b = { NULL, 0, 0, max };
        all = sse_format_event(&b, "testEvent", 1, 42, "a\nb\r\nc", 6) == -1;
        buf_free(&b);
    }
    tap_ok(all, "an event fails at every cap short of its %zu bytes", whole.len);
    buf_free(&whole);
    struct buf small = { NULL, 0, 0, 13 };
    tap_ok(sse_format_comment(&small, "keep-alive") == -1 && small.len == 0,
           "a comment one byte past the cap fails, nothing written");
    buf_free(&small);
}

static void test_cursor(void)
{
    uint64_t id = 99;
    tap_ok(sse_parse_cursor(NULL, 0, &id) == SSE_CURSOR_NONE, "absent: none");
    tap_ok(sse_parse_cursor("", 0, &id) == SSE_CURSOR_NONE, "empty: none");
    tap_ok(sse_parse_cursor("  \t", 3, &id) == SSE_CURSOR_NONE, "blank: none");
    tap_ok(sse_parse_cursor("42", 2, &id) == SSE_CURSOR_ID && id == 42, "42");
    tap_ok(sse_parse_cursor("0", 1, &id) == SSE_CURSOR_ID && id == 0, "0");
    tap_ok(sse_parse_cursor(" 7 ", 3, &id) == SSE_CURSOR_ID && id == 7,
           "surrounding spaces ignored");
    tap_ok(sse_parse_cursor("testId", 6, &id) == SSE_CURSOR_INVALID,
           "the article's testId is not ours");
    tap_ok(sse_parse_cursor("-1", 2, &id) == SSE_CURSOR_INVALID, "negative");
    tap_ok(sse_parse_cursor("8\t", 2, &id) == SSE_CURSOR_ID && id == 8, "a trailing tab ignored");
    tap_ok(sse_parse_cursor("+1", 2, &id) == SSE_CURSOR_INVALID, "plus sign");
    tap_ok(sse_parse_cursor("1 2", 3, &id) == SSE_CURSOR_INVALID, "inner space");
    tap_ok(sse_parse_cursor("0x10", 4, &id) == SSE_CURSOR_INVALID, "hex");
    tap_ok(sse_parse_cursor("99999999999999999999999", 23, &id) == SSE_CURSOR_INVALID,
           "too many digits");
    tap_ok(sse_parse_cursor("5\0", 2, &id) == SSE_CURSOR_INVALID, "embedded NUL");
    /* byte by byte: every prefix of a valid id is valid or empty */
    const char *s = "1234567";
    int good = 1;
    for (size_t n = 1; n <= 7; n++)
        good &= sse_parse_cursor(s, n, &id) == SSE_CURSOR_ID;
    tap_ok(good && id == 1234567, "every prefix of 1234567 parses");
}

int main(void)
{
    test_format();
    test_bad_names();
    test_round_trips();
    test_article_stream();
    test_comment();
    test_caps();
    test_cursor();
    return tap_done();
}
