/*
 * reader.c - tide_reader, asyncio's StreamReader over a file descriptor
 * (or fed by the program). asyncio's reads loop on "look at the buffer;
 * if it cannot answer, wait for data"; here a read that must wait records
 * what it asks for (an op), and the reader reads from its fd only while
 * someone waits, waking the reader's one waiter once the buffer can
 * answer the op, or the stream ended or failed. The answer itself is
 * taken when the waiter resumes (the wait's resume hook), so a read
 * cancelled at any point consumes nothing: bytes read stay buffered.
 */
#include "stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    OP_LINE,    /* readline */
    OP_UNTIL,   /* readuntil(sep) */
    OP_EXACTLY, /* readexactly(n) */
    OP_SOME,    /* read(n), n > 0 */
    OP_ALL      /* read(-1) */
};

/* A read: what it asks for, and where its answer goes. */
typedef struct reader_op {
    int kind;
    size_t n;         /* OP_EXACTLY, OP_SOME */
    const char *sep;  /* OP_UNTIL: the reader's copy (r->sep) */
    size_t seplen;
    tide_bytes *out;
} reader_op;

struct tide_reader {
    tide__stream s;
    size_t limit;
    tide__buf buf;      /* bytes read, not yet returned */
    tide__buf result;   /* the last answer, NUL-terminated */
    tide__buf sep;      /* readuntil's separator, kept across its wait */
    int eof;
    tide__fd_error err; /* a read error: every read after it fails */
    tide_task *waiter;  /* the task waiting for data (asyncio's _waiter) */
    reader_op op;       /* what it waits for */
};

/* An answer's error: its message, and for TIDE_ELIMIT asyncio's
 * LimitOverrunError.consumed. */
typedef struct answer {
    char text[120];
    size_t consumed;
} answer;

/* ---- answering a read from the buffer ------------------------------------- */

/* Hands the first n bytes of the buffer over as the answer; `consume`
 * more (n or more) leave the buffer. Errors: TIDE_ENOMEM (nothing
 * consumed). */
static int give(tide_reader *r, tide_bytes *out, size_t n, size_t consume)
{
    r->result.start = 0;
    r->result.len = 0;
    if (tide__buf_reserve(&r->s.mem, &r->result, n + 1) < 0)
        return TIDE_ENOMEM;
    if (n) /* (an empty answer may come from a buffer never allocated) */
        memcpy(r->result.data, tide__buf_bytes(&r->buf), n);
    r->result.data[n] = 0;
    r->result.len = n;
    tide__buf_consume(&r->buf, consume);
    out->data = r->result.data;
    out->len = n;
    return 0;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int failed(answer *a, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->text, sizeof a->text, fmt, ap);
    va_end(ap);
    return rc;
}

/* Where sep first occurs in the buffer, or len if nowhere. */
static size_t find(const tide_reader *r, const char *sep, size_t seplen)
{
    const char *b = tide__buf_bytes(&r->buf);
    size_t len = r->buf.len;
    for (size_t i = 0; i + seplen <= len; i++) {
        const char *p = memchr(b + i, sep[0], len - seplen + 1 - i);
        if (!p)
            break;
        i = (size_t)(p - b);
        if (memcmp(p, sep, seplen) == 0)
            return i;
    }
    return len;
}

/* readuntil on the buffer as it is (asyncio's loop body, in the same
 * order: a separator found, the limit passed, the end of the stream). */
static int until(tide_reader *r, const reader_op *op, int commit, answer *a)
{
    size_t len = r->buf.len, seplen = op->seplen;
    size_t at = find(r, op->sep, seplen);
    if (at < len) {
        if (at > r->limit) {
            a->consumed = at;
            return failed(a, TIDE_ELIMIT,
                          "the separator comes after %zu bytes, more than "
                          "the limit of %zu",
                          at, r->limit);
        }
        return commit ? give(r, op->out, at + seplen, at + seplen) : 0;
    }
    /* (the last seplen - 1 bytes may be the start of a separator) */
    size_t offset = len + 1 > seplen ? len + 1 - seplen : 0;
    if (offset > r->limit) {
        a->consumed = offset;
        return failed(a, TIDE_ELIMIT,
                      "no separator in the first %zu bytes, more than the "
                      "limit of %zu",
                      offset, r->limit);
    }
    if (!r->eof)
        return TIDE_PENDING;
    if (commit && give(r, op->out, len, len) < 0)
        return TIDE_ENOMEM;
    return failed(a, TIDE_EINCOMPLETE,
                  "the stream ended after %zu bytes, before the separator",
                  len);
}

/* readline: readuntil("\n"), with asyncio's treatment of its errors. */
static int line(tide_reader *r, const reader_op *op, int commit, answer *a)
{
    reader_op nl = *op;
    nl.sep = "\n";
    nl.seplen = 1;
    int rc = until(r, &nl, commit, a);
    if (rc == TIDE_EINCOMPLETE) /* the last line, without its "\n" */
        return 0;
    if (rc == TIDE_ELIMIT && commit) {
        /* the line goes, with its "\n" if there is one; the rest stays */
        size_t consumed = a->consumed;
        int nl_there = consumed < r->buf.len &&
                       tide__buf_bytes(&r->buf)[consumed] == '\n';
        tide__buf_consume(&r->buf, nl_there ? consumed + 1 : r->buf.len);
        a->consumed = 0;
        failed(a, TIDE_ELIMIT, "a line longer than the limit of %zu bytes",
               r->limit);
    }
    return rc;
}

/* The reader's answer to op now: TIDE_PENDING if it must wait for more.
 * With commit 0 it only says whether it would answer, changing nothing;
 * with commit 1 it gives the answer (*op->out, the buffer consumed) and
 * the error's message in a->text. */
static int answer_op(tide_reader *r, const reader_op *op, int commit,
                     answer *a)
{
    a->text[0] = 0;
    a->consumed = 0;
    if (r->err.code)
        return failed(a, r->err.code, "%s", r->err.text);
    size_t len = r->buf.len;
    switch (op->kind) {
    case OP_LINE:
        return line(r, op, commit, a);
    case OP_UNTIL:
        return until(r, op, commit, a);
    case OP_EXACTLY:
        if (len >= op->n)
            return commit ? give(r, op->out, op->n, op->n) : 0;
        if (!r->eof)
            return TIDE_PENDING;
        if (commit && give(r, op->out, len, len) < 0)
            return TIDE_ENOMEM;
        return failed(a, TIDE_EINCOMPLETE,
                      "the stream ended after %zu of %zu bytes", len, op->n);
    case OP_SOME:
        if (!len && !r->eof)
            return TIDE_PENDING;
        len = len < op->n ? len : op->n;
        return commit ? give(r, op->out, len, len) : 0;
    default: /* OP_ALL */
        if (!r->eof)
            return TIDE_PENDING;
        return commit ? give(r, op->out, len, len) : 0;
    }
}

/* ---- waiting ---------------------------------------------------------------- */

static void reader_wake(tide_reader *r, int err, const char *text)
{
    tide_task *t = r->waiter;
    if (!t || tide__waiter_done(t))
        return;
    if (r->s.fd >= 0)
        tide__io_unwant(&r->s.io);
    tide__wake_text(t, err, text);
}

/* Wakes the waiter if the buffer can answer it now. */
static void reader_poke(tide_reader *r)
{
    answer a;
    if (r->waiter && !tide__waiter_done(r->waiter) &&
        answer_op(r, &r->op, 0, &a) != TIDE_PENDING)
        reader_wake(r, 0, NULL);
}

/* The fd may have bytes (or the host's poll failed on it: err, why): one
 * read of up to a chunk. */
static void reader_io_ready(tide__io *io, int err, const char *why)
{
    tide_reader *r = TIDE__CONTAINER(io, tide_reader, s.io);
    if (tide__buf_reserve(&r->s.mem, &r->buf, TIDE_READ_CHUNK) < 0) {
        reader_wake(r, TIDE_ENOMEM, "no memory for the bytes to read");
        return;
    }
    char text[80] = "";
    ptrdiff_t n = tide__host_fd_read(io, r->buf.data + r->buf.start +
                                             r->buf.len,
                                     TIDE_READ_CHUNK, text, sizeof text);
    if (n > 0)
        r->buf.len += (size_t)n;
    else if (n == 0)
        r->eof = 1;
    else if (n != TIDE__IO_AGAIN)
        tide__fd_error_set(&r->err, (int)n, "read from", r->s.fd, text);
    else if (err < 0) /* the read cannot say: the poll's failure it is */
        tide__fd_error_set(&r->err, err, "read from", r->s.fd, why);
    reader_poke(r);
    if (r->waiter && !tide__waiter_done(r->waiter) &&
        io->kind == TIDE__FD_ALWAYS)
        tide__io_want(io, TIDE__IO_READ); /* the next chunk, next turn */
}

static int reader_suspend(tide_reader *r, tide_task *t);

/* A read is answered with rc: an error's message goes to the task, and
 * TIDE_ELIMIT's count of bytes to *out. */
static int answered(tide_task *t, tide_bytes *out, int rc, const answer *a)
{
    if (rc == TIDE_ELIMIT) {
        out->data = NULL;
        out->len = a->consumed;
    }
    if (rc < 0)
        tide__set_message(t, a->text[0] ? a->text : NULL);
    return rc;
}

static int reader_resume(tide_task *t, int status)
{
    tide_reader *r = t->wait.on.obj;
    r->waiter = NULL;
    if (r->s.fd >= 0)
        tide__io_unwant(&r->s.io); /* (cancelled while it waited) */
    if (status < 0) {
        r->op.out->data = NULL;
        r->op.out->len = 0;
        return status;
    }
    answer a;
    int rc = answer_op(r, &r->op, 1, &a);
    if (rc == TIDE_PENDING) /* another task took the bytes meanwhile */
        return reader_suspend(r, t);
    return answered(t, r->op.out, rc, &a);
}

static int reader_cancel(tide_task *t, tide__msg *msg)
{
    tide_reader *r = t->wait.on.obj;
    if (r->s.fd >= 0)
        tide__io_unwant(&r->s.io);
    tide__wake(t, TIDE_ECANCELLED, msg);
    return 1;
}

static void reader_drop(tide_task *t)
{
    tide_reader *r = t->wait.on.obj;
    r->waiter = NULL;
    if (r->s.fd >= 0)
        tide__io_unwant(&r->s.io);
}

static const char *op_name(int kind)
{
    static const char *names[] = {"readline", "readuntil", "readexactly",
                                  "read", "read to the end"};
    return names[kind];
}

static tide_task *reader_wait_describe(tide_task *t, char *buf, size_t n)
{
    tide_reader *r = t->wait.on.obj;
    char name[64];
    snprintf(buf, n, "%s (%s, %zu bytes buffered)",
             tide__stream_name(&r->s, name, sizeof name), op_name(r->op.kind),
             r->buf.len);
    return NULL;
}

static const tide__wait_ops reader_ops = {
    .what = "read",
    .cancel = reader_cancel,
    .resume = reader_resume,
    .drop = reader_drop,
    .describe = reader_wait_describe,
};

static int reader_suspend(tide_reader *r, tide_task *t)
{
    if (r->s.fd >= 0) {
        int rc = tide__io_want(&r->s.io, TIDE__IO_READ);
        if (rc < 0)
            return rc;
    }
    r->waiter = t;
    t->wait.on.obj = r;
    return tide__suspend(t, &reader_ops, NULL);
}

/* Every read: checks, an answer at once if the buffer has one, else a
 * wait for it. */
static int reader_read(tide_reader *r, reader_op *op, const char *call)
{
    int err;
    if (op->out) {
        op->out->data = NULL;
        op->out->len = 0;
    }
    if (!r || !op->out)
        return TIDE_EINVAL;
    tide_task *t = tide__sync_task(r->s.loop, &err, call);
    if (!t)
        return err;
    if (r->waiter)
        return tide__await_fail(t, TIDE_ESTATE,
                                "%s called while another task waits for "
                                "data on this reader",
                                call);
    answer a;
    int rc = answer_op(r, op, 1, &a);
    if (rc == TIDE_PENDING) {
        if (op->kind == OP_UNTIL) { /* keep the separator across the wait */
            r->sep.start = r->sep.len = 0;
            if (tide__buf_append(&r->s.mem, &r->sep, op->sep, op->seplen) < 0)
                return TIDE_ENOMEM;
            op->sep = r->sep.data;
        }
        r->op = *op;
        return reader_suspend(r, t);
    }
    return answered(t, op->out, rc, &a);
}

tide_await tide_reader_readline(tide_reader *r, tide_bytes *out)
{
    reader_op op = {.kind = OP_LINE, .out = out};
    return tide__aw(reader_read(r, &op, "tide_reader_readline"));
}

tide_await tide_reader_readuntil(tide_reader *r, const void *sep,
                                 size_t seplen, tide_bytes *out)
{
    reader_op op = {.kind = OP_UNTIL, .sep = sep, .seplen = seplen,
                    .out = out};
    if (!sep || !seplen) {
        if (out) {
            out->data = NULL;
            out->len = 0;
        }
        return tide__aw(TIDE_EINVAL);
    }
    return tide__aw(reader_read(r, &op, "tide_reader_readuntil"));
}

tide_await tide_reader_readexactly(tide_reader *r, size_t n, tide_bytes *out)
{
    reader_op op = {.kind = OP_EXACTLY, .n = n, .out = out};
    return tide__aw(reader_read(r, &op, "tide_reader_readexactly"));
}

tide_await tide_reader_read(tide_reader *r, ptrdiff_t n, tide_bytes *out)
{
    reader_op op = {.kind = n < 0 ? OP_ALL : OP_SOME, .n = (size_t)n,
                    .out = out};
    if (n == 0) /* at once, once the error check has had its say */
        op.kind = OP_EXACTLY;
    return tide__aw(reader_read(r, &op, "tide_reader_read"));
}

/* ---- the reader itself --------------------------------------------------- */

static int reader_describe(const tide__resource *res, char *buf, size_t n)
{
    const tide_reader *r = TIDE__CONTAINER(res, tide_reader, s.res);
    snprintf(buf, n, "%zu bytes buffered%s%s", r->buf.len,
             r->eof ? ", at the end" : "",
             r->waiter ? ", a task waiting" : "");
    return r->waiter != NULL;
}

static const tide__resource_ops reader_res = {.kind = "reader",
                                              .describe = reader_describe};

int tide_reader_create(tide_loop *loop, int fd, size_t limit, unsigned flags,
                       tide_reader **out)
{
    tide__stream *s;
    if (!out)
        return TIDE__NULL_ARG("out");
    *out = NULL;
    int rc = tide__stream_new(loop, fd, flags, TIDE__IO_READ,
                              sizeof(tide_reader), reader_io_ready,
                              &reader_res, &s, __func__);
    if (rc < 0)
        return rc;
    tide_reader *r = TIDE__CONTAINER(s, tide_reader, s);
    r->limit = limit ? limit : TIDE_STREAM_LIMIT;
    *out = r;
    return 0;
}

int tide_reader_destroy(tide_reader *r)
{
    if (!r)
        return 0;
    if (tide__foreign_resource(&r->s.res, r->s.loop))
        return tide__fail_thread(__func__);
    if (r->waiter)
        return tide__busy(__func__, 0);
    tide__buf_free(&r->s.mem, &r->buf);
    tide__buf_free(&r->s.mem, &r->result);
    tide__buf_free(&r->s.mem, &r->sep);
    tide__stream_free(&r->s, sizeof *r);
    return 0;
}

int tide_reader_at_eof(const tide_reader *r)
{
    return r && r->eof && !r->buf.len;
}

size_t tide_reader_buffer_size(const tide_reader *r)
{
    return r ? r->buf.len : 0;
}

size_t tide_reader_limit(const tide_reader *r)
{
    return r ? r->limit : 0;
}

/* A fed reader (fd -1) that `fn` may feed: 0, or why not. */
static int feedable(tide_reader *r, const char *fn)
{
    if (!r)
        return tide__fail(fn, TIDE_EINVAL, "r is NULL");
    if (tide__foreign(r->s.loop))
        return tide__fail_thread(fn);
    if (r->s.fd >= 0)
        return tide__fail(fn, TIDE_ESTATE,
                          "the reader reads fd %d: only a reader without "
                          "an fd (fd -1) is fed",
                          r->s.fd);
    return 0;
}

int tide_reader_feed(tide_reader *r, const void *data, size_t len)
{
    int rc = feedable(r, __func__);
    if (rc < 0)
        return rc;
    if (!data && len)
        return tide__fail(__func__, TIDE_EINVAL, "data is NULL, len %zu",
                          len);
    if (r->eof) /* asyncio asserts: feed_data after feed_eof */
        return tide__fail(__func__, TIDE_ESTATE,
                          "fed after its end (tide_reader_feed_eof)");
    rc = tide__buf_append(&r->s.mem, &r->buf, data, len);
    if (rc < 0)
        return rc;
    reader_poke(r);
    return 0;
}

int tide_reader_feed_eof(tide_reader *r)
{
    int rc = feedable(r, __func__);
    if (rc < 0)
        return rc;
    r->eof = 1;
    reader_poke(r);
    return 0;
}
