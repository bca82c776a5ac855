/*
 * core/http.c - the request parser declared in core/http.h (RFC 9112, "HTTP/1.1").
 *
 * The article's servers use Node's parser and never see a malformed
 * request.  A server in C has to decide everything Node decided for
 * them, and the decisions that matter are about framing: where one
 * request ends and the next begins.  Two parties that disagree on that
 * (a proxy and this server, say) can be made to see a request that one
 * of them never checked ("request smuggling").  So this parser refuses
 * every ambiguous form instead of guessing:
 *
 *   - a bare LF where CRLF belongs (RFC 9112 section 2.2 allows
 *     recipients to accept it; we do not, so no peer can disagree);
 *   - obs-fold, a header line starting with whitespace (section 5.2);
 *   - whitespace between a field name and its colon (section 5.1);
 *   - Content-Length together with Transfer-Encoding (section 6.1);
 *   - Content-Length sent twice, or not a plain decimal number (6.3);
 *   - a Transfer-Encoding other than exactly "chunked": 400 when chunked
 *     is not its final coding (section 6.3), else 501; and any
 *     Transfer-Encoding on HTTP/1.0;
 *   - HTTP/1.1 without exactly one Host, or a Host (or an absolute-form
 *     authority) that is not uri-host [ ":" port ] (section 3.2).
 */
#include "core/http.h"

#include <string.h>

/* RFC 9110 section 5.6.2: tchar. */
int http_is_tchar(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return 1;
    return strchr("!#$%&'*+-.^_`|~", ch) != NULL && ch != '\0';
}

/* Field values: VCHAR, obs-text, SP and HTAB (RFC 9110 section 5.5). */
int http_is_field_char(unsigned char ch)
{
    return ch == '\t' || (ch >= 0x20 && ch != 0x7F);
}

/* The request-target: visible ASCII only (RFC 3986 allows no more). */
static int is_target_char(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7F;
}

/* Record why a request was refused (for the error body) and return
 * minus the status. */
static int refuse(struct http_request *req, int status, const char *why)
{
    req->error = why;
    return -status;
}

/* The same, for a request past one of our limits: the answer names it. */
static int refuse_limit(struct http_request *req, int status, const char *why,
                        unsigned long limit)
{
    req->error_limit = limit;
    return refuse(req, status, why);
}

static int lower(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch;
}

static int equal_nocase(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    }
    return 1;
}

/* Offset just past the first CRLF CRLF, 0 if none; -1 on a bare LF, a
 * bare CR or a NUL (refused at once, whether or not the head is
 * complete).  RFC 9112 section 2.2: a bare CR MUST be refused or read as
 * SP; the lines below are split at CR, so one let through here would end
 * a line early and swallow the byte after it ("X: a\rzHost: b" would
 * become the fields "X: a" and "Host: b").
 *
 * The scan starts at `from`: the bytes before it were looked at by an
 * earlier call (picohttpparser's last_len), all but the last, a CR whose
 * next byte had not arrived yet, which the caller's `from` includes. */
static long find_head_end(const char *buf, size_t len, size_t from)
{
    for (size_t i = from; i < len; i++) {
        if (buf[i] == '\0')
            return -1;
        if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n')
            return -1;
        if (buf[i] != '\n')
            continue;
        if (i == 0 || buf[i - 1] != '\r')
            return -1;
        if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r')
            return (long)(i + 1);
    }
    return 0;
}

/* The longest request line: the target plus room for a method and the
 * version.  Checked on complete and incomplete lines alike, so that the
 * answer does not depend on how the bytes were split into reads. */
enum { REQUEST_LINE_MAX = HTTP_MAX_TARGET_BYTES + 32 };

/* RFC 3986 section 2.3 unreserved and 2.2 sub-delims. */
static int is_reg_name_char(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return 1;
    return ch != '\0' && strchr("-._~!$&'()*+,;=", ch) != NULL;
}

/* 1 if s[0..len) is uri-host [ ":" port ] (RFC 9110 section 7.2, RFC
 * 3986 section 3.2.2-3.2.3): an IP-literal in brackets, or a reg-name of
 * unreserved, pct-encoded and sub-delims characters (an IPv4 address is
 * one), then an optional port of digits.  Empty is allowed: RFC 9112
 * section 3.2 has a client send "Host:" empty when there is no authority. */
static int is_authority(const char *s, size_t len)
{
    size_t i = 0;
    if (len > 0 && s[0] == '[') {
        for (i = 1; i < len && s[i] != ']'; i++) {
            if (!is_reg_name_char((unsigned char)s[i]) && s[i] != ':')
                return 0;     /* IPv6address or IPvFuture characters only */
        }
        if (i >= len || i == 1)
            return 0;
        i++;
    } else {
        while (i < len && s[i] != ':') {
            if (s[i] == '%') {
                if (len - i < 3 || http_hex_digit(s[i + 1]) < 0 || http_hex_digit(s[i + 2]) < 0)
                    return 0;
                i += 3;
            } else if (is_reg_name_char((unsigned char)s[i])) {
                i++;
            } else {
                return 0;
            }
        }
    }
    if (i == len)
        return 1;
    if (s[i] != ':')
        return 0;
    for (i++; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    return 1;
}

/* Length of "http://" or "https://" (any case) at the start of t, or 0. */
static size_t http_scheme_len(const char *t, size_t len)
{
    if (len >= 7 && equal_nocase(t, 7, "http://"))
        return 7;
    if (len >= 8 && equal_nocase(t, 8, "https://"))
        return 8;
    return 0;
}

/* Split the request-target into path and query (RFC 9112 section 3.2).
 * Three of its four forms can reach an origin server:
 *   origin-form    "/poll?after=3"                   what browsers send;
 *   absolute-form  "http://127.0.0.1:3000/poll?after=3"
 *                  sent to proxies, but section 3.2.2 says a server MUST
 *                  accept it too: we serve its path and query, and the
 *                  Host field is then ignored, as that section says;
 *   asterisk-form  "*", for "OPTIONS *" only (section 3.2.4): the path
 *                  is "*" and the server answers for itself as a whole.
 * The fourth, authority-form, belongs to CONNECT, which we do not do. */
static int parse_target(struct http_request *req)
{
    const char *t = req->target;
    size_t len = req->target_len;

    if (len == 1 && t[0] == '*') {
        if (!(req->method_len == 7 && memcmp(req->method, "OPTIONS", 7) == 0))
            return refuse(req, 400, "the target * is for OPTIONS only");
        req->path = t;
        req->path_len = 1;
        return 0;
    }
    if (t[0] != '/') {
        size_t scheme = http_scheme_len(t, len);
        if (scheme == 0)
            return refuse(req, 400, "the request target must be /path, http://host/path, or * (OPTIONS)");
        size_t authority = scheme;
        while (authority < len && t[authority] != '/' && t[authority] != '?')
            authority++;
        /* RFC 9110 section 4.2.4: userinfo in an http URI is an error
         * (is_authority has no '@'), and so is an empty host. */
        if (authority == scheme || !is_authority(t + scheme, authority - scheme)
            || t[scheme] == ':')
            return refuse(req, 400, "the absolute-form target has no host, has user info, or a malformed host");
        req->authority = t + scheme;
        req->authority_len = authority - scheme;
        t += authority;
        len -= authority;
    }
    const char *q = memchr(t, '?', len);
    req->path_len = q ? (size_t)(q - t) : len;
    req->path = req->path_len > 0 ? t : "/";   /* "http://host" or "http://host?x" */
    if (req->path_len == 0)
        req->path_len = 1;
    req->query = q ? q + 1 : NULL;
    req->query_len = q ? (size_t)(t + len - q - 1) : 0;
    return 0;
}

/* Parse "METHOD SP target SP HTTP/d.d" in line[0..len).  0 or -status. */
static int parse_request_line(const char *line, size_t len, struct http_request *req)
{
    size_t i = 0;

    if (len > REQUEST_LINE_MAX)
        return refuse_limit(req, 414, "the request line is too long", REQUEST_LINE_MAX);
    req->method = line;
    while (i < len && http_is_tchar((unsigned char)line[i]))
        i++;
    req->method_len = i;
    if (i == 0 || i >= len || line[i] != ' ')
        return refuse(req, 400, "the request line must be METHOD SP target SP HTTP/1.x");
    i++;

    req->target = line + i;
    while (i < len && is_target_char((unsigned char)line[i]))
        i++;
    req->target_len = (size_t)(line + i - req->target);
    if (req->target_len == 0 || i >= len || line[i] != ' ')
        return refuse(req, 400, "the request target is missing or has a space or control character");
    if (req->target_len > HTTP_MAX_TARGET_BYTES)
        return refuse_limit(req, 414, "the request target is too long", HTTP_MAX_TARGET_BYTES);
    i++;

    /* HTTP-version = "HTTP" "/" DIGIT "." DIGIT (section 2.3) */
    if (len - i != 8 || memcmp(line + i, "HTTP/", 5) != 0)
        return refuse(req, 400, "the HTTP version is malformed");
    char major = line[i + 5], dot = line[i + 6], minor = line[i + 7];
    if (major < '0' || major > '9' || dot != '.' || minor < '0' || minor > '9')
        return refuse(req, 400, "the HTTP version is malformed");
    /* RFC 9110 section 15.6.6: 505 is about the major version.  A later
     * 1.x is read as 1.1, "the highest minor version within that major
     * version to which the recipient is conformant" (section 2.5). */
    if (major != '1')
        return refuse(req, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
    req->minor_version = minor == '0' ? 0 : 1;

    return parse_target(req);
}

/* Parse one "name: value" line.  0 or -status. */
static int parse_header_line(const char *line, size_t len, struct http_request *req)
{
    if (line[0] == ' ' || line[0] == '\t')
        return refuse(req, 400, "obsolete line folding is not accepted");
    size_t i = 0;
    while (i < len && http_is_tchar((unsigned char)line[i]))
        i++;
    if (i == 0 || i >= len || line[i] != ':')
        return refuse(req, 400, "a header field name is malformed (or followed by whitespace)");
    if (req->num_headers == HTTP_MAX_HEADERS)
        return refuse_limit(req, 431, "too many header fields", HTTP_MAX_HEADERS);

    struct http_header *h = &req->headers[req->num_headers];
    h->name = line;
    h->name_len = i;
    i++;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t end = len;
    while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'))
        end--;
    for (size_t k = i; k < end; k++) {
        if (!http_is_field_char((unsigned char)line[k]))
            return refuse(req, 400, "a header field value has a control character");
    }
    h->value = line + i;
    h->value_len = end - i;
    req->num_headers++;
    return 0;
}

static int list_has_token(const char *v, size_t len, const char *token);

/* Decide how the body is framed and whether the connection persists. */
static int check_framing(struct http_request *req)
{
    size_t n_cl = http_header_count(req, "Content-Length");
    size_t n_te = http_header_count(req, "Transfer-Encoding");
    size_t n_host = http_header_count(req, "Host");

    if (req->minor_version == 1 && n_host == 0)
        return refuse(req, 400, "HTTP/1.1 requires a Host header");
    if (n_host > 1)
        return refuse(req, 400, "more than one Host header");
    /* Section 3.2: a server MUST answer 400 to "a Host header field with
     * an invalid field value", absolute-form target or not. */
    if (n_host == 1) {
        size_t len;
        const char *host = http_header_value(req, "Host", &len);
        if (!is_authority(host, len))
            return refuse(req, 400, "the Host header is not host[:port]");
    }
    if (n_te > 0 && n_cl > 0)
        return refuse(req, 400, "Content-Length together with Transfer-Encoding");
    if (n_te > 0 && req->minor_version == 0)
        return refuse(req, 400, "Transfer-Encoding in an HTTP/1.0 request");
    if (n_te > 1)
        return refuse(req, 400, "more than one Transfer-Encoding header");
    if (n_cl > 1)
        return refuse(req, 400, "more than one Content-Length header");

    req->body_kind = HTTP_BODY_NONE;
    req->content_length = 0;
    if (n_te == 1) {
        size_t len;
        const char *te = http_header_value(req, "Transfer-Encoding", &len);
        if (!equal_nocase(te, len, "chunked")) {
            /* Section 6.3: in a request whose final coding is not chunked
             * the body's length cannot be known: the server MUST answer
             * 400.  A list ending in chunked has a coding we do not
             * know before it: 501 (section 6.1). */
            size_t last = len;
            while (last > 0 && te[last - 1] != ',')
                last--;
            while (last < len && (te[last] == ' ' || te[last] == '\t'))
                last++;
            if (!equal_nocase(te + last, len - last, "chunked"))
                return refuse(req, 400, "chunked is not the final Transfer-Encoding");
            /* Section 6.1: chunked is applied at most once. */
            if (list_has_token(te, last, "chunked"))
                return refuse(req, 400, "chunked twice in Transfer-Encoding");
            return refuse(req, 501, "only Transfer-Encoding: chunked is supported");
        }
        req->body_kind = HTTP_BODY_CHUNKED;
    } else if (n_cl == 1) {
        size_t len;
        const char *cl = http_header_value(req, "Content-Length", &len);
        if (http_parse_u64(cl, len, &req->content_length) != 0)
            return refuse(req, 400, "Content-Length is not a plain decimal number");
        if (req->content_length > HTTP_MAX_BODY_BYTES)
            return refuse_limit(req, 413, "the request body is too large", HTTP_MAX_BODY_BYTES);
        if (req->content_length > 0)
            req->body_kind = HTTP_BODY_LENGTH;
    }

    /* Section 9.3: "close" ends the connection whatever the version; only
     * then does HTTP/1.0 need "keep-alive" to persist. */
    if (http_header_has_token(req, "Connection", "close"))
        req->keep_alive = 0;
    else if (req->minor_version == 1)
        req->keep_alive = 1;
    else
        req->keep_alive = http_header_has_token(req, "Connection", "keep-alive");
    return 0;
}

int http_parse_request(const char *buf, size_t len, size_t last_len,
                       struct http_request *req)
{
    size_t start = 0;

    memset(req, 0, sizeof *req);
    /* Section 2.2: ignore empty lines before the request line. */
    while (start + 1 < len && buf[start] == '\r' && buf[start + 1] == '\n'
           && start < 8)
        start += 2;

    /* Only the bytes that arrived since the last call are new; one byte
     * before them is looked at again (a CR whose LF had not come). */
    size_t from = last_len > start + 1 ? last_len - start - 1 : 0;
    long end = find_head_end(buf + start, len - start, from);
    if (end < 0)
        return refuse(req, 400, "a bare CR, a bare LF or a NUL byte in the request head");
    /* The request line's limit first, complete head or not: a long line
     * in a head over HTTP_MAX_HEAD_BYTES is a 414 whether the head's end
     * has arrived yet or not.  Once more than REQUEST_LINE_MAX bytes had
     * arrived at the last call, the line was complete and checked then. */
    if (last_len < start || last_len - start <= REQUEST_LINE_MAX) {
        size_t window = len - start < REQUEST_LINE_MAX + 1 ? len - start : REQUEST_LINE_MAX + 1;
        if (window > REQUEST_LINE_MAX && memchr(buf + start, '\r', window) == NULL)
            return refuse_limit(req, 414, "the request line is too long", REQUEST_LINE_MAX);
    }
    if (end == 0) {
        if (len - start > HTTP_MAX_HEAD_BYTES)
            return refuse_limit(req, 431, "the request head is too large", HTTP_MAX_HEAD_BYTES);
        return HTTP_NEED_MORE;
    }
    if ((size_t)end > HTTP_MAX_HEAD_BYTES)
        return refuse_limit(req, 431, "the request head is too large", HTTP_MAX_HEAD_BYTES);

    const char *p = buf + start;
    const char *head_end = p + end - 2;   /* the final empty line's CRLF */
    const char *eol = memchr(p, '\r', (size_t)(head_end - p));
    int rc = parse_request_line(p, (size_t)(eol - p), req);
    if (rc != 0)
        return rc;
    p = eol + 2;
    while (p < head_end) {
        eol = memchr(p, '\r', (size_t)(head_end - p));
        if (eol == NULL || eol == p)
            return refuse(req, 400, "malformed header section");
        rc = parse_header_line(p, (size_t)(eol - p), req);
        if (rc != 0)
            return rc;
        p = eol + 2;
    }
    rc = check_framing(req);
    if (rc != 0)
        return rc;
    return (int)(start + (size_t)end);
}

int http_hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

const char *http_header_value(const struct http_request *req,
                              const char *name, size_t *len)
{
    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];
        if (equal_nocase(h->name, h->name_len, name)) {
            *len = h->value_len;
            return h->value;
        }
    }
    *len = 0;
    return NULL;
}

const char *http_request_host(const struct http_request *req, size_t *len)
{
    /* RFC 9112 section 3.2.2: with an absolute-form target the server
     * MUST ignore Host and use the target's host. */
    if (req->authority != NULL) {
        *len = req->authority_len;
        return req->authority;
    }
    return http_header_value(req, "Host", len);
}

size_t http_header_count(const struct http_request *req, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < req->num_headers; i++) {
        if (equal_nocase(req->headers[i].name, req->headers[i].name_len, name))
            n++;
    }
    return n;
}

int http_list_next(const char *v, size_t len, size_t *pos,
                   const char **elem, size_t *elem_len)
{
    size_t i = *pos;
    while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
        i++;
    if (i >= len) {
        *pos = len;
        return 0;
    }
    size_t start = i;
    while (i < len && v[i] != ',')
        i++;
    size_t end = i;
    while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
        end--;
    *elem = v + start;
    *elem_len = end - start;
    *pos = i;
    return 1;
}

/* 1 if the comma-separated list v[0..len) holds token (any case). */
static int list_has_token(const char *v, size_t len, const char *token)
{
    size_t pos = 0, n;
    const char *elem;
    while (http_list_next(v, len, &pos, &elem, &n)) {
        if (equal_nocase(elem, n, token))
            return 1;
    }
    return 0;
}

int http_header_has_token(const struct http_request *req, const char *name,
                          const char *token)
{
    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];
        if (equal_nocase(h->name, h->name_len, name)
            && list_has_token(h->value, h->value_len, token))
            return 1;
    }
    return 0;
}

int http_method_is(const struct http_request *req, const char *method)
{
    size_t n = strlen(method);
    return req->method_len == n && memcmp(req->method, method, n) == 0;
}

/* Percent-decode; with plus_is_space, '+' means a space (HTML forms'
 * application/x-www-form-urlencoded, which query strings use). */
static long percent_decode(const char *src, size_t len, char *out,
                           size_t out_size, int plus_is_space)
{
    size_t n = 0;
    if (out_size == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char ch = src[i];
        if (ch == '+' && plus_is_space) {
            ch = ' ';
        } else if (ch == '%') {
            if (len - i < 3)
                return -1;
            int hi = http_hex_digit(src[i + 1]);
            int lo = http_hex_digit(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        if (ch == '\0')
            return -1;     /* encoded or raw, a NUL would cut the C string */
        if (n + 1 >= out_size)
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    return (long)n;
}

long http_percent_decode(const char *src, size_t len, char *out, size_t out_size)
{
    return percent_decode(src, len, out, out_size, 0);
}

long http_query_param(const char *query, size_t query_len, const char *name,
                      char *out, size_t out_size)
{
    size_t name_len = strlen(name);
    size_t i = 0;

    if (query == NULL)
        return -1;
    while (i <= query_len) {
        size_t start = i;
        while (i < query_len && query[i] != '&')
            i++;
        const char *pair = query + start;
        size_t pair_len = i - start;
        i++;   /* past '&' */
        const char *eq = memchr(pair, '=', pair_len);
        size_t key_len = eq ? (size_t)(eq - pair) : pair_len;
        if (key_len != name_len || memcmp(pair, name, name_len) != 0)
            continue;
        const char *val = eq ? eq + 1 : pair + pair_len;
        size_t val_len = pair_len - key_len - (eq ? 1 : 0);
        long n = percent_decode(val, val_len, out, out_size, 1);
        return n < 0 ? -2 : n;
    }
    return -1;
}

int http_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > HTTP_U64_MAX_DIGITS)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* A reg-name host as browsers serialize it: letters, digits, '-', '.'. */
static int is_host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
           || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
}

int http_origin_is_valid(const char *s, size_t len)
{
    size_t i;
    if (len > 7 && memcmp(s, "http://", 7) == 0)
        i = 7;
    else if (len > 8 && memcmp(s, "https://", 8) == 0)
        i = 8;
    else
        return 0;

    size_t host_start = i;
    if (s[i] == '[') {                 /* IPv6 literal */
        i++;
        while (i < len && (http_hex_digit(s[i]) >= 0 || s[i] == ':' || s[i] == '.'))
            i++;
        if (i >= len || s[i] != ']' || i == host_start + 1)
            return 0;
        i++;
    } else {
        while (i < len && is_host_char(s[i]))
            i++;
        if (i == host_start)
            return 0;
    }
    if (i == len)
        return 1;
    if (s[i] != ':' || i + 1 == len || len - i - 1 > 5)
        return 0;
    unsigned long port = 0;
    for (i++; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        port = port * 10 + (unsigned long)(s[i] - '0');
    }
    /* WHATWG URL: a port above 65535 is a parse error, so postMessage
     * would throw on it instead of posting. */
    return port <= 65535;
}

long http_default_origin(const struct http_request *req, char *out, size_t out_size)
{
    static const char scheme[] = "http://";
    size_t host_len = 0;
    const char *host = http_request_host(req, &host_len);   /* section 3.2.2: absolute-form wins */
    if (host == NULL || sizeof scheme - 1 + host_len + 1 > out_size)
        return -1;
    memcpy(out, scheme, sizeof scheme - 1);
    memcpy(out + sizeof scheme - 1, host, host_len);
    out[sizeof scheme - 1 + host_len] = '\0';
    if (!http_origin_is_valid(out, sizeof scheme - 1 + host_len))
        return -1;
    return (long)(sizeof scheme - 1 + host_len);
}

const char *http_status_text(int status)
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default:  return "Unknown";
    }
}
