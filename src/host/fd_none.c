/*
 * fd_none.c - streams on a host with no fds to wait for (Emscripten: its
 * stdin is a prompt or nothing, and the loop is a guest of the JS event
 * loop, which cannot poll a file descriptor). Making a stream on an fd is
 * refused with TIDE_ENOTSUP; a reader without an fd, fed by the program,
 * works as everywhere. Nothing else below is ever reached.
 */
#include "../internal.h"

int tide__host_fd_open(tide__io *io, int events, const char *fn)
{
    (void)events;
    return tide__fail(fn, TIDE_ENOTSUP,
                      "this host has no fds to wait for (fd %d); a reader "
                      "without one (fd -1) works",
                      io->fd);
}

/* (never called: no io is ever opened) */
ptrdiff_t tide__host_fd_read(tide__io *io, void *buf, size_t n, char *why,
                             size_t whyn)
{
    (void)io, (void)buf, (void)n, (void)why, (void)whyn;
    return TIDE_ENOTSUP;
}

ptrdiff_t tide__host_fd_write(tide__io *io, const void *buf, size_t n,
                              char *why, size_t whyn)
{
    return tide__host_fd_read(io, (void *)buf, n, why, whyn);
}

void tide__host_fd_close(int fd)
{
    (void)fd;
}

size_t tide__host_io_room(uint32_t n)
{
    (void)n;
    return 0;
}
