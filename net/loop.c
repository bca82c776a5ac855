/*
 * net/loop.c - the one select() loop that serves every technique on
 * every port (see net/loop.h).
 *
 * The article runs a separate Node server per section; here one process
 * and one thread serve them all.  The loop (in the manner of Redis's
 * ae_select.c) is deliberately dumb.  One turn, loop_once():
 *
 *   1. build the fd_sets: every listener, every connection for reading
 *      (to see requests, frames and hang-ups), and for writing only the
 *      connections that have output pending;
 *   2. select(), with a timeout that ends at the next deadline;
 *   3. read the clock once, and run the periodic timer if it is due
 *      (main's clock event);
 *   4. accept on the ready listeners; read, write and run the due timers
 *      of the ready connections;
 *   5. finish the turn: flush what the handlers wrote, then close every
 *      connection marked for closing.
 *
 * The protocols live in the technique files, the bytes of one connection
 * in net/conn.c; this file only decides who is served when.
 */
#include "net/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/clock.h"
#include "net/stats.h"

static struct conn *conns[FD_SETSIZE];   /* indexed by fd */
static size_t n_conns;
static int conns_end;                    /* every conns[fd] at fd >= this is NULL,
                                            so the loop's scans stop here */
static struct {
    int fd;
    int port;
    enum loop_plane plane;
} listeners[LOOP_MAX_LISTENERS];
static size_t n_listeners;
static int spare_fd = -1;                /* given up to accept-and-refuse at EMFILE */
static uint64_t next_conn_id = 1;

static int64_t period_ms;                /* loop_every() */
static void (*periodic)(void);
static int64_t next_periodic_ms;

static int shutting_down;
static int64_t shutdown_deadline_ms;

static const struct loop_observer *observer;

void loop_set_observer(const struct loop_observer *obs)
{
    observer = obs;
}

/* ------------------------------------------------------------------ */
/* the table                                                           */

static int in_plane(const struct conn *c, enum loop_plane plane)
{
    return c != NULL && c->plane == (int)plane;
}

static void table_add(struct conn *c)
{
    conns[c->fd] = c;
    if (c->fd >= conns_end)
        conns_end = c->fd + 1;
    n_conns++;
}

/* Take c out of the table and close it (conn_free: the one place). */
static void table_close(struct conn *c)
{
    conns[c->fd] = NULL;
    while (conns_end > 0 && conns[conns_end - 1] == NULL)
        conns_end--;
    n_conns--;
    conn_free(c);
}

size_t loop_count(size_t by_state[CONN_STATE_COUNT])
{
    for (int fd = 0; by_state != NULL && fd < conns_end; fd++) {
        if (conns[fd] != NULL)
            by_state[conns[fd]->state]++;
    }
    return n_conns;
}

const struct conn *loop_conn(int fd)
{
    return fd >= 0 && fd < conns_end ? conns[fd] : NULL;
}

int loop_listener_port(int fd)
{
    for (size_t i = 0; i < n_listeners; i++) {
        if (listeners[i].fd == fd)
            return listeners[i].port;
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* listening and accepting                                             */

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0)
        return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Let accept() return descriptors up to FD_SETSIZE and a little beyond,
 * so that the connection past the limit is answered 503 rather than left
 * in the kernel's queue. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = FD_SETSIZE + 64;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

void loop_init(void)
{
    raise_fd_limit();
    spare_fd = open("/dev/null", O_RDONLY);
    clock_update();
}

int loop_listen(const char *addr, int port, enum loop_plane plane)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    int one = 1;
    if (n_listeners == LOOP_MAX_LISTENERS) {
        errno = EMFILE;
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0
        || listen(fd, LOOP_LISTEN_BACKLOG) != 0
        || set_nonblocking(fd) != 0
        || getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    listeners[n_listeners].fd = fd;
    listeners[n_listeners].port = ntohs(sin.sin_port);
    listeners[n_listeners].plane = plane;
    return listeners[n_listeners++].port;
}

/* Answer 503 and close, without a struct conn: the server is full, or the
 * descriptor is too large for select().  Content-Length is printed from
 * the body's sizeof, so it cannot disagree with the body. */
static void refuse(int fd)
{
    static const char head[] =
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Retry-After: 1\r\nConnection: close\r\n";
    static const char body[] = "503 Service Unavailable: too many clients.\n";
    char response[sizeof head + sizeof body + 32];
    int n = snprintf(response, sizeof response, "%sContent-Length: %zu\r\n\r\n%s",
                     head, sizeof body - 1, body);
    ssize_t ignored = send(fd, response, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    close(fd);
    stats_count_refused();
}

/* Out of descriptors: free the spare one, take the connection off the
 * queue, refuse it, and keep the spare for the next time.  Without this
 * the listener stays readable and the loop spins. */
static void refuse_without_descriptors(int lfd)
{
    close(spare_fd);
    int fd = accept(lfd, NULL, NULL);
    if (fd >= 0)
        refuse(fd);
    spare_fd = open("/dev/null", O_RDONLY);
}

/* Accept one connection.  1 if one was taken off the queue (served or
 * refused), 0 if the queue was empty. */
static int accept_one(int lfd, int port, enum loop_plane plane)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
        refuse_without_descriptors(lfd);
        return 1;
    }
    if (fd < 0)
        return 0;
    /* select() cannot watch a descriptor >= FD_SETSIZE: FD_SET on it would
     * write past the end of the fd_set. */
    if (fd >= FD_SETSIZE || n_conns >= LOOP_MAX_CONNECTIONS || shutting_down
        || set_nonblocking(fd) != 0) {
        refuse(fd);
        return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct conn *c = conn_new(fd, port, (int)plane, next_conn_id);
    if (c == NULL) {
        refuse(fd);
        return 1;
    }
    next_conn_id++;
    table_add(c);
    stats_count_accepted();
    return 1;
}

static void accept_ready(enum loop_plane plane, const fd_set *rfds)
{
    for (size_t i = 0; i < n_listeners; i++) {
        if (listeners[i].plane != plane || !FD_ISSET(listeners[i].fd, rfds))
            continue;
        for (int k = 0; k < LOOP_ACCEPTS_PER_TURN; k++) {
            if (!accept_one(listeners[i].fd, listeners[i].port, plane))
                break;
        }
    }
}

/* ------------------------------------------------------------------ */
/* timers                                                              */

void loop_every(int64_t interval_ms, void (*fn)(void))
{
    period_ms = interval_ms;
    periodic = fn;
    next_periodic_ms = clock_now_ms();
}

/* The next moment something is due for this connection, or 0. */
static int64_t conn_deadline(const struct conn *c)
{
    if (c->close_after_flush)
        return c->close_deadline_ms;
    if (c->state == CONN_READING) {
        if (c->request_start_ms != 0)
            return c->request_start_ms + clock_timeout(HEADER_TIMEOUT_MS);
        /* A connection that has never sent a request gets no more time
         * than a slow one: otherwise silent connections could hold every
         * slot for the whole keep-alive timeout. */
        if (c->requests_served == 0)
            return c->last_active_ms + clock_timeout(HEADER_TIMEOUT_MS);
        return c->last_active_ms + clock_timeout(KEEPALIVE_TIMEOUT_MS);
    }
    return c->timer_ms;
}

static void run_timers(struct conn *c)
{
    int64_t due = conn_deadline(c);
    if (due == 0 || clock_now_ms() < due || c->dead)
        return;
    if (observer != NULL && observer->timer_due != NULL)
        observer->timer_due(c, 0);
    if (c->close_after_flush) {
        c->dead = 1;     /* the peer never drained its last response */
    } else if (c->state == CONN_READING && c->request_start_ms != 0) {
        conn_request_timed_out(c);
    } else if (c->state == CONN_READING) {
        c->dead = 1;     /* idle keep-alive connection */
    } else {
        c->timer_ms = 0;
        if (c->ops != NULL && c->ops->on_timer != NULL)
            c->ops->on_timer(c);
    }
}

static void run_periodic(void)
{
    if (periodic == NULL || shutting_down || clock_now_ms() < next_periodic_ms)
        return;
    if (observer != NULL && observer->timer_due != NULL)
        observer->timer_due(NULL, period_ms);
    periodic();
    next_periodic_ms += period_ms;
    if (next_periodic_ms <= clock_now_ms())   /* we were stopped: do not burst */
        next_periodic_ms = clock_now_ms() + period_ms;
}

/* When select() must return at the latest. */
static int64_t next_deadline(enum loop_plane plane)
{
    int64_t due = clock_now_ms() + LOOP_IDLE_WAKE_MS;
    if (shutting_down)
        due = shutdown_deadline_ms;
    else if (plane == LOOP_PLANE_DATA && periodic != NULL)
        due = next_periodic_ms;
    for (int fd = 0; fd < conns_end; fd++) {
        if (!in_plane(conns[fd], plane))
            continue;
        int64_t d = conn_deadline(conns[fd]);
        if (d != 0 && d < due)
            due = d;
    }
    return due;
}

/* ------------------------------------------------------------------ */
/* one turn                                                            */

/* Step 1: the descriptors of this plane; returns the largest. */
static int build_sets(enum loop_plane plane, fd_set *rfds, fd_set *wfds)
{
    int maxfd = -1;
    FD_ZERO(rfds);
    FD_ZERO(wfds);
    for (size_t i = 0; i < n_listeners; i++) {
        if (listeners[i].plane != plane)
            continue;
        FD_SET(listeners[i].fd, rfds);
        if (listeners[i].fd > maxfd)
            maxfd = listeners[i].fd;
    }
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (!in_plane(c, plane))
            continue;
        if (conn_wants_read(c))
            FD_SET(fd, rfds);
        if (c->out.len > 0)
            FD_SET(fd, wfds);
        if (fd > maxfd)
            maxfd = fd;
    }
    return maxfd;
}

/* Step 2: wait until a descriptor is ready or the next deadline. */
static void wait_ready(enum loop_plane plane, fd_set *rfds, fd_set *wfds, int maxfd)
{
    int64_t wait = next_deadline(plane) - clock_monotonic_ms();
    if (wait < 0)
        wait = 0;
    if (observer != NULL && observer->before_select != NULL)
        wait = observer->before_select(plane, rfds, wfds, maxfd, wait);
    struct timeval tv = { (time_t)(wait / 1000), (suseconds_t)(wait % 1000) * 1000 };
    int ready = select(maxfd + 1, rfds, wfds, NULL, &tv);
    if (ready < 0 && errno != EINTR) {
        perror("select");
        exit(1);
    }
    if (ready < 0) {            /* EINTR: a signal; nothing is ready */
        FD_ZERO(rfds);
        FD_ZERO(wfds);
    }
}

/* Step 4: serve the ready connections and the due timers. */
static void serve_ready(enum loop_plane plane, const fd_set *rfds, const fd_set *wfds)
{
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (!in_plane(c, plane) || c->dead)
            continue;
        if (FD_ISSET(fd, rfds))
            conn_on_readable(c);
        if (FD_ISSET(fd, wfds) && !c->dead)
            conn_flush(c);
        run_timers(c);
    }
}

/* Step 5: flush what handlers wrote this turn, resume connections back
 * from a held state, close the ones marked (the one place, via
 * table_close and conn_free). */
static void finish_turn(enum loop_plane plane)
{
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (in_plane(c, plane) && conn_end_turn(c))
            table_close(c);
    }
    if (observer != NULL && observer->turn_done != NULL)
        observer->turn_done(plane);
}

void loop_once(enum loop_plane plane)
{
    fd_set rfds, wfds;
    int maxfd = build_sets(plane, &rfds, &wfds);          /* 1 */
    wait_ready(plane, &rfds, &wfds, maxfd);               /* 2 */
    clock_update();                                       /* 3 */
    if (observer != NULL && observer->after_select != NULL)
        observer->after_select(plane, &rfds, &wfds, maxfd);
    if (plane == LOOP_PLANE_DATA)
        run_periodic();
    accept_ready(plane, &rfds);                           /* 4 */
    serve_ready(plane, &rfds, &wfds);
    finish_turn(plane);                                   /* 5 */
}

/* ------------------------------------------------------------------ */
/* publishing                                                          */

const struct hub_event *loop_publish(enum hub_event_type type,
                                     const char *data, size_t len)
{
    const struct hub_event *ev = hub_publish(type, data, len);
    if (ev == NULL)
        return NULL;
    if (observer != NULL && observer->published != NULL)
        observer->published(ev);
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (c != NULL && !c->dead && c->ops != NULL && c->ops->on_event != NULL)
            c->ops->on_event(c, ev);
    }
    return ev;
}

/* ------------------------------------------------------------------ */
/* shutdown                                                            */

void loop_begin_shutdown(int64_t grace_ms)
{
    shutting_down = 1;
    shutdown_deadline_ms = clock_now_ms() + grace_ms;
    conn_begin_shutdown();
    for (size_t i = 0; i < n_listeners; i++)
        close(listeners[i].fd);
    n_listeners = 0;
    for (int fd = 0; fd < conns_end; fd++) {
        struct conn *c = conns[fd];
        if (c == NULL || c->dead)
            continue;
        if (c->ops != NULL && c->ops->on_shutdown != NULL)
            c->ops->on_shutdown(c);
        if (c->state == CONN_READING && c->out.len == 0)
            c->dead = 1;   /* idle or half-read: nothing owed */
        else
            conn_close_after_flush(c);
    }
    /* Close at once what ended now: with nothing left open, waiting in
     * select() for the grace period would only delay the exit. */
    finish_turn(LOOP_PLANE_DATA);
    finish_turn(LOOP_PLANE_CONTROL);
}

int loop_finished(void)
{
    return shutting_down && (n_conns == 0 || clock_now_ms() >= shutdown_deadline_ms);
}

void loop_close_all(void)
{
    for (int fd = 0; fd < conns_end; fd++) {
        if (conns[fd] != NULL)
            table_close(conns[fd]);
    }
    if (spare_fd >= 0)
        close(spare_fd);
    spare_fd = -1;
}
