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

/* static_read_file(), also giving the file's identity (dev, inode,
 * size, mtime) as fstat() saw it, for the cache. */
static char *read_file_stat(const char *path, size_t *size, struct stat *st)
{
    char *data = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)
        || st->st_size > STATIC_FILE_MAX_BYTES)
        goto fail;
    data = mem_alloc((size_t)st->st_size + 1);
    if (data == NULL) {
        close(fd);
        errno = ENOMEM;   /* the file is there: no memory to read it */
        return NULL;
    }
    while (got < (size_t)st->st_size) {
        ssize_t n = read(fd, data + got, (size_t)st->st_size - got);
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

char *static_read_file(const char *path, size_t *size)
{
    struct stat st;
    return read_file_stat(path, size, &st);
}

/*
 * The cache of small files.  Serving a file costs realpath() (one
 * readlink() per component of its absolute path: five or more system
 * calls) and open, fstat, read and close, on every request: about half
 * the server's time on a keep-alive client asking for a small page
 * (bench/PROFILE.md).  A file of at most STATIC_CACHE_FILE_MAX bytes,
 * once served, is kept with what identifies its contents: its device,
 * inode, size and modification time as fstat() saw them when it was read
 * through the checked path.  The next request for the same path costs
 * one stat() of root + path, and the kept bytes are served only if that
 * stat() names the very same file, unchanged: a file edited in place
 * (new mtime or size), replaced (new inode), or a path whose symlink now
 * leads elsewhere (another inode) misses, and takes the full path with
 * its realpath() check again.  The bytes served from the cache are
 * always those read through that check.
 */
struct cached_file {
    char rel[STATIC_PATH_MAX];    /* the decoded path under the root; "" if free */
    const char *type;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    char *data;
    size_t len;
    uint64_t last_used;           /* for replacing the least recently used */
};

static struct cached_file cache[STATIC_CACHE_ENTRIES];
static uint64_t cache_clock;

static int same_file(const struct cached_file *f, const struct stat *st)
{
    return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size
           && f->mtime.tv_sec == st->st_mtim.tv_sec
           && f->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* The kept copy of rel, if the file at full is still the one it was. */
static struct cached_file *cache_lookup(const char *rel, const char *full)
{
    struct stat st;
    for (size_t i = 0; i < STATIC_CACHE_ENTRIES; i++) {
        struct cached_file *f = &cache[i];
        if (f->rel[0] == '\0' || strcmp(f->rel, rel) != 0)
            continue;
        if (stat(full, &st) != 0 || !same_file(f, &st))
            return NULL;
        f->last_used = ++cache_clock;
        return f;
    }
    return NULL;
}

/* Keep data (read through the checked path) as rel's copy; the cache
 * takes it over.  Returns 1 if kept, 0 if the file is too large to keep
 * (the caller frees it). */
static int cache_keep(const char *rel, const char *type, char *data, size_t len,
                      const struct stat *st)
{
    if (len > STATIC_CACHE_FILE_MAX)
        return 0;
    struct cached_file *slot = &cache[0];
    for (size_t i = 0; i < STATIC_CACHE_ENTRIES; i++) {
        if (cache[i].rel[0] == '\0' || strcmp(cache[i].rel, rel) == 0) {
            slot = &cache[i];
            break;
        }
        if (cache[i].last_used < slot->last_used)
            slot = &cache[i];
    }
    mem_free(slot->data);
    snprintf(slot->rel, sizeof slot->rel, "%s", rel);
    slot->type = type;
    slot->dev = st->st_dev;
    slot->ino = st->st_ino;
    slot->size = st->st_size;
    slot->mtime = st->st_mtim;
    slot->data = data;
    slot->len = len;
    slot->last_used = ++cache_clock;
    return 1;
}

void static_cache_free(void)
{
    for (size_t i = 0; i < STATIC_CACHE_ENTRIES; i++) {
        mem_free(cache[i].data);
        memset(&cache[i], 0, sizeof cache[i]);
    }
}

/* The real path of full (symlinks resolved), if it lies under the root.
 * 0, or -1. */
static int resolve_file(const char *full, char real[PATH_MAX])
{
    if (realpath(full, real) == NULL)
        return -1;
    if (strncmp(real, root_path, root_len) != 0 || real[root_len] != '/')
        return -1;
    return 0;
}

static void respond_file(struct conn *c, const char *type, const char *data, size_t len)
{
    conn_respond(c, 200, type, "Cache-Control: no-cache\r\n", data, len);
}

void static_serve(struct conn *c, const struct http_request *req)
{
    static const char not_found[] = "404 Not Found\n";
    char rel[STATIC_PATH_MAX];
    char full[PATH_MAX];
    char real[PATH_MAX];
    const char *type = NULL;
    struct stat st;
    size_t size = 0;
    char *data = NULL;

    errno = 0;
    if (static_resolve_path(req->path, req->path_len, rel, sizeof rel) == 0)
        type = static_content_type(rel);
    int n = type != NULL ? snprintf(full, sizeof full, "%s/%s", root_path, rel) : -1;
    if (n < 0 || (size_t)n >= sizeof full)
        type = NULL;                       /* no such file we serve */
    const struct cached_file *hit = type != NULL ? cache_lookup(rel, full) : NULL;
    if (hit != NULL) {
        respond_file(c, hit->type, hit->data, hit->len);
        return;
    }
    if (type != NULL && resolve_file(full, real) == 0)
        data = read_file_stat(real, &size, &st);
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
    respond_file(c, type, data, size);
    if (!cache_keep(rel, type, data, size, &st))
        mem_free(data);
}
