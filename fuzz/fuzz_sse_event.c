/*
 * fuzz_sse_event.c - libFuzzer target for sse_format_event (sse.h), the
 * one place published text is written into a text/event-stream.
 *
 * Input layout: byte 0 holds flags (bit 0: an id; bit 1: an event name),
 * byte 1 the name's length (0..71), then the name, then the data; the id
 * is made from the input's length.  The output is read back with the
 * WHATWG parser's own line rules (CRLF, CR and LF all end a line).  What
 * must hold for an accepted event:
 *   - it is one event: every line is empty or starts with "event: ",
 *     "id: " or "data: ", and the only empty line is the last one, so
 *     no byte of the data can start a field, a comment or a second event
 *     (SSE field injection);
 *   - it says what was asked: the event line holds the name, the id line
 *     the id, and the data lines joined with LF give back the data with
 *     its CRLF and CR turned into LF (what a browser's parser rebuilds);
 * and a name that is empty, too long or holds CR, LF or ':' is refused.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/sse_proto.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= SSE_EVENT_NAME_MAX && strpbrk(s, "\r\n:") == NULL;
}

/* The data as the parser rebuilds it: line ends become LF. */
static size_t normalize(const char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\r') {
            out[o++] = '\n';
            if (i + 1 < len && in[i + 1] == '\n')
                i++;
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

static int starts(const char *p, size_t n, const char *field)
{
    size_t f = strlen(field);
    return n >= f && memcmp(p, field, f) == 0;
}

static void read_back(const char *out, size_t len, const char *event,
                      int has_id, uint64_t id, const char *data, size_t dlen)
{
    char *want = malloc(dlen ? dlen : 1);
    char *got = malloc(dlen + 1);
    check(want != NULL && got != NULL);
    size_t want_len = normalize(data, dlen, want), got_len = 0;
    int data_lines = 0, event_lines = 0, id_lines = 0, ended = 0;
    char idtext[32];
    snprintf(idtext, sizeof idtext, "%" PRIu64, id);

    size_t i = 0;
    while (i < len) {
        check(!ended);                 /* nothing after the blank line */
        size_t s = i;
        while (i < len && out[i] != '\r' && out[i] != '\n')
            i++;
        check(i < len);                /* every line is ended */
        const char *line = out + s;
        size_t n = i - s;
        i += (out[i] == '\r' && i + 1 < len && out[i + 1] == '\n') ? 2 : 1;
        if (n == 0) {
            ended = 1;
        } else if (starts(line, n, "data: ")) {
            if (data_lines++ > 0)
                got[got_len++] = '\n';
            check(got_len + n - 6 <= dlen);
            memcpy(got + got_len, line + 6, n - 6);
            got_len += n - 6;
        } else if (starts(line, n, "event: ")) {
            event_lines++;
            check(event != NULL && n - 7 == strlen(event)
                  && memcmp(line + 7, event, n - 7) == 0);
        } else if (starts(line, n, "id: ")) {
            id_lines++;
            check(has_id && n - 4 == strlen(idtext)
                  && memcmp(line + 4, idtext, n - 4) == 0);
        } else {
            check(0);                  /* an injected field or comment */
        }
    }
    check(ended && data_lines >= 1);
    check(event_lines == (event != NULL) && id_lines == (has_id != 0));
    check(got_len == want_len && memcmp(got, want, got_len) == 0);
    free(want);
    free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int has_id = data[0] & 1, has_event = (data[0] >> 1) & 1;
    size_t name_len = data[1] % 72;
    if (name_len > size - 2)
        name_len = size - 2;
    char name[72];
    memcpy(name, data + 2, name_len);
    name[name_len] = '\0';
    const char *event = has_event ? name : NULL;
    size_t dlen = size - 2 - name_len;
    char *text = malloc(dlen ? dlen : 1);     /* exact size for ASan */
    check(text != NULL);
    memcpy(text, data + 2 + name_len, dlen);
    uint64_t id = (uint64_t)size * 0x9E3779B97F4A7C15u;

    struct buf b = { NULL, 0, 0, 1 << 20 };
    int rc = sse_format_event(&b, event, has_id, id, text, dlen);
    if (event != NULL && !name_ok(event)) {
        check(rc == -1);
    } else {
        check(rc == 0);
        read_back(b.data, b.len, event, has_id, id, text, dlen);
    }
    buf_free(&b);
    free(text);
    return 0;
}
