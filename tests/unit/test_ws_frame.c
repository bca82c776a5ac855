/*
 * test_ws_frame.c - the pure RFC 6455 parts (ws_proto.c, ws.h): frame
 * header parsing byte by byte, lengths, masking, the frame-order rules,
 * close codes and payloads, the accept key, and the handshake checks.
 */
#include <string.h>

#include "core/http.h"
#include "tap.h"
#include "core/ws_proto.h"

/* Parse a header given as bytes; returns the parser's answer. */
static int parse(const unsigned char *b, size_t n, enum ws_sender s,
                 struct ws_frame *f)
{
    return ws_parse_frame_header(b, n, s, f);
}

/* Every strict prefix of a complete header needs more bytes. */
static int all_prefixes_need_more(const unsigned char *b, size_t header)
{
    struct ws_frame f;
    for (size_t i = 0; i < header; i++)
        if (parse(b, i, WS_FROM_CLIENT, &f) != WS_NEED_MORE)
            return 0;
    return 1;
}

static void test_headers(void)
{
    struct ws_frame f;

    /* RFC 6455 section 5.7: a masked "Hello" from a client. */
    static const unsigned char hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                           0x7f, 0x9f, 0x4d, 0x51, 0x58 };
    tap_ok(parse(hello, sizeof hello, WS_FROM_CLIENT, &f) == 6,
           "RFC 6455 5.7 masked Hello: 6-byte header");
    tap_ok(f.fin && f.opcode == WS_OP_TEXT && f.masked && f.payload_len == 5,
           "FIN, text, masked, 5 bytes");
    unsigned char payload[5];
    memcpy(payload, hello + 6, 5);
    ws_unmask(payload, 5, f.mask, 0);
    tap_ok(memcmp(payload, "Hello", 5) == 0, "unmasks to Hello");
    memcpy(payload, hello + 6, 5);
    ws_unmask(payload, 2, f.mask, 0);
    ws_unmask(payload + 2, 3, f.mask, 2);
    tap_ok(memcmp(payload, "Hello", 5) == 0, "unmasking in two pieces gives the same");
    tap_ok(all_prefixes_need_more(hello, 6), "every prefix of the header needs more");

    /* RFC 6455 5.7: the unmasked server "Hello" is refused from a client
     * and accepted from a server. */
    static const unsigned char server_hello[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
    tap_ok(parse(server_hello, 7, WS_FROM_CLIENT, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "unmasked frame from a client -> 1002");
    tap_ok(parse(server_hello, 7, WS_FROM_SERVER, &f) == 2,
           "the same frame from a server parses");
    tap_ok(parse(hello, sizeof hello, WS_FROM_SERVER, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "a masked frame from a server -> 1002");

    /* 16-bit length: 256 bytes (RFC 6455 5.7 example, masked here). */
    unsigned char h16[] = { 0x82, 0xFE, 0x01, 0x00, 1, 2, 3, 4 };
    tap_ok(parse(h16, sizeof h16, WS_FROM_CLIENT, &f) == 8 && f.payload_len == 256,
           "16-bit length 256, 8-byte header");
    tap_ok(all_prefixes_need_more(h16, 8), "16-bit: every prefix needs more");
    unsigned char h16min[] = { 0x82, 0xFE, 0x00, 0x7D, 1, 2, 3, 4 };
    tap_ok(parse(h16min, 8, WS_FROM_CLIENT, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "16-bit length 125 (not minimal) -> 1002");
    h16min[3] = 0x7E;
    tap_ok(parse(h16min, 8, WS_FROM_CLIENT, &f) == 8 && f.payload_len == 126,
           "16-bit length 126 is the smallest allowed");

    /* 64-bit length. */
    unsigned char h64[] = { 0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 9, 9, 9, 9 };
    tap_ok(parse(h64, 14, WS_FROM_CLIENT, &f) == 14 && f.payload_len == 65536,
           "64-bit length 65536, 14-byte header");
    tap_ok(all_prefixes_need_more(h64, 14), "64-bit: every prefix needs more");
    unsigned char h64min[] = { 0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 9, 9, 9, 9 };
    tap_ok(parse(h64min, 14, WS_FROM_CLIENT, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "64-bit length 65535 (not minimal) -> 1002");
    unsigned char h64top[] = { 0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9 };
    tap_ok(parse(h64top, 14, WS_FROM_CLIENT, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "64-bit length with the top bit set -> 1002");

    /* RSV bits, opcodes, control frames: judged from two bytes. */
    for (unsigned rsv = 1; rsv < 8; rsv++) {
        unsigned char b[2] = { (unsigned char)(0x81 | rsv << 4), 0x80 };
        tap_ok(parse(b, 2, WS_FROM_CLIENT, &f) == -WS_CLOSE_PROTOCOL_ERROR,
               "RSV %u -> 1002 from two bytes", rsv);
    }
    static const unsigned bad_ops[] = { 3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF };
    for (size_t i = 0; i < sizeof bad_ops / sizeof bad_ops[0]; i++) {
        unsigned char b[2] = { (unsigned char)(0x80 | bad_ops[i]), 0x80 };
        tap_ok(parse(b, 2, WS_FROM_CLIENT, &f) == -WS_CLOSE_PROTOCOL_ERROR,
               "opcode %#x -> 1002", bad_ops[i]);
    }
    unsigned char ping_nofin[2] = { 0x09, 0x80 };
    tap_ok(parse(ping_nofin, 2, WS_FROM_CLIENT, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "fragmented ping -> 1002");
    unsigned char ping_big[2] = { 0x89, 0xFE };
    tap_ok(parse(ping_big, 2, WS_FROM_CLIENT, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "ping with a 16-bit length -> 1002");
    unsigned char ping_125[6] = { 0x89, 0xFD, 1, 2, 3, 4 };
    tap_ok(parse(ping_125, 6, WS_FROM_CLIENT, &f) == 6 && f.payload_len == 125,
           "ping with 125 bytes is fine");
}

static void test_order(void)
{
    struct ws_frame f = { 0 };

    f.opcode = WS_OP_CONTINUATION;
    tap_ok(ws_check_frame_order(0, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "continuation with nothing to continue -> 1002");
    tap_ok(ws_check_frame_order(1, &f) == 0, "continuation in a message");
    f.opcode = WS_OP_TEXT;
    tap_ok(ws_check_frame_order(1, &f) == -WS_CLOSE_PROTOCOL_ERROR,
           "text interrupting a message -> 1002");
    tap_ok(ws_check_frame_order(0, &f) == 0, "text starting a message");
    f.opcode = WS_OP_PING;
    tap_ok(ws_check_frame_order(1, &f) == 0, "ping inside a message is allowed");
}

static void test_build(void)
{
    unsigned char h[WS_MAX_HEADER_BYTES];
    struct ws_frame f;

    tap_ok(ws_build_header(h, WS_OP_TEXT, 125) == 2 && h[0] == 0x81 && h[1] == 125,
           "server header for 125 bytes: 2 bytes, unmasked");
    tap_ok(ws_build_header(h, WS_OP_BINARY, 126) == 4 && h[1] == 126 &&
           h[2] == 0 && h[3] == 126, "126 bytes: 16-bit length");
    tap_ok(ws_build_header(h, WS_OP_TEXT, 65535) == 4, "65535 bytes: 16-bit length");
    tap_ok(ws_build_header(h, WS_OP_TEXT, 65536) == 10 && h[1] == 127 && h[7] == 1,
           "65536 bytes: 64-bit length");
    size_t n = ws_build_header(h, WS_OP_TEXT, 1048576);
    tap_ok(parse(h, n, WS_FROM_SERVER, &f) == (int)n && f.payload_len == 1048576,
           "our own 1 MiB header parses back (minimal encoding)");
}

static void test_close(void)
{
    unsigned code;
    static const unsigned valid[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009,
                                      1010, 1011, 1012, 1013, 1014, 3000, 3999,
                                      4000, 4999 };
    static const unsigned invalid[] = { 0, 1, 999, 1004, 1005, 1006, 1015, 1016,
                                        1100, 2000, 2999, 5000, 65535 };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        tap_ok(ws_close_code_valid(valid[i]), "close code %u valid", valid[i]);
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        tap_ok(!ws_close_code_valid(invalid[i]), "close code %u invalid", invalid[i]);

    tap_ok(ws_check_close_payload((const unsigned char *)"", 0, &code) == 0 && code == 0,
           "empty close payload: fine, no code");
    tap_ok(ws_check_close_payload((const unsigned char *)"\x03", 1, &code)
           == -WS_CLOSE_PROTOCOL_ERROR, "1-byte close payload -> 1002");
    tap_ok(ws_check_close_payload((const unsigned char *)"\x03\xe8ok", 4, &code) == 0
           && code == 1000, "1000 with a reason");
    tap_ok(ws_check_close_payload((const unsigned char *)"\x03\xed", 2, &code)
           == -WS_CLOSE_PROTOCOL_ERROR, "1005 on the wire -> 1002");
    tap_ok(ws_check_close_payload((const unsigned char *)"\x03\xe8\xed\xa0\x80", 5, &code)
           == -WS_CLOSE_INVALID_DATA, "reason with a surrogate -> 1007");
}

static int handshake(const char *req_text)
{
    struct http_request req;
    int rc = http_parse_request(req_text, strlen(req_text), 0, &req);
    if (rc <= 0)
        return -1;
    return ws_check_handshake(&req);
}

static void test_handshake(void)
{
    char accept[WS_ACCEPT_CHARS + 1];
    static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";

    ws_accept_key(key, strlen(key), accept);
    tap_ok(strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0,
           "RFC 6455 section 1.3 accept value");
    tap_ok(ws_key_valid(key, strlen(key)), "the sample key is valid");
    tap_ok(!ws_key_valid("dGhlIHNhbXBsZSBub25jZQ", 22), "15 bytes: invalid");
    tap_ok(!ws_key_valid("dGhlIHNhbXBsZSBub25jZSE=", 24), "17 bytes: invalid");
    tap_ok(!ws_key_valid("dGhlIHNhbXBsZSBub25jZR==", 24), "leftover bits: invalid");
    tap_ok(!ws_key_valid(NULL, 0), "no key: invalid");

#define GOOD_HEADERS "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    tap_ok(handshake("GET / HTTP/1.1\r\n" GOOD_HEADERS
                     "Sec-WebSocket-Version: 13\r\n\r\n") == 0, "valid handshake");
    tap_ok(handshake("POST / HTTP/1.1\r\n" GOOD_HEADERS
                     "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n") == 405,
           "POST -> 405");
    tap_ok(handshake("GET / HTTP/1.0\r\n" GOOD_HEADERS
                     "Sec-WebSocket-Version: 13\r\n\r\n") == 400, "HTTP/1.0 -> 400");
    tap_ok(handshake("GET / HTTP/1.1\r\n" GOOD_HEADERS
                     "Sec-WebSocket-Version: 8\r\n\r\n") == 426, "version 8 -> 426");
    tap_ok(handshake("GET / HTTP/1.1\r\n" GOOD_HEADERS "\r\n") == 400,
           "no version -> 400");
    tap_ok(handshake("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: "
                     "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n") == 0,
           "Connection list containing upgrade");
    tap_ok(handshake("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     "Connection: keep-alive\r\nSec-WebSocket-Key: "
                     "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n") == 400,
           "Connection without upgrade -> 400");

    tap_ok(handshake("GET / HTTP/1.1\r\nHost:\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: "
                     "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n") == 400,
           "empty Host -> 400 (section 4.1 item 4)");
    tap_ok(handshake("GET / HTTP/1.1\r\n" GOOD_HEADERS "Sec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n") == 400,
           "two Sec-WebSocket-Version fields -> 400 (section 11.3.5)");

    struct http_request req;
    static const char spaced[] = "GET / HTTP/1.1\r\n" GOOD_HEADERS
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat echo\r\n\r\n";
    static const char *const echo_only[] = { "echo", NULL };
    http_parse_request(spaced, strlen(spaced), 0, &req);
    tap_ok(ws_select_protocol(&req, echo_only) == NULL,
           "'chat echo' is one malformed list element, not echo");
    static const char ows[] = "GET / HTTP/1.1\r\n" GOOD_HEADERS
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat ,\techo \r\n\r\n";
    http_parse_request(ows, strlen(ows), 0, &req);
    tap_ok(ws_select_protocol(&req, echo_only) != NULL,
           "whitespace around list elements is allowed");

    static const char with_protocols[] = "GET / HTTP/1.1\r\n" GOOD_HEADERS
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
        "Sec-WebSocket-Protocol: echo\r\n\r\n";
    static const char *const ours[] = { "echo", NULL };
    static const char *const none[] = { "mqtt", NULL };
    http_parse_request(with_protocols, strlen(with_protocols), 0, &req);
    const char *p = ws_select_protocol(&req, ours);
    tap_ok(p != NULL && strcmp(p, "echo") == 0, "selects echo from a list over two fields");
    tap_ok(ws_select_protocol(&req, none) == NULL, "selects none when nothing matches");
    static const char lookalike[] = "GET / HTTP/1.1\r\n" GOOD_HEADERS
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocox: echo\r\n\r\n";
    http_parse_request(lookalike, strlen(lookalike), 0, &req);
    tap_ok(ws_select_protocol(&req, ours) == NULL,
           "a field whose name only looks like Sec-WebSocket-Protocol is not read");
}

int main(void)
{
    test_headers();
    test_order();
    test_build();
    test_close();
    test_handshake();
    return tap_done();
}
