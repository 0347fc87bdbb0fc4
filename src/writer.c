/*
 * writer.c - tide_writer, asyncio's StreamWriter over a pipe transport:
 * write() hands the fd what it takes at once and buffers the rest, which
 * the loop writes as the fd becomes ready, with no task involved; drain()
 * is the flow control (it waits above the high-water mark until the
 * buffer is down to the low one); close() writes what is buffered, then
 * closes; wait_closed() waits for that. A failure of the fd (a reader
 * gone: EPIPE) drops what is buffered, is kept, and is what every write,
 * drain and wait_closed after it returns.
 */
#include "stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tide_writer {
    tide__stream s;
    tide__buf buf;        /* bytes written to the writer, not to the fd */
    size_t high, low;     /* the water marks */
    int paused;           /* went above high: drain waits (asyncio's
                             paused protocol) until down to low */
    int closing;          /* tide_writer_close was called */
    int closed;           /* closing, and everything written (or failed) */
    tide__fd_error err;   /* the fd failed */
    tide__waitq drainers; /* tasks in tide_writer_drain */
    tide__waitq closers;  /* tasks in tide_writer_wait_closed */
};

/* Wakes every waiter of q not woken yet, with err and the writer's text. */
static void wake_all(tide_writer *w, tide__waitq *q, int err)
{
    for (tide_task *t = tide__waitq_first(q); t; t = tide__waitq_next(q, t))
        if (!tide__waiter_done(t))
            tide__wake_text(t, err, err ? w->err.text : NULL);
}

/* Closing, and nothing left to write: the writer is closed. */
static void finish_close(tide_writer *w)
{
    if (w->s.fd >= 0)
        tide__io_unwant(&w->s.io);
    w->closed = 1;
    tide__stream_close_fd(&w->s);
    wake_all(w, &w->closers, w->err.code);
}

/* The fd failed: nothing more is written; everyone waiting hears it. */
static void writer_fail(tide_writer *w, int code, const char *why)
{
    tide__fd_error_set(&w->err, code, "write to", w->s.fd, why);
    w->buf.start = w->buf.len = 0;
    w->paused = 0;
    if (w->s.fd >= 0)
        tide__io_unwant(&w->s.io);
    wake_all(w, &w->drainers, code);
    if (w->closing)
        finish_close(w);
}

/* Writes from `data` what the fd takes now: the count, or an error (the
 * writer has failed then). */
static ptrdiff_t write_now(tide_writer *w, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        char why[80] = "";
        ptrdiff_t n = tide__host_fd_write(&w->s.io, data + done, len - done,
                                          why, sizeof why);
        if (n == TIDE__IO_AGAIN)
            break;
        if (n < 0) {
            writer_fail(w, (int)n, why);
            return n;
        }
        done += (size_t)n;
    }
    return (ptrdiff_t)done;
}

/* asyncio's _maybe_pause_protocol / _maybe_resume_protocol. */
static void water_check(tide_writer *w)
{
    if (w->buf.len > w->high) {
        w->paused = 1;
    } else if (w->paused && w->buf.len <= w->low) {
        w->paused = 0;
        wake_all(w, &w->drainers, 0);
    }
}

/* The fd may take more of the buffer (or the host's poll failed on it:
 * err, why; the write then tells what went wrong, if it can). */
static void writer_io_ready(tide__io *io, int err, const char *why)
{
    tide_writer *w = TIDE__CONTAINER(io, tide_writer, s.io);
    ptrdiff_t n = write_now(w, tide__buf_bytes(&w->buf), w->buf.len);
    if (n < 0)
        return;
    if (n == 0 && err < 0) { /* it cannot: the poll's failure it is */
        writer_fail(w, err, why);
        return;
    }
    tide__buf_consume(&w->buf, (size_t)n);
    water_check(w);
    if (!w->buf.len) {
        tide__io_unwant(io);
        if (w->closing)
            finish_close(w);
    } else if (io->kind == TIDE__FD_ALWAYS) {
        tide__io_want(io, TIDE__IO_WRITE); /* the rest, next turn */
    }
}

/* ---- write ---------------------------------------------------------------- */

/* Whether `fn` may write to w: 0, or why not (with its detail). */
static int writable(const tide_writer *w, const char *fn)
{
    if (!w)
        return tide__fail(fn, TIDE_EINVAL, "w is NULL");
    if (tide__foreign(w->s.loop))
        return tide__fail_thread(fn);
    if (w->closing)
        return tide__fail(fn, TIDE_ESTATE, "the writer is closed");
    if (w->err.code) /* failed before: the fd's own words */
        return tide__fail(fn, w->err.code, "%s", w->err.text);
    return 0;
}

int tide_writer_write(tide_writer *w, const void *data, size_t len)
{
    int rc = writable(w, __func__);
    if (rc < 0)
        return rc;
    if (!data && len)
        return tide__fail(__func__, TIDE_EINVAL, "data is NULL, len %zu",
                          len);
    if (!len)
        return 0;
    if (!w->buf.len) { /* asyncio's transport tries at once */
        ptrdiff_t n = write_now(w, data, len);
        if (n < 0)
            return tide__fail(__func__, (int)n, "%s", w->err.text);
        data = (const char *)data + n;
        len -= (size_t)n;
        if (!len)
            return 0;
    }
    /* the rest waits for the fd: a watch first, so it cannot be stuck */
    rc = tide__io_want(&w->s.io, TIDE__IO_WRITE);
    if (rc < 0)
        return rc;
    rc = tide__buf_append(&w->s.mem, &w->buf, data, len);
    if (rc < 0) {
        if (!w->buf.len)
            tide__io_unwant(&w->s.io);
        return rc;
    }
    water_check(w);
    return 0;
}

int tide_writer_printf(tide_writer *w, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    if (!fmt)
        return TIDE__NULL_ARG("fmt");
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return tide__fail(__func__, TIDE_EINVAL, "bad format \"%s\"", fmt);
    if ((size_t)n < sizeof small)
        return tide_writer_write(w, small, (size_t)n);
    int rc = writable(w, __func__);
    if (rc < 0)
        return rc;
    tide__mem mem = w->s.mem;
    char *big = mem.fn(mem.ud, NULL, 0, (size_t)n + 1);
    if (!big)
        return TIDE_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rc = tide_writer_write(w, big, (size_t)n);
    tide__mem_free(&mem, big, (size_t)n + 1);
    return rc;
}

/* ---- drain, close, wait_closed ----------------------------------------- */

static int writer_resume(tide_task *t, int status)
{
    tide__waitq_remove(t);
    return status;
}

static const tide__wait_ops drain_ops;

static tide_task *writer_wait_describe(tide_task *t, char *buf, size_t n)
{
    tide__waitq *q = tide__waitq_of(t);
    tide_writer *w = t->wait_ops == &drain_ops
                         ? TIDE__CONTAINER(q, tide_writer, drainers)
                         : TIDE__CONTAINER(q, tide_writer, closers);
    char name[64];
    snprintf(buf, n, "%s (%zu bytes buffered)",
             tide__stream_name(&w->s, name, sizeof name), w->buf.len);
    return NULL;
}

static const tide__wait_ops drain_ops = {
    .what = "drain",
    .cancel = tide__waitq_cancel,
    .resume = writer_resume,
    .drop = tide__waitq_drop,
    .describe = writer_wait_describe,
};

static const tide__wait_ops closed_ops = {
    .what = "wait_closed",
    .cancel = tide__waitq_cancel,
    .resume = writer_resume,
    .drop = tide__waitq_drop,
    .describe = writer_wait_describe,
};

/* The checks of drain and wait_closed: the task, or NULL and *err. */
static tide_task *writer_task(tide_writer *w, int *err, const char *call)
{
    if (!w) {
        *err = TIDE_EINVAL;
        return NULL;
    }
    tide_task *t = tide__sync_task(w->s.loop, err, call);
    if (t && w->err.code) {
        tide__set_message(t, w->err.text);
        *err = w->err.code;
        return NULL;
    }
    return t;
}

static int writer_drain(tide_writer *w)
{
    int err;
    tide_task *t = writer_task(w, &err, "tide_writer_drain");
    if (!t)
        return err;
    if (w->closed) {
        tide__set_message(t, "drain of a closed writer");
        return TIDE_ESTATE;
    }
    if (!w->paused)
        return 0;
    return tide__waitq_wait(&w->drainers, t, &drain_ops, NULL);
}

tide_await tide_writer_drain(tide_writer *w)
{
    return tide__aw(writer_drain(w));
}

int tide_writer_close(tide_writer *w)
{
    if (!w)
        return TIDE__NULL_ARG("w");
    if (tide__foreign(w->s.loop))
        return tide__fail_thread(__func__);
    if (w->closing)
        return 0;
    w->closing = 1;
    if (!w->buf.len)
        finish_close(w);
    return 0;
}

static int writer_wait_closed(tide_writer *w)
{
    int err;
    tide_task *t = writer_task(w, &err, "tide_writer_wait_closed");
    if (!t)
        return err;
    if (!w->closing) {
        tide__set_message(t, "wait_closed of a writer not closed");
        return TIDE_ESTATE;
    }
    if (w->closed)
        return 0;
    return tide__waitq_wait(&w->closers, t, &closed_ops, NULL);
}

tide_await tide_writer_wait_closed(tide_writer *w)
{
    return tide__aw(writer_wait_closed(w));
}

/* ---- the writer itself --------------------------------------------------- */

static int writer_describe(const tide__resource *res, char *buf, size_t n)
{
    const tide_writer *w = TIDE__CONTAINER(res, tide_writer, s.res);
    snprintf(buf, n, "%zu bytes buffered%s, %zu draining, %zu waiting "
             "for the close",
             w->buf.len, w->closing ? ", closing" : "", w->drainers.len,
             w->closers.len);
    return w->drainers.len || w->closers.len || (w->buf.len && !w->err.code);
}

static const tide__resource_ops writer_res = {.kind = "writer",
                                              .describe = writer_describe};

int tide_writer_create(tide_loop *loop, int fd, unsigned flags,
                       tide_writer **out)
{
    tide__stream *s;
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    if (fd < 0)
        return tide__fail(__func__, TIDE_EINVAL, "fd %d is not an fd", fd);
    int rc = tide__stream_new(loop, fd, flags, TIDE__IO_WRITE,
                              sizeof(tide_writer), writer_io_ready,
                              &writer_res, &s, __func__);
    if (rc < 0)
        return rc;
    tide_writer *w = TIDE__CONTAINER(s, tide_writer, s);
    w->high = TIDE_WRITE_HIGH_WATER;
    w->low = TIDE_WRITE_LOW_WATER;
    tide__waitq_init(&w->drainers);
    tide__waitq_init(&w->closers);
    *out = w;
    return 0;
}

int tide_writer_destroy(tide_writer *w)
{
    if (!w)
        return 0;
    if (tide__foreign_resource(&w->s.res, w->s.loop))
        return tide__fail_thread(__func__);
    if (w->drainers.len || w->closers.len)
        return tide__busy(__func__, 0);
    tide__buf_free(&w->s.mem, &w->buf);
    tide__stream_free(&w->s, sizeof *w);
    return 0;
}

int tide_writer_error(const tide_writer *w, const char **message)
{
    int code = w ? w->err.code : 0;
    if (message)
        *message = code ? w->err.text : NULL;
    return code;
}

int tide_writer_is_closing(const tide_writer *w)
{
    return w ? w->closing : 0;
}

size_t tide_writer_buffer_size(const tide_writer *w)
{
    return w ? w->buf.len : 0;
}

int tide_writer_set_buffer_limits(tide_writer *w, size_t high, size_t low)
{
    if (!w)
        return TIDE__NULL_ARG("w");
    if (tide__foreign(w->s.loop))
        return tide__fail_thread(__func__);
    /* 0 is asyncio's None: high from low (4 times it) or the default,
     * low a quarter of high */
    if (!high)
        high = low && low <= SIZE_MAX / 4 ? 4 * low : TIDE_WRITE_HIGH_WATER;
    if (!low)
        low = high / 4;
    if (low > high)
        return tide__fail(__func__, TIDE_EINVAL,
                          "low-water mark %zu above high-water mark %zu", low,
                          high);
    w->high = high;
    w->low = low;
    water_check(w);
    return 0;
}
