/*
 * fuzz_static_path.c - libFuzzer target for static_resolve_path, the one
 * function that stands between a request path and the file system.
 *
 * The first input byte picks the size of the output buffer, the rest is
 * the (percent-encoded) request path.  Whatever it returns as a success
 * must be a relative path that cannot leave the www root or name a
 * hidden file: it never starts with '/', and none of its segments is
 * empty, starts with '.' (so no "." or ".."), or holds a backslash or a
 * control character; and it fits, NUL-terminated, in the output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "static.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void check_segment(const char *seg, size_t len)
{
    check(len > 0);
    check(seg[0] != '.');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)seg[i];
        check(ch >= 0x20 && ch != 0x7F && ch != '\\');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t out_size = data[0] < 128 ? (size_t)data[0] : STATIC_PATH_MAX;
    size_t len = size - 1;
    char *path = malloc(len ? len : 1);
    char *out = malloc(out_size ? out_size : 1);
    check(path != NULL && out != NULL);
    memcpy(path, data + 1, len);

    int rc = static_resolve_path(path, len, out, out_size);
    check(rc == 0 || rc == -404);
    if (rc == 0) {
        size_t n = strnlen(out, out_size);
        check(n < out_size && n > 0);
        check(out[0] != '/');
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || out[i] == '/') {
                check_segment(out + start, i - start);
                start = i + 1;
            }
        }
    }
    free(path);
    free(out);
    return 0;
}
