/*
 * fd_libc.c - the streams' reads and writes through the C library (read,
 * write, close, strerror), shared by the native host and WASI, whose libc
 * maps them onto fd_read and fd_write with WASI's errno values. The host
 * file compiled before it (select.c) defines:
 *   fd_would_block(io, events)  whether a read (TIDE__IO_READ) or a write
 *                               would block now; asked of blocking fds
 *   fd_write_call(fd, buf, n)   write(2) as the host makes it
 *   FD_BLOCKING_CHUNK           the most a blocking fd found writable is
 *                               given at once (it takes that whole)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* An errno as a Tide error, with its text. */
static ptrdiff_t fd_error(int e, char *why, size_t whyn)
{
    if (e == EAGAIN || e == EWOULDBLOCK)
        return TIDE__IO_AGAIN;
    snprintf(why, whyn, "%s", strerror(e));
    return e == EPIPE || e == ECONNRESET ? TIDE_EPIPE : TIDE_EIO;
}

/* Whether io's fd may make a call block. */
static int fd_may_block(const tide__io *io)
{
    return io->kind == TIDE__FD_POLLED && !io->nonblock;
}

ptrdiff_t tide__host_fd_read(tide__io *io, void *buf, size_t n, char *why,
                             size_t whyn)
{
    if (fd_may_block(io) && fd_would_block(io, TIDE__IO_READ))
        return TIDE__IO_AGAIN;
    ssize_t r;
    while ((r = read(io->fd, buf, n)) < 0 && errno == EINTR)
        ;
    return r >= 0 ? (ptrdiff_t)r : fd_error(errno, why, whyn);
}

ptrdiff_t tide__host_fd_write(tide__io *io, const void *buf, size_t n,
                              char *why, size_t whyn)
{
    if (fd_may_block(io)) {
        if (fd_would_block(io, TIDE__IO_WRITE))
            return TIDE__IO_AGAIN;
        if (n > FD_BLOCKING_CHUNK)
            n = FD_BLOCKING_CHUNK;
    }
    ssize_t w;
    while ((w = fd_write_call(io->fd, buf, n)) < 0 && errno == EINTR)
        ;
    return w >= 0 ? (ptrdiff_t)w : fd_error(errno, why, whyn);
}

void tide__host_fd_close(int fd)
{
    close(fd); /* (EINTR: Linux and WASI have closed it anyway) */
}
