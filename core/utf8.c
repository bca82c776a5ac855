/*
 * core/utf8.c - see core/utf8.h.  The ranges follow RFC 3629 section 4 (the
 * "UTF8-octets" ABNF): the first byte decides how many continuation
 * bytes follow and, for E0, ED, F0 and F4, a narrower range for the
 * second byte.  That narrower range is what excludes overlong forms,
 * surrogates and code points above U+10FFFF.
 */
#include "core/utf8.h"

void utf8_init(struct utf8_state *st)
{
    st->need = 0;
    st->lo = 0x80;
    st->hi = 0xBF;
}

/* Set up the state after a lead byte; UTF8_INVALID if it cannot lead. */
static int utf8_lead(struct utf8_state *st, unsigned char b)
{
    st->lo = 0x80;
    st->hi = 0xBF;
    if (b <= 0x7F) {
        st->need = 0;
    } else if (b >= 0xC2 && b <= 0xDF) {
        st->need = 1;
    } else if (b == 0xE0) {
        st->need = 2;
        st->lo = 0xA0;          /* no overlong 3-byte forms */
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
        st->need = 2;
    } else if (b == 0xED) {
        st->need = 2;
        st->hi = 0x9F;          /* no surrogates U+D800..U+DFFF */
    } else if (b == 0xF0) {
        st->need = 3;
        st->lo = 0x90;          /* no overlong 4-byte forms */
    } else if (b >= 0xF1 && b <= 0xF3) {
        st->need = 3;
    } else if (b == 0xF4) {
        st->need = 3;
        st->hi = 0x8F;          /* nothing above U+10FFFF */
    } else {
        return UTF8_INVALID;    /* 80..C1 and F5..FF never lead */
    }
    return UTF8_OK;
}

int utf8_feed(struct utf8_state *st, const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char b = p[i];
        if (st->need == 0) {
            if (utf8_lead(st, b) != UTF8_OK)
                return UTF8_INVALID;
            continue;
        }
        if (b < st->lo || b > st->hi)
            return UTF8_INVALID;
        st->need--;
        st->lo = 0x80;          /* only the second byte has a narrow range */
        st->hi = 0xBF;
    }
    return UTF8_OK;
}

int utf8_complete(const struct utf8_state *st)
{
    return st->need == 0;
}

int utf8_valid(const char *p, size_t len)
{
    struct utf8_state st;
    utf8_init(&st);
    if (utf8_feed(&st, (const unsigned char *)p, len) != UTF8_OK)
        return 0;
    return utf8_complete(&st);
}
