/*
 * step.c - the event-loop stepper: watch one WebSocket message or one
 * long-poll wake-up travel through server.c's select() loop, one
 * iteration at a time.  Started with ./server --step (-S PORT); never
 * the default.
 *
 * The problem: in step mode the loop must stop before each select()
 * until the reader says "step", but the reader's "step" is an HTTP
 * request, and HTTP requests are read by that very loop.  A loop that
 * waits for a request it can only read by not waiting never moves.
 *
 * The design: two planes, one process, one thread.
 *
 *   - The data plane is everything the article's techniques use: the
 *     ordinary listeners (3000, 3001, 3002) and every connection accepted
 *     on them.  In step mode it runs one iteration per step, and only
 *     that iteration is recorded.
 *   - The control plane is one extra listener (the control port, 3100 by
 *     default) and the connections accepted on it: the stepper page,
 *     GET /step/state and POST /step/next.  Between two data iterations
 *     server.c runs the same loop code over the control plane alone
 *     (loop_once() with the other plane's descriptors left out of the
 *     fd_sets) until a step is owed.  The data plane's sockets are not in
 *     that select() at all: the kernel queues their connections and bytes
 *     meanwhile, which is exactly what the reader then sees arrive.
 *
 * So the page is loaded from the control port, and talks to a data port
 * (a WebSocket, a long poll, a publish) whose every byte it then steps
 * through.  POST /step/next?n=K is held (like a long poll) until K data
 * iterations have run, then answered with the record of the last one.
 * The data iteration polls select() with a zero timeout: the waiting
 * already happened while the reader looked at the page; the timeout the
 * loop would have used is recorded.
 *
 * Steering is loopback-only: /step/ answers 403 to a peer outside
 * 127.0.0.0/8 and ::1 (step_peer_is_loopback, unit-tested), 404 on a
 * data port, and POST /step/next wants an "X-Stepper: step" header, which
 * a page of another origin cannot send without a CORS preflight that our
 * server does not grant for it.
 *
 * Recorded per iteration (GET /step/state, JSON): the descriptors in
 * rfds and wfds with their role, which came back ready, the timers that
 * were due, and what each handler did ("accepted fd 7 on port 3000",
 * "read 11 bytes on fd 9 (websocket)", "published event 42 (message)",
 * "wrote 38 bytes to fd 9", "closed fd 9"), each list bounded
 * (STEP_MAX_FDS, STEP_MAX_NOTES in step.h).
 */
#include "step.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "hub.h"
#include "routes.h"
#include "server.h"

enum {
    STEP_MAX_PORTS = 8,
    STEP_STATE_MAX = 64 * 1024,   /* bytes of the JSON record */
    STEP_PARAM_MAX = 8
};

static const char *const kind_names[] = {
    [STEP_ACCEPT] = "accept", [STEP_READ] = "read", [STEP_WRITE] = "write",
    [STEP_STATE] = "state", [STEP_EVENT] = "event", [STEP_TIMER] = "timer",
    [STEP_CLOSE] = "close"
};

struct step_fd {
    int fd;
    char role[STEP_ROLE_MAX];
    unsigned char r, w, ready_r, ready_w;
};

struct step_note_rec {
    enum step_kind kind;
    int fd;
    char text[STEP_NOTE_MAX];
};

/* The record of the last data iteration. */
static struct {
    uint64_t iteration;
    int64_t at_ms;
    int64_t timeout_ms;
    struct step_fd fds[STEP_MAX_FDS];
    size_t n_fds, fds_more;
    struct step_note_rec notes[STEP_MAX_NOTES];
    size_t n_notes, notes_more;
} rec;

static uint64_t owed;                      /* data iterations still to run */
static struct conn *waiters[STEP_MAX_WAITERS];
static int ports[STEP_MAX_PORTS];
static int n_ports;
static int control_port;

/* ------------------------------------------------------------------ */
/* pure                                                                */

int step_peer_is_loopback(const struct sockaddr *sa, socklen_t len)
{
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* recording                                                           */

void step_set_ports(const int *data_ports, int n_data, int control)
{
    n_ports = n_data < STEP_MAX_PORTS ? n_data : STEP_MAX_PORTS;
    memcpy(ports, data_ports, (size_t)n_ports * sizeof ports[0]);
    control_port = control;
}

int step_take(void)
{
    if (owed == 0)
        return 0;
    owed--;
    return 1;
}

void step_begin(int64_t now_ms, int64_t timeout_ms)
{
    rec.iteration++;
    rec.at_ms = now_ms;
    rec.timeout_ms = timeout_ms;
    rec.n_fds = rec.fds_more = 0;
    rec.n_notes = rec.notes_more = 0;
}

void step_watch(int fd, const char *role, int r, int w)
{
    if (rec.n_fds == STEP_MAX_FDS) {
        rec.fds_more++;
        return;
    }
    struct step_fd *f = &rec.fds[rec.n_fds++];
    f->fd = fd;
    snprintf(f->role, sizeof f->role, "%s", role);
    f->r = (unsigned char)(r != 0);
    f->w = (unsigned char)(w != 0);
    f->ready_r = f->ready_w = 0;
}

void step_ready(int fd, int r, int w)
{
    for (size_t i = 0; i < rec.n_fds; i++) {
        if (rec.fds[i].fd == fd) {
            rec.fds[i].ready_r = (unsigned char)(r != 0);
            rec.fds[i].ready_w = (unsigned char)(w != 0);
            return;
        }
    }
}

void step_note(enum step_kind kind, int fd, const char *fmt, ...)
{
    if (rec.n_notes == STEP_MAX_NOTES) {
        rec.notes_more++;
        return;
    }
    struct step_note_rec *n = &rec.notes[rec.n_notes++];
    va_list ap;
    n->kind = kind;
    n->fd = fd;
    va_start(ap, fmt);
    vsnprintf(n->text, sizeof n->text, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* the JSON record                                                     */

static int render_state(struct buf *b)
{
    buf_printf(b, "{\"stepping\":true,\"control_port\":%d,\"data_ports\":[", control_port);
    for (int i = 0; i < n_ports; i++)
        buf_printf(b, "%s%d", i ? "," : "", ports[i]);
    buf_printf(b, "],\"last_event_id\":%llu,\"owed\":%llu,\"iteration\":%llu,"
               "\"at_ms\":%lld,\"would_wait_ms\":%lld,\"fds\":[",
               (unsigned long long)hub_last_id(),
               (unsigned long long)owed, (unsigned long long)rec.iteration,
               (long long)rec.at_ms, (long long)rec.timeout_ms);
    for (size_t i = 0; i < rec.n_fds; i++) {
        const struct step_fd *f = &rec.fds[i];
        buf_printf(b, "%s{\"fd\":%d,\"role\":", i ? "," : "", f->fd);
        escape_json_string(b, f->role, strlen(f->role));
        buf_printf(b, ",\"r\":%d,\"w\":%d,\"ready_r\":%d,\"ready_w\":%d}",
                   f->r, f->w, f->ready_r, f->ready_w);
    }
    buf_printf(b, "],\"fds_more\":%zu,\"notes\":[", rec.fds_more);
    for (size_t i = 0; i < rec.n_notes; i++) {
        const struct step_note_rec *n = &rec.notes[i];
        buf_printf(b, "%s{\"kind\":\"%s\",\"fd\":%d,\"text\":", i ? "," : "",
                   kind_names[n->kind], n->fd);
        escape_json_string(b, n->text, strlen(n->text));
        buf_append_str(b, "}");
    }
    return buf_printf(b, "],\"notes_more\":%zu}\n", rec.notes_more);
}

static void respond_state(struct conn *c)
{
    struct buf b = { NULL, 0, 0, STEP_STATE_MAX };
    if (render_state(&b) != 0 || b.data == NULL) {
        buf_free(&b);
        conn_respond_error(c, 500, "out of memory");
        return;
    }
    conn_respond(c, 200, "application/json", "Cache-Control: no-store\r\n",
                 b.data, b.len);
    buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* held POST /step/next                                                */

static void waiter_on_close(struct conn *c)
{
    for (size_t i = 0; i < STEP_MAX_WAITERS; i++) {
        if (waiters[i] == c)
            waiters[i] = NULL;
    }
}

static const struct stream_ops waiter_ops = {
    NULL,                /* on_input: kept until the answer (pipelining) */
    NULL, NULL, NULL,    /* on_shutdown: the loop closes it; nothing is owed */
    waiter_on_close
};

void step_end(void)
{
    if (owed != 0)
        return;
    for (size_t i = 0; i < STEP_MAX_WAITERS; i++) {
        struct conn *c = waiters[i];
        if (c == NULL)
            continue;
        waiters[i] = NULL;
        respond_state(c);
        conn_resume_reading(c);
    }
}

/* ------------------------------------------------------------------ */
/* the routes                                                          */

/* 1 (answered) unless this connection may steer: it came in on the
 * control port, from a loopback address. */
static int refused(struct conn *c)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    conn_count_request(c, TECH_HTTP);
    if (!c->control_plane) {
        conn_respond_error(c, 404, "the stepper answers on its control port "
                           "only (./server --step)");
        return 1;
    }
    if (getpeername(c->fd, (struct sockaddr *)&peer, &len) != 0
        || !step_peer_is_loopback((struct sockaddr *)&peer, len)) {
        conn_respond_error(c, 403, "the stepper is steered from this machine only");
        return 1;
    }
    return 0;
}

void step_handle_state(struct conn *c, const struct http_request *req)
{
    (void)req;
    if (refused(c))
        return;
    respond_state(c);
}

void step_handle_next(struct conn *c, const struct http_request *req)
{
    char param[STEP_PARAM_MAX];
    uint64_t n = 1;
    if (refused(c))
        return;
    if (!http_header_has_token(req, "X-Stepper", "step")) {
        conn_respond_error(c, 403, "send the header X-Stepper: step "
                           "(a guard against requests from other sites)");
        return;
    }
    long len = http_query_param(req->query, req->query_len, "n", param, sizeof param);
    if (len >= 0 && (http_parse_u64(param, (size_t)len, &n) != 0
                     || n == 0 || n > STEP_MAX_BATCH)) {
        conn_respond_error(c, 400, "n must be a number from 1 to 100");
        return;
    }
    if (len < -1) {
        conn_respond_error(c, 400, "n is badly encoded");
        return;
    }
    for (size_t i = 0; i < STEP_MAX_WAITERS; i++) {
        if (waiters[i] == NULL) {
            waiters[i] = c;
            owed += n;
            /* Held like a long poll; step_end() answers it. */
            conn_enter(c, CONN_HELD_POLL, TECH_HTTP, &waiter_ops, NULL);
            return;
        }
    }
    conn_respond_error(c, 429, "too many step requests waiting");
}
