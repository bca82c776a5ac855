/*
 * core/buf.h - a growable byte buffer with a hard cap.
 *
 * Every buffer in the server (a connection's input, its output, a
 * WebSocket message being reassembled) is one of these.  The cap is the
 * point: a buffer never grows past `max`, so no client can make the
 * server allocate without bound.  Memory is taken when bytes arrive and
 * given back with buf_free() once a buffer drains, so an idle connection
 * costs little more than its struct.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes in use */
    size_t cap;   /* bytes allocated */
    size_t max;   /* hard limit on len; appends beyond it fail */
};

/* Append n bytes.  0 on success, -1 (and nothing appended) past the cap. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Append a NUL-terminated string. */
int buf_append_str(struct buf *b, const char *s);

/* Append printf-formatted text.  0 on success, -1 past the cap. */
int buf_printf(struct buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Drop the first n bytes (n <= len), keeping the rest in order. */
void buf_consume(struct buf *b, size_t n);

/* Give the memory back; len and cap become 0, max is kept. */
void buf_free(struct buf *b);

#endif
