/*
 * fuzz_query.c - libFuzzer target for the small request helpers in
 * http.c that routes call on untrusted text: http_query_param,
 * http_percent_decode, http_parse_u64 and http_origin_is_valid.
 *
 * Input layout: byte 0 picks the output size (0..63), byte 1 the length
 * of the parameter name (0..7), then the name, then the text.  What
 * must hold: no read or write outside the buffers (each is allocated at
 * its exact size), a success is NUL-terminated inside the output and
 * its length is what strlen says (no decoded NUL slips through); a
 * parsed number is all digits and equals its value; an accepted origin
 * holds no character that could break out of a header or an attribute.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void *copy_of(const uint8_t *p, size_t n, size_t extra)
{
    char *c = malloc(n + extra ? n + extra : 1);
    check(c != NULL);
    memcpy(c, p, n);
    return c;
}

static void check_decoded(long n, const char *out, size_t out_size)
{
    if (n < 0)
        return;
    check((size_t)n < out_size);
    check(out[n] == '\0' && strlen(out) == (size_t)n);
}

static void fuzz_u64(const char *s, size_t len)
{
    uint64_t v = 12345;
    if (http_parse_u64(s, len, &v) != 0) {
        check(v == 12345);   /* untouched on failure */
        return;
    }
    check(len > 0 && len <= 19);
    uint64_t ref = 0;
    for (size_t i = 0; i < len; i++) {
        check(s[i] >= '0' && s[i] <= '9');
        ref = ref * 10 + (uint64_t)(s[i] - '0');
    }
    check(v == ref);
}

static void fuzz_origin(const char *s, size_t len)
{
    if (!http_origin_is_valid(s, len))
        return;
    check(len >= 8);         /* "http://" and one host character */
    check(memcmp(s, "http://", 7) == 0 || memcmp(s, "https://", 8) == 0);
    size_t scheme = s[4] == 's' ? 8 : 7;
    for (size_t i = scheme; i < len; i++) {
        char ch = s[i];
        check((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'
              || ch == ':' || ch == '[' || ch == ']');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t out_size = data[0] % 64;
    size_t name_len = data[1] % 8;
    if (size - 2 < name_len)
        return 0;
    char *name = copy_of(data + 2, name_len, 1);
    name[name_len] = '\0';
    size_t len = size - 2 - name_len;
    char *text = copy_of(data + 2 + name_len, len, 0);
    char *out = malloc(out_size ? out_size : 1);
    check(out != NULL);

    if (strlen(name) == name_len) {
        long n = http_query_param(text, len, name, out, out_size);
        check(n >= -2);
        check_decoded(n, out, out_size);
    }
    check(http_query_param(NULL, 0, "a", out, out_size) == -1);
    long n = http_percent_decode(text, len, out, out_size);
    check(n >= -1);
    check_decoded(n, out, out_size);
    fuzz_u64(text, len);
    fuzz_origin(text, len);

    free(name);
    free(text);
    free(out);
    return 0;
}
