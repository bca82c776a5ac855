/*
 * step.h - the event-loop stepper (./server --step, or -S PORT): the
 * select() loop runs one iteration at a time, on command from
 * www/stepper.html, and records what each iteration did.  server.c calls
 * the recording hooks below only while step mode is on (one flag check
 * otherwise); step.c keeps the record and answers /step/state and
 * /step/next.  See step.c for the design.
 */
#ifndef STEP_H
#define STEP_H

#include <stdint.h>
#include <sys/socket.h>

enum {
    STEP_DEFAULT_PORT = 3100,   /* the control port of a bare --step */
    STEP_MAX_FDS = 64,          /* descriptors listed per iteration; the rest are counted */
    STEP_MAX_NOTES = 48,        /* handler actions listed per iteration; the rest are counted */
    STEP_NOTE_MAX = 120,        /* bytes of one action's text */
    STEP_ROLE_MAX = 24,         /* bytes of a descriptor's role ("listener :3000") */
    STEP_MAX_BATCH = 100,       /* iterations one POST /step/next?n= may ask for */
    STEP_MAX_WAITERS = 4,       /* POST /step/next requests held at once */
    STEP_IDLE_WAKE_MS = 1000    /* the control loop's longest select() */
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

/* ---- recording one data-plane iteration (server.c) ---- */

/* A new iteration; `timeout_ms` is what select() would have waited
 * (step mode polls with 0: the wait for the step was the waiting). */
void step_begin(int64_t now_ms, int64_t timeout_ms);
/* Before select(): fd is in rfds (r) and/or wfds (w), playing `role`. */
void step_watch(int fd, const char *role, int r, int w);
/* After select(): fd came back ready for reading and/or writing. */
void step_ready(int fd, int r, int w);
/* A handler action, e.g. "read 11 bytes on fd 9 (websocket)". */
void step_note(enum step_kind kind, int fd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The iteration is over: answer the POST /step/next requests it was for. */
void step_end(void);

#endif
