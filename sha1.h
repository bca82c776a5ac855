/*
 * sha1.h - SHA-1 (RFC 3174), used only for the WebSocket opening
 * handshake's Sec-WebSocket-Accept (RFC 6455 section 4.2.2).
 */
#ifndef SHA1_H
#define SHA1_H

#include <stddef.h>
#include <stdint.h>

enum { SHA1_HASH_SIZE = 20 };

struct sha1_context {
    uint32_t H[5];              /* the intermediate hash, RFC 3174 H0..H4 */
    uint64_t length_bits;       /* message length so far, in bits */
    unsigned char block[64];    /* the 512-bit message block being filled */
    size_t block_len;
};

void sha1_init(struct sha1_context *ctx);
void sha1_update(struct sha1_context *ctx, const void *data, size_t len);
void sha1_final(struct sha1_context *ctx, unsigned char digest[SHA1_HASH_SIZE]);

/* One call for a whole buffer. */
void sha1(const void *data, size_t len, unsigned char digest[SHA1_HASH_SIZE]);

#endif
