/*
 * test_sha1.c - SHA-1 (sha1.c) against RFC 3174's test vectors, block
 * boundary lengths, and byte-at-a-time updates.
 *
 * With "--stdin" it prints the hex digest of its standard input instead,
 * so tests/41-sha1-base64-random.t can compare it with sha1sum.
 */
#include <stdio.h>
#include <string.h>

#include "sha1.h"
#include "tap.h"

static void to_hex(const unsigned char d[SHA1_HASH_SIZE], char out[41])
{
    for (int i = 0; i < SHA1_HASH_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Hash `repeat` copies of s in one context and compare with want. */
static void check(const char *name, const char *s, long repeat,
                  const char *want)
{
    struct sha1_context ctx;
    unsigned char d[SHA1_HASH_SIZE];
    char hex[41];

    sha1_init(&ctx);
    for (long i = 0; i < repeat; i++)
        sha1_update(&ctx, s, strlen(s));
    sha1_final(&ctx, d);
    to_hex(d, hex);
    if (!tap_ok(strcmp(hex, want) == 0, "%s", name))
        tap_diag("got %s want %s", hex, want);
}

/* n bytes of 'a', hashed in one call and one byte at a time. */
static void check_length(size_t n, const char *want)
{
    char msg[256];
    unsigned char d[SHA1_HASH_SIZE];
    char hex[41];
    struct sha1_context ctx;

    memset(msg, 'a', n);
    sha1(msg, n, d);
    to_hex(d, hex);
    if (!tap_ok(strcmp(hex, want) == 0, "%zu bytes of 'a' in one call", n))
        tap_diag("got %s want %s", hex, want);

    sha1_init(&ctx);
    for (size_t i = 0; i < n; i++)
        sha1_update(&ctx, msg + i, 1);
    sha1_final(&ctx, d);
    to_hex(d, hex);
    tap_ok(strcmp(hex, want) == 0, "%zu bytes of 'a' one byte at a time", n);
}

static int hash_stdin(void)
{
    struct sha1_context ctx;
    unsigned char d[SHA1_HASH_SIZE], chunk[4096];
    char hex[41];
    size_t n;

    sha1_init(&ctx);
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        sha1_update(&ctx, chunk, n);
    if (ferror(stdin))
        return 1;
    sha1_final(&ctx, d);
    to_hex(d, hex);
    printf("%s\n", hex);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--stdin") == 0)
        return hash_stdin();

    /* RFC 3174 section 7.3, TEST1..TEST4. */
    check("RFC 3174 TEST1 \"abc\"", "abc", 1,
          "a9993e364706816aba3e25717850c26c9cd0d89d");
    check("RFC 3174 TEST2 (56 bytes, two blocks)",
          "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    check("RFC 3174 TEST3 one million 'a'", "a", 1000000,
          "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    check("RFC 3174 TEST4 \"01234567\" x 80", "01234567", 80,
          "dea356a2cddd90c7a7ecedc5ebb563934f460452");
    check("empty message", "", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");

    /* Around the padding boundary: 55 bytes still fit the length field
     * in the same block, 56..63 need a second block, 64 is one full
     * block plus a padding block. */
    check_length(55, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    check_length(56, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    check_length(63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5");
    check_length(64, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
    check_length(65, "11655326c708d70319be2610e8a57d9a5b959d3b");
    check_length(119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56");
    check_length(120, "f34c1488385346a55709ba056ddd08280dd4c6d6");
    check_length(128, "ad5b3fdbcb526778c2839d2f151ea753995e26a0");

    /* RFC 6455 section 1.3: the key and GUID of the handshake example. */
    check("RFC 6455 section 1.3 key + GUID",
          "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 1,
          "b37a4f2cc0624f1690f64606cf385945b2bec4ea");
    return tap_done();
}
