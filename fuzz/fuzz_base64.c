/*
 * fuzz_base64.c - libFuzzer target for the strict base64 decoder
 * (base64.c), which reads Sec-WebSocket-Key.
 *
 * Input layout: byte 0 picks the output size (0..63, or 255 for "large
 * enough"), the rest is the text to decode.  What must hold:
 *   - an accepted input is canonical: encoding what was decoded gives
 *     back exactly the input (RFC 4648 section 3.5: no stray padding, no
 *     non-zero unused bits, no character outside the alphabet);
 *   - the decoded length fits the output and is 3/4 of the input minus
 *     the padding;
 *   - the reverse: the input taken as raw bytes, encoded, always decodes
 *     back to itself when the output is large enough.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void decode_then_encode(const char *in, size_t len, size_t out_size)
{
    unsigned char *out = malloc(out_size ? out_size : 1);
    check(out != NULL);
    long n = base64_decode(in, len, out, out_size);
    if (n >= 0) {
        check((size_t)n <= out_size);
        check(len % 4 == 0);
        size_t pad = len == 0 ? 0 : (in[len - 1] == '=') + (len > 1 && in[len - 2] == '=');
        check((size_t)n == len / 4 * 3 - pad);
        char *again = malloc(BASE64_ENCODED_SIZE((size_t)n) + 1);
        check(again != NULL);
        size_t m = base64_encode(out, (size_t)n, again);
        check(m == len && memcmp(again, in, len) == 0);
        check(again[m] == '\0');
        free(again);
    } else {
        check(n == -1);
    }
    free(out);
}

static void encode_then_decode(const unsigned char *raw, size_t len)
{
    char *text = malloc(BASE64_ENCODED_SIZE(len) + 1);
    unsigned char *back = malloc(len ? len : 1);
    check(text != NULL && back != NULL);
    size_t m = base64_encode(raw, len, text);
    check(m == BASE64_ENCODED_SIZE(len) && strlen(text) == m);
    long n = base64_decode(text, m, back, len);   /* exactly enough room */
    check(n >= 0 && (size_t)n == len && memcmp(back, raw, len) == 0);
    if (len > 0)                                  /* one byte too small */
        check(base64_decode(text, m, back, len - 1) == -1);
    free(text);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t out_size = data[0] == 255 ? size : data[0] % 64;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char *copy = malloc(len ? len : 1);     /* exact size: ASan sees overreads */
    check(copy != NULL);
    memcpy(copy, text, len);
    decode_then_encode(copy, len, out_size);
    free(copy);
    encode_then_decode(data + 1, len);
    return 0;
}
