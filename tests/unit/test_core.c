/*
 * test_core.c - the hub's ring and cursors (and a publish out of
 * memory), the escaping rules (never a cut string), the UTF-8 validator,
 * the static path resolver and the capped buffer.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/hub.h"
#include "core/mem.h"
#include "static.h"
#include "tap.h"
#include "core/utf8.h"

static void test_hub(void)
{
    hub_reset();
    struct hub_range r = hub_after(0);
    tap_ok(hub_last_id() == 0 && r.first > r.last && r.missed == 0, "an empty hub has nothing after 0");

    const struct hub_event *ev = hub_publish(HUB_EVENT_MESSAGE, "a\"<b>", 5);
    tap_ok(ev && ev->id == 1, "the first event has id 1");
    tap_ok(ev && strcmp(ev->json, "{\"id\":1,\"type\":\"message\",\"data\":\"a\\\"\\u003cb\\u003e\"}") == 0,
           "its JSON is rendered once, script-safe: %s", ev ? ev->json : "(null)");
    ev = hub_publish(HUB_EVENT_TIME, "12:00:00", 8);
    tap_ok(ev && ev->id == 2 && strstr(ev->json, "\"type\":\"time\"") != NULL, "a time event");

    r = hub_after(0);
    tap_ok(r.first == 1 && r.last == 2 && r.missed == 0, "after 0: ids 1..2");
    r = hub_after(2);
    tap_ok(r.first == 3 && r.last == 2, "after the newest: nothing due");
    r = hub_after(99);
    tap_ok(r.first == 3 && r.last == 2 && r.missed == 0, "a cursor from the future: nothing due, nothing missed");

    for (int i = 0; i < HUB_RING_SIZE + 8; i++)
        hub_publish(HUB_EVENT_MESSAGE, "x", 1);
    uint64_t last = hub_last_id();
    tap_ok(last == HUB_RING_SIZE + 10, "ids have no gaps (%llu)", (unsigned long long)last);
    tap_ok(hub_first_id() == last - HUB_RING_SIZE + 1, "the ring holds the newest HUB_RING_SIZE");
    tap_ok(hub_get(hub_first_id() - 1) == NULL && hub_get(hub_first_id()) != NULL, "older ids are gone");
    r = hub_after(1);
    tap_ok(r.first == hub_first_id() && r.missed == hub_first_id() - 2,
           "a cursor older than the ring is told how many it missed (%llu)", (unsigned long long)r.missed);
    int in_order = 1;
    for (uint64_t id = r.first; id <= r.last; id++) {
        const struct hub_event *e = hub_get(id);
        if (e == NULL || e->id != id)
            in_order = 0;
    }
    tap_ok(in_order, "every id from the cursor to the newest is there, in order");
    hub_free_all();
}

/* Out of memory at any of its allocations, a publish leaves the hub as
 * it was: no event, no gap in the ids (test builds only: make coverage
 * and make torture can make an allocation fail). */
static void test_hub_out_of_memory(void)
{
#ifdef MEM_FAIL_TESTING
    static char text[2000];
    memset(text, '<', sizeof text);     /* 6 bytes each in JSON: the rendering grows */
    hub_reset();
    uint64_t before = mem_allocations();
    const struct hub_event *ev = hub_publish(HUB_EVENT_MESSAGE, text, sizeof text);
    uint64_t count = mem_allocations() - before;
    int clean = ev != NULL && ev->id == 1;
    for (uint64_t k = 1; clean && k <= count; k++) {
        mem_fail_at(k);
        clean = hub_publish(HUB_EVENT_MESSAGE, text, sizeof text) == NULL && hub_last_id() == 1;
    }
    mem_fail_at(0);
    ev = hub_publish(HUB_EVENT_MESSAGE, "next", 4);
    tap_ok(clean && count >= 3 && ev != NULL && ev->id == 2,
           "a publish failing at each of its %llu allocations adds nothing; the next gets id 2",
           (unsigned long long)count);
    hub_free_all();
#endif
}

static void test_escape(void)
{
    struct buf b = { NULL, 0, 0, 4096 };
    const char hostile[] = "</script><!--\"\\\n\r\t\x01\x7f&'\xe2\x80\xa8\xe2\x80\xa9\xe4\xbd\xa0";
    escape_json_string(&b, hostile, sizeof hostile - 1);
    buf_append(&b, "", 1);
    const char *want = "\"\\u003c/script\\u003e\\u003c!--\\\"\\\\\\n\\r\\t\\u0001\\u007f\\u0026'\\u2028\\u2029\xe4\xbd\xa0\"";
    tap_ok(strcmp(b.data, want) == 0, "JSON escaping for script context: %s", b.data);
    buf_free(&b);

    escape_html(&b, "<a href=\"x\">'&'</a>", 19);
    buf_append(&b, "", 1);
    tap_ok(strcmp(b.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;") == 0, "HTML escaping: %s", b.data);
    buf_free(&b);

    struct buf small = { NULL, 0, 0, 4 };
    tap_ok(escape_json_string(&small, "abcdef", 6) == -1 && small.len <= 4, "escaping stops at the buffer's cap");
    buf_free(&small);

    /* Only U+2028 and U+2029 of the E2 80 xx characters are escaped,
     * and a cut one at the end goes through as it is. */
    escape_json_string(&b, "\xe2\x81\x80\xe2\x80\xaa\xe2\x80", 8);
    tap_ok(b.len == 10 && memcmp(b.data + 1, "\xe2\x81\x80\xe2\x80\xaa\xe2\x80", 8) == 0,
           "U+2040, U+202A and a cut E2 80 are not escaped");
    buf_free(&b);

    /* RFC 8259 section 7's two remaining short escapes. */
    escape_json_string(&b, "\b\f", 2);
    buf_append(&b, "", 1);
    tap_ok(strcmp(b.data, "\"\\b\\f\"") == 0, "backspace and form feed are \\b and \\f: %s", b.data);
    buf_free(&b);
}

typedef int (*escaper)(struct buf *b, const char *s, size_t len);

/* Escaped into a buffer whose cap is any size short of the whole
 * result, an escaper fails (-1) and never leaves a cut string that a
 * caller could take for the whole: checked at every cap from 0 up. */
static void every_short_cap_fails(escaper fn, const char *name, const char *s, size_t len)
{
    struct buf whole = { NULL, 0, 0, 4096 };
    int all = fn(&whole, s, len) == 0;
    for (size_t max = 0; all && max < whole.len; max++) {
        struct buf b = { NULL, 0, 0, max };
        if (fn(&b, s, len) != -1) {
            all = 0;
            tap_diag("%s succeeded with a cap of %zu of %zu bytes", name, max, whole.len);
        }
        buf_free(&b);
    }
    tap_ok(all, "%s: every cap short of the %zu-byte result fails", name, whole.len);
    buf_free(&whole);
}

static void test_escape_caps(void)
{
    /* Each kind of escape at least once: short, \u00XX, U+2028/9, and
     * runs of plain bytes between them. */
    const char hostile[] = "ab\"c\\\n\x01<d>&\xe2\x80\xa8" "e\xe2\x80\xa9'f";
    every_short_cap_fails(escape_json_string, "escape_json_string", hostile, sizeof hostile - 1);
    every_short_cap_fails(escape_html, "escape_html", hostile, sizeof hostile - 1);
}

static void test_utf8(void)
{
    const struct { const char *s; size_t len; int valid; const char *what; } cases[] = {
        { "hello", 5, 1, "ASCII" },
        { "\xe4\xbd\xa0\xe5\xa5\xbd", 6, 1, "Chinese" },
        { "\xf0\x9f\x98\x80", 4, 1, "an emoji (4 bytes)" },
        { "\xf4\x8f\xbf\xbf", 4, 1, "U+10FFFF" },
        { "\xf1\x80\x80\x80", 4, 1, "U+40000 (a lead byte F1..F3: any continuation)" },
        { "\xee\x80\x80", 3, 1, "U+E000 (lead EE)" },
        { "\xf3\xbf\xbf\xbf", 4, 1, "U+FFFFF" },
        { "\xef\xbb\xbf", 3, 1, "a BOM" },
        { "\xc0\xaf", 2, 0, "overlong /" },
        { "\xe0\x80\xaf", 3, 0, "overlong 3-byte" },
        { "\xf0\x80\x80\xaf", 4, 0, "overlong 4-byte" },
        { "\xed\xa0\x80", 3, 0, "a surrogate" },
        { "\xf4\x90\x80\x80", 4, 0, "above U+10FFFF" },
        { "\xf5\x80\x80\x80", 4, 0, "F5 lead" },
        { "\x80", 1, 0, "a lone continuation" },
        { "\xe4\xbd", 2, 0, "a truncated character" },
        { "\xff", 1, 0, "FF" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        tap_ok(utf8_valid(cases[i].s, cases[i].len) == cases[i].valid, "UTF-8 %s: %s",
               cases[i].valid ? "valid" : "invalid", cases[i].what);

    struct utf8_state st;
    utf8_init(&st);
    tap_ok(utf8_feed(&st, (const unsigned char *)"\xe4", 1) == UTF8_OK && !utf8_complete(&st),
           "a character split across fragments is pending");
    tap_ok(utf8_feed(&st, (const unsigned char *)"\xbd\xa0", 2) == UTF8_OK && utf8_complete(&st),
           "and completes in the next");
    utf8_init(&st);
    tap_ok(utf8_feed(&st, (const unsigned char *)"ok\xed", 3) == UTF8_OK
           && utf8_feed(&st, (const unsigned char *)"\xa0", 1) == UTF8_INVALID,
           "a surrogate split across fragments fails at its second byte");
}

static void test_static_paths(void)
{
    char out[STATIC_PATH_MAX];
    const struct { const char *in; const char *want; } good[] = {
        { "/", "index.html" }, { "/a.html", "a.html" }, { "/sub/", "sub/index.html" },
        { "/a%20b.html", "a b.html" }, { "/%252e%252e/x.html", "%2e%2e/x.html" },
        { "/%E4%BD%A0.html", "\xe4\xbd\xa0.html" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc = static_resolve_path(good[i].in, strlen(good[i].in), out, sizeof out);
        tap_ok(rc == 0 && strcmp(out, good[i].want) == 0, "path %s -> %s", good[i].in, good[i].want);
    }
    const char *bad[] = { "/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/etc/passwd", "/%2E%2E%2Fetc%2Fpasswd",
                          "/..%2f..%2fetc", "/a\\..\\b", "/a%5c..%5cb", "/a%00.html", "/.hidden", "/a/./b",
                          "//etc/passwd", "/a%zz", "/a%2", "/a%0a.html", "relative", "/a%7f.html", "/a%4z.html",
                          "/a\x7f.html" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        tap_ok(static_resolve_path(bad[i], strlen(bad[i]), out, sizeof out) == -404, "path %s is refused", bad[i]);
    /* Paths that do not fit the caller's buffer are refused, never cut. */
    char longer[STATIC_PATH_MAX + 2];
    memset(longer, 'a', sizeof longer);
    longer[0] = '/';
    tap_ok(static_resolve_path(longer, sizeof longer, out, sizeof out) == -404,
           "a path longer than STATIC_PATH_MAX (%d) is refused", STATIC_PATH_MAX);
    longer[sizeof out - 5] = '/';   /* a directory: its index.html does not fit */
    tap_ok(static_resolve_path(longer, sizeof out - 4, out, sizeof out) == -404,
           "a directory whose path + index.html passes STATIC_PATH_MAX is refused");
    tap_ok(static_resolve_path("/a.html", 7, out, 4) == -404,
           "an output buffer too small for index.html is refused");
    tap_ok(static_content_type("a.html") && strstr(static_content_type("a.html"), "text/html"), "html type");
    tap_ok(static_content_type("a.js") && strstr(static_content_type("a.js"), "javascript"), "js type");
    tap_ok(static_content_type("a.exe") == NULL && static_content_type("html") == NULL, "unknown types are not served");
}

static void test_buf(void)
{
    struct buf b = { NULL, 0, 0, 10 };
    tap_ok(buf_append(&b, "0123456789", 10) == 0 && b.len == 10, "a buffer fills to its cap");
    tap_ok(buf_append(&b, "x", 1) == -1 && b.len == 10, "and refuses one byte more");
    buf_consume(&b, 4);
    tap_ok(b.len == 6 && memcmp(b.data, "456789", 6) == 0, "consume keeps the rest in order");
    buf_free(&b);
    tap_ok(b.data == NULL && b.len == 0 && b.max == 10, "free gives the memory back and keeps the cap");

    /* buf_printf formats text longer than its stack buffer in place. */
    char word[301];
    memset(word, 'w', 300);
    word[300] = '\0';
    struct buf big = { NULL, 0, 0, 1024 };
    tap_ok(buf_printf(&big, "<%s>", word) == 0 && big.len == 302 && big.data[301] == '>',
           "buf_printf: 302 formatted bytes, past its 256-byte stack buffer");
    big.max = big.len + 100;
    tap_ok(buf_printf(&big, "%s", word) == -1 && big.len == 302,
           "and the same past the cap fails, nothing appended");
    buf_free(&big);
}

int main(void)
{
    test_hub();
    test_hub_out_of_memory();
    test_escape();
    test_escape_caps();
    test_utf8();
    test_static_paths();
    test_buf();
    return tap_done();
}
