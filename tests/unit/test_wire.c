/*
 * test_wire.c - the wire view's ring (wire.c): it keeps exactly the last
 * WIRE_RING_BYTES bytes in order, never more, whatever the writes; it
 * knows which connection wrote which run; its JSON has the shape the
 * pages decode, and is whole or not rendered at all.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "core/buf.h"
#include "teach/wire.h"
#include "tap.h"

static struct wire_ring ring;
static unsigned char model[1 << 20];     /* everything written, for comparison */
static size_t model_len;

static void write_bytes(uint64_t conn, const unsigned char *p, size_t n)
{
    wire_ring_record(&ring, conn, p, n);
    memcpy(model + model_len, p, n);
    model_len += n;
}

/* The ring's bytes equal the model's last min(len, capacity) bytes. */
static int ring_matches_model(void)
{
    static unsigned char out[WIRE_RING_BYTES];
    size_t kept = wire_ring_copy(&ring, out);
    size_t want = model_len < WIRE_RING_BYTES ? model_len : WIRE_RING_BYTES;
    return kept == want && ring.total == model_len
           && memcmp(out, model + model_len - kept, kept) == 0;
}

/* Sum of the "len" members of the segments in a JSON text. */
static unsigned long long segment_total(const char *json, int *count)
{
    unsigned long long sum = 0;
    *count = 0;
    for (const char *p = strstr(json, "\"len\":"); p != NULL; p = strstr(p + 1, "\"len\":")) {
        sum += strtoull(p + 6, NULL, 10);
        (*count)++;
    }
    return sum;
}

int main(void)
{
    unsigned char data[3 * WIRE_RING_BYTES];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + 3);

    tap_ok(wire_ring_kept(&ring) == 0, "an empty ring keeps nothing");
    write_bytes(1, (const unsigned char *)"HTTP/1.1 200 OK\r\n", 17);
    tap_ok(ring_matches_model(), "a short write is kept as is");
    write_bytes(1, (const unsigned char *)"\r\n", 2);
    tap_ok(ring.seg_count == 1 && ring.seg[0].len == 19,
           "consecutive writes of one connection are one segment");
    write_bytes(2, data, 100);
    tap_ok(ring.seg_count == 2 && ring.seg[1].conn_id == 2 && ring.seg[1].start == 19,
           "another connection's write starts a segment where the first ended");

    /* Random write sizes, wrapping the ring many times, from a few
     * connections, including writes larger than the ring. */
    srand(42);
    int all_match = 1, never_more = 1;
    for (int i = 0; i < 2000 && model_len + sizeof data < sizeof model; i++) {
        size_t n = (i % 97 == 0) ? sizeof data - (size_t)(rand() % 100) : (size_t)(rand() % 300);
        write_bytes((uint64_t)(1 + rand() % 3), data + (sizeof data - n), n);
        all_match &= ring_matches_model();
        never_more &= wire_ring_kept(&ring) <= WIRE_RING_BYTES;
    }
    tap_ok(all_match, "after every write the ring holds exactly the last bytes written, in order");
    tap_ok(never_more, "it never holds more than WIRE_RING_BYTES (%d)", WIRE_RING_BYTES);
    tap_ok(sizeof ring.bytes == WIRE_RING_BYTES, "its storage is a fixed array of WIRE_RING_BYTES");
    tap_ok(ring.seg_count <= WIRE_MAX_SEGMENTS, "it remembers at most WIRE_MAX_SEGMENTS segments");

    struct buf b = { NULL, 0, 0, 1 << 16 };
    tap_ok(wire_ring_json(&ring, &b) == 0 && buf_append(&b, "", 1) == 0, "the ring renders as JSON");
    int count = 0;
    unsigned long long covered = segment_total(b.data, &count);
    tap_ok(covered == WIRE_RING_BYTES,
           "its segments cover exactly the kept bytes (%d segments)", count);
    tap_ok(strstr(b.data, "\"capacity\":4096,") != NULL && strstr(b.data, "\"kept\":4096,") != NULL,
           "capacity and kept are stated");
    const char *b64 = strstr(b.data, "\"base64\":\"");
    unsigned char decoded[WIRE_RING_BYTES + 4];
    long n = -1;
    if (b64 != NULL) {
        b64 += 10;
        n = base64_decode(b64, (size_t)(strchr(b64, '"') - b64), decoded, sizeof decoded);
    }
    tap_ok(n == WIRE_RING_BYTES && memcmp(decoded, model + model_len - WIRE_RING_BYTES, (size_t)n) == 0,
           "the base64 member decodes to the last bytes written");
    buf_free(&b);

    /* Many tiny writes from alternating connections: more segments than
     * remembered; the forgotten start is one cut segment of conn 0. */
    memset(&ring, 0, sizeof ring);
    model_len = 0;
    for (int i = 0; i < 3 * WIRE_MAX_SEGMENTS; i++)
        write_bytes((uint64_t)(1 + i % 2), data, 5);
    b.max = 1 << 16;
    wire_ring_json(&ring, &b);
    buf_append(&b, "", 1);
    tap_ok(segment_total(b.data, &count) == wire_ring_kept(&ring) && count == WIRE_MAX_SEGMENTS + 1,
           "with more runs than remembered, an unknown first run fills the gap");
    tap_ok(strstr(b.data, "[{\"conn\":0,") != NULL && strstr(b.data, "\"cut\":true") != NULL,
           "it is labelled conn 0, cut");
    /* Rendered into a buffer whose cap is any size short of the whole,
     * the JSON fails (-1): never a cut answer the page would misread. */
    size_t whole = b.len - 1;
    int all = 1;
    for (size_t max = 0; all && max < whole; max++) {
        struct buf small = { NULL, 0, 0, max };
        all = wire_ring_json(&ring, &small) == -1;
        buf_free(&small);
    }
    tap_ok(all, "the JSON fails at every cap short of its %zu bytes", whole);
    buf_free(&b);

    /* One write larger than the ring keeps its last bytes. */
    memset(&ring, 0, sizeof ring);
    model_len = 0;
    write_bytes(9, data, sizeof data);
    tap_ok(ring_matches_model() && ring.total == sizeof data,
           "a write of %zu bytes keeps its last %d and counts them all", sizeof data, WIRE_RING_BYTES);
    b.max = 1 << 16;
    wire_ring_json(&ring, &b);
    buf_append(&b, "", 1);
    tap_ok(strstr(b.data, "\"segments\":[{\"conn\":9,\"len\":4096,\"cut\":true}]") != NULL,
           "its segment is cut to the kept bytes");
    buf_free(&b);
    return tap_done();
}
