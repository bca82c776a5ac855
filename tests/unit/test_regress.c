/*
 * test_regress.c - one test for each bug the fuzzers (fuzz/) and the
 * load and fault tests (tests/8x-*.t) found in the core files, so that
 * none comes back.  Each names the finding it guards against.
 */
#include <string.h>

#include "core/http.h"
#include "tap.h"

enum { LONG_METHOD = 4200 };   /* past the request-line limit, head still < 8192 */

/* fuzz_http: a request line longer than the limit was refused (414)
 * while incomplete but accepted once complete, so the answer depended on
 * how the bytes arrived.  Now both say 414. */
static void long_method_is_refused_however_it_arrives(void)
{
    static char req_bytes[LONG_METHOD + 64];
    struct http_request req;
    memset(req_bytes, 'M', LONG_METHOD);
    strcpy(req_bytes + LONG_METHOD, " / HTTP/1.1\r\nHost: a\r\n\r\n");
    size_t len = strlen(req_bytes);

    tap_ok(http_parse_request(req_bytes, LONG_METHOD, 0, &req) == -414,
           "a 4200-byte method, incomplete: 414");
    tap_ok(http_parse_request(req_bytes, len, 0, &req) == -414,
           "the same request, complete: 414 too");
    tap_ok(http_parse_request(req_bytes, len - 1, 0, &req) == -414,
           "and one byte short of complete: 414");

    /* The limit itself still passes: a 4096-byte target with GET. */
    static char ok_bytes[HTTP_MAX_TARGET_BYTES + 64];
    memcpy(ok_bytes, "GET /", 5);
    memset(ok_bytes + 5, 'a', HTTP_MAX_TARGET_BYTES - 1);
    strcpy(ok_bytes + 4 + HTTP_MAX_TARGET_BYTES, " HTTP/1.1\r\nHost: a\r\n\r\n");
    tap_ok(http_parse_request(ok_bytes, strlen(ok_bytes), 0, &req) > 0,
           "a target of exactly HTTP_MAX_TARGET_BYTES is still accepted");
}

/* tests/85-security.t: a 9000-byte request target in a complete head
 * was answered 431 (the head is over HTTP_MAX_HEAD_BYTES) but 414 while
 * the head was incomplete, so the answer depended on how the bytes
 * arrived.  Now the request line's limit is checked first: 414 both. */
static void long_target_in_a_big_head_is_414_however_it_arrives(void)
{
    enum { TARGET = 9000 };
    static char bytes[TARGET + 64];
    struct http_request req;
    memcpy(bytes, "GET /", 5);
    memset(bytes + 5, 'a', TARGET - 1);
    strcpy(bytes + 4 + TARGET, " HTTP/1.1\r\nHost: a\r\n\r\n");
    size_t len = strlen(bytes);
    tap_ok(http_parse_request(bytes, len, 0, &req) == -414,
           "a 9000-byte target, complete head of 9 KB: 414");
    tap_ok(http_parse_request(bytes, 8200, 0, &req) == -414,
           "the same, cut inside the target past 8192 bytes: 414");
    tap_ok(http_parse_request(bytes, len - 1, 0, &req) == -414,
           "the same, one byte short of complete: 414");
}

/* fuzz_query: a raw NUL byte went through http_percent_decode and
 * http_query_param, so the decoded C string was shorter than the length
 * returned.  Now a NUL, raw or %00, is refused. */
static void raw_nul_is_refused_by_the_decoders(void)
{
    char out[32];
    static const char raw[] = "ab\0cd";
    tap_ok(http_percent_decode(raw, 5, out, sizeof out) == -1,
           "http_percent_decode refuses a raw NUL");
    tap_ok(http_percent_decode("ab%00cd", 7, out, sizeof out) == -1,
           "and an encoded one");
    static const char query[] = "x=1&cb=a\0b";
    tap_ok(http_query_param(query, sizeof query - 1, "cb", out, sizeof out) == -2,
           "http_query_param calls a value with a raw NUL badly encoded");
    tap_ok(http_percent_decode("a%20b", 5, out, sizeof out) == 3 && strcmp(out, "a b") == 0,
           "ordinary escapes still decode");
}

int main(void)
{
    tap_diag("bugs found by fuzz/ and tests/8x-*.t, each kept fixed");
    long_method_is_refused_however_it_arrives();
    raw_nul_is_refused_by_the_decoders();
    long_target_in_a_big_head_is_414_however_it_arrives();
    return tap_done();
}
