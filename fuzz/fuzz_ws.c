/*
 * fuzz_ws.c - libFuzzer target for the WebSocket frame parser and the
 * pieces ws.c runs on a payload (ws.h: ws_parse_frame_header,
 * ws_check_frame_order, ws_unmask, ws_check_close_payload, and the
 * UTF-8 check of text).
 *
 * Input layout: byte 0 holds flags (bit 0: parse as the server's frames
 * instead of a client's; bit 1: a fragmented message is in progress;
 * bits 2-7: where to split the payload), the rest is a frame.  What must
 * hold:
 *   - restartable: every prefix of an accepted header says WS_NEED_MORE
 *     (the parser may run again when more bytes arrive and never fails
 *     or accepts early), and more bytes after it change nothing;
 *   - a refusal is -1002 (the only close code the header can earn), and
 *     stays the same refusal whatever follows;
 *   - an accepted header obeys RFC 6455 section 5.2 and 5.5: the masking
 *     bit matches the sender, control frames are final and at most 125
 *     bytes, the length uses the fewest bytes, the top bit of a 64-bit
 *     length is 0; ws_build_header for the same opcode and length gives
 *     back the same header without the mask;
 *   - ws_check_frame_order says exactly section 5.4's rules;
 *   - unmasking in two pieces equals unmasking at once, twice is a no-op;
 *   - a close payload accepted has a valid code (or none) and a UTF-8
 *     reason; text fed to utf8_feed in two pieces agrees with utf8_valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/ws_proto.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static int is_control(unsigned op)
{
    return op >= 0x8;
}

static void check_header(const unsigned char *buf, size_t len,
                         enum ws_sender sender, const struct ws_frame *f,
                         int rc)
{
    size_t hl = (size_t)rc;
    check(hl == f->header_len && hl <= len && hl <= WS_MAX_HEADER_BYTES);
    check(hl >= 2);
    check(f->rsv == 0);
    check(f->masked == (sender == WS_FROM_CLIENT));
    check(f->opcode <= 0x2 || (f->opcode >= 0x8 && f->opcode <= 0xA));
    if (is_control(f->opcode))
        check(f->fin && f->payload_len <= WS_MAX_CONTROL_PAYLOAD);
    check(f->payload_len >> 63 == 0);
    size_t ext = f->payload_len < 126 ? 0 : f->payload_len <= 0xFFFF ? 2 : 8;
    check(hl == 2 + ext + (f->masked ? 4u : 0u));
    if (f->masked)
        check(memcmp(f->mask, buf + hl - 4, 4) == 0);

    /* Every shorter prefix needs more; nothing earlier is decided. */
    for (size_t i = 0; i < hl; i++) {
        struct ws_frame g;
        check(ws_parse_frame_header(buf, i, sender, &g) == WS_NEED_MORE);
    }

    /* The server's own header for this frame, if it is final. */
    if (f->fin) {
        unsigned char out[WS_MAX_HEADER_BYTES];
        size_t n = ws_build_header(out, f->opcode, f->payload_len);
        check(n == hl - (f->masked ? 4 : 0));
        check(out[0] == buf[0]);
        check((out[1] & 0x7F) == (buf[1] & 0x7F));
        check(memcmp(out + 2, buf + 2, n - 2) == 0);
    }
}

static void check_order(int in_progress, const struct ws_frame *f)
{
    int rc = ws_check_frame_order(in_progress, f);
    int want_ok = is_control(f->opcode)
        || (f->opcode == WS_OP_CONTINUATION) == (in_progress != 0);
    check(want_ok ? rc == 0 : rc == -WS_CLOSE_PROTOCOL_ERROR);
}

static void check_payload(const struct ws_frame *f, const unsigned char *p,
                          size_t len, size_t split)
{
    unsigned char *whole = malloc(len ? len : 1);
    unsigned char *pieces = malloc(len ? len : 1);
    check(whole != NULL && pieces != NULL);
    memcpy(whole, p, len);
    memcpy(pieces, p, len);
    if (split > len)
        split = len;
    ws_unmask(whole, len, f->mask, 0);
    ws_unmask(pieces, split, f->mask, 0);
    ws_unmask(pieces + split, len - split, f->mask, split);
    check(memcmp(whole, pieces, len) == 0);
    ws_unmask(pieces, len, f->mask, 0);
    check(memcmp(pieces, p, len) == 0);

    if (f->opcode == WS_OP_CLOSE && len == f->payload_len) {
        unsigned code = 12345;
        int rc = ws_check_close_payload(whole, len, &code);
        if (rc == 0) {
            check(len == 0 ? code == 0 : len >= 2 && ws_close_code_valid(code));
            if (len >= 2)
                check(code == ((unsigned)whole[0] << 8 | whole[1]));
            check(len < 2 || utf8_valid((const char *)whole + 2, len - 2));
        } else {
            check(rc == -WS_CLOSE_PROTOCOL_ERROR || rc == -WS_CLOSE_INVALID_DATA);
            if (rc == -WS_CLOSE_INVALID_DATA)
                check(!utf8_valid((const char *)whole + 2, len - 2));
        }
    }
    if (f->opcode == WS_OP_TEXT || f->opcode == WS_OP_CONTINUATION) {
        struct utf8_state st;
        utf8_init(&st);
        int ok = utf8_feed(&st, whole, split) == UTF8_OK
                 && utf8_feed(&st, whole + split, len - split) == UTF8_OK
                 && utf8_complete(&st);
        check(ok == utf8_valid((const char *)whole, len));
    }
    free(whole);
    free(pieces);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum ws_sender sender = (data[0] & 1) ? WS_FROM_SERVER : WS_FROM_CLIENT;
    int in_progress = (data[0] >> 1) & 1;
    size_t split = data[0] >> 2;
    size_t len = size - 1;
    unsigned char *buf = malloc(len ? len : 1);   /* exact size for ASan */
    check(buf != NULL);
    memcpy(buf, data + 1, len);

    struct ws_frame f;
    int rc = ws_parse_frame_header(buf, len, sender, &f);
    if (rc < 0) {
        check(rc == -WS_CLOSE_PROTOCOL_ERROR);
        /* Once refused, a shorter prefix never accepts. */
        for (size_t i = 0; i < len && i <= WS_MAX_HEADER_BYTES; i++) {
            struct ws_frame g;
            check(ws_parse_frame_header(buf, i, sender, &g) <= 0);
        }
    } else if (rc == WS_NEED_MORE) {
        check(len < WS_MAX_HEADER_BYTES);
    } else {
        check_header(buf, len, sender, &f, rc);
        check_order(in_progress, &f);
        size_t avail = len - (size_t)rc;
        size_t plen = f.payload_len < avail ? (size_t)f.payload_len : avail;
        check_payload(&f, buf + rc, plen, split);
    }
    free(buf);
    return 0;
}
