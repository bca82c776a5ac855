/*
 * static.h - files from the www root, safely (static.c): the article's
 * read("." + req.url) helper, done right.
 */
#ifndef STATIC_H
#define STATIC_H

#include <stddef.h>

#include "core/http.h"
#include "net/conn.h"

enum {
    STATIC_PATH_MAX = 1024,              /* a resolved relative path */
    STATIC_FILE_MAX_BYTES = CONN_BODY_MAX  /* larger files are not served */
};

/* Turn a request path (still percent-encoded, e.g. "/a%20b.html") into a
 * path relative to the www root ("a b.html"; "index.html" for "/" and
 * for any path ending in '/').  Pure, for tests and fuzzing.
 * 0 on success; -404 for anything that could leave the root or name a
 * hidden file: a ".." or "." segment, a segment starting with '.', a
 * backslash, a NUL or control character, an empty segment ("//"), a bad
 * percent escape.  Decoding happens exactly once, so "%252e%252e" is a
 * file literally named "%2e%2e", never "..". */
int static_resolve_path(const char *path, size_t len, char *out, size_t out_size);

/* The Content-Type for a file name by its extension, NULL if we do not
 * serve that kind of file. */
const char *static_content_type(const char *name);

/* Remember the www root (made absolute with realpath).  0 or -1. */
int static_set_root(const char *dir);

/* Read a whole regular file of at most STATIC_FILE_MAX_BYTES into a new
 * buffer (mem_free() it), or NULL with errno EMFILE or ENFILE (out of
 * descriptors), ENOMEM (out of memory), or 0 (no such file, or not one
 * we serve). */
char *static_read_file(const char *path, size_t *size);

/* Answer GET/HEAD for a static file. */
void static_serve(struct conn *c, const struct http_request *req);

#endif
