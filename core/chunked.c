/*
 * core/chunked.c - decoding a chunked request body (RFC 9112 section
 * 7.1), in place and resumable (see core/chunked.h).
 *
 * The article's servers never see a request body framed this way: Node
 * decodes it for them.  Here it is decoded as it arrives: each call
 * starts at the chunk-size line where the last one stopped, moves each
 * complete chunk's data down to the start of the body (over the framing
 * already read, so memmove is enough), and keeps what it needs in a
 * struct http_chunked.  Every line is bounded, the decoded size is
 * checked before a byte is moved, and the grammar is the RFC's: chunk
 * extensions (which mean nothing to us) are checked and skipped, trailer
 * fields are checked and dropped.
 */
#include "core/chunked.h"

#include <string.h>

enum { CHUNK_LINE_MAX = 256, TRAILER_MAX = 4096 };

/* Find CRLF at or after pos within CHUNK_LINE_MAX; offset of CR, -1 need
 * more, -2 invalid (bare LF, control character or too long). */
static long find_crlf(const char *buf, size_t len, size_t pos, size_t max)
{
    for (size_t i = pos; i < len; i++) {
        if (i - pos > max)
            return -2;
        if (buf[i] == '\r') {
            if (i + 1 >= len)
                return -1;
            return buf[i + 1] == '\n' ? (long)i : -2;
        }
        if (buf[i] == '\n' || (buf[i] != '\t' && (unsigned char)buf[i] < 0x20))
            return -2;
    }
    return len - pos > max ? -2 : -1;
}

static size_t skip_bws(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Length of the token at s[i..len), 0 if none. */
static size_t token_len(const char *s, size_t len, size_t i)
{
    size_t start = i;
    while (i < len && http_is_tchar((unsigned char)s[i]))
        i++;
    return i - start;
}

/* Length of the quoted-string at s[i..len) (RFC 9110 section 5.6.4), 0 if none. */
static size_t quoted_len(const char *s, size_t len, size_t i)
{
    size_t start = i;
    if (i >= len || s[i] != '"')
        return 0;
    for (i++; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"')
            return i + 1 - start;
        if (ch == '\\') {
            if (++i >= len || !http_is_field_char((unsigned char)s[i]))
                return 0;
        } else if (!http_is_field_char(ch)) {
            return 0;
        }
    }
    return 0;
}

/* 1 if s[0..len) is a chunk-ext (RFC 9112 section 7.1.1), possibly empty:
 *   *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * with a token name and a token or quoted-string value.  Whitespace is
 * allowed only where BWS is ("5 ;a" is valid); the extensions mean
 * nothing to us and are skipped. */
static int is_chunk_ext(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        i = skip_bws(s, len, i);
        if (i >= len || s[i] != ';')
            return 0;
        i = skip_bws(s, len, i + 1);
        size_t n = token_len(s, len, i);
        if (n == 0)
            return 0;
        i += n;
        size_t eq = skip_bws(s, len, i);
        if (eq < len && s[eq] == '=') {
            i = skip_bws(s, len, eq + 1);
            n = token_len(s, len, i);
            if (n == 0)
                n = quoted_len(s, len, i);
            if (n == 0)
                return 0;
            i += n;
        }
    }
    return 1;
}

/* Parse the chunk-size line at body[pos]: 1 with *size and *data (where
 * the chunk's data starts) set; HTTP_NEED_MORE; -400 or -413 (a size
 * past out_max). */
static long chunk_size_line(const char *body, size_t len, size_t pos,
                            size_t out_max, uint64_t *size, size_t *data)
{
    long cr = find_crlf(body, len, pos, CHUNK_LINE_MAX);
    if (cr == -1)
        return HTTP_NEED_MORE;
    if (cr == -2)
        return -400;
    size_t i = pos;
    *size = 0;
    while (i < (size_t)cr && http_hex_digit(body[i]) >= 0) {
        *size = *size * 16 + (uint64_t)http_hex_digit(body[i]);
        if (*size > out_max)
            return -413;
        i++;
    }
    if (i == pos || !is_chunk_ext(body + i, (size_t)cr - i))
        return -400;    /* no digits, or junk after them */
    *data = (size_t)cr + 2;
    return 1;
}

/* trailer-section CRLF (section 7.1.2), from st->pos on: the fields are
 * checked and discarded, their total bounded by TRAILER_MAX. */
static long skip_trailer(struct http_chunked *st, const char *body, size_t len)
{
    for (;;) {
        long cr = find_crlf(body, len, st->pos, TRAILER_MAX);
        if (cr == -1)
            return HTTP_NEED_MORE;
        if (cr == -2 || (size_t)cr - st->trailer_start > TRAILER_MAX)
            return -400;
        if ((size_t)cr == st->pos)
            return (long)(st->pos + 2);
        /* a field name, then ':' */
        size_t n = token_len(body, (size_t)cr, st->pos);
        if (n == 0 || body[st->pos + n] != ':')
            return -400;
        st->pos = (size_t)cr + 2;
    }
}

long http_decode_chunked(struct http_chunked *st, char *body, size_t len,
                         size_t out_max)
{
    while (!st->in_trailer) {
        uint64_t size;
        size_t data;
        long rc = chunk_size_line(body, len, st->pos, out_max, &size, &data);
        if (rc != 1)
            return rc;
        if (size == 0) {
            st->pos = data;
            st->in_trailer = 1;
            st->trailer_start = data;
            break;
        }
        if (st->out_len + size > out_max)
            return -413;
        if (len - data < size + 2)
            return HTTP_NEED_MORE;   /* the chunk's line is read again next time */
        if (body[data + size] != '\r' || body[data + size + 1] != '\n')
            return -400;
        /* In place: the decoded bytes so far sit at the start of the
         * body, always before the chunk being moved (its size line and
         * the CRLFs in between are gone), so memmove is enough. */
        memmove(body + st->out_len, body + data, (size_t)size);
        st->out_len += (size_t)size;
        st->pos = data + (size_t)size + 2;
    }
    return skip_trailer(st, body, len);
}
