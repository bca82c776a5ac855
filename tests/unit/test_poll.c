/*
 * test_poll.c - the pure half of polling (poll.h): callback names, the
 * query string, the iframe's target origin, the cursor rules of an
 * answer, and the ticket table.
 */
#include <stdio.h>
#include <string.h>

#include "core/poll_proto.h"
#include "tap.h"

static int callback_ok(const char *s)
{
    return poll_callback_is_valid(s, strlen(s));
}

static void test_callbacks(void)
{
    static const char *const good[] = {
        "f", "cb", "_", "$", "$jq1", "JSONP.cb1", "a.b.c", "_a$.B9",
        "x234567890123456789012345678901234567890123456789012345678901234" /* 64 */
    };
    static const char *const bad[] = {
        "", "1a", "a.", ".a", "a..b", "a.1b", "alert(1)", "a b", "a;b",
        "a-b", "a[0]", "a'b", "a\"b", "</script>", "a\nb", "a/**/", "\xc3\xa9", "a{", "a@",
        "x2345678901234567890123456789012345678901234567890123456789012345" /* 65 */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        tap_ok(callback_ok(good[i]), "callback '%s' is accepted", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!tap_ok(!callback_ok(bad[i]), "hostile callback #%zu is refused", i))
            tap_diag("accepted: %s", bad[i]);
    tap_ok(!poll_callback_is_valid("ab\0c", 4), "a NUL inside the callback is refused");
}

static int parse(const char *query, struct poll_query *q, const char **error)
{
    *error = NULL;
    return poll_parse_query(query, query ? strlen(query) : 0, q, error);
}

static void test_query(void)
{
    struct poll_query q;
    const char *error;

    tap_ok(parse(NULL, &q, &error) == 0 && !q.has_after && q.wait_s == 0
           && q.types == POLL_TYPE_ALL && q.callback[0] == '\0' && q.origin[0] == '\0',
           "no query: no cursor, no wait, all types");
    tap_ok(parse("after=42&wait=10", &q, &error) == 0 && q.has_after && q.after == 42
           && q.wait_s == 10, "after=42&wait=10");
    tap_ok(parse("after=0", &q, &error) == 0 && q.has_after && q.after == 0, "after=0 is a cursor");
    tap_ok(parse("wait=3600", &q, &error) == 0 && q.wait_s == POLL_MAX_WAIT_S,
           "wait above the maximum is lowered to %d", POLL_MAX_WAIT_S);
    tap_ok(parse("wait=99999999999999999999999", &q, &error) == -1 && error != NULL,
           "wait that overflows is refused");
    tap_ok(parse("after=-1", &q, &error) == -1 && strstr(error, "after") != NULL,
           "after=-1 is refused, naming after");
    tap_ok(parse("after=1x", &q, &error) == -1, "after=1x is refused");
    tap_ok(parse("type=all", &q, &error) == 0 && q.types == POLL_TYPE_ALL, "type=all: every type");
    tap_ok(parse("after=", &q, &error) == -1, "after= (empty) is refused");
    tap_ok(parse("after=%zz", &q, &error) == -1, "a bad percent escape is refused");
    tap_ok(parse("type=message", &q, &error) == 0 && q.types == POLL_TYPE_MESSAGE, "type=message");
    tap_ok(parse("type=time", &q, &error) == 0 && q.types == POLL_TYPE_TIME, "type=time");
    tap_ok(parse("type=bogus", &q, &error) == -1, "type=bogus is refused");
    tap_ok(parse("callback=JSONP.cb7", &q, &error) == 0 && strcmp(q.callback, "JSONP.cb7") == 0,
           "callback is kept");
    tap_ok(parse("callback=alert%281%29", &q, &error) == -1 && q.callback[0] == '\0'
           && strstr(error, "callback") != NULL,
           "a percent-encoded hostile callback is refused after decoding");
    tap_ok(parse("origin=http%3A%2F%2F127.0.0.1%3A3000", &q, &error) == 0
           && strcmp(q.origin, "http://127.0.0.1:3000") == 0, "origin is decoded and kept");
    tap_ok(parse("origin=*", &q, &error) == -1 && q.origin[0] == '\0', "origin=* is refused");
    tap_ok(parse("origin=http://a.b/%22;alert(1)//", &q, &error) == -1,
           "an origin with a path and quotes is refused");
    tap_ok(parse("x=1&after=5&y=2", &q, &error) == 0 && q.after == 5,
           "unknown parameters are ignored");
}

static void test_iframe_origin(void)
{
    struct poll_query q;
    const char *error;
    struct http_request req;
    char out[HTTP_ORIGIN_MAX + 1];
    static const char good[] = "GET /poll/iframe HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n";
    static const char evil[] = "GET /poll/iframe HTTP/1.1\r\nHost: a\"b\r\n\r\n";

    parse("origin=https://example.org", &q, &error);
    tap_ok(http_parse_request(good, sizeof good - 1, 0, &req) > 0
           && poll_iframe_origin(&q, &req, out, sizeof out) == 0
           && strcmp(out, "https://example.org") == 0, "origin= wins over Host");
    parse("", &q, &error);
    tap_ok(poll_iframe_origin(&q, &req, out, sizeof out) == 0
           && strcmp(out, "http://127.0.0.1:3000") == 0, "without origin=, http:// + Host");
    /* The parser refuses such a Host (RFC 9112 3.2); poll_iframe_origin
     * checks again, so give it the value past the parser. */
    tap_ok(http_parse_request(evil, sizeof evil - 1, 0, &req) == -400, "the parser refuses a Host with a quote");
    tap_ok(http_parse_request(good, sizeof good - 1, 0, &req) > 0, "parse a good request");
    req.headers[0].value = "a\"b";
    req.headers[0].value_len = 3;
    tap_ok(poll_iframe_origin(&q, &req, out, sizeof out) == -1,
           "a Host with a quote is no origin");
    static const char absolute[] = "GET http://127.0.0.1:4000/poll/iframe HTTP/1.1\r\nHost: other:1\r\n\r\n";
    tap_ok(http_parse_request(absolute, sizeof absolute - 1, 0, &req) > 0
           && poll_iframe_origin(&q, &req, out, sizeof out) == 0
           && strcmp(out, "http://127.0.0.1:4000") == 0,
           "absolute-form: the default origin is the target's host, not Host (RFC 9112 3.2.2)");
    parse("origin=https://example.org", &q, &error);
    tap_ok(poll_iframe_origin(&q, &req, out, sizeof "https://example.org" - 1) == -1,
           "an origin= that does not fit the caller's buffer is refused, not cut");
    parse("", &q, &error);
    tap_ok(poll_iframe_origin(&q, &req, out, sizeof "http://127.0.0.1:4000" - 1) == -1,
           "a default origin that does not fit is refused, not cut");
}

/* Render q in JSON form into a static string. */
static const char *render(const char *query, struct poll_answer *a)
{
    static char out[POLL_ANSWER_MAX_BYTES * 2];
    struct poll_query q;
    const char *error;
    struct buf b = { NULL, 0, 0, sizeof out - 1 };

    if (parse(query, &q, &error) != 0 || poll_render(&b, POLL_FORM_JSON, &q, "", a) != 0) {
        buf_free(&b);
        return "(error)";
    }
    memcpy(out, b.data, b.len - 1);   /* without the final newline */
    out[b.len - 1] = '\0';
    buf_free(&b);
    return out;
}

static void publish(enum hub_event_type type, const char *text)
{
    hub_publish(type, text, strlen(text));
}

static void test_render(void)
{
    struct poll_answer a;
    const char *s;

    hub_reset();
    s = render("", &a);
    tap_ok(strcmp(s, "{\"events\":[],\"last\":0}") == 0, "empty hub: %s", s);
    publish(HUB_EVENT_MESSAGE, "one");
    publish(HUB_EVENT_TIME, "12:00:00");
    publish(HUB_EVENT_MESSAGE, "three");
    publish(HUB_EVENT_TIME, "12:00:01");

    s = render("", &a);
    tap_ok(strcmp(s, "{\"events\":[{\"id\":4,\"type\":\"time\",\"data\":\"12:00:01\"}],\"last\":4}") == 0,
           "no cursor: only the newest event: %s", s);
    s = render("type=message", &a);
    tap_ok(strcmp(s, "{\"events\":[{\"id\":3,\"type\":\"message\",\"data\":\"three\"}],\"last\":4}") == 0,
           "no cursor, messages: the newest message, last is the newest id: %s", s);
    s = render("after=1", &a);
    tap_ok(a.count == 3 && a.last == 4 && a.missed == 0 && strstr(s, "\"id\":2") != NULL
           && strstr(s, "\"id\":1,") == NULL, "after=1: events 2..4, last 4");
    s = render("after=1&type=message", &a);
    tap_ok(a.count == 1 && a.last == 4 && strstr(s, "\"data\":\"three\"") != NULL,
           "after=1, messages: only event 3, but last moves to 4");
    s = render("after=4", &a);
    tap_ok(strcmp(s, "{\"events\":[],\"last\":4}") == 0, "up to date: nothing, last 4: %s", s);
    s = render("after=9", &a);
    tap_ok(a.reset && a.last == 4 && a.count == 1 && strstr(s, ",\"reset\":true}") != NULL,
           "cursor from the future: newest event and reset: %s", s);

    /* Consecutive polls neither repeat nor skip. */
    uint64_t cursor = 0, seen = 0;
    int in_order = 1;
    char query[64];
    for (int round = 0; round < 5; round++) {
        publish(HUB_EVENT_MESSAGE, "x");
        if (round % 2)
            publish(HUB_EVENT_MESSAGE, "y");
        snprintf(query, sizeof query, "after=%llu", (unsigned long long)cursor);
        render(query, &a);
        if (a.last != hub_last_id() || a.count != a.last - cursor)
            in_order = 0;
        seen += a.count;
        cursor = a.last;
    }
    tap_ok(in_order && seen == hub_last_id(), "5 rounds of polls saw all %llu events once",
           (unsigned long long)seen);

    /* The ring overflows: the answer says how many left it. */
    hub_reset();
    for (int i = 0; i < HUB_RING_SIZE + 10; i++)
        publish(HUB_EVENT_MESSAGE, "m");
    render("after=0", &a);
    tap_ok(a.missed == 10 && a.count == HUB_RING_SIZE && a.last == HUB_RING_SIZE + 10,
           "ring overflow: missed 10, got %d", HUB_RING_SIZE);
    s = render("after=3", &a);
    tap_ok(a.missed == 7 && strstr(s, ",\"missed\":7}") != NULL, "after=3: missed 7");
    render("after=10", &a);
    tap_ok(a.missed == 0 && a.count == HUB_RING_SIZE, "after=10 (oldest-1): nothing missed");

    /* A large backlog stops at the size cap and says "more". */
    static char big[HUB_MESSAGE_MAX_BYTES + 1];
    memset(big, '<', HUB_MESSAGE_MAX_BYTES);   /* 6 bytes each in JSON */
    hub_reset();
    for (int i = 0; i < 5; i++)
        hub_publish(HUB_EVENT_MESSAGE, big, HUB_MESSAGE_MAX_BYTES);
    s = render("after=0", &a);
    tap_ok(a.more && a.count == 1 && a.last == 1 && strlen(s) < POLL_ANSWER_MAX_BYTES,
           "backlog over %d bytes: one event, more:true, last 1", POLL_ANSWER_MAX_BYTES);
    render("after=1", &a);
    tap_ok(a.count == 1 && a.last == 2, "the next poll goes on from there");
    hub_reset();
}

static void test_forms(void)
{
    struct poll_query q;
    struct poll_answer a;
    const char *error;
    struct buf b = { NULL, 0, 0, 65536 };
    static const char hostile[] = "</script><!--\"'\\\xe2\x80\xa8\xe2\x80\xa9\x01";

    hub_reset();
    hub_publish(HUB_EVENT_MESSAGE, hostile, sizeof hostile - 1);
    parse("after=0&callback=JSONP.cb1", &q, &error);
    poll_render(&b, POLL_FORM_JSONP, &q, "", &a);
    buf_append(&b, "", 1);   /* NUL-terminate for strstr */
    b.len--;
    tap_ok(strncmp(b.data, "/**/JSONP.cb1({\"events\":[", 25) == 0
           && strcmp(b.data + b.len - 3, ");\n") == 0, "JSONP: /**/F(...);");
    tap_ok(strstr(b.data, "</") == NULL && strstr(b.data, "<!--") == NULL
           && strstr(b.data, "\xe2\x80\xa8") == NULL && strchr(b.data, '\x01') == NULL,
           "JSONP: no </, <!--, raw U+2028 or control character");
    b.len = 0;
    parse("after=0", &q, &error);
    poll_render(&b, POLL_FORM_IFRAME, &q, "http://127.0.0.1:3000", &a);
    buf_append(&b, "", 1);   /* NUL-terminate for strstr */
    b.len--;
    tap_ok(strstr(b.data, "parent.postMessage({\"events\":[") != NULL
           && strstr(b.data, "}, \"http://127.0.0.1:3000\");\n</script>") != NULL,
           "iframe: postMessage(data, origin)");
    const char *first_close = strstr(b.data, "</script>");
    tap_ok(first_close != NULL && strstr(first_close + 1, "</script>") == NULL
           && strstr(b.data, "<!--") == NULL, "iframe: the only </script> is ours");
    buf_free(&b);
    hub_reset();
}

/* An answer rendered into a buffer whose cap is any size short of the
 * whole fails (-1), never a cut answer that would parse as a shorter
 * one: checked at every cap from 0 to the answer's length, in each
 * form, with each of "missed" and "reset".  The "more" answer is nearly
 * POLL_ANSWER_MAX_BYTES: its caps are checked from its last event on. */
static int short_caps_fail(enum poll_form form, const char *query, const char *origin,
                           size_t from_end)
{
    struct poll_query q;
    struct poll_answer a;
    const char *error;
    struct buf whole = { NULL, 0, 0, 2 * POLL_ANSWER_MAX_BYTES };
    int all = parse(query, &q, &error) == 0 && poll_render(&whole, form, &q, origin, &a) == 0;
    size_t first = from_end != 0 && whole.len > from_end ? whole.len - from_end : 0;
    for (size_t max = first; all && max < whole.len; max++) {
        struct buf b = { NULL, 0, 0, max };
        if (poll_render(&b, form, &q, origin, &a) != -1) {
            all = 0;
            tap_diag("form %d, %s: rendered with a cap of %zu of %zu", (int)form, query, max, whole.len);
        }
        buf_free(&b);
    }
    buf_free(&whole);
    return all;
}

static void test_render_caps(void)
{
    static char big[HUB_MESSAGE_MAX_BYTES + 1];
    hub_reset();
    for (int i = 0; i < HUB_RING_SIZE + 2; i++)
        publish(i % 2 ? HUB_EVENT_TIME : HUB_EVENT_MESSAGE, "m<");
    int all = short_caps_fail(POLL_FORM_JSON, "after=0", "", 0)            /* missed, many events */
              && short_caps_fail(POLL_FORM_JSON, "after=99999", "", 0)     /* reset */
              && short_caps_fail(POLL_FORM_JSON, "type=all", "", 0)        /* the newest only */
              && short_caps_fail(POLL_FORM_IFRAME, "after=1030", "http://a:1", 0)
              && short_caps_fail(POLL_FORM_JSONP, "after=1030&callback=cb", "", 0);
    tap_ok(all, "every poll answer form fails at every cap short of its length");
    memset(big, 'b', HUB_MESSAGE_MAX_BYTES);
    hub_reset();
    for (int i = 0; i < 16; i++)
        hub_publish(HUB_EVENT_MESSAGE, big, HUB_MESSAGE_MAX_BYTES);
    tap_ok(short_caps_fail(POLL_FORM_JSON, "after=0", "", HUB_MESSAGE_MAX_BYTES + 64),
           "and so does an answer cut at POLL_ANSWER_MAX_BYTES, saying more:true");
    hub_reset();
}

static void test_tasks(void)
{
    static struct poll_task_table t;
    char id[POLL_TASK_ID_LEN + 1];

    struct poll_task *a = poll_task_create(&t, "00112233445566aa", 1000);
    tap_ok(poll_task_find(&t, "00112233445566aa", 16, 1001) == a && !a->confirmed,
           "a new ticket is found, waiting");
    tap_ok(poll_task_find(&t, "00112233445566ab", 16, 1001) == NULL, "another id is not");
    tap_ok(poll_task_find(&t, "00112233445566a", 15, 1001) == NULL, "a prefix is not");
    tap_ok(poll_task_find(&t, "00112233445566aa", 16, 1000 + POLL_TASK_TTL_MS) == NULL,
           "it expires after %d ms", POLL_TASK_TTL_MS);
    for (int i = 0; i < POLL_TASK_MAX; i++) {
        snprintf(id, sizeof id, "%016d", i);
        poll_task_create(&t, id, 2000 + i);
    }
    tap_ok(poll_task_find(&t, "0000000000000000", 16, 3000) != NULL
           && poll_task_find(&t, "00112233445566aa", 16, 3000) == NULL,
           "%d live tickets fill the table (the expired one was reused)", POLL_TASK_MAX);
    poll_task_create(&t, "ffffffffffffffff", 3000);
    tap_ok(poll_task_find(&t, "ffffffffffffffff", 16, 3001) != NULL
           && poll_task_find(&t, "0000000000000000", 16, 3001) == NULL
           && poll_task_find(&t, "0000000000000001", 16, 3001) != NULL,
           "a full table gives up its oldest ticket");
}

int main(void)
{
    test_callbacks();
    test_query();
    test_iframe_origin();
    test_render();
    test_forms();
    test_render_caps();
    test_tasks();
    return tap_done();
}
