/*
 * sha1.c - SHA-1 as RFC 3174 describes it (section 6.1, "method 1").
 *
 * Used for one thing only: the WebSocket opening handshake (ARTICLE §4.2,
 * the Sec-WebSocket-Key check; RFC 6455 section 4.2.2), where the server
 * hashes the client's key with a fixed GUID.  SHA-1 is broken for
 * collision resistance, but the handshake needs no security from it: it
 * only proves that the peer read the key and knows the WebSocket GUID.
 *
 * The names follow RFC 3174: the 80-word schedule W[t], the round
 * constants K(t), the round functions f(t;B,C,D), the five words A..E
 * and the intermediate hash H0..H4.  Everything is big-endian.
 */
#include "sha1.h"

#include <string.h>

enum {
    SHA1_BLOCK_BYTES = 64,     /* a 512-bit message block */
    SHA1_LENGTH_BYTES = 8,     /* the message length field at the end */
    SHA1_ROUNDS = 80
};

/* S^n(X): circular left shift by n, 0 < n < 32 (RFC 3174 section 3c). */
static uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

/* f(t;B,C,D) and K(t) for the four groups of 20 rounds (section 5). */
static uint32_t f_t(int t, uint32_t b, uint32_t c, uint32_t d)
{
    if (t < 20)
        return (b & c) | (~b & d);
    if (t < 40)
        return b ^ c ^ d;
    if (t < 60)
        return (b & c) | (b & d) | (c & d);
    return b ^ c ^ d;
}

static uint32_t k_t(int t)
{
    if (t < 20)
        return 0x5A827999u;
    if (t < 40)
        return 0x6ED9EBA1u;
    if (t < 60)
        return 0x8F1BBCDCu;
    return 0xCA62C1D6u;
}

/* Process one 512-bit block (section 6.1, steps a-e). */
static void process_block(struct sha1_context *ctx, const unsigned char *m)
{
    uint32_t W[SHA1_ROUNDS];
    int t;

    /* a. The block as sixteen big-endian words W(0)..W(15). */
    for (t = 0; t < 16; t++)
        W[t] = (uint32_t)m[4 * t] << 24 | (uint32_t)m[4 * t + 1] << 16 |
               (uint32_t)m[4 * t + 2] << 8 | (uint32_t)m[4 * t + 3];
    /* b. W(t) = S^1(W(t-3) XOR W(t-8) XOR W(t-14) XOR W(t-16)). */
    for (t = 16; t < SHA1_ROUNDS; t++)
        W[t] = rotl(W[t - 3] ^ W[t - 8] ^ W[t - 14] ^ W[t - 16], 1);

    /* c. A = H0, ..., E = H4. */
    uint32_t A = ctx->H[0], B = ctx->H[1], C = ctx->H[2], D = ctx->H[3],
             E = ctx->H[4];

    /* d. The 80 rounds. */
    for (t = 0; t < SHA1_ROUNDS; t++) {
        uint32_t temp = rotl(A, 5) + f_t(t, B, C, D) + E + W[t] + k_t(t);
        E = D;
        D = C;
        C = rotl(B, 30);
        B = A;
        A = temp;
    }

    /* e. Add this block's result into the intermediate hash. */
    ctx->H[0] += A;
    ctx->H[1] += B;
    ctx->H[2] += C;
    ctx->H[3] += D;
    ctx->H[4] += E;
}

void sha1_init(struct sha1_context *ctx)
{
    /* The initial H0..H4 of section 6.1. */
    ctx->H[0] = 0x67452301u;
    ctx->H[1] = 0xEFCDAB89u;
    ctx->H[2] = 0x98BADCFEu;
    ctx->H[3] = 0x10325476u;
    ctx->H[4] = 0xC3D2E1F0u;
    ctx->length_bits = 0;
    ctx->block_len = 0;
}

void sha1_update(struct sha1_context *ctx, const void *data, size_t len)
{
    const unsigned char *p = data;

    ctx->length_bits += (uint64_t)len * 8;
    while (len > 0) {
        size_t take = SHA1_BLOCK_BYTES - ctx->block_len;
        if (take > len)
            take = len;
        memcpy(ctx->block + ctx->block_len, p, take);
        ctx->block_len += take;
        p += take;
        len -= take;
        if (ctx->block_len == SHA1_BLOCK_BYTES) {
            process_block(ctx, ctx->block);
            ctx->block_len = 0;
        }
    }
}

/* Padding (section 4): a 1 bit, zeros up to 448 bits mod 512, then the
 * message length in bits as a 64-bit big-endian number.  A message of
 * 56..63 bytes in its last block needs a whole extra block for this. */
void sha1_final(struct sha1_context *ctx, unsigned char digest[SHA1_HASH_SIZE])
{
    uint64_t bits = ctx->length_bits;
    int i;

    ctx->block[ctx->block_len++] = 0x80;
    if (ctx->block_len > SHA1_BLOCK_BYTES - SHA1_LENGTH_BYTES) {
        memset(ctx->block + ctx->block_len, 0,
               SHA1_BLOCK_BYTES - ctx->block_len);
        process_block(ctx, ctx->block);
        ctx->block_len = 0;
    }
    memset(ctx->block + ctx->block_len, 0,
           SHA1_BLOCK_BYTES - SHA1_LENGTH_BYTES - ctx->block_len);
    for (i = 0; i < SHA1_LENGTH_BYTES; i++)
        ctx->block[SHA1_BLOCK_BYTES - 1 - i] = (unsigned char)(bits >> (8 * i));
    process_block(ctx, ctx->block);

    for (i = 0; i < SHA1_HASH_SIZE; i++)
        digest[i] = (unsigned char)(ctx->H[i / 4] >> (24 - 8 * (i % 4)));
    memset(ctx, 0, sizeof *ctx);
}

void sha1(const void *data, size_t len, unsigned char digest[SHA1_HASH_SIZE])
{
    struct sha1_context ctx;

    sha1_init(&ctx);
    sha1_update(&ctx, data, len);
    sha1_final(&ctx, digest);
}
