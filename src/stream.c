/*
 * stream.c - what the reader and the writer share (stream.h): byte
 * buffers, a stream's creation and end, an fd's failure told once.
 */
#include "stream.h"

#include <stdio.h>
#include <string.h>

/* ---- buffers --------------------------------------------------------------- */

int tide__buf_reserve(const tide__mem *m, tide__buf *b, size_t more)
{
    if (b->cap - b->start - b->len >= more)
        return 0;
    if (b->start && b->cap - b->len >= more) {
        memmove(b->data, b->data + b->start, b->len);
        b->start = 0;
        return 0;
    }
    if (more > SIZE_MAX / 2 - b->len)
        return TIDE_ENOMEM;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more)
        cap *= 2;
    char *data = m->fn(m->ud, NULL, 0, cap);
    if (!data)
        return TIDE_ENOMEM;
    if (b->len)
        memcpy(data, b->data + b->start, b->len);
    if (b->data)
        tide__mem_free(m, b->data, b->cap);
    b->data = data;
    b->start = 0;
    b->cap = cap;
    return 0;
}

int tide__buf_append(const tide__mem *m, tide__buf *b, const void *p,
                     size_t n)
{
    if (!n)
        return 0;
    int rc = tide__buf_reserve(m, b, n);
    if (rc < 0)
        return rc;
    memcpy(b->data + b->start + b->len, p, n);
    b->len += n;
    return 0;
}

void tide__buf_consume(tide__buf *b, size_t n)
{
    b->len -= n;
    b->start = b->len ? b->start + n : 0;
}

void tide__buf_free(const tide__mem *m, tide__buf *b)
{
    if (b->data)
        tide__mem_free(m, b->data, b->cap);
    memset(b, 0, sizeof *b);
}

/* ---- an fd's failure ------------------------------------------------------- */

void tide__fd_error_set(tide__fd_error *e, int code, const char *what,
                        int fd, const char *why)
{
    e->code = code;
    snprintf(e->text, sizeof e->text, "%s fd %d: %s", what, fd,
             why && why[0] ? why : tide_strerror(code));
}

void tide__wake_text(tide_task *t, int err, const char *text)
{
    tide__msg *m = text ? tide__msg_new(t->loop, text) : NULL;
    tide__wake(t, err, m); /* out of memory: the error goes on, no text */
    tide__msg_unref(t->loop, m);
}

/* ---- a stream's life --------------------------------------------------------- */

int tide__stream_new(tide_loop *loop, int fd, unsigned flags, int events,
                     size_t size, tide__io_ready_fn ready,
                     const tide__resource_ops *ops, tide__stream **out,
                     const char *fn)
{
    int err;
    if (!out)
        return tide__fail(fn, TIDE_EINVAL, "out is NULL");
    *out = NULL;
    if (flags & ~(unsigned)TIDE_STREAM_CLOSE_FD)
        return tide__fail(fn, TIDE_EINVAL, "unknown flags 0x%x", flags);
    if (fd < -1)
        return tide__fail(fn, TIDE_EINVAL, "fd %d is not an fd", fd);
    tide_loop *L = tide__sync_loop(loop, &err, fn);
    if (!L)
        return err;
    tide__mem mem;
    tide__stream *s = tide__mem_alloc(L, size, &mem);
    if (!s)
        return TIDE_ENOMEM;
    memset(s, 0, size);
    s->loop = L;
    s->mem = mem;
    s->fd = fd;
    s->flags = flags;
    if (fd >= 0) {
        int rc = tide__io_open(L, &s->io, fd, events, ready, fn);
        if (rc < 0) {
            tide__mem_free(&mem, s, size);
            return rc;
        }
    }
    tide__resource_add(L, &s->res, ops);
    *out = s;
    return 0;
}

void tide__stream_close_fd(tide__stream *s)
{
    if (s->fd >= 0 && (s->flags & TIDE_STREAM_CLOSE_FD) && !s->fd_closed) {
        s->fd_closed = 1;
        tide__io_close(&s->io); /* before the fd number can be reused */
        tide__host_fd_close(s->fd);
    }
}

void tide__stream_free(tide__stream *s, size_t size)
{
    if (s->fd >= 0) {
        tide__io_close(&s->io);
        tide__stream_close_fd(s);
    }
    tide__resource_remove(&s->res);
    tide__mem mem = s->mem;
    tide__mem_free(&mem, s, size);
}

const char *tide__stream_name(const tide__stream *s, char *buf, size_t n)
{
    char name[40];
    const char *kind = s->res.ops ? s->res.ops->kind : "stream";
    tide__res_name(&s->res, kind, name, sizeof name);
    if (s->fd >= 0)
        snprintf(buf, n, "%s on fd %d", name, s->fd);
    else
        snprintf(buf, n, "%s", name);
    return buf;
}
