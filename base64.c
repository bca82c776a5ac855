/*
 * base64.c - base64 as RFC 4648 section 4 defines it: the standard
 * alphabet (Table 1), '=' padding, and a strict decoder.
 *
 * The WebSocket handshake (ARTICLE §4.2; RFC 6455 section 4.2.1) needs
 * both directions: the client's Sec-WebSocket-Key must decode to exactly
 * 16 bytes, and Sec-WebSocket-Accept is the base64 of a SHA-1 digest.
 *
 * Strict means one input has one meaning: characters outside the
 * alphabet (line breaks and spaces included), padding anywhere but the
 * end, a length that is not a multiple of 4, and non-zero "leftover"
 * bits in the last character (RFC 4648 section 3.5) are all refused.
 */
#include "base64.h"

/* RFC 4648 Table 1: the value of each character is its index. */
static const char alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

enum { BASE64_PAD = '=' };

size_t base64_encode(const unsigned char *in, size_t len, char *out)
{
    size_t i = 0, o = 0;

    /* Every 3 bytes (24 bits) become 4 characters of 6 bits each. */
    for (; len - i >= 3; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16 |
                          (unsigned long)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    /* A final 1 or 2 bytes: zero bits fill the last character, '='
     * fills the group (section 4, cases 2 and 3). */
    if (len - i == 1) {
        unsigned long v = (unsigned long)in[i] << 16;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = BASE64_PAD;
        out[o++] = BASE64_PAD;
    } else if (len - i == 2) {
        unsigned long v = (unsigned long)in[i] << 16 |
                          (unsigned long)in[i + 1] << 8;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = BASE64_PAD;
    }
    out[o] = '\0';
    return o;
}

/* The value of an alphabet character, or -1. */
static int value_of(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

long base64_decode(const char *in, size_t len, unsigned char *out,
                   size_t out_size)
{
    size_t pad = 0, i, o = 0;

    if (len % 4 != 0)
        return -1;
    if (len > 0 && in[len - 1] == BASE64_PAD)   /* then len >= 4 */
        pad = in[len - 2] == BASE64_PAD ? 2 : 1;
    if ((len / 4) * 3 - pad > out_size)
        return -1;

    for (i = 0; i < len; i += 4) {
        int last = (i + 4 == len);
        int chars = last ? 4 - (int)pad : 4;   /* real characters here */
        unsigned long v = 0;
        int j;

        for (j = 0; j < 4; j++) {
            int d = j < chars ? value_of(in[i + j]) : 0;
            if (d < 0)
                return -1;   /* not in the alphabet, or '=' too early */
            v = v << 6 | (unsigned long)d;
        }
        out[o++] = (unsigned char)(v >> 16);
        if (chars == 2) {
            if ((v & 0xFFFF) != 0)
                return -1;   /* leftover bits of "xx==" must be zero */
            break;
        }
        out[o++] = (unsigned char)(v >> 8);
        if (chars == 3) {
            if ((v & 0xFF) != 0)
                return -1;   /* leftover bits of "xxx=" must be zero */
            break;
        }
        out[o++] = (unsigned char)v;
    }
    return (long)o;
}
