/*
 * io.c - the loop's side of waiting for file descriptors, for the streams
 * (reader.c, writer.c). A stream's tide__io says what it wants of its fd;
 * a polled fd then sits in L->io.watched, which the host polls whenever it
 * waits (and, with work ready, without waiting: run.c), calling
 * tide__io_fire for each fd found ready. An always-ready fd (a regular
 * file) is never polled: its attempt is queued on the ready queue, so a
 * stream reading a big file still gives other tasks a turn per chunk.
 *
 * A watched fd counts as host work (L->host_pending): a loop whose tasks
 * only wait for fds sleeps in the host's poll instead of reporting a
 * deadlock, and the virtual clock gives it a grace of real time before
 * jumping to the next timer.
 */
#include "internal.h"

#include <string.h>

int tide__io_open(tide_loop *L, tide__io *io, int fd, int events,
                  tide__io_ready_fn ready, const char *fn)
{
    memset(io, 0, sizeof *io);
    io->fd = fd;
    io->slot = TIDE__IO_IDLE;
    io->ready = ready;
    int rc = tide__host_fd_open(io, events, fn);
    if (rc < 0)
        return rc;
    io->loop = L;
    tide__list_push(&L->io.all, &io->link);
    return 0;
}

/* Room for one more watched fd, in the list and in the host's poll. */
static int io_reserve(tide_loop *L)
{
    if (L->io.n < L->io.cap)
        return 0;
    uint32_t cap = L->io.cap ? L->io.cap * 2 : 4;
    /* the host's room first: it must fit L->io.cap whatever fails next */
    size_t room = tide__host_io_room(cap);
    if (room > L->io.scratch_size) {
        void *p = tide__realloc(L, L->io.scratch, L->io.scratch_size, room);
        if (!p)
            return TIDE_ENOMEM;
        L->io.scratch = p;
        L->io.scratch_size = room;
    }
    tide__io **w = tide__realloc(L, L->io.watched,
                                 L->io.cap * sizeof *w, cap * sizeof *w);
    if (!w)
        return TIDE_ENOMEM;
    L->io.watched = w;
    L->io.cap = cap;
    return 0;
}

int tide__io_want(tide__io *io, int events)
{
    tide_loop *L = io->loop;
    io->events = (uint8_t)events;
    if (io->kind == TIDE__FD_ALWAYS) {
        if (!io->queued) {
            io->queued = 1;
            io->run.run = tide__io_run;
            tide__ready_push(L, &io->run);
        }
        return 0;
    }
    if (io->slot != TIDE__IO_IDLE)
        return 0;
    int rc = io_reserve(L);
    if (rc < 0) {
        io->events = 0;
        return rc;
    }
    io->slot = L->io.n;
    L->io.watched[L->io.n++] = io;
    L->host_pending++;
    return 0;
}

void tide__io_unwant(tide__io *io)
{
    io->events = 0;
    if (io->slot == TIDE__IO_IDLE)
        return;
    tide_loop *L = io->loop;
    tide__io *last = L->io.watched[--L->io.n];
    L->io.watched[io->slot] = last;
    last->slot = io->slot;
    io->slot = TIDE__IO_IDLE;
    L->host_pending--;
}

void tide__io_close(tide__io *io)
{
    if (!io->loop)
        return; /* the loop went first and forgot it */
    tide__io_unwant(io);
    if (io->queued)
        tide__ready_remove(io->loop, &io->run.link);
    io->queued = 0;
    tide__list_remove(&io->link);
    io->loop = NULL;
}

void tide__io_fire(tide__io *io, int err, const char *why)
{
    if (io->events) /* (an earlier fire of this poll may have ended it) */
        io->ready(io, err, why);
}

void tide__io_run(tide__runnable *r)
{
    tide__io *io = TIDE__CONTAINER(r, tide__io, run);
    io->queued = 0;
    tide__io_fire(io, 0, NULL);
}

void tide__io_destroy(tide_loop *L)
{
    /* The ready queue is gone already: queued attempts with it. */
    while (!tide__list_empty(&L->io.all)) {
        tide__io *io = TIDE__CONTAINER(L->io.all.next, tide__io, link);
        tide__list_remove(&io->link);
        io->loop = NULL;
        io->slot = TIDE__IO_IDLE;
        io->events = 0;
        io->queued = 0;
    }
    tide__free(L, L->io.watched, L->io.cap * sizeof *L->io.watched);
    tide__free(L, L->io.scratch, L->io.scratch_size);
    L->io.watched = NULL;
    L->io.scratch = NULL;
    L->io.n = L->io.cap = 0;
    L->io.scratch_size = 0;
}
