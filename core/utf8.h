/*
 * core/utf8.h - a strict, incremental UTF-8 validator (RFC 3629).
 *
 * Strict: overlong forms, surrogates (U+D800..U+DFFF) and code points
 * above U+10FFFF are rejected, as RFC 6455 section 8.1 requires for
 * WebSocket text.  Incremental: the state carries a partial character
 * from one fragment to the next, so a fragmented WebSocket message is
 * rejected at the first byte that cannot be valid, not at its end.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

struct utf8_state {
    unsigned need;      /* continuation bytes still expected */
    unsigned char lo;   /* allowed range of the next continuation byte */
    unsigned char hi;
};

enum { UTF8_OK = 0, UTF8_INVALID = -1 };

void utf8_init(struct utf8_state *st);

/* Feed bytes.  UTF8_INVALID as soon as a byte cannot be part of valid
 * UTF-8; UTF8_OK otherwise (maybe in the middle of a character). */
int utf8_feed(struct utf8_state *st, const unsigned char *p, size_t len);

/* 1 if the input so far ended on a character boundary. */
int utf8_complete(const struct utf8_state *st);

/* Validate a whole string: 1 if valid and complete, 0 if not. */
int utf8_valid(const char *p, size_t len);

#endif
