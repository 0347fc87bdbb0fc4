/*
 * wasi.c - WASI preview1 host: clock_time_get and poll_oneoff. Tide owns
 * the thread and blocks in poll_oneoff on a relative clock subscription,
 * with FD_READ / FD_WRITE subscriptions for the fds streams wait for.
 *
 * Quirks of node:wasi (uvwasi) found here:
 *  - poll_oneoff fails as a whole (EPERM) if any subscription is on a
 *    non-pollable fd, such as a stdin that is /dev/null or a regular file.
 *    Streams subscribe only fds that a probe found pollable.
 *  - a clock subscription shorter than 1 ms returns at once (libuv timers
 *    count whole ms), which would make the loop spin: waits are rounded up
 *    to whole milliseconds, as on the POSIX host. A 0 ms one never reports
 *    an fd, ready or not: its timer runs before libuv polls.
 *  - polling an fd makes it non-blocking (uv_poll_init), for the whole
 *    process and whoever shares the fd.
 */
#include "../internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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

/* ---- file descriptors -------------------------------------------------------
 * A regular file is always ready. Anything else is polled with FD_READ /
 * FD_WRITE subscriptions, and made non-blocking where the runtime allows
 * (node:wasi makes every fd it polls non-blocking anyway): then an
 * iteration with work ready just tries it, since node:wasi cannot poll
 * without waiting (a 0 ms timeout fires before it looks at any fd). An
 * fd the runtime cannot poll at all is refused when a stream is made on
 * it (TIDE_ENOTSUP), never left to hang; node:wasi refuses to poll
 * /dev/null (EPERM, epoll's answer for a file always ready), which is
 * then treated as one. */

/* One subscription for io's fd. */
static void fd_subscription(__wasi_subscription_t *sub, int fd, int events,
                            uint64_t userdata)
{
    memset(sub, 0, sizeof *sub);
    sub->userdata = userdata;
    if (events & TIDE__IO_READ) {
        sub->u.tag = __WASI_EVENTTYPE_FD_READ;
        sub->u.u.fd_read.file_descriptor = (__wasi_fd_t)fd;
    } else {
        sub->u.tag = __WASI_EVENTTYPE_FD_WRITE;
        sub->u.u.fd_write.file_descriptor = (__wasi_fd_t)fd;
    }
}

static void clock_subscription(__wasi_subscription_t *sub, int64_t ns)
{
    memset(sub, 0, sizeof *sub);
    sub->userdata = 0;
    sub->u.tag = __WASI_EVENTTYPE_CLOCK;
    sub->u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub->u.u.clock.timeout = (__wasi_timestamp_t)ns;
    sub->u.u.clock.precision = 1000;
    sub->u.u.clock.flags = 0; /* relative */
}

/* Polls fd alone without waiting: 0 (the runtime answered: *ready says
 * whether it is, *err what it said of the fd) or the call's error. */
static __wasi_errno_t poll_now(int fd, int events, int *ready,
                               __wasi_errno_t *err)
{
    __wasi_subscription_t sub[2];
    __wasi_event_t ev[2];
    __wasi_size_t n = 0;
    fd_subscription(&sub[0], fd, events, 1);
    clock_subscription(&sub[1], 0);
    __wasi_errno_t rc = __wasi_poll_oneoff(sub, ev, 2, &n);
    *ready = 0;
    *err = 0;
    for (__wasi_size_t i = 0; rc == 0 && i < n; i++)
        if (ev[i].userdata == 1) {
            *ready = 1;
            *err = ev[i].error;
        }
    return rc;
}

int tide__host_fd_open(tide__io *io, int events, const char *fn)
{
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get((__wasi_fd_t)io->fd, &st) != 0)
        return tide__fail(fn, TIDE_EINVAL, "fd %d is not open", io->fd);
    if (st.fs_filetype == __WASI_FILETYPE_DIRECTORY)
        return tide__fail(fn, TIDE_EINVAL, "fd %d is a directory", io->fd);
    io->kind = TIDE__FD_ALWAYS;
    if (st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE)
        return 0;
    int ready;
    __wasi_errno_t err, rc = poll_now(io->fd, events, &ready, &err);
    if (rc == __WASI_ERRNO_PERM)
        return 0; /* not pollable, so never waits (node's /dev/null) */
    if (rc == __WASI_ERRNO_BADF || err == __WASI_ERRNO_BADF)
        return tide__fail(fn, TIDE_EINVAL, "fd %d is not open", io->fd);
    if (rc != 0 || (err != 0 && err != __WASI_ERRNO_PERM))
        return tide__fail(fn, TIDE_ENOTSUP, /* no FD_READ / FD_WRITE */
                          "this WASI runtime cannot wait for fd %d (no "
                          "FD_READ / FD_WRITE subscriptions)",
                          io->fd);
    if (err == __WASI_ERRNO_PERM)
        return 0;
    io->kind = TIDE__FD_POLLED;
    io->nonblock =
        __wasi_fd_fdstat_set_flags((__wasi_fd_t)io->fd,
                                   __WASI_FDFLAGS_NONBLOCK) == 0;
    return 0;
}

/* Whether a read or a write (events) on io's fd would block (fd_libc.c
 * asks this of blocking fds only). */
static int fd_would_block(const tide__io *io, int events)
{
    int ready;
    __wasi_errno_t err;
    return poll_now(io->fd, events, &ready, &err) == 0 && !ready;
}

/* (fd_libc.c, compiled after this file, does the reads and writes) */
#define fd_write_call write
/* a blocking fd found writable takes a pipe buffer's worth at once */
#define FD_BLOCKING_CHUNK 4096

/* The scratch: n + 1 subscriptions (the fds and the clock), as many
 * events, then the ios found ready (n pointers) and what the runtime said
 * of each (n errnos). */
typedef struct wait_room {
    __wasi_subscription_t *subs;
    __wasi_event_t *events;
    tide__io **ready;
    __wasi_errno_t *errs;
} wait_room;

size_t tide__host_io_room(uint32_t n)
{
    return ((size_t)n + 1) * (sizeof(__wasi_subscription_t) +
                              sizeof(__wasi_event_t)) +
           (size_t)n * (sizeof(tide__io *) + sizeof(__wasi_errno_t));
}

static wait_room room(tide_loop *L)
{
    wait_room r;
    uint32_t cap = L->io.cap;
    r.subs = L->io.scratch;
    r.events = (__wasi_event_t *)(r.subs + cap + 1);
    r.ready = (tide__io **)(r.events + cap + 1);
    r.errs = (__wasi_errno_t *)(r.ready + cap);
    return r;
}

/* Fires the k ios listed, each with what the runtime said of it (errs
 * NULL: nothing, they are to be tried). */
static void fire_listed(tide__io **ready, const __wasi_errno_t *errs,
                        uint32_t k)
{
    for (uint32_t i = 0; i < k; i++) {
        char why[80] = "";
        int err = errs && errs[i] ? TIDE_EIO : 0;
        if (err)
            snprintf(why, sizeof why, "poll_oneoff: %s", strerror(errs[i]));
        tide__io_fire(ready[i], err, why);
    }
}

/* poll_oneoff over the watched fds (only those not known non-blocking,
 * if `blocking_only`) and the clock; fires those found ready. */
static void poll_fds(tide_loop *L, int64_t ns, int blocking_only)
{
    wait_room r = room(L);
    uint32_t nsubs = 0;
    for (uint32_t i = 0; i < L->io.n; i++) {
        tide__io *io = L->io.watched[i];
        if (!blocking_only || !io->nonblock)
            fd_subscription(&r.subs[nsubs++], io->fd, io->events, i + 1);
    }
    if (blocking_only && !nsubs)
        return;
    clock_subscription(&r.subs[nsubs], ns);
    __wasi_size_t n = 0;
    __wasi_errno_t rc = __wasi_poll_oneoff(r.subs, r.events, nsubs + 1, &n);
    uint32_t k = 0;
    if (rc != 0) {
        /* the runtime refused the poll as a whole (an fd it cannot wait
         * for after all): every fd in it hears so, none is left to hang */
        for (uint32_t i = 0; i < nsubs; i++) {
            r.ready[k] = L->io.watched[r.subs[i].userdata - 1];
            r.errs[k++] = rc;
        }
    } else {
        for (__wasi_size_t i = 0; i < n; i++) {
            uint64_t u = r.events[i].userdata;
            if (u == 0 || u > L->io.n)
                continue; /* the clock */
            r.ready[k] = L->io.watched[u - 1];
            r.errs[k++] = r.events[i].error;
        }
    }
    fire_listed(r.ready, r.errs, k);
}

void tide__host_wait(tide_loop *L, int64_t timeout)
{
    if (timeout == 0) {
        /* work is ready: try the non-blocking fds, poll the others */
        wait_room r = room(L);
        uint32_t k = 0;
        for (uint32_t i = 0; i < L->io.n; i++)
            if (L->io.watched[i]->nonblock)
                r.ready[k++] = L->io.watched[i];
        fire_listed(r.ready, NULL, k);
        poll_fds(L, 0, 1);
        return;
    }
    /* "forever" (only fds can end it here: no threads) is an hour */
    int64_t ms = timeout < 0 ? 3600000 : (timeout + 999999) / 1000000;
    if (!L->io.n) {
        __wasi_subscription_t sub;
        __wasi_event_t ev;
        __wasi_size_t n = 0;
        clock_subscription(&sub, ms * 1000000);
        (void)__wasi_poll_oneoff(&sub, &ev, 1, &n);
        return;
    }
    poll_fds(L, ms * 1000000, 0);
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
