/*
 * fuzz_callback.c - libFuzzer target for the JSONP callback check and
 * the poll query it sits in (poll.h: poll_callback_is_valid,
 * poll_parse_query).
 *
 * Input layout: byte 0 bit 0 picks the target (0: the callback check on
 * the rest; 1: poll_parse_query on the rest as a query string).  What
 * must hold:
 *   - poll_callback_is_valid agrees with a reference written from the
 *     documented grammar (poll.h): 1..POLL_CALLBACK_MAX bytes, dotted
 *     identifiers of ASCII letters, digits, '_' and '$', none starting
 *     with a digit, none empty.  Whatever it accepts therefore cannot
 *     close the call, open a string or a comment, or end the line;
 *   - poll_parse_query either refuses with a sentence, or gives a
 *     callback that is empty or passes the reference, an origin that is
 *     empty or passes http_origin_is_valid, a wait of at most
 *     POLL_MAX_WAIT_S and only known type bits; both strings are
 *     NUL-terminated inside their arrays.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/poll_proto.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static int ident_char(unsigned char c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$')
        return 1;
    return !first && c >= '0' && c <= '9';
}

/* The grammar, read as: name = ident *( "." ident ). */
static int reference_valid(const char *s, size_t len)
{
    if (len == 0 || len > POLL_CALLBACK_MAX)
        return 0;
    int at_start = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (at_start)
                return 0;      /* ".a", "a..b" */
            at_start = 1;
            continue;
        }
        if (!ident_char(c, at_start))
            return 0;
        at_start = 0;
    }
    return !at_start;          /* "a." */
}

static void fuzz_callback(const char *s, size_t len)
{
    check(poll_callback_is_valid(s, len) == reference_valid(s, len));
}

static void fuzz_query(const char *s, size_t len)
{
    struct poll_query q;
    const char *error = NULL;
    if (poll_parse_query(s, len, &q, &error) != 0) {
        check(error != NULL && error[0] != '\0');
        return;
    }
    size_t cb = strnlen(q.callback, sizeof q.callback);
    check(cb < sizeof q.callback);
    check(cb == 0 || reference_valid(q.callback, cb));
    size_t origin = strnlen(q.origin, sizeof q.origin);
    check(origin < sizeof q.origin);
    check(origin == 0 || http_origin_is_valid(q.origin, origin));
    check(q.wait_s <= POLL_MAX_WAIT_S);
    check((q.types & ~POLL_TYPE_ALL) == 0 && q.types != 0);
    check(q.has_after || q.after == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    char *s = malloc(len ? len : 1);     /* exact size for ASan */
    check(s != NULL);
    memcpy(s, data + 1, len);
    if (data[0] & 1)
        fuzz_query(s, len);
    else
        fuzz_callback(s, len);
    free(s);
    return 0;
}
