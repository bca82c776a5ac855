/*
 * core/http.h - a pure HTTP/1.1 request parser (RFC 9112) and the small
 * helpers every route needs to read a request.
 *
 * Pure means: no I/O, no allocation, no global state.  The parser is
 * given the bytes received so far and answers one of three things, in
 * the style of picohttpparser:
 *
 *   > 0   the request head is complete and that many bytes were used;
 *   HTTP_NEED_MORE (0)   the head is not complete yet, call again later;
 *   < 0   the request is invalid: the value is minus the status code to
 *         answer with (-400, -431, -505, ...), and the connection must be
 *         closed after that answer.
 *
 * So the same code can be driven by the server, by a unit test one byte
 * at a time, or by a fuzzer.  Pointers in struct http_request point into
 * the caller's buffer; they are valid while that buffer is unchanged.
 * Called again with more bytes, the parser looks only at what is new for
 * the end of the head (last_len, as in picohttpparser), and a chunked
 * body is decoded from where the last call stopped (struct
 * http_chunked, core/chunked.h), so a request that arrives a byte at a
 * time costs time in proportion to its length, not to its square.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

enum {
    HTTP_NEED_MORE = 0,
    HTTP_MAX_HEADERS = 64,        /* more header fields than this: 431 */
    HTTP_MAX_HEAD_BYTES = 8192,   /* request line + header fields: 431 */
    HTTP_MAX_TARGET_BYTES = 4096, /* request-target longer than this: 414 */
    HTTP_MAX_BODY_BYTES = 65536,  /* request body (decoded): 413 */
    HTTP_U64_MAX_DIGITS = 19,     /* decimal digits http_parse_u64 takes: 19 always
                                     fit in 64 bits, so no overflow check is needed */
    HTTP_ORIGIN_MAX = 300         /* bytes of a serialized origin we accept: "https://"
                                     + a 253-byte DNS name + ":65535" fits in 267 */
};

struct http_header {
    const char *name;
    size_t name_len;
    const char *value;  /* leading and trailing whitespace removed */
    size_t value_len;
};

enum http_body_kind {
    HTTP_BODY_NONE,
    HTTP_BODY_LENGTH,   /* Content-Length */
    HTTP_BODY_CHUNKED   /* Transfer-Encoding: chunked */
};

struct http_request {
    const char *method;
    size_t method_len;
    const char *target;        /* the request-target as sent, e.g. "/poll?after=3" */
    size_t target_len;
    const char *path;          /* target up to '?' (still percent-encoded); after the
                                  host for absolute-form ("/" if none); "*" for OPTIONS * */
    size_t path_len;
    const char *authority;     /* absolute-form only: the target's host[:port], else NULL */
    size_t authority_len;
    const char *query;         /* after '?', or NULL */
    size_t query_len;
    int minor_version;         /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
    struct http_header headers[HTTP_MAX_HEADERS];
    size_t num_headers;
    enum http_body_kind body_kind;
    uint64_t content_length;   /* for HTTP_BODY_LENGTH */
    int keep_alive;            /* connection persists after the response */
    const char *error;         /* why the parser refused the request, or NULL */
    unsigned long error_limit; /* the limit it passed, or 0 */
    const char *body;          /* filled in by the server once the body is read */
    size_t body_len;
};

/* Parse a request head (request line + header fields + CRLF).  See the
 * comment at the top of this file for the return value.  last_len is the
 * length buf had at the previous call for this request (0 the first
 * time): those bytes were already scanned.  On success the framing
 * checks have been done: CL with TE, repeated CL, a TE other than
 * chunked, a missing, repeated or malformed Host are all refused. */
int http_parse_request(const char *buf, size_t len, size_t last_len,
                       struct http_request *req);

/* The value of the first header field called `name` (case-insensitive),
 * or NULL.  *len receives its length. */
const char *http_header_value(const struct http_request *req,
                              const char *name, size_t *len);

/* The host[:port] the request is for (RFC 9112 section 3.2.2): the
 * authority of an absolute-form target, else the Host field's value.
 * NULL if neither (an HTTP/1.0 request without Host). */
const char *http_request_host(const struct http_request *req, size_t *len);

/* How many header fields are called `name`. */
size_t http_header_count(const struct http_request *req, const char *name);

/* The next element of the comma-separated list v[0..len) (RFC 9110
 * section 5.6.1), starting at *pos: empty elements are skipped and the
 * whitespace around an element trimmed, so "a, ,b" gives "a" then "b".
 * 1 with *elem and *elem_len set and *pos moved past it; 0 at the end. */
int http_list_next(const char *v, size_t len, size_t *pos,
                   const char **elem, size_t *elem_len);

/* 1 if some field called `name` holds a comma-separated list containing
 * `token` (both compared case-insensitively), e.g. Connection: upgrade. */
int http_header_has_token(const struct http_request *req, const char *name,
                          const char *token);

/* 1 if the method is exactly `method`. */
int http_method_is(const struct http_request *req, const char *method);

/* Find query parameter `name` in a query string, percent-decode its value
 * ('+' is a space) into out (NUL-terminated).  Returns the decoded
 * length, -1 if absent, -2 if badly encoded or longer than out_size-1. */
long http_query_param(const char *query, size_t query_len, const char *name,
                      char *out, size_t out_size);

/* Percent-decode src into out (NUL-terminated).  Returns the length, or
 * -1 on a bad escape, a decoded NUL, or no room. */
long http_percent_decode(const char *src, size_t len, char *out,
                         size_t out_size);

/* Parse a decimal unsigned integer that fills all of s[0..len) (no sign,
 * no spaces, 1 to HTTP_U64_MAX_DIGITS digits).  0 on success, -1 if not.
 * Every number we read (Content-Length, after=, Last-Event-ID, ports)
 * goes through here, so they all share this one limit. */
int http_parse_u64(const char *s, size_t len, uint64_t *out);

/* 1 if s is a serialized origin we are willing to echo into a page or a
 * header: "http://" or "https://", a host of letters, digits, '-', '.',
 * or a bracketed IPv6 literal, and an optional ":port".  Nothing else
 * (no path, no userinfo, no quotes, no spaces). */
int http_origin_is_valid(const char *s, size_t len);

/* The origin of a page this server served, for a postMessage target
 * when the page did not name its own: "http://" + http_request_host(),
 * checked with http_origin_is_valid().  Its length, or -1 (no host, not
 * host[:port], or no room in out_size). */
long http_default_origin(const struct http_request *req, char *out, size_t out_size);

/* The value of one hexadecimal digit, or -1. */
int http_hex_digit(char ch);

/* 1 if ch is a tchar, the characters of a token (RFC 9110 section 5.6.2). */
int http_is_tchar(unsigned char ch);

/* 1 if ch may appear in a field value: VCHAR, obs-text, SP and HTAB
 * (RFC 9110 section 5.5). */
int http_is_field_char(unsigned char ch);

/* The reason phrase for a status code ("Not Found"), "Unknown" if none. */
const char *http_status_text(int status);

#endif
