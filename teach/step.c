/*
 * teach/step.c - the event-loop stepper: watch one WebSocket message or one
 * long-poll wake-up travel through net/loop.c's select() loop, one
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
 *     main (server.c) runs the same loop code over the control plane alone
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
#include "teach/step.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/hub.h"
#include "net/clock.h"
#include "net/conn.h"
#include "net/loop.h"

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

static void step_begin(int64_t now_ms, int64_t timeout_ms)
{
    rec.iteration++;
    rec.at_ms = now_ms;
    rec.timeout_ms = timeout_ms;
    rec.n_fds = rec.fds_more = 0;
    rec.n_notes = rec.notes_more = 0;
}

static void step_watch(int fd, const char *role, int r, int w)
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

static void step_ready(int fd, int r, int w)
{
    for (size_t i = 0; i < rec.n_fds; i++) {
        if (rec.fds[i].fd == fd) {
            rec.fds[i].ready_r = (unsigned char)(r != 0);
            rec.fds[i].ready_w = (unsigned char)(w != 0);
            return;
        }
    }
}

static void step_note(enum step_kind kind, int fd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void step_note(enum step_kind kind, int fd, const char *fmt, ...)
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
/* the hooks main installs: what the loop and the connections did      */

/* Before select(): the descriptors in each set and their roles.  The
 * data turn polls (wait 0): the reader's pause was the waiting; the
 * timeout the loop would have used is recorded. */
static int64_t before_select(enum loop_plane plane, const fd_set *rfds,
                             const fd_set *wfds, int maxfd, int64_t wait_ms)
{
    char role[STEP_ROLE_MAX];
    if (plane != LOOP_PLANE_DATA)
        return wait_ms;
    step_begin(clock_now_ms(), wait_ms);
    for (int fd = 0; fd <= maxfd; fd++) {
        int r = FD_ISSET(fd, rfds), w = FD_ISSET(fd, wfds);
        if (!r && !w)
            continue;
        const struct conn *c = loop_conn(fd);
        if (c != NULL)
            snprintf(role, sizeof role, "%s", conn_state_name(c->state));
        else
            snprintf(role, sizeof role, "listener :%d", loop_listener_port(fd));
        step_watch(fd, role, r, w);
    }
    return 0;
}

static void after_select(enum loop_plane plane, const fd_set *rfds,
                         const fd_set *wfds, int maxfd)
{
    for (int fd = 0; plane == LOOP_PLANE_DATA && fd <= maxfd; fd++) {
        if (FD_ISSET(fd, rfds) || FD_ISSET(fd, wfds))
            step_ready(fd, FD_ISSET(fd, rfds), FD_ISSET(fd, wfds));
    }
}

static void timer_due(const struct conn *c, int64_t period_ms)
{
    if (c == NULL) {
        step_note(STEP_TIMER, -1, "timer due: the clock (every %lld ms)", (long long)period_ms);
        return;
    }
    if (c->plane != LOOP_PLANE_DATA)
        return;
    step_note(STEP_TIMER, c->fd, "timer due on fd %d (%s%s)", c->fd,
              conn_state_name(c->state), c->close_after_flush ? ", closing"
              : c->state == CONN_READING ? ", idle or slow request" : "");
}

static void published(const struct hub_event *ev)
{
    step_note(STEP_EVENT, -1, "published event %llu (%s): each stream's on_event runs",
              (unsigned long long)ev->id, hub_type_name(ev->type));
}

static void answer_waiters(void);

/* The data turn is over: answer the POST /step/next requests it was for. */
static void turn_done(enum loop_plane plane)
{
    if (plane == LOOP_PLANE_DATA && owed == 0)
        answer_waiters();
}

const struct loop_observer step_loop_observer = {
    before_select, after_select, timer_due, published, turn_done
};

/* A change of state, as the stepper page lists it. */
static void note_state(const struct conn *c, enum conn_state from)
{
    const char *was = conn_state_name(from);
    if (c->state == CONN_CLOSING)
        step_note(STEP_STATE, c->fd, "fd %d: %s -> closing (all sent; shutdown(SHUT_WR))",
                  c->fd, was);
    else if (c->state == CONN_READING)
        step_note(STEP_STATE, c->fd, "fd %d: %s -> http (answered; reading the next request)",
                  c->fd, was);
    else
        step_note(STEP_STATE, c->fd, "fd %d: %s -> %s (%s)", c->fd, was,
                  conn_state_name(c->state), c->log_target);
}

void step_on_conn_change(const struct conn *c, enum conn_change what, long n,
                         const char *reason)
{
    int fd = c->fd;
    const char *state = conn_state_name(c->state);
    if (c->plane != LOOP_PLANE_DATA)
        return;
    switch (what) {
    case CONN_OPENED:
        step_note(STEP_ACCEPT, fd, "accepted fd %d on port %d", fd, c->local_port);
        break;
    case CONN_READ_BYTES:
        if (n == 0)
            step_note(STEP_READ, fd, "read 0 bytes on fd %d (%s): the peer closed", fd, state);
        else
            step_note(STEP_READ, fd, "read %ld bytes on fd %d (%s)", n, fd, state);
        break;
    case CONN_WROTE_BYTES:
        step_note(STEP_WRITE, fd, "wrote %ld bytes to fd %d (%s)%s", n, fd, state,
                  c->out.len > 0 ? ", more pending" : "");
        break;
    case CONN_NEW_STATE:
        note_state(c, (enum conn_state)n);
        break;
    case CONN_DROPPED:
        step_note(STEP_CLOSE, fd, "fd %d dropped: %s", fd, reason);
        break;
    case CONN_CLOSED:
        step_note(STEP_CLOSE, fd, "closed fd %d (%s)", fd, state);
        break;
    }
}

/* ------------------------------------------------------------------ */
/* the JSON record                                                     */

/* Each append's result is kept, not only the last: one that failed for
 * want of memory would leave a hole in the JSON while the smaller ones
 * after it succeeded.  0, or -1 if any failed. */
static int render_state(struct buf *b)
{
    int rc = buf_printf(b, "{\"stepping\":true,\"control_port\":%d,\"data_ports\":[",
                        control_port);
    for (int i = 0; i < n_ports; i++)
        rc |= buf_printf(b, "%s%d", i ? "," : "", ports[i]);
    rc |= buf_printf(b, "],\"last_event_id\":%llu,\"owed\":%llu,\"iteration\":%llu,"
                     "\"at_ms\":%lld,\"would_wait_ms\":%lld,\"fds\":[",
                     (unsigned long long)hub_last_id(),
                     (unsigned long long)owed, (unsigned long long)rec.iteration,
                     (long long)rec.at_ms, (long long)rec.timeout_ms);
    for (size_t i = 0; i < rec.n_fds; i++) {
        const struct step_fd *f = &rec.fds[i];
        rc |= buf_printf(b, "%s{\"fd\":%d,\"role\":", i ? "," : "", f->fd);
        rc |= escape_json_string(b, f->role, strlen(f->role));
        rc |= buf_printf(b, ",\"r\":%d,\"w\":%d,\"ready_r\":%d,\"ready_w\":%d}",
                         f->r, f->w, f->ready_r, f->ready_w);
    }
    rc |= buf_printf(b, "],\"fds_more\":%zu,\"notes\":[", rec.fds_more);
    for (size_t i = 0; i < rec.n_notes; i++) {
        const struct step_note_rec *n = &rec.notes[i];
        rc |= buf_printf(b, "%s{\"kind\":\"%s\",\"fd\":%d,\"text\":", i ? "," : "",
                         kind_names[n->kind], n->fd);
        rc |= escape_json_string(b, n->text, strlen(n->text));
        rc |= buf_append_str(b, "}");
    }
    rc |= buf_printf(b, "],\"notes_more\":%zu}\n", rec.notes_more);
    return rc;
}

static void respond_state(struct conn *c)
{
    struct buf b = { NULL, 0, 0, STEP_STATE_MAX };
    int rc = render_state(&b);
    /* No CORS header: the stepper's record is for its own page only. */
    conn_respond_rendered(c, rc, "application/json", "Cache-Control: no-store\r\n", &b);
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

static void answer_waiters(void)
{
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
    if (c->plane != LOOP_PLANE_CONTROL) {
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
        conn_respond_errorf(c, 400, "n must be a number from 1 to %d", STEP_MAX_BATCH);
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
            /* Held like a long poll; turn_done() answers it. */
            conn_enter(c, CONN_HELD_STEP, TECH_HTTP, &waiter_ops, NULL);
            return;
        }
    }
    conn_respond_error(c, 429, "too many step requests waiting");
}
