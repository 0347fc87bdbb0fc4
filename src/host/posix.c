/*
 * posix.c - native host: CLOCK_MONOTONIC and poll(2). Tide owns the thread
 * and blocks in poll() until the next timer is due, a watched fd is ready
 * (a stream's), or another thread (a finished to_thread call,
 * call_soon_threadsafe) writes a byte down the loop's wakeup pipe. Also
 * the streams' reads and writes, and the native hooks of the thread pool
 * (pool.h): joinable threads, woken through that pipe.
 */
#define _POSIX_C_SOURCE 200809L
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int tide__host_stack_end(uintptr_t *end)
{
    (void)end; /* a guard page ends every thread's stack */
    return 0;
}

int64_t tide__host_now(tide_loop *L)
{
    struct timespec ts;
    int ok = clock_gettime(CLOCK_MONOTONIC, &ts) == 0;
    return tide__clock_reading(L, ok,
                               ok ? (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec
                                  : 0);
}

/* ---- the wakeup pipe -----------------------------------------------------
 * Other threads never touch the loop: they queue work for it (pool.h)
 * and, in case it sleeps in poll(), write one byte here. The pipe is made
 * before the loop first sleeps, so a thread that finds no pipe knows the
 * loop will look at its queue before sleeping. The fds are kept plus one,
 * so that a zeroed loop means "no pipe". */

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    int fdfl = fcntl(fd, F_GETFD);
    if (fl < 0 || fdfl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

/* The read end, made on first use (loop thread); -1 if it cannot be. */
static int wake_fd(tide_loop *L)
{
    if (L->xthread.wake_rd)
        return L->xthread.wake_rd - 1;
    int fds[2];
    if (pipe(fds) < 0)
        return -1; /* out of fds: other threads cannot cut waits short */
    if (set_flags(fds[0]) < 0 || set_flags(fds[1]) < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    L->xthread.wake_rd = fds[0] + 1;
    /* seq_cst, paired with the other threads' push-then-look: either they
     * see the pipe, or we see what they queued before we sleep */
    __atomic_store_n(&L->xthread.wake_wr, fds[1] + 1, __ATOMIC_SEQ_CST);
    return fds[0];
}

/* Wake the loop from another thread, if it has created its pipe. */
static void xwake(tide_loop *L)
{
    int fd = __atomic_load_n(&L->xthread.wake_wr, __ATOMIC_SEQ_CST) - 1;
    if (fd < 0)
        return; /* the loop never slept yet: it looks before it does */
    char b = 1;
    while (write(fd, &b, 1) < 0 && errno == EINTR)
        ; /* EAGAIN: the pipe is full, so the loop wakes anyway */
}

void tide__host_loop_destroy(tide_loop *L)
{
    if (L->xthread.wake_rd)
        close(L->xthread.wake_rd - 1);
    int wr = __atomic_exchange_n(&L->xthread.wake_wr, 0, __ATOMIC_SEQ_CST);
    if (wr)
        close(wr - 1);
    L->xthread.wake_rd = 0;
}

/* ---- file descriptors -------------------------------------------------------
 * Tide never changes an fd's blocking mode (stdin and stdout are shared
 * with the shell and other processes): a read or write first asks poll()
 * whether it would block, and a blocking fd is written PIPE_BUF bytes at
 * a time, which a pipe that poll() calls writable always takes whole. */

int tide__host_fd_open(tide__io *io, int events, const char *fn)
{
    (void)events;
    struct stat st;
    int fl = fcntl(io->fd, F_GETFL);
    if (fl < 0 && errno == EBADF)
        return tide__fail(fn, TIDE_EINVAL, "fd %d is not open", io->fd);
    if (fl < 0 || fstat(io->fd, &st) < 0)
        return tide__fail(fn, TIDE_EINVAL, "fd %d: %s", io->fd,
                          strerror(errno));
    if (S_ISDIR(st.st_mode))
        return tide__fail(fn, TIDE_EINVAL, "fd %d is a directory", io->fd);
    io->kind = S_ISREG(st.st_mode) ? TIDE__FD_ALWAYS : TIDE__FD_POLLED;
    io->nonblock = (fl & O_NONBLOCK) != 0;
    return 0;
}

/* Whether a read or a write (events) on io's fd would block (fd_libc.c
 * asks this of blocking fds only). */
static int fd_would_block(const tide__io *io, int events)
{
    struct pollfd p = {io->fd, events & TIDE__IO_READ ? POLLIN : POLLOUT, 0};
    int n;
    while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR)
        ;
    return n == 0; /* (an error, or POLLHUP/POLLERR: the call tells) */
}

/* write(2) without SIGPIPE: a closed pipe is an error to report, not a
 * reason to die. The signal is blocked in this thread for the call, and
 * one it raised is taken back before it is unblocked. */
static ssize_t fd_write_call(int fd, const void *buf, size_t n)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int was_pending = sigpending(&pending) == 0 &&
                      sigismember(&pending, SIGPIPE);
    ssize_t w = write(fd, buf, n);
    int e = errno;
    if (w < 0 && e == EPIPE && !was_pending) {
        struct timespec none = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &none) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return w;
}

/* (fd_libc.c, compiled after this file, does the reads and writes) */
#define FD_BLOCKING_CHUNK PIPE_BUF

/* The scratch: n pointers to the ios found ready, then n + 1 pollfds
 * (the watched fds and the wakeup pipe). */
size_t tide__host_io_room(uint32_t n)
{
    return n * sizeof(tide__io *) + ((size_t)n + 1) * sizeof(struct pollfd);
}

/* After a poll: each watched fd found ready (or hung up, or failing) gets
 * its turn to try; the call it makes tells which. The ios are listed
 * first, since a fire may unwatch its fd, which moves others in
 * L->io.watched. */
static void fire_ready(tide_loop *L, const struct pollfd *p, uint32_t n)
{
    tide__io **ready = L->io.scratch;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (p[i].revents)
            ready[k++] = L->io.watched[i];
    for (uint32_t i = 0; i < k; i++)
        tide__io_fire(ready[i], 0, NULL);
}

void tide__host_wait(tide_loop *L, int64_t timeout)
{
    /* poll's resolution is 1 ms: round up so we never wake early and spin */
    int64_t ms = timeout < 0 ? -1 : (timeout + 999999) / 1000000;
    if (ms > 1000000)
        ms = 1000000;
    uint32_t n = L->io.n;
    struct pollfd one, *p = &one;
    if (n)
        p = (struct pollfd *)((tide__io **)L->io.scratch + L->io.cap);
    for (uint32_t i = 0; i < n; i++) {
        tide__io *io = L->io.watched[i];
        p[i].fd = io->fd;
        p[i].events = io->events & TIDE__IO_READ ? POLLIN : POLLOUT;
        p[i].revents = 0;
    }
    struct pollfd *wake = &p[n];
    wake->fd = wake_fd(L);
    wake->events = POLLIN;
    wake->revents = 0;
    if (tide__host_threads_arrived(L))
        ms = 0; /* queued while we were busy: do not sleep */
    int count = poll(p, n + (wake->fd >= 0), (int)ms);
    if (count > 0 && (wake->revents & POLLIN)) {
        char buf[64];
        while (read(wake->fd, buf, sizeof buf) > 0)
            ; /* one wake-up covers everything queued so far */
    }
    /* (an error, EINTR, only shortens the wait) */
    if (count > 0 && n)
        fire_ready(L, p, n);
    tide__host_threads_poll(L);
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
    (void)status; /* tide_main returns it */
}

/* ---- the thread pool's hooks (pool.h) ----------------------------------- */

int tide__pool_start(struct tide__hub *h)
{
    pthread_t tid;
    int rc = pthread_create(&tid, NULL, tide__pool_worker, h);
    if (rc == 0)
        h->tids[h->nthreads] = tid;
    return rc;
}

void tide__pool_wake(struct tide__hub *h, tide_loop *L)
{
    (void)h;
    xwake(L); /* a byte down the pipe that poll() watches */
}

void tide__pool_worker_exit(struct tide__hub *h)
{
    (void)h; /* joined by tide__pool_release */
}

void tide__pool_release(struct tide__hub *h, tide_loop *L)
{
    (void)L;
    pthread_mutex_unlock(&h->mu);
    /* The loop's thread may wait here: functions still running (their
     * tasks gave them up) finish first. */
    for (unsigned i = 0; i < h->nthreads; i++)
        pthread_join(h->tids[i], NULL);
}
