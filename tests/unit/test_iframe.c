/*
 * test_iframe.c - the bytes of the forever frame (iframe.h): the
 * prelude, the script written per event, and that no published message,
 * however hostile, can end that script or open markup.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/hub.h"
#include "core/iframe_proto.h"
#include "tap.h"

/* Occurrences of needle in the n bytes at hay, ASCII case-insensitive
 * (the HTML tokenizer matches "</script" in any case). */
static int count_ci(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    int count = 0;
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && tolower((unsigned char)hay[i + j]) == tolower((unsigned char)needle[j]))
            j++;
        if (j == k)
            count++;
    }
    return count;
}

static void test_prelude(void)
{
    struct buf b = { NULL, 0, 0, 4096 };
    tap_ok(iframe_render_prelude(&b) == 0, "the prelude renders");
    tap_ok(b.len > 15 && memcmp(b.data, "<!doctype html>", 15) == 0, "it starts the document with a doctype");
    tap_ok(count_ci(b.data, b.len, "<meta charset=\"utf-8\">") == 1, "it declares UTF-8 in the document too");
    tap_ok(count_ci(b.data, b.len, "<script") == 0, "it holds no script");
    tap_ok(count_ci(b.data, b.len, "<body>") == 1, "it opens the body, where the scripts go");
    buf_free(&b);

    struct buf tiny = { NULL, 0, 0, 8 };
    tap_ok(iframe_render_prelude(&tiny) == -1 && tiny.len == 0, "a full buffer is refused, not overrun");
    buf_free(&tiny);
}

static void test_script(void)
{
    struct buf b = { NULL, 0, 0, 4096 };
    const char json[] = "{\"id\":7,\"type\":\"time\",\"data\":\"12:00:07\"}";
    const char origin[] = "http://127.0.0.1:3000";
    tap_ok(iframe_render_script(&b, json, sizeof json - 1, origin, sizeof origin - 1) == 0, "a script renders");
    buf_append(&b, "", 1);
    const char *want = "<script>window.parent.postMessage("
                       "{\"id\":7,\"type\":\"time\",\"data\":\"12:00:07\"}, "
                       "\"http://127.0.0.1:3000\");</script>\n";
    tap_ok(strcmp(b.data, want) == 0, "the event object and the origin, exactly: %s", b.data);
    buf_free(&b);

    /* The origin is validated before it gets here; the renderer escapes
     * it all the same. */
    const char bad_origin[] = "http://x\"</script><script>alert(1)//";
    iframe_render_script(&b, json, sizeof json - 1, bad_origin, sizeof bad_origin - 1);
    tap_ok(count_ci(b.data, b.len, "</script") == 1 && count_ci(b.data, b.len, "<script") == 1,
           "an origin cannot close the script either");
    buf_free(&b);

    /* At every cap short of the whole script it fails, never a cut
     * script whose </script> is missing. */
    int all = iframe_render_script(&b, json, sizeof json - 1, origin, sizeof origin - 1) == 0;
    size_t whole = b.len;
    buf_free(&b);
    for (size_t max = 0; all && max < whole; max++) {
        struct buf tiny = { NULL, 0, 0, max };
        all = iframe_render_script(&tiny, json, sizeof json - 1, origin, sizeof origin - 1) == -1;
        buf_free(&tiny);
    }
    tap_ok(all, "a script fails at every cap short of its %zu bytes", whole);
}

/* Messages that try every way out of a <script> element and out of a
 * JavaScript string literal. */
static const char *const hostile[] = {
    "</script><script>alert(1)</script>",
    "</SCRIPT ><img src=x onerror=alert(1)>",
    "<!--<script>",
    "--><!--",
    "\"); alert(1); (\"",
    "\\\"); alert(1); //",
    "line\xe2\x80\xa8sep\xe2\x80\xa9para",
    "ctl \x01\x02\x1f\x7f tab\t cr\r lf\n",
    "]]><![CDATA[ & &amp; ' \"",
};

static void test_hostile(void)
{
    const char origin[] = "http://localhost:3000";
    hub_reset();
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        const struct hub_event *ev = hub_publish(HUB_EVENT_MESSAGE, hostile[i], strlen(hostile[i]));
        struct buf b = { NULL, 0, 0, 65536 };
        if (!tap_ok(ev != NULL && iframe_render_script(&b, ev->json, ev->json_len, origin,
                                                       sizeof origin - 1) == 0,
                    "hostile message %zu renders", i))
            continue;
        const char *closer = "</script>\n";
        size_t closer_len = strlen(closer);
        int ends_right = b.len > closer_len
                         && memcmp(b.data + b.len - closer_len, closer, closer_len) == 0;
        tap_ok(ends_right && count_ci(b.data, b.len, "</script") == 1,
               "message %zu: the only \"</script\" is the closer", i);
        tap_ok(count_ci(b.data, b.len, "<script") == 1, "message %zu: no second script opens", i);
        tap_ok(count_ci(b.data, b.len, "<!--") == 0 && count_ci(b.data, b.len, "-->") == 0,
               "message %zu: no comment markup", i);
        tap_ok(memchr(b.data, '\xe2', b.len) == NULL, "message %zu: no raw U+2028/U+2029", i);
        int controls = 0;
        for (size_t k = 0; k + 1 < b.len; k++) {
            if ((unsigned char)b.data[k] < 0x20 || b.data[k] == 0x7f)
                controls++;
        }
        tap_ok(controls == 0, "message %zu: no raw control byte before the final newline", i);
        buf_free(&b);
    }
    hub_free_all();
}

int main(void)
{
    test_prelude();
    test_script();
    test_hostile();
    return tap_done();
}
