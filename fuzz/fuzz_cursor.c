/*
 * fuzz_cursor.c - libFuzzer target for the resume cursors: poll's
 * after= (poll.h: poll_parse_query) and SSE's Last-Event-ID /
 * lastEventId (sse.h: sse_parse_cursor).
 *
 * Input: the cursor text.  A reference says what an id is: 1 to 19
 * ASCII digits (http_parse_u64's rule: 19 digits always fit in 64 bits;
 * our ids never come near), nothing else, its decimal value.  What must
 * hold:
 *   - sse_parse_cursor: NONE for empty or blank text, ID with the exact
 *     value for an id between optional spaces and tabs, INVALID for
 *     everything else ("testId", "-1", "1e3", "0x10", "1 2", 20 digits);
 *     NULL is NONE;
 *   - poll_parse_query("after=" + text): when the text needs no
 *     percent-decoding (no '%', '+', '&', '#'), accepted exactly when
 *     the text is an id, with that value; whatever the text, an
 *     accepted after= holds an id (has_after set) and a refusal says so.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/poll_proto.h"
#include "core/sse_proto.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static int reference_id(const char *s, size_t len, uint64_t *v)
{
    if (len == 0 || len > 19)
        return 0;
    *v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (uint64_t)(s[i] - '0');
    }
    return 1;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

static void fuzz_sse(const char *s, size_t len)
{
    size_t a = 0, b = len;
    while (a < b && blank(s[a]))
        a++;
    while (b > a && blank(s[b - 1]))
        b--;
    uint64_t want = 0, got = 0;
    enum sse_cursor rc = sse_parse_cursor(s, len, &got);
    if (a == b)
        check(rc == SSE_CURSOR_NONE);
    else if (reference_id(s + a, b - a, &want))
        check(rc == SSE_CURSOR_ID && got == want);
    else
        check(rc == SSE_CURSOR_INVALID);
}

static int needs_decoding(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == '%' || s[i] == '+' || s[i] == '&' || s[i] == '#')
            return 1;
    return 0;
}

static void fuzz_after(const char *s, size_t len)
{
    static const char prefix[] = "after=";
    size_t n = sizeof prefix - 1 + len;
    char *query = malloc(n);            /* exact size for ASan */
    check(query != NULL);
    memcpy(query, prefix, sizeof prefix - 1);
    memcpy(query + sizeof prefix - 1, s, len);

    struct poll_query q;
    const char *error = NULL;
    int rc = poll_parse_query(query, n, &q, &error);
    if (rc != 0)
        check(error != NULL);
    else
        check(q.has_after);
    if (!needs_decoding(s, len) && memchr(s, '\0', len) == NULL) {
        uint64_t want;
        if (reference_id(s, len, &want))
            check(rc == 0 && q.after == want);
        else
            check(rc != 0);
    }
    free(query);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);  /* exact size for ASan */
    check(s != NULL);
    memcpy(s, data, size);
    fuzz_sse(s, size);
    fuzz_after(s, size);
    free(s);
    uint64_t id = 7;
    check(sse_parse_cursor(NULL, 0, &id) == SSE_CURSOR_NONE);
    return 0;
}
