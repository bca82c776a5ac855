/*
 * bench/peers/limit.c - see limit.h.  Linux only (epoll, accept4).
 */
#define _GNU_SOURCE
#include "limit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base64.h"
#include "sha1.h"

enum {
    READ_CHUNK = 16384,       /* room made in c->in before each read */
    EVENTS_PER_WAIT = 256
};

static int epfd;

/* ------------------------------------------------------------------ */
/* buffers (grown as needed: no limits, by design)                     */

static void reserve(char **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t cap2 = *cap ? *cap : 4096;
    while (cap2 < need)
        cap2 *= 2;
    *p = realloc(*p, cap2);
    if (*p == NULL) {
        perror("limit: realloc");
        exit(1);
    }
    *cap = cap2;
}

void limit_consume(struct limit_conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

void limit_queue(struct limit_conn *c, const void *p, size_t n)
{
    reserve(&c->out, &c->out_cap, c->out_len + n);
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

/* Ask for EPOLLOUT only while output waits: one epoll_ctl when that
 * changes, none on the usual path where the socket takes everything. */
static void watch_writable(struct limit_conn *c, int yes)
{
    if (c->watching_out == yes)
        return;
    struct epoll_event ev = { EPOLLIN | (yes ? EPOLLOUT : 0), { .ptr = c } };
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->watching_out = yes;
}

void limit_flush(struct limit_conn *c)
{
    if (c->out_len == 0)
        return;
    ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
    if (n < 0)
        n = 0;                /* full, or gone (EPOLLIN will say so) */
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
    watch_writable(c, c->out_len > 0);
}

void limit_send(struct limit_conn *c, const void *p, size_t n)
{
    if (c->out_len > 0) {     /* keep the order behind what waits */
        limit_queue(c, p, n);
        return;
    }
    ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
    if (w < 0)
        w = 0;
    if ((size_t)w < n) {
        limit_queue(c, (const char *)p + w, n - (size_t)w);
        watch_writable(c, 1);
    }
}

/* ------------------------------------------------------------------ */
/* the loop                                                            */

static void conn_close(struct limit_conn *c)
{
    limit_closed(c);
    close(c->fd);             /* also leaves the epoll set */
    free(c->in);
    free(c->out);
    free(c);
}

static void conn_open(int fd)
{
    int one = 1;
    struct limit_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        close(fd);
        return;
    }
    c->fd = fd;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = { EPOLLIN, { .ptr = c } };
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void accept_all(int lfd)
{
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
        conn_open(fd);
}

/* One read per readiness (the level-triggered epoll calls again if more
 * is there), then the peer's input handler. */
static void conn_readable(struct limit_conn *c)
{
    reserve(&c->in, &c->in_cap, c->in_len + READ_CHUNK);
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    c->in_len += (size_t)n;
    limit_input(c);
}

static int listen_loopback(const char *port_arg)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(port_arg));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0
        || listen(fd, SOMAXCONN) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("limit: listen");
        exit(1);
    }
    fprintf(stderr, "listening on http://127.0.0.1:%d\n", ntohs(a.sin_port));
    return fd;
}

int limit_main(int argc, char **argv)
{
    static struct epoll_event events[EVENTS_PER_WAIT];
    int lfd = listen_loopback(argc > 1 ? argv[1] : "0");
    epfd = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN, { .ptr = NULL } };   /* NULL: the listener */
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(epfd, events, EVENTS_PER_WAIT, -1);
        for (int i = 0; i < n; i++) {
            struct limit_conn *c = events[i].data.ptr;
            if (c == NULL) {
                accept_all(lfd);
                continue;
            }
            if (events[i].events & EPOLLOUT)
                limit_flush(c);
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                conn_readable(c);
        }
    }
}

/* ------------------------------------------------------------------ */
/* HTTP and WebSocket                                                  */

size_t limit_http_head_end(const struct limit_conn *c)
{
    for (size_t i = 3; i < c->in_len; i++) {
        if (memcmp(c->in + i - 3, "\r\n\r\n", 4) == 0)
            return i + 1;
    }
    return 0;
}

const char *limit_http_header(const char *head, size_t n, const char *name, size_t *len)
{
    size_t k = strlen(name);
    for (size_t i = 0; i + 1 + k < n; i++) {
        if (head[i] != '\n' || strncasecmp(head + i + 1, name, k) != 0)
            continue;
        const char *v = head + i + 1 + k;
        while (*v == ' ')
            v++;
        const char *e = v;
        while (*e != '\r' && *e != ' ')   /* the head ends in CRLF CRLF */
            e++;
        *len = (size_t)(e - v);
        return v;
    }
    return NULL;
}

int limit_ws_handshake(struct limit_conn *c)
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    static const char head_101[] = "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
    size_t end = limit_http_head_end(c), key_len = 0;
    if (end == 0)
        return 0;
    const char *key = limit_http_header(c->in, end, "Sec-WebSocket-Key:", &key_len);
    char keyed[128 + sizeof guid];
    unsigned char digest[SHA1_HASH_SIZE];
    char accept[BASE64_ENCODED_SIZE(SHA1_HASH_SIZE) + 1];
    if (key == NULL || key_len > 128)
        key_len = 0;          /* the only length looked at: the stack copy */
    if (key_len > 0)
        memcpy(keyed, key, key_len);
    memcpy(keyed + key_len, guid, sizeof guid - 1);
    sha1(keyed, key_len + sizeof guid - 1, digest);
    base64_encode(digest, SHA1_HASH_SIZE, accept);
    limit_queue(c, head_101, sizeof head_101 - 1);
    limit_queue(c, accept, strlen(accept));
    limit_queue(c, "\r\n\r\n", 4);
    limit_flush(c);
    limit_consume(c, end);
    c->upgraded = 1;
    return 1;
}

size_t limit_ws_frame(char *in, size_t n, char **payload, uint64_t *len)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t h = 2;
    if (n < 2)
        return 0;
    uint64_t plen = p[1] & 0x7F;
    if (plen == 126) {
        h = 4;
        plen = n < h ? 0 : (uint64_t)p[2] << 8 | p[3];
    } else if (plen == 127) {
        h = 10;
        plen = 0;
        for (size_t i = 2; i < h && n >= h; i++)
            plen = plen << 8 | p[i];
    }
    h += 4;                   /* a client frame is masked (RFC 6455 5.3) */
    if (n < h || n - h < plen)
        return 0;
    const unsigned char *mask = p + h - 4;
    char *data = in + h;
    for (uint64_t i = 0; i < plen; i++)
        data[i] = (char)(data[i] ^ mask[i % 4]);
    *payload = data;
    *len = plen;
    return h + (size_t)plen;
}

size_t limit_ws_text_header(unsigned char *h, uint64_t len)
{
    h[0] = 0x81;              /* FIN, text */
    if (len < 126) {
        h[1] = (unsigned char)len;
        return 2;
    }
    if (len < 65536) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (unsigned char)(len >> (56 - 8 * i));
    return 10;
}
