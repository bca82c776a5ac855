/*
 * base64.h - base64 (RFC 4648 section 4, the standard alphabet, with
 * padding), for Sec-WebSocket-Key and Sec-WebSocket-Accept.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>

/* Bytes needed to encode n bytes, without the NUL. */
#define BASE64_ENCODED_SIZE(n) ((((n) + 2) / 3) * 4)

/* Encode len bytes into out (at least BASE64_ENCODED_SIZE(len)+1 bytes),
 * NUL-terminated.  Returns the encoded length. */
size_t base64_encode(const unsigned char *in, size_t len, char *out);

/* Decode strictly: only the alphabet, '=' only as final padding to a
 * multiple of 4, and the unused bits of the last character must be zero
 * (RFC 4648 section 3.5).  Returns the decoded length, or -1 if the input
 * is not canonical base64 or does not fit in out_size bytes. */
long base64_decode(const char *in, size_t len, unsigned char *out,
                   size_t out_size);

#endif
