/*
 * net/loop.h - the one select() loop: the table of connections, the
 * listeners, accepting and refusing, timers and deadlines, shutdown, and
 * handing each hub event to every connection that streams events.
 *
 * It serves one or two planes.  The data plane is every listener main
 * opens for the article's techniques and the connections they accept;
 * the control plane exists only in step mode (teach/step.c): the
 * stepper's own port, served between two data turns, never in the same
 * select().  Main drives the loop one turn at a time (loop_once), so the
 * stepper can decide when the data plane may take its next turn.
 *
 * The loop names nothing above it.  A teaching mode watches it through a
 * struct loop_observer that main installs (in the manner of Redis's
 * aeSetBeforeSleepProc); without one each hook costs one check.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>

#include "core/hub.h"
#include "net/conn.h"

enum {
    LOOP_MAX_CONNECTIONS = 1000,  /* below FD_SETSIZE (1024), leaves room for listeners */
    LOOP_MAX_LISTENERS = 8,
    LOOP_ACCEPTS_PER_TURN = 64,   /* fairness: then serve the others */
    LOOP_IDLE_WAKE_MS = 1000,     /* the longest select() when nothing is due */
    LOOP_LISTEN_BACKLOG = 511
};

enum loop_plane { LOOP_PLANE_DATA, LOOP_PLANE_CONTROL };

/* What a teaching mode may watch.  Any member may be NULL. */
struct loop_observer {
    /* The sets about to go to select() and the wait the loop chose;
     * returns the wait to use (the stepper polls: its reader waited). */
    int64_t (*before_select)(enum loop_plane plane, const fd_set *rfds,
                             const fd_set *wfds, int maxfd, int64_t wait_ms);
    /* What select() returned ready. */
    void (*after_select)(enum loop_plane plane, const fd_set *rfds,
                         const fd_set *wfds, int maxfd);
    /* A timer is due: a connection's, or (c NULL) the periodic one of
     * loop_every(), whose interval is period_ms. */
    void (*timer_due)(const struct conn *c, int64_t period_ms);
    /* An event was published; every stream's on_event runs next. */
    void (*published)(const struct hub_event *ev);
    /* The turn is over. */
    void (*turn_done)(enum loop_plane plane);
};
void loop_set_observer(const struct loop_observer *observer);

/* Before anything else: the spare descriptor for refusing at EMFILE,
 * and a descriptor limit that lets accept() reach FD_SETSIZE. */
void loop_init(void);

/* Open a listening socket on addr:port (0: the kernel picks) and serve
 * it on `plane`.  The port bound, or -1 with errno set. */
int loop_listen(const char *addr, int port, enum loop_plane plane);

/* Call fn every interval_ms on the data plane (the clock event). */
void loop_every(int64_t interval_ms, void (*fn)(void));

/* One turn over one plane: select(), then accept, read, write and run
 * the timers that are due, then finish the turn. */
void loop_once(enum loop_plane plane);

/* Store an event in the hub and hand it to every connection whose
 * technique streams events.  The event, or NULL (out of memory). */
const struct hub_event *loop_publish(enum hub_event_type type,
                                     const char *data, size_t len);

/* Stop: close the listeners, let every technique end its stream, and
 * give the connections grace_ms to flush. */
void loop_begin_shutdown(int64_t grace_ms);
/* 1 once shutdown began and every connection is gone or the grace
 * period is over. */
int loop_finished(void);
/* Close every connection left (at exit). */
void loop_close_all(void);

/* ---- for /stats and the stepper ---- */

/* Open connections in total, and by state into by_state (may be NULL). */
size_t loop_count(size_t by_state[CONN_STATE_COUNT]);
/* The connection on descriptor fd, or NULL. */
const struct conn *loop_conn(int fd);
/* The port of the listener on descriptor fd, or -1 if fd is none. */
int loop_listener_port(int fd);

#endif
