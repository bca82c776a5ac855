/*
 * fuzz_chunked.c - libFuzzer target for http_decode_chunked (RFC 9112
 * section 7.1).  The first input byte picks the output limit, the rest
 * is the body.  What must hold: no read past the input, restartable (a
 * prefix of a body decodes to "need more" or, once the body is complete,
 * to exactly the same result), resumable (fed in pieces with one state,
 * it ends as the whole does), and the decoded bytes are fewer than the
 * bytes used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunked.h"

enum { SPLIT_SAMPLES = 32 };

static void check(int cond)
{
    if (!cond)
        abort();
}

/* Decode a copy of exactly len bytes from scratch (the decoder works in
 * place), so AddressSanitizer sees any read past the input; the decoded
 * bytes are returned in *out (malloc'd). */
static long decode_copy(const char *buf, size_t len, size_t out_max,
                        char **out, size_t *out_len)
{
    struct http_chunked st = { 0, 0, 0, 0 };
    *out = malloc(len ? len : 1);
    check(*out != NULL);
    if (len)
        memcpy(*out, buf, len);
    long n = http_decode_chunked(&st, *out, len, out_max);
    *out_len = st.out_len;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t out_max = (size_t)data[0] * 4;   /* 0 .. 1020 */
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;

    char *whole_out;
    size_t whole_len = 0;
    long whole = decode_copy(buf, len, out_max, &whole_out, &whole_len);
    check(whole == HTTP_NEED_MORE || whole == -400 || whole == -413 || whole > 0);
    if (whole > 0)
        check((size_t)whole <= len && whole_len <= out_max && whole_len < (size_t)whole);

    /* Every sampled prefix, from scratch, agrees with the whole. */
    size_t step = len / SPLIT_SAMPLES + 1;
    for (size_t k = 0; k <= len; k += step) {
        char *out;
        size_t out_len = 0;
        long n = decode_copy(buf, k, out_max, &out, &out_len);
        if (n > 0) {
            check(n == whole && out_len == whole_len);
            check(memcmp(out, whole_out, out_len) == 0);
        } else if (n < 0) {
            check(whole < 0);
        } else if (whole > 0) {
            check(k < (size_t)whole);
        }
        free(out);
    }

    /* Resumed: one state and one buffer, the input arriving in pieces
     * as the server receives it, ends exactly as the whole does. */
    char *grow = malloc(len ? len : 1);
    check(grow != NULL);
    struct http_chunked st = { 0, 0, 0, 0 };
    long n = HTTP_NEED_MORE;
    for (size_t have = 0; n == HTTP_NEED_MORE && have < len; ) {
        size_t next = have + step < len ? have + step : len;
        memcpy(grow + have, buf + have, next - have);
        have = next;
        n = http_decode_chunked(&st, grow, have, out_max);
    }
    if (len > 0)
        check(n == whole);
    if (n > 0)
        check(st.out_len == whole_len && memcmp(grow, whole_out, whole_len) == 0);
    free(grow);
    free(whole_out);
    return 0;
}
