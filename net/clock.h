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

#endif
