/*
 * net/clock.h - the server's sense of time.
 *
 * Everything that happens in one turn of the loop happens "at the same
 * time": the loop reads the monotonic clock once after select() returns
 * (clock_update) and every deadline of that turn is computed from that
 * reading (clock_now_ms).  A monotonic clock, because the wall clock can
 * jump (NTP, a changed time zone) and a timeout must not.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds, as read at the top of this loop turn. */
int64_t clock_now_ms(void);

/* Read the monotonic clock into clock_now_ms() and return it. */
int64_t clock_update(void);

/* A fresh reading of the monotonic clock, leaving clock_now_ms() as it
 * is (how long select() may still wait). */
int64_t clock_monotonic_ms(void);

/* A timeout of ms milliseconds as this run takes it: ms itself, or, for
 * tests only (./server -T DIVISOR), ms / DIVISOR (at least 1).  Every
 * timeout the server enforces goes through here (the header, keep-alive
 * and closing timeouts, the SSE keep-alive comment and stall timeout,
 * the WebSocket ping and pong timeouts), so a test can watch each fire
 * through the real loop in a fraction of a second.  Periods that are
 * part of a technique's behaviour (the one-second clock event, SSE's
 * retry:, a long poll's wait=) are not scaled. */
int64_t clock_timeout(int64_t ms);
void clock_set_timeout_divisor(int64_t divisor);

#endif
