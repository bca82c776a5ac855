/*
 * test_base64.c - base64 (base64.c) against RFC 4648 section 10's test
 * vectors, the RFC 6455 handshake example, and the strict decoder's
 * refusals.
 *
 * With "--encode" or "--decode" it filters standard input to standard
 * output instead, so tests/41-sha1-base64-random.t can compare it with
 * base64(1) on random data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "sha1.h"
#include "tap.h"

enum { FILTER_MAX_BYTES = 1 << 20 };   /* the random inputs are smaller */

static void encodes(const char *in, const char *want)
{
    char out[64];
    size_t n = base64_encode((const unsigned char *)in, strlen(in), out);
    if (!tap_ok(n == strlen(want) && strcmp(out, want) == 0,
                "encode \"%s\" -> \"%s\"", in, want))
        tap_diag("got \"%s\"", out);
}

static void decodes(const char *in, const char *want)
{
    unsigned char out[64];
    long n = base64_decode(in, strlen(in), out, sizeof out);
    tap_ok(n == (long)strlen(want) && memcmp(out, want, strlen(want)) == 0,
           "decode \"%s\" -> \"%s\"", in, want);
}

/* The input is named by `why` only: it may hold bytes that would break
 * the TAP line. */
static void refuses(const char *in, const char *why)
{
    unsigned char out[64];
    tap_ok(base64_decode(in, strlen(in), out, sizeof out) == -1,
           "refuse %s", why);
}

static int filter(int encode)
{
    char *in = malloc(FILTER_MAX_BYTES);
    char *out = malloc(BASE64_ENCODED_SIZE(FILTER_MAX_BYTES) + 1);
    size_t n;
    int status = 1;

    if (in == NULL || out == NULL)
        goto done;
    n = fread(in, 1, FILTER_MAX_BYTES, stdin);
    if (ferror(stdin) || !feof(stdin))
        goto done;
    if (encode) {
        size_t m = base64_encode((unsigned char *)in, n, out);
        printf("%s\n", out);
        (void)m;
        status = 0;
    } else {
        while (n > 0 && (in[n - 1] == '\n'))
            n--;   /* base64(1) ends its output with a newline */
        long m = base64_decode(in, n, (unsigned char *)out, FILTER_MAX_BYTES);
        if (m >= 0 && fwrite(out, 1, (size_t)m, stdout) == (size_t)m)
            status = 0;
    }
done:
    free(in);
    free(out);
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--encode") == 0)
        return filter(1);
    if (argc == 2 && strcmp(argv[1], "--decode") == 0)
        return filter(0);

    /* RFC 4648 section 10. */
    static const char *const vectors[][2] = {
        { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
        { "foobar", "Zm9vYmFy" }
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        encodes(vectors[i][0], vectors[i][1]);
        decodes(vectors[i][1], vectors[i][0]);
    }

    /* Every alphabet character, including '+' and '/'. */
    unsigned char all[3] = { 0xFB, 0xEF, 0xFF };
    char out[8];
    base64_encode(all, 3, out);
    tap_ok(strcmp(out, "++//") == 0, "0xFBEFFF encodes as \"++//\"");

    /* RFC 6455 section 1.3: the accept value for the sample key. */
    static const char key_guid[] =
        "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char d[SHA1_HASH_SIZE];
    char accept[BASE64_ENCODED_SIZE(SHA1_HASH_SIZE) + 1];
    sha1(key_guid, strlen(key_guid), d);
    base64_encode(d, sizeof d, accept);
    tap_ok(strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0,
           "RFC 6455 accept value s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    unsigned char nonce[20];
    tap_ok(base64_decode("dGhlIHNhbXBsZSBub25jZQ==", 24, nonce, sizeof nonce)
           == 16 && memcmp(nonce, "the sample nonce", 16) == 0,
           "the sample key decodes to the 16 bytes \"the sample nonce\"");

    /* The strict decoder's refusals. */
    refuses("Zg=", "length not a multiple of 4");
    refuses("Zg", "missing padding");
    refuses("Zm9v\n", "a line break");
    refuses("Zm 9", "a space");
    refuses("Zm9-", "base64url character '-'");
    refuses("Zm9_", "base64url character '_'");
    refuses("Zm9{", "'{', just past 'z'");
    refuses("Zm9@", "'@', just before 'A'");
    refuses("Zm\xc3\xa9", "a non-ASCII byte");
    refuses("Zg=a", "'=' before the end");
    refuses("=Zg=", "'=' at the start");
    refuses("Z===", "three padding characters");
    refuses("====", "only padding");
    refuses("Zg==Zg==", "padding in the middle");
    refuses("Zh==", "non-zero leftover bits after one byte");
    refuses("Zm9=", "non-zero leftover bits after two bytes");
    unsigned char small[2];
    tap_ok(base64_decode("Zm9v", 4, small, sizeof small) == -1,
           "refuse output that does not fit");
    tap_ok(base64_decode("Zm8=", 4, small, sizeof small) == 2,
           "two decoded bytes fit in two");
    return tap_done();
}
