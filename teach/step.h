/*
 * teach/step.h - the event-loop stepper (./server --step, or -S PORT): the
 * select() loop runs one iteration at a time, on command from
 * www/stepper.html, and records what each iteration did.  Main installs
 * the hooks below as the loop's and the connection layer's observers only
 * in step mode (otherwise each hook site costs one NULL check), and
 * drives the loop with step_take(); step.c keeps the record and answers
 * /step/state and /step/next.  See teach/step.c for the design.
 */
#ifndef STEP_H
#define STEP_H

#include <stdint.h>
#include <sys/socket.h>

#include "net/conn.h"
#include "net/loop.h"
#include "routes.h"

enum {
    STEP_DEFAULT_PORT = 3100,   /* the control port of a bare --step */
    STEP_MAX_FDS = 64,          /* descriptors listed per iteration; the rest are counted */
    STEP_MAX_NOTES = 48,        /* handler actions listed per iteration; the rest are counted */
    STEP_NOTE_MAX = 120,        /* bytes of one action's text */
    STEP_ROLE_MAX = 24,         /* bytes of a descriptor's role ("listener :3000") */
    STEP_MAX_BATCH = 100,       /* iterations one POST /step/next?n= may ask for */
    STEP_MAX_WAITERS = 4        /* POST /step/next requests held at once */
};

/* What kind of thing a handler did (the page colours them). */
enum step_kind {
    STEP_ACCEPT, STEP_READ, STEP_WRITE, STEP_STATE, STEP_EVENT,
    STEP_TIMER, STEP_CLOSE
};

/* Pure: 1 if the address is IPv4 127.0.0.0/8, IPv6 ::1, or an
 * IPv4-mapped 127.0.0.0/8 (::ffff:127.x.y.z).  Only such peers may steer. */
int step_peer_is_loopback(const struct sockaddr *sa, socklen_t len);

/* Where the data ports and the control port are, for /step/state. */
void step_set_ports(const int *data_ports, int n_data, int control_port);

/* 1 (and one iteration is used up) if a step is owed: the loop may run
 * one data iteration.  0: keep serving the control plane. */
int step_take(void);

/* ---- the hooks main installs in step mode ---- */

/* The loop's observer: records each data turn's fd_sets, the timers
 * due and the events published, and answers the held POST /step/next
 * requests when their turns have run. */
extern const struct loop_observer step_loop_observer;

/* The connection layer's observer (struct conn_observer's changed):
 * accepts, reads, writes, changes of state, drops and closes. */
void step_on_conn_change(const struct conn *c, enum conn_change what, long n,
                         const char *reason);

route_handler step_handle_state, step_handle_next;

#endif
