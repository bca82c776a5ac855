/*
 * net/clock.c - one monotonic reading per loop turn (see net/clock.h).
 */
#include "net/clock.h"

#include <time.h>

static int64_t now_ms;
static int64_t timeout_divisor = 1;

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

void clock_set_timeout_divisor(int64_t divisor)
{
    timeout_divisor = divisor > 0 ? divisor : 1;
}

int64_t clock_timeout(int64_t ms)
{
    int64_t scaled = ms / timeout_divisor;
    return scaled > 0 ? scaled : 1;
}

int64_t clock_update(void)
{
    now_ms = clock_monotonic_ms();
    return now_ms;
}
