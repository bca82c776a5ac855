/*
 * fuzz_http.c - libFuzzer target for the request parser (http.c).
 *
 * What must hold for any bytes a client can send:
 *   - http_parse_request never reads outside the buffer it is given and
 *     every pointer it returns lies inside that buffer;
 *   - it is restartable from the start: the server calls it again each
 *     time more bytes arrive, so a prefix of the input must never give
 *     an answer the whole input contradicts (a success of another length,
 *     or a refusal of what the whole input accepts);
 *   - resumed (last_len: the length of the prefix the previous call saw
 *     and found incomplete), it answers exactly as a call from scratch;
 *   - pipelined input: after a request head, its body (Content-Length or
 *     chunked) and the next request parse the same way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunked.h"
#include "core/http.h"

enum {
    MAX_PIPELINED = 64,       /* requests parsed from one input */
    SPLIT_SAMPLES = 48,       /* prefix lengths tried per request */
    CHUNKED_OUT_MAX = HTTP_MAX_BODY_BYTES
};

static void check(int cond)
{
    if (!cond)
        abort();
}

/* Parse a copy of buf[0..len) in a buffer of exactly len bytes, so that
 * AddressSanitizer sees any read past the prefix. */
static int parse_copy(const char *buf, size_t len, size_t last_len,
                      struct http_request *req)
{
    char *copy = malloc(len ? len : 1);
    check(copy != NULL);
    if (len)
        memcpy(copy, buf, len);
    int rc = http_parse_request(copy, len, last_len, req);
    free(copy);
    return rc;
}

static int inside(const char *p, size_t n, const char *buf, size_t len)
{
    return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

static int is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
           || (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static void check_request(const struct http_request *req, const char *buf,
                          size_t used)
{
    check(req->method_len > 0 && inside(req->method, req->method_len, buf, used));
    for (size_t i = 0; i < req->method_len; i++)
        check(is_tchar((unsigned char)req->method[i]));
    check(inside(req->target, req->target_len, buf, used));
    check(req->target_len > 0 && req->target_len <= HTTP_MAX_TARGET_BYTES);
    /* The three target forms (RFC 9112 section 3.2) and where each puts
     * the path: origin-form at the start, absolute-form after the host
     * (or a constant "/"), asterisk-form "*" for OPTIONS alone. */
    int asterisk = req->target_len == 1 && req->target[0] == '*';
    int origin_form = req->target[0] == '/';
    int path_inside = inside(req->path, req->path_len, req->target, req->target_len);
    if (asterisk) {
        check(req->method_len == 7 && memcmp(req->method, "OPTIONS", 7) == 0);
        check(req->path == req->target && req->path_len == 1 && req->query == NULL);
    } else {
        check(req->path_len >= 1 && req->path[0] == '/');
        check(path_inside || (req->path_len == 1 && !origin_form));
        check(memchr(req->path, '?', req->path_len) == NULL);
    }
    if (origin_form)
        check(req->path == req->target);
    if (!origin_form && !asterisk)
        check(req->target_len >= 8 && memchr(req->target, ':', req->target_len) != NULL);
    if (req->query != NULL) {
        check(inside(req->query, req->query_len, req->target, req->target_len));
        check(req->query[-1] == '?'
              && req->query + req->query_len == req->target + req->target_len);
        if (path_inside)
            check(req->query == req->path + req->path_len + 1);
    }
    check(req->minor_version == 0 || req->minor_version == 1);
    check(req->num_headers <= HTTP_MAX_HEADERS);
    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];
        check(h->name_len > 0 && inside(h->name, h->name_len, buf, used));
        check(inside(h->value, h->value_len, buf, used));
        for (size_t k = 0; k < h->name_len; k++)
            check(is_tchar((unsigned char)h->name[k]));
        for (size_t k = 0; k < h->value_len; k++) {
            unsigned char ch = (unsigned char)h->value[k];
            check(ch != '\r' && ch != '\n' && ch != '\0');
        }
    }
    if (req->body_kind == HTTP_BODY_LENGTH)
        check(req->content_length > 0 && req->content_length <= HTTP_MAX_BODY_BYTES);
    else
        check(req->content_length == 0);
    if (req->body_kind == HTTP_BODY_CHUNKED)
        check(http_header_count(req, "Content-Length") == 0);
}

/* Every prefix of a request agrees with the whole. */
static void check_prefixes(const char *buf, size_t len, int whole)
{
    size_t step = len / SPLIT_SAMPLES + 1;
    size_t last_need_more = 0;   /* the last prefix found incomplete */
    for (size_t k = 0; k < len; k += step) {
        struct http_request req;
        int rc = parse_copy(buf, k, 0, &req);
        check(parse_copy(buf, k, last_need_more, &req) == rc);   /* resumed */
        if (rc == HTTP_NEED_MORE)
            last_need_more = k;
        if (rc > 0)
            check(rc == whole);        /* a prefix succeeds as the whole does */
        else if (rc < 0)
            check(whole < 0);          /* a prefix refused: so is the whole */
        else if (whole > 0)
            check(k < (size_t)whole);  /* complete heads are seen as complete */
    }
    if (whole > 0) {
        struct http_request req;
        check(parse_copy(buf, (size_t)whole - 1, 0, &req) == HTTP_NEED_MORE);
        check(parse_copy(buf, (size_t)whole, 0, &req) == whole);
        check(parse_copy(buf, (size_t)whole, (size_t)whole - 1, &req) == whole);
    }
}

/* The body of a parsed request; returns the bytes it takes, or -1.  A
 * chunked body is decoded in place, in a copy (scratch holds size bytes). */
static long body_length(const struct http_request *req, const char *buf,
                        size_t len, char *scratch)
{
    if (req->body_kind == HTTP_BODY_LENGTH)
        return req->content_length <= len ? (long)req->content_length : -1;
    if (req->body_kind != HTTP_BODY_CHUNKED)
        return 0;
    struct http_chunked st = { 0, 0, 0, 0 };
    memcpy(scratch, buf, len);
    long n = http_decode_chunked(&st, scratch, len, CHUNKED_OUT_MAX);
    if (n <= 0)
        return -1;
    check((size_t)n <= len && st.out_len <= CHUNKED_OUT_MAX && st.out_len < (size_t)n);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *scratch = malloc(size ? size : 1);
    const char *buf = (const char *)data;
    size_t pos = 0;

    for (int n = 0; n < MAX_PIPELINED && pos < size; n++) {
        struct http_request req;
        int rc = parse_copy(buf + pos, size - pos, 0, &req);
        if (n == 0 || size - pos < 2048)
            check_prefixes(buf + pos, size - pos, rc);
        if (rc <= 0)
            break;
        check((size_t)rc <= size - pos);
        /* parse_copy freed its copy: parse again in place for pointers. */
        check(http_parse_request(buf + pos, size - pos, 0, &req) == rc);
        check_request(&req, buf + pos, (size_t)rc);
        pos += (size_t)rc;
        long body = body_length(&req, buf + pos, size - pos, scratch);
        if (body < 0)
            break;
        pos += (size_t)body;
    }
    free(scratch);
    return 0;
}
