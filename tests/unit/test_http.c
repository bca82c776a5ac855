/*
 * test_http.c - the request parser, byte by byte: every prefix of a valid
 * request is "need more", the whole is consumed exactly, pipelined
 * requests split where they should, and each malformed form gets its
 * status.
 */
#include <stdio.h>
#include <string.h>

#include "core/chunked.h"
#include "core/http.h"
#include "tap.h"

static int parse(const char *s, struct http_request *req)
{
    return http_parse_request(s, strlen(s), 0, req);
}

/* Decode a chunked body from scratch, in a writable copy (the decoder
 * works in place), into out (out_max bytes at most). */
static long decode(const char *body, size_t len, char *out, size_t out_max, size_t *out_len)
{
    char copy[512];
    struct http_chunked st = { 0, 0, 0, 0 };
    if (len > sizeof copy)
        return -1;
    memcpy(copy, body, len);
    long n = http_decode_chunked(&st, copy, len, out_max);
    *out_len = st.out_len;
    memcpy(out, copy, st.out_len);
    return n;
}

static void expect_status(const char *raw, int status, const char *what)
{
    struct http_request req;
    int rc = parse(raw, &req);
    tap_ok(rc == -status, "%s -> %d (got %d%s%s)", what, status, rc,
           req.error ? ": " : "", req.error ? req.error : "");
}

static void test_valid_byte_by_byte(void)
{
    const char *raw = "GET /poll?after=5&wait=10 HTTP/1.1\r\n"
                      "Host: 127.0.0.1:3000\r\n"
                      "Connection: keep-alive, Upgrade\r\n"
                      "X-Empty:\r\n"
                      "Accept:   */*   \r\n\r\n";
    size_t len = strlen(raw);
    struct http_request req;
    int all_need_more = 1;
    for (size_t i = 0; i < len; i++) {
        if (http_parse_request(raw, i, 0, &req) != HTTP_NEED_MORE)
            all_need_more = 0;
    }
    tap_ok(all_need_more, "every proper prefix of a request needs more");
    /* The same, resumed: each call says how much the last one saw. */
    int resumed_need_more = 1;
    for (size_t i = 1; i < len; i++) {
        if (http_parse_request(raw, i, i - 1, &req) != HTTP_NEED_MORE)
            resumed_need_more = 0;
    }
    tap_ok(resumed_need_more, "and so does every prefix when the parser resumes (last_len)");
    tap_ok(http_parse_request(raw, len, len - 1, &req) == (int)len,
           "resumed, the whole head is found by its last byte");
    tap_ok(http_parse_request(raw, len, 0, &req) == (int)len, "the whole head is consumed");
    tap_ok(req.method_len == 3 && memcmp(req.method, "GET", 3) == 0, "method");
    tap_ok(req.path_len == 5 && memcmp(req.path, "/poll", 5) == 0, "path");
    tap_ok(req.query_len == 15 && memcmp(req.query, "after=5&wait=10", 15) == 0, "query");
    tap_ok(req.minor_version == 1 && req.keep_alive, "HTTP/1.1 keeps the connection");
    tap_ok(req.num_headers == 4, "four header fields");
    size_t vlen;
    const char *v = http_header_value(&req, "accept", &vlen);
    tap_ok(v && vlen == 3 && memcmp(v, "*/*", 3) == 0, "field values are trimmed, names case-insensitive");
    v = http_header_value(&req, "X-Empty", &vlen);
    tap_ok(v && vlen == 0, "an empty field value");
    tap_ok(http_header_has_token(&req, "Connection", "upgrade"), "Connection list holds upgrade");
    tap_ok(!http_header_has_token(&req, "Connection", "close"), "and not close");
    tap_ok(req.body_kind == HTTP_BODY_NONE, "no body");
}

static void test_pipelined(void)
{
    const char *raw = "POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                      "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    struct http_request req;
    int n = parse(raw, &req);
    tap_ok(n == (int)(strlen(raw) - strlen("hello") - strlen("GET / HTTP/1.1\r\nHost: a\r\n\r\n")),
           "the first head of a pipeline ends at its blank line");
    tap_ok(req.body_kind == HTTP_BODY_LENGTH && req.content_length == 5, "Content-Length: 5");
    const char *next = raw + n + 5;
    tap_ok(http_parse_request(next, strlen(next), 0, &req) == (int)strlen(next), "the second request parses after the body");
    tap_ok(http_method_is(&req, "GET"), "and is the GET");
}

static void test_versions_and_keepalive(void)
{
    struct http_request req;
    tap_ok(parse("GET / HTTP/1.0\r\n\r\n", &req) > 0 && !req.keep_alive, "HTTP/1.0 without Host is fine and closes");
    tap_ok(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req) > 0 && req.keep_alive, "HTTP/1.0 keep-alive on request");
    tap_ok(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &req) > 0 && !req.keep_alive, "Connection: close");
    /* RFC 9112 section 9.3: close wins, whatever the version. */
    tap_ok(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", &req) > 0 && !req.keep_alive,
           "HTTP/1.0 keep-alive together with close -> close");
    tap_ok(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", &req) > 0 && !req.keep_alive,
           "HTTP/1.0 keep-alive and close in two fields -> close");
    /* RFC 9110 section 2.5: a later 1.x minor is processed as 1.1. */
    tap_ok(parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n", &req) > 0 && req.minor_version == 1 && req.keep_alive,
           "HTTP/1.2 is read as HTTP/1.1");
    tap_ok(parse("GET / HTTP/1.9\r\n\r\n", &req) == -400, "HTTP/1.9 needs Host as 1.1 does");
    {
        static const char *const hosts[] = { "a", "127.0.0.1:3000", "[::1]:3000", "", "my_host.ex-ample~", "a%41:", "[v1.x]" };
        for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
            char raw[128];
            snprintf(raw, sizeof raw, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", hosts[i]);
            tap_ok(parse(raw, &req) > 0, "Host: '%s' is a valid uri-host [:port]", hosts[i]);
        }
    }
    {
        size_t len = 0;
        const char *h;
        tap_ok(parse("GET http://b:1/x HTTP/1.1\r\nHost: a\r\n\r\n", &req) > 0
               && (h = http_request_host(&req, &len)) != NULL && len == 3 && memcmp(h, "b:1", 3) == 0,
               "absolute-form: the request's host is the target's, not Host (RFC 9112 3.2.2)");
        tap_ok(parse("GET /x HTTP/1.1\r\nHost: a\r\n\r\n", &req) > 0
               && (h = http_request_host(&req, &len)) != NULL && len == 1 && h[0] == 'a',
               "origin-form: the request's host is Host");
    }
    tap_ok(parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &req) == 29, "one empty line before the request line is ignored");
    {
        static const char odd[] = "GET / HTTP/1.1\r\nHost: a\r\nX~^|`_Y: \tv\t \r\n\r\n";
        size_t vlen;
        const char *v;
        tap_ok(parse(odd, &req) > 0 && (v = http_header_value(&req, "X~^|`_Y", &vlen)) != NULL
               && vlen == 1 && v[0] == 'v',
               "a field name of tchars ~ ^ | ` _, its value trimmed of tabs and spaces");
        static const char resumed[] = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
        tap_ok(http_parse_request(resumed, sizeof resumed - 1, 1, &req) == (int)sizeof resumed - 1,
               "resumed with last_len inside the skipped empty line");
    }
}

static void test_refusals(void)
{
    char big[HTTP_MAX_HEAD_BYTES + 200];
    expect_status("GET / HTTP/1.1\nHost: a\n\n", 400, "bare LF");
    expect_status("GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400, "bare LF inside the head");
    /* RFC 9112 section 2.2: a bare CR is refused, not read as a line end. */
    expect_status("GET / HTTP/1.1\r\nX: a\rzHost: a\r\n\r\n", 400, "bare CR that would hide a Host line");
    expect_status("GET / HTTP/1.1\rzHost: a\r\n\r\n", 400, "bare CR after the request line");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\r", 0, "a CR at the end of the input needs more");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n  folded\r\n\r\n", 400, "obs-fold");
    expect_status("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "whitespace before the colon");
    expect_status("GET / HTTP/1.1\r\n\r\n", 400, "HTTP/1.1 without Host");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Host fields");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "CL with TE");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", 400, "Content-Length twice");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "conflicting Content-Lengths");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", 400, "Content-Length list");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "negative Content-Length");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400, "signed Content-Length");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400, "hex Content-Length");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400, "overflowing Content-Length");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n", 413, "body over the limit");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "a coding we do not support");
    /* RFC 9112 section 6.3: chunked not last in a request -> MUST 400. */
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, "chunked not the final coding");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "no chunked at all");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400, "an empty Transfer-Encoding");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, "chunked twice (RFC 9112 6.1)");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "two Transfer-Encoding fields");
    expect_status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Transfer-Encoding on HTTP/1.0");
    expect_status("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0 in HTTP/1 syntax");
    expect_status("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505, "HTTP/0.9");
    /* RFC 9112 section 3.2: an invalid Host value is a 400. */
    expect_status("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "a Host with a space");
    expect_status("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "a Host with a path");
    expect_status("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400, "a Host with user info");
    expect_status("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400, "a Host with a bad port");
    expect_status("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, "an unclosed IP-literal");
    expect_status("GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", 400, "a short percent escape in Host");
    expect_status("GET / HTTP/1.0\r\nHost: a\"b\r\n\r\n", 400, "an invalid Host on HTTP/1.0");
    expect_status("GET http://a<b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "an absolute-form host that is no uri-host");
    expect_status("GET http://:80/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "an absolute-form authority with no host");
    expect_status("GET / HTTP/1.1\r\nHost: [a/b]\r\n\r\n", 400, "an IP-literal with a character no IP-literal has");
    expect_status("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400, "junk after an IP-literal");
    expect_status("GET / HTTP/1.1\r\nHost: []\r\n\r\n", 400, "an empty IP-literal");
    expect_status("GET / HTTP/1.1\r\nHost: a%4z\r\n\r\n", 400, "a percent escape with one hex digit");
    expect_status("GET / HTTP/1.1\r\nHost: a%z4\r\n\r\n", 400, "a percent escape with none");
    expect_status("GET / HTTP/1.1\r\nHost: a:8-\r\n\r\n", 400, "a port with a character below '0'");
    expect_status("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400, "junk after the version");
    expect_status("GET / HTTP/!.1\r\nHost: a\r\n\r\n", 400, "a major version below '0'");
    expect_status("GET / HTTP/1.!\r\nHost: a\r\n\r\n", 400, "a minor version below '0'");
    expect_status("GET /x\r\nHost: a\r\n\r\n", 400, "a request line without a version");
    expect_status("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, "DEL in the target");
    expect_status("CONNECT * HTTP/1.1\r\nHost: a\r\n\r\n", 400, "the target * on a 7-letter method that is not OPTIONS");
    expect_status("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "a bare LF as the first byte");
    expect_status("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                  "five empty lines before the request line (four are skipped)");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tfolded\r\n\r\n", 400, "obs-fold with a tab");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400, "a header line of a name and no colon");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", 400, "a header line with no name");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX{Y: 1\r\n\r\n", 400, "'{' in a field name (no tchar)");
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip,\tchunked\r\n\r\n", 501,
                  "a coding before chunked, after a tab");
    expect_status("GET / HTTP/a.1\r\nHost: a\r\n\r\n", 400, "a major version that is no digit");
    expect_status("GET / HTTP/1,1\r\nHost: a\r\n\r\n", 400, "no dot in the version");
    expect_status("GET / HTTP/1.a\r\nHost: a\r\n\r\n", 400, "a minor version that is no digit");
    expect_status("GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400, "not HTTP");
    expect_status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "two spaces");
    expect_status("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "a target that is no form of RFC 9112 section 3.2");
    expect_status("GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "a relative target");
    expect_status("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "absolute-form without a host");
    expect_status("GET http://user@a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "absolute-form with user info");
    expect_status("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, "asterisk-form on GET");
    expect_status("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "authority-form (CONNECT)");
    expect_status("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "a method that is not a token");
    expect_status("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "control character in the target");
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400, "control character in a value");

    struct http_request req;
    const char nul[] = "GET / HTTP/1.1\r\nHost: a\0\r\n\r\n";
    tap_ok(http_parse_request(nul, sizeof nul - 1, 0, &req) == -400, "NUL in the head -> 400");

    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    tap_ok(http_parse_request(big, sizeof big, 0, &req) == -414, "an endless request target -> 414");
    /* A target just past HTTP_MAX_TARGET_BYTES in a request line that is
     * not yet too long as a whole: the target's own limit answers. */
    static const char rest[] = " HTTP/1.1\r\nHost: a\r\n\r\n";
    size_t line = 4 + HTTP_MAX_TARGET_BYTES + 1;
    memcpy(big + line, rest, sizeof rest - 1);
    tap_ok(http_parse_request(big, line + sizeof rest - 1, 0, &req) == -414 && req.error_limit == HTTP_MAX_TARGET_BYTES,
           "a target of HTTP_MAX_TARGET_BYTES + 1 -> 414 naming that limit (%s)", req.error ? req.error : "");
    memset(big, 'a', sizeof big);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    tap_ok(http_parse_request(big, sizeof big, 0, &req) == -431, "an endless header section -> 431");

    char many[4096] = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < HTTP_MAX_HEADERS; i++)
        strcat(many, "X-A: b\r\n");
    strcat(many, "\r\n");
    expect_status(many, 431, "more than HTTP_MAX_HEADERS fields");
}

static void test_chunked(void)
{
    char out[64];
    size_t out_len;
    const char *body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    size_t whole = strlen(body) - 4;
    int all_need_more = 1;
    for (size_t i = 0; i < whole; i++) {
        if (decode(body, i, out, sizeof out, &out_len) != HTTP_NEED_MORE)
            all_need_more = 0;
    }
    tap_ok(all_need_more, "every prefix of a chunked body needs more");
    long n = decode(body, strlen(body), out, sizeof out, &out_len);
    tap_ok(n == (long)whole && out_len == 11 && memcmp(out, "hello world", 11) == 0,
           "chunks, an extension and a trailer decode to 'hello world'");
    /* Resumed: one state, fed a byte more each time, in one buffer. */
    {
        char grow[128];
        struct http_chunked st = { 0, 0, 0, 0 };
        long r = HTTP_NEED_MORE;
        size_t fed = 0;
        while (r == HTTP_NEED_MORE && fed < strlen(body)) {
            grow[fed] = body[fed];
            fed++;
            r = http_decode_chunked(&st, grow, fed, sizeof out);
        }
        tap_ok(r == (long)whole && st.out_len == 11 && memcmp(grow, "hello world", 11) == 0,
               "fed a byte at a time, it resumes where it stopped and ends at the same byte");
    }
    tap_ok(decode("zz\r\n", 4, out, sizeof out, &out_len) == -400, "a bad chunk size -> 400");
    tap_ok(decode("5 \r\nhello\r\n0\r\n\r\n", 17, out, sizeof out, &out_len) == -400, "junk after the size -> 400");
    tap_ok(decode("5\r\nhelloXX0\r\n\r\n", 15, out, sizeof out, &out_len) == -400, "no CRLF after the data -> 400");
    tap_ok(decode("5\nhello\r\n", 10, out, sizeof out, &out_len) == -400, "bare LF after the size -> 400");
    tap_ok(decode("ffffffffffffffffffff\r\n", 22, out, sizeof out, &out_len) == -413, "a giant chunk -> 413");
    tap_ok(decode("41\r\n", 4, out, sizeof out, &out_len) == -413, "a chunk larger than the buffer -> 413");
    /* RFC 9112 section 7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ) */
    {
        static const char *const good[] = {
            "5 ;a=b\r\nhello\r\n0\r\n\r\n", "5\t; a = b ;c\r\nhello\r\n0 ;z\r\n\r\n",
            "5;a=\"x y\\\";\"\r\nhello\r\n0\r\n\r\n", "00000000000000000000005;a\r\nhello\r\n000\r\n\r\n",
            "5\r\nhello\r\n0\r\nX-T: 1\r\nY:\r\n\r\n",
        };
        static const char *const bad[] = {
            "5;\r\nhello\r\n0\r\n\r\n", "5;a b\r\nhello\r\n0\r\n\r\n", "5;a=\r\nhello\r\n0\r\n\r\n",
            "5;a=\"x\r\nhello\r\n0\r\n\r\n", "5;a=b c\r\nhello\r\n0\r\n\r\n", "5;a;\r\nhello\r\n0\r\n\r\n",
            "5 ;a \r\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n0\r\nno colon\r\n\r\n", "5\r\nhello\r\n0\r\n: v\r\n\r\n",
            "5\r\nhello\r\n0\r\nX : v\r\n\r\n",
        };
        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
            long r = decode(good[i], strlen(good[i]), out, sizeof out, &out_len);
            tap_ok(r == (long)strlen(good[i]) && out_len == 5 && memcmp(out, "hello", 5) == 0,
                   "chunked body %zu with extensions/trailers decodes (got %ld)", i, r);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            tap_ok(decode(bad[i], strlen(bad[i]), out, sizeof out, &out_len) == -400,
                   "malformed chunk-ext or trailer %zu -> 400", i);
    }
    /* A quoted-string's escape needs a field character after the
     * backslash (RFC 9110 section 5.6.4), and a quoted-string holds none
     * of the characters a field may not (DEL). */
    tap_ok(decode("5;a=\"x\\\x7f\"\r\nhello\r\n0\r\n\r\n", 23, out, sizeof out, &out_len) == -400,
           "a backslash before DEL in a quoted extension value -> 400");
    tap_ok(decode("5;a=\"x\x7f\"\r\nhello\r\n0\r\n\r\n", 22, out, sizeof out, &out_len) == -400,
           "DEL in a quoted extension value -> 400");
    tap_ok(decode("5\rX\nhello\r\n0\r\n\r\n", 17, out, sizeof out, &out_len) == -400,
           "a bare CR in a chunk-size line -> 400");
    tap_ok(decode("5\r\nhello\rX0\r\n\r\n", 15, out, sizeof out, &out_len) == -400,
           "a CR not followed by LF after the data -> 400");
    tap_ok(decode("5\r\nhello\r\n0\r\nX: a\x01\r\n\r\n", 23, out, sizeof out, &out_len) == -400,
           "a control character in a trailer field -> 400");
    tap_ok(decode("5;a=\"x\\\r\nhello\r\n0\r\n\r\n", 21, out, sizeof out, &out_len) == -400,
           "a quoted extension value ending in a backslash -> 400");
    /* The limits a chunked body is held to. */
    {
        static char line[400];
        struct http_chunked st = { 0, 0, 0, 0 };
        memset(line, '0', 300);                 /* 300 zeros and a 5: a size line of 301 bytes */
        memcpy(line + 300, "5\r\nhello\r\n", 10);
        tap_ok(http_decode_chunked(&st, line, 310, 64) == -400,
               "a chunk-size line longer than 256 bytes -> 400, even with its CRLF");
        struct http_chunked fresh = { 0, 0, 0, 0 };
        tap_ok(http_decode_chunked(&fresh, line, 300, 64) == -400,
               "and at once, before its CRLF has arrived");
    }
    tap_ok(decode("20\r\n12345678901234567890123456789012\r\n20\r\n", 42, out, 40, &out_len) == -413,
           "chunks that together pass the cap -> 413 before the second is read");
    {
        static char body[6000];
        struct http_chunked st = { 0, 0, 0, 0 };
        size_t n = 0;
        memcpy(body, "1\r\nx\r\n0\r\n", 9);
        n = 9;
        while (n < 4200) {          /* many short trailer fields, over 4096 bytes in all */
            memcpy(body + n, "X-Long-Trailer: 0123456789\r\n", 28);
            n += 28;
        }
        memcpy(body + n, "\r\n", 2);
        n += 2;
        tap_ok(http_decode_chunked(&st, body, n, 64) == -400,
               "a trailer section over 4096 bytes in all -> 400");
    }
}

static void test_helpers(void)
{
    char out[32];
    const char *q = "after=12&callback=a.b&msg=a%20b+c&bad=%zz&empty=&flag";
    tap_ok(http_query_param(q, strlen(q), "after", out, sizeof out) == 2 && strcmp(out, "12") == 0, "query param after=12");
    tap_ok(http_query_param(q, strlen(q), "msg", out, sizeof out) == 5 && strcmp(out, "a b c") == 0, "percent and plus decode");
    tap_ok(http_query_param(q, strlen(q), "bad", out, sizeof out) == -2, "a bad escape is refused");
    tap_ok(http_query_param(q, strlen(q), "empty", out, sizeof out) == 0, "an empty value");
    tap_ok(http_query_param(q, strlen(q), "flag", out, sizeof out) == 0, "a bare flag");
    tap_ok(http_query_param(q, strlen(q), "nope", out, sizeof out) == -1, "an absent param");
    tap_ok(http_query_param("a=%00", 5, "a", out, sizeof out) == -2, "a decoded NUL is refused");
    tap_ok(http_query_param("a=%2B", 5, "a", out, sizeof out) == 1 && strcmp(out, "+") == 0, "%%2B stays a plus");
    tap_ok(http_query_param("a=%4", 4, "a", out, sizeof out) == -2, "an escape cut short at the end is refused");
    tap_ok(http_query_param("a=%4z", 5, "a", out, sizeof out) == -2, "an escape with one hex digit is refused");
    tap_ok(http_query_param("a=", 2, "a", out, 0) == -2, "no room even for the NUL: refused, nothing written");
    tap_ok(http_percent_decode("a%20b", 5, out, sizeof out) == 3 && strcmp(out, "a b") == 0
           && http_percent_decode("a+b", 3, out, sizeof out) == 3 && strcmp(out, "a+b") == 0,
           "a path is percent-decoded with '+' left as it is");

    uint64_t v;
    tap_ok(http_parse_u64("18446744073", 11, &v) == 0 && v == 18446744073ULL, "u64 parses");
    tap_ok(http_parse_u64("", 0, &v) != 0 && http_parse_u64("1a", 2, &v) != 0
           && http_parse_u64("-1", 2, &v) != 0 && http_parse_u64("99999999999999999999", 20, &v) != 0,
           "u64 refuses empty, junk, signs and overflow");

    const char *good[] = { "http://localhost:3000", "http://127.0.0.1", "https://a-b.example.com:8443", "http://[::1]:3000",
                           "http://EXAMPLE.Org:80", "http://[::ffff:127.0.0.1]", "https://x9" };
    const char *bad[] = { "*", "null", "http://", "http://a/b", "http://a:", "http://a:123456", "http://a:65536", "http://a:99999", "javascript:alert(1)",
                          "http://a\"b", "http://u@a", "http://a b", "ftp://a", "http://a:3000/index.html",
                          "http://[]", "http://[::1", "http://[::1]x", "http://:80", "http://a:8x", "http://a:8-",
                          "http://[::1x]" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        tap_ok(http_origin_is_valid(good[i], strlen(good[i])), "origin %s is valid", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        tap_ok(!http_origin_is_valid(bad[i], strlen(bad[i])), "origin %s is refused", bad[i]);
}

/* RFC 9112 section 3.2: the request-target forms a server sees. */
static void expect_target(const char *target, const char *path, const char *query)
{
    char raw[256];
    struct http_request req;
    snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: other\r\n\r\n",
             strcmp(target, "*") == 0 ? "OPTIONS" : "GET", target);
    int rc = parse(raw, &req);
    int path_ok = rc > 0 && req.path_len == strlen(path) && memcmp(req.path, path, req.path_len) == 0;
    int query_ok = rc > 0 && (query == NULL ? req.query == NULL
                              : req.query != NULL && req.query_len == strlen(query)
                                && memcmp(req.query, query, req.query_len) == 0);
    tap_ok(path_ok && query_ok, "target %s: path %s, query %s", target, path,
           query ? query : "(none)");
}

/* RFC 9110 section 5.6.1: list elements, empty ones skipped, trimmed. */
static void test_list_next(void)
{
    const char *v = " a, ,b c\t,,\tchat ,";
    const char *want[] = { "a", "b c", "chat" };
    size_t pos = 0, n, k = 0;
    const char *elem;
    int all = 1;
    while (http_list_next(v, strlen(v), &pos, &elem, &n)) {
        all = all && k < 3 && n == strlen(want[k]) && memcmp(elem, want[k], n) == 0;
        k++;
    }
    tap_ok(all && k == 3, "http_list_next: \" a, ,b c\\t,,\\tchat ,\" is a, \"b c\", chat");
    pos = 0;
    tap_ok(!http_list_next(" , ,", 4, &pos, &elem, &n) && pos == 4, "a list of only commas and blanks has no element");
}

static void test_target_forms(void)
{
    expect_target("/poll?after=3", "/poll", "after=3");
    /* Section 3.2.2: a server MUST accept absolute-form. */
    expect_target("http://127.0.0.1:3000/poll?after=3", "/poll", "after=3");
    expect_target("HTTP://LOCALHOST/index.html", "/index.html", NULL);
    expect_target("https://a", "/", NULL);
    expect_target("http://a?x=1", "/", "x=1");
    expect_target("http://[::1]:3000/stats", "/stats", NULL);
    expect_target("*", "*", NULL);   /* section 3.2.4, OPTIONS only */
}

/* Resuming does not read again what an earlier call already read: the
 * head scan starts at last_len (picohttpparser's rule) and the chunked
 * decoder at the chunk where it stopped.  Shown by a byte the earlier
 * call never saw and a fresh call refuses: the resumed call looks past
 * it.  (The scan used to restart at byte 0 on every read, quadratic for
 * a head sent a byte at a time.) */
static void test_resume(void)
{
    struct http_request req;
    /* A NUL inside the part already scanned, as if it had been
     * overwritten after the scan. */
    char head[] = "GET / HTTP/1.1\r\nX-A: b\0c\r\nX-B: d";
    size_t len = sizeof head - 1;
    tap_ok(http_parse_request(head, len, 0, &req) == -400,
           "from scratch, a NUL in the head is refused at once");
    tap_ok(http_parse_request(head, len, len - 3, &req) == HTTP_NEED_MORE,
           "resumed at last_len, the bytes before it are not scanned again");

    /* The decoder's state has moved past the first, complete chunk while
     * the second is still arriving: the next call starts there. */
    char body[] = "5\r\nhello\r\n6\r\n wo";
    struct http_chunked st = { 0, 0, 0, 0 };
    tap_ok(http_decode_chunked(&st, body, sizeof body - 1, 64) == HTTP_NEED_MORE
           && st.out_len == 5 && memcmp(body, "hello", 5) == 0 && st.pos == 10,
           "a complete chunk is decoded and passed; the next starts at its size line");
    body[8] = 'X';   /* the CR after its data: framing read once, never again */
    tap_ok(http_decode_chunked(&st, body, sizeof body - 1, 64) == HTTP_NEED_MORE,
           "resumed, the decoder does not read the first chunk's framing again");
}

/* Every status the server answers with has its reason phrase (429 was
 * "Unknown" in step mode's "too many step requests waiting"). */
static void test_status_texts(void)
{
    static const int sent[] = { 101, 200, 204, 400, 403, 404, 405, 408, 413,
                                414, 426, 429, 431, 500, 501, 503, 505 };
    int all = 1;
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
        if (strcmp(http_status_text(sent[i]), "Unknown") == 0) {
            all = 0;
            tap_diag("no reason phrase for %d", sent[i]);
        }
    }
    tap_ok(all, "every status the server sends has a reason phrase");
    tap_ok(strcmp(http_status_text(299), "Unknown") == 0, "a status it never sends reads Unknown");
    tap_ok(strcmp(http_status_text(429), "Too Many Requests") == 0, "429 Too Many Requests");
}

int main(void)
{
    test_valid_byte_by_byte();
    test_pipelined();
    test_versions_and_keepalive();
    test_refusals();
    test_chunked();
    test_target_forms();
    test_list_next();
    test_helpers();
    test_resume();
    test_status_texts();
    return tap_done();
}
