/*
 * teach/source.c - the server's own source, for reading beside the
 * article (www/source.html, the annotated source).
 *
 *   GET /source/files     {"layers":[{"id","title","files":[{"name","about"}]}]}
 *                         every server source file, by layer, bottom first;
 *                         "about" is the first line of the file's own header
 *                         comment, so the description lives in one place
 *   GET /source?file=N    one of those files as text/plain; N is its path
 *                         ("core/hub.h") or, where it is unique, its base
 *                         name ("hub.h", as links made before the folders
 *                         were); anything else is 404
 *
 * The list below is the only list of the server's files.  The request
 * never contributes a path: it picks an entry of the list or gets 404.
 * Files are read from the directory the server was built in (SOURCE_DIR,
 * set by the Makefile), not from the www root's parent, so `-r /x/www`
 * cannot make /source read /x/server.c.
 */
#include "teach/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/escape.h"
#include "core/mem.h"
#include "static.h"

#ifndef SOURCE_DIR
#define SOURCE_DIR "."
#endif

enum {
    SOURCE_ABOUT_MAX = 160,    /* bytes of a file's first header line we show */
    SOURCE_HEAD_BYTES = 512    /* bytes read to find it */
};

static const char *const core_files[] = {
    "core/mem.c", "core/mem.h", "core/buf.c", "core/buf.h", "core/utf8.c", "core/utf8.h",
    "core/escape.c", "core/escape.h", "core/http.c", "core/http.h",
    "core/chunked.c", "core/chunked.h",
    "core/hub.c", "core/hub.h", "sha1.c", "sha1.h", "base64.c", "base64.h",
    "core/poll_proto.c", "core/poll_proto.h", "core/iframe_proto.c", "core/iframe_proto.h",
    "core/ws_proto.c", "core/ws_proto.h", "core/sse_proto.c", "core/sse_proto.h",
    "core/stream_proto.c", "core/stream_proto.h",
    NULL
};
static const char *const conn_files[] = {
    "net/clock.c", "net/clock.h", "net/stats.c", "net/stats.h",
    "net/conn.c", "net/conn.h", "net/replay.c", "net/replay.h", NULL
};
static const char *const loop_files[] = { "net/loop.c", "net/loop.h", NULL };
static const char *const technique_files[] = {
    "poll.c", "poll.h", "iframe.c", "iframe.h", "ws.c", "ws.h",
    "sse.c", "sse.h", "stream.c", "stream.h", "static.c", "static.h", NULL
};
static const char *const teach_files[] = {
    "teach/wire.c", "teach/wire.h", "teach/step.c", "teach/step.h",
    "teach/article.c", "teach/article.h", "teach/source.c", "teach/source.h", NULL
};
static const char *const route_files[] = { "routes.c", "routes.h", NULL };
static const char *const main_files[] = { "server.c", NULL };

/* One layer of the server and its files, bottom layer first. */
struct source_layer {
    const char *id;            /* "core", "conn", ... */
    const char *title;         /* what the layer is, one line */
    const char *const *files;  /* paths from the source directory, NULL-terminated */
};

/* The layers, ending with an entry whose id is NULL: the one list of the
 * server's source files (the Makefile builds from the same folders, and
 * tests/16-layers.t checks that the list, the tree and the objects
 * agree). */
static const struct source_layer source_layers[] = {
    { "core", "the pure units: parsers, formats and the hub; no sockets, no clock",
      core_files },
    { "conn", "the connection layer: one struct conn, its buffers, responses and streams",
      conn_files },
    { "loop", "the loop: the connection table, select(), accepting, timers, shutdown",
      loop_files },
    { "techniques", "one file per technique of the article, and static files",
      technique_files },
    { "teach", "the teaching modes: wire view, stepper, article mode, this source",
      teach_files },
    { "routes", "the route table and its dispatcher", route_files },
    { "main", "main: the command line, the listeners, the clock, /publish and /stats",
      main_files },
    { NULL, NULL, NULL }
};

/* The listed file that `name` names: its path, or its base name when
 * only one listed file has it.  NULL if none. */
static const char *find_listed(const char *name)
{
    const char *by_base = NULL;
    int bases = 0;
    for (const struct source_layer *l = source_layers; l->id != NULL; l++) {
        for (const char *const *f = l->files; *f != NULL; f++) {
            if (strcmp(*f, name) == 0)
                return *f;
            const char *slash = strrchr(*f, '/');
            if (slash != NULL && strcmp(slash + 1, name) == 0) {
                by_base = *f;
                bases++;
            }
        }
    }
    return bases == 1 ? by_base : NULL;
}

/* The path of a listed file in SOURCE_DIR.  0, or -1 if it is too long. */
static int source_path(const char *file, char *path, size_t size)
{
    int len = snprintf(path, size, "%s/%s", SOURCE_DIR, file);
    return len < 0 || (size_t)len >= size ? -1 : 0;
}

/* The whole file, read from SOURCE_DIR, or NULL. */
static char *read_listed(const char *file, size_t *size)
{
    char path[1024];
    if (source_path(file, path, sizeof path) != 0)
        return NULL;
    return static_read_file(path, size);
}

void source_handle(struct conn *c, const struct http_request *req)
{
    static const char not_listed[] = "404 Not Found: not one of the server's source files\n";
    char name[SOURCE_NAME_MAX];
    size_t size = 0;
    char *data = NULL;

    conn_count_request(c, TECH_HTTP);
    long n = http_query_param(req->query, req->query_len, "file", name, sizeof name);
    const char *file = n > 0 ? find_listed(name) : NULL;
    errno = 0;
    if (file != NULL)
        data = read_listed(file, &size);
    if (data == NULL && errno == ENOMEM) {
        conn_respond_error(c, 503, "out of memory");
        return;
    }
    if (data == NULL) {
        conn_respond(c, 404, "text/plain; charset=utf-8", NULL, not_listed,
                     sizeof not_listed - 1);
        return;
    }
    conn_respond(c, 200, "text/plain; charset=utf-8",
                 "Cache-Control: no-cache\r\nAccess-Control-Allow-Origin: *\r\n",
                 data, size);
    mem_free(data);
}

/* The first line of a file's header comment after "NAME - " (for
 * "core/buf.h - a growable byte buffer..." that is "a growable byte
 * buffer..."), or "" when it has none. */
static void about_of(const char *file, char *out, size_t out_size)
{
    char path[1024];
    char head[SOURCE_HEAD_BYTES + 1];
    out[0] = '\0';
    int fd = source_path(file, path, sizeof path) == 0 ? open(path, O_RDONLY) : -1;
    if (fd < 0)
        return;
    ssize_t n = read(fd, head, SOURCE_HEAD_BYTES);   /* no stdio: no hidden malloc */
    close(fd);
    head[n > 0 ? n : 0] = '\0';
    const char *dash = strstr(head, " - ");
    if (dash == NULL)
        return;
    dash += 3;
    size_t len = strcspn(dash, "\n");
    if (len >= out_size)
        len = out_size - 1;
    memcpy(out, dash, len);
    out[len] = '\0';
}

/* Each append's result is kept, not only the last: one that failed for
 * want of memory would leave a hole in the JSON while the smaller ones
 * after it succeeded.  0, or -1 if any failed. */
static int list_json(struct buf *b)
{
    char about[SOURCE_ABOUT_MAX];
    int rc = buf_append_str(b, "{\"layers\":[");
    for (const struct source_layer *l = source_layers; l->id != NULL; l++) {
        rc |= buf_printf(b, "%s{\"id\":\"%s\",\"title\":", l == source_layers ? "" : ",", l->id);
        rc |= escape_json_string(b, l->title, strlen(l->title));
        rc |= buf_append_str(b, ",\"files\":[");
        for (const char *const *f = l->files; *f != NULL; f++) {
            about_of(*f, about, sizeof about);
            rc |= buf_printf(b, "%s{\"name\":\"%s\",\"about\":", f == l->files ? "" : ",", *f);
            rc |= escape_json_string(b, about, strlen(about));
            rc |= buf_append_str(b, "}");
        }
        rc |= buf_append_str(b, "]}");
    }
    rc |= buf_append_str(b, "]}\n");
    return rc;
}

void source_files_handle(struct conn *c, const struct http_request *req)
{
    struct buf b = { NULL, 0, 0, SOURCE_LIST_MAX };
    (void)req;
    conn_count_request(c, TECH_HTTP);
    conn_respond_json_rendered(c, list_json(&b), &b);
}
