/*
 * static.c - serving the www root (the article's `read` helper, done
 * safely).
 *
 * ARTICLE §2, §4.5, §5.3: each of the article's servers answers every
 * other URL with fs.readFile("." + req.url).  Nothing stops "..": a
 * request for /../../etc/passwd (sent raw, as curl --path-as-is does)
 * reads any file the process can read, and a missing file leaves the
 * request hanging forever because the error branch never answers.  It
 * also labels everything that does not end in "js" as text/html.
 *
 * Ours differs in three ways:
 *   1. The path is decoded once and refused (404) if any segment is "."
 *      or "..", starts with '.', or contains a backslash, a NUL or a
 *      control character.  Because decoding happens once, "%2e%2e" is
 *      "..", refused, and "%252e%252e" is the harmless name "%2e%2e".
 *   2. The file's real path (symlinks resolved) must still lie inside
 *      the real path of the root, so a symlink cannot lead out either.
 *   3. Only known file types are served, each with its Content-Type;
 *      every failure gets an answer.
 */
#include "static.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

static char root_path[PATH_MAX];
static size_t root_len;

int static_set_root(const char *dir)
{
    struct stat st;
    if (realpath(dir, root_path) == NULL)
        return -1;
    if (stat(root_path, &st) != 0 || !S_ISDIR(st.st_mode))
        return -1;
    root_len = strlen(root_path);
    return 0;
}

/* Check one decoded segment out[start..end).  0 if servable. */
static int check_segment(const char *seg, size_t len)
{
    if (len == 0)
        return -404;            /* "//" */
    if (seg[0] == '.')
        return -404;            /* ".", "..", hidden files */
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)seg[i];
        if (ch < 0x20 || ch == 0x7F || ch == '\\')
            return -404;
    }
    return 0;
}

int static_resolve_path(const char *path, size_t len, char *out, size_t out_size)
{
    size_t n = 0;
    size_t seg_start = 0;

    if (len == 0 || path[0] != '/' || out_size < sizeof "index.html")
        return -404;
    for (size_t i = 1; i < len; i++) {
        char ch = path[i];
        if (ch == '%') {
            int hi = len - i >= 3 ? http_hex_digit(path[i + 1]) : -1;
            int lo = len - i >= 3 ? http_hex_digit(path[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -404;
            ch = (char)(hi * 16 + lo);
            i += 2;
            if (ch == '\0')
                return -404;
        }
        if (n + 1 >= out_size)
            return -404;
        if (ch == '/') {
            if (check_segment(out + seg_start, n - seg_start) != 0)
                return -404;
            seg_start = n + 1;
        }
        out[n++] = ch;
    }
    /* The last segment; empty means a directory: serve its index.html. */
    if (n == seg_start) {
        const char *index = "index.html";
        if (n + strlen(index) + 1 > out_size)
            return -404;
        memcpy(out + n, index, strlen(index) + 1);
        return 0;
    }
    if (check_segment(out + seg_start, n - seg_start) != 0)
        return -404;
    out[n] = '\0';
    return 0;
}

const char *static_content_type(const char *name)
{
    static const struct { const char *ext; const char *type; } types[] = {
        { ".html", "text/html; charset=utf-8" },
        { ".js",   "text/javascript; charset=utf-8" },
        { ".mjs",  "text/javascript; charset=utf-8" },
        { ".css",  "text/css; charset=utf-8" },
        { ".json", "application/json" },
        { ".png",  "image/png" },
        { ".svg",  "image/svg+xml" },
        { ".ico",  "image/x-icon" },
        { ".txt",  "text/plain; charset=utf-8" },
        { ".md",   "text/markdown; charset=utf-8" },
    };
    size_t len = strlen(name);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t elen = strlen(types[i].ext);
        if (len > elen && strcmp(name + len - elen, types[i].ext) == 0)
            return types[i].type;
    }
    return NULL;
}

char *static_read_file(const char *path, size_t *size)
{
    struct stat st;
    char *data = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
        || st.st_size > STATIC_FILE_MAX_BYTES)
        goto fail;
    data = mem_alloc((size_t)st.st_size + 1);
    if (data == NULL) {
        close(fd);
        errno = ENOMEM;   /* the file is there: no memory to read it */
        return NULL;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        got += (size_t)n;
    }
    close(fd);
    *size = got;
    return data;
fail:
    mem_free(data);
    close(fd);
    errno = 0;     /* the file was opened: not a descriptor shortage */
    return NULL;
}

/* The absolute path of the file to serve for this request, or -1. */
static int resolve_file(const struct http_request *req, char real[PATH_MAX],
                        const char **type)
{
    char rel[STATIC_PATH_MAX];
    char full[PATH_MAX];

    if (static_resolve_path(req->path, req->path_len, rel, sizeof rel) != 0)
        return -1;
    *type = static_content_type(rel);
    if (*type == NULL)
        return -1;
    int n = snprintf(full, sizeof full, "%s/%s", root_path, rel);
    if (n < 0 || (size_t)n >= sizeof full)
        return -1;
    /* The real path, symlinks resolved, must still be under the root. */
    if (realpath(full, real) == NULL)
        return -1;
    if (strncmp(real, root_path, root_len) != 0 || real[root_len] != '/')
        return -1;
    return 0;
}

void static_serve(struct conn *c, const struct http_request *req)
{
    static const char not_found[] = "404 Not Found\n";
    char real[PATH_MAX];
    const char *type = NULL;
    size_t size = 0;
    char *data = NULL;

    errno = 0;
    if (resolve_file(req, real, &type) == 0)
        data = static_read_file(real, &size);
    if (data == NULL && (errno == EMFILE || errno == ENFILE)) {
        /* Out of descriptors (a connection flood): the file may well
         * exist, so say "try again", not "not found". */
        conn_respond_error(c, 503, "the server is out of file descriptors");
        return;
    }
    if (data == NULL && errno == ENOMEM) {
        conn_respond_error(c, 503, "out of memory");
        return;
    }
    if (data == NULL) {
        conn_respond(c, 404, "text/plain; charset=utf-8", NULL, not_found,
                     sizeof not_found - 1);
        return;
    }
    conn_respond(c, 200, type, "Cache-Control: no-cache\r\n", data, size);
    mem_free(data);
}
