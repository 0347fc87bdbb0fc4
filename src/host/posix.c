/*
 * posix.c - native host: CLOCK_MONOTONIC and poll(2). Tide owns the thread
 * and blocks in poll() until the next timer is due.
 */
#define _POSIX_C_SOURCE 200809L
#include "../internal.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

int64_t tide__host_now(tide_loop *L)
{
    (void)L;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void tide__host_wait(tide_loop *L, int64_t timeout)
{
    (void)L;
    /* poll's resolution is 1 ms: round up so we never wake early and spin */
    int64_t ms = timeout < 0 ? -1 : (timeout + 999999) / 1000000;
    if (ms > 1000000)
        ms = 1000000;
    if (poll(NULL, 0, (int)ms) < 0 && errno != EINTR)
        return; /* nothing to watch; an error only shortens this wait */
}

int tide__host_drive(tide_loop *L)
{
    return tide__run_blocking(L);
}

void tide__host_wakeup(tide_loop *L)
{
    (void)L; /* never idle between turns: the driver owns the thread */
}

void tide__host_exit(int status)
{
    (void)status; /* tide_main returns it */
}
