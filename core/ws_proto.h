/*
 * core/ws_proto.h - the pure parts of the WebSocket protocol (RFC 6455), kept apart
 * from ws.c so that they can be unit-tested byte by byte and fuzzed
 * without a server: the frame header parser, unmasking, the frame-order
 * rules, close-code checks, and the opening-handshake checks.
 *
 * Nothing here does I/O, allocates or keeps global state.
 */
#ifndef WS_PROTO_H
#define WS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/http.h"

/* Opcodes (RFC 6455 section 5.2 and 11.8). */
enum ws_opcode {
    WS_OP_CONTINUATION = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA
};

/* Close codes we send (RFC 6455 section 7.4.1). */
enum ws_close_code {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,        /* server shutdown */
    WS_CLOSE_PROTOCOL_ERROR = 1002,
    WS_CLOSE_INVALID_DATA = 1007,      /* text that is not UTF-8 */
    WS_CLOSE_POLICY = 1008,            /* a reader that stays behind */
    WS_CLOSE_TOO_BIG = 1009,
    WS_CLOSE_INTERNAL_ERROR = 1011
};

enum {
    WS_NEED_MORE = 0,
    WS_MAX_HEADER_BYTES = 14,          /* 2 + 8 (64-bit length) + 4 (mask) */
    WS_MAX_CONTROL_PAYLOAD = 125,      /* section 5.5 */
    WS_KEY_BYTES = 16,                 /* Sec-WebSocket-Key decodes to this */
    WS_ACCEPT_CHARS = 28,              /* base64 of a 20-byte SHA-1 */
    WS_VERSION = 13                    /* the only Sec-WebSocket-Version */
};

/* Who sent the bytes being parsed: client frames must be masked and
 * server frames must not be (section 5.1). */
enum ws_sender { WS_FROM_CLIENT, WS_FROM_SERVER };

/* One frame header (section 5.2). */
struct ws_frame {
    int fin;
    unsigned rsv;                 /* RSV1..RSV3 as bits 2..0 */
    enum ws_opcode opcode;
    int masked;
    unsigned char mask[4];
    uint64_t payload_len;
    size_t header_len;            /* bytes before the payload */
};

/* Parse the frame header at buf.  Returns the header length (> 0) with
 * *f filled in; WS_NEED_MORE if more bytes are needed; or minus the close
 * code that fails the connection: -WS_CLOSE_PROTOCOL_ERROR for RSV bits
 * (we negotiate no extension), unknown opcodes, fragmented or oversized
 * control frames, non-minimal length encodings, a 64-bit length with the
 * top bit set, and a wrong masking bit.  The payload itself is not
 * looked at: it follows, f->payload_len bytes, still masked. */
int ws_parse_frame_header(const unsigned char *buf, size_t len,
                          enum ws_sender sender, struct ws_frame *f);

/* The frame-order rules of section 5.4, given whether a fragmented
 * message is in progress: a continuation frame needs one, a new text or
 * binary frame must not interrupt one; control frames may come anywhere.
 * 0 if f may come now, -WS_CLOSE_PROTOCOL_ERROR if not. */
int ws_check_frame_order(int message_in_progress, const struct ws_frame *f);

/* XOR len bytes with the masking key (section 5.3); `offset` is how many
 * payload bytes of this frame came before p, so a payload can be
 * unmasked in pieces as it arrives. */
void ws_unmask(unsigned char *p, size_t len, const unsigned char mask[4],
               uint64_t offset);

/* Write a server frame header (FIN set, unmasked) for a payload of len
 * bytes into out; returns its length (2, 4 or 10). */
size_t ws_build_header(unsigned char out[WS_MAX_HEADER_BYTES],
                       enum ws_opcode opcode, uint64_t len);

/* 1 if a close code may be sent on the wire (section 7.4): 1000-1003,
 * 1007-1014 and 3000-4999.  0 for 0-999, 1004-1006, 1015, the
 * unassigned 1016-2999, and 5000 and above. */
int ws_close_code_valid(unsigned code);

/* Check a received close frame's payload (section 5.5.1): empty, or a
 * valid 2-byte code followed by a UTF-8 reason.  Returns 0 with *code
 * set (0 if there was none), -WS_CLOSE_PROTOCOL_ERROR for a 1-byte
 * payload or an invalid code, -WS_CLOSE_INVALID_DATA for a reason that
 * is not UTF-8. */
int ws_check_close_payload(const unsigned char *p, size_t len,
                           unsigned *code);

/* Sec-WebSocket-Accept for a key (section 4.2.2): base64(SHA-1(key +
 * GUID)).  out receives WS_ACCEPT_CHARS characters and a NUL. */
void ws_accept_key(const char *key, size_t len,
                   char out[WS_ACCEPT_CHARS + 1]);

/* 1 if a Sec-WebSocket-Key value is base64 of exactly 16 bytes. */
int ws_key_valid(const char *key, size_t len);

/* Check an opening handshake request (section 4.2.1), one that
 * http_parse_request accepted.  Returns 0 if it
 * is a valid WebSocket upgrade, else the status to refuse it with:
 * 405 (not GET), 400 (not HTTP/1.1, no "Upgrade: websocket", no
 * "upgrade" in Connection, no Host or an empty one, a missing, repeated
 * or bad key, a missing or repeated Sec-WebSocket-Version), 426 (a
 * Sec-WebSocket-Version other than 13; answer with
 * "Sec-WebSocket-Version: 13").  Origin is checked by the caller. */
int ws_check_handshake(const struct http_request *req);

/* Choose a subprotocol (section 4.2.2 /subprotocol/): the first entry of
 * `supported` (a NULL-terminated array, in our order of preference) that
 * appears in the client's Sec-WebSocket-Protocol lists, matched exactly
 * (tokens are case-sensitive), or NULL for none. */
const char *ws_select_protocol(const struct http_request *req,
                               const char *const *supported);

#endif
