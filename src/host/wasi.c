/*
 * wasi.c - WASI preview1 host: clock_time_get and poll_oneoff. Tide owns
 * the thread and blocks in poll_oneoff on a relative clock subscription.
 *
 * Quirks of node:wasi found here:
 *  - poll_oneoff fails as a whole (EPERM) if any subscription is on a
 *    non-pollable fd, such as a stdin that is /dev/null or a regular file.
 *    Tide subscribes to the clock only, so that cannot happen here.
 *  - a clock subscription shorter than 1 ms returns at once (libuv timers
 *    count whole ms), which would make the loop spin: waits are rounded up
 *    to whole milliseconds, as on the POSIX host.
 */
#include "../internal.h"

#include <wasi/api.h>

int tide__host_stack_end(uintptr_t *end)
{
    /* wasm-ld names the stack's lowest address wherever it put the stack:
     * after the static data (running past it overwrites them) or, with
     * --stack-first (clang 22's default), at 0 (running past it traps) */
    extern unsigned char __stack_low;
    *end = (uintptr_t)&__stack_low;
    return 1;
}

int64_t tide__host_now(tide_loop *L)
{
    __wasi_timestamp_t ts = 0;
    int ok = __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1000, &ts) == 0;
    return tide__clock_reading(L, ok, (int64_t)ts);
}

void tide__host_wait(tide_loop *L, int64_t timeout)
{
    (void)L;
    __wasi_subscription_t sub = {0};
    sub.userdata = 1;
    sub.u.tag = __WASI_EVENTTYPE_CLOCK;
    sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    /* no host work can be pending here (no threads): "forever" is an hour */
    int64_t ms = timeout < 0 ? 3600000 : (timeout + 999999) / 1000000;
    sub.u.u.clock.timeout = (__wasi_timestamp_t)ms * 1000000;
    sub.u.u.clock.precision = 1000;
    sub.u.u.clock.flags = 0; /* relative */
    __wasi_event_t ev;
    __wasi_size_t n = 0;
    (void)__wasi_poll_oneoff(&sub, &ev, 1, &n);
}

int tide__host_drive(tide_loop *L)
{
    return tide__run_blocking(L);
}

void tide__host_wakeup(tide_loop *L)
{
    (void)L; /* never idle between turns: the driver owns the thread */
}

void tide__host_ran_inline(tide_loop *L)
{
    (void)L; /* debug mode reports it (TIDE_DEBUG_BLOCKING); nothing else */
}

void tide__host_exit(int status)
{
    (void)status;
}

void tide__host_loop_destroy(tide_loop *L)
{
    (void)L;
}
