/*
 * net/clock.c - one monotonic reading per loop turn (see net/clock.h).
 */
#include "net/clock.h"

#include <time.h>

static int64_t now_ms;

int64_t clock_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
    return now_ms;
}

int64_t clock_update(void)
{
    now_ms = clock_monotonic_ms();
    return now_ms;
}
