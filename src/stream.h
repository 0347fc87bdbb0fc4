/*
 * stream.h - what the reader (reader.c) and the writer (writer.c) share:
 * their byte buffers, the opening of their fd, and how an fd's failure is
 * kept and told. Their memory is a tide__mem block, like a primitive's:
 * either may be destroyed after its loop.
 */
#ifndef TIDE_STREAM_H
#define TIDE_STREAM_H

#include "sync.h"

/* A stream's bytes: len of them at data + start, room for cap. */
typedef struct tide__buf {
    char *data;
    size_t start, len, cap;
} tide__buf;

static inline char *tide__buf_bytes(const tide__buf *b)
{
    return b->data + b->start;
}
/* Room for `more` bytes after the last one (moving the bytes to the front
 * or growing the block). Errors: TIDE_ENOMEM (nothing changed). */
int tide__buf_reserve(const tide__mem *m, tide__buf *b, size_t more);
/* Appends n bytes. Errors: TIDE_ENOMEM (nothing appended). */
int tide__buf_append(const tide__mem *m, tide__buf *b, const void *p,
                     size_t n);
/* Drops the first n bytes (n <= len). */
void tide__buf_consume(tide__buf *b, size_t n);
void tide__buf_free(const tide__mem *m, tide__buf *b);

/* What an fd's failure leaves: the error and its text ("read from fd 0:
 * Input/output error"), kept in the stream itself (a loop's message
 * would not outlive the loop). */
typedef struct tide__fd_error {
    int code; /* 0, TIDE_EPIPE or TIDE_EIO */
    char text[120];
} tide__fd_error;
void tide__fd_error_set(tide__fd_error *e, int code, const char *what,
                        int fd, const char *why);

/* The part a reader and a writer both begin with. */
typedef struct tide__stream {
    tide_loop *loop;   /* compared, never used after the loop is gone */
    tide__mem mem;
    tide__io io;       /* opened if fd >= 0 */
    int fd;            /* -1: none (a reader fed by the program) */
    unsigned flags;    /* TIDE_STREAM_* */
    int fd_closed;     /* TIDE_STREAM_CLOSE_FD did its work */
    tide__resource res;
} tide__stream;

/* A new stream of `size` bytes (a struct beginning with a tide__stream)
 * on `fd` (-1: none), its io opened for `events`, listed as a resource
 * with `ops`. Errors: TIDE_EINVAL (out NULL, unknown flags, a bad fd),
 * TIDE_ENOTSUP (the host cannot wait for the fd), TIDE_ENOLOOP,
 * TIDE_ETHREAD, TIDE_ENOMEM; with details named after `fn`. */
int tide__stream_new(tide_loop *loop, int fd, unsigned flags, int events,
                     size_t size, tide__io_ready_fn ready,
                     const tide__resource_ops *ops, tide__stream **out,
                     const char *fn);
/* Closes the fd if the stream owns it (once). */
void tide__stream_close_fd(tide__stream *s);
/* Frees a stream of `size` bytes (its fd closed if it owns it). */
void tide__stream_free(tide__stream *s, size_t size);
/* "reader#3 on fd 0" (or "reader#3" without an fd), into buf. */
const char *tide__stream_name(const tide__stream *s, char *buf, size_t n);

/* Wakes t with err and a message made of `text` (none if out of memory). */
void tide__wake_text(tide_task *t, int err, const char *text);

#endif
