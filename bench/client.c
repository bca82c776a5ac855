/*
 * bench/client.c - see client.h.
 */
#include "client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* buffers                                                             */

int bbuf_append(struct bbuf *b, const void *p, size_t n)
{
    if (b->off > 0 && b->off == b->len) {   /* drained: start again at 0 */
        b->off = 0;
        b->len = 0;
    }
    if (b->len + n > b->cap) {
        if (b->off > 0) {                     /* slide before growing */
            memmove(b->data, b->data + b->off, b->len - b->off);
            b->len -= b->off;
            b->off = 0;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        if (cap != b->cap) {
            char *d = realloc(b->data, cap);
            if (d == NULL)
                return -1;
            b->data = d;
            b->cap = cap;
        }
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void bbuf_consume(struct bbuf *b, size_t n)
{
    b->off += n;
    if (b->off >= b->len) {
        b->off = 0;
        b->len = 0;
    }
}

void bbuf_free(struct bbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------ */
/* time                                                                */

int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ------------------------------------------------------------------ */
/* the loop                                                            */

static struct bc *conns[BC_MAX_CONNS];
static size_t n_conns;
static size_t next_to_connect;      /* conns[i] for i >= this wait to connect */
static struct pollfd pfds[BC_MAX_CONNS];
static size_t pfd_conn[BC_MAX_CONNS];  /* pfds[k] belongs to conns[pfd_conn[k]] */

size_t loop_count(void) { return n_conns; }
struct bc *loop_conn(size_t i) { return i < n_conns ? conns[i] : NULL; }

void loop_reset(void)
{
    loop_close_all();
}

struct bc *bc_open(int port, bc_fn on_connect, bc_fn on_input, void *user)
{
    if (n_conns == BC_MAX_CONNS)
        return NULL;
    struct bc *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->fd = -1;
    c->port = port;
    c->on_connect = on_connect;
    c->on_input = on_input;
    c->user = user;
    c->index = (int)n_conns;
    conns[n_conns++] = c;
    return c;
}

static int start_connect(struct bc *c)
{
    struct sockaddr_in a;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)c->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    return 0;
}

void bc_queue(struct bc *c, const void *p, size_t n)
{
    if (c->fd < 0 && c->connected)
        return;                         /* closed */
    bbuf_append(&c->out, p, n);
    c->bytes_out += n;
}

void bc_flush(struct bc *c)
{
    if (c->fd < 0 || !c->connected)
        return;                         /* sent once connected */
    while (bbuf_len(&c->out) > 0) {
        ssize_t w = send(c->fd, bbuf_ptr(&c->out), bbuf_len(&c->out), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;                     /* EAGAIN: poll() takes it from here */
        bbuf_consume(&c->out, (size_t)w);
    }
}

/* A ping-pong client should not wait for another poll() turn. */
void bc_send(struct bc *c, const void *p, size_t n)
{
    bc_queue(c, p, n);
    bc_flush(c);
}

void bc_close(struct bc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->connected = 1;                   /* "connected and closed": never again */
    c->timer_ns = 0;
}

static void bc_fail(struct bc *c)
{
    bc_close(c);
    if (c->on_close != NULL)
        c->on_close(c);
}

void loop_close_all(void)
{
    for (size_t i = 0; i < n_conns; i++) {
        if (conns[i]->fd >= 0)
            close(conns[i]->fd);
        bbuf_free(&conns[i]->in);
        bbuf_free(&conns[i]->out);
        free(conns[i]);
    }
    n_conns = 0;
    next_to_connect = 0;
}

/* Connections whose connect() has not completed yet. */
static size_t connecting_now(void)
{
    size_t k = 0;
    for (size_t i = 0; i < next_to_connect; i++)
        k += conns[i]->fd >= 0 && !conns[i]->connected;
    return k;
}

static void start_queued_connects(void)
{
    size_t busy = connecting_now();
    while (next_to_connect < n_conns && busy < BC_CONNECTING_MAX) {
        struct bc *c = conns[next_to_connect++];
        if (start_connect(c) != 0) {
            c->connected = 1;
            if (c->on_close != NULL)
                c->on_close(c);
            continue;
        }
        busy++;
    }
}

static void on_writable(struct bc *c)
{
    if (!c->connected) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            bc_fail(c);
            return;
        }
        c->connected = 1;
        if (c->on_connect != NULL)
            c->on_connect(c);
        if (c->fd < 0)
            return;
    }
    while (bbuf_len(&c->out) > 0) {
        ssize_t w = send(c->fd, bbuf_ptr(&c->out), bbuf_len(&c->out), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w <= 0) {
            bc_fail(c);
            return;
        }
        bbuf_consume(&c->out, (size_t)w);
    }
}

static void on_readable(struct bc *c)
{
    char chunk[BC_READ_CHUNK];
    ssize_t n = read(c->fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        bc_fail(c);
        return;
    }
    c->bytes_in += (uint64_t)n;
    if (bbuf_len(&c->in) + (size_t)n > BC_IN_MAX || bbuf_append(&c->in, chunk, (size_t)n) != 0) {
        bc_fail(c);
        return;
    }
    if (c->on_input != NULL)
        c->on_input(c);
    bc_flush(c);
}

int loop_run(int64_t until_ns, int (*done)(void *arg), void *arg)
{
    for (;;) {
        if (done != NULL && done(arg))
            return 1;
        int64_t now = now_ns();
        if (now >= until_ns)
            return 0;
        start_queued_connects();

        int64_t wake = until_ns;
        size_t np = 0;
        for (size_t i = 0; i < next_to_connect; i++) {
            struct bc *c = conns[i];
            if (c->timer_ns != 0 && c->timer_ns < wake)
                wake = c->timer_ns;
            if (c->fd < 0)
                continue;
            pfds[np].fd = c->fd;
            pfds[np].events = (short)(POLLIN | (!c->connected || bbuf_len(&c->out) > 0 ? POLLOUT : 0));
            pfds[np].revents = 0;
            pfd_conn[np] = i;
            np++;
        }
        int64_t wait_ns = wake - now;
        int timeout = wait_ns <= 0 ? 0 : (int)((wait_ns + 999999) / 1000000);
        if (timeout > 100)
            timeout = 100;           /* look at done() now and then */
        int ready = poll(pfds, (nfds_t)np, timeout);
        if (ready < 0 && errno != EINTR) {
            perror("bench: poll");
            return 0;
        }
        for (size_t k = 0; k < np && ready > 0; k++) {
            struct bc *c = conns[pfd_conn[k]];
            short re = pfds[k].revents;
            if (re == 0 || pfds[k].fd != c->fd)
                continue;   /* nothing, or closed by a callback this turn */
            if (re & POLLOUT)
                on_writable(c);
            if (c->fd >= 0 && c->connected && (re & (POLLIN | POLLHUP | POLLERR)))
                on_readable(c);
        }
        now = now_ns();
        for (size_t i = 0; i < next_to_connect; i++) {
            struct bc *c = conns[i];
            if (c->timer_ns != 0 && c->timer_ns <= now) {
                c->timer_ns = 0;
                if (c->on_timer != NULL)
                    c->on_timer(c);
                bc_flush(c);
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* HTTP responses                                                      */

static int header_is(const char *line, size_t len, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return 0;
    const char *v = line + n + 1;
    while (v < line + len && (*v == ' ' || *v == '\t'))
        v++;
    *value = v;
    return 1;
}

long http_resp_head(const char *p, size_t n, struct http_resp *r)
{
    const char *end = NULL;
    for (size_t i = 3; i < n; i++) {
        if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r') {
            end = p + i + 1;
            break;
        }
    }
    if (end == NULL)
        return n > 65536 ? -1 : 0;
    memset(r, 0, sizeof *r);
    r->content_length = -1;
    if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0)
        return -1;
    r->status = atoi(p + 9);
    const char *line = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
    while (line < end - 2) {
        const char *eol = memchr(line, '\r', (size_t)(end - line));
        size_t len = (size_t)(eol - line);
        const char *v;
        if (header_is(line, len, "Content-Length", &v))
            r->content_length = atoll(v);
        else if (header_is(line, len, "Transfer-Encoding", &v))
            r->chunked = strncasecmp(v, "chunked", 7) == 0;
        else if (header_is(line, len, "Connection", &v))
            r->close = strncasecmp(v, "close", 5) == 0;
        line = eol + 2;
    }
    r->head_len = (size_t)(end - p);
    return (long)r->head_len;
}

/* ------------------------------------------------------------------ */
/* WebSocket                                                           */

long ws_frame_head(const unsigned char *p, size_t n, struct ws_in_frame *f)
{
    if (n < 2)
        return 0;
    f->fin = (p[0] & 0x80) != 0;
    f->opcode = p[0] & 0x0F;
    if (p[1] & 0x80)
        return -1;                       /* RFC 6455 5.1: servers never mask */
    uint64_t len = p[1] & 0x7F;
    size_t h = 2;
    if (len == 126) {
        if (n < 4)
            return 0;
        len = ((uint64_t)p[2] << 8) | p[3];
        h = 4;
    } else if (len == 127) {
        if (n < 10)
            return 0;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = (len << 8) | p[2 + i];
        h = 10;
    }
    f->header_len = h;
    f->payload_len = len;
    return (long)h;
}

/* Masking keys: RFC 6455 section 5.3 asks for unpredictable keys so that
 * a browser's frames cannot be steered into a proxy's cache.  A load
 * client on loopback has no such adversary; xorshift is enough here. */
static uint32_t mask_state = 2463534242u;

static uint32_t next_mask(void)
{
    mask_state ^= mask_state << 13;
    mask_state ^= mask_state >> 17;
    mask_state ^= mask_state << 5;
    return mask_state;
}

void ws_send_frame(struct bc *c, int opcode, const void *payload, size_t len)
{
    unsigned char frame[14 + 4096];
    unsigned char *big = NULL;
    unsigned char *f = frame;
    size_t h = 0;
    if (len + 14 > sizeof frame) {
        big = malloc(len + 14);
        if (big == NULL)
            return;
        f = big;
    }
    f[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        f[h++] = (unsigned char)(0x80 | len);
    } else if (len <= 0xFFFF) {
        f[h++] = 0x80 | 126;
        f[h++] = (unsigned char)(len >> 8);
        f[h++] = (unsigned char)len;
    } else {
        f[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            f[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    uint32_t m = next_mask();
    unsigned char key[4] = { (unsigned char)(m >> 24), (unsigned char)(m >> 16),
                             (unsigned char)(m >> 8), (unsigned char)m };
    memcpy(f + h, key, 4);
    h += 4;
    const unsigned char *src = payload;
    for (size_t i = 0; i < len; i++)
        f[h + i] = src[i] ^ key[i & 3];
    bc_queue(c, f, h + len);
    free(big);
}

void ws_send_handshake(struct bc *c, const char *path)
{
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n", path, c->port);
    c->requests++;
    bc_send(c, req, (size_t)n);
}
