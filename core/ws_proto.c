/*
 * core/ws_proto.c - the pure parts of RFC 6455 that ws.c uses; see
 * core/ws_proto.h.
 *
 * ARTICLE §4.2 (Websocket建立与销毁) tabulates the handshake headers;
 * ws_check_handshake() and ws_accept_key() are where each row is
 * checked.  The frame layout is RFC 6455 section 5.2:
 *
 *    0               1               2               3
 *   |F|R|R|R| opcode|M| len (7)   |  extended len (16 or 64 bits)  ...
 *   |I|S|S|S|  (4)  |A|           |  if len == 126 or 127
 *   |N|V|V|V|       |S|           |
 *   ... masking key (4 bytes, if MASK) ... payload ...
 */
#include "core/ws_proto.h"

#include <string.h>
#include <strings.h>

#include "base64.h"
#include "sha1.h"
#include "core/utf8.h"

enum {
    WS_LEN_16 = 126,             /* 7-bit length value meaning "16 bits follow" */
    WS_LEN_64 = 127,             /* ... "64 bits follow" */
    WS_MASK_BYTES = 4
};

/* The GUID of RFC 6455 section 1.3, the "magic string" of ARTICLE §4.2. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static int is_control(unsigned opcode)
{
    return (opcode & 0x8) != 0;
}

static int is_known_opcode(unsigned opcode)
{
    return opcode == WS_OP_CONTINUATION || opcode == WS_OP_TEXT ||
           opcode == WS_OP_BINARY || opcode == WS_OP_CLOSE ||
           opcode == WS_OP_PING || opcode == WS_OP_PONG;
}

int ws_parse_frame_header(const unsigned char *buf, size_t len,
                          enum ws_sender sender, struct ws_frame *f)
{
    if (len < 2)
        return WS_NEED_MORE;

    f->fin = (buf[0] >> 7) & 1;
    f->rsv = (buf[0] >> 4) & 7;
    unsigned opcode = buf[0] & 0x0F;
    f->masked = (buf[1] >> 7) & 1;
    unsigned len7 = buf[1] & 0x7F;

    /* These can be judged from the first two bytes, so fail fast. */
    if (f->rsv != 0)
        return -WS_CLOSE_PROTOCOL_ERROR;   /* no extension was negotiated */
    if (!is_known_opcode(opcode))
        return -WS_CLOSE_PROTOCOL_ERROR;   /* 3-7 and 0xB-0xF are reserved */
    f->opcode = (enum ws_opcode)opcode;
    if (is_control(opcode) && (!f->fin || len7 > WS_MAX_CONTROL_PAYLOAD))
        return -WS_CLOSE_PROTOCOL_ERROR;   /* section 5.5 */
    if (f->masked != (sender == WS_FROM_CLIENT))
        return -WS_CLOSE_PROTOCOL_ERROR;   /* section 5.1 */

    size_t ext = len7 == WS_LEN_16 ? 2 : len7 == WS_LEN_64 ? 8 : 0;
    size_t header = 2 + ext + (f->masked ? WS_MASK_BYTES : 0);
    if (len < header)
        return WS_NEED_MORE;

    if (len7 == WS_LEN_16) {
        f->payload_len = (uint64_t)buf[2] << 8 | buf[3];
        if (f->payload_len < WS_LEN_16)
            return -WS_CLOSE_PROTOCOL_ERROR;   /* "minimal number of bytes" */
    } else if (len7 == WS_LEN_64) {
        uint64_t v = 0;
        for (size_t i = 0; i < 8; i++)
            v = v << 8 | buf[2 + i];
        if (v >> 63)
            return -WS_CLOSE_PROTOCOL_ERROR;   /* most significant bit must be 0 */
        if (v <= 0xFFFF)
            return -WS_CLOSE_PROTOCOL_ERROR;   /* fits in 16 bits: not minimal */
        f->payload_len = v;
    } else {
        f->payload_len = len7;
    }

    if (f->masked)
        memcpy(f->mask, buf + 2 + ext, WS_MASK_BYTES);
    else
        memset(f->mask, 0, WS_MASK_BYTES);
    f->header_len = header;
    return (int)header;
}

int ws_check_frame_order(int message_in_progress, const struct ws_frame *f)
{
    if (is_control(f->opcode))
        return 0;   /* may be injected in the middle of a fragmented message */
    if (f->opcode == WS_OP_CONTINUATION && !message_in_progress)
        return -WS_CLOSE_PROTOCOL_ERROR;   /* nothing to continue */
    if (f->opcode != WS_OP_CONTINUATION && message_in_progress)
        return -WS_CLOSE_PROTOCOL_ERROR;   /* messages may not interleave */
    return 0;
}

void ws_unmask(unsigned char *p, size_t len, const unsigned char mask[4],
               uint64_t offset)
{
    for (size_t i = 0; i < len; i++)
        p[i] ^= mask[(offset + i) % WS_MASK_BYTES];
}

size_t ws_build_header(unsigned char out[WS_MAX_HEADER_BYTES],
                       enum ws_opcode opcode, uint64_t len)
{
    out[0] = (unsigned char)(0x80 | opcode);   /* FIN, no RSV bits */
    if (len < WS_LEN_16) {
        out[1] = (unsigned char)len;           /* server frames: MASK = 0 */
        return 2;
    }
    if (len <= 0xFFFF) {
        out[1] = WS_LEN_16;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
        return 4;
    }
    out[1] = WS_LEN_64;
    for (size_t i = 0; i < 8; i++)
        out[2 + i] = (unsigned char)(len >> (56 - 8 * i));
    return 10;
}

int ws_close_code_valid(unsigned code)
{
    if (code >= 1000 && code <= 1003)
        return 1;
    if (code >= 1007 && code <= 1014)
        return 1;   /* 1012-1014 were registered with IANA after RFC 6455 */
    /* 1004 is reserved; 1005, 1006 and 1015 are for APIs, never sent. */
    return code >= 3000 && code <= 4999;   /* libraries and applications */
}

int ws_check_close_payload(const unsigned char *p, size_t len,
                           unsigned *code)
{
    *code = 0;
    if (len == 0)
        return 0;
    if (len == 1)
        return -WS_CLOSE_PROTOCOL_ERROR;   /* half a status code */
    *code = (unsigned)p[0] << 8 | p[1];
    if (!ws_close_code_valid(*code))
        return -WS_CLOSE_PROTOCOL_ERROR;
    if (!utf8_valid((const char *)p + 2, len - 2))
        return -WS_CLOSE_INVALID_DATA;
    return 0;
}

/* ARTICLE §4.2 calls this check "like encryption and decryption".  It is
 * not: nothing is secret and nothing is protected.  The key is public
 * (sent in clear), the GUID is in the RFC, SHA-1 is only a hash.  It
 * proves that the server really speaks WebSocket (a plain HTTP server
 * or a cache that replays an old 101 cannot produce the answer for a
 * fresh random key), and that is all.  Confidentiality comes from TLS
 * (wss://), and the masking of client frames protects intermediaries,
 * not the data. */
void ws_accept_key(const char *key, size_t len,
                   char out[WS_ACCEPT_CHARS + 1])
{
    struct sha1_context ctx;
    unsigned char digest[SHA1_HASH_SIZE];

    sha1_init(&ctx);
    sha1_update(&ctx, key, len);
    sha1_update(&ctx, ws_guid, sizeof ws_guid - 1);
    sha1_final(&ctx, digest);
    base64_encode(digest, sizeof digest, out);
}

int ws_key_valid(const char *key, size_t len)
{
    unsigned char raw[WS_KEY_BYTES + 3];   /* room to notice a longer key */

    if (key == NULL || len != BASE64_ENCODED_SIZE(WS_KEY_BYTES))
        return 0;
    return base64_decode(key, len, raw, sizeof raw) == WS_KEY_BYTES;
}

static int value_is(const char *v, size_t len, const char *want)
{
    return v != NULL && strlen(want) == len && memcmp(v, want, len) == 0;
}

int ws_check_handshake(const struct http_request *req)
{
    size_t len;
    const char *v;

    if (!http_method_is(req, "GET"))
        return 405;   /* section 4.1: "The method of the request MUST be GET" */
    if (req->minor_version < 1)
        return 400;   /* "and the HTTP version MUST be at least 1.1" */
    /* Section 4.1 item 4: Host holds /host/ (the server's authority,
     * section 4.2.1 item 2).  The parser has already refused an HTTP/1.1
     * request without exactly one Host (RFC 9112 section 3.2).  HTTP
     * allows an empty Host for a target without an authority; a
     * WebSocket handshake has none to offer. */
    http_header_value(req, "Host", &len);
    if (len == 0)
        return 400;
    if (!http_header_has_token(req, "Upgrade", "websocket"))
        return 400;
    if (!http_header_has_token(req, "Connection", "upgrade"))
        return 400;
    if (http_header_count(req, "Sec-WebSocket-Key") != 1)
        return 400;
    v = http_header_value(req, "Sec-WebSocket-Key", &len);
    if (!ws_key_valid(v, len))
        return 400;
    /* Version last: a client with a good request in another version is
     * told which one we speak (section 4.4), not just refused. */
    /* Section 11.3.5: the field "MUST NOT appear more than once in an
     * HTTP request"; two of them are a malformed request (400), not a
     * version we do not speak (426 would tell a client that sent 13
     * twice that we speak 13). */
    if (http_header_count(req, "Sec-WebSocket-Version") != 1)
        return 400;
    v = http_header_value(req, "Sec-WebSocket-Version", &len);
    if (!value_is(v, len, "13"))
        return 426;
    return 0;
}

/* 1 if the comma-separated list v contains exactly `token`.  Elements
 * are separated by commas only, with optional whitespace around them
 * (RFC 9110 section 5.6.1, 1#token of section 11.3.4): "chat echo" is
 * one malformed element, not "chat" and "echo". */
static int list_has(const char *v, size_t len, const char *token)
{
    size_t tlen = strlen(token), pos = 0, n;
    const char *elem;

    /* Split as every HTTP list is (http_list_next); compared byte for
     * byte, where http_header_has_token ignores case. */
    while (http_list_next(v, len, &pos, &elem, &n)) {
        if (n == tlen && memcmp(elem, token, tlen) == 0)
            return 1;
    }
    return 0;
}

const char *ws_select_protocol(const struct http_request *req,
                               const char *const *supported)
{
    /* Our preference order decides; the client's list may span several
     * Sec-WebSocket-Protocol fields. */
    for (size_t s = 0; supported[s] != NULL; s++) {
        for (size_t h = 0; h < req->num_headers; h++) {
            const struct http_header *hd = &req->headers[h];
            if (hd->name_len == strlen("Sec-WebSocket-Protocol") &&
                strncasecmp(hd->name, "Sec-WebSocket-Protocol",
                                     hd->name_len) == 0 &&
                list_has(hd->value, hd->value_len, supported[s]))
                return supported[s];
        }
    }
    return NULL;
}
