/*
 * core/chunked.h - decoding a chunked request body (RFC 9112 section 7.1)
 * in place, resumable as the body arrives.  Pure: no I/O, no allocation,
 * no global state; unit-tested in tests/unit/test_http.c and fuzzed in
 * fuzz/fuzz_chunked.c.  The connection layer calls it on each read of a
 * request whose head said Transfer-Encoding: chunked.
 */
#ifndef CHUNKED_H
#define CHUNKED_H

#include <stddef.h>

#include "core/http.h"

/* Where decoding a chunked body stopped.  Zero it for a new body. */
struct http_chunked {
    size_t pos;           /* the next raw byte to look at: a chunk-size
                             line, or a trailer line */
    size_t out_len;       /* decoded bytes, now at the start of the body */
    int in_trailer;       /* the last chunk has been read */
    size_t trailer_start; /* where the trailer section began */
};

/* Decode a chunked request body (RFC 9112 section 7.1) in place: body
 * holds the len raw bytes received so far after the head; the decoded
 * bytes are moved to body[0 .. st->out_len).  Resumable: call it again
 * with the same body and state once more bytes have arrived.  Returns
 * the raw bytes used once the last chunk and the trailer section are
 * complete, HTTP_NEED_MORE, or -400 / -413 (more than out_max decoded). */
long http_decode_chunked(struct http_chunked *st, char *body, size_t len,
                         size_t out_max);

#endif
