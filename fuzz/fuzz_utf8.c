/*
 * fuzz_utf8.c - libFuzzer target for the UTF-8 validator (utf8.c).
 *
 * It is compared with a reference written differently: a decoder that
 * works on code points rather than byte ranges.  For a prefix ending
 * inside a character, the reference asks whether any completion could
 * still be valid, by computing the smallest and largest code point the
 * missing continuation bytes could give.  Three things must agree:
 *   - utf8_valid on the whole input and the reference;
 *   - utf8_feed fed in pieces (split points taken from the input) and
 *     utf8_valid, whatever the split;
 *   - the byte at which utf8_feed, fed one byte at a time, first says
 *     UTF8_INVALID, and the first byte at which the reference sees that
 *     no valid completion exists (RFC 6455 section 8.1: fail fast).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

/* The length of a sequence from its lead byte's bit pattern, 0 if the
 * byte cannot lead. */
static size_t seq_length(unsigned char b)
{
    if (b < 0x80) return 1;
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 3;
    if ((b & 0xF8) == 0xF0) return 4;
    return 0;
}

/* 1 if some code point in [lo, hi] is a valid scalar value encoded in
 * exactly n bytes (shortest form, not a surrogate, at most U+10FFFF). */
static int range_has_valid(uint32_t lo, uint32_t hi, size_t n)
{
    static const uint32_t min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    static const uint32_t max_for_len[5] = { 0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF };
    if (lo < min_for_len[n]) lo = min_for_len[n];
    if (hi > max_for_len[n]) hi = max_for_len[n];
    if (lo > hi)
        return 0;
    /* [lo, hi] minus the surrogates D800..DFFF is empty only if inside them. */
    return !(lo >= 0xD800 && hi <= 0xDFFF);
}

/* The index of the first byte after which p cannot be the start of valid
 * UTF-8, or len if every prefix can.  *complete: ends on a boundary. */
static size_t ref_first_error(const unsigned char *p, size_t len, int *complete)
{
    size_t i = 0;
    *complete = 1;
    while (i < len) {
        size_t n = seq_length(p[i]);
        if (n == 0)
            return i;
        uint32_t cp = n == 1 ? p[i] : (uint32_t)(p[i] & (0x7F >> n));
        if (n > 1 && !range_has_valid(cp << (6 * (n - 1)),
                                      ((cp + 1) << (6 * (n - 1))) - 1, n))
            return i;                    /* no character starts this way */
        for (size_t k = 1; k < n; k++) {
            if (i + k >= len) {          /* input ends inside the character */
                *complete = 0;
                return len;
            }
            if ((p[i + k] & 0xC0) != 0x80)
                return i + k;
            cp = (cp << 6) | (p[i + k] & 0x3F);
            /* The bytes still missing can add anything from 0 to all ones. */
            size_t missing = n - 1 - k;
            uint32_t lo = cp << (6 * missing);
            uint32_t hi = lo | ((1u << (6 * missing)) - 1);
            if (!range_has_valid(lo, hi, n))
                return i + k;
        }
        i += n;
    }
    return len;
}

/* Split points come from the input itself, so the fuzzer explores them. */
static int feed_in_pieces(const unsigned char *p, size_t len)
{
    struct utf8_state st;
    size_t pos = 0;
    unsigned seed = len ? p[0] : 0;
    utf8_init(&st);
    while (pos < len) {
        size_t piece = 1 + (seed % 7);
        seed = seed * 1103515245u + 12345u + p[pos];
        if (piece > len - pos)
            piece = len - pos;
        if (utf8_feed(&st, p + pos, piece) != UTF8_OK)
            return 0;
        pos += piece;
    }
    return utf8_complete(&st);
}

static size_t first_feed_error(const unsigned char *p, size_t len)
{
    struct utf8_state st;
    utf8_init(&st);
    for (size_t i = 0; i < len; i++) {
        if (utf8_feed(&st, p + i, 1) != UTF8_OK)
            return i;
    }
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int complete;
    size_t ref_err = ref_first_error(data, size, &complete);
    int ref_valid = ref_err == size && complete;
    int valid = utf8_valid((const char *)data, size);

    check(valid == ref_valid);
    check(feed_in_pieces(data, size) == valid);
    check(first_feed_error(data, size) == ref_err);
    return 0;
}
